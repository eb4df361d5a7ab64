/**
 * Result evaluation: a value becomes green, amber or red with a reason a pharmacist can act on.
 * Thresholds come from the rule set and apply by drug group; trend rules compare the value with
 * the patient's earlier results of the same analyte. The worst finding wins.
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

export interface ResultEvaluation {
  flag: Flag;
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

function trendFinding(rule: TrendRule, input: ResultInput): Finding | null {
  const found = (reason: string): Finding => ({ id: rule.id, flag: rule.flag, reason: `${reason}: ${rule.reason}`, sources: rule.sources });
  if (rule.kind === 'successive_rise') {
    const series = [input.value, ...input.history.slice(0, rule.count - 1).map((p) => p.value)];
    if (series.length < rule.count) return null;
    const rising = series.every((v, i) => i === series.length - 1 || v > series[i + 1]!);
    return rising ? found(`${rule.count} successive rising ${input.analyte} results (${series.slice().reverse().map(formatNumber).join(' → ')})`) : null;
  }
  const windowStart = addMonths(input.takenOn, -rule.withinMonths);
  const inWindow = input.history.filter((p) => p.takenOn >= windowStart && p.takenOn <= input.takenOn);
  const baseline = inWindow[inWindow.length - 1];
  if (!baseline) return null;
  if (rule.kind === 'rise_from_baseline') {
    if (baseline.value <= 0) return null;
    const rise = ((input.value - baseline.value) / baseline.value) * 100;
    return rise > rule.percent
      ? found(`${input.analyte} rose ${Math.round(rise)}% from ${formatNumber(baseline.value)} on ${baseline.takenOn}`)
      : null;
  }
  const rise = input.value - baseline.value;
  return rise > rule.amount
    ? found(`${input.analyte} rose by ${formatNumber(rise)} ${input.unit} since ${baseline.takenOn}`)
    : null;
}

export function evaluateResult(input: ResultInput, ruleSet: RuleSet): ResultEvaluation {
  const thresholds = ruleSet.thresholds.filter((t) => t.analyte === input.analyte && applies(t.appliesTo, input.ruleIds));
  const trends = ruleSet.trends.filter((t) => t.analyte === input.analyte && applies(t.appliesTo, input.ruleIds));
  const findings: Finding[] = [
    ...thresholds.flatMap((t) => thresholdFindings(t, input)),
    ...trends.map((t) => trendFinding(t, input)).filter((f): f is Finding => f !== null),
  ];
  if (findings.length === 0) {
    const inRange = thresholds.map((t) => t.inRange);
    const reason = inRange.length > 0
      ? `${input.analyte} ${formatNumber(input.value)} ${input.unit}: ${inRange.join('; ')}`
      : `${input.analyte} ${formatNumber(input.value)} ${input.unit}: no threshold is configured for this test on the patient's medicines`;
    return { flag: 'green', reason, findings };
  }
  const worst = findings.reduce((a, b) => (FLAG_RANK[b.flag] > FLAG_RANK[a.flag] ? b : a)).flag;
  const reasons = findings.filter((f) => f.flag === worst).map((f) => f.reason);
  return { flag: worst, reason: reasons.join('; '), findings };
}
