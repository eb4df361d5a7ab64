/**
 * Cross-reference checks on a merged rule set, beyond what the zod schema can see: unique ids,
 * every drug name mapping to exactly one rule, units matching analytes, references that exist.
 * Each problem names the file and the item it was found in.
 */
import { canonicalUnit, takesValue } from '../domain/units.js';
import type { TestKey } from '../domain/test-keys.js';
import { buildDrugIndex, type NameOrigin } from '../domain/rules/drugs.js';
import { conditionsOf, DURATION_PATTERN, type Phase, type RuleOverride, type RuleSet } from '../domain/rules/schema.js';

export interface RuleProblem { path: string; message: string; file?: string }

export type ListName = 'rules' | 'thresholds' | 'trends' | 'interactingDrugs';
export type Locate = (list: ListName, id: string, mergedIndex: number) => { file: string; index: number };

/** Maps a merged item back to its file and position. */
export function locateIn(base: RuleSet, baseFile: string, override?: RuleOverride, overrideFile?: string): Locate {
  const find = (items: readonly object[], id: string) => items.findIndex((x) => ('id' in x ? x.id : 'key' in x ? x.key : undefined) === id);
  return (list, id, mergedIndex) => {
    const inOverride = override && overrideFile ? find(override[list], id) : -1;
    if (inOverride >= 0) return { file: overrideFile!, index: inOverride };
    const inBase = find(base[list], id);
    return { file: baseFile, index: inBase >= 0 ? inBase : mergedIndex };
  };
}

const APPROX_DAYS = { d: 1, w: 7, m: 30.44, y: 365.25 } as const;
function approxDays(duration: string): number {
  const m = DURATION_PATTERN.exec(duration);
  return m ? Number(m[1]) * APPROX_DAYS[m[2] as keyof typeof APPROX_DAYS] : NaN;
}

function valueProblem(analyte: TestKey): string | null {
  return takesValue(analyte) ? null : `${analyte} is a panel or review and has no numeric value; name an analyte (for example alt rather than lft)`;
}

/** Checks what the schema cannot: uniqueness and references across the whole rule set. */
export function checkRuleSet(ruleSet: RuleSet, locate: Locate = locateIn(ruleSet, 'rule set')): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const report = (list: ListName, id: string, mergedIndex: number, rest: string, message: string): void => {
    const { file, index } = locate(list, id, mergedIndex);
    problems.push({ file, path: `${list}[${index}] (${id})${rest ? ` ${rest}` : ''}`, message });
  };
  const ruleIds = new Set(ruleSet.rules.map((r) => r.id));
  const drugKeys = new Set([...ruleSet.rules.flatMap((r) => r.drugs.map((d) => d.key)), ...ruleSet.interactingDrugs.map((d) => d.key)]);

  const unique = (list: ListName, ids: string[]): void => ids.forEach((id, i) => {
    const first = ids.indexOf(id);
    if (first !== i) problems.push({ file: locate(list, id, i).file, path: `${list}[${i}] (${id})`, message: `duplicate id "${id}" (also ${list}[${first}]); ids must be unique` });
  });
  unique('rules', ruleSet.rules.map((r) => r.id));
  unique('thresholds', ruleSet.thresholds.map((t) => t.id));
  unique('trends', ruleSet.trends.map((t) => t.id));
  unique('interactingDrugs', ruleSet.interactingDrugs.map((d) => d.key));

  const describeOrigin = (o: NameOrigin): { list: ListName; id: string; index: number; rest: string } => {
    const owner = o.list === 'rules' ? ruleSet.rules[o.index]! : ruleSet.interactingDrugs[o.index]!;
    const id = 'id' in owner ? owner.id : owner.key;
    const field = o.field === 'key' ? '.key' : `.${o.field}[${o.fieldIndex}]`;
    const rest = o.list === 'rules' ? `.drugs[${o.drugIndex}] (${o.match.drug}) ${field}` : field;
    return { list: o.list, id, index: o.index, rest };
  };
  for (const c of buildDrugIndex(ruleSet).conflicts) {
    const first = describeOrigin(c.first);
    const second = describeOrigin(c.second);
    const where = locate(first.list, first.id, first.index);
    const owner = c.first.match.kind === 'monitored' ? `drug ${c.first.match.drug} in rule ${c.first.match.ruleId}` : `interacting drug ${c.first.match.drug}`;
    report(second.list, second.id, second.index, second.rest,
      `"${c.second.spelled}" is already listed for ${owner} (${where.file}: ${first.list}[${where.index}] (${first.id}) ${first.rest}); each key, name and brand must map to exactly one drug`);
  }

  /** Drug keys and analytes named by a modifier's or a conditional schedule's conditions. */
  const checkConditions = (holder: Parameters<typeof conditionsOf>[0], at: (rest: string, message: string) => void) => {
    const list = Array.isArray(holder.when);
    conditionsOf(holder).forEach((w, ci) => {
      const where = list ? `.when[${ci}]` : '.when';
      if ((w.kind === 'co_prescribed' || w.kind === 'started_within') && w.drugs) {
        w.drugs.forEach((d, di) => { if (!drugKeys.has(d)) at(`${where}.drugs[${di}]`, `unknown drug key "${d}": add it to interactingDrugs or to a rule`); });
      }
      if (w.kind === 'latest_value' || w.kind === 'falling') { const v = valueProblem(w.analyte); if (v) at(`${where}.analyte`, v); }
    });
  };

  ruleSet.rules.forEach((rule, ri) => {
    const seen = new Map<string, number>();
    rule.tests.forEach((test, ti) => {
      const at = (rest: string, message: string) => report('rules', rule.id, ri, `.tests[${ti}] (${test.test}) ${rest}`.trim(), message);
      // A second schedule of the same test is allowed when one of the two is conditional (under-18s'
      // prolactin beside everyone's baseline); two unconditional ones would be ambiguous.
      const earlier = seen.get(test.test);
      if (earlier !== undefined && test.when === undefined && rule.tests[earlier]!.when === undefined) {
        at('.test', `"${test.test}" is already scheduled in this rule (tests[${earlier}]); merge the two schedules, or give one of them "when"`);
      }
      if (earlier === undefined || test.when === undefined) seen.set(test.test, ti);
      const ordered = (phases: Phase[], field: string) => phases.forEach((p, pi) => {
        const prev = phases[pi - 1]?.until;
        if (pi > 0 && p.until && prev && approxDays(p.until) <= approxDays(prev)) at(`.${field}[${pi}].until`, `"${p.until}" must be later than the previous phase's "until" ("${prev}"); phases run one after another from the start`);
      });
      checkConditions(test, at);
      ordered(test.phases, 'phases');
      ordered(test.afterDoseChange, 'afterDoseChange');
      test.modifiers.forEach((m, mi) => {
        const mAt = (rest: string, message: string) => at(`.modifiers[${mi}] (${m.id}) ${rest}`, message);
        if (test.modifiers.findIndex((x) => x.id === m.id) !== mi) mAt('.id', `duplicate modifier id "${m.id}" in this test`);
        checkConditions(m, (rest, message) => mAt(rest, message));
        if (m.everyMonthsFromValue) { const v = valueProblem(m.everyMonthsFromValue.analyte); if (v) mAt('.everyMonthsFromValue.analyte', v); }
      });
    });
  });

  // appliesTo names rule ids or, where guidance differs within a group, monitored drug keys.
  const monitoredDrugs = new Set(ruleSet.rules.flatMap((r) => r.drugs.map((d) => d.key)));
  const checkApplies = (list: ListName, id: string, i: number, appliesTo: 'all' | string[]) => {
    if (appliesTo !== 'all') {
      appliesTo.forEach((r, ai) => {
        if (!ruleIds.has(r) && !monitoredDrugs.has(r)) report(list, id, i, `.appliesTo[${ai}]`, `unknown rule id or drug "${r}"; use a rule id (${[...ruleIds].join(', ')}) or a monitored drug key`);
      });
    }
  };
  ruleSet.thresholds.forEach((t, i) => {
    checkApplies('thresholds', t.id, i, t.appliesTo);
    const v = valueProblem(t.analyte);
    if (v) report('thresholds', t.id, i, '.analyte', v);
    else if (t.unit !== canonicalUnit(t.analyte)) report('thresholds', t.id, i, '.unit', `unit "${t.unit}" is not the canonical unit of ${t.analyte}; write the bands in "${canonicalUnit(t.analyte)}"`);
  });
  ruleSet.trends.forEach((t, i) => {
    checkApplies('trends', t.id, i, t.appliesTo);
    const v = valueProblem(t.analyte);
    if (v) report('trends', t.id, i, '.analyte', v);
  });
  return problems;
}

/** JSON with object keys sorted at every level, so equal rule sets hash equally. */
