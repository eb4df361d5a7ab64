/**
 * Due engine behaviour on the default rule set: phase schedules, risk modifiers, waivers, stopped
 * drugs, responsibility and calendar edges.
 */
import { describe, expect, it } from 'vitest';
import { addDays, addMonths } from '../../src/domain/dates.js';
import { dueForPatient, type DueItem } from '../../src/domain/due.js';
import type { PatientSpec } from '../support/builders.js';
import { done, patient, result } from '../support/builders.js';
import { defaultRules } from '../support/rules.js';

const rules = defaultRules();

function dueItem(spec: PatientSpec, test: string, drug?: string): DueItem | undefined {
  return dueForPatient(patient(spec), rules, spec.asOf).find((i) => i.test === test && (!drug || i.drug === drug));
}

describe('clozapine FBC: weekly for 18 weeks, fortnightly to week 52, then 4-weekly (GGC-CLZ)', () => {
  const start = '2026-01-05';
  const week = (n: number, extraDays = 0) => addDays(start, n * 7 + extraDays);
  const fbcDue = (lastTaken: string, asOf: string) =>
    dueItem({ asOf, prescriptions: [{ drug: 'clozapine', startDate: start }], events: [result('neutrophils', 3.1, lastTaken, '10^9/L')] }, 'fbc');

  it('is weekly in the first 18 weeks', () => {
    expect(fbcDue(week(9), week(9, 1))?.dueOn).toBe(week(10));
  });
  it('uses the weekly interval for a test taken in week 17, even across the step-down', () => {
    expect(fbcDue(week(17, 3), week(17, 4))?.dueOn).toBe(week(18, 3));
  });
  it('is fortnightly from week 18 to week 52', () => {
    expect(fbcDue(week(20), week(20, 1))?.dueOn).toBe(week(22));
    expect(fbcDue(week(51), week(51, 1))?.dueOn).toBe(week(53));
  });
  it('is 4-weekly after week 52', () => {
    expect(fbcDue(week(60), week(60, 1))?.dueOn).toBe(week(64));
  });
  it('a weekly test one day late is overdue by one day', () => {
    const item = fbcDue(week(3), week(4, 1));
    expect(item).toMatchObject({ status: 'overdue', daysOverdue: 1, dueOn: week(4) });
  });
  it('a missing baseline FBC is never done and due on the start date', () => {
    const item = dueItem({ asOf: addDays(start, 2), prescriptions: [{ drug: 'clozapine', startDate: start }] }, 'fbc');
    expect(item).toMatchObject({ status: 'never_done', dueOn: start, daysOverdue: 2, lastDone: null });
  });
  it('a weekly test is not "due soon" all week: the window is a quarter of the interval', () => {
    expect(fbcDue(week(5), week(5, 2))?.status).toBe('ok');
    expect(fbcDue(week(5), week(5, 6))?.status).toBe('due_soon');
  });
});

describe('DOAC renal function: every CrCl ÷ 10 months when CrCl < 60 mL/min (SPS)', () => {
  const asOf = '2026-06-15';
  const renal = (crcl: number) => dueItem({
    asOf, prescriptions: [{ drug: 'apixaban', startDate: '2023-02-01' }],
    events: [result('crcl', crcl, '2026-01-10', 'mL/min'), done('fbc', '2026-01-10'), done('lft', '2026-01-10')],
  }, 'renal');

  // Issue 10: the interval is CrCl ÷ 10 months in days (a month of 365.25 ÷ 12 days, whole days
  // rounded down), no longer rounded down to whole months: CrCl 45 is 4.5 months (136 days), not 4.
  it.each([
    [30, '2026-04-11', 'overdue'], // 3 months = 91.3 days → 91
    [20, '2026-03-11', 'overdue'], // 2 months = 60.9 days → 60
    [45, '2026-05-26', 'overdue'], // 4.5 months = 137.0 days → 136
    [59, '2026-07-08', 'ok'], // 5.9 months = 179.6 days → 179
    [60, '2027-01-10', 'ok'],
    [85, '2027-01-10', 'ok'],
    [9, '2026-02-09', 'overdue'], // 0.9 months, at least 1 month = 30.4 days → 30
  ])('CrCl %d → due %s', (crcl, dueOn, status) => {
    const item = renal(crcl);
    expect(item).toMatchObject({ dueOn, status });
    expect(item?.modifiersApplied.length).toBe(crcl < 60 ? 1 : 0);
  });

  it('resolves brand names to the DOAC rule (Eliquis is apixaban)', () => {
    expect(renal(30)?.ruleId).toBe('doac');
  });
});

describe('lithium level: at least 3-monthly when aged 65 or over (SPS)', () => {
  const base = { prescriptions: [{ drug: 'lithium', startDate: '2019-03-01' }], events: [result('lithium_level', 0.6, '2026-01-01', 'mmol/L')] };
  const level = (dateOfBirth: string, asOf: string) => dueItem({ ...base, dateOfBirth, asOf }, 'lithium_level');

  it('aged 64 (the day before the 65th birthday): 6-monthly after the first year', () => {
    expect(level('1961-06-16', '2026-06-15')).toMatchObject({ dueOn: '2026-07-01', status: 'ok', modifiersApplied: [] });
  });
  it('on the 65th birthday the interval drops to 3 months', () => {
    const item = level('1961-06-15', '2026-06-15');
    expect(item).toMatchObject({ dueOn: '2026-04-01', status: 'overdue', daysOverdue: 75 });
    expect(item?.modifiersApplied).toHaveLength(1);
  });
  it('born on 29 February: 65 on 1 March in a common year, not on 28 February', () => {
    const leapling = (asOf: string) => dueItem({ asOf, dateOfBirth: '1960-02-29', prescriptions: base.prescriptions,
      events: [result('lithium_level', 0.6, '2024-12-01', 'mmol/L')] }, 'lithium_level');
    expect(leapling('2025-02-28')).toMatchObject({ dueOn: '2025-06-01', modifiersApplied: [] });
    expect(leapling('2025-03-01')).toMatchObject({ dueOn: '2025-03-01', status: 'due_soon' });
    expect(leapling('2025-03-01')?.modifiersApplied).toHaveLength(1);
  });
  it('a last level of 0.8 mmol/L or more also shortens the interval', () => {
    const item = dueItem({ asOf: '2026-06-15', dateOfBirth: '1980-01-01', prescriptions: base.prescriptions, events: [result('lithium_level', 0.8, '2026-01-01', 'mmol/L')] }, 'lithium_level');
    expect(item?.dueOn).toBe('2026-04-01');
  });
  it('in the first year the level is 3-monthly regardless of age', () => {
    const item = dueItem({ asOf: '2026-06-15', dateOfBirth: '1990-01-01', prescriptions: [{ drug: 'lithium', startDate: '2026-01-01' }], events: [result('lithium_level', 0.6, '2026-03-01', 'mmol/L')] }, 'lithium_level');
    expect(item?.dueOn).toBe('2026-06-01');
  });
});

describe('waivers, stopped prescriptions and the end of monitoring', () => {
  const lithium = { prescriptions: [{ drug: 'lithium', startDate: '2026-01-01' }], events: [result('lithium_level', 0.6, '2026-01-20', 'mmol/L')] };

  it('a waiver in force shows as waived, with its reason and expiry', () => {
    const item = dueItem({ ...lithium, asOf: '2026-06-15', waivers: [{ drug: 'lithium', test: 'lithium_level', reason: 'inpatient: ward takes levels', waivedUntil: '2026-06-15' }] }, 'lithium_level');
    expect(item).toMatchObject({ status: 'waived', daysOverdue: 0, waiver: { reason: 'inpatient: ward takes levels', until: '2026-06-15' } });
  });
  it('an expired waiver no longer hides an overdue test', () => {
    const item = dueItem({ ...lithium, asOf: '2026-06-16', waivers: [{ drug: null, test: 'lithium_level', reason: 'x', waivedUntil: '2026-06-15' }] }, 'lithium_level');
    expect(item?.status).toBe('overdue');
  });
  it('a waiver for another test does not apply', () => {
    const item = dueItem({ ...lithium, asOf: '2026-06-15', waivers: [{ drug: null, test: 'tft', reason: 'x', waivedUntil: '2027-01-01' }] }, 'lithium_level');
    expect(item?.status).toBe('overdue');
  });
  it('a stopped drug needs no monitoring from its stop date', () => {
    const spec = { asOf: '2026-06-15', prescriptions: [{ drug: 'methotrexate', startDate: '2024-01-01', stoppedOn: '2026-05-01' }] };
    expect(dueForPatient(patient(spec), rules, spec.asOf)).toEqual([]);
    const before = { ...spec, asOf: '2026-04-30' };
    expect(dueForPatient(patient(before), rules, before.asOf).map((i) => i.test)).toContain('fbc');
  });
  it('amiodarone thyroid function continues for 12 months after stopping (CKS); LFT does not', () => {
    const spec = (asOf: string) => ({ asOf, prescriptions: [{ drug: 'amiodarone', startDate: '2022-01-01', stoppedOn: '2026-01-01' }], events: [done('tft', '2025-12-01'), done('lft', '2025-12-01')] });
    const tests = (asOf: string) => dueForPatient(patient(spec(asOf)), rules, asOf).map((i) => i.test);
    expect(tests('2026-06-15')).toEqual(['tft']);
    expect(tests('2026-12-31')).toEqual(['tft']);
    expect(tests('2027-01-01')).toEqual([]);
  });
  it('sulfasalazine bloods end after the first year: a stable patient is not flagged (Ardens)', () => {
    const spec = { asOf: '2026-06-15', prescriptions: [{ drug: 'sulfasalazine', startDate: '2024-01-01' }], events: [done('fbc', '2024-10-01')] };
    expect(dueForPatient(patient(spec), rules, spec.asOf).filter((i) => ['fbc', 'lft', 'renal'].includes(i.test))).toEqual([]);
  });
  it('a missing baseline-only test is chased at initiation, not years into established treatment', () => {
    const lithiumFbc = (startDate: string) => dueItem({ asOf: '2026-06-15', prescriptions: [{ drug: 'lithium', startDate }] }, 'fbc');
    expect(lithiumFbc('2026-05-16')).toMatchObject({ status: 'never_done', dueOn: '2026-05-16', basis: 'baseline before starting treatment' });
    expect(lithiumFbc('2021-06-15')).toBeUndefined();
  });
  it('a baseline done within the window before the start date counts', () => {
    const spec = (fbcOn: string) => ({ asOf: '2026-06-15', prescriptions: [{ drug: 'lithium', startDate: '2026-06-01' }], events: [done('fbc', fbcOn)] });
    expect(dueItem(spec('2026-03-10'), 'fbc')).toBeUndefined();
    expect(dueItem(spec('2026-02-01'), 'fbc')?.status).toBe('overdue');
  });
  it('a dose change restarts fortnightly methotrexate monitoring', () => {
    const spec = { asOf: '2026-06-15', prescriptions: [{ drug: 'methotrexate', startDate: '2024-01-01', lastDoseChange: '2026-06-10' }], events: [done('fbc', '2026-05-01')] };
    expect(dueItem(spec, 'fbc')?.dueOn).toBe('2026-06-24');
  });
});

describe('calendar months at month ends and in leap years', () => {
  const onLithiumSince2019 = (lastLevel: string, asOf: string, dateOfBirth = '1990-01-01') => dueItem({
    asOf, dateOfBirth, prescriptions: [{ drug: 'lithium', startDate: '2019-01-01' }], events: [result('lithium_level', 0.9, lastLevel, 'mmol/L')],
  }, 'lithium_level');

  it('30 November + 3 months is 28 February in a common year', () => {
    expect(onLithiumSince2019('2025-11-30', '2026-01-01')?.dueOn).toBe('2026-02-28');
  });
  it('30 November + 3 months is 29 February in a leap year', () => {
    expect(onLithiumSince2019('2023-11-30', '2024-01-01')?.dueOn).toBe('2024-02-29');
  });
  it('31 August + 6 months is the last day of February', () => {
    const item = dueItem({ asOf: '2026-01-01', prescriptions: [{ drug: 'amiodarone', startDate: '2020-01-01' }], events: [done('tft', '2025-08-31')] }, 'tft');
    expect(item?.dueOn).toBe('2026-02-28');
    expect(addMonths('2024-02-29', 12)).toBe('2025-02-28');
  });
});

describe('responsibility per drug and test', () => {
  const base = { asOf: '2026-06-15', prescriptions: [{ drug: 'lithium', startDate: '2026-01-01' }] };

  it('a per-test assignment beats the drug-wide one, and names the staff member', () => {
    const items = dueForPatient(patient({ ...base, responsibilities: [
      { drug: 'lithium', test: '*', orgType: 'gp_practice', orgName: null, staff: null },
      { drug: 'lithium', test: 'lithium_level', orgType: 'mh_trust', orgName: 'Test MH Trust', staff: 'j.bloggs@example.nhs.uk' },
    ] }), rules, base.asOf);
    expect(items.find((i) => i.test === 'lithium_level')?.responsible).toEqual({ org: 'mh_trust', name: 'Test MH Trust', staff: 'j.bloggs@example.nhs.uk' });
    expect(items.find((i) => i.test === 'renal')?.responsible).toEqual({ org: 'gp_practice', name: 'Test Surgery', staff: null });
  });
  it('with nothing recorded, falls back to the rule default (lithium: the GP practice)', () => {
    const items = dueForPatient(patient(base), rules, base.asOf);
    expect(items.find((i) => i.test === 'lithium_level')?.responsible).toEqual({ org: 'gp_practice', name: 'Test Surgery', staff: null });
  });
  it('shows nobody responsible when neither the register nor the rule names anyone', () => {
    const noDefault = { ...rules, rules: rules.rules.map((r) => ({ ...r, defaultResponsible: undefined })) };
    const items = dueForPatient(patient(base), noDefault, base.asOf);
    expect(items.length).toBeGreaterThan(0);
    for (const item of items) expect(item.responsible).toBeNull();
  });
  it('cites the source of the rule applied', () => {
    const items = dueForPatient(patient(base), rules, base.asOf);
    for (const item of items) expect(item.sources.length).toBeGreaterThan(0);
  });
});
