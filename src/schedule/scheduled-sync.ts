/**
 * The syncs the service runs by itself, so the digests show today's register without anyone
 * remembering to run `closedloop sync`:
 *
 * - **The morning sync.** Once a UK day, at DAILY_SYNC_TIME (default 06:00 Europe/London, before
 *   the usual 08:30 digests), the whole register is synced: tests that became overdue overnight
 *   get their actions, done ones close theirs. One instance runs it: the day's `scheduler_jobs`
 *   row is claimed with ON CONFLICT DO NOTHING. A run whose process died may be taken over after
 *   an hour; the sync is idempotent, so running part of it twice changes nothing.
 * - **The end of onboarding.** Until a team's first daily digest has been posted, the sync holds
 *   back the automatic escalations of its imported backlog (src/domain/actions/generation.ts), so an
 *   import does not flood the channel before anyone has seen a digest. Once it has been posted
 *   (`teams.first_digest_at`, set on delivery), the next digest tick syncs the team: the
 *   escalations still due are raised then, each once. A job row per team makes that happen once.
 */
import crypto from 'node:crypto';
import { sql } from 'drizzle-orm';
import { SYSTEM_ACTOR_NAME, type AuditActor } from '../audit/append.js';
import type { WorkflowConfig } from '../config/workflow.js';
import { rowsOf } from '../db/client.js';
import type { Database } from '../db/database.js';
import { todayIn, type IsoDate } from '../domain/dates.js';
import type { RuleSet } from '../domain/rules/schema.js';
import { syncActions, type SyncSummary } from '../workflow/sync.js';

/** The register's dates are UK calendar days, as for `closedloop sync`. */
const REGISTER_ZONE = 'Europe/London';
/** A claimed job not finished within this long is taken to have died with its process. */
const TAKEOVER_AFTER_MS = 60 * 60_000;

const schedulerActor = (): AuditActor => ({
  id: null, name: SYSTEM_ACTOR_NAME, identity: 'system', via: 'scheduler', channel: null, correlationId: crypto.randomUUID(),
});

const createdTotal = (summary: SyncSummary) => Object.values(summary.created).reduce((a, b) => a + b, 0);

/** The UK local time of day at `now`, as HH:MM. */
function londonClock(now: Date): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone: REGISTER_ZONE, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(now);
}

/**
 * Claims today's run of `job` for this process: the UK day when it should run it now; null before
 * `time` (UK), when another process has it, or when it has already finished today.
 */
export async function claimDailyJob(db: Database, job: string, time: string, now: Date): Promise<IsoDate | null> {
  if (londonClock(now) < time) return null;
  const day = todayIn(REGISTER_ZONE, now);
  return (await claimJob(db, job, day, now)) ? day : null;
}

/** Claims (job, day) for this process: true when nobody has, or a claim an hour old never finished. */
async function claimJob(db: Database, job: string, day: IsoDate, now: Date): Promise<boolean> {
  const at = now.toISOString();
  const claimed = rowsOf(await db.execute(sql`INSERT INTO scheduler_jobs (job, day, started_at) VALUES (${job}, ${day}::date, ${at}::timestamptz)
    ON CONFLICT (job, day) DO UPDATE SET started_at = EXCLUDED.started_at
      WHERE scheduler_jobs.finished_at IS NULL AND scheduler_jobs.started_at < ${new Date(now.getTime() - TAKEOVER_AFTER_MS).toISOString()}::timestamptz
    RETURNING job`));
  return claimed.length > 0;
}

export async function finishDailyJob(db: Database, job: string, day: IsoDate, now: Date): Promise<void> {
  await db.execute(sql`UPDATE scheduler_jobs SET finished_at = ${now.toISOString()}::timestamptz WHERE job = ${job} AND day = ${day}::date`);
}

/**
 * Runs the morning sync if it is due and this process claims it; returns the actions it created,
 * or null when it did not run. A failed sync leaves the job unfinished, so another process (or
 * this one) takes it over after an hour.
 */
export async function runMorningSync(db: Database, ruleSet: RuleSet, config: WorkflowConfig, time: string, now: Date): Promise<number | null> {
  const day = await claimDailyJob(db, 'sync', time, now);
  if (!day) return null;
  const summary = await syncActions(db, ruleSet, { asOf: day, now, config, actor: schedulerActor() });
  await finishDailyJob(db, 'sync', day, now);
  return createdTotal(summary);
}

/** How far back a posted first digest still calls for its onboarding sync (the morning sync covers older ones). */
const ONBOARDING_SYNC_WITHIN_MS = 2 * 86_400_000;

/**
 * Syncs each team whose first digest was posted in the last two days and has not had its
 * onboarding sync (a `scheduler_jobs` row `onboarding_sync:<team id>`, claimed by one instance).
 * Returns how many teams it synced.
 */
export async function syncNewlyOnboardedTeams(db: Database, ruleSet: RuleSet, config: WorkflowConfig, now: Date): Promise<number> {
  const teams = rowsOf<{ id: string; day: string }>(await db.execute(sql`SELECT t.id::text AS id, to_char(t.first_digest_at AT TIME ZONE 'Europe/London', 'YYYY-MM-DD') AS day
    FROM teams t
    WHERE t.first_digest_at IS NOT NULL AND t.first_digest_at > ${new Date(now.getTime() - ONBOARDING_SYNC_WITHIN_MS).toISOString()}::timestamptz
      AND NOT EXISTS (SELECT 1 FROM scheduler_jobs j WHERE j.job = 'onboarding_sync:' || t.id::text AND j.finished_at IS NOT NULL)`));
  let synced = 0;
  for (const team of teams) {
    const job = `onboarding_sync:${team.id}`;
    if (!(await claimJob(db, job, team.day, now))) continue;
    await syncActions(db, ruleSet, { asOf: todayIn(REGISTER_ZONE, now), now, config, teamIds: [team.id], actor: schedulerActor() });
    await finishDailyJob(db, job, team.day, now);
    synced += 1;
  }
  return synced;
}
