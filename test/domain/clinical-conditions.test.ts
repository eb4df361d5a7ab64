/**
 * Issue 10 item 3: the risk conditions the rules could not express before, each written from the
 * guidance the rule cites, on the default rule set:
 * - methotrexate with leflunomide: monthly bloods until stable for 12 months (SPS methotrexate and
 *   leflunomide); leflunomide alone every 2–3 months, the safer end taken (SPS leflunomide);
 * - under-18s on an antipsychotic: weight, BP, HbA1c, lipids and prolactin every 6 months (NICE CG155);
 * - lithium with raised adjusted calcium or raised TSH: levels at least 3-monthly (SPS lithium);
 * - a fall in eGFR across tests, not one result's noise (SPS lithium: falling eGFR, 3-monthly);
 * - amiodarone started in someone on warfarin, or warfarin started on amiodarone: INR weekly for
 *   at least 7 weeks (SPS amiodarone).
 */
import { describe, expect, it } from 'vitest';
import { addDays, addMonths } from '../../src/domain/dates.js';
import { dueForPatient, type DueItem } from '../../src/domain/due.js';
import type { PatientSpec } from '../support/builders.js';
import { patient, result } from '../support/builders.js';
import { defaultRules } from '../support/rules.js';

const rules = defaultRules();

function dueItem(spec: PatientSpec, test: string, drug?: string): DueItem | undefined {
  return dueForPatient(patient(spec), rules, spec.asOf).find((i) => i.test === test && (!drug || i.drug === drug));
}

describe('methotrexate with leflunomide: monthly until stable for 12 months (SPS)', () => {
  const methotrexate = { drug: 'methotrexate', startDate: '2024-01-08' };
  const leflunomide = { drug: 'leflunomide', startDate: '2026-03-02' };
  const fbcOn = (taken: string) => result('wbc', 6.1, taken, '10^9/L');

  it('makes established methotrexate monthly in the first year of the combination, and says why', () => {
    const item = dueItem({ asOf: '2026-06-01', prescriptions: [methotrexate, leflunomide], events: [fbcOn('2026-04-20')] }, 'fbc', 'methotrexate');
    expect(item).toMatchObject({ dueOn: '2026-05-20', status: 'overdue', daysOverdue: 12, modifiersApplied: ['methotrexate_with_leflunomide'] });
    expect(item!.basis).toContain('leflunomide');
    // The same methotrexate without leflunomide stays 12-weekly (CKS): due 12 weeks after the FBC.
    expect(dueItem({ asOf: '2026-06-01', prescriptions: [methotrexate], events: [fbcOn('2026-04-20')] }, 'fbc')).toMatchObject({ dueOn: '2026-07-13', status: 'ok' });
  });

  it('returns to the usual interval once the combination has run 12 months', () => {
    // The combination began on 2026-03-02 (leflunomide, the later start); 12 months on is 2027-03-02.
    const item = dueItem({ asOf: '2027-04-01', prescriptions: [methotrexate, leflunomide], events: [fbcOn('2027-03-10')] }, 'fbc', 'methotrexate');
    expect(item).toMatchObject({ dueOn: '2027-06-02', modifiersApplied: [] });
  });

  it('makes leflunomide monthly too, where alone it would be 2-monthly', () => {
    const both = dueItem({ asOf: '2026-09-01', prescriptions: [methotrexate, leflunomide], events: [fbcOn('2026-08-01')] }, 'fbc', 'leflunomide');
    expect(both).toMatchObject({ dueOn: '2026-09-01', modifiersApplied: ['leflunomide_with_methotrexate'] });
    const alone = dueItem({ asOf: '2026-09-01', prescriptions: [leflunomide], events: [fbcOn('2026-08-01')] }, 'fbc', 'leflunomide');
    expect(alone).toMatchObject({ dueOn: '2026-10-01', modifiersApplied: [] });
  });

  it('takes the safer end of SPS\'s 2–3 months for leflunomide alone, and says so in the basis', () => {
    const item = dueItem({ asOf: '2027-06-01', prescriptions: [leflunomide], events: [fbcOn('2027-05-03')] }, 'fbc');
    expect(item).toMatchObject({ dueOn: '2027-07-03' });
    expect(item!.basis).toMatch(/every 2 months \(SPS gives every 2–3 months; the safer end/);
  });
});

describe('under-18s on an antipsychotic: every 6 months, prolactin included (NICE CG155)', () => {
  const olanzapine = { drug: 'olanzapine', startDate: '2024-01-08' };
  const asOf = '2026-12-01';
  const teenager = '2010-05-01'; // 16 on the as-of date
  const adult = '1980-05-01';

  it('checks a 16-year-old\'s weight 6-monthly where an adult\'s is annual', () => {
    const events = [result('weight', 61, '2026-03-02', 'kg')];
    expect(dueItem({ asOf, dateOfBirth: teenager, prescriptions: [olanzapine], events }, 'weight'))
      .toMatchObject({ dueOn: '2026-09-02', status: 'overdue', modifiersApplied: ['antipsychotic_under_18'] });
    expect(dueItem({ asOf, dateOfBirth: adult, prescriptions: [olanzapine], events }, 'weight')).toMatchObject({ dueOn: '2027-03-02', status: 'ok' });
  });

  it('repeats prolactin every 6 months for a 16-year-old; an adult has the baseline only', () => {
    const events = [result('prolactin', 310, '2026-03-02', 'mIU/L')];
    expect(dueItem({ asOf, dateOfBirth: teenager, prescriptions: [olanzapine], events }, 'prolactin')).toMatchObject({ dueOn: '2026-09-02', status: 'overdue' });
    expect(dueItem({ asOf, dateOfBirth: adult, prescriptions: [olanzapine], events }, 'prolactin')).toBeUndefined();
  });

  it('stops at 18, and does not guess for someone with no date of birth', () => {
    const events = [result('weight', 61, '2026-03-02', 'kg')];
    expect(dueItem({ asOf, dateOfBirth: '2008-11-30', prescriptions: [olanzapine], events }, 'weight')).toMatchObject({ dueOn: '2027-03-02' });
    expect(dueItem({ asOf, dateOfBirth: '2008-12-02', prescriptions: [olanzapine], events }, 'weight')).toMatchObject({ dueOn: '2026-09-02' });
    expect(dueItem({ asOf, dateOfBirth: null, prescriptions: [olanzapine], events }, 'weight')).toMatchObject({ dueOn: '2027-03-02' });
  });
});

describe('lithium: at least 3-monthly levels with a calcium or thyroid problem (SPS)', () => {
  const lithium = { drug: 'lithium', startDate: '2023-02-06' };
  const level = result('lithium_level', 0.6, '2026-06-01', 'mmol/L');

  it('keeps the 6-monthly level with normal calcium and TSH', () => {
    const events = [level, result('calcium', 2.4, '2026-06-01', 'mmol/L'), result('tsh', 2.1, '2026-06-01', 'mU/L')];
    expect(dueItem({ asOf: '2026-10-01', prescriptions: [lithium], events }, 'lithium_level')).toMatchObject({ dueOn: '2026-12-01', modifiersApplied: [] });
  });

  it('brings the level forward to 3 months after a raised adjusted calcium', () => {
    const events = [level, result('calcium', 2.75, '2026-06-01', 'mmol/L')];
    expect(dueItem({ asOf: '2026-10-01', prescriptions: [lithium], events }, 'lithium_level'))
      .toMatchObject({ dueOn: '2026-09-01', status: 'overdue', modifiersApplied: ['lithium_calcium_raised'] });
  });

  it('brings the level forward to 3 months after a raised TSH', () => {
    const events = [level, result('tsh', 6.2, '2026-06-01', 'mU/L')];
    expect(dueItem({ asOf: '2026-10-01', prescriptions: [lithium], events }, 'lithium_level'))
      .toMatchObject({ dueOn: '2026-09-01', modifiersApplied: ['lithium_tsh_raised'] });
  });
});

describe('a fall in eGFR across tests, not one result (lithium)', () => {
  const lithium = { drug: 'lithium', startDate: '2023-02-06' };
  const level = result('lithium_level', 0.6, '2026-06-01', 'mmol/L');
  const egfr = (values: number[]) => values.map((v, i) => result('egfr', v, addMonths('2025-06-01', i * 6), 'mL/min/1.73m2'));
  const levelDue = (values: number[]) => dueItem({ asOf: '2026-07-01', prescriptions: [lithium], events: [level, ...egfr(values)] }, 'lithium_level');

  it('shortens the level interval when eGFR fell on each of the last three results', () => {
    expect(levelDue([72, 66, 61])).toMatchObject({ dueOn: '2026-09-01', modifiersApplied: ['lithium_egfr_falling'] });
  });

  it('does not for a single fall, nor for a fall that recovered', () => {
    expect(levelDue([66, 61])).toMatchObject({ dueOn: '2026-12-01', modifiersApplied: [] });
    expect(levelDue([66, 61, 64])).toMatchObject({ dueOn: '2026-12-01', modifiersApplied: [] });
    expect(levelDue([61, 66, 64])).toMatchObject({ dueOn: '2026-12-01', modifiersApplied: [] });
  });
});

describe('warfarin with amiodarone: INR weekly for at least 7 weeks (SPS amiodarone)', () => {
  const warfarin = { drug: 'warfarin', startDate: '2025-01-06' };
  const inr = (taken: string) => result('inr', 2.5, taken, 'ratio');

  it('makes a stable patient\'s INR weekly when amiodarone is started', () => {
    const amiodarone = { drug: 'amiodarone', startDate: '2026-11-10' };
    const item = dueItem({ asOf: '2026-11-20', prescriptions: [warfarin, amiodarone], events: [inr('2026-11-05')] }, 'inr');
    expect(item).toMatchObject({ dueOn: '2026-11-12', status: 'overdue', modifiersApplied: ['warfarin_amiodarone_started'] });
    // Without amiodarone the stable INR is 12-weekly.
    expect(dueItem({ asOf: '2026-11-20', prescriptions: [warfarin], events: [inr('2026-11-05')] }, 'inr')).toMatchObject({ dueOn: '2027-01-28' });
  });

  it('lets the INR return to its usual interval after 7 weeks', () => {
    // Amiodarone started on 2026-11-10: 7 weeks on is 2026-12-29.
    const amiodarone = { drug: 'amiodarone', startDate: '2026-11-10' };
    expect(dueItem({ asOf: '2026-12-28', prescriptions: [warfarin, amiodarone], events: [inr('2026-12-24')] }, 'inr')).toMatchObject({ dueOn: '2026-12-31' });
    expect(dueItem({ asOf: '2026-12-29', prescriptions: [warfarin, amiodarone], events: [inr('2026-12-24')] }, 'inr')).toMatchObject({ dueOn: '2027-03-18', modifiersApplied: [] });
  });

  it('makes INR weekly when warfarin is started in someone already on amiodarone, past warfarin\'s own 4 weekly weeks', () => {
    const amiodarone = { drug: 'amiodarone', startDate: '2024-05-01' };
    const newWarfarin = { drug: 'warfarin', startDate: '2026-10-01' };
    const onAmiodarone = dueItem({ asOf: '2026-11-10', prescriptions: [newWarfarin, amiodarone], events: [inr('2026-10-29')] }, 'inr');
    expect(onAmiodarone).toMatchObject({ dueOn: '2026-11-05', status: 'overdue', modifiersApplied: ['warfarin_started_on_amiodarone'] });
    expect(dueItem({ asOf: '2026-11-10', prescriptions: [newWarfarin], events: [inr('2026-10-29')] }, 'inr')).toMatchObject({ dueOn: addDays('2026-10-29', 84) });
  });

  it('does not count amiodarone that was stopped', () => {
    const stopped = { drug: 'amiodarone', startDate: '2026-11-10', stoppedOn: '2026-11-15' };
    expect(dueItem({ asOf: '2026-11-20', prescriptions: [warfarin, stopped], events: [inr('2026-11-05')] }, 'inr')).toMatchObject({ dueOn: '2027-01-28' });
  });
});
