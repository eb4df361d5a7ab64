/**
 * The scheduler's environment settings, validated at start-up like the rest of the configuration:
 * whether this process runs the scheduler at all, how often it sweeps for escalations, and the
 * test hook that forces a tick.
 *
 * Running the scheduler in several instances is safe (what is due is derived from the database and
 * each digest and escalation step is unique there), so SCHEDULER=off is for a process that should
 * only serve chat, or for tests, never a correctness requirement.
 */
import { z } from 'zod';
import { fail, ok, type Outcome } from '../domain/outcome.js';

const MINUTES = 'must be a whole number of minutes from 1 to 60 that divides an hour (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30 or 60)';

const scheduleEnvSchema = z.object({
  SCHEDULER: z.enum(['on', 'off'], 'must be on or off').default('on'),
  /** Minutes between escalation sweeps; a divisor of 60 so the cron expression fires evenly every hour. */
  SWEEP_INTERVAL_MINUTES: z.string().trim().regex(/^\d{1,2}$/, MINUTES).transform(Number)
    .refine((n) => n >= 1 && n <= 60 && 60 % n === 0, MINUTES).default(15),
  /** UK time of the daily whole-register sync that precedes the morning digests, or "off". */
  DAILY_SYNC_TIME: z.string().trim().regex(/^(([01]\d|2[0-3]):[0-5]\d|off)$/, 'must be a time of day as HH:MM (24-hour, UK time), or off').default('06:00'),
  /**
   * Test hook, not for production: a file path the service watches; writing to it runs one tick
   * of both passes at once (test/schedule end-to-end tests force simultaneous ticks with it).
   */
  SCHEDULER_TICK_FILE: z.string().trim().min(1).optional(),
});

export interface ScheduleConfig {
  enabled: boolean;
  sweepIntervalMinutes: number;
  /** HH:MM (UK), or null when the morning sync is off (someone runs `closedloop sync` instead). */
  dailySyncTime: string | null;
  tickFile: string | undefined;
}

/** Reads the scheduler settings; unset or empty variables take the default. */
export function loadScheduleConfig(env: NodeJS.ProcessEnv = process.env): Outcome<ScheduleConfig, 'CONFIG.INVALID'> {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = scheduleEnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = issue.path.join('.');
      const given = typeof cleaned[name] === 'string' ? ` (got ${JSON.stringify(cleaned[name])})` : '';
      return `  ${name}: ${issue.message}${given}`;
    });
    return fail('CONFIG.INVALID', `Check the scheduler settings:\n${lines.join('\n')}`);
  }
  return ok({
    enabled: parsed.data.SCHEDULER === 'on',
    sweepIntervalMinutes: parsed.data.SWEEP_INTERVAL_MINUTES,
    dailySyncTime: parsed.data.DAILY_SYNC_TIME === 'off' ? null : parsed.data.DAILY_SYNC_TIME,
    tickFile: parsed.data.SCHEDULER_TICK_FILE,
  });
}
