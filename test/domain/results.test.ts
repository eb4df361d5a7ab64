/**
 * Result evaluation on the default rules: traffic lights for clozapine, the BSR DMARD set,
 * lithium, INR and HbA1c, and trend rules that compare with earlier results.
 */
import { describe, expect, it } from 'vitest';
import type { ValuePoint } from '../../src/domain/register.js';
import { evaluateResult } from '../../src/domain/results.js';
import type { TestKey } from '../../src/domain/test-keys.js';
import { canonicalUnit, normaliseValue } from '../../src/domain/units.js';
import { defaultRules } from '../support/rules.js';

const rules = defaultRules();

function flagOf(analyte: TestKey, value: number, ruleIds: string[], history: ValuePoint[] = []) {
  return evaluateResult({ analyte, value, unit: canonicalUnit(analyte) ?? '', takenOn: '2026-06-15', history, ruleIds }, rules);
}

describe('clozapine traffic light (GGC-CLZ, ZTAS)', () => {
  it.each([
    ['wbc', 3.6, 'green'], ['wbc', 3.5, 'green'], ['wbc', 3.49, 'amber'], ['wbc', 3.0, 'amber'], ['wbc', 2.99, 'red'],
    ['neutrophils', 2.1, 'green'], ['neutrophils', 2.0, 'green'], ['neutrophils', 1.9, 'amber'], ['neutrophils', 1.5, 'amber'], ['neutrophils', 1.4, 'red'],
  ] as const)('%s %f → %s', (analyte, value, flag) => {
    expect(flagOf(analyte, value, ['clozapine']).flag).toBe(flag);
  });

  it('a red result says what to do and cites its source', () => {
    const evaluation = flagOf('neutrophils', 1.4, ['clozapine']);
    expect(evaluation.reason).toMatch(/neutrophils 1\.4/);
    expect(evaluation.findings[0]?.sources.length).toBeGreaterThan(0);
  });
});

describe('BSR DMARD set (withhold and contact the specialist)', () => {
  it.each([
    ['wbc', 3.4, 'red'], ['wbc', 3.5, 'green'],
    ['neutrophils', 1.5, 'red'], ['neutrophils', 1.6, 'green'],
    ['platelets', 139, 'red'], ['platelets', 140, 'green'],
    ['mcv', 106, 'amber'], ['mcv', 105, 'green'],
    ['albumin', 29, 'red'], ['albumin', 30, 'green'],
    ['alt', 101, 'red'], ['alt', 100, 'green'],
    ['ast', 101, 'red'],
    ['egfr', 59, 'red'], ['egfr', 60, 'green'],
  ] as const)('methotrexate: %s %f → %s', (analyte, value, flag) => {
    expect(flagOf(analyte, value, ['methotrexate']).flag).toBe(flag);
  });

  it.each(['azathioprine', 'sulfasalazine', 'leflunomide', 'mycophenolate'])('applies to %s too', (ruleId) => {
    expect(flagOf('platelets', 120, [ruleId]).flag).toBe('red');
  });

  // Issue 10 item 5: "unexplained eosinophilia >0.5 ×10⁹/L" (BSR 2017, as listed on the SPS DMARD pages).
  it.each([[0.6, 'amber'], [0.51, 'amber'], [0.5, 'green'], [0.2, 'green']] as const)('eosinophils %f → %s on a DMARD', (value, flag) => {
    expect(flagOf('eosinophils', value, ['methotrexate']).flag).toBe(flag);
    expect(flagOf('eosinophils', value, ['leflunomide']).flag).toBe(flag);
  });

  it('eosinophils are not rated for a drug the BSR list does not cover', () => {
    expect(flagOf('eosinophils', 0.9, ['lithium']).flag).toBe('not_rated');
  });
});

describe('lithium level (NICE QS95; SPS toxicity ≈ 1.5 mmol/L)', () => {
  it.each([[0.7, 'green'], [0.4, 'green'], [1.0, 'green'], [0.3, 'amber'], [1.1, 'amber'], [1.49, 'amber'], [1.5, 'red'], [2.1, 'red']] as const)(
    '%f mmol/L → %s', (value, flag) => {
      expect(flagOf('lithium_level', value, ['lithium']).flag).toBe(flag);
    });
});

describe('INR on warfarin: target 2.5, range 2.0–3.0; urgent above 5.0 or more than 1 below target', () => {
  it.each([[2.5, 'green'], [2.0, 'green'], [3.0, 'green'], [1.9, 'amber'], [3.1, 'amber'], [5.0, 'amber'], [5.1, 'red'], [1.4, 'red']] as const)(
    'INR %f → %s', (value, flag) => {
      expect(flagOf('inr', value, ['warfarin']).flag).toBe(flag);
    });

  it('an INR for a patient on none of the rules with INR thresholds is not rated against warfarin ranges', () => {
    // Was "green" with "no threshold is configured": green must mean a threshold judged the value (issue 11).
    const evaluation = flagOf('inr', 1.1, ['lithium']);
    expect(evaluation.flag).toBe('not_rated');
    expect(evaluation.reason).toMatch(/not rated, because no threshold for inr applies to lithium/);
  });
});

describe('HbA1c on antipsychotics (NICE CG178, Lester)', () => {
  it.each([[41, 'green'], [42, 'amber'], [47, 'amber'], [48, 'red']] as const)('%d mmol/mol → %s', (value, flag) => {
    expect(flagOf('hba1c', value, ['antipsychotic']).flag).toBe(flag);
  });

  it('a result in % (NGSP) is converted, to whole mmol/mol as labs report it, before it is judged', () => {
    const converted = normaliseValue('hba1c', 6.5, '%');
    expect(converted).toEqual({ ok: true, value: 48, unit: 'mmol/mol' });
    expect(converted.ok && flagOf('hba1c', converted.value, ['clozapine']).flag).toBe('red');
    const six = normaliseValue('hba1c', 6.0, '%');
    expect(six).toEqual({ ok: true, value: 42, unit: 'mmol/mol' });
  });
});

describe('trends against earlier results', () => {
  it('creatinine more than 30% above the baseline within 12 months is red for DMARDs (BSR)', () => {
    const history = [{ value: 90, takenOn: '2026-03-01' }, { value: 80, takenOn: '2025-08-01' }];
    expect(flagOf('creatinine', 105, ['methotrexate'], history)).toMatchObject({ flag: 'red' });
    expect(flagOf('creatinine', 104, ['methotrexate'], history).flag).toBe('green');
  });

  it('ignores a baseline older than 12 months: with nothing to compare and no threshold, the result is not rated', () => {
    // Was "green": nothing judged the value, so it is "not rated" (issue 11).
    const history = [{ value: 80, takenOn: '2025-06-14' }];
    const evaluation = flagOf('creatinine', 120, ['methotrexate'], history);
    expect(evaluation.flag).toBe('not_rated');
    expect(evaluation.reason).toMatch(/no earlier result to check the trend against/);
  });

  it('three successive rising lithium levels are amber even inside the range', () => {
    const rising = [{ value: 0.6, takenOn: '2026-03-01' }, { value: 0.5, takenOn: '2025-12-01' }];
    const evaluation = flagOf('lithium_level', 0.7, ['lithium'], rising);
    expect(evaluation.flag).toBe('amber');
    expect(evaluation.reason).toMatch(/0\.5 → 0\.6 → 0\.7/);
    const notRising = [{ value: 0.7, takenOn: '2026-03-01' }, { value: 0.5, takenOn: '2025-12-01' }];
    expect(flagOf('lithium_level', 0.7, ['lithium'], notRising).flag).toBe('green');
  });

  it('the worst finding wins when a threshold and a trend both fire', () => {
    const rising = [{ value: 1.2, takenOn: '2026-03-01' }, { value: 1.1, takenOn: '2025-12-01' }];
    expect(flagOf('lithium_level', 1.6, ['lithium'], rising).flag).toBe('red');
  });
});

describe('units', () => {
  it('converts US creatinine (mg/dL) to µmol/L', () => {
    expect(normaliseValue('creatinine', 1.2, 'mg/dL')).toEqual({ ok: true, value: 106.104, unit: 'µmol/L' });
  });
  it('refuses a unit that does not fit the analyte, naming the accepted ones', () => {
    const refused = normaliseValue('creatinine', 90, 'mmol/mol');
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.message).toMatch(/not valid for creatinine; use µmol\/L/);
  });
  it('requires a unit except for ratios', () => {
    expect(normaliseValue('inr', 2.5, '')).toEqual({ ok: true, value: 2.5, unit: 'ratio' });
    expect(normaliseValue('lithium_level', 0.6, '').ok).toBe(false);
  });
});
