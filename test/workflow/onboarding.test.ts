/**
 * Issue 9 §6 (onboarding) on each engine: importing a team's register for the first time raises
 * the actions for tests never done for prescriptions that predate the import, but no automatic
 * escalation until the team's first digest (teams.first_digest_at); the first sync after it
 * raises the escalations then due, each once. Acceptance: "The first import of a 2,000-patient
 * team with no events raises no escalations".
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { defaultWorkflowConfig } from '../../src/config/workflow.js';
import { rowsOf } from '../../src/db/client.js';
import type { Database } from '../../src/db/database.js';
import { importRegister } from '../../src/imports/register-import.js';
import { dueList } from '../../src/register/due-list.js';
import { describeSyncSummary, syncActions, type SyncOptions } from '../../src/workflow/sync.js';
import { describeEachEngine } from '../support/databases.js';
import { defaultRules } from '../support/rules.js';
import { actionsOf, addEvents, addPatient, AS_OF, NOW, systemActor, teamOf } from './support.js';

const rules = defaultRules();
const TEAM = 'Onboarding CMHT';
const PATIENTS = 2_000;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'closedloop-onboarding-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const sync = (db: Database, over: Partial<SyncOptions> = {}) => syncActions(db, rules, { asOf: AS_OF, now: NOW, actor: systemActor(), config: defaultWorkflowConfig, ...over });

async function teamActions(db: Database, team: string): Promise<Record<string, number>> {
  const rows = rowsOf<{ kind: string; n: number }>(await db.execute(sql`SELECT a.kind, count(*)::int AS n FROM actions a JOIN teams t ON t.id = a.team_id
    WHERE t.name = ${team} AND a.status IN ('open', 'claimed') GROUP BY a.kind`));
  return Object.fromEntries(rows.map((r) => [r.kind, r.n]));
}

describeEachEngine('onboarding a team', (getDb) => {
  let overdue = 0;
  let held = 0;

  beforeAll(async () => {
    // Lithium since 2020, nothing ever recorded: every test is never done (issue 9 §6's case).
    const lines = ['patient_ref,display_label,team,gp_practice,date_of_birth,drug,start_date,last_dose_change,stopped_on,responsible_org,responsible_staff'];
    for (let i = 1; i <= PATIENTS; i++) lines.push(`ONB-${String(i).padStart(4, '0')},Fictional ${i},${TEAM},Elm Surgery,1970-01-01,lithium,2020-01-01,,,mh_trust,`);
    const file = path.join(dir, 'register.csv');
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    const imported = await importRegister(getDb(), file, { ruleSet: rules, today: AS_OF });
    expect(imported.ok).toBe(true);
    const due = await dueList(getDb(), rules, { team: TEAM, asOf: AS_OF, status: 'overdue' });
    if (!due.ok) throw new Error(due.message);
    overdue = due.value.length;
    expect(overdue).toBeGreaterThanOrEqual(PATIENTS);
  });

  it('the first import of a 2,000-patient team with no events raises its overdue actions and no escalations', async () => {
    const db = getDb();
    const summary = await sync(db);
    expect(summary.created.overdue_monitoring).toBe(overdue);
    expect(summary.created.escalation).toBe(0);
    expect(await teamActions(db, TEAM)).toEqual({ overdue_monitoring: overdue });
    // Priority as for any team: amber, because each is already far beyond OVERDUE_ESCALATION_DAYS.
    const [amber] = rowsOf<{ n: number }>(await db.execute(sql`SELECT count(*)::int AS n FROM actions a JOIN teams t ON t.id = a.team_id
      WHERE t.name = ${TEAM} AND a.kind = 'overdue_monitoring' AND a.priority = 'amber'`));
    expect(amber?.n).toBe(overdue);
    // Held back, and said so: one per long-overdue test.
    held = summary.escalationsHeld;
    expect(held).toBe(overdue);
    expect(describeSyncSummary(summary)).toMatch(new RegExp(`${held} escalations held back: their teams have not had a first daily digest yet \\(onboarding\\)`));
    // Nothing is posted to the channel: the first digest summarises it.
    expect(summary.posted).toBe(0);
  });

  it('a sync while the team is still onboarding raises nothing more and still holds them', async () => {
    const summary = await sync(getDb());
    expect(summary).toMatchObject({ createdTotal: 0, autoClosed: 0, escalationsHeld: held });
  });

  it('once the first digest has been delivered, the next sync raises the escalations that are due, each once', async () => {
    const db = getDb();
    const [team] = rowsOf<{ id: string }>(await db.execute(sql`UPDATE teams SET first_digest_at = ${NOW.toISOString()}::timestamptz
      WHERE name = ${TEAM} RETURNING id::text AS id`));
    // That team only, as straight after its first digest.
    const summary = await sync(db, { teamIds: [team!.id] });
    expect(summary.patients).toBe(PATIENTS);
    expect(summary.created.escalation).toBe(held);
    expect(summary.createdTotal).toBe(held);
    expect(summary.escalationsHeld).toBe(0);
    expect(await teamActions(db, TEAM)).toEqual({ overdue_monitoring: overdue, escalation: held });
    // Each to the duty lead, under the overdue action it escalates.
    const [orphans] = rowsOf<{ n: number }>(await db.execute(sql`SELECT count(*)::int AS n FROM actions e JOIN teams t ON t.id = e.team_id
      LEFT JOIN actions p ON p.id = e.parent_id AND p.kind = 'overdue_monitoring' AND e.cause_key = 'escalation:' || p.cause_key
      WHERE t.name = ${TEAM} AND e.kind = 'escalation' AND (p.id IS NULL OR e.assigned_role <> 'duty_lead')`));
    expect(orphans?.n).toBe(0);
    expect(await sync(db)).toMatchObject({ createdTotal: 0, escalationsHeld: 0 });
  });

  it('repeated missed tests from imported history raise their follow-up, and the escalation only after the first digest', async () => {
    const db = getDb();
    const id = await addPatient(db, 'ONB-DNA', [{ drug: 'clozapine', startDate: '2020-01-01' }], { onboarding: true });
    await addEvents(db, id, [['fbc', 'dna', null, null, '2026-10-01'], ['fbc', 'dna', null, null, '2026-11-20']]);
    await sync(db, { patientIds: [id] });
    expect((await actionsOf(db, [id])).filter((a) => a.kind === 'dna_followup' || a.kind === 'escalation').map((a) => a.cause_key))
      .toEqual([expect.stringMatching(/^dna:\d+$/)]);
    await db.execute(sql`UPDATE teams SET first_digest_at = ${NOW.toISOString()}::timestamptz WHERE id = ${await teamOf(db, id)}::uuid`);
    await sync(db, { patientIds: [id] });
    const actions = await actionsOf(db, [id]);
    const followUp = actions.find((a) => a.kind === 'dna_followup')!;
    expect(actions.filter((a) => a.cause_key.startsWith('escalation:dna:')).map((a) => [a.assigned_role, a.parent_id]))
      .toEqual([['duty_lead', followUp.id]]);
  });

  it('holding back is per team: in one sync batch, a team past its first digest escalates and an onboarding one does not', async () => {
    const db = getDb();
    const late = [{ drug: 'pregabalin', startDate: '2025-01-01' }];
    const onboarding = await addPatient(db, 'ONB-NEW', late, { onboarding: true });
    const running = await addPatient(db, 'ONB-OLD', late);
    for (const id of [onboarding, running]) await addEvents(db, id, [['medication_review', 'done', null, null, '2026-04-01']]);
    const summary = await sync(db, { patientIds: [onboarding, running] });
    expect(summary).toMatchObject({ created: { overdue_monitoring: 2, escalation: 1 }, escalationsHeld: 1 });
    expect((await actionsOf(db, [running])).map((a) => a.kind)).toEqual(['overdue_monitoring', 'escalation']);
    expect((await actionsOf(db, [onboarding])).map((a) => a.kind)).toEqual(['overdue_monitoring']);
  });
});
