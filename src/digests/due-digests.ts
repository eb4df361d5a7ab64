/**
 * The scheduler's digest pass: for every team, the digests its settings make due now
 * (dueDigestRuns, pure), for every channel bound for them, queued through queueDigestRun. A tick
 * only asks; the database answers. A missed tick, a restart or a clock change is caught up by the
 * next tick of the same local day, and several instances asking at once queue each run once.
 */
import crypto from 'node:crypto';
import { sql } from 'drizzle-orm';
import { SYSTEM_ACTOR_NAME, type AuditActor, type Via } from '../audit/append.js';
import { rowsOf } from '../db/client.js';
import type { Database, Queryable } from '../db/database.js';
import { dueDigestRuns, type DueDigestRun } from '../domain/digest/schedule.js';
import type { Logger } from '../logging/logger.js';
import { digestPurpose, queueDigestRun } from './runs.js';
import { loadDigestTeams, loadTeamChannels, type DigestChannel, type DigestTeam } from './team-data.js';
import { holidayDataCovers } from '../domain/digest/bank-holidays.js';
import { todayIn } from '../domain/dates.js';

export interface DueDigestOptions {
  logger: Logger;
  via?: Via;
  /**
   * Teams and kinds already reported as having no channel to post to, so a team without a
   * managers' channel is logged once a period, not at every tick of the day. The scheduler keeps one.
   */
  reported?: Set<string>;
}

export interface DueDigestCounts {
  teams: number;
  /** Runs written by this call. */
  queued: number;
  /** Due runs another tick, instance or `digest run` had already queued. */
  alreadyRun: number;
  /** Due runs with no bound channel of the right purpose: "TEAM_ID:kind". */
  noChannel: string[];
  /** Runs that failed to queue (logged with a reference); the next tick tries them again. */
  failed: number;
}

export function systemActor(via: Via, correlationId: string = crypto.randomUUID()): AuditActor {
  return { id: null, name: SYSTEM_ACTOR_NAME, identity: 'system', via, channel: null, correlationId };
}

interface Candidate {
  team: DigestTeam;
  channel: DigestChannel;
  due: DueDigestRun;
}

/**
 * The candidates whose run already exists, in one query on the unique index: most ticks of a day
 * find every due digest already queued, and should cost one round trip, not one per channel.
 */
async function alreadyQueued(db: Queryable, candidates: Candidate[]): Promise<Set<string>> {
  if (candidates.length === 0) return new Set();
  const keys = JSON.stringify(candidates.map((c) => ({ channel_row_id: c.channel.id, kind: c.due.kind, period_start: c.due.periodStart })));
  const rows = rowsOf<{ channel_row_id: string; kind: string; period_start: unknown }>(await db.execute(sql`
    SELECT r.channel_row_id, r.kind, r.period_start::text AS period_start
    FROM jsonb_to_recordset(${keys}::jsonb) AS c(channel_row_id uuid, kind text, period_start date)
    JOIN digest_runs r ON r.channel_row_id = c.channel_row_id AND r.kind = c.kind AND r.period_start = c.period_start AND NOT r.forced`));
  return new Set(rows.map((r) => `${r.channel_row_id}|${r.kind}|${String(r.period_start)}`));
}

/** Queues every digest due at `now`, for every team and bound channel; returns what it did. */
export async function queueDueDigests(db: Database, now: Date, options: DueDigestOptions): Promise<DueDigestCounts> {
  const { logger } = options;
  const via = options.via ?? 'scheduler';
  const teams = await loadDigestTeams(db);
  const dueByTeam = new Map<string, DueDigestRun[]>();
  for (const team of teams) {
    if (team.settingsProblem && !options.reported?.has(`settings|${team.id}`)) {
      options.reported?.add(`settings|${team.id}`);
      // The defaults are used meanwhile; `closedloop team show` names the problem (the log never quotes settings).
      logger.warn('team_settings_invalid', { teamId: team.id, code: 'TEAM.SETTINGS_INVALID' });
    }
    const localDate = todayIn(team.timeZone, now);
    if (!holidayDataCovers(team.settings.bankHolidays, localDate) && !options.reported?.has(`holidays|${team.id}|${localDate.slice(0, 4)}`)) {
      options.reported?.add(`holidays|${team.id}|${localDate.slice(0, 4)}`);
      // Digests still go out (on bank holidays too, which is the safe side); the shipped list needs a new year.
      logger.warn('bank_holidays_not_covered', { teamId: team.id, code: 'DIGEST.BANK_HOLIDAYS_OUT_OF_DATE' });
    }
    const due = dueDigestRuns(team.settings, team.timeZone, now);
    if (due.length > 0) dueByTeam.set(team.id, due);
  }
  const counts: DueDigestCounts = { teams: teams.length, queued: 0, alreadyRun: 0, noChannel: [], failed: 0 };
  if (dueByTeam.size === 0) return counts;

  const channels = await loadTeamChannels(db, [...dueByTeam.keys()]);
  const candidates: Candidate[] = [];
  for (const team of teams) {
    for (const due of dueByTeam.get(team.id) ?? []) {
      const bound = channels.filter((c) => c.teamId === team.id && c.purpose === digestPurpose(due.kind));
      if (bound.length === 0) {
        counts.noChannel.push(`${team.id}:${due.kind}`);
        const key = `${team.id}|${due.kind}|${due.periodStart}`;
        if (!options.reported?.has(key)) {
          options.reported?.add(key);
          // Never silently: a team whose weekly digest has nowhere to go is told in the log (and `digest run` says so).
          logger.warn('digest_no_channel', { teamId: team.id, kind: due.kind, code: `DIGEST.NO_${digestPurpose(due.kind).toUpperCase()}_CHANNEL` });
        }
      }
      for (const channel of bound) candidates.push({ team, channel, due });
    }
  }
  const existing = await alreadyQueued(db, candidates);
  const correlationId = crypto.randomUUID();
  const actor = systemActor(via, correlationId);
  for (const { team, channel, due } of candidates) {
    if (existing.has(`${channel.id}|${due.kind}|${due.periodStart}`)) {
      counts.alreadyRun += 1;
      continue;
    }
    try {
      const result = await queueDigestRun(db, {
        team, channel, kind: due.kind, periodStart: due.periodStart, scheduledFor: due.scheduledFor, late: due.late,
        forced: false, via, actor, correlationId, now,
      });
      if (result.status === 'queued') counts.queued += 1;
      else counts.alreadyRun += 1;
    } catch (err) {
      // One team's failure does not hold back the others; nothing was written for it, so the next tick retries.
      counts.failed += 1;
      logger.unexpected(err, { stage: 'digest_queue', teamId: team.id, kind: due.kind });
    }
  }
  return counts;
}
