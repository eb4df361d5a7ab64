/**
 * Result evaluation: a value becomes green, amber or red with a reason a pharmacist can act on.
 * Thresholds come from the rule set and apply by drug group or drug, for every drug whose
 * monitoring covers the sample date (rating-window.ts); trend rules compare the value with the
 * patient's earlier results of the same analyte. A creatinine result is also judged as the CrCl
 * it gives by Cockcroft–Gault, where CrCl thresholds apply (DOACs). The worst finding wins. A
 * value that no threshold applies to is "not rated", never green: green tells a clinician the
 * value was checked and is safe, which nothing here can say about a lithium level of a patient
 * not on lithium.
 */
import { inrTargetOf, NO_ATTRIBUTES, type PatientAttributes } from './clinical-attributes.js';
import { crclOn, describeCrcl, estimateFromCreatinine, type CrclFinding, type RenalFacts } from './creatinine-clearance.js';
import { addMonths, type IsoDate } from './dates.js';
import { compare } from './due.js';
import { attributeConditionHolds, describeLimit, formatNumber, resolveLimit } from './patient-conditions.js';
import { describeCover, type Cover } from './rating-window.js';
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
  /**
   * Rule ids (drug groups) and drug keys whose monitoring covers the sample date: the rating
   * window (rating-window.ts, coverIds). Thresholds and trends apply when `appliesTo` names one.
   */
  ruleIds: string[];
  /** The same cover with its basis, so a rating owed to a stopped or not-yet-started drug says so. */
  cover?: readonly Cover[];
  /** Creatinine, weight, CrCl and date of birth, for CrCl by Cockcroft–Gault (DOACs). */
  renal?: RenalFacts;
  /** Sex and clinical flags (BEN, INR target): thresholds limited to them apply; absent means none recorded. */
  patient?: PatientAttributes;
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

/** Bands breached by `value`; `subject` names it in the reason ("lithium_level 1.6 mmol/L"). */
function thresholdFindings(threshold: Threshold, subject: string, value: number, patient: PatientAttributes): Finding[] {
  return threshold.bands
    .filter((band) => compare(value, band.op, resolveLimit(band.value, patient)))
    .map((band) => ({
      id: threshold.id,
      flag: band.flag,
      reason: `${subject} is ${band.op} ${describeLimit(band.value, patient)}: ${band.reason}`,
      sources: threshold.sources,
    }));
}

/** The in-range text, with the patient's own range where the bands are relative to their INR target. */
function inRangeText(threshold: Threshold, patient: PatientAttributes): string {
  const relative = threshold.bands.some((b) => typeof b.value !== 'number');
  return relative ? `${threshold.inRange} (INR target ${formatNumber(inrTargetOf(patient.flags))})` : threshold.inRange;
}

/** A trend rule checked against the history: null when there was nothing to compare with. */
type TrendCheck = { finding: Finding | null; against: string } | null;

function trendCheck(rule: TrendRule, input: ResultInput): TrendCheck {
  const found = (reason: string): Finding => ({ id: rule.id, flag: rule.flag, reason: `${reason}: ${rule.reason}`, sources: rule.sources });
  if (rule.kind === 'successive_rise' || rule.kind === 'successive_fall') {
    const series = [input.value, ...input.history.slice(0, rule.count - 1).map((p) => p.value)];
    if (series.length < rule.count) return null;
    const shown = series.slice().reverse().map(formatNumber).join(' → ');
    const against = `the last ${rule.count} results (${shown})`;
    if (rule.kind === 'successive_rise') {
      const rising = series.every((v, i) => i === series.length - 1 || v > series[i + 1]!);
      return { finding: rising ? found(`${rule.count} successive rising ${input.analyte} results (${shown})`) : null, against };
    }
    const falling = series.every((v, i) => i === series.length - 1 || v < series[i + 1]!) && series[series.length - 1]! - series[0]! > rule.minDrop;
    return { finding: falling ? found(`${rule.count} successive falling ${input.analyte} results (${shown})`) : null, against };
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
function notRatedReason(input: ResultInput, trends: TrendRule[], unestimated: CrclFinding | null): string {
  const trendNote = trends.length > 0 ? ` (and no earlier result to check the trend against: ${trends.map((t) => t.id).join(', ')})` : '';
  const why = unestimated
    ? `${describeCrcl(unestimated)}, so the dose cannot be checked against CrCl`
    : input.ruleIds.length === 0
      ? `the patient was on no monitored medicine on ${input.takenOn}, so no threshold applies`
      : `no threshold for ${input.analyte} applies to ${input.ruleIds.join(', ')}`;
  return `${why}${trendNote}. Review it against the patient's current treatment`;
}

/** CrCl on the sample date, once per evaluation: null when the caller gave no renal facts. */
function crclContext(input: ResultInput, ruleSet: RuleSet): CrclFinding | null {
  return input.renal ? crclOn(input.takenOn, input.renal, ruleSet.crclEstimate !== undefined) : null;
}

/** Whether a threshold's conditions hold; a condition that cannot be judged (no renal facts) does not. */
function conditionsHold(threshold: Threshold, crcl: () => CrclFinding | null, patient: PatientAttributes): boolean {
  return (threshold.when ?? []).every((c) => {
    switch (c.kind) {
      case 'crcl_unavailable': return crcl()?.kind === 'unavailable';
      case 'patient_flag':
      case 'sex': return attributeConditionHolds(c, patient);
    }
  });
}

/** The notes explaining a rating owed to a drug not taken that day: only where no drug taken that day also rates it. */
function windowNotes(input: ResultInput, appliesTo: ('all' | string[])[]): string[] {
  if (!input.cover || appliesTo.some((a) => a === 'all')) return [];
  const matched = input.cover.filter((c) => appliesTo.some((a) => a !== 'all' && (a.includes(c.ruleId) || a.includes(c.drug))));
  if (matched.length === 0 || matched.some((c) => c.basis.kind === 'active')) return [];
  return matched.map((c) => describeCover(c, input.takenOn)).filter((n): n is string => n !== null);
}

export function evaluateResult(input: ResultInput, ruleSet: RuleSet): ResultEvaluation {
  let crcl: CrclFinding | null | undefined;
  const crclNow = () => (crcl === undefined ? (crcl = crclContext(input, ruleSet)) : crcl);
  const patient = input.patient ?? NO_ATTRIBUTES;
  const relevant = (t: Threshold | TrendRule) => applies(t.appliesTo, input.ruleIds);
  const thresholds = ruleSet.thresholds.filter((t) => t.analyte === input.analyte && relevant(t) && conditionsHold(t, crclNow, patient));
  const trends = ruleSet.trends.filter((t) => t.analyte === input.analyte && relevant(t));
  const checks = trends.map((t) => trendCheck(t, input)).filter((c): c is NonNullable<TrendCheck> => c !== null);
  const about = `${input.analyte} ${formatNumber(input.value)} ${input.unit}`;
  const findings: Finding[] = [
    ...thresholds.flatMap((t) => thresholdFindings(t, about, input.value, patient)),
    ...checks.map((c) => c.finding).filter((f): f is Finding => f !== null),
  ];
  const judged: string[] = thresholds.length > 0 ? thresholds.map((t) => inRangeText(t, patient)) : checks.map((c) => `no rise that needs action compared with ${c.against}`);

  // A creatinine result is also judged as the CrCl it gives (Cockcroft–Gault), against the CrCl
  // thresholds of the drugs it applies to (the DOACs): UK laboratories rarely report CrCl itself.
  const crclThresholds = input.analyte === 'creatinine' && input.renal && ruleSet.crclEstimate
    ? ruleSet.thresholds.filter((t) => t.analyte === 'crcl' && relevant(t) && conditionsHold(t, crclNow, patient)) : [];
  let unestimated: CrclFinding | null = null;
  if (crclThresholds.length > 0) {
    const estimate = estimateFromCreatinine({ value: input.value, takenOn: input.takenOn }, input.renal!);
    if (estimate.kind === 'unavailable') unestimated = estimate;
    else {
      const described = describeCrcl(estimate);
      findings.push(...crclThresholds.flatMap((t) => thresholdFindings(t, `${about} gives ${described}, which`, estimate.value, patient)));
      judged.push(...crclThresholds.map((t) => `${described}: ${inRangeText(t, patient)}`));
    }
  }
  const ratedBy = [...thresholds, ...crclThresholds.filter(() => unestimated === null), ...trends].map((t) => t.appliesTo);

  if (findings.length === 0 && judged.length === 0) {
    return { flag: 'not_rated', reason: `${about}: not rated, because ${notRatedReason(input, trends, unestimated)}`, findings };
  }
  // Judged by something else (apixaban's creatinine criterion), the missing CrCl still needs saying.
  const notes = [...windowNotes(input, ratedBy), ...(unestimated ? [describeCrcl(unestimated)] : [])];
  const withNotes = (reason: string) => (notes.length > 0 ? `${reason} (${notes.join('; ')})` : reason);
  if (findings.length === 0) {
    // Green only when something actually judged the value: a threshold, or a trend with history to compare.
    return { flag: 'green', reason: withNotes(`${about}: ${judged.join('; ')}`), findings };
  }
  const worst = findings.reduce((a, b) => (FLAG_RANK[b.flag] > FLAG_RANK[a.flag] ? b : a)).flag;
  const reasons = findings.filter((f) => f.flag === worst).map((f) => f.reason);
  return { flag: worst, reason: withNotes(reasons.join('; ')), findings };
}
