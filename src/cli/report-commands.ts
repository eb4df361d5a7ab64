/**
 * `closedloop report weekly|monthly [--team T] [--as-of DATE] [--format table|csv|json] [--chart FILE.png]`:
 * the weekly digest's and monthly summary's figures (src/domain/digest/metrics.ts defines each)
 * for one team or every team, for people (table) or programs (CSV through the one writer, JSON).
 * The period is the one containing --as-of, else the last complete one in each team's zone.
 * --chart writes the team's 12-week compliance chart as a PNG, via FILE.partial and a rename so a
 * failed write never leaves a file that looks complete.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { rowsOf } from '../db/client.js';
import { addDays, isIsoDate, todayIn } from '../domain/dates.js';
import {
  lastCompletePeriod, periodContaining, PERIOD_KINDS,
  type ComplianceFigure, type DeadlineFigure, type GroupCompliance, type MedianFigure, type PeriodKind, type PeriodReport, type Ratio,
} from '../domain/digest/metrics.js';
import { PRIORITIES } from '../domain/actions/kinds.js';
import { findTeamId } from '../register/due-list.js';
import { loadPeriodReport } from '../reports/period-report.js';
import { complianceChartModel, percentText, periodFigures, periodTitle, trendText } from '../views/report-views.js';
import { commandInfo } from './command-info.js';
import type { CliContext } from './context.js';
import { renderCsv, renderTable, type Cell } from './format.js';
import { progressPrinter } from './progress.js';
import type { CommandSpec } from './registry.js';

const USAGE = commandInfo('report').usage;

const reportOptions = z.object({
  team: z.string().trim().min(1, 'give the team name, e.g. --team "North CMHT"').optional(),
  'as-of': z.string().refine(isIsoDate, 'use a real date written YYYY-MM-DD; the report covers the week or month containing it').optional(),
  format: z.enum(['table', 'csv', 'json'], 'use table, csv or json').default('table'),
  chart: z.string().min(1, 'give a file name, e.g. --chart compliance.png').optional(),
});

type ReportOptions = z.infer<typeof reportOptions>;

/** One decimal place: enough to compare, few enough to read. Null stays null ("n/a"). */
const oneDecimal = (n: number | null) => (n === null ? null : Math.round(n * 10) / 10);

const ratioJson = (r: Ratio) => ({ met: r.met, of: r.of, percent: oneDecimal(r.percent) });
const deadlineJson = (d: DeadlineFigure) => ({ ...ratioJson(d), pending: d.pending });
const medianJson = (m: MedianFigure) => ({ minutes: oneDecimal(m.minutes), count: m.count });
const complianceJson = (c: ComplianceFigure) => ({ in_date: c.met, required: c.of, percent: oneDecimal(c.percent), waived: c.waived, overdue: c.overdue });
const groupJson = (report: PeriodReport, g: GroupCompliance) => ({
  group: g.group, name: report.groupNames[g.group] ?? g.group, in_date: g.inDate, required: g.total,
  percent: oneDecimal(g.total ? (g.inDate / g.total) * 100 : null), waived: g.waived, overdue: g.overdue,
});

function reportJson(report: PeriodReport, now: Date) {
  const m = report.metrics;
  return {
    team: report.team.name, kind: m.period.kind, period_start: m.period.start, period_last_day: addDays(m.period.end, -1),
    time_zone: report.team.timeZone, complete: now >= m.to, rules_version: report.rulesVersion, compliance_date: m.complianceDate,
    compliance: m.compliance && {
      team: complianceJson(m.compliance.team),
      groups: m.compliance.groups.map((g) => ({ group: g.group, name: report.groupNames[g.group] ?? g.group, ...complianceJson(g) })),
    },
    overdue_trend: m.overdueTrend,
    result_reviews_in_time: deadlineJson(m.resultReviewsInTime),
    dna_contacted_within_24h: deadlineJson(m.dnaContactedIn24h),
    reconciliations_within_72h: deadlineJson(m.reconciliationsInTime),
    median_time_to_claim: medianJson(m.timeToClaim),
    median_time_to_close: medianJson(m.timeToClose),
    escalations: m.escalations,
    unclaimed_beyond_limit: { total: m.unclaimedBeyondLimit.total, ...m.unclaimedBeyondLimit.byPriority },
    compliance_series: report.series.map((s) => ({ date: s.date, groups: s.groups.map((g) => groupJson(report, g)) })),
  };
}

const CSV_HEADERS = ['team', 'kind', 'period_start', 'period_last_day', 'figure', 'drug_group', 'date', 'numerator', 'denominator', 'value', 'unit'];

/** One row per figure (and per drug group, per trend date): the long form a spreadsheet pivots. */
function csvRows(report: PeriodReport): Cell[][] {
  const m = report.metrics;
  const base = [report.team.name, m.period.kind, m.period.start, addDays(m.period.end, -1)];
  const na = (n: number | null) => (n === null ? 'n/a' : n);
  const rows: Cell[][] = [];
  const row = (figure: string, group: string, date: string, numerator: Cell, denominator: Cell, value: Cell, unit: string) =>
    rows.push([...base, figure, group, date, numerator, denominator, value, unit]);
  const percentRow = (figure: string, r: Ratio, group = '', date = '') => row(figure, group, date, r.met, r.of, na(oneDecimal(r.percent)), 'percent');
  if (m.compliance) {
    percentRow('compliance', m.compliance.team, '', m.complianceDate);
    for (const g of m.compliance.groups) percentRow('compliance', g, g.group, m.complianceDate);
    row('compliance_waived', '', m.complianceDate, '', '', m.compliance.team.waived, 'count');
  }
  for (const t of m.overdueTrend) row('overdue', '', t.date, '', '', na(t.overdue), 'count');
  const deadline = (figure: string, d: DeadlineFigure) => {
    percentRow(figure, d);
    row(`${figure}_pending`, '', '', '', '', d.pending, 'count');
  };
  deadline('result_reviews_in_time', m.resultReviewsInTime);
  deadline('dna_contacted_within_24h', m.dnaContactedIn24h);
  deadline('reconciliations_within_72h', m.reconciliationsInTime);
  row('median_time_to_claim', '', '', '', m.timeToClaim.count, na(oneDecimal(m.timeToClaim.minutes)), 'minutes');
  row('median_time_to_close', '', '', '', m.timeToClose.count, na(oneDecimal(m.timeToClose.minutes)), 'minutes');
  row('escalations_raised', '', '', '', '', m.escalations.raised, 'count');
  row('escalations_closed', '', '', '', '', m.escalations.closed, 'count');
  row('unclaimed_beyond_limit', '', '', '', '', m.unclaimedBeyondLimit.total, 'count');
  for (const p of PRIORITIES) row(`unclaimed_beyond_limit_${p}`, '', '', '', '', m.unclaimedBeyondLimit.byPriority[p], 'count');
  return rows;
}

function tableText(report: PeriodReport): string {
  const groups = report.metrics.compliance?.groups ?? [];
  const groupTable = groups.length === 0 ? 'No tests were required.' : renderTable(['drug group', 'in date', 'required', '%', 'overdue', 'waived'],
    groups.map((g) => [report.groupNames[g.group] ?? g.group, g.met, g.of, percentText(g.percent), g.overdue, g.waived]));
  return [
    periodTitle(report), '',
    renderTable(['figure', 'value'], periodFigures(report).map((f) => [f.label, f.value])), '',
    groupTable, '',
    trendText(report),
  ].join('\n');
}

interface TeamRow {
  id: string;
  name: string;
  timeZone: string;
}

async function selectTeams(ctx: CliContext, team: string | undefined): Promise<TeamRow[] | null> {
  const { db } = await ctx.database();
  let teamId: string | undefined;
  if (team !== undefined) {
    const found = await findTeamId(db, team);
    if (!found.ok) {
      ctx.io.err(found.message);
      return null;
    }
    teamId = found.value;
  }
  const rows = rowsOf<{ id: string; name: string; time_zone: string }>(await db.execute(sql`SELECT id, name, time_zone FROM teams
    ${teamId ? sql`WHERE id = ${teamId}::uuid` : sql``} ORDER BY name`));
  return rows.map((r) => ({ id: r.id, name: r.name, timeZone: r.time_zone }));
}

async function writeChart(ctx: CliContext, report: PeriodReport, file: string): Promise<number> {
  const { drawComplianceChart } = await import('../charts/compliance-chart.js');
  const chart = await drawComplianceChart(complianceChartModel(report));
  const partial = `${file}.partial`;
  try {
    await fs.writeFile(partial, chart.png);
    await fs.rename(partial, file);
  } catch (err) {
    await fs.rm(partial, { force: true });
    ctx.io.err(`Cannot write ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}. Check the folder exists and you may write to it.`);
    return 1;
  }
  ctx.io.err(`Chart written to ${path.resolve(file)} (${chart.width} × ${chart.height} PNG).`);
  return 0;
}

/** A usage problem the option schema cannot see: returns the message, or null. */
function usageProblem(positionals: string[], opts: ReportOptions, today: string): string | null {
  const [kind, ...extra] = positionals;
  if (!kind || !(PERIOD_KINDS as readonly string[]).includes(kind) || extra.length > 0) return 'Say which report: weekly or monthly.';
  if (opts.chart !== undefined && kind !== 'weekly') return '--chart draws the weekly report\'s 12-week chart: use "report weekly".';
  if (opts.chart !== undefined && opts.team === undefined) return '--chart draws one team\'s chart: add --team "TEAM".';
  if (opts['as-of'] !== undefined && opts['as-of'] > today) return `--as-of ${opts['as-of']} is after today (${today}): there are no figures for it yet.`;
  return null;
}

export const reportCommand: CommandSpec = {
  ...commandInfo('report'),
  options: { team: { type: 'string' }, 'as-of': { type: 'string' }, format: { type: 'string' }, chart: { type: 'string' } },
  schema: reportOptions,
  async run(ctx, { positionals, values }) {
    const opts = reportOptions.parse(values);
    const problem = usageProblem(positionals, opts, ctx.today());
    if (problem) {
      ctx.io.err(`${problem}\nUsage: closedloop ${USAGE}`);
      return 2;
    }
    const kind = positionals[0] as PeriodKind;
    const rules = ctx.ruleSet();
    if (!rules.ok) {
      ctx.io.err(`${rules.message}\nFix the rules file named in RULES_FILE, or unset RULES_FILE to use the default rules.`);
      return 1;
    }
    const teams = await selectTeams(ctx, opts.team);
    if (!teams) return 1;
    if (teams.length === 0) {
      ctx.io.err('There are no teams yet: import a register first (closedloop import register FILE).');
      return 1;
    }
    const { db } = await ctx.database();
    const now = ctx.now();
    const progress = teams.length > 1 ? progressPrinter(ctx.io, `report ${kind}`, 'teams') : () => {};
    const reports: PeriodReport[] = [];
    for (const team of teams) {
      const period = opts['as-of'] ? periodContaining(kind, opts['as-of']) : lastCompletePeriod(kind, todayIn(team.timeZone, now));
      const loaded = await loadPeriodReport(db, { teamId: team.id, kind, periodStart: period.start, now, ruleSet: rules.value.ruleSet });
      if (loaded.ok) reports.push(loaded.value);
      progress(reports.length, teams.length);
    }
    if (opts.format === 'json') ctx.io.out(JSON.stringify(reports.map((r) => reportJson(r, now)), null, 2));
    else if (opts.format === 'csv') ctx.io.out(renderCsv(CSV_HEADERS, reports.flatMap(csvRows)));
    else ctx.io.out(reports.map(tableText).join('\n\n'));
    return opts.chart !== undefined && reports[0] ? writeChart(ctx, reports[0], opts.chart) : 0;
  },
};
