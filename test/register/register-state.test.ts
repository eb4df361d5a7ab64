/**
 * The patient_state read model (maintained by triggers) must always agree with the events it
 * summarises, on PGlite and on PostgreSQL: after batched inserts in any order, corrections
 * (update, delete), and for as-of dates before some events (where the events are read instead).
 * It keeps RECENT_VALUES_DEPTH (three) results per analyte, enough for a fall across three tests.
 */
import { eq, sql } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { monitoringEvents, patientState, patients, prescriptions, responsibilities, teams } from '../../src/db/schema.js';
import { computeDue } from '../../src/domain/due.js';
import { RECENT_VALUES_DEPTH, type PatientState } from '../../src/domain/register.js';
import type { RuleSet } from '../../src/domain/rules/schema.js';
import { requirementKeyOf, type TestKey } from '../../src/domain/test-keys.js';
import { loadPatientStates } from '../../src/register/register-state.js';
import { describeEachEngine } from '../support/databases.js';
import { defaultRules } from '../support/rules.js';

const rules = defaultRules();

type EventSpec = [TestKey, 'result' | 'done' | 'dna', number | null, string];

async function addPatient(db: Database, ref: string, drug: string, startDate: string): Promise<string> {
  const [team] = await db.insert(teams).values({ name: `Team ${ref}` }).returning();
  const [patient] = await db.insert(patients).values({ patientRef: ref, displayLabel: 'Fictional', teamId: team!.id, gpPractice: 'Test Surgery', dateOfBirth: '1950-05-05' }).returning();
  await db.insert(prescriptions).values({ patientId: patient!.id, drug, startDate });
  return patient!.id;
}

async function addEvents(db: Database, patientId: string, events: EventSpec[]): Promise<void> {
  await db.insert(monitoringEvents).values(events.map(([test, outcome, value, takenOn]) => ({
    patientId, test, requirement: requirementKeyOf(test), outcome, value, unit: value === null ? null : 'unit', takenOn, source: 'test',
  })));
}

/** The default rules plus a modifier on the lithium level that looks for a fall across three tests. */
function withLithiumFall(ruleSet: RuleSet): RuleSet {
  const copy = structuredClone(ruleSet);
  const level = copy.rules.find((r) => r.id === 'lithium')!.tests.find((t) => t.test === 'lithium_level')!;
  level.modifiers.push({ id: 'test_lithium_falling', description: 'lithium lower on each of three tests', when: { kind: 'falling', analyte: 'lithium_level', minDrop: 0, tests: 3 }, maxEvery: '1m', sources: level.sources });
  return copy;
}

function sorted(states: PatientState[]): PatientState[] {
  return [...states].sort((a, b) => a.patientRef.localeCompare(b.patientRef));
}

describeEachEngine('register state read model', (getDb) => {
  let lithiumPatient = '';

  beforeAll(async () => {
    const db = getDb();
    lithiumPatient = await addPatient(db, 'RM-001', 'lithium', '2020-01-01');
    // Three batches, deliberately out of date order, the middle one containing the newest values.
    await addEvents(db, lithiumPatient, [['lithium_level', 'result', 0.5, '2026-01-10'], ['egfr', 'result', 80, '2026-01-10']]);
    await addEvents(db, lithiumPatient, [['lithium_level', 'result', 0.9, '2026-05-01'], ['egfr', 'result', 70, '2026-05-01'], ['tsh', 'result', 2, '2026-05-01']]);
    await addEvents(db, lithiumPatient, [['lithium_level', 'result', 0.7, '2026-03-01'], ['calcium', 'done', null, '2026-06-01'], ['renal', 'dna', null, '2026-07-01']]);
  });

  it('keeps the latest date per requirement and the three newest values per analyte, whatever the insert order', async () => {
    expect(RECENT_VALUES_DEPTH).toBe(3);
    const [row] = await getDb().select().from(patientState).where(eq(patientState.patientId, lithiumPatient));
    expect(row?.lastDone).toEqual({ lithium_level: '2026-05-01', renal: '2026-05-01', tft: '2026-05-01', calcium: '2026-06-01' });
    expect(row?.recentValues.lithium_level?.map(([v, d]) => [v, d])).toEqual([[0.9, '2026-05-01'], [0.7, '2026-03-01'], [0.5, '2026-01-10']]);
    expect(row?.recentValues.egfr?.map(([v]) => v)).toEqual([70, 80]);
  });

  it('gives the same register state as aggregating the events', async () => {
    const fromSummary = await loadPatientStates(getDb(), { asOf: '2026-11-22' }, rules);
    const fromEvents = await loadPatientStates(getDb(), { asOf: '2026-11-22', source: 'events' }, rules);
    expect(sorted(fromSummary)).toEqual(sorted(fromEvents));
    expect(computeDue(fromSummary, rules, '2026-11-22')).toEqual(computeDue(fromEvents, rules, '2026-11-22'));
  });

  it('as of a date before some events, ignores the later ones', async () => {
    const [state] = await loadPatientStates(getDb(), { asOf: '2026-04-01', patientIds: [lithiumPatient] }, rules);
    expect(state?.lastDone.lithium_level).toBe('2026-03-01');
    // The default rules read only the latest lithium level, and eGFR over three tests (a fall).
    expect(state?.recentValues.lithium_level?.map((p) => p.value)).toEqual([0.7]);
    expect(state?.recentValues.egfr?.map((p) => p.value)).toEqual([80]);
  });

  it('rebuilds the summary when an event is corrected or deleted', async () => {
    const db = getDb();
    await db.update(monitoringEvents).set({ value: 1.6 })
      .where(sql`${monitoringEvents.patientId} = ${lithiumPatient} AND ${monitoringEvents.takenOn} = '2026-05-01' AND ${monitoringEvents.test} = 'lithium_level'`);
    let [row] = await db.select().from(patientState).where(eq(patientState.patientId, lithiumPatient));
    expect(row?.recentValues.lithium_level?.[0]?.[0]).toBe(1.6);

    await db.delete(monitoringEvents).where(sql`${monitoringEvents.patientId} = ${lithiumPatient} AND ${monitoringEvents.takenOn} = '2026-05-01'`);
    [row] = await db.select().from(patientState).where(eq(patientState.patientId, lithiumPatient));
    expect(row?.lastDone).toEqual({ lithium_level: '2026-03-01', renal: '2026-01-10', calcium: '2026-06-01' });
    expect(row?.recentValues.lithium_level?.map(([v]) => v)).toEqual([0.7, 0.5]);
    expect(row?.recentValues.tsh).toBeUndefined();

    const fromSummary = await loadPatientStates(db, { asOf: '2026-11-22' }, rules);
    const fromEvents = await loadPatientStates(db, { asOf: '2026-11-22', source: 'events' }, rules);
    expect(sorted(fromSummary)).toEqual(sorted(fromEvents));
  });

  it('keeps each patient\'s register row in step with prescriptions and responsibilities', async () => {
    const db = getDb();
    const id = await addPatient(db, 'RM-003', 'clozapine', '2026-01-05');
    await db.insert(responsibilities).values([
      { patientId: id, drug: 'clozapine', test: '*', orgType: 'mh_trust', orgName: null, staff: null },
      { patientId: id, drug: 'clozapine', test: 'fbc', orgType: 'mh_trust', orgName: 'Test Trust', staff: 'j.bloggs@example.nhs.uk' },
    ]);
    let [row] = await db.select().from(patientState).where(eq(patientState.patientId, id));
    expect(row?.prescriptions).toEqual([['clozapine', '2026-01-05', null, null]]);
    expect(row?.responsibilities).toEqual([['clozapine', '*', 'mh_trust', null, null], ['clozapine', 'fbc', 'mh_trust', 'Test Trust', 'j.bloggs@example.nhs.uk']]);

    await db.update(prescriptions).set({ stoppedOn: '2026-06-01' }).where(eq(prescriptions.patientId, id));
    await db.delete(responsibilities).where(sql`${responsibilities.patientId} = ${id} AND ${responsibilities.test} = 'fbc'`);
    [row] = await db.select().from(patientState).where(eq(patientState.patientId, id));
    expect(row?.prescriptions).toEqual([['clozapine', '2026-01-05', null, '2026-06-01']]);
    expect(row?.responsibilities).toEqual([['clozapine', '*', 'mh_trust', null, null]]);

    const [state] = await loadPatientStates(db, { asOf: '2026-05-01', patientIds: [id] }, rules);
    expect(state?.prescriptions).toEqual([{ drug: 'clozapine', startDate: '2026-01-05', lastDoseChange: null, stoppedOn: '2026-06-01' }]);
    expect(state?.responsibilities).toEqual([{ drug: 'clozapine', test: '*', orgType: 'mh_trust', orgName: null, staff: null }]);
  });

  it('scopes by team and by patient', async () => {
    const db = getDb();
    const other = await addPatient(db, 'RM-002', 'methotrexate', '2024-01-01');
    await addEvents(db, other, [['alt', 'result', 30, '2026-10-01']]);
    const [team] = await db.select({ id: patients.teamId }).from(patients).where(eq(patients.id, other));
    const teamStates = await loadPatientStates(db, { asOf: '2026-11-22', teamId: team!.id }, rules);
    expect(teamStates.map((s) => s.patientRef)).toEqual(['RM-002']);
    expect(teamStates[0]?.lastDone).toEqual({ lft: '2026-10-01' });
    const all = await loadPatientStates(db, { asOf: '2026-11-22' }, rules);
    expect(all.map((s) => s.patientRef).sort()).toEqual(['RM-001', 'RM-002', 'RM-003']);
  });

  it('follows a patient who moves team, and lists a patient registered before any prescription', async () => {
    const db = getDb();
    const moving = await addPatient(db, 'RM-004', 'lithium', '2025-01-01');
    const [from] = await db.select({ id: patients.teamId }).from(patients).where(eq(patients.id, moving));
    const [to] = await db.insert(teams).values({ name: 'Team moved to' }).returning();
    await db.update(patients).set({ teamId: to!.id }).where(eq(patients.id, moving));
    const [newcomer] = await db.insert(patients).values({ patientRef: 'RM-005', displayLabel: 'Fictional', teamId: to!.id, gpPractice: 'Test Surgery' }).returning();

    const inOldTeam = await loadPatientStates(db, { asOf: '2026-11-22', teamId: from!.id }, rules);
    const inNewTeam = await loadPatientStates(db, { asOf: '2026-11-22', teamId: to!.id }, rules);
    expect(inOldTeam).toEqual([]);
    expect(inNewTeam.map((s) => s.patientRef).sort()).toEqual(['RM-004', 'RM-005']);
    expect(inNewTeam.find((s) => s.patientRef === 'RM-004')?.team).toBe('Team moved to');
    const [copy] = await db.select({ teamId: patientState.teamId }).from(patientState).where(eq(patientState.patientId, newcomer!.id));
    expect(copy?.teamId).toBe(to!.id);
  });

  it('keeps three values, not four, through merged inserts, one large insert and rebuilds, and the events path agrees', async () => {
    const db = getDb();
    const lithiumValues = async (id: string) => {
      const [row] = await db.select().from(patientState).where(eq(patientState.patientId, id));
      return row?.recentValues.lithium_level?.map(([v, d]) => [v, d]);
    };
    // Merge path: four results in three statements, out of date order; the oldest drops out.
    const merged = await addPatient(db, 'RM-010', 'lithium', '2020-01-01');
    await addEvents(db, merged, [['lithium_level', 'result', 0.4, '2026-01-05'], ['lithium_level', 'result', 0.8, '2026-04-05']]);
    await addEvents(db, merged, [['lithium_level', 'result', 0.6, '2026-03-05']]);
    expect(await lithiumValues(merged)).toEqual([[0.8, '2026-04-05'], [0.6, '2026-03-05'], [0.4, '2026-01-05']]);
    await addEvents(db, merged, [['lithium_level', 'result', 0.5, '2026-02-05'], ['lithium_level', 'result', 0.9, '2026-05-05']]);
    expect(await lithiumValues(merged)).toEqual([[0.9, '2026-05-05'], [0.8, '2026-04-05'], [0.6, '2026-03-05']]);

    // Merge path from nothing: five results in one statement.
    const single = await addPatient(db, 'RM-011', 'lithium', '2020-01-01');
    await addEvents(db, single, [0.3, 0.4, 0.5, 0.6, 0.7].map((v, i): EventSpec => ['lithium_level', 'result', v, `2026-0${i + 1}-15`]));
    expect(await lithiumValues(single)).toEqual([[0.7, '2026-05-15'], [0.6, '2026-04-15'], [0.5, '2026-03-15']]);

    // Rebuild path: deleting the newest brings back the fourth newest; correcting a value rebuilds too.
    await db.delete(monitoringEvents).where(sql`${monitoringEvents.patientId} = ${merged} AND ${monitoringEvents.takenOn} = '2026-05-05'`);
    expect(await lithiumValues(merged)).toEqual([[0.8, '2026-04-05'], [0.6, '2026-03-05'], [0.5, '2026-02-05']]);
    await db.update(monitoringEvents).set({ value: 0.65 })
      .where(sql`${monitoringEvents.patientId} = ${merged} AND ${monitoringEvents.takenOn} = '2026-03-05'`);
    expect(await lithiumValues(merged)).toEqual([[0.8, '2026-04-05'], [0.65, '2026-03-05'], [0.5, '2026-02-05']]);

    // The loader reads as many as the rules look at: the latest under the default rules, all
    // three under a rule that looks for a fall in lithium over three tests; the events path ranks
    // the same ones.
    const ids = [merged, single];
    const load = (ruleSet: RuleSet, asOf: string, source?: 'events') => loadPatientStates(db, { asOf, patientIds: ids, ...(source ? { source } : {}) }, ruleSet).then(sorted);
    const lithium = (states: PatientState[]) => states.map((s) => s.recentValues.lithium_level?.map((p) => p.value));
    expect(lithium(await load(rules, '2026-11-22'))).toEqual([[0.8], [0.7]]);
    expect(await load(rules, '2026-11-22', 'events')).toEqual(await load(rules, '2026-11-22'));
    const fallRules = withLithiumFall(rules);
    const fromSummary = await load(fallRules, '2026-11-22');
    expect(lithium(fromSummary)).toEqual([[0.8, 0.65, 0.5], [0.7, 0.6, 0.5]]);
    expect(await load(fallRules, '2026-11-22', 'events')).toEqual(fromSummary);
    // As of a past date the events path keeps three too.
    const past = await load(fallRules, '2026-04-30');
    expect(past.map((s) => s.recentValues.lithium_level?.map((p) => p.takenOn))).toEqual([['2026-04-05', '2026-03-05', '2026-02-05'], ['2026-04-15', '2026-03-15', '2026-02-15']]);
  });
});
