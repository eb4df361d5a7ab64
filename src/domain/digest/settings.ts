/**
 * A team's digest and escalation settings: when its digests go out, which days it works, which
 * bank holidays it keeps, and how long work may sit unclaimed or untouched before the sweep
 * climbs the chain. Stored as `teams.settings` (jsonb); `{}` means every default, and a stored
 * value is always read back through this schema, so a bad edit cannot reach the scheduler.
 */
import { z } from 'zod';
import { isIsoDate } from '../dates.js';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** Bank-holiday calendars shipped as data (src/domain/digest/bank-holidays.ts). */
export const HOLIDAY_CALENDARS = ['england-and-wales', 'none'] as const;
export type HolidayCalendar = (typeof HOLIDAY_CALENDARS)[number];

const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time of day as HH:MM (24-hour), e.g. 08:30');
const isoDay = z.string().refine(isIsoDate, 'must be a date as YYYY-MM-DD');
const hours = (min: number, max: number) => z.number().int(`must be a whole number of hours from ${min} to ${max}`)
  .min(min, `must be at least ${min} hours`).max(max, `must be at most ${max} hours`);

export const teamSettingsSchema = z.object({
  /** Local time of the daily MDT digest. */
  dailyDigestTime: clockTime.default('08:30'),
  /** Days the team works: daily digests go out on these days unless they are holidays. */
  workingDays: z.array(z.enum(WEEKDAYS)).min(1, 'name at least one working day').default(['mon', 'tue', 'wed', 'thu', 'fri']),
  bankHolidays: z.enum(HOLIDAY_CALENDARS).default('england-and-wales'),
  /** Further days the team does not work (local closures), as YYYY-MM-DD. */
  extraHolidays: z.array(isoDay).max(366).default([]),
  /** The weekly manager digest: its day and local time. On a holiday it goes out the next working day. */
  weeklyDigestDay: z.enum(WEEKDAYS).default('mon'),
  weeklyDigestTime: clockTime.default('08:30'),
  /** The monthly summary goes out on the month's first working day at the weekly digest's time. */
  monthlyDigest: z.boolean().default(true),
  /** A scheduled digest queued more than this long after its time says it is late. */
  lateAfterMinutes: z.number().int().min(5).max(720).default(30),
  /** A red result review unclaimed this long is escalated to the duty lead and posted in the channel. */
  redUnclaimedMinutes: z.number().int().min(15).max(24 * 60).default(60),
  /**
   * How long an action may stay unclaimed before it climbs the chain (duty lead, then manager at
   * twice the limit), by priority. Red work is covered by redUnclaimedMinutes first.
   */
  unclaimedLimitHours: z.object({
    red: hours(1, 72).default(4),
    amber: hours(1, 336).default(24),
    routine: hours(1, 720).default(72),
  }).strict().default({ red: 4, amber: 24, routine: 72 }),
  /**
   * Who is mentioned when a red result arrives, by staff email. Empty: the team's pharmacists who
   * are also duty leads, or, if there are none, every pharmacist of the team.
   */
  dutyPharmacistEmails: z.array(z.string().email('must be a staff email address')).max(20).default([]),
  /** A claimed action with no change for this long is stale: its holder is reminded, once per claim. */
  staleClaimHours: hours(4, 720).default(72),
}).strict();

export type TeamSettings = z.infer<typeof teamSettingsSchema>;

export const DEFAULT_TEAM_SETTINGS: TeamSettings = Object.freeze(teamSettingsSchema.parse({})) as TeamSettings;

/**
 * Reads stored settings. Unknown or invalid stored values should never be there (every write
 * goes through this schema); if they are, the defaults are used and the problem is returned so
 * the caller can log it, rather than the team silently losing its digests.
 */
export function readTeamSettings(stored: unknown): { settings: TeamSettings; problem?: string } {
  const parsed = teamSettingsSchema.safeParse(stored ?? {});
  if (parsed.success) return { settings: parsed.data };
  return { settings: DEFAULT_TEAM_SETTINGS, problem: parsed.error.issues.map((i) => `${i.path.join('.') || 'settings'}: ${i.message}`).join('; ') };
}
