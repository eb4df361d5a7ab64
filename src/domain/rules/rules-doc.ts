/**
 * The rule set as Markdown tables, for the generated part of docs/rules.md: every schedule, the
 * conditions that change it (with the patient attribute, age, co-prescription or result each one
 * reads), every threshold and its variants, every trend, each with numbered sources. The document is
 * written from the rule data by `npm run docs:rules`, and a test compares the two, so the reference
 * a clinical safety officer reads cannot drift from what the service runs.
 */
import { describeDuration } from '../durations.js';
import { describeLimit } from '../patient-conditions.js';
import {
  applies, Citations, describeCondition, describeDrugs, describeModifierEffect, describeOneCondition, describePhases, forDrugs, ruleSetHeader, unitOf,
} from './describe.js';
import type { MonitoringRule, RuleSet, TestSchedule, Threshold, TrendRule } from './schema.js';

export const GENERATED_BEGIN = '<!-- generated from src/rules/default-rules.json by `npm run docs:rules`: do not edit by hand -->';
export const GENERATED_END = '<!-- end of generated rules -->';

/** A table cell: pipes escaped, line breaks as <br>. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, '<br>');
}

function row(cells: string[]): string {
  return `| ${cells.map(cell).join(' | ')} |`;
}

function schedule(test: TestSchedule): string {
  const routine = test.phases.length === 0 ? 'baseline only' : `${test.baseline ? 'baseline, then ' : ''}${describePhases(test.phases)}`;
  const dose = test.afterDoseChange.length > 0 ? `; after a dose change ${describePhases(test.afterDoseChange)}` : '';
  const stop = test.continueAfterStop ? `; for ${describeDuration(test.continueAfterStop)} after stopping` : '';
  return `${routine}${dose}${stop}`;
}

function testRows(rule: MonitoringRule, ruleSet: RuleSet, cites: Citations): string[] {
  const rows: string[] = [];
  for (const test of rule.tests) {
    const only = test.when ? `only while ${describeCondition(test, ruleSet)}` : '';
    rows.push(row([test.test, schedule(test), only, '', cites.cite(test.sources).trim()]));
    for (const m of test.modifiers) {
      rows.push(row(['', `${describeModifierEffect(m)} (\`${m.id}\`)`, `while ${describeCondition(m, ruleSet)}`, m.description, cites.cite(m.sources).trim()]));
    }
  }
  return rows;
}

function thresholdRows(thresholds: Threshold[], rule: MonitoringRule, ruleSet: RuleSet, cites: Citations): string[] {
  return thresholds.map((t) => {
    const bands = t.bands.map((b) => `${b.flag} ${b.op} ${describeLimit(b.value)}`).join('; ');
    const only = t.when ? `only while ${t.when.map((c) => describeOneCondition(c, ruleSet)).join(' and ')}` : '';
    return row([`${t.analyte} (${t.unit})${forDrugs(t, rule)}`, bands, only, `\`${t.id}\``, cites.cite(t.sources).trim()]);
  });
}

function trendWords(t: TrendRule): string {
  const unit = unitOf(t.analyte);
  switch (t.kind) {
    case 'rise_from_baseline': return `rises more than ${t.percent}% above the earliest result within ${t.withinMonths} months`;
    case 'rise_by_amount': return `rises more than ${t.amount} ${unit} above the earliest result within ${t.withinMonths} months`;
    case 'successive_rise': return `rises in ${t.count} successive results`;
    case 'successive_fall': return `falls in ${t.count} successive results${t.minDrop > 0 ? `, by more than ${t.minDrop} ${unit} in all` : ''}`;
  }
}

function ruleSection(rule: MonitoringRule, ruleSet: RuleSet): string[] {
  const cites = new Citations();
  const lines = [`### ${rule.name} (\`${rule.id}\`)`, '', `Drugs: ${describeDrugs(rule)}. Rule sources: ${cites.cite(rule.sources).trim()}`, ''];
  lines.push('| Test | Schedule or change | Applies | Why | Sources |', '|---|---|---|---|---|', ...testRows(rule, ruleSet, cites), '');
  const thresholds = ruleSet.thresholds.filter((t) => applies(t.appliesTo, rule));
  if (thresholds.length > 0) {
    lines.push('| Result | Bands | Applies | Id | Sources |', '|---|---|---|---|---|', ...thresholdRows(thresholds, rule, ruleSet, cites), '');
  }
  const trends = ruleSet.trends.filter((t) => applies(t.appliesTo, rule));
  if (trends.length > 0) {
    lines.push('| Trend | Flag when it | Id | Sources |', '|---|---|---|---|');
    for (const t of trends) lines.push(row([`${t.analyte}${forDrugs(t, rule)}`, `${t.flag}: ${trendWords(t)}`, `\`${t.id}\``, cites.cite(t.sources).trim()]));
    lines.push('');
  }
  lines.push('Sources:', '', ...cites.list().map((l) => `- ${l.trim()}`), '');
  return lines;
}

/** The generated part of docs/rules.md, markers included. */
export function rulesMarkdown(ruleSet: RuleSet): string {
  const lines = [GENERATED_BEGIN, '', '## The default rules, rule by rule', '', `${ruleSetHeader(ruleSet)}.`, ''];
  lines.push('Each rule lists its tests and schedules, then the changes that apply while a condition holds (its',
    '**Applies** column names the patient attribute, age, co-prescription or result it reads), then its result',
    'thresholds and their variants, and its trends. Numbers in brackets are that rule\'s sources.', '');
  for (const rule of ruleSet.rules) lines.push(...ruleSection(rule, ruleSet));
  lines.push(GENERATED_END);
  return `${lines.join('\n')}\n`;
}

/** Replaces the generated part of a document (or appends it): the hand-written part is kept. */
export function withGeneratedRules(document: string, ruleSet: RuleSet): string {
  const generated = rulesMarkdown(ruleSet);
  const begin = document.indexOf(GENERATED_BEGIN);
  const end = document.indexOf(GENERATED_END);
  if (begin < 0 || end < begin) return `${document.trimEnd()}\n\n${generated}`;
  return `${document.slice(0, begin)}${generated}${document.slice(end + GENERATED_END.length).replace(/^\n/, '')}`;
}
