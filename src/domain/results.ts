/**
 * Result evaluation: a value becomes green, amber or red with a reason a pharmacist can act on.
 * Thresholds come from the rule set and apply by drug group; trend rules compare the value with
 * the patient's earlier results of the same analyte. The worst finding wins. A value that no
 * threshold applies to is "not rated", never green: green tells a clinician the value was checked
 * and is safe, which nothing here can say about a lithium level of a patient not on lithium.
 */
import { addMonths, type IsoDate } from './dates.js';
import { compare } from './due.js';
import type { ValuePoint } from './register.js';
import type { Flag, RuleSet, Source, Threshold, TrendRule } from './rules/schema.js';
import type { TestKey } from './test-keys.js';

export interface ResultInput {
  analyte: TestKey;
  /** In the analyte's canonical unit. */
  value: number;
  unit: string;
  takenOn: IsoDate;
  /** Earlier results of the same analyte (before this one), newest first. */
  history: ValuePoint[];
  /** Rule ids (drug groups) the patient is on when the sample was taken. */
  ruleIds: string[];
}

export interface Finding {
  id: string;
  flag: Flag;
  reason: string;
  sources: Source[];
}

/** A result's rating: a flag, or not rated when no threshold applies to it. */
export type Rating = Flag | 'not_rated';

export interface ResultEvaluation {
  flag: Rating;
  reason: string;
  findings: Finding[];
}

const FLAG_RANK: Record<Flag, number> = { green: 0, amber: 1, red: 2 };

function applies(appliesTo: 'all' | string[], ruleIds: string[]): boolean {
  return appliesTo === 'all' || appliesTo.some((id) => ruleIds.includes(id));
}

function formatNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Math.round(n * 100) / 100);
}

function thresholdFindings(threshold: Threshold, input: ResultInput): Finding[] {
  return threshold.bands
    .filter((band) => compare(input.value, band.op, band.value))
    .map((band) => ({
      id: threshold.id,
      flag: band.flag,
      reason: `${input.analyte} ${formatNumber(input.value)} ${input.unit} is ${band.op} ${formatNumber(band.value)}: ${band.reason}`,
      sources: threshold.sources,
    }));
}

/** A trend rule checked against the history: null when there was nothing to compare with. */
type TrendCheck = { finding: Finding | null; against: string } | null;

function trendCheck(rule: TrendRule, input: ResultInput): TrendCheck {
  const found = (reason: string): Finding => ({ id: rule.id, flag: rule.flag, reason: `${reason}: ${rule.reason}`, sources: rule.sources });
  if (rule.kind === 'successive_rise') {
    const series = [input.value, ...input.history.slice(0, rule.count - 1).map((p) => p.value)];
    if (series.length < rule.count) return null;
    const rising = series.every((v, i) => i === series.length - 1 || v > series[i + 1]!);
    const shown = series.slice().reverse().map(formatNumber).join(' → ');
    return { finding: rising ? found(`${rule.count} successive rising ${input.analyte} results (${shown})`) : null, against: `the last ${rule.count} results (${shown})` };
  }
  const windowStart = addMonths(input.takenOn, -rule.withinMonths);
  const inWindow = input.history.filter((p) => p.takenOn >= windowStart && p.takenOn <= input.takenOn);
  const baseline = inWindow[inWindow.length - 1];
  if (!baseline) return null;
  const against = `${formatNumber(baseline.value)} on ${baseline.takenOn}`;
  if (rule.kind === 'rise_from_baseline') {
    if (baseline.value <= 0) return null;
    const rise = ((input.value - baseline.value) / baseline.value) * 100;
    return { finding: rise > rule.percent ? found(`${input.analyte} rose ${Math.round(rise)}% from ${against}`) : null, against };
  }
  const rise = input.value - baseline.value;
  return { finding: rise > rule.amount ? found(`${input.analyte} rose by ${formatNumber(rise)} ${input.unit} since ${baseline.takenOn}`) : null, against };
}

/** Why no rating could be given, and what to do. */
function notRatedReason(input: ResultInput, trends: TrendRule[]): string {
  const trendNote = trends.length > 0 ? ` (and no earlier result to check the trend against: ${trends.map((t) => t.id).join(', ')})` : '';
  const why = input.ruleIds.length === 0
    ? `the patient was on no monitored medicine on ${input.takenOn}, so no threshold applies`
    : `no threshold for ${input.analyte} applies to ${input.ruleIds.join(', ')}`;
  return `${why}${trendNote}. Review it against the patient's current treatment`;
}

export function evaluateResult(input: ResultInput, ruleSet: RuleSet): ResultEvaluation {
  const thresholds = ruleSet.thresholds.filter((t) => t.analyte === input.analyte && applies(t.appliesTo, input.ruleIds));
  const trends = ruleSet.trends.filter((t) => t.analyte === input.analyte && applies(t.appliesTo, input.ruleIds));
  const checks = trends.map((t) => trendCheck(t, input)).filter((c): c is NonNullable<TrendCheck> => c !== null);
  const findings: Finding[] = [
    ...thresholds.flatMap((t) => thresholdFindings(t, input)),
    ...checks.map((c) => c.finding).filter((f): f is Finding => f !== null),
  ];
const about = `${input.analyte} ${formatNumber(input.value)} ${input.unit}`;
  if (findings.length === 0 && thresholds.length === 0 && checks.length === 0) {
    return { flag: 'not_rated', reason: `${about}: not rated, because ${notRatedReason(input, trends)}`, findings };
  }
  if (findings.length === 0) {
    // Green only when something actually judged the value: a threshold, or a trend with history to compare.
    const judged = thresholds.length > 0 ? thresholds.map((t) => t.inRange) : checks.map((c) => `no rise that needs action compared with ${c.against}`);
    return { flag: 'green', reason: `${about}: ${judged.join('; ')}`, findings };
  }
  const worst = findings.reduce((a, b) => (FLAG_RANK[b.flag] > FLAG_RANK[a.flag] ? b : a)).flag;
  const reasons = findings.filter((f) => f.flag === worst).map((f) => f.reason);
  return { flag: worst, reason: reasons.join('; '), findings };
}
