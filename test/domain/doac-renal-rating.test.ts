/**
 * Issue 10 item 2: DOAC CrCl thresholds per drug, and creatinine results judged as the CrCl they
 * give. Expectations from the UK SmPCs as tabulated by the AF toolkit (doses by Cockcroft–Gault
 * CrCl) and the reference doc (§1 DOACs): every DOAC is contraindicated or not recommended below
 * CrCl 15; dabigatran below 30 (contraindicated); dose-review bands: apixaban 15–29 (2.5 mg twice
 * daily), rivaroxaban 15–49 (15 mg daily; the reference doc says ≤50, the safer end is taken),
 * edoxaban 15–50 (30 mg daily), dabigatran 30–50 (consider 110 mg twice daily).
 */
import { describe, expect, it } from 'vitest';
import type { RenalFacts } from '../../src/domain/creatinine-clearance.js';
import { evaluateResult } from '../../src/domain/results.js';
import type { TestKey } from '../../src/domain/test-keys.js';
import { canonicalUnit } from '../../src/domain/units.js';
import { defaultRules } from '../support/rules.js';

const rules = defaultRules();
const DOACS = ['apixaban', 'rivaroxaban', 'edoxaban', 'dabigatran'] as const;

function rate(drug: string, analyte: TestKey, value: number, renal?: RenalFacts) {
  return evaluateResult({ analyte, value, unit: canonicalUnit(analyte) ?? '', takenOn: '2026-06-15', history: [], ruleIds: ['doac', drug], ...(renal ? { renal } : {}) }, rules);
}

describe('a recorded CrCl, per drug (SmPC)', () => {
  it.each(DOACS)('%s: CrCl 14 is red (every DOAC below 15)', (drug) => {
    expect(rate(drug, 'crcl', 14).flag).toBe('red');
  });

  it.each([
    ['dabigatran', 29, 'red'], ['dabigatran', 30, 'amber'], ['dabigatran', 50, 'amber'], ['dabigatran', 51, 'green'],
    ['apixaban', 29, 'amber'], ['apixaban', 15, 'amber'], ['apixaban', 30, 'green'],
    ['rivaroxaban', 15, 'amber'], ['rivaroxaban', 49, 'amber'], ['rivaroxaban', 50, 'amber'], ['rivaroxaban', 51, 'green'],
    ['edoxaban', 15, 'amber'], ['edoxaban', 50, 'amber'], ['edoxaban', 51, 'green'],
  ] as const)('%s: CrCl %d → %s', (drug, crcl, flag) => {
    expect(rate(drug, 'crcl', crcl).flag).toBe(flag);
  });

  it('dabigatran below 30 says contraindicated; the amber bands name the dose to review', () => {
    expect(rate('dabigatran', 'crcl', 25).reason).toMatch(/dabigatran is contraindicated/);
    expect(rate('apixaban', 'crcl', 25).reason).toMatch(/apixaban 2\.5 mg twice daily/);
    expect(rate('rivaroxaban', 'crcl', 40).reason).toMatch(/rivaroxaban 15 mg once daily/);
    expect(rate('edoxaban', 'crcl', 40).reason).toMatch(/edoxaban 30 mg once daily/);
    expect(rate('dabigatran', 'crcl', 40).reason).toMatch(/110 mg twice daily/);
  });
});

describe('a creatinine result is judged as the CrCl it gives by Cockcroft–Gault', () => {
  // An 85-year-old woman of 50 kg: (140 − 85) × 50 × 1.04 ÷ creatinine. At 100 µmol/L: 28.6 mL/min.
  const renal = (over: Partial<RenalFacts> = {}): RenalFacts => ({
    creatinine: [], weight: [{ value: 50, takenOn: '2026-06-01' }], crcl: [], dateOfBirth: '1941-01-01', sex: 'female', ...over,
  });

  it('creatinine 100 µmol/L gives CrCl 28.6: red on dabigatran, amber on apixaban, with the working in the reason', () => {
    const dabigatran = rate('dabigatran', 'creatinine', 100, renal());
    expect(dabigatran.flag).toBe('red');
    expect(dabigatran.reason).toMatch(/^creatinine 100 µmol\/L gives CrCl 28\.6 mL\/min, Cockcroft–Gault from creatinine 100 µmol\/L \(2026-06-15\), actual body weight 50 kg \(2026-06-01\), age 85, female, which is < 30: CrCl below 30 mL\/min: dabigatran is contraindicated/);
    expect(rate('apixaban', 'creatinine', 100, renal()).flag).toBe('amber');
  });

  it('creatinine 50 µmol/L gives CrCl 57.2: green on rivaroxaban, saying so', () => {
    const evaluation = rate('rivaroxaban', 'creatinine', 50, renal());
    expect(evaluation.flag).toBe('green');
    expect(evaluation.reason).toMatch(/CrCl 57\.2 mL\/min.*CrCl above 50 mL\/min: rivaroxaban standard dose/);
  });

  it('without a weight the creatinine is not rated, and the reason says the CrCl estimate is missing', () => {
    const evaluation = rate('rivaroxaban', 'creatinine', 100, renal({ weight: [] }));
    expect(evaluation.flag).toBe('not_rated');
    expect(evaluation.reason).toMatch(/CrCl could not be estimated by Cockcroft–Gault: no weight recorded, so the dose cannot be checked against CrCl/);
  });

  it('apixaban also flags creatinine of 133 µmol/L or more, one of its three dose-reduction criteria (SmPC), and still says the CrCl is missing', () => {
    const evaluation = rate('apixaban', 'creatinine', 140, renal({ weight: [] }));
    expect(evaluation.flag).toBe('amber');
    expect(evaluation.reason).toMatch(/one of the three apixaban dose-reduction criteria.*CrCl could not be estimated by Cockcroft–Gault: no weight recorded/);
  });

  it('without a CrCl, an eGFR below 60 is amber and below 15 red, saying the estimate is missing; with one, eGFR is left to CrCl', () => {
    const noWeight = renal({ weight: [], creatinine: [{ value: 100, takenOn: '2026-06-15' }] });
    const amber = rate('apixaban', 'egfr', 45, noWeight);
    expect(amber.flag).toBe('amber');
    expect(amber.reason).toMatch(/no CrCl to judge the DOAC dose by/);
    expect(rate('apixaban', 'egfr', 14, noWeight).flag).toBe('red');
    expect(rate('apixaban', 'egfr', 60, noWeight).flag).toBe('green');
    const withWeight = renal({ creatinine: [{ value: 100, takenOn: '2026-06-15' }] });
    expect(rate('apixaban', 'egfr', 45, withWeight).flag).toBe('not_rated');
  });
});
