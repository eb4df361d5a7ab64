/**
 * Issue 11, "Wrong clinical output", item 1: every result value is a finite number inside its
 * analyte's plausible range, kept exactly as given. Reproduces the defects first: 1e308 rated
 * GREEN and shown as Infinity (rounding overflowed), 1e400 stored as Infinity, negative values
 * rated, 1e-300 stored as 0.
 */
import { describe, expect, it } from 'vitest';
import { ANALYTES, PANELS, type TestKey } from '../../src/domain/test-keys.js';
import { MAX_DECIMALS, canonicalUnit, normaliseValue, plausibleRange, readResultValue, takesValue } from '../../src/domain/units.js';

describe('result values: the defects reproduced', () => {
  it.each([
    ['1e308', 'range'], ['1e400', 'range'], ['Infinity', 'range'], ['-Infinity', 'range'], ['-1', 'range'], ['-0.5', 'range'],
    ['1e-300', 'value'], ['NaN', 'value'], ['abc', 'value'], ['', 'value'],
  ] as const)('neutrophils %s 10^9/L is refused (%s), naming the plausible range', (received, problem) => {
    const read = readResultValue('neutrophils', received, '10^9/L');
    expect(read).toMatchObject({ ok: false, problem });
    if (!read.ok) expect(read.message).toContain('0 to 500 10^9/L');
  });

  it('the old rounding overflow cannot happen: a huge value is refused before any arithmetic is stored', () => {
    // Math.round(1e308 * 1000) / 1000 was Infinity; JSON then wrote the audit value as null.
    expect(normaliseValue('neutrophils', 1e308, '10^9/L')).toMatchObject({ ok: false, problem: 'range' });
    expect(normaliseValue('creatinine', 1e307, 'mg/dL')).toMatchObject({ ok: false, problem: 'range' });
    const converted = normaliseValue('creatinine', 100, 'mg/dL');
    expect(converted.ok ? '' : converted.message).toBe(
      'creatinine 100 mg/dL (8842 µmol/L) is outside the plausible range, 5 to 5000 µmol/L; check the value and its unit as the laboratory reported them');
  });

  it('numbers from a later feed go through the same check (non-finite numbers included)', () => {
    expect(readResultValue('lithium_level', Number.POSITIVE_INFINITY, 'mmol/L')).toMatchObject({ ok: false, problem: 'range' });
    expect(readResultValue('lithium_level', Number.NaN, 'mmol/L')).toMatchObject({ ok: false, problem: 'range' });
    expect(readResultValue('lithium_level', -0.2, 'mmol/L')).toMatchObject({ ok: false, problem: 'range' });
    expect(readResultValue('lithium_level', 0.65, 'mmol/L')).toEqual({ ok: true, value: 0.65, unit: 'mmol/L' });
  });
});

describe('result values: what is accepted', () => {
  it('keeps a value in the canonical unit exactly as given (no rounding)', () => {
    expect(readResultValue('lithium_level', '0.6543', 'mmol/L')).toEqual({ ok: true, value: 0.6543, unit: 'mmol/L' });
    expect(readResultValue('neutrophils', '0', '10^9/L')).toEqual({ ok: true, value: 0, unit: '10^9/L' });
    expect(readResultValue('neutrophils', '1.5e0', '10^9/L')).toEqual({ ok: true, value: 1.5, unit: '10^9/L' });
    expect(readResultValue('inr', '2.5', '')).toEqual({ ok: true, value: 2.5, unit: 'ratio' });
  });

  it('accepts both ends of a range and refuses just outside them', () => {
    expect(readResultValue('sodium', '80', 'mmol/L').ok).toBe(true);
    expect(readResultValue('sodium', '220', 'mmol/L').ok).toBe(true);
    expect(readResultValue('sodium', '79.9', 'mmol/L')).toMatchObject({ ok: false, problem: 'range' });
    expect(readResultValue('sodium', '220.1', 'mmol/L')).toMatchObject({ ok: false, problem: 'range' });
  });

  it(`allows at most ${MAX_DECIMALS} decimal places, however the number is written`, () => {
    expect(readResultValue('tsh', '0.0051', 'mU/L').ok).toBe(true);
    expect(readResultValue('tsh', '51e-4', 'mU/L').ok).toBe(true);
    expect(readResultValue('tsh', '0.00051', 'mU/L')).toMatchObject({ ok: false, problem: 'value' });
    expect(readResultValue('tsh', '2.50000', 'mU/L').ok).toBe(true); // trailing zeros add no precision
  });

  it('still refuses a panel and a wrong unit as before', () => {
    expect(readResultValue('fbc', '4', '')).toMatchObject({ ok: false, problem: 'test' });
    expect(readResultValue('lithium_level', '0.6', 'mg')).toMatchObject({ ok: false, problem: 'unit' });
  });
});

describe('plausible ranges are data beside the units', () => {
  const valueTests = ([...PANELS, ...ANALYTES] as TestKey[]).filter(takesValue);

  it('every test that takes a value has a range in its canonical unit, with a reason or source', () => {
    expect(valueTests.length).toBeGreaterThan(25);
    for (const test of valueTests) {
      const range = plausibleRange(test);
      expect(range, test).not.toBeNull();
      expect(range!.min, test).toBeGreaterThanOrEqual(0);
      expect(range!.max, test).toBeGreaterThan(range!.min);
      expect(range!.why, test).toMatch(/^local default: .{10,}/);
      expect(canonicalUnit(test), test).not.toBeNull();
    }
  });

  it('tests that take no value have no range', () => {
    expect(plausibleRange('fbc')).toBeNull();
    expect(plausibleRange('medication_review')).toBeNull();
  });
});
