/**
 * The weekly manager digest's and the monthly summary's figures (issue 9 §2): a pure function of
 * a team's actions, its compliance snapshots (due-engine results on given dates), its settings and
 * `now`. The loader (src/reports/period-report.ts) gathers the inputs; the views
 * (src/views/report-views.ts) choose the words, including the footnote that restates each
 * definition below for the people who read the figures.
 *
 * Periods are team-local calendar periods, [start, end): a week runs Monday 00:00 to the next
 * Monday 00:00, a month from the 1st to the next 1st, in the team's time zone (so a week with a
 * clock change is still Monday to Monday).
 *
 * Definitions (each figure; a percentage whose denominator is zero is "not applicable", `null`,
 * never 0 % or 100 %):
 *
 * - **Monitoring compliance** on the compliance date (the period's last day, or today if the
 *   period has not ended): requirements in date ÷ all requirements, where a requirement is one
 *   patient × drug × test the rules call for on that date (the due engine, src/domain/due.ts, and
 *   the rule set's sources). In date: status ok, due soon or waived. A waived test counts as in
 *   date (a clinician decided it is not needed until a date) and the number waived is shown
 *   beside it. Not in date: overdue or never done. By drug group (the rule, e.g. lithium) and for
 *   the whole team (every requirement, so larger groups weigh more).
 * - **Overdue trend**: requirements overdue or never done on the compliance date and on the same
 *   weekday at the end of each of the 4 weeks before it.
 * - **Deadline figures** are counted in the period the deadline falls in, so a period's figure
 *   is final once the period has ended; a deadline still ahead of `now` and not yet met is
 *   pending and left out of the denominator. Cancelled actions are left out (nothing was due).
 *   - Result reviews within their time limit: `result_review` actions due in the period
 *     (RED_REVIEW_HOURS, AMBER_REVIEW_DAYS or ROUTINE_REVIEW_DAYS after the result arrived),
 *     closed at or before their due time.
 *   - DNA follow-ups contacted within 24 hours: `dna_followup` actions whose first 24 hours
 *     ended in the period, closed within 24 hours of being raised with an outcome that records
 *     reaching the patient (`rebooked` or `declined`; `unable_to_contact` records attempts that
 *     failed, `auto_resolved` a test done without contact). The 24 hours are issue 9's standard.
 *   - Reconciliations within 72 hours: `reconciliation` actions due in the period (their due
 *     time is RECONCILIATION_HOURS, default 72, after the start of the discharge day: the NHS
 *     medicines reconciliation standard of 48–72 hours, see src/config/workflow.ts), closed at or
 *     before it.
 * - **Median time to claim**: over actions first taken by a person in the period, the time from
 *   being raised to that first taking. Taking is any change that gave the action a holder: a
 *   claim, a hand-off to a person, or closing it unclaimed. It comes from the audit trail
 *   (`holds`), not from actions.claimed_at, which each later claim overwrites and a release
 *   clears, so it cannot tell when the action was first taken.
 * - **Median time to close**: over actions closed in the period, raised to closed, including
 *   those closed automatically because the test was done (`auto_resolved`).
 * - **Escalations**: `escalation` actions raised in the period, and those closed in it.
 * - **Unclaimed beyond their limit** at the period's end (or now, if earlier): actions still
 *   open then, held by nobody, and unheld for longer than the team's limit for their priority
 *   (settings.unclaimedLimitHours), counted from when they were raised or last given back.
 */
import type { ActionKind, ActionStatus, Priority } from '../actions/kinds.js';
import { OUTCOMES, PRIORITIES } from '../actions/kinds.js';
import { addDays, addMonths, dayNumber, startOfDayIn, todayIn, type IsoDate } from '../dates.js';
import type { DueStatus } from '../due.js';
import type { TeamSettings } from './settings.js';

export const PERIOD_KINDS = ['weekly', 'monthly'] as const;
export type PeriodKind = (typeof PERIOD_KINDS)[number];

/** A team-local calendar period: `start` included, `end` (the next period's start) excluded. */
export interface ReportPeriod {
  kind: PeriodKind;
  start: IsoDate;
  end: IsoDate;
}

/** How many weeks of compliance the chart shows, and how many weeks back the overdue trend looks. */
export const SERIES_WEEKS = 12;
export const TREND_WEEKS = 4;
/** Issue 9 §2: a DNA follow-up should reach the patient within 24 hours of the missed test being recorded. */
export const DNA_CONTACT_HOURS = 24;
/** Outcomes of a DNA follow-up that record speaking to the patient (src/domain/actions/kinds.ts). */
export const CONTACT_OUTCOMES = ['rebooked', 'declined'] as const satisfies readonly (keyof typeof OUTCOMES.dna_followup)[];

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

/** 0 for Monday … 6 for Sunday (day 0, 1970-01-01, was a Thursday). */
function weekdayIndex(date: IsoDate): number {
  return (dayNumber(date) + 3) % 7;
}

/** The week (Monday to Monday) or month (1st to 1st) containing `date`. */
export function periodContaining(kind: PeriodKind, date: IsoDate): ReportPeriod {
  if (kind === 'weekly') {
    const start = addDays(date, -weekdayIndex(date));
    return { kind, start, end: addDays(start, 7) };
  }
  const start = `${date.slice(0, 8)}01`;
  return { kind, start, end: addMonths(start, 1) };
}

/** The last period to have ended by `today` (the digest's default: last week, last month). */
export function lastCompletePeriod(kind: PeriodKind, today: IsoDate): ReportPeriod {
  const current = periodContaining(kind, today);
  return periodContaining(kind, addDays(current.start, -1));
}

export function isPeriodStart(kind: PeriodKind, date: IsoDate): boolean {
  return periodContaining(kind, date).start === date;
}

/** The day compliance is measured on: the period's last day, or today while the period runs. */
export function complianceDate(period: ReportPeriod, today: IsoDate): IsoDate {
  const lastDay = addDays(period.end, -1);
  return today < lastDay ? today : lastDay;
}

/** The dates of the 12-week series, oldest first, a week apart, ending on the compliance date. */
export function complianceDates(period: ReportPeriod, today: IsoDate): IsoDate[] {
  const last = complianceDate(period, today);
  return Array.from({ length: SERIES_WEEKS }, (_, i) => addDays(last, -7 * (SERIES_WEEKS - 1 - i)));
}

// ---------------------------------------------------------------------------------------------
// Compliance snapshots

/** One drug group's requirements on one date. `overdue` counts never done too. */
export interface GroupCompliance {
  group: string;
  total: number;
  inDate: number;
  waived: number;
  overdue: number;
}

export interface ComplianceSnapshot {
  date: IsoDate;
  /** By drug group (rule id), in id order. */
  groups: GroupCompliance[];
}

const IN_DATE: ReadonlySet<DueStatus> = new Set(['ok', 'due_soon', 'waived']);

/** Counts due-engine items (every status) by drug group. */
export function complianceSnapshot(date: IsoDate, items: Iterable<{ ruleId: string; status: DueStatus }>): ComplianceSnapshot {
  const byGroup = new Map<string, GroupCompliance>();
  for (const item of items) {
    let group = byGroup.get(item.ruleId);
    if (!group) byGroup.set(item.ruleId, group = { group: item.ruleId, total: 0, inDate: 0, waived: 0, overdue: 0 });
    group.total += 1;
    if (IN_DATE.has(item.status)) group.inDate += 1;
    else group.overdue += 1;
    if (item.status === 'waived') group.waived += 1;
  }
  return { date, groups: [...byGroup.values()].sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : 0)) };
}

/** A share: `met` of `of`, and the percentage, null when `of` is zero (shown as "n/a"). */
export interface Ratio {
  met: number;
  of: number;
  percent: number | null;
}

export function ratio(met: number, of: number): Ratio {
  return { met, of, percent: of === 0 ? null : (met / of) * 100 };
}

export interface ComplianceFigure extends Ratio {
  group: string;
  waived: number;
  overdue: number;
}

/** The whole team's compliance on a snapshot: every requirement of every group. */
export function teamCompliance(snapshot: ComplianceSnapshot): ComplianceFigure {
  const sum = (pick: (g: GroupCompliance) => number) => snapshot.groups.reduce((n, g) => n + pick(g), 0);
  return { group: 'team', ...ratio(sum((g) => g.inDate), sum((g) => g.total)), waived: sum((g) => g.waived), overdue: sum((g) => g.overdue) };
}

export function groupCompliance(group: GroupCompliance): ComplianceFigure {
  return { group: group.group, ...ratio(group.inDate, group.total), waived: group.waived, overdue: group.overdue };
}

// ---------------------------------------------------------------------------------------------
// Actions

/** A change of holder from the audit trail: taken by a person (`held`), or given back. */
export interface HoldChange {
  at: Date;
  held: boolean;
}

export interface MetricsAction {
  id: number;
  kind: ActionKind;
  priority: Priority;
  status: ActionStatus;
  createdAt: Date;
  dueAt: Date;
  closedAt: Date | null;
  outcome: string | null;
  /** Every change of holder, oldest first. */
  holds: readonly HoldChange[];
}

/** A deadline figure: met of those whose deadline fell in the period, and those still pending. */
export interface DeadlineFigure extends Ratio {
  pending: number;
}

export interface MedianFigure {
  /** Null when nothing was counted. */
  minutes: number | null;
  count: number;
}

export interface PeriodMetrics {
  period: ReportPeriod;
  /** The period as instants in the team's zone. */
  from: Date;
  to: Date;
  /** When "at the end" figures are taken: the period's end, or now if that is earlier. */
  endAt: Date;
  complianceDate: IsoDate;
  /** Null when no snapshot was given for the compliance date. */
  compliance: { team: ComplianceFigure; groups: ComplianceFigure[] } | null;
  /** Oldest first: 4 weeks before the compliance date, …, the compliance date. Null where no snapshot was given. */
  overdueTrend: { date: IsoDate; overdue: number | null }[];
  resultReviewsInTime: DeadlineFigure;
  dnaContactedIn24h: DeadlineFigure;
  reconciliationsInTime: DeadlineFigure;
  timeToClaim: MedianFigure;
  timeToClose: MedianFigure;
  escalations: { raised: number; closed: number };
  unclaimedBeyondLimit: { total: number; byPriority: Record<Priority, number> };
}

export interface PeriodMetricsInput {
  period: ReportPeriod;
  timeZone: string;
  now: Date;
  actions: readonly MetricsAction[];
  /** Compliance on (at least) the compliance date and the trend's dates; others are ignored. */
  snapshots: readonly ComplianceSnapshot[];
  unclaimedLimitHours: TeamSettings['unclaimedLimitHours'];
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const within = (at: Date | null, from: Date, to: Date) => at !== null && at >= from && at < to;

/** Met ÷ due for deadlines in [from, to); a deadline after `now` that is not yet met is pending. */
function deadlineFigure(actions: readonly MetricsAction[], kind: ActionKind, from: Date, to: Date, now: Date,
  deadlineOf: (a: MetricsAction) => Date, metBy: (a: MetricsAction, deadline: Date) => boolean): DeadlineFigure {
  let met = 0, of = 0, pending = 0;
  for (const action of actions) {
    if (action.kind !== kind || action.status === 'cancelled') continue;
    const deadline = deadlineOf(action);
    if (!within(deadline, from, to)) continue;
    const done = metBy(action, deadline);
    if (!done && deadline > now) {
      pending += 1;
      continue;
    }
    of += 1;
    if (done) met += 1;
  }
  return { ...ratio(met, of), pending };
}

const closedBy = (a: MetricsAction, deadline: Date) => a.status === 'closed' && a.closedAt !== null && a.closedAt <= deadline;
const CONTACTED = new Set<string>(CONTACT_OUTCOMES);

function firstTaken(action: MetricsAction): Date | null {
  return action.holds.find((h) => h.held)?.at ?? null;
}

/** Open, unheld and unheld for longer than its priority's limit, at instant `at`. */
function unclaimedBeyond(action: MetricsAction, at: Date, limits: TeamSettings['unclaimedLimitHours']): boolean {
  if (action.createdAt >= at) return false;
  if (action.closedAt !== null && action.closedAt <= at) return false;
  if (action.status === 'cancelled' && action.closedAt === null) return false;
  let since = action.createdAt;
  let held = false;
  for (const change of action.holds) {
    if (change.at > at) break;
    held = change.held;
    if (!change.held) since = change.at;
  }
  if (held) return false;
  return at.getTime() - since.getTime() > limits[action.priority] * HOUR_MS;
}

export function computePeriodMetrics(input: PeriodMetricsInput): PeriodMetrics {
  const { period, timeZone, now, actions } = input;
  const from = startOfDayIn(period.start, timeZone);
  const to = startOfDayIn(period.end, timeZone);
  const endAt = now < to ? now : to;
  const onDate = complianceDate(period, todayIn(timeZone, now));
  const snapshots = new Map(input.snapshots.map((s) => [s.date, s]));
  const current = snapshots.get(onDate);

  const overdueTrend = Array.from({ length: TREND_WEEKS + 1 }, (_, i) => {
    const date = addDays(onDate, -7 * (TREND_WEEKS - i));
    const snapshot = snapshots.get(date);
    return { date, overdue: snapshot ? snapshot.groups.reduce((n, g) => n + g.overdue, 0) : null };
  });

  const claimMinutes: number[] = [];
  const closeMinutes: number[] = [];
  let raised = 0, closedEscalations = 0;
  const byPriority = Object.fromEntries(PRIORITIES.map((p) => [p, 0])) as Record<Priority, number>;
  for (const action of actions) {
    const taken = firstTaken(action);
    if (taken !== null && within(taken, from, to)) claimMinutes.push((taken.getTime() - action.createdAt.getTime()) / MINUTE_MS);
    const closedInPeriod = action.status === 'closed' && within(action.closedAt, from, to);
    if (closedInPeriod) closeMinutes.push((action.closedAt!.getTime() - action.createdAt.getTime()) / MINUTE_MS);
    if (action.kind === 'escalation') {
      if (within(action.createdAt, from, to)) raised += 1;
      if (closedInPeriod) closedEscalations += 1;
    }
    if (unclaimedBeyond(action, endAt, input.unclaimedLimitHours)) byPriority[action.priority] += 1;
  }

  return {
    period, from, to, endAt, complianceDate: onDate,
    compliance: current ? { team: teamCompliance(current), groups: current.groups.map(groupCompliance) } : null,
    overdueTrend,
    resultReviewsInTime: deadlineFigure(actions, 'result_review', from, to, now, (a) => a.dueAt, closedBy),
    dnaContactedIn24h: deadlineFigure(actions, 'dna_followup', from, to, now,
      (a) => new Date(a.createdAt.getTime() + DNA_CONTACT_HOURS * HOUR_MS),
      (a, deadline) => closedBy(a, deadline) && CONTACTED.has(a.outcome ?? '')),
    reconciliationsInTime: deadlineFigure(actions, 'reconciliation', from, to, now, (a) => a.dueAt, closedBy),
    timeToClaim: { minutes: median(claimMinutes), count: claimMinutes.length },
    timeToClose: { minutes: median(closeMinutes), count: closeMinutes.length },
    escalations: { raised, closed: closedEscalations },
    unclaimedBeyondLimit: { total: PRIORITIES.reduce((n, p) => n + byPriority[p], 0), byPriority },
  };
}

// ---------------------------------------------------------------------------------------------
// The report as loaded: what the views, the CLI and the chat reply read

export interface PeriodReport {
  team: { id: string; name: string; timeZone: string };
  metrics: PeriodMetrics;
  /** Compliance at the end of each of the last 12 weeks (complianceDates), oldest first. */
  series: ComplianceSnapshot[];
  /** Drug group (rule id) → the rule's name, for people. */
  groupNames: Record<string, string>;
  /** The rule set's version the requirements were computed with. */
  rulesVersion: string;
}

/** A chart stored for a report (src/charts/chart-store.ts), served at `url` when the service has a public address. */
export interface ReportChart {
  token: string;
  width: number;
  height: number;
  url?: string;
}
