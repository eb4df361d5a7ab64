/**
 * The syncs the service runs by itself (src/schedule/scheduled-sync.ts), on each engine: the
 * morning sync runs once a UK day at its time, whichever instance gets there first, is taken over
 * when its process died, and raises what became overdue overnight; the end-of-onboarding sync
 * raises a team's held escalations.
 */
import { sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { defaultWorkflowConfig } from '../../src/config/workflow.js';
import { rowsOf } from '../../src/db/client.js';
import { claimDailyJob, finishDailyJob, runMorningSync, syncNewlyOnboardedTeams } from '../../src/schedule/scheduled-sync.js';
import { syncActions } from '../../src/workflow/sync.js';
import { describeEachEngine } from '../support/databases.js';
import { defaultRules } from '../support/rules.js';
import { actionsOf, addPatient, systemActor } from '../workflow/support.js';

const rules = defaultRules();
/** 2026-06-10 is in British Summer Time: 06:00 UK is 05:00Z. */
const at = (iso: string) => new Date(iso);

describeEachEngine('the morning sync', (getDb) => {
  it('is claimed once a UK day, only from its time, and not again once finished', async () => {
    const db = getDb();
    expect(await claimDailyJob(db, 'probe', '06:00', at('2026-06-10T04:59:00Z'))).toBeNull();
    expect(await claimDailyJob(db, 'probe', '06:00', at('2026-06-10T05:00:00Z'))).toBe('2026-06-10');
    // Another instance a minute later: already running.
    expect(await claimDailyJob(db, 'probe', '06:00', at('2026-06-10T05:01:00Z'))).toBeNull();
    await finishDailyJob(db, 'probe', '2026-06-10', at('2026-06-10T05:03:00Z'));
    // Finished: not again that day, however late, even after an hour.
    expect(await claimDailyJob(db, 'probe', '06:00', at('2026-06-10T09:00:00Z'))).toBeNull();
    // The next UK day it runs again.
    expect(await claimDailyJob(db, 'probe', '06:00', at('2026-06-11T05:00:00Z'))).toBe('2026-06-11');
  });

  it('is taken over an hour after a run that never finished (its process died)', async () => {
    const db = getDb();
    expect(await claimDailyJob(db, 'crash', '06:00', at('2026-06-10T05:00:00Z'))).toBe('2026-06-10');
    expect(await claimDailyJob(db, 'crash', '06:00', at('2026-06-10T05:59:00Z'))).toBeNull();
    expect(await claimDailyJob(db, 'crash', '06:00', at('2026-06-10T06:01:00Z'))).toBe('2026-06-10');
  });

  it('counts the UK day, not the UTC one, across midnight in summer time', async () => {
    // 23:30Z on 9 June is 00:30 BST on 10 June: before a 06:00 sync on the 10th.
    expect(await claimDailyJob(getDb(), 'midnight', '06:00', at('2026-06-09T23:30:00Z'))).toBeNull();
    expect(await claimDailyJob(getDb(), 'midnight', '00:15', at('2026-06-09T23:30:00Z'))).toBe('2026-06-10');
  });

  it('raises the actions for tests that went overdue, once, whichever of two instances runs first', async () => {
    const db = getDb();
    // Lithium since 2025 with nothing recorded: its tests are overdue; nobody has synced.
    const patientId = await addPatient(db, 'MSYNC-1', [{ drug: 'lithium', startDate: '2025-01-06' }]);
    expect(await actionsOf(db, [patientId])).toEqual([]);
    const now = at('2026-06-12T05:30:00Z');
    const [first, second] = await Promise.all([
      runMorningSync(db, rules, defaultWorkflowConfig, '06:00', now),
      runMorningSync(db, rules, defaultWorkflowConfig, '06:00', now),
    ]);
    // Exactly one instance ran it, and it raised the patient's overdue actions.
    expect([first, second].filter((n) => n === null)).toHaveLength(1);
    const actions = await actionsOf(db, [patientId]);
    expect(actions.filter((a) => a.kind === 'overdue_monitoring').length).toBeGreaterThan(0);
    const [job] = rowsOf<{ finished: boolean }>(await db.execute(sql`SELECT finished_at IS NOT NULL AS finished FROM scheduler_jobs WHERE job = 'sync' AND day = '2026-06-12'`));
    expect(job?.finished).toBe(true);
    // Later that morning nothing runs again.
    expect(await runMorningSync(db, rules, defaultWorkflowConfig, '06:00', at('2026-06-12T08:00:00Z'))).toBeNull();
  });

  it("raises an onboarded team's held escalations once its first digest is posted, once across instances", async () => {
    const db = getDb();
    // Lithium since 2025, nothing recorded: overdue far beyond OVERDUE_ESCALATION_DAYS.
    const patientId = await addPatient(db, 'ONB-SYNC-1', [{ drug: 'lithium', startDate: '2025-01-06' }], { onboarding: true });
    const now = new Date();
    const today = now.toISOString().slice(0, 10);
    await syncActions(db, rules, { asOf: today, now, actor: systemActor(), config: defaultWorkflowConfig, patientIds: [patientId] });
    const escalations = async () => (await actionsOf(db, [patientId])).filter((a) => a.kind === 'escalation').length;
    expect(await escalations()).toBe(0);
    // Nothing to do while its first digest has not been posted.
    expect(await syncNewlyOnboardedTeams(db, rules, defaultWorkflowConfig, now)).toBe(0);

    await db.execute(sql`UPDATE teams SET first_digest_at = ${now.toISOString()}::timestamptz
      WHERE id = (SELECT team_id FROM patients WHERE id = ${patientId}::uuid)`);
    const synced = await Promise.all([
      syncNewlyOnboardedTeams(db, rules, defaultWorkflowConfig, now),
      syncNewlyOnboardedTeams(db, rules, defaultWorkflowConfig, now),
    ]);
    expect(synced.reduce((a, b) => a + b, 0)).toBe(1);
    expect(await escalations()).toBeGreaterThan(0);
    expect(await syncNewlyOnboardedTeams(db, rules, defaultWorkflowConfig, new Date(now.getTime() + 60_000))).toBe(0);
  });

  it('ends onboarding after 7 days for a team that never gets a digest (no channel), so its escalations are not lost', async () => {
    const db = getDb();
    const patientId = await addPatient(db, 'ONB-NOCHAN-1', [{ drug: 'lithium', startDate: '2025-01-06' }], { onboarding: true });
    const now = new Date();
    const sync = () => syncActions(db, rules, { asOf: now.toISOString().slice(0, 10), now, actor: systemActor(), config: defaultWorkflowConfig, patientIds: [patientId] });
    const escalations = async () => (await actionsOf(db, [patientId])).filter((a) => a.kind === 'escalation').length;
    await db.execute(sql`UPDATE teams SET created_at = now() - interval '6 days' WHERE id = (SELECT team_id FROM patients WHERE id = ${patientId}::uuid)`);
    await sync();
    expect(await escalations()).toBe(0);
    await db.execute(sql`UPDATE teams SET created_at = now() - interval '8 days' WHERE id = (SELECT team_id FROM patients WHERE id = ${patientId}::uuid)`);
    await sync();
    expect(await escalations()).toBeGreaterThan(0);
  });
});
