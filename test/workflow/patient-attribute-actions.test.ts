/**
 * Patient-dependent rules through the database, on each engine: a register whose `sex` and
 * `flags` columns (docs/import-formats.md, "sex and flags") and dates of birth feed the cited
 * conditions, imported with its events in one go (`import register FILE --events FILE2`), then one
 * sync as of a fixed date, then the actions the team would see. Every expectation below comes from
 * the guidance the rule cites (src/rules/default-rules.json, docs/rules.md) and the configuration
 * defaults in README.md, not from running the code.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inArray } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { defaultWorkflowConfig } from '../../src/config/workflow.js';
import { patients } from '../../src/db/schema.js';
import { importRegisterWithEvents } from '../../src/imports/register-with-events.js';
import { resultsList } from '../../src/register/results-list.js';
import { syncActions } from '../../src/workflow/sync.js';
import { describeEachEngine } from '../support/databases.js';
import { defaultRules } from '../support/rules.js';
import { actionsOf, AS_OF, NOW, systemActor, type ActionRow } from './support.js';

// As of 2026-11-22, now 12:00 UTC that day (test/workflow/support.ts), passed explicitly everywhere.
const rules = defaultRules();
const TEAM = 'Attributes CMHT';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'closedloop-patient-attributes-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

// patient_ref, date of birth, sex, flags, drug, start date.
const REGISTER: [string, string, string, string, string, string][] = [
  ['PA-CLZ-STD', '1980-01-01', 'M', '', 'clozapine', '2020-01-01'],
  ['PA-CLZ-BEN', '1980-01-01', 'M', 'ben', 'clozapine', '2020-01-01'],
  ['PA-WAR-35', '1950-01-01', 'F', 'inr_target=3.5', 'warfarin', '2024-01-01'],
  ['PA-WAR-STD', '1950-01-01', 'F', '', 'warfarin', '2024-01-01'],
  ['PA-VAL-PPP', '1995-01-01', 'F', 'pregnancy_possible', 'sodium valproate', '2024-01-01'],
  ['PA-VAL-STD', '1995-01-01', 'F', '', 'sodium valproate', '2024-01-01'],
  // 15 and 40 on the as-of date; olanzapine started two years before it.
  ['PA-OLZ-15', '2011-03-01', 'F', '', 'olanzapine', '2024-11-22'],
  ['PA-OLZ-40', '1986-03-01', 'F', '', 'olanzapine', '2024-11-22'],
];

const EVENTS = [
  'PA-CLZ-STD,neutrophils,result,1.2,10^9/L,2026-11-20',
  'PA-CLZ-BEN,neutrophils,result,1.2,10^9/L,2026-11-20',
  'PA-WAR-35,inr,result,3.2,ratio,2026-11-20',
  'PA-WAR-STD,inr,result,3.2,ratio,2026-11-20',
  // The last prolactin seven months before the as-of date.
  'PA-OLZ-15,prolactin,result,250,mIU/L,2026-04-22',
  'PA-OLZ-40,prolactin,result,250,mIU/L,2026-04-22',
];

function writeCsv(name: string, lines: string[]): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

describeEachEngine('patient attributes from an imported register to the actions', (getDb) => {
  const actions = new Map<string, ActionRow[]>();
  const of = (ref: string) => actions.get(ref) ?? [];
  const overdueFor = (ref: string, test: string) => of(ref).filter((a) => a.kind === 'overdue_monitoring' && a.cause.test === test);

  beforeAll(async () => {
    const db = getDb();
    const registerFile = writeCsv('register.csv', [
      'patient_ref,display_label,team,gp_practice,date_of_birth,sex,flags,drug,start_date',
      ...REGISTER.map(([ref, dob, sex, flags, drug, start]) => `${ref},Fictional,${TEAM},Elm Surgery,${dob},${sex},${flags},${drug},${start}`),
    ]);
    const eventsFile = writeCsv('events.csv', ['patient_ref,test,outcome,value,unit,taken_on', ...EVENTS]);
    const imported = await importRegisterWithEvents(db, registerFile, eventsFile, { ruleSet: rules, today: AS_OF });
    expect(imported.ok && [imported.register.patients.inserted, imported.events.inserted]).toEqual([REGISTER.length, EVENTS.length]);

    // One sync over the result, as the import command runs it (src/cli/register-commands.ts).
    const summary = await syncActions(db, rules, { asOf: AS_OF, now: NOW, actor: systemActor(), config: defaultWorkflowConfig });
    expect(summary.patients).toBe(REGISTER.length);

    const stored = await db.select({ id: patients.id, ref: patients.patientRef }).from(patients)
      .where(inArray(patients.patientRef, REGISTER.map(([ref]) => ref)));
    for (const { id, ref } of stored) actions.set(ref, await actionsOf(db, [id]));
  });

  it('clozapine: neutrophils 1.2 are RED on the standard ranges and AMBER on the BEN ranges, each review for sign-off', () => {
    // NHS GGC / ZTAS traffic-light bands (clozapine_neutrophils): red below 1.5, amber below 2.0.
    // BEN ranges (clozapine_neutrophils_ben, local default cited to BMC Psychiatry 2021): red below
    // 1.0, amber below 1.5. Every clozapine FBC result opens a review for pharmacist sign-off
    // (the fbc test's signOff; rule note). RED_REVIEW_HOURS 4 and AMBER_REVIEW_DAYS 3 (README).
    const standard = of('PA-CLZ-STD').filter((a) => a.kind === 'result_review');
    const ben = of('PA-CLZ-BEN').filter((a) => a.kind === 'result_review');
    expect(standard).toHaveLength(1);
    expect(ben).toHaveLength(1);
    expect(standard[0]).toMatchObject({ priority: 'red', status: 'open', due_at: new Date(NOW.getTime() + 4 * HOUR) });
    expect(standard[0]!.cause).toMatchObject({ test: 'neutrophils', value: 1.2, unit: '10^9/L', takenOn: '2026-11-20', flag: 'red', signOff: true });
    expect(standard[0]!.cause.reason).toContain('RED: stop clozapine immediately');
    expect(standard[0]!.cause.reason).not.toContain('BEN');
    expect(ben[0]).toMatchObject({ priority: 'amber', status: 'open', due_at: new Date(NOW.getTime() + 3 * DAY) });
    expect(ben[0]!.cause).toMatchObject({ test: 'neutrophils', value: 1.2, unit: '10^9/L', takenOn: '2026-11-20', flag: 'amber', signOff: true });
    expect(ben[0]!.cause.reason).toContain('AMBER (BEN ranges)');

    // A red result's escalation to the prescriber is raised at once, even while the team is
    // onboarding (import-formats.md, "a red result is never held back"); an amber one has none.
    expect(of('PA-CLZ-STD').filter((a) => a.kind === 'escalation').map((a) => [a.assigned_role, a.priority, a.parent_id]))
      .toEqual([['prescriber', 'red', standard[0]!.id]]);
    expect(of('PA-CLZ-BEN').filter((a) => a.kind === 'escalation')).toEqual([]);

    // The schedule follows the same bands: red means daily FBC (clozapine_red_neutrophils, 1d), so
    // the FBC due 2026-11-21 is a day overdue; BEN amber means twice weekly (3d), due 2026-11-23.
    // The neutrophil result counts as the FBC done (import-formats.md: a result counts towards its panel).
    expect(overdueFor('PA-CLZ-STD', 'fbc').map((a) => [a.priority, a.cause.dueOn, a.cause.lastDone, a.cause.daysOverdue]))
      .toEqual([['routine', '2026-11-21', '2026-11-20', 1]]);
    expect(overdueFor('PA-CLZ-BEN', 'fbc')).toEqual([]);
  });

  it('warfarin: INR 3.2 is in range for a target of 3.5 (no review) and amber for the usual 2.5', async () => {
    // Oxford protocol "target ± 0.5" (warfarin_inr): 3.0–4.0 for inr_target=3.5, 2.0–3.0 for the
    // usual 2.5; above the range is amber, red only above 5.0 or more than 1 below the target.
    // Warfarin's INR needs no sign-off, so a green result opens nothing; FBC, LFT and renal are
    // baseline only, no longer chased two years in; the INR is next due in 12 weeks (in range) or
    // 2 weeks (warfarin_inr_above_range): neither is due yet. So the 3.5 patient has no action at all.
    expect(of('PA-WAR-35')).toEqual([]);
    const reviews = of('PA-WAR-STD');
    expect(reviews.map((a) => [a.kind, a.priority, a.status])).toEqual([['result_review', 'amber', 'open']]);
    expect(reviews[0]!.cause).toMatchObject({ test: 'inr', value: 3.2, takenOn: '2026-11-20', flag: 'amber' });
    expect(reviews[0]!.cause.reason).toContain('INR above the target range');
    expect(reviews[0]!.cause.signOff).toBeUndefined();

    // The 3.5 patient's result is rated green, not left unrated (a not-rated result would also open nothing).
    const listed = await resultsList(getDb(), rules, { team: TEAM, asOf: AS_OF, days: 7, flaggedOnly: false });
    expect(listed.ok).toBe(true);
    if (!listed.ok) return;
    const inr = listed.value.filter((r) => r.test === 'inr').map((r) => [r.patientRef, r.flag]).sort();
    expect(inr).toEqual([['PA-WAR-35', 'green'], ['PA-WAR-STD', 'amber']]);
  });

  it('valproate: only the patient flagged pregnancy_possible is chased for the annual PPP review', () => {
    // MHRA Pregnancy Prevention Programme: specialist review at least annually, with the Annual
    // Risk Acknowledgement Form, for patients flagged pregnancy_possible (valproate's conditional
    // medication_review: baseline, then yearly). Never done since the 2024 start: far more than
    // OVERDUE_ESCALATION_DAYS (28) late, so amber (import-formats.md, onboarding).
    const ppp = overdueFor('PA-VAL-PPP', 'medication_review');
    expect(ppp).toHaveLength(1);
    expect(ppp[0]).toMatchObject({ priority: 'amber', status: 'open' });
    expect(ppp[0]!.cause).toMatchObject({ drug: 'sodium_valproate', test: 'medication_review', lastDone: null });
    // Both are women on the same drug since the same day: the flag alone decides.
    expect(of('PA-VAL-STD').filter((a) => a.cause.test === 'medication_review')).toEqual([]);
    // The unconditional valproate tests are chased for both alike.
    const otherTests = (ref: string) => of(ref).filter((a) => a.kind === 'overdue_monitoring' && a.cause.test !== 'medication_review')
      .map((a) => a.cause.test).sort();
    expect(otherTests('PA-VAL-PPP')).toEqual(otherTests('PA-VAL-STD'));
  });

  it('antipsychotic: a 15-year-old whose last prolactin was 7 months ago is overdue; a 40-year-old is not', () => {
    // NICE CG155 (children and young people): prolactin every 6 months while under 18; NICE CG178
    // (adults): a baseline prolactin only, repeated if indicated. 2026-04-22 + 6 calendar months is
    // 2026-10-22, 31 days before the as-of date: more than OVERDUE_ESCALATION_DAYS (28), so amber.
    const child = overdueFor('PA-OLZ-15', 'prolactin');
    expect(child.map((a) => [a.priority, a.status])).toEqual([['amber', 'open']]);
    expect(child[0]!.cause).toMatchObject({ drug: 'olanzapine', test: 'prolactin', dueOn: '2026-10-22', lastDone: '2026-04-22', daysOverdue: 31 });
    expect(of('PA-OLZ-40').filter((a) => a.cause.test === 'prolactin')).toEqual([]);
    // Prolactin has no thresholds and needs no sign-off: the results themselves open no review.
    expect([...of('PA-OLZ-15'), ...of('PA-OLZ-40')].filter((a) => a.kind === 'result_review')).toEqual([]);
  });
});
