/**
 * Issue 10 item 2: DOAC renal function from Cockcroft–Gault. Expectations come from the published
 * equation and a published worked example, not from the code:
 *
 * - Formula, UK SI form (MHRA Drug Safety Update, October 2019; NHS Highland TAM "Prescribing
 *   medicines in renal impairment"): CrCl (mL/min) = (140 − age) × weight (kg) × 1.23 (men) or
 *   1.04 (women) ÷ serum creatinine (µmol/L).
 * - Worked example (preregexamprep.com, "Creatinine Clearance Calculator (Cockcroft-Gault)",
 *   worked example, UK pre-registration calculations): a 70-year-old man, 75 kg, serum creatinine
 *   110 µmol/L: ((140 − 70) × 75 × 1.23) ÷ 110 ≈ 58.7 mL/min.
 * - SPS DOAC monitoring: CrCl below 60 mL/min → renal function every CrCl ÷ 10 months. 58.7 ÷ 10
 *   = 5.87 months = 178.7 days (a month of 365.25 ÷ 12 days), 178 whole days: not 5 months.
 */
import { describe, expect, it } from 'vitest';
import { cockcroftGault, crclOn, describeCrcl, estimateFromCreatinine, weightFor, type RenalFacts } from '../../src/domain/creatinine-clearance.js';
import { addDays } from '../../src/domain/dates.js';
import { dueForPatient } from '../../src/domain/due.js';
import type { PatientState } from '../../src/domain/register.js';
import { done, patient, result, type PatientSpec } from '../support/builders.js';
import { defaultRules } from '../support/rules.js';

const rules = defaultRules();

describe('the Cockcroft–Gault equation', () => {
  it('gives the published worked example: 70-year-old man, 75 kg, creatinine 110 µmol/L ≈ 58.7 mL/min', () => {
    expect(cockcroftGault({ ageYears: 70, weightKg: 75, creatinineUmolPerL: 110, sex: 'male' })).toBeCloseTo(58.7, 1);
  });

  it('uses 1.04 for a woman, the original equation\'s × 0.85 (1.23 × 0.85 ≈ 1.04)', () => {
    const woman = cockcroftGault({ ageYears: 70, weightKg: 75, creatinineUmolPerL: 110, sex: 'female' });
    expect(woman).toBeCloseTo((70 * 75 * 1.04) / 110, 6); // 49.6
    expect(woman / cockcroftGault({ ageYears: 70, weightKg: 75, creatinineUmolPerL: 110, sex: 'male' })).toBeCloseTo(0.85, 2);
  });
});

describe('which results an estimate uses', () => {
  const facts = (over: Partial<RenalFacts> = {}): RenalFacts => ({
    creatinine: [{ value: 110, takenOn: '2026-01-10' }], weight: [{ value: 75, takenOn: '2026-01-02' }], crcl: [],
    dateOfBirth: '1956-01-05', sex: 'male', ...over,
  });

  it('uses the recorded (actual body) weight on or before the sample, else the next one recorded', () => {
    const weights = [{ value: 80, takenOn: '2026-03-01' }, { value: 75, takenOn: '2026-01-02' }, { value: 70, takenOn: '2025-06-01' }];
    expect(weightFor('2026-01-10', weights)?.value).toBe(75);
    expect(weightFor('2025-01-01', weights)?.value).toBe(70);
  });

  it('takes the age on the sample date', () => {
    const estimate = estimateFromCreatinine({ value: 110, takenOn: '2026-01-10' }, facts());
    expect(estimate).toMatchObject({ kind: 'estimated', age: 70, sex: 'male', sexRecorded: true });
  });

  it('when sex is not recorded, uses the lower (female) estimate and says so', () => {
    const estimate = estimateFromCreatinine({ value: 110, takenOn: '2026-01-10' }, facts({ sex: null }));
    expect(estimate.kind === 'estimated' && estimate.value).toBeCloseTo((70 * 75 * 1.04) / 110, 6);
    expect(describeCrcl(estimate)).toMatch(/sex not recorded, so the lower \(female\) estimate/);
  });

  it('without a weight or a date of birth there is no estimate, and the reason names what is missing', () => {
    const none = estimateFromCreatinine({ value: 110, takenOn: '2026-01-10' }, facts({ weight: [], dateOfBirth: null }));
    expect(none).toEqual({ kind: 'unavailable', missing: ['weight', 'date of birth'] });
    expect(describeCrcl(none)).toBe('CrCl could not be estimated by Cockcroft–Gault: no weight or date of birth recorded');
  });

  it('a recorded CrCl counts until a later creatinine arrives; then the estimate from that creatinine does', () => {
    const recorded = facts({ crcl: [{ value: 40, takenOn: '2026-01-10' }] });
    expect(crclOn('2026-02-01', recorded, true)).toEqual({ kind: 'recorded', value: 40, takenOn: '2026-01-10' });
    const later = facts({ crcl: [{ value: 40, takenOn: '2025-06-01' }] });
    expect(crclOn('2026-02-01', later, true)).toMatchObject({ kind: 'estimated', takenOn: '2026-01-10' });
    // With estimates switched off (no crclEstimate in the rule set) only a recorded CrCl counts.
    expect(crclOn('2026-02-01', facts(), false)).toEqual({ kind: 'unavailable', missing: ['recorded CrCl'] });
  });
});

describe('DOAC renal monitoring from the estimate (SPS: every CrCl ÷ 10 months below 60 mL/min)', () => {
  const asOf = '2026-06-15';
  const base: PatientSpec = {
    asOf, dateOfBirth: '1956-01-05', prescriptions: [{ drug: 'apixaban', startDate: '2023-02-01' }],
    events: [result('weight', 75, '2026-01-02', 'kg'), result('creatinine', 110, '2026-01-10', 'µmol/L'), done('fbc', '2026-01-10'), done('lft', '2026-01-10')],
  };
  const renal = (state: PatientState) => dueForPatient(state, rules, asOf).find((i) => i.test === 'renal');

  it('the worked example (CrCl 58.7) is due again after 178 days, not after 5 whole months, and says where the CrCl came from', () => {
    const item = renal({ ...patient(base), sex: 'male' });
    expect(item).toMatchObject({ dueOn: addDays('2026-01-10', 178), status: 'ok', modifiersApplied: ['doac_crcl_below_60'] });
    expect(item?.dueOn).toBe('2026-07-07');
    expect(item?.basis).toMatch(/^every 178 days \(58\.7 ÷ 10 = 5\.87 months; CrCl 58\.7 mL\/min, Cockcroft–Gault from creatinine 110 µmol\/L \(2026-01-10\), actual body weight 75 kg \(2026-01-02\), age 70, male\)/);
    expect(item?.sources.map((s) => s.section)).toContain('Maintenance: if CrCl <60 mL/min, interval in months = CrCl ÷ 10');
  });

  it('with sex unrecorded the female estimate (49.6) sets the interval: 4.96 months, 151 days', () => {
    // (70 × 75 × 1.04) ÷ 110 = 49.64; ÷ 10 = 4.964 months × 30.4375 = 151.1 days → 151.
    const item = renal(patient(base));
    expect(item?.dueOn).toBe(addDays('2026-01-10', 151));
    expect(item?.basis).toMatch(/sex not recorded, so the lower \(female\) estimate/);
  });

  it('without a weight, an eGFR below 60 shortens the interval (eGFR ÷ 10 months) and the reason says the estimate is missing', () => {
    const noWeight: PatientSpec = { ...base, events: [result('creatinine', 110, '2026-01-10', 'µmol/L'), result('egfr', 45, '2026-01-10', 'mL/min/1.73m2'), done('fbc', '2026-01-10'), done('lft', '2026-01-10')] };
    const item = renal(patient(noWeight));
    // 45 ÷ 10 = 4.5 months × 30.4375 = 136.97 days → 136.
    expect(item).toMatchObject({ dueOn: addDays('2026-01-10', 136), modifiersApplied: ['doac_egfr_below_60_without_crcl'] });
    expect(item?.basis).toMatch(/CrCl could not be estimated by Cockcroft–Gault: no weight recorded/);
  });

  it('without a weight, an eGFR of 60 or more leaves the annual schedule', () => {
    const item = renal(patient({ ...base, events: [result('egfr', 75, '2026-01-10', 'mL/min/1.73m2'), done('fbc', '2026-01-10'), done('lft', '2026-01-10')] }));
    expect(item).toMatchObject({ dueOn: '2027-01-10', modifiersApplied: [] });
  });
});
