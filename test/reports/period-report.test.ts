/**
 * The weekly report loaded from the database, on PGlite and PostgreSQL: a small register whose
 * compliance over 12 weeks is worked out by hand, actions claimed, released and closed through
 * the core as people would (so their holders come from the real audit trail), the chat reply on
 * the SQL stores with its chart, and the one-pass compliance series checked against loading the
 * register separately for each date.
 */
import type { Queryable } from '../../src/db/database.js';
import { sql } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { createCommandCore, type Core } from '../../src/app/core.js';
import { findChartImage } from '../../src/charts/chart-store.js';
import { defaultWorkflowConfig } from '../../src/config/workflow.js';
import { rowsOf } from '../../src/db/client.js';
import type { Database } from '../../src/db/database.js';
import { monitoringEvents, patients, prescriptions, staff, teams, waivers } from '../../src/db/schema.js';
import { addDays } from '../../src/domain/dates.js';
import { complianceSnapshot } from '../../src/domain/digest/metrics.js';
import { computeDue } from '../../src/domain/due.js';
import { requirementKeyOf, type TestKey } from '../../src/domain/test-keys.js';
import { createLogger } from '../../src/logging/logger.js';
import { loadComplianceSeries } from '../../src/reports/compliance-series.js';
import { loadPeriodReport } from '../../src/reports/period-report.js';
import { loadPatientStates } from '../../src/register/register-state.js';
import { createStores } from '../../src/stores/create-stores.js';
import { describeEachEngine } from '../support/databases.js';
import { shownView } from '../support/effects.js';
import { defaultRules } from '../support/rules.js';

/** A stored chart's PNG and size, or null (unknown, expired or malformed token). */
async function findPng(db: Queryable, token: string, now: Date): Promise<{ png: Uint8Array | undefined; width: number; height: number } | null> {
  const chart = await findChartImage(db, token, now, { withPng: true });
  return chart ? { png: chart.png, width: chart.width, height: chart.height } : null;
}

const rules = defaultRules();
const LITHIUM_TESTS: TestKey[] = ['lithium_level', 'renal', 'calcium', 'tft', 'weight'];
// Thursday after the week of 16–22 November 2026 (GMT).
const REPORT_AT = new Date('2026-11-26T10:00:00Z');

async function addPatient(db: Database, teamId: string, ref: string, drug: string, startDate: string): Promise<string> {
  const [patient] = await db.insert(patients).values({ patientRef: ref, displayLabel: 'Fictional', teamId, gpPractice: 'Test Surgery' }).returning();
  await db.insert(prescriptions).values({ patientId: patient!.id, drug, startDate });
  return patient!.id;
}

async function done(db: Database, patientId: string, tests: TestKey[], takenOn: string): Promise<void> {
  await db.insert(monitoringEvents).values(tests.map((test) => ({ patientId, test, requirement: requirementKeyOf(test), outcome: 'done' as const, takenOn, source: 'test' })));
}

async function addAction(db: Database, teamId: string, patientId: string, kind: string, priority: string, createdAt: string, dueAt: string): Promise<number> {
  const [row] = rowsOf<{ id: number | string }>(await db.execute(sql`INSERT INTO actions (kind, patient_id, team_id, cause_key, priority, due_at, created_at, updated_at)
    VALUES (${kind}, ${patientId}::uuid, ${teamId}::uuid, ${`test:${kind}:${createdAt}`}, ${priority}, ${dueAt}::timestamptz, ${createdAt}::timestamptz, ${createdAt}::timestamptz)
    RETURNING id`));
  return Number(row!.id);
}

describeEachEngine('weekly report from the database', (getDb) => {
  let teamId = '';
  let clock = new Date(0);
  let core: Core;
  const ids: Record<string, number> = {};

  const as = async (email: string, text: string, at: string) => {
    clock = new Date(at);
    const response = await core.handle({
      text, actor: { platform: 'console', tenant: 'local', userId: email, verifiedEmail: email },
      channel: { id: 'console', kind: 'direct' }, via: 'console', correlationId: `${email}-${at}`,
    });
    expect(response.ok, `${text}: ${JSON.stringify(response.effects[0])}`).toBe(true);
    return response;
  };

  beforeAll(async () => {
    const db = getDb();
    const [team] = await db.insert(teams).values({ name: 'Report CMHT' }).returning();
    teamId = team!.id;
    // Lithium since 2020: five tests each, six-monthly (the rules' maintenance phase).
    const p1 = await addPatient(db, teamId, 'RP-001', 'lithium', '2020-01-01');
    const p2 = await addPatient(db, teamId, 'RP-002', 'lithium', '2020-01-01');
    const p3 = await addPatient(db, teamId, 'RP-003', 'lithium', '2020-01-01');
    await done(db, p1, LITHIUM_TESTS, '2026-08-20'); // due 2027-02-20: in date throughout
    await done(db, p2, LITHIUM_TESTS, '2026-04-20'); // due 2026-10-20: overdue from the 21st
    await done(db, p3, ['lithium_level'], '2026-11-24'); // after the week: never done within it
    // A renal waiver for RP-002 recorded on 10 November covers the last two week ends only.
    await db.insert(waivers).values({ patientId: p2, drug: 'lithium', test: 'renal', reason: 'renal clinic', waivedUntil: '2027-01-31', createdBy: 'test', createdAt: new Date('2026-11-10T12:00:00Z') });

    await db.insert(staff).values([
      { name: 'Pat One', email: 'pat1@example.invalid', roles: ['pharmacist'] },
      { name: 'Pat Two', email: 'pat2@example.invalid', roles: ['pharmacist'] },
      { name: 'Meg Manager', email: 'meg@example.invalid', roles: ['manager'] },
    ]);
    await db.execute(sql`INSERT INTO staff_teams (staff_id, team_id) SELECT id, ${teamId}::uuid FROM staff WHERE email LIKE '%@example.invalid'`);
    core = createCommandCore({
      stores: createStores(db, { publicBaseUrl: 'https://closedloop.example.invalid/' }), ruleSet: rules, workflow: defaultWorkflowConfig,
      logger: createLogger('error', () => {}), now: () => clock,
    });

    ids.red = await addAction(db, teamId, p1, 'result_review', 'red', '2026-11-16T10:00:00Z', '2026-11-16T14:00:00Z');
    ids.amber = await addAction(db, teamId, p2, 'result_review', 'amber', '2026-11-17T09:00:00Z', '2026-11-20T09:00:00Z');
    ids.reconciliation = await addAction(db, teamId, p3, 'reconciliation', 'amber', '2026-11-18T00:00:00Z', '2026-11-21T00:00:00Z');
    ids.escalation = await addAction(db, teamId, p3, 'escalation', 'red', '2026-11-22T23:00:00Z', '2026-11-23T03:00:00Z');
    await as('pat1@example.invalid', `claim A-${ids.red}`, '2026-11-16T10:30:00Z');
    await as('pat1@example.invalid', `close A-${ids.red} in_range_no_action`, '2026-11-16T13:00:00Z');
    // Taken after 20 minutes, given back, taken again the next day by someone else: the first taking counts.
    await as('pat1@example.invalid', `claim A-${ids.amber}`, '2026-11-17T09:20:00Z');
    await as('pat1@example.invalid', `release A-${ids.amber}`, '2026-11-17T10:00:00Z');
    await as('pat2@example.invalid', `claim A-${ids.amber}`, '2026-11-18T09:00:00Z');
    await as('pat2@example.invalid', `close A-${ids.amber} in_range_no_action`, '2026-11-20T10:00:00Z');
  });

  it('measures compliance at each of the 12 week ends by hand, a waiver counting only from when it was recorded', async () => {
    const loaded = await loadPeriodReport(getDb(), { teamId, kind: 'weekly', periodStart: '2026-11-16', now: REPORT_AT, ruleSet: rules });
    expect(loaded.ok).toBe(true);
    if (!loaded.ok) return;
    const { series, metrics, team, groupNames } = loaded.value;
    expect(team).toEqual({ id: teamId, name: 'Report CMHT', timeZone: 'Europe/London' });
    expect(groupNames.lithium).toBe('Lithium');
    // 6 Sep–18 Oct: RP-001 and RP-002 in date (10 of 15); 25 Oct–8 Nov: RP-002 overdue too (5 of 15);
    // 15 and 22 Nov: RP-002's renal waived (6 of 15). RP-003 never done throughout.
    expect(series.map((s) => [s.date, s.groups])).toEqual([
      ...['2026-09-06', '2026-09-13', '2026-09-20', '2026-09-27', '2026-10-04', '2026-10-11', '2026-10-18']
        .map((date) => [date, [{ group: 'lithium', total: 15, inDate: 10, waived: 0, overdue: 5 }]]),
      ...['2026-10-25', '2026-11-01', '2026-11-08'].map((date) => [date, [{ group: 'lithium', total: 15, inDate: 5, waived: 0, overdue: 10 }]]),
      ...['2026-11-15', '2026-11-22'].map((date) => [date, [{ group: 'lithium', total: 15, inDate: 6, waived: 1, overdue: 9 }]]),
    ]);
    expect(metrics.compliance?.team).toEqual({ group: 'team', met: 6, of: 15, percent: 40, waived: 1, overdue: 9 });
    expect(metrics.overdueTrend.map((t) => t.overdue)).toEqual([10, 10, 10, 9, 9]);
  });

  it('reads first claims from the audit trail, not the latest claimed_at', async () => {
    const loaded = await loadPeriodReport(getDb(), { teamId, kind: 'weekly', periodStart: '2026-11-16', now: REPORT_AT, ruleSet: rules });
    if (!loaded.ok) throw new Error(loaded.message);
    const m = loaded.value.metrics;
    // Red review closed in time; the amber one closed an hour late.
    expect(m.resultReviewsInTime).toEqual({ met: 1, of: 2, percent: 50, pending: 0 });
    // First taken after 30 and 20 minutes (the amber one's claimed_at now says the 18th).
    expect(m.timeToClaim).toEqual({ minutes: 25, count: 2 });
    // Closed after 180 and 4,380 minutes.
    expect(m.timeToClose).toEqual({ minutes: 2280, count: 2 });
    expect(m.reconciliationsInTime).toEqual({ met: 0, of: 1, percent: 0, pending: 0 });
    expect(m.escalations).toEqual({ raised: 1, closed: 0 });
    // The reconciliation has waited 120 hours with nobody holding it; the red escalation only 1 hour at the week's end.
    expect(m.unclaimedBeyondLimit).toEqual({ total: 1, byPriority: { red: 0, amber: 1, routine: 0 } });
  });

  it('answers "digest weekly" on the SQL stores with last week\'s figures and a stored chart at the public address', async () => {
    const response = await as('meg@example.invalid', 'digest weekly', '2026-11-26T10:00:00Z');
    const view = shownView(response);
    expect(view.title).toBe('Weekly digest: Report CMHT, 16–22 Nov 2026');
    expect(view.fallbackText).toContain('Monitoring compliance on 22 Nov 2026: 40% in date (6 of 15; 1 waived, counted in date)');
    expect(view.image).toMatchObject({ width: 800, height: 400 });
    expect(view.image?.url).toBe(`https://closedloop.example.invalid/charts/${view.image?.token}.png`);
    expect(view.image?.png).toBeUndefined();
    expect(view.image?.alt).toContain('Lithium 40%');
    const chart = await findPng(getDb(), view.image!.token, REPORT_AT);
    expect(chart && [chart.width, chart.height, [...(chart.png ?? []).slice(1, 4)]]).toEqual([800, 400, [0x50, 0x4e, 0x47]]);
  });

  it('refuses a period start that is not a Monday (a caller\'s bug)', async () => {
    await expect(loadPeriodReport(getDb(), { teamId, kind: 'weekly', periodStart: '2026-11-17', now: REPORT_AT, ruleSet: rules })).rejects.toThrow(/does not start a weekly period/);
  });

  it('gives the same compliance as loading the register separately for each date', async () => {
    const db = getDb();
    const [other] = await db.insert(teams).values({ name: 'Agreement CMHT' }).returning();
    const drugs = ['lithium', 'methotrexate', 'clozapine', 'apixaban', 'olanzapine'];
    for (let n = 0; n < 40; n++) {
      const drug = drugs[n % drugs.length]!;
      const id = await addPatient(db, other!.id, `AG-${String(n).padStart(3, '0')}`, drug, addDays('2025-06-01', (n * 37) % 500));
      const events = [];
      for (let k = 0; k < 6; k++) {
        const takenOn = addDays('2025-09-01', (n * 53 + k * 71) % 470);
        events.push({ patientId: id, test: 'renal' as TestKey, requirement: 'renal' as TestKey, outcome: 'done' as const, takenOn, source: 'test' });
        events.push({ patientId: id, test: 'lithium_level' as TestKey, requirement: 'lithium_level' as TestKey, outcome: 'result' as const, value: 0.5 + ((n + k) % 5) / 10, unit: 'mmol/L', takenOn, source: 'test' });
        events.push({ patientId: id, test: 'egfr' as TestKey, requirement: 'renal' as TestKey, outcome: 'result' as const, value: 90 - k * 8 - (n % 7), unit: 'mL/min/1.73m2', takenOn: addDays(takenOn, 1), source: 'test' });
        events.push({ patientId: id, test: 'fbc' as TestKey, requirement: 'fbc' as TestKey, outcome: k % 3 === 0 ? 'dna' as const : 'done' as const, takenOn: addDays(takenOn, 2), source: 'test' });
      }
      await db.insert(monitoringEvents).values(events);
      if (n % 6 === 0) await db.insert(waivers).values({ patientId: id, drug: null, test: 'fbc', reason: 'haematology', waivedUntil: addDays('2026-09-01', n * 3), createdBy: 'test', createdAt: new Date('2025-01-01T00:00:00Z') });
    }
    const dates = Array.from({ length: 12 }, (_, i) => addDays('2026-09-06', 7 * i));
    const series = await loadComplianceSeries(db, { teamId: other!.id, timeZone: 'Europe/London', dates, ruleSet: rules });
    const expected = [];
    for (const date of dates) {
      const states = await loadPatientStates(db, { teamId: other!.id, asOf: date }, rules);
      expected.push(complianceSnapshot(date, computeDue(states, rules, date)));
    }
    expect(series).toEqual(expected);
    // The fixture means something: several groups, and compliance that moves over the weeks.
    expect(new Set(series.flatMap((s) => s.groups.map((g) => g.group))).size).toBeGreaterThanOrEqual(4);
    expect(new Set(series.map((s) => s.groups.reduce((n, g) => n + g.overdue, 0))).size).toBeGreaterThan(1);
  });
});
