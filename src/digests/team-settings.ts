/**
 * Changing a team's digest and escalation settings (`closedloop team set`): validated by
 * teamSettingsSchema, written with its `team.settings_changed` audit event in one transaction.
 *
 * Only the keys someone set are stored (`{}` is every default), so a default changed in a later
 * release reaches every team that never chose otherwise.
 */
import { sql } from 'drizzle-orm';
import { appendAudit, type AuditActor } from '../audit/append.js';
import { rowsOf } from '../db/client.js';
import type { Database } from '../db/database.js';
import { jsonValue } from '../db/values.js';
import { fail, ok, type Outcome } from '../domain/outcome.js';
import { HOLIDAY_CALENDARS, WEEKDAYS, readTeamSettings, teamSettingsSchema, type TeamSettings } from '../domain/digest/settings.js';

export type SettingsChange = Record<string, unknown>;

export interface SettingsChanged {
  changed: boolean;
  settings: TeamSettings;
  before: Record<string, unknown>;
  after: Record<string, unknown>;
}

/**
 * What to write instead, for the problems the schema words in zod's terms ("expected number,
 * received string"): a type or an option it does not know. Its own messages (ranges, formats)
 * already say it in ours.
 */
const HINTS: Record<string, string> = {
  workingDays: `use days among ${WEEKDAYS.join(', ')}, comma-separated`,
  weeklyDigestDay: `use one of ${WEEKDAYS.join(', ')}`,
  bankHolidays: `use ${HOLIDAY_CALENDARS.join(' or ')}`,
  monthlyDigest: 'use true or false',
  lateAfterMinutes: 'use a whole number of minutes',
  redUnclaimedMinutes: 'use a whole number of minutes',
  staleClaimHours: 'use a whole number of hours',
  unclaimedLimitHours: 'use a whole number of hours',
  dailyDigestTime: 'use a time of day as HH:MM (24-hour), e.g. 08:30',
  weeklyDigestTime: 'use a time of day as HH:MM (24-hour), e.g. 08:30',
  extraHolidays: 'use dates as YYYY-MM-DD, comma-separated',
  dutyPharmacistEmails: 'use staff email addresses, comma-separated',
};

function ownWords(issue: { code: string; path: PropertyKey[]; message: string; minimum?: unknown; maximum?: unknown }): string {
  const hint = HINTS[String(issue.path[0])] ?? 'not a value this setting takes';
  // A range the schema states without words of its own ("Too small: expected number to be >=15").
  if (/^Too (small|big)/.test(issue.message)) {
    const bound = issue.code === 'too_small' ? `at least ${String(issue.minimum)}` : `at most ${String(issue.maximum)}`;
    return `must be ${bound} (${hint})`;
  }
  if (!['invalid_type', 'invalid_value', 'invalid_union', 'unrecognized_keys'].includes(issue.code)) return issue.message;
  return hint;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The stored keys with the change applied; nested objects (unclaimedLimitHours) are merged key by key. */
export function mergeSettings(stored: Record<string, unknown>, change: SettingsChange): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...stored };
  for (const [key, value] of Object.entries(change)) {
    merged[key] = isRecord(value) && isRecord(merged[key]) ? { ...merged[key], ...value } : value;
  }
  return merged;
}

/**
 * Applies a change to the team's settings; refuses (SETTINGS.INVALID, every problem named by its
 * key) anything teamSettingsSchema does not accept, leaving the stored settings as they were.
 */
export async function updateTeamSettings(db: Database, teamId: string, change: SettingsChange, actor: AuditActor, now: Date):
  Promise<Outcome<SettingsChanged, 'SETTINGS.INVALID' | 'TEAM.NOT_FOUND'>> {
  return db.transaction(async (tx) => {
    const [row] = rowsOf<{ name: string; settings: unknown }>(await tx.execute(sql`SELECT name, settings FROM teams WHERE id = ${teamId}::uuid FOR UPDATE`));
    if (!row) return fail('TEAM.NOT_FOUND', 'That team no longer exists.');
    const stored = jsonValue<Record<string, unknown>>(row.settings) ?? {};
    const merged = mergeSettings(isRecord(stored) ? stored : {}, change);
    const parsed = teamSettingsSchema.safeParse(merged);
    if (!parsed.success) {
      const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || 'settings'}: ${ownWords(i)}`);
      return fail('SETTINGS.INVALID', `Not changed:\n${lines.join('\n')}`);
    }
    const previous = readTeamSettings(stored).settings;
    const before: Record<string, unknown> = {};
    const after: Record<string, unknown> = {};
    for (const key of Object.keys(parsed.data) as (keyof TeamSettings)[]) {
      if (JSON.stringify(previous[key]) === JSON.stringify(parsed.data[key])) continue;
      before[key] = previous[key];
      after[key] = parsed.data[key];
    }
    if (Object.keys(after).length === 0) return ok({ changed: false, settings: parsed.data, before, after });
    await tx.execute(sql`UPDATE teams SET settings = ${JSON.stringify(merged)}::jsonb WHERE id = ${teamId}::uuid`);
    await appendAudit(tx, actor, {
      verb: 'team.settings_changed', entityType: 'team', entityId: row.name, before, after,
      reason: `changed ${Object.keys(after).join(', ')}`,
    }, now);
    return ok({ changed: true, settings: parsed.data, before, after });
  });
}
