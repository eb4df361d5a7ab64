/**
 * Plain-text descriptions of the rule set for `closedloop rules [DRUG]`: what is monitored, how
 * often, what a result is flagged against, and where every value came from. A pharmacist or the
 * clinical safety officer reads this to check the data against its sources, so nothing is
 * summarised away: every note and every citation (section, URL, version) is printed.
 */
import { describeDuration } from '../durations.js';
import { describeAttributeCondition, describeLimit } from '../patient-conditions.js';
import { canonicalUnit } from '../units.js';
import type { TestKey } from '../test-keys.js';
import { buildDrugIndex, normaliseDrugName, resolveDrug } from './drugs.js';
import { conditionsOf, type ThresholdCondition, type ModifierCondition, type Modifier, type MonitoringRule, type Phase, type RuleSet, type Source, type TestSchedule, type Threshold, type TrendRule } from './schema.js';

const ORG_WORDS = { gp_practice: 'GP practice', mh_trust: 'mental health trust', hospital_clinic: 'hospital clinic' } as const;

/** "Rules 2026.11.0 (effective 2026-11-01): not signed off — …" */
export function ruleSetHeader(ruleSet: RuleSet): string {
  const head = `Rules ${ruleSet.version} (effective ${ruleSet.effectiveFrom})`;
  const s = ruleSet.signOff;
  return s
    ? `${head}: signed off by ${s.by} (${s.role}) on ${s.on}`
    : `${head}: not signed off — a clinical safety officer must sign off before go-live`;
}

/** Numbers each distinct source in order of first citation, for a reference list at the end. */
export class Citations {
  private readonly order = new Map<string, { n: number; source: Source }>();
  cite(sources: readonly Source[]): string {
    const ns = sources.map((source) => {
      const key = JSON.stringify([source.title, source.section, source.url, source.version]);
      let entry = this.order.get(key);
      if (!entry) this.order.set(key, (entry = { n: this.order.size + 1, source }));
      return entry.n;
    });
    return ns.length > 0 ? ` [${ns.join(', ')}]` : '';
  }
  list(): string[] {
    return [...this.order.values()].map(({ n, source }) => {
      const parts = [source.title, source.section, source.url, source.version ? `version ${source.version}` : undefined];
      return `  [${n}] ${parts.filter((p) => p !== undefined).join(' — ')}`;
    });
  }
}

function untilWords(until: string): string {
  const unit = ({ d: 'day', w: 'week', m: 'month', y: 'year' } as const)[until.slice(-1) as 'd' | 'w' | 'm' | 'y'];
  return `${unit} ${until.slice(0, -1)}`;
}

/** [{until:'18w', every:'1w'}, {every:'4w'}] → "every 1 week until week 18, then every 4 weeks". */
export function describePhases(phases: readonly Phase[]): string {
  const parts = phases.map((p) => {
    const what = p.every === null ? 'no routine monitoring' : `every ${describeDuration(p.every)}`;
    const note = p.note ? ` (${p.note})` : '';
    return p.until ? `${what} until ${untilWords(p.until)}${note}` : `${what}${note}`;
  });
  const last = phases[phases.length - 1];
  if (last?.until) parts.push('stops');
  return parts.join(', then ');
}

export function unitOf(analyte: TestKey): string {
  return canonicalUnit(analyte) ?? '';
}

/** Drug keys grouped for reading ("ACE inhibitor (ramipril, lisinopril)"). */
function describeDrugKeys(keys: readonly string[], ruleSet: RuleSet): string {
  const groups = new Map<string, string[]>();
  for (const key of keys) {
    const group = ruleSet.interactingDrugs.find((d) => d.key === key)?.group ?? 'monitored drug';
    groups.set(group, [...(groups.get(group) ?? []), key]);
  }
  return [...groups].map(([g, list]) => `${g} (${list.join(', ')})`).join('; ');
}

export function describeOneCondition(w: ModifierCondition | ThresholdCondition, ruleSet: RuleSet): string {
  switch (w.kind) {
    case 'age_at_least': return `aged ${w.years} or over`;
    case 'age_below': return `aged under ${w.years}`;
    case 'latest_value': return `latest ${w.analyte} ${w.op} ${describeLimit(w.value)} ${unitOf(w.analyte)}`.trimEnd();
    case 'falling': {
      const fall = w.tests === 2 ? `${w.analyte} lower than the previous result` : `${w.analyte} lower on each of the last ${w.tests} results than on the one before`;
      return `${fall}${w.minDrop > 0 ? ` by more than ${w.minDrop} ${unitOf(w.analyte)} in all` : ''}`;
    }
    case 'crcl_unavailable': return 'no CrCl recorded or estimable (no creatinine, weight or date of birth)';
    case 'co_prescribed': {
      const limit = w.withinFirst ? ` (for the first ${describeDuration(w.withinFirst)} after the combination began)` : '';
      return `co-prescribed ${describeDrugKeys(w.drugs, ruleSet)}${limit}`;
    }
    case 'started_within':
      return w.drugs ? `${describeDrugKeys(w.drugs, ruleSet)} started in the last ${describeDuration(w.within)}` : `this drug started in the last ${describeDuration(w.within)}`;
    case 'patient_flag':
    case 'sex':
      return describeAttributeCondition(w);
  }
}

export function describeCondition(holder: Modifier | TestSchedule, ruleSet: RuleSet): string {
  return conditionsOf(holder).map((c) => describeOneCondition(c, ruleSet)).join(' and ');
}

/** What a modifier does to the interval, in words. */
export function describeModifierEffect(modifier: Modifier): string {
  return modifier.maxEvery
    ? `at least every ${describeDuration(modifier.maxEvery)}`
    : `every (latest ${modifier.everyMonthsFromValue!.analyte} ÷ ${modifier.everyMonthsFromValue!.divisor}) months in days (a month of 365.25 ÷ 12 days, rounded down), at least ${modifier.everyMonthsFromValue!.minMonths} month${modifier.everyMonthsFromValue!.minMonths === 1 ? '' : 's'}`;
}

function describeModifier(modifier: Modifier, ruleSet: RuleSet, cites: Citations): string {
  return `${describeModifierEffect(modifier)} while ${describeCondition(modifier, ruleSet)} — ${modifier.description} [${modifier.id}]${cites.cite(modifier.sources)}`;
}

function describeTest(test: TestSchedule, ruleSet: RuleSet, cites: Citations): string[] {
  const schedule = test.phases.length === 0 ? 'baseline only' : `${test.baseline ? 'baseline before starting, then ' : ''}${describePhases(test.phases)}`;
  const stop = test.continueAfterStop ? `; continues for ${describeDuration(test.continueAfterStop)} after the drug is stopped` : '';
  const only = test.when ? ` (only while ${describeCondition(test, ruleSet)})` : '';
  const lines = [`  ${test.test}${only}: ${schedule}${stop}${cites.cite(test.sources)}`];
  if (test.afterDoseChange.length > 0) lines.push(`      after a dose change: ${describePhases(test.afterDoseChange)} (counted from the change)`);
  for (const m of test.modifiers) lines.push(`      ${describeModifier(m, ruleSet, cites)}`);
  if (test.note) lines.push(`      note: ${test.note}`);
  return lines;
}

/** Whether a threshold or trend applies to a rule: to the whole group, or to some of its drugs. */
export function applies(appliesTo: 'all' | string[], rule: MonitoringRule): boolean {
  return appliesTo === 'all' || appliesTo.includes(rule.id) || rule.drugs.some((d) => appliesTo.includes(d.key));
}

/** " (dabigatran only)" when a threshold names some of the rule's drugs rather than the rule. */
export function forDrugs(item: Threshold | TrendRule, rule: MonitoringRule): string {
  if (item.appliesTo === 'all' || item.appliesTo.includes(rule.id)) return '';
  const drugs = rule.drugs.map((d) => d.key).filter((k) => (item.appliesTo as string[]).includes(k));
  return ` (${drugs.join(', ')} only)`;
}

function readsCrcl(rule: MonitoringRule, ruleSet: RuleSet): boolean {
  const modifierReads = rule.tests.some((t) => t.modifiers.some((m) => conditionsOf(m).some((c) => c.kind === 'crcl_unavailable' || (c.kind === 'latest_value' && c.analyte === 'crcl'))
    || m.everyMonthsFromValue?.analyte === 'crcl'));
  return modifierReads || ruleSet.thresholds.some((t) => t.analyte === 'crcl' && applies(t.appliesTo, rule));
}

export function describeDrugs(rule: MonitoringRule): string {
  return rule.drugs.map((d) => {
    const extra = [d.names.length > 0 ? `also ${d.names.join(', ')}` : '', d.brands.length > 0 ? `brands ${d.brands.join(', ')}` : ''].filter(Boolean);
    return extra.length > 0 ? `${d.key} (${extra.join('; ')})` : d.key;
  }).join('; ');
}

function describeMonitored(ruleSet: RuleSet, rule: MonitoringRule): string {
  const cites = new Citations();
  const lines = [ruleSetHeader(ruleSet), '', `${rule.name} [rule ${rule.id}]${cites.cite(rule.sources)}`, `Drugs: ${describeDrugs(rule)}`];
  lines.push(`Usually held by: ${rule.defaultResponsible ? ORG_WORDS[rule.defaultResponsible] : 'not set: record who holds each test for every patient'}`);
  if (rule.note) lines.push(`Note: ${rule.note}`);
  lines.push('', 'Tests:', ...(rule.tests.length > 0 ? rule.tests.flatMap((t) => describeTest(t, ruleSet, cites)) : ['  none']));

  const thresholds = ruleSet.thresholds.filter((t) => applies(t.appliesTo, rule));
  if (thresholds.length > 0) {
    lines.push('', 'Result thresholds:');
    for (const t of thresholds) {
      const when = t.when ? `, only while ${t.when.map((c) => describeOneCondition(c, ruleSet)).join(' and ')}` : '';
      lines.push(`  ${t.analyte} (${t.unit})${forDrugs(t, rule)}${when} [${t.id}]${cites.cite(t.sources)}`);
      for (const b of t.bands) lines.push(`      ${b.flag} if ${b.op} ${describeLimit(b.value)}: ${b.reason}`);
      lines.push(`      otherwise green: ${t.inRange}`);
    }
  }
  const estimate = ruleSet.crclEstimate;
  if (estimate && readsCrcl(rule, ruleSet)) {
    lines.push('', `CrCl: where none is recorded, estimated by Cockcroft–Gault from the latest creatinine, the ${estimate.weight.replace(/_/g, ' ')} `
      + `and the age; when sex is not recorded, the ${estimate.sexUnknown} (lower) estimate. A creatinine result is judged against the CrCl thresholds.${cites.cite(estimate.sources)}`);
    if (estimate.note) lines.push(`  note: ${estimate.note}`);
  }
  const elsewhere = changesElsewhere(ruleSet, rule, cites);
  if (elsewhere.length > 0) lines.push('', 'Changes the monitoring of:', ...elsewhere);
  const trends = ruleSet.trends.filter((t) => applies(t.appliesTo, rule));
  if (trends.length > 0) {
    lines.push('', 'Trends:');
    for (const t of trends) {
      const unit = unitOf(t.analyte);
      const when = t.kind === 'rise_from_baseline' ? `rises more than ${t.percent}% above the earliest result within ${t.withinMonths} months`
        : t.kind === 'rise_by_amount' ? `rises more than ${t.amount} ${unit} above the earliest result within ${t.withinMonths} months`
          : t.kind === 'successive_rise' ? `rises in ${t.count} successive results`
            : `falls in ${t.count} successive results${t.minDrop > 0 ? `, by more than ${t.minDrop} ${unit} in all` : ''}`;
      lines.push(`  ${t.analyte}${forDrugs(t, rule)} [${t.id}]: ${t.flag} when it ${when}: ${t.reason}${cites.cite(t.sources)}`);
    }
  }
  lines.push('', 'Sources:', ...cites.list());
  return lines.join('\n');
}

/** Whether a modifier's conditions name this drug (co-prescribed with it, or it started lately). */
function namesDrug(m: Modifier, key: string): boolean {
  return conditionsOf(m).some((c) => (c.kind === 'co_prescribed' || c.kind === 'started_within') && c.drugs?.includes(key) === true);
}

/** Lines for the other rules' schedules this rule's drugs change (amiodarone: warfarin's INR). */
function changesElsewhere(ruleSet: RuleSet, rule: MonitoringRule, cites: Citations): string[] {
  const lines: string[] = [];
  for (const other of ruleSet.rules) {
    if (other === rule) continue;
    for (const test of other.tests) {
      for (const m of test.modifiers) {
        const named = rule.drugs.filter((d) => namesDrug(m, d.key));
        if (named.length > 0) lines.push(`  ${other.name} [rule ${other.id}] ${test.test}: ${describeModifier(m, ruleSet, cites)}`);
      }
    }
  }
  return lines;
}

function describeInteracting(ruleSet: RuleSet, key: string, group: string): string {
  const cites = new Citations();
  const lines = [ruleSetHeader(ruleSet), '', `${key} (${group}) is not monitored on its own; it changes the monitoring of:`];
  for (const rule of ruleSet.rules) {
    for (const test of rule.tests) {
      for (const m of test.modifiers) {
        if (namesDrug(m, key)) lines.push(`  ${rule.name} [rule ${rule.id}] ${test.test}: ${describeModifier(m, ruleSet, cites)}`);
      }
    }
  }
  if (lines.length === 3) lines.push('  (no rule refers to it)');
  else lines.push('', 'Sources:', ...cites.list());
  return lines.join('\n');
}

/**
 * The full description of one rule, found by rule id, drug key, generic name or brand (for an
 * interacting drug: the schedules it changes). Null when the rule set does not know the name.
 */
export function describeRule(ruleSet: RuleSet, drugOrRuleId: string): string | null {
  const wanted = normaliseDrugName(drugOrRuleId);
  const byId = ruleSet.rules.find((r) => r.id === wanted);
  if (byId) return describeMonitored(ruleSet, byId);
  const match = resolveDrug(buildDrugIndex(ruleSet), drugOrRuleId);
  if (!match) return null;
  if (match.kind === 'interacting') return describeInteracting(ruleSet, match.drug, match.group);
  const rule = ruleSet.rules.find((r) => r.id === match.ruleId);
  return rule ? describeMonitored(ruleSet, rule) : null;
}

/** One line per rule with its drugs and brands, under the version and sign-off header. */
export function listRules(ruleSet: RuleSet): string {
  const width = Math.max(...ruleSet.rules.map((r) => r.id.length));
  const lines = [ruleSetHeader(ruleSet), ''];
  for (const rule of ruleSet.rules) {
    const drugs = rule.drugs.map((d) => (d.brands.length > 0 ? `${d.key} (${d.brands.join(', ')})` : d.key)).join(', ');
    lines.push(`${rule.id.padEnd(width)}  ${rule.name}: ${drugs}`);
  }
  if (ruleSet.interactingDrugs.length > 0) {
    const groups = [...new Set(ruleSet.interactingDrugs.map((d) => d.group))];
    lines.push('', `Interacting drugs (${ruleSet.interactingDrugs.length}; they change other drugs' schedules): ${groups.join(', ')}`);
  }
  lines.push('', 'Run "closedloop rules DRUG" for a rule\'s schedule, thresholds and sources.');
  return lines.join('\n');
}
