/**
 * Issue 10 item 1: one rating window. A result is rated against every drug whose monitoring
 * covers its date. Expectations from the guidance the schedules cite:
 * - clozapine FBC continues 4 weeks after a stop (GGC-CLZ; the rule's continueAfterStop), and a
 *   neutrophil count below 1.5 ×10⁹/L is red (GGC-CLZ, ZTAS);
 * - amiodarone thyroid function continues 12 months after a stop (NICE CKS 2009), and a TSH above
 *   4.5 mU/L needs action (SPS amiodarone);
 * - a baseline before starting counts within the rule set's baseline window (90 days), and a
 *   platelet count below 140 ×10⁹/L is a BSR stop/withhold threshold for methotrexate.
 */
import { describe, expect, it } from 'vitest';
import { needsSignOff } from '../../src/domain/actions/generation.js';
import { indexRulesByDrug } from '../../src/domain/due.js';
import { coverIds, coverOn } from '../../src/domain/rating-window.js';
import type { PrescriptionState } from '../../src/domain/register.js';
import { evaluateResult } from '../../src/domain/results.js';
import type { TestKey } from '../../src/domain/test-keys.js';
import { canonicalUnit } from '../../src/domain/units.js';
import { defaultRules } from '../support/rules.js';

const rules = defaultRules();
const rulesByDrug = indexRulesByDrug(rules);

function rate(prescriptions: PrescriptionState[], analyte: TestKey, value: number, takenOn: string) {
  const cover = coverOn(prescriptions, analyte, takenOn, rulesByDrug, rules.baselineWindowDays);
  const ruleIds = coverIds(cover);
  const evaluation = evaluateResult({ analyte, value, unit: canonicalUnit(analyte) ?? '', takenOn, history: [], ruleIds, cover }, rules);
  return { ...evaluation, signOff: needsSignOff(rules, ruleIds, analyte) };
}

const prescription = (drug: string, startDate: string, stoppedOn: string | null = null): PrescriptionState => ({ drug, startDate, lastDoseChange: null, stoppedOn });

describe('after a stop: rated while the test is still monitored', () => {
  const clozapine = [prescription('clozapine', '2025-01-06', '2026-11-10')];

  it('a neutropenic count 10 days after clozapine stops is red, needs sign-off, and says why it is rated', () => {
    const rating = rate(clozapine, 'neutrophils', 1.2, '2026-11-20');
    expect(rating).toMatchObject({ flag: 'red', signOff: true });
    expect(rating.reason).toMatch(/neutrophils 1\.2 10\^9\/L is < 1\.5: /);
    expect(rating.reason).toMatch(/clozapine stopped 10 days before this sample \(2026-11-10\); monitoring continues 4 weeks after stopping/);
  });

  it('on the last day of the 4 weeks it is still rated; the day after, it is not', () => {
    expect(rate(clozapine, 'neutrophils', 1.2, '2026-12-07').flag).toBe('red');
    const after = rate(clozapine, 'neutrophils', 1.2, '2026-12-08');
    expect(after).toMatchObject({ flag: 'not_rated', signOff: false });
  });

  it('a test the schedule does not continue after the stop is not rated against the stopped drug', () => {
    expect(rate(clozapine, 'hba1c', 50, '2026-11-20').flag).toBe('not_rated');
  });

  it('a raised TSH five months after amiodarone stops is flagged; 13 months after, it is not rated', () => {
    const amiodarone = [prescription('amiodarone', '2020-03-01', '2026-06-01')];
    const flagged = rate(amiodarone, 'tsh', 6.2, '2026-11-01');
    expect(flagged.flag).toBe('amber');
    expect(flagged.reason).toMatch(/amiodarone stopped 153 days before this sample \(2026-06-01\); monitoring continues 12 months after stopping/);
    expect(rate(amiodarone, 'tsh', 6.2, '2027-07-01').flag).toBe('not_rated');
  });

  it('a drug still taken rates the result without a note about the stopped one', () => {
    const both = [prescription('clozapine', '2025-01-06', '2026-11-10'), prescription('methotrexate', '2024-01-01')];
    const rating = rate(both, 'neutrophils', 1.2, '2026-11-20');
    expect(rating.flag).toBe('red');
    expect(rating.reason).not.toMatch(/stopped/);
  });
});

describe('before a start: a baseline is rated', () => {
  const methotrexate = [prescription('methotrexate', '2026-12-01')];

  it('a low platelet count 20 days before methotrexate starts is red, rated as its baseline', () => {
    const rating = rate(methotrexate, 'platelets', 120, '2026-11-11');
    expect(rating.flag).toBe('red');
    expect(rating.reason).toMatch(/methotrexate starts 20 days after this sample \(2026-12-01\): rated as its baseline/);
  });

  it('90 days before the start counts (the baseline window); 91 days does not', () => {
    expect(rate(methotrexate, 'platelets', 120, '2026-09-02').flag).toBe('red');
    expect(rate(methotrexate, 'platelets', 120, '2026-09-01').flag).toBe('not_rated');
  });

  it('a clozapine FBC taken before the start needs sign-off like any other', () => {
    expect(rate([prescription('clozapine', '2026-12-01')], 'neutrophils', 2.5, '2026-11-25')).toMatchObject({ flag: 'green', signOff: true });
  });
});
