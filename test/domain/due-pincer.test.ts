/**
 * The PINCER monitoring indicators (clinical-rules-reference §4, source A), reproduced by the due
 * engine at their window edges. A patient is "flagged" when the test is overdue or never done.
 * Each indicator's denominator needs the drug issued in both prior periods, so every patient here
 * started long before the index date.
 */
import { describe, expect, it } from 'vitest';
import { addDays, addMonths } from '../../src/domain/dates.js';
import { dueForPatient, type DueItem } from '../../src/domain/due.js';
import { done, patient, result } from '../support/builders.js';
import { defaultRules, rulesWithOverride } from '../support/rules.js';

const INDEX = '2026-06-15';
const pincer = rulesWithOverride('rules/pincer-indicators.override.json');

function flagged(items: DueItem[], test: string): boolean {
  const item = items.find((i) => i.test === test);
  if (!item) throw new Error(`no requirement for ${test}`);
  return item.status === 'overdue' || item.status === 'never_done';
}

describe('PINCER MO_P15: methotrexate without FBC / LFT in the previous 3 months', () => {
  const onMethotrexate = (events: ReturnType<typeof done>[], index = INDEX) => dueForPatient(
    patient({ asOf: index, prescriptions: [{ drug: 'methotrexate', startDate: '2024-01-10' }], events }), pincer, index);

  // 3 calendar months before 1 May is 1 February, 89 days; before 15 June it is 15 March, 92 days.
  it.each([
    ['2026-06-15', 'exactly 3 months before (inside the window)', addMonths('2026-06-15', -3), false],
    ['2026-06-15', 'one day before the window opens', addDays(addMonths('2026-06-15', -3), -1), true],
    ['2026-06-15', '92 days before, which is exactly 3 months here', addDays('2026-06-15', -92), false],
    ['2026-05-01', '92 days before, more than 3 months here', addDays('2026-05-01', -92), true],
    ['2026-05-01', '89 days before, exactly 3 months here', addDays('2026-05-01', -89), false],
    ['2026-05-01', '80 days before', addDays('2026-05-01', -80), false],
    ['2026-05-01', 'on the index date', '2026-05-01', false],
  ])('index %s: FBC %s', (index, _label, takenOn, expected) => {
    expect(flagged(onMethotrexate([done('fbc', takenOn), done('lft', index)], index), 'fbc')).toBe(expected);
  });

  it('counts any FBC analyte as the FBC (neutrophils on the window edge)', () => {
    const items = onMethotrexate([result('neutrophils', 4.2, addMonths(INDEX, -3)), done('lft', INDEX)]);
    expect(flagged(items, 'fbc')).toBe(false);
  });

  it.each([
    ['ALT exactly 3 months before', 'alt' as const, addMonths(INDEX, -3), false],
    ['ALT one day earlier', 'alt' as const, addDays(addMonths(INDEX, -3), -1), true],
    ['albumin 80 days before', 'albumin' as const, addDays(INDEX, -80), false],
  ])('LFT: %s', (_label, analyte, takenOn, expected) => {
    const items = onMethotrexate([done('fbc', INDEX), result(analyte, 40, takenOn)]);
    expect(flagged(items, 'lft')).toBe(expected);
  });

  it('flags a patient with no FBC ever as never done', () => {
    const items = onMethotrexate([done('lft', INDEX)]);
    expect(items.find((i) => i.test === 'fbc')?.status).toBe('never_done');
  });

  it('a DNA or a refusal does not count as the test', () => {
    const items = onMethotrexate([
      { test: 'fbc', outcome: 'dna', value: null, unit: null, takenOn: addDays(INDEX, -10) },
      { test: 'fbc', outcome: 'declined', value: null, unit: null, takenOn: addDays(INDEX, -5) },
      done('fbc', addDays(INDEX, -100)), done('lft', INDEX),
    ]);
    expect(flagged(items, 'fbc')).toBe(true);
  });

  it('the default rules (CKS: at least every 12 weeks) are stricter than the indicator', () => {
    const atDefaults = (takenOn: string) => dueForPatient(
      patient({ asOf: INDEX, prescriptions: [{ drug: 'methotrexate', startDate: '2024-01-10' }], events: [done('fbc', takenOn)] }),
      defaultRules(), INDEX);
    expect(flagged(atDefaults(addDays(INDEX, -84)), 'fbc')).toBe(false);
    expect(flagged(atDefaults(addDays(INDEX, -85)), 'fbc')).toBe(true);
    // Everything PINCER flags, the default rules flag too.
    expect(flagged(atDefaults(addDays(INDEX, -92)), 'fbc')).toBe(true);
  });
});

describe('PINCER MO_P17: lithium without a lithium level in the previous 3 months', () => {
  const onLithium = (takenOn: string) => dueForPatient(
    patient({ asOf: INDEX, prescriptions: [{ drug: 'lithium', startDate: '2019-03-01' }], events: [result('lithium_level', 0.6, takenOn, 'mmol/L')] }),
    pincer, INDEX);

  it.each([
    ['95 days before', addDays(INDEX, -95), true],
    ['exactly 3 months before', addMonths(INDEX, -3), false],
    ['3 months and a day before', addDays(addMonths(INDEX, -3), -1), true],
    ['60 days before', addDays(INDEX, -60), false],
  ])('level %s', (_label, takenOn, expected) => {
    expect(flagged(onLithium(takenOn), 'lithium_level')).toBe(expected);
  });
});

describe('PINCER MO_P18: amiodarone without TFT in the previous 6 months', () => {
  const onAmiodarone = (takenOn: string) => dueForPatient(
    patient({ asOf: INDEX, prescriptions: [{ drug: 'amiodarone', startDate: '2022-05-01' }], events: [result('tsh', 2.1, takenOn, 'mU/L')] }),
    pincer, INDEX);

  it.each([
    ['170 days before', addDays(INDEX, -170), false],
    ['exactly 6 months before', addMonths(INDEX, -6), false],
    ['6 months and a day before', addDays(addMonths(INDEX, -6), -1), true],
    ['200 days before', addDays(INDEX, -200), true],
  ])('TSH %s', (_label, takenOn, expected) => {
    expect(flagged(onAmiodarone(takenOn), 'tft')).toBe(expected);
  });
});
