/**
 * Issue 10 items 2, 5 and 6 in the rule data: defaults without a national source are labelled
 * local defaults for the organisation to confirm (opioid and gabapentinoid reviews, citing NICE
 * NG215 for what a review covers); the DOAC CrCl thresholds are per drug; the Cockcroft–Gault
 * estimate states its weight and cites its sources; `closedloop rules` shows all of it.
 */
import { describe, expect, it } from 'vitest';
import { describeRule } from '../../src/domain/rules/describe.js';
import type { Source } from '../../src/domain/rules/schema.js';
import { requirementKeyOf, resolveTestKey } from '../../src/domain/test-keys.js';
import { mergeRuleSet, parseRuleOverride } from '../../src/rules/load.js';
import { defaultRules } from '../support/rules.js';

const rules = defaultRules();

function everySource(): [string, Source][] {
  const all: [string, Source][] = [];
  for (const rule of rules.rules) {
    all.push(...rule.sources.map((s): [string, Source] => [rule.id, s]));
    for (const test of rule.tests) {
      all.push(...test.sources.map((s): [string, Source] => [`${rule.id}.${test.test}`, s]));
      for (const m of test.modifiers) all.push(...m.sources.map((s): [string, Source] => [`${rule.id}.${test.test}.${m.id}`, s]));
    }
  }
  for (const t of [...rules.thresholds, ...rules.trends]) all.push(...t.sources.map((s): [string, Source] => [t.id, s]));
  all.push(...(rules.crclEstimate?.sources ?? []).map((s): [string, Source] => ['crclEstimate', s]));
  return all;
}

describe('sources for defaults that have none (issue 10 item 6)', () => {
  it.each(['opioid_long_term', 'gabapentinoid'])('%s review cites NICE NG215 and labels its 6-month interval a local default to confirm', (ruleId) => {
    const review = rules.rules.find((r) => r.id === ruleId)!.tests.find((t) => t.test === 'medication_review')!;
    expect(review.phases).toEqual([{ every: '6m' }]);
    const titles = review.sources.map((s) => s.title);
    expect(titles.some((t) => /NICE NG215/.test(t))).toBe(true);
    expect(titles.some((t) => /^Local default: .*must confirm or replace the 6 months/.test(t))).toBe(true);
  });

  it('no value cites closedloop\'s own reference notes as if they were a source', () => {
    expect(everySource().filter(([, s]) => /closedloop/i.test(s.title)).map(([where]) => where)).toEqual([]);
  });

  it('every local default says the organisation must confirm it', () => {
    const local = everySource().filter(([, s]) => /^local default/i.test(s.title));
    expect(local.length).toBeGreaterThanOrEqual(4);
    for (const [where, s] of local) expect(s.title, where).toMatch(/must confirm/);
  });
});

describe('DOAC renal rules as data (issue 10 item 2)', () => {
  it('rates CrCl per drug and estimates it by Cockcroft–Gault with actual body weight, citing the MHRA and SPS', () => {
    const crcl = rules.thresholds.filter((t) => t.analyte === 'crcl');
    expect(crcl.map((t) => [t.id, t.appliesTo])).toEqual([
      ['doac_crcl_apixaban', ['apixaban']], ['doac_crcl_rivaroxaban', ['rivaroxaban']], ['doac_crcl_edoxaban', ['edoxaban']], ['doac_crcl_dabigatran', ['dabigatran']],
    ]);
    expect(rules.crclEstimate).toMatchObject({ method: 'cockcroft_gault', weight: 'actual_body_weight', sexUnknown: 'female' });
    expect(rules.crclEstimate!.sources.map((s) => s.title).join('\n')).toMatch(/MHRA Drug Safety Update[\s\S]*SPS/);
  });

  it('`closedloop rules dabigatran` shows its own CrCl bands, the estimate and the eGFR fallback with their sources', () => {
    const text = describeRule(rules, 'Pradaxa')!;
    expect(text).toContain('crcl (mL/min) (dabigatran only) [doac_crcl_dabigatran]');
    expect(text).toContain('red if < 30: CrCl below 30 mL/min: dabigatran is contraindicated (SmPC)');
    expect(text).toMatch(/egfr \(mL\/min\/1\.73m2\), only while no CrCl recorded or estimable \(no creatinine, weight or date of birth\) \[doac_egfr_without_crcl\]/);
    expect(text).toMatch(/CrCl: where none is recorded, estimated by Cockcroft–Gault from the latest creatinine, the actual body weight and the age; when sex is not recorded, the female \(lower\) estimate/);
    expect(text).toMatch(/while no CrCl recorded or estimable \(no creatinine, weight or date of birth\) and latest egfr < 60/);
    expect(text).toContain('MHRA Drug Safety Update');
  });

  it('disabling the DOAC rule in an override drops the thresholds that name its drugs', () => {
    const parsed = parseRuleOverride(JSON.stringify({ version: 'local-1', disable: { rules: ['doac'] } }), 'local.json');
    if (!parsed.ok) throw new Error(parsed.message);
    const merged = mergeRuleSet(rules, parsed.override);
    expect(merged.ruleSet.thresholds.filter((t) => t.id.startsWith('doac_'))).toEqual([]);
  });
});

describe('eosinophils (issue 10 item 5)', () => {
  it('is an FBC analyte, named as labs name it', () => {
    expect(resolveTestKey('Eosinophils')).toBe('eosinophils');
    expect(resolveTestKey('Eos')).toBe('eosinophils');
    expect(requirementKeyOf('eosinophils')).toBe('fbc');
    expect(rules.thresholds.find((t) => t.analyte === 'eosinophils')).toMatchObject({ id: 'dmard_eosinophils', bands: [{ flag: 'amber', op: '>', value: 0.5 }] });
  });
});
