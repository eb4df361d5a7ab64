/**
 * The weekly and monthly figures for one team (issue 9 §2): its actions and their holders from
 * the audit trail, its compliance over the last 12 weeks, run through the pure
 * computePeriodMetrics (src/domain/digest/metrics.ts, where every figure is defined).
 */
import { sql } from 'drizzle-orm';
import { rowsOf } from '../db/client.js';
import type { Queryable } from '../db/database.js';
import { dateValue } from '../db/values.js';
import type { ActionKind, ActionStatus, Priority } from '../domain/actions/kinds.js';
import { startOfDayIn, todayIn, type IsoDate } from '../domain/dates.js';
import {
  DNA_CONTACT_HOURS, complianceDates, computePeriodMetrics, periodContaining,
  type HoldChange, type MetricsAction, type PeriodKind, type PeriodReport,
} from '../domain/digest/metrics.js';
import { readTeamSettings } from '../domain/digest/settings.js';
import { fail, ok, type Outcome } from '../domain/outcome.js';
import type { RuleSet } from '../domain/rules/schema.js';
import { loadComplianceSeries } from './compliance-series.js';

type Row = Record<string, unknown>;

export interface PeriodReportOptions {
  teamId: string;
  kind: PeriodKind;
  /** The period's first day: a Monday (weekly) or the 1st (monthly), in the team's zone. */
  periodStart: IsoDate;
  now: Date;
  ruleSet: RuleSet;
}

/**
 * The team's actions that any figure of [from, to) can count: raised before the period ended and
 * not finished before it began, or with a deadline (due time, or a DNA follow-up's 24 hours) at or
 * after its start. Live actions are always included (they may be unclaimed at the end).
 */
async function loadActions(db: Queryable, teamId: string, from: Date, to: Date): Promise<MetricsAction[]> {
  const dnaSince = new Date(from.getTime() - DNA_CONTACT_HOURS * 3_600_000);
  const rows = rowsOf<Row>(await db.execute(sql`SELECT a.id, a.kind, a.priority, a.status, a.created_at, a.due_at, a.closed_at, a.outcome
    FROM actions a
    WHERE a.team_id = ${teamId}::uuid AND a.created_at < ${to.toISOString()}::timestamptz
      AND (a.closed_at IS NULL OR a.closed_at >= ${from.toISOString()}::timestamptz OR a.due_at >= ${from.toISOString()}::timestamptz
        OR a.created_at >= ${dnaSince.toISOString()}::timestamptz)
    ORDER BY a.id`));
  const actions = rows.map((r): MetricsAction => ({
    id: Number(r.id), kind: r.kind as ActionKind, priority: r.priority as Priority, status: r.status as ActionStatus,
    createdAt: dateValue(r.created_at)!, dueAt: dateValue(r.due_at)!, closedAt: dateValue(r.closed_at),
    outcome: (r.outcome as string | null) ?? null, holds: [],
  }));
  const holds = await loadHolds(db, actions.map((a) => a.id));
  for (const action of actions) action.holds = holds.get(action.id) ?? [];
  return actions;
}

/**
 * Every change of holder per action, oldest first, from the audit trail: each event whose change
 * set `claimedAt` (a claim, a hand-off, a close of an unclaimed action, a release). The events
 * are found by the entity index, one array of references per query.
 */
async function loadHolds(db: Queryable, ids: number[]): Promise<Map<number, HoldChange[]>> {
  const holds = new Map<number, HoldChange[]>();
  const CHUNK = 5_000;
  for (let i = 0; i < ids.length; i += CHUNK) {
    const refs = `{${ids.slice(i, i + CHUNK).map((id) => `A-${id}`).join(',')}}`;
    const rows = rowsOf<Row>(await db.execute(sql`SELECT e.entity_id, e.at, (e.after ->> 'claimedAt') IS NOT NULL AS held
      FROM audit_events e
      WHERE e.entity_type = 'action' AND e.entity_id = ANY(${refs}::text[]) AND e.after -> 'claimedAt' IS NOT NULL
      ORDER BY e.seq`));
    for (const r of rows) {
      const id = Number(String(r.entity_id).slice(2));
      const list = holds.get(id) ?? [];
      list.push({ at: dateValue(r.at)!, held: r.held === true || r.held === 't' });
      holds.set(id, list);
    }
  }
  return holds;
}

export async function loadPeriodReport(db: Queryable, options: PeriodReportOptions): Promise<Outcome<PeriodReport, 'TEAM.NOT_FOUND'>> {
  const { teamId, kind, periodStart, now, ruleSet } = options;
  const period = periodContaining(kind, periodStart);
  // A caller's bug, not a person's input: the CLI and chat derive the start from the period rules.
  if (period.start !== periodStart) throw new Error(`loadPeriodReport: ${periodStart} does not start a ${kind} period`);
  const [team] = rowsOf<Row>(await db.execute(sql`SELECT id, name, time_zone, settings FROM teams WHERE id = ${teamId}::uuid`));
  if (!team) return fail('TEAM.NOT_FOUND', 'That team no longer exists.');
  const timeZone = team.time_zone as string;
  const { settings } = readTeamSettings(typeof team.settings === 'string' ? JSON.parse(team.settings) : team.settings);
  const from = startOfDayIn(period.start, timeZone);
  const to = startOfDayIn(period.end, timeZone);
  const dates = complianceDates(period, todayIn(timeZone, now));
  const [actions, series] = await Promise.all([
    loadActions(db, teamId, from, to),
    loadComplianceSeries(db, { teamId, timeZone, dates, ruleSet }),
  ]);
  const metrics = computePeriodMetrics({ period, timeZone, now, actions, snapshots: series, unclaimedLimitHours: settings.unclaimedLimitHours });
  return ok({
    team: { id: teamId, name: team.name as string, timeZone },
    metrics,
    series,
    groupNames: Object.fromEntries(ruleSet.rules.map((rule) => [rule.id, rule.name])),
    rulesVersion: ruleSet.version,
  });
}
