/**
 * Issue 10 item 4: rules that need to know about the patient, each changing only the cited rules
 * that name the attribute. Expectations from the guidance:
 * - clozapine BEN ranges: each band 0.5 ×10⁹/L below the standard (red WBC < 2.5 or neutrophils
 *   < 1.0; amber WBC < 3.0 or neutrophils < 1.5), where the standard is red < 3.0 / < 1.5 and amber
 *   < 3.5 / < 2.0 (GGC, ZTAS); the BEN values are a local default to confirm;
 * - warfarin: target ± 0.5 (BSH, Oxford protocol), urgent when more than 1 below the target or
 *   above 5.0 (INRstar);
 * - QTc: normal below 440 ms in men and 470 ms in women, above 500 ms stop (Tees); unknown sex takes
 *   the lower limit;
 * - valproate: an annual specialist review under the Pregnancy Prevention Programme for anyone who
 *   could become pregnant (MHRA);
 * - lithium: raised adjusted calcium and raised TSH are flagged (SPS lithium), and eGFR falling on
 *   three successive results is flagged.
 */
import { describe, expect, it } from 'vitest';
import { formatClinicalFlags, parseClinicalFlags, parseSex, type ClinicalFlags, type Sex } from '../../src/domain/clinical-attributes.js';
import { dueForPatient } from '../../src/domain/due.js';
import type { ValuePoint } from '../../src/domain/register.js';
import { evaluateResult } from '../../src/domain/results.js';
import type { TestKey } from '../../src/domain/test-keys.js';
import { canonicalUnit } from '../../src/domain/units.js';
import type { PatientSpec } from '../support/builders.js';
import { patient, result } from '../support/builders.js';
import { defaultRules } from '../support/rules.js';

const rules = defaultRules();

function rate(ruleIds: string[], analyte: TestKey, value: number, attributes: { sex?: Sex | null; flags?: ClinicalFlags } = {}, history: ValuePoint[] = []) {
  return evaluateResult({
    analyte, value, unit: canonicalUnit(analyte) ?? '', takenOn: '2026-11-20', history, ruleIds,
    patient: { sex: attributes.sex ?? null, flags: attributes.flags ?? {} },
  }, rules);
}

const dueOf = (spec: PatientSpec, test: string) => dueForPatient(patient(spec), rules, spec.asOf).find((i) => i.test === test);

describe('clozapine and benign ethnic neutropenia (flag ben)', () => {
  const ben = { flags: { ben: true as const } };

  it('rates neutrophils by the BEN ranges only for a patient flagged ben', () => {
    expect(rate(['clozapine'], 'neutrophils', 1.7).flag).toBe('amber');
    expect(rate(['clozapine'], 'neutrophils', 1.7, ben).flag).toBe('green');
    expect(rate(['clozapine'], 'neutrophils', 1.2, ben).flag).toBe('amber');
    const red = rate(['clozapine'], 'neutrophils', 0.9, ben);
    expect(red.flag).toBe('red');
    expect(red.reason).toContain('BEN ranges');
  });

  it('rates WBC by the BEN ranges too: 2.8 is red as standard, amber on BEN', () => {
    expect(rate(['clozapine'], 'wbc', 2.8).flag).toBe('red');
    expect(rate(['clozapine'], 'wbc', 2.8, ben).flag).toBe('amber');
    expect(rate(['clozapine'], 'wbc', 2.4, ben).flag).toBe('red');
  });

  it('schedules the next FBC by the same ranges: no amber recall for a BEN patient\'s green count', () => {
    const spec = (flags?: ClinicalFlags): PatientSpec => ({
      asOf: '2026-11-21', prescriptions: [{ drug: 'clozapine', startDate: '2024-01-08' }], events: [result('neutrophils', 1.7, '2026-11-20', '10^9/L')], ...(flags ? { flags } : {}),
    });
    expect(dueOf(spec(), 'fbc')).toMatchObject({ dueOn: '2026-11-23', modifiersApplied: ['clozapine_amber_neutrophils'] });
    expect(dueOf(spec({ ben: true }), 'fbc')).toMatchObject({ dueOn: '2026-12-18', modifiersApplied: [] });
  });

  it('leaves other drugs\' neutrophil thresholds alone', () => {
    // The BSR neutrophil limit for methotrexate (1.6) does not move for a BEN flag.
    expect(rate(['methotrexate'], 'neutrophils', 1.5, ben).flag).toBe('red');
  });
});

describe('warfarin with an INR target other than 2.5 (flag inr_target)', () => {
  const target35 = { flags: { inrTarget: 3.5 } };

  it('rates against target ± 0.5: 3.2 is in range for a target of 3.5 and high for 2.5', () => {
    expect(rate(['warfarin'], 'inr', 3.2).flag).toBe('amber');
    const inRange = rate(['warfarin'], 'inr', 3.2, target35);
    expect(inRange.flag).toBe('green');
    expect(inRange.reason).toContain('INR target 3.5');
  });

  it('flags below range, and urgently when more than 1 below the target', () => {
    expect(rate(['warfarin'], 'inr', 2.8, target35).flag).toBe('amber');
    expect(rate(['warfarin'], 'inr', 2.8).flag).toBe('green');
    const urgent = rate(['warfarin'], 'inr', 2.4, target35);
    expect(urgent.flag).toBe('red');
    expect(urgent.reason).toContain('2.5 (target 3.5 − 1)');
    expect(rate(['warfarin'], 'inr', 4.3, target35).flag).toBe('amber');
    expect(rate(['warfarin'], 'inr', 5.2, target35).flag).toBe('red');
  });

  it('does not recall an in-range INR early for a patient with target 3.5', () => {
    const spec = (flags?: ClinicalFlags): PatientSpec => ({
      asOf: '2026-11-21', prescriptions: [{ drug: 'warfarin', startDate: '2025-01-06' }], events: [result('inr', 3.2, '2026-11-20', 'ratio')], ...(flags ? { flags } : {}),
    });
    expect(dueOf(spec(), 'inr')).toMatchObject({ dueOn: '2026-12-04', modifiersApplied: ['warfarin_inr_above_range'] });
    expect(dueOf(spec({ inrTarget: 3.5 }), 'inr')).toMatchObject({ dueOn: '2027-02-12', modifiersApplied: [] });
  });
});

describe('QTc by recorded sex (Tees)', () => {
  it('uses 470 ms for women, 440 ms for men and when sex is not recorded', () => {
    expect(rate(['antipsychotic'], 'qtc', 455, { sex: 'female' }).flag).toBe('green');
    expect(rate(['antipsychotic'], 'qtc', 455, { sex: 'male' }).flag).toBe('amber');
    expect(rate(['antipsychotic'], 'qtc', 455).flag).toBe('amber');
    expect(rate(['antipsychotic'], 'qtc', 480, { sex: 'female' }).flag).toBe('amber');
    expect(rate(['antipsychotic'], 'qtc', 510, { sex: 'female' }).flag).toBe('red');
  });
});

describe('valproate Pregnancy Prevention Programme review (flag pregnancy_possible)', () => {
  const valproate = { drug: 'sodium_valproate', startDate: '2024-03-04' };

  it('asks for the annual review only for someone who could become pregnant', () => {
    expect(dueOf({ asOf: '2026-11-20', prescriptions: [valproate], flags: { pregnancyPossible: true } }, 'medication_review')).toMatchObject({ status: 'never_done' });
    expect(dueOf({ asOf: '2026-11-20', prescriptions: [valproate] }, 'medication_review')).toBeUndefined();
  });

  it('makes it due a year after the last review', () => {
    const events = [{ test: 'medication_review' as const, outcome: 'done' as const, value: null, unit: null, takenOn: '2026-02-10' }];
    expect(dueOf({ asOf: '2026-11-20', prescriptions: [valproate], flags: { pregnancyPossible: true }, events }, 'medication_review'))
      .toMatchObject({ dueOn: '2027-02-10', status: 'ok' });
  });
});

describe('lithium: calcium, TSH and a falling eGFR are flagged (SPS lithium)', () => {
  it('flags raised adjusted calcium and raised TSH, and not normal ones', () => {
    expect(rate(['lithium'], 'calcium', 2.75).flag).toBe('amber');
    expect(rate(['lithium'], 'calcium', 2.4).flag).toBe('green');
    expect(rate(['lithium'], 'tsh', 6.2).flag).toBe('amber');
    expect(rate(['lithium'], 'tsh', 2.2).flag).toBe('green');
  });

  it('flags the third successive falling eGFR, not a single fall', () => {
    const history = (values: number[]) => values.map((value, i) => ({ value, takenOn: `2026-0${6 - i}-01` }));
    expect(rate(['lithium'], 'egfr', 61, {}, history([66, 72])).flag).toBe('amber');
    expect(rate(['lithium'], 'egfr', 61, {}, history([66, 60])).flag).toBe('green');
    expect(rate(['lithium'], 'egfr', 61, {}, history([66])).flag).toBe('green');
  });
});

describe('parsing the register\'s sex and flags columns', () => {
  it('reads flags in any order and case, and writes them back the same', () => {
    const parsed = parseClinicalFlags(' Pregnancy_Possible; ben ;inr_target=3.5');
    expect(parsed).toEqual({ ok: true, flags: { pregnancyPossible: true, ben: true, inrTarget: 3.5 } });
    expect(formatClinicalFlags(parsed.ok ? parsed.flags : {})).toBe('ben;inr_target=3.5;pregnancy_possible');
    expect(parseClinicalFlags('')).toEqual({ ok: true, flags: {} });
  });

  it('refuses unknown, repeated or malformed flags, naming the valid ones', () => {
    expect(parseClinicalFlags('benn')).toMatchObject({ ok: false, message: expect.stringContaining('ben, inr_target, pregnancy_possible') });
    expect(parseClinicalFlags('ben;ben')).toMatchObject({ ok: false });
    expect(parseClinicalFlags('inr_target=35')).toMatchObject({ ok: false, message: expect.stringContaining('2.0 to 4.0') });
    expect(parseClinicalFlags('ben=yes')).toMatchObject({ ok: false });
  });

  it('reads F, M and blank as female, male and not recorded', () => {
    expect(parseSex('f')).toEqual({ ok: true, sex: 'female' });
    expect(parseSex('Male')).toEqual({ ok: true, sex: 'male' });
    expect(parseSex(' ')).toEqual({ ok: true, sex: null });
    expect(parseSex('X')).toMatchObject({ ok: false });
  });
});
