/**
 * The scheduler (issue 9 §5): node-cron ticks every minute for digests and every
 * SWEEP_INTERVAL_MINUTES for escalation sweeps. A tick only triggers work; what is due comes from
 * the database (digest_runs, escalation_steps), so a missed tick, a restart or a clock change is
 * caught up by the next one, and several instances ticking at once never post twice.
 *
 * The cron runs in UTC: a team's local times are the domain's business (dueDigestRuns), and a UTC
 * minute tick cannot be skipped or doubled by a clock change. A failing pass is logged by its error
 * code only and the next tick tries again.
 */
import fs from 'node:fs';
import cron, { type ScheduledTask } from 'node-cron';
import type { Database } from '../db/database.js';
import { pgErrorCode } from '../db/errors.js';
import { queueDueDigests, type DueDigestCounts } from '../digests/due-digests.js';
import { loadDigestTeams } from '../digests/team-data.js';
import { runEscalationSweep, type SweepCounts } from '../digests/sweeps.js';
import type { Logger } from '../logging/logger.js';
import { nextDailyDigest, type NextDigest } from './next-digest.js';

export interface SchedulerOptions {
  db: Database;
  logger: Logger;
  now?: () => Date;
  /** Wakes the outbox worker after a pass queued posts, so they go out at once rather than at its next poll. */
  kick?: () => void;
  /**
   * Tried at each digest tick: syncs the teams whose first digest has just been posted, so the
   * escalations held back while they were onboarding are raised within a minute of it rather than
   * at the next morning sync (src/schedule/scheduled-sync.ts). Resolves to the teams synced.
   */
  onboardingSync?: () => Promise<number>;
  /**
   * The morning sync (src/schedule/scheduled-sync.ts), tried at each digest tick before the digests
   * are queued, so a digest shows what became overdue overnight. It decides itself whether it is
   * due and whether this instance runs it; it resolves to null when it did not run.
   */
  morningSync?: () => Promise<number | null>;
  /** Minutes between escalation sweeps (a divisor of 60; default 15). */
  sweepIntervalMinutes?: number;
  /**
   * Test hook: a file to watch; each time it appears or changes, both passes run at once
   * (`tickNow`). End-to-end tests use it to make several service processes tick together.
   */
  tickFile?: string;
}

export interface TickResult {
  digests: DueDigestCounts | null;
  sweep: SweepCounts | null;
}

export interface Scheduler {
  /** Schedules the ticks (and the test hook's watch); idempotent. */
  start(): void;
  /** Stops ticking and waits for a pass in progress. */
  stop(): Promise<void>;
  /** Runs both passes once now (digests, then sweeps); a pass that fails returns null and is logged. */
  tickNow(): Promise<TickResult>;
  /** The next daily digest over all teams, for the start-up line. */
  nextDailyDigest(): Promise<NextDigest | null>;
}

/** How often the test hook looks at its tick file. */
const TICK_FILE_POLL_MS = 100;

/** The sweep's cron expression: every N minutes of every hour (N divides 60). */
export function sweepExpression(minutes: number): string {
  return minutes >= 60 ? '0 * * * *' : `*/${minutes} * * * *`;
}

/** An error as a log token: its SQLSTATE, or its class name (never its message). */
function errorCode(err: unknown): string {
  return pgErrorCode(err) ?? (err instanceof Error ? err.name : 'unknown');
}

export function createScheduler(options: SchedulerOptions): Scheduler {
  const { db, logger } = options;
  const now = options.now ?? (() => new Date());
  const kick = options.kick ?? (() => {});
  const sweepMinutes = options.sweepIntervalMinutes ?? 15;
  // Teams without a channel for a digest are logged once per period, not at every tick.
  const reported = new Set<string>();
  const running: { digests?: Promise<DueDigestCounts | null>; sweep?: Promise<SweepCounts | null> } = {};
  let tasks: ScheduledTask[] = [];

  async function digestPass(): Promise<DueDigestCounts | null> {
    if (options.morningSync) {
      try {
        const created = await options.morningSync();
        if (created !== null) {
          logger.info('morning_sync', { count: created });
          if (created > 0) kick();
        }
      } catch (err) {
        // The digests still go out, from the actions as they stand; the job is retaken within the hour.
        logger.warn('scheduler_pass_failed', { stage: 'morning_sync', error: errorCode(err) });
      }
    }
    try {
      const counts = await queueDueDigests(db, now(), { logger, reported, via: 'scheduler' });
      if (counts.queued > 0) {
        kick();
        logger.info('digests_queued', { count: counts.queued });
      }
      if (options.onboardingSync) {
        await options.onboardingSync().then((synced) => {
          if (synced > 0) kick();
        }, (err: unknown) => {
          // The morning sync raises them otherwise; the next tick tries again first.
          logger.warn('scheduler_pass_failed', { stage: 'onboarding_sync', error: errorCode(err) });
        });
      }
      return counts;
    } catch (err) {
      logger.warn('scheduler_pass_failed', { stage: 'digests', error: errorCode(err) });
      return null;
    }
  }

  async function sweepPass(): Promise<SweepCounts | null> {
    try {
      const counts = await runEscalationSweep(db, now(), { logger, via: 'scheduler' });
      if (counts.posts > 0) kick();
      const raised = Object.values(counts.raised).reduce((a, b) => a + b, 0);
      if (raised > 0) logger.info('escalations_raised', { count: raised });
      return counts;
    } catch (err) {
      logger.warn('scheduler_pass_failed', { stage: 'sweep', error: errorCode(err) });
      return null;
    }
  }

  // A pass already running is joined, not started again: one pass of each kind at a time per process.
  const runDigests = () => (running.digests ??= digestPass().finally(() => { running.digests = undefined; }));
  const runSweep = () => (running.sweep ??= sweepPass().finally(() => { running.sweep = undefined; }));

  const cronLogger = {
    info: () => {},
    debug: () => {},
    warn: (message: string) => logger.warn('cron', { msg: message }),
    error: (message: string | Error) => logger.warn('cron', { error: message instanceof Error ? message.name : 'cron_error' }),
  };
  const cronOptions = { timezone: 'UTC', noOverlap: true, suppressMissedWarning: true, logger: cronLogger };

  /** The tick file's modification time, or 0 when it does not exist. */
  const tickFileTime = () => {
    try {
      return fs.statSync(options.tickFile!).mtimeMs;
    } catch {
      return 0;
    }
  };
  // Polled rather than fs.watch'ed: a watch misses a file created before it is set up, and this
  // baseline is taken when start() returns, so any later write is a tick.
  let tickFileSeen = 0;
  const checkTickFile = () => {
    const time = tickFileTime();
    if (time === tickFileSeen) return;
    tickFileSeen = time;
    // Appeared or rewritten; a deletion is not a tick.
    if (time === 0) return;
    // One line per forced tick, whatever it found, so a test waiting on several processes knows each has ticked.
    void tickNow().then((result) => logger.info('scheduler_tick', { stage: 'tick_file', count: result.digests?.queued ?? 0 }));
  };
  let tickFileTimer: NodeJS.Timeout | undefined;

  async function tickNow(): Promise<TickResult> {
    const digests = await runDigests();
    const sweep = await runSweep();
    return { digests, sweep };
  }

  return {
    start() {
      if (tasks.length > 0) return;
      tasks = [
        cron.schedule('* * * * *', () => runDigests(), { ...cronOptions, name: 'closedloop-digests' }),
        cron.schedule(sweepExpression(sweepMinutes), () => runSweep(), { ...cronOptions, name: 'closedloop-escalation-sweep' }),
      ];
      if (options.tickFile && !tickFileTimer) {
        tickFileSeen = tickFileTime();
        tickFileTimer = setInterval(checkTickFile, TICK_FILE_POLL_MS);
        tickFileTimer.unref();
      }
    },
    async stop() {
      const stopping = tasks;
      tasks = [];
      // destroy() returns a promise only for background tasks; ours are inline.
      for (const task of stopping) await Promise.resolve(task.destroy());
      clearInterval(tickFileTimer);
      tickFileTimer = undefined;
      await Promise.all([running.digests, running.sweep]);
    },
    tickNow,
    async nextDailyDigest() {
      return nextDailyDigest(await loadDigestTeams(db), now());
    },
  };
}
