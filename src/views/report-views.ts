/**
 * The weekly manager digest and the monthly summary as a message (issue 9 §2), and the words of
 * their chart: a title, the figures as fields, compliance by drug group (lowest first), the
 * overdue trend in words, and every definition in a muted footnote, so a figure is never read
 * without knowing what it counts. A percentage of nothing is "n/a", never 0 % or 100 %.
 *
 * The definitions restate src/domain/digest/metrics.ts, where the figures are computed.
 */
import { PRIORITIES } from '../domain/actions/kinds.js';
import { addDays, type IsoDate } from '../domain/dates.js';
import type { ComplianceFigure, DeadlineFigure, MedianFigure, PeriodReport, Ratio, ReportChart } from '../domain/digest/metrics.js';
import type { MessageView, ViewBlock, ViewImage } from './model.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** "16 Nov 2026". */
export function longDate(date: IsoDate): string {
  return `${Number(date.slice(8, 10))} ${MONTHS[Number(date.slice(5, 7)) - 1]} ${date.slice(0, 4)}`;
}

/** "16 Nov". */
function dayMonth(date: IsoDate): string {
  return `${Number(date.slice(8, 10))} ${MONTHS[Number(date.slice(5, 7)) - 1]}`;
}

const count = (n: number) => n.toLocaleString('en-GB');

/** 78.571 → "78.6%", 50 → "50%", null → "n/a". */
export function percentText(percent: number | null): string {
  if (percent === null) return 'n/a';
  const rounded = Math.round(percent * 10) / 10;
  // Never round a shortfall up to 100 % or a success down to 0 %.
  const shown = rounded === 100 && percent < 100 ? 99.9 : rounded === 0 && percent > 0 ? 0.1 : rounded;
  return `${Number.isInteger(shown) ? shown : shown.toFixed(1)}%`;
}

/** Minutes as people say them: "45 min", "2 h 30 min", "36 h", "7.1 days". */
export function durationText(minutes: number | null): string {
  if (minutes === null) return 'n/a';
  const whole = Math.round(minutes);
  if (whole < 60) return `${whole} min`;
  if (whole < 48 * 60) {
    const h = Math.floor(whole / 60), m = whole % 60;
    return m === 0 ? `${h} h` : `${h} h ${m} min`;
  }
  const days = Math.round((whole / 1440) * 10) / 10;
  return `${Number.isInteger(days) ? days : days.toFixed(1)} days`;
}

function ratioText(figure: Ratio): string {
  return figure.percent === null ? 'n/a (none were due)' : `${percentText(figure.percent)} (${count(figure.met)} of ${count(figure.of)})`;
}

function deadlineText(figure: DeadlineFigure): string {
  return `${ratioText(figure)}${figure.pending ? `; ${count(figure.pending)} not yet due` : ''}`;
}

function medianText(figure: MedianFigure): string {
  return figure.minutes === null ? 'n/a (none)' : `${durationText(figure.minutes)} (over ${count(figure.count)} ${figure.count === 1 ? 'action' : 'actions'})`;
}

function complianceText(figure: ComplianceFigure): string {
  if (figure.percent === null) return 'n/a (no tests required)';
  return `${percentText(figure.percent)} in date (${count(figure.met)} of ${count(figure.of)}${figure.waived ? `; ${count(figure.waived)} waived, counted in date` : ''})`;
}

/** "Weekly digest: North CMHT, 16–22 Nov 2026" or "Monthly summary: North CMHT, November 2026". */
export function periodTitle(report: PeriodReport): string {
  const { period } = report.metrics;
  if (period.kind === 'monthly') return `Monthly summary: ${report.team.name}, ${MONTH_NAMES[Number(period.start.slice(5, 7)) - 1]} ${period.start.slice(0, 4)}`;
  return `Weekly digest: ${report.team.name}, ${dateRange(period.start, addDays(period.end, -1))}`;
}

/** "16–22 Nov 2026", "30 Nov–6 Dec 2026", "29 Dec 2025–4 Jan 2026". */
function dateRange(first: IsoDate, last: IsoDate): string {
  if (first.slice(0, 4) !== last.slice(0, 4)) return `${longDate(first)}–${longDate(last)}`;
  if (first.slice(0, 7) !== last.slice(0, 7)) return `${dayMonth(first)}–${longDate(last)}`;
  return `${Number(first.slice(8, 10))}–${longDate(last)}`;
}

/** The figures, label and value: the message's fields and the CLI's table. */
export function periodFigures(report: PeriodReport): { label: string; value: string }[] {
  const m = report.metrics;
  const trend = m.overdueTrend;
  const now = trend[trend.length - 1]!;
  const before = trend[0]!;
  const unclaimed = m.unclaimedBeyondLimit;
  return [
    { label: `Monitoring compliance on ${longDate(m.complianceDate)}`, value: m.compliance ? complianceText(m.compliance.team) : 'not measured' },
    {
      label: 'Tests overdue or never done',
      value: now.overdue === null ? 'not measured' : `${count(now.overdue)}${before.overdue === null ? '' : ` (${count(before.overdue)} four weeks earlier)`}`,
    },
    { label: 'Result reviews closed within their time limit', value: deadlineText(m.resultReviewsInTime) },
    { label: 'Median time to claim', value: medianText(m.timeToClaim) },
    { label: 'Median time to close', value: medianText(m.timeToClose) },
    { label: 'DNA follow-ups contacted within 24 hours', value: deadlineText(m.dnaContactedIn24h) },
    { label: 'Reconciliations within 72 hours', value: deadlineText(m.reconciliationsInTime) },
    { label: 'Escalations', value: `${count(m.escalations.raised)} raised, ${count(m.escalations.closed)} closed` },
    {
      label: 'Unclaimed beyond their limit at the end',
      value: unclaimed.total === 0 ? 'none' : `${count(unclaimed.total)} (${PRIORITIES.filter((p) => unclaimed.byPriority[p] > 0).reverse().map((p) => `${p} ${count(unclaimed.byPriority[p])}`).join(', ')})`,
    },
  ];
}

/** The overdue trend in words, oldest to newest, and which way it went. */
export function trendText(report: PeriodReport): string {
  const trend = report.metrics.overdueTrend;
  const points = trend.map((t) => `${t.overdue === null ? 'not measured' : count(t.overdue)} on ${dayMonth(t.date)}`);
  const first = trend[0]!.overdue, last = trend[trend.length - 1]!.overdue;
  let direction = '';
  if (first !== null && last !== null) {
    direction = last === first ? ': no change over 4 weeks' : `: ${last < first ? 'down' : 'up'} ${count(Math.abs(last - first))} over 4 weeks`;
  }
  return `Tests overdue or never done: ${points.join(', ')}${direction}.`;
}

const groupName = (report: PeriodReport, group: string) => report.groupNames[group] ?? group;

/** Compliance by drug group, lowest first (where attention is needed), then by name. */
function groupItems(report: PeriodReport): { text: string; meta: string }[] {
  const groups = [...report.metrics.compliance?.groups ?? []].sort((a, b) => (a.percent ?? 101) - (b.percent ?? 101)
    || groupName(report, a.group).localeCompare(groupName(report, b.group)));
  return groups.map((g) => ({
    text: `${groupName(report, g.group)}: ${percentText(g.percent)} in date`,
    meta: `${count(g.met)} of ${count(g.of)}; ${count(g.overdue)} overdue or never done${g.waived ? `; ${count(g.waived)} waived` : ''}`,
  }));
}

/** What each figure counts, for the footnote. */
export function definitionsText(report: PeriodReport): string {
  const { period } = report.metrics;
  const span = period.kind === 'weekly' ? 'Monday to Sunday' : 'the calendar month';
  return [
    `Period: ${span} in ${report.team.timeZone} time.`,
    'Compliance: tests in date ÷ tests required (one per patient, drug and test, under rules version' +
      ` ${report.rulesVersion}); due soon and waived count as in date; overdue and never done do not.`,
    'Overdue: counted on that day and on the same weekday of each of the 4 weeks before.',
    'Result reviews, reconciliations and DNA follow-ups are counted in the period their deadline falls in: a result review by its' +
      ' time limit, a reconciliation by 72 hours from the start of the discharge day, a DNA follow-up by 24 hours after it was raised,' +
      ' contacted meaning closed as rebooked or declined. Deadlines still ahead are "not yet due" and left out.',
    'Time to claim: raised to first taken by a person (claim, hand-off to a person, or closing it), over actions first taken in the period.' +
      ' Time to close: raised to closed, over actions closed in the period, automatic closes included.',
    'Unclaimed beyond their limit: open and held by nobody at the end of the period for longer than the team\'s limit for their priority,' +
      ' counted from when raised or last given back.',
    'n/a: nothing to count.',
  ].join(' ');
}

/** The chart's words and points: compliance per drug group at each of the 12 week ends. */
export interface LineChartModel {
  title: string;
  xTitle: string;
  yTitle: string;
  legendTitle: string;
  xOrder: string[];
  seriesOrder: string[];
  points: { x: string; series: string; percent: number }[];
}

export function complianceChartModel(report: PeriodReport): LineChartModel {
  const xOrder = report.series.map((s) => dayMonth(s.date));
  const groups = [...new Set(report.series.flatMap((s) => s.groups.map((g) => g.group)))];
  const seriesOrder = groups.map((g) => groupName(report, g)).sort((a, b) => a.localeCompare(b));
  const points = report.series.flatMap((s, i) => s.groups.filter((g) => g.total > 0)
    .map((g) => ({ x: xOrder[i]!, series: groupName(report, g.group), percent: (g.inDate / g.total) * 100 })));
  return {
    title: `Monitoring compliance by drug group: ${report.team.name}`,
    xTitle: 'Week ending', yTitle: 'Tests in date (%)', legendTitle: 'Drug group', xOrder, seriesOrder, points,
  };
}

/** The chart in words (its alt text): each group's compliance at the start and end of the 12 weeks. */
export function chartAltText(report: PeriodReport): string {
  const first = report.series[0], last = report.series[report.series.length - 1];
  if (!first || !last) return `Line chart of monitoring compliance by drug group for ${report.team.name}: nothing measured.`;
  const lines = last.groups.map((g) => {
    const earlier = first.groups.find((f) => f.group === g.group);
    const then = earlier && earlier.total > 0 ? ` (${percentText((earlier.inDate / earlier.total) * 100)} on ${dayMonth(first.date)})` : '';
    return `${groupName(report, g.group)} ${percentText(g.total ? (g.inDate / g.total) * 100 : null)}${then}`;
  });
  return `Line chart of monitoring compliance by drug group for ${report.team.name}, weekly from ${dayMonth(first.date)} to ${longDate(last.date)}, ` +
    `0 to 100%. On ${dayMonth(last.date)}: ${lines.length ? lines.join('; ') : 'no tests required'}.`;
}

export interface PeriodViewOptions {
  /** The stored chart, with its PNG when the caller has it in memory (never serialised). */
  chart?: ReportChart & { png?: Uint8Array };
}

export function periodDigestView(report: PeriodReport, now: Date, options: PeriodViewOptions = {}): MessageView {
  const m = report.metrics;
  const title = periodTitle(report);
  const figures = periodFigures(report);
  const running = now < m.to;
  const blocks: ViewBlock[] = [];
  if (running) blocks.push({ kind: 'text', text: `The ${m.period.kind === 'weekly' ? 'week' : 'month'} has not ended: these are the figures so far.`, emphasis: 'strong' });
  blocks.push({ kind: 'fields', fields: figures });
  const groups = groupItems(report);
  blocks.push({ kind: 'text', text: 'Compliance by drug group', emphasis: 'strong' });
  blocks.push(groups.length ? { kind: 'list', items: groups } : { kind: 'text', text: 'No tests were required.' });
  blocks.push({ kind: 'text', text: trendText(report) });
  blocks.push({ kind: 'text', text: definitionsText(report), emphasis: 'muted' });

  let image: ViewImage | undefined;
  if (options.chart) {
    const { token, width, height, url, png } = options.chart;
    image = { token, alt: chartAltText(report), title: `Compliance by drug group, 12 weeks to ${longDate(report.series.at(-1)?.date ?? m.complianceDate)}`, width, height, ...(url ? { url } : {}), ...(png ? { png } : {}) };
  }
  const fallbackText = `${title}. ${figures.map((f) => `${f.label}: ${f.value}`).join('. ')}.`;
  return { title, fallbackText, blocks, tone: 'info', ...(image ? { image } : {}) };
}
