import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { describeRule, listRules } from '../../src/domain/rules/describe.js';
import { DEFAULT_RULES_PATH, hashRuleSet, loadRuleSet, mergeRuleSet, parseRuleOverride, type LoadResult } from '../../src/rules/load.js';
import { conditionsOf, type RuleSet, type Source } from '../../src/domain/rules/schema.js';

const dir = mkdtempSync(join(tmpdir(), 'closedloop-rules-'));
const EXAMPLE = fileURLToPath(new URL('../../docs/examples/local-rules.example.json', import.meta.url));

function write(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return path;
}

function loaded(result: LoadResult): Extract<LoadResult, { ok: true }> {
  if (!result.ok) throw new Error(result.message);
  return result;
}

function failed(result: LoadResult): Extract<LoadResult, { ok: false }> {
  if (result.ok) throw new Error('expected the rule set to be rejected');
  return result;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
const defaultJson = (): Json => JSON.parse(readFileSync(DEFAULT_RULES_PATH, 'utf8'));
const nationalRule = (id: string): Json => structuredClone(defaultJson().rules.find((r: Json) => r.id === id));
const override = (extra: Json): Json => ({ version: 'test-1', ...extra });
const SOURCE = { title: 'Test ICB lithium shared-care protocol', section: 'Monitoring' };

/** Loads an override and returns the problems, asserting each expected fragment appears. */
function rejected(name: string, content: Json, code = 'RULES.INVALID') {
  const result = failed(loadRuleSet({ overridePath: write(name, content) }));
  expect(result.code).toBe(code);
  expect(result.message).toContain(name);
  return result;
}

describe('default rule set', () => {
  const result = loaded(loadRuleSet());
  const ruleSet = result.ruleSet;

  it('validates, with its version, effective date and no sign-off', () => {
    expect(ruleSet.version).toBe('2026.11.0');
    expect(ruleSet.effectiveFrom).toBe('2026-11-01');
    expect(ruleSet.signOff).toBeUndefined();
    expect(result.overridden).toEqual([]);
    expect(result.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(loaded(loadRuleSet()).hash).toBe(result.hash);
    expect(ruleSet.rules.map((r) => r.id)).toEqual([
      'methotrexate', 'azathioprine', 'sulfasalazine', 'leflunomide', 'mycophenolate', 'lithium', 'amiodarone', 'warfarin', 'doac',
      'antipsychotic', 'clozapine', 'valproate', 'opioid_long_term', 'gabapentinoid',
    ]);
  });

  it('cites a source for every rule, test, modifier, threshold and trend', () => {
    const cited: [string, Source[]][] = [];
    for (const rule of ruleSet.rules) {
      cited.push([rule.id, rule.sources]);
      for (const test of rule.tests) {
        cited.push([`${rule.id}.${test.test}`, test.sources]);
        for (const m of test.modifiers) cited.push([`${rule.id}.${test.test}.${m.id}`, m.sources]);
      }
    }
    for (const t of ruleSet.thresholds) cited.push([t.id, t.sources]);
    for (const t of ruleSet.trends) cited.push([t.id, t.sources]);
    for (const [where, sources] of cited) {
      expect(sources.length, where).toBeGreaterThan(0);
      for (const s of sources) {
        expect(s.title.length, where).toBeGreaterThan(3);
        if (s.url) expect(() => new URL(s.url!), where).not.toThrow();
      }
    }
    expect(ruleSet.trends.length).toBeGreaterThan(0);
    expect(ruleSet.thresholds.length).toBeGreaterThan(10);
  });

  const test = (ruleId: string, key: string) => ruleSet.rules.find((r) => r.id === ruleId)!.tests.find((t) => t.test === key)!;

  it('encodes the reference schedules', () => {
    expect(test('clozapine', 'fbc').phases).toEqual([{ until: '18w', every: '1w' }, { until: '52w', every: '2w' }, { every: '4w' }]);
    expect(ruleSet.rules.find((r) => r.id === 'clozapine')!.defaultResponsible).toBe('mh_trust');
    expect(test('methotrexate', 'fbc').afterDoseChange).toEqual([{ until: '6w', every: '2w' }]);
    expect(test('methotrexate', 'lft').phases.at(-1)).toEqual({ every: '12w' });
    expect(test('sulfasalazine', 'fbc').phases.at(-1)).toEqual({ every: null });
    const level = test('lithium', 'lithium_level');
    expect(level.phases).toEqual([{ until: '4w', every: '1w' }, { until: '1y', every: '3m' }, { every: '6m' }]);
    expect(level.afterDoseChange).toEqual([{ until: '1w', every: '1w' }]);
    // SPS: at least 3-monthly when aged 65+, on an interacting drug, last level 0.8 or more, eGFR
    // falling, or with a calcium or thyroid problem (raised adjusted calcium, raised TSH).
    expect(level.modifiers.map((m) => conditionsOf(m)[0]!.kind).sort()).toEqual(['age_at_least', 'co_prescribed', 'falling', 'latest_value', 'latest_value', 'latest_value']);
    expect(level.modifiers.filter((m) => conditionsOf(m)[0]!.kind === 'latest_value').map((m) => conditionsOf(m)[0])).toEqual([
      { kind: 'latest_value', analyte: 'lithium_level', op: '>=', value: 0.8 },
      { kind: 'latest_value', analyte: 'calcium', op: '>', value: 2.6 },
      { kind: 'latest_value', analyte: 'tsh', op: '>', value: 4.5 },
    ]);
    expect(level.modifiers.every((m) => m.maxEvery === '3m')).toBe(true);
    expect(test('amiodarone', 'tft').continueAfterStop).toBe('12m');
    const renal = test('doac', 'renal');
    expect(renal.modifiers.find((m) => m.everyMonthsFromValue)?.everyMonthsFromValue).toEqual({ analyte: 'crcl', divisor: 10, minMonths: 1 });
    expect(test('opioid_long_term', 'medication_review').phases.length).toBeGreaterThan(0);
  });

  it('carries the reference thresholds', () => {
    const limit = (v: number | { fromInrTarget: number }) => (typeof v === 'number' ? String(v) : `target${v.fromInrTarget < 0 ? '' : '+'}${v.fromInrTarget}`);
    const bands = (id: string) => ruleSet.thresholds.find((t) => t.id === id)!.bands.map((b) => `${b.flag} ${b.op} ${limit(b.value)}`);
    expect(bands('clozapine_wbc')).toEqual(['red < 3', 'amber < 3.5']);
    expect(bands('clozapine_neutrophils')).toEqual(['red < 1.5', 'amber < 2']);
    expect(bands('dmard_neutrophils')).toEqual(['red < 1.6']);
    expect(bands('lithium_level')).toEqual(['red >= 1.5', 'amber > 1', 'amber < 0.4']);
    // BSH "target ± 0.5"; INRstar urgent: above 5.0, or more than 1 below the target.
    expect(bands('warfarin_inr')).toEqual(['red > 5', 'red < target-1', 'amber > target+0.5', 'amber < target-0.5']);
    // BEN: each band 0.5 below the standard (a local default to confirm with the monitoring service).
    expect(bands('clozapine_wbc_ben')).toEqual(['red < 2.5', 'amber < 3']);
    expect(bands('clozapine_neutrophils_ben')).toEqual(['red < 1', 'amber < 1.5']);
    // Tees: QTc normal below 440 ms in men, 470 ms in women; above 500 ms stop.
    expect(bands('antipsychotic_qtc')).toEqual(['red > 500', 'amber >= 440']);
    expect(bands('antipsychotic_qtc_female')).toEqual(['red > 500', 'amber >= 470']);
    expect(ruleSet.thresholds.find((t) => t.id === 'dmard_alt')!.appliesTo).toEqual(['methotrexate', 'azathioprine', 'sulfasalazine', 'leflunomide', 'mycophenolate']);
  });
});

describe('overrides', () => {
  const base = loaded(loadRuleSet());

  it('replaces lithium with a 3-monthly local protocol', () => {
    const lithium = nationalRule('lithium');
    lithium.tests[0].phases = [{ until: '4w', every: '1w' }, { every: '3m' }];
    lithium.tests[0].modifiers = [];
    lithium.sources = [SOURCE];
    const signOff = { by: 'Dr Test', role: 'Clinical Safety Officer', on: '2026-11-20' };
    const result = loaded(loadRuleSet({ overridePath: write('lithium-3m.json', override({ rules: [lithium], signOff })) }));
    expect(result.hash).not.toBe(base.hash);
    expect(result.overridden).toEqual(['rules.lithium: replaced']);
    expect(result.ruleSet.version).toBe('2026.11.0+test-1');
    expect(result.ruleSet.signOff).toEqual(signOff);
    const rule = result.ruleSet.rules.find((r) => r.id === 'lithium')!;
    expect(rule.tests[0]!.phases).toEqual([{ until: '4w', every: '1w' }, { every: '3m' }]);
    expect(result.ruleSet.rules).toHaveLength(base.ruleSet.rules.length);
  });

  it('disables rules and thresholds, narrowing shared thresholds', () => {
    const result = loaded(loadRuleSet({ overridePath: write('disable.json', override({ disable: { rules: ['sulfasalazine'], thresholds: ['dmard_mcv'] } })) }));
    expect(result.ruleSet.rules.map((r) => r.id)).not.toContain('sulfasalazine');
    expect(result.ruleSet.thresholds.map((t) => t.id)).not.toContain('dmard_mcv');
    const wbc = result.ruleSet.thresholds.find((t) => t.id === 'dmard_wbc')!;
    expect(wbc.appliesTo).toEqual(['methotrexate', 'azathioprine', 'leflunomide', 'mycophenolate']);
    expect(result.overridden).toContain('rules.sulfasalazine: disabled');
    expect(result.overridden).toContain('thresholds.dmard_mcv: disabled');
    expect(result.overridden).toContain('thresholds.dmard_wbc: narrowed to enabled rules');
    expect(result.hash).not.toBe(base.hash);
  });

  it('merges purely, without changing the base', () => {
    const before = hashRuleSet(base.ruleSet);
    const parsed = parseRuleOverride(JSON.stringify(override({ disable: { rules: ['warfarin'] } })), 'inline.json');
    if (!parsed.ok) throw new Error(parsed.message);
    const merged = mergeRuleSet(base.ruleSet, parsed.override);
    expect(merged.ruleSet.rules.find((r) => r.id === 'warfarin')).toBeUndefined();
    expect(merged.ruleSet.thresholds.find((t) => t.id === 'warfarin_inr')).toBeUndefined();
    expect(merged.overridden).toContain('thresholds.warfarin_inr: dropped (its rules are disabled)');
    expect(hashRuleSet(base.ruleSet)).toBe(before);
  });

  it('loads the example local protocol in docs/examples', () => {
    const result = loaded(loadRuleSet({ overridePath: EXAMPLE }));
    expect(result.ruleSet.signOff?.role).toMatch(/Clinical Safety Officer/);
    const level = result.ruleSet.rules.find((r) => r.id === 'lithium')!.tests.find((t) => t.test === 'lithium_level')!;
    expect(level.phases.at(-1)).toEqual({ every: '3m' });
    expect(result.overridden).toEqual(['rules.lithium: replaced', 'effectiveFrom: 2026-11-01 → 2026-12-01']);
  });
});

describe('invalid overrides are rejected with the field and the problem', () => {
  it('bad duration', () => {
    const lithium = nationalRule('lithium');
    lithium.tests[0].phases[1].every = '3 months';
    const { problems, message } = rejected('bad-duration.json', override({ rules: [lithium] }));
    expect(problems).toContainEqual(expect.objectContaining({ path: 'rules[0] (lithium) .tests[0] (lithium_level) .phases[1].every', message: expect.stringMatching(/use a number and a unit, for example "28d"/) }));
    expect(message).toContain('bad-duration.json: rules[0] (lithium) .tests[0] (lithium_level) .phases[1].every: use a number and a unit');
  });

  it('missing sources', () => {
    const lithium = nationalRule('lithium');
    delete lithium.sources;
    lithium.tests[1].sources = [];
    const { problems } = rejected('no-sources.json', override({ rules: [lithium] }));
    expect(problems).toContainEqual(expect.objectContaining({ path: 'rules[0] (lithium) .sources', message: expect.stringMatching(/required field is missing/) }));
    expect(problems).toContainEqual(expect.objectContaining({ path: 'rules[0] (lithium) .tests[1] (renal) .sources', message: 'cite at least one source' }));
  });

  it('unknown test key', () => {
    const lithium = nationalRule('lithium');
    lithium.tests[0].test = 'lithium_lvl';
    const { problems } = rejected('bad-test.json', override({ rules: [lithium] }));
    expect(problems).toContainEqual(expect.objectContaining({ path: 'rules[0] (lithium) .tests[0] (lithium_lvl) .test', message: expect.stringMatching(/must be a panel or stand-alone test: .*lithium_level/) }));
  });

  it('unknown appliesTo rule id', () => {
    const threshold = { ...defaultJson().thresholds.find((t: Json) => t.id === 'lithium_level'), appliesTo: ['lithum'] };
    const { problems } = rejected('bad-applies.json', override({ thresholds: [threshold] }));
    expect(problems).toContainEqual(expect.objectContaining({ path: 'thresholds[0] (lithium_level) .appliesTo[0]', message: expect.stringMatching(/unknown rule id or drug "lithum"/) }));
  });

  it('a brand listed under two rules', () => {
    const extra = { id: 'lithium_mr', name: 'Lithium MR (local)', drugs: [{ key: 'lithium_mr', brands: ['PRIADEL'] }], tests: [{ test: 'lithium_level', phases: [{ every: '3m' }], sources: [SOURCE] }], sources: [SOURCE] };
    const { problems } = rejected('dup-brand.json', override({ rules: [extra] }));
    expect(problems).toContainEqual(expect.objectContaining({
      path: 'rules[0] (lithium_mr) .drugs[0] (lithium_mr) .brands[0]',
      message: expect.stringMatching(/"PRIADEL" is already listed for drug lithium in rule lithium \(default-rules\.json: rules\[5\]/),
    }));
  });

  it('threshold unit that is not the canonical unit', () => {
    const threshold = { id: 'local_creatinine', analyte: 'creatinine', appliesTo: ['lithium'], unit: 'mg/dL', bands: [{ flag: 'amber', op: '>', value: 1.5, reason: 'raised creatinine' }], inRange: 'normal', sources: [SOURCE] };
    const { problems } = rejected('bad-unit.json', override({ thresholds: [threshold] }));
    expect(problems).toContainEqual(expect.objectContaining({ path: 'thresholds[0] (local_creatinine) .unit', message: expect.stringMatching(/"mg\/dL" is not the canonical unit of creatinine; write the bands in "µmol\/L"/) }));
  });

  it('threshold on a panel that has no value', () => {
    const threshold = { id: 'local_lft', analyte: 'lft', appliesTo: 'all', unit: 'U/L', bands: [{ flag: 'red', op: '>', value: 100, reason: 'raised' }], inRange: 'normal', sources: [SOURCE] };
    const { problems } = rejected('panel.json', override({ thresholds: [threshold] }));
    expect(problems[0]).toMatchObject({ path: 'thresholds[0] (local_lft) .analyte', message: expect.stringMatching(/panel or review/) });
  });

  it('modifier naming an unknown drug, and phases out of order', () => {
    const lithium = nationalRule('lithium');
    lithium.tests[0].modifiers[1].when.drugs.push('ramiprill');
    lithium.tests[0].phases = [{ until: '1y', every: '1w' }, { until: '4w', every: '3m' }, { every: '6m' }];
    const { problems } = rejected('refs.json', override({ rules: [lithium] }));
    expect(problems).toContainEqual(expect.objectContaining({ path: expect.stringMatching(/^rules\[0\] \(lithium\) \.tests\[0\] \(lithium_level\) \.modifiers\[1\] \(lithium_interacting_drug\) \.when\.drugs\[\d+\]$/), message: expect.stringMatching(/unknown drug key "ramiprill"/) }));
    expect(problems).toContainEqual(expect.objectContaining({ path: 'rules[0] (lithium) .tests[0] (lithium_level) .phases[1].until', message: expect.stringMatching(/must be later than the previous phase/) }));
  });

  it('disabling something that does not exist', () => {
    const { problems } = rejected('disable-unknown.json', override({ disable: { rules: ['lithum'] } }));
    expect(problems).toEqual([{ file: expect.stringContaining('disable-unknown.json'), path: 'disable.rules[0]', message: 'there is no rule "lithum" to disable' }]);
  });

  it('unknown field', () => {
    const { problems } = rejected('unknown-field.json', override({ rule: [] }));
    expect(problems).toContainEqual(expect.objectContaining({ path: '(top level)', message: expect.stringMatching(/unknown field "rule"/) }));
  });

  it('JSON syntax error, with line and column', () => {
    const text = '{\n  "version": "x",\n  "rules": [],\n}\n';
    const result = rejected('syntax.json', text, 'RULES.BAD_JSON');
    expect(result.problems[0]!.path).toBe('line 4, column 1');
    expect(result.message).toMatch(/syntax\.json is not valid JSON: line 4, column 1/);
    const truncated = rejected('truncated.json', '{\n  "version": "x",\n  "rules": [\n', 'RULES.BAD_JSON');
    expect(truncated.problems[0]!.path).toBe('line 4, column 1');
    const badLiteral = rejected('literal.json', '{\n  "version": tru\n}', 'RULES.BAD_JSON');
    expect(badLiteral.problems[0]!.path).toBe('line 2, column 14');
  });

  it('missing override file', () => {
    const path = join(dir, 'does-not-exist.json');
    const result = failed(loadRuleSet({ overridePath: path }));
    expect(result.code).toBe('RULES.NOT_FOUND');
    expect(result.message).toContain(path);
  });
});

describe('describeRule and listRules', () => {
  const ruleSet: RuleSet = loaded(loadRuleSet()).ruleSet;

  it('lists every rule on its own line under the version and sign-off status', () => {
    const text = listRules(ruleSet);
    expect(text.split('\n')[0]).toBe('Rules 2026.11.0 (effective 2026-11-01): not signed off — a clinical safety officer must sign off before go-live');
    for (const rule of ruleSet.rules) expect(text).toMatch(new RegExp(`^${rule.id} .*${rule.drugs[0]!.key}`, 'm'));
  });

  it('describes a rule found by brand, with phases in words and sources', () => {
    const text = describeRule(ruleSet, 'clozaril')!;
    expect(text).toContain('fbc: baseline before starting, then every 1 week until week 18, then every 2 weeks until week 52, then every 4 weeks');
    expect(text).toContain('continues for 4 weeks after the drug is stopped');
    expect(text).toMatch(/red if < 3: RED: stop clozapine/);
    expect(text).toContain('https://ztas-forms.com/Forms/OffLicence/Create');
    const lithium = describeRule(ruleSet, 'Priadel')!;
    expect(lithium).toContain('after a dose change: every 1 week until week 1, then stops');
    expect(lithium).toContain('at least every 3 months while aged 65 or over');
    expect(lithium).toContain('https://www.sps.nhs.uk/monitorings/lithium-monitoring/');
    expect(describeRule(ruleSet, 'sulfasalazine')).toContain('every 12 weeks until month 12, then no routine monitoring');
  });

  it('explains interacting drugs and returns null for unknown names', () => {
    expect(describeRule(ruleSet, 'Ramipril')).toMatch(/ramipril \(ACE inhibitor\) is not monitored on its own[\s\S]*Lithium \[rule lithium\] lithium_level: at least every 3 months/);
    expect(describeRule(ruleSet, 'paracetamol')).toBeNull();
  });

  it('shows the variants of each rule by patient attribute, age and co-prescription, and the rules a drug changes', () => {
    const clozapine = describeRule(ruleSet, 'Clozaril')!;
    expect(clozapine).toMatch(/neutrophils \(10\^9\/L\), only while benign ethnic neutropenia \(flag ben\) \[clozapine_neutrophils_ben\][\s\S]*red if < 1: /);
    expect(clozapine).toMatch(/qtc \(ms\), only while recorded sex female \[antipsychotic_qtc_female\][\s\S]*amber if >= 470/);
    expect(clozapine).toContain('prolactin (only while aged under 18): every 6 months');
    expect(describeRule(ruleSet, 'warfarin')).toContain('amber if > INR target + 0.5');
    expect(describeRule(ruleSet, 'Epilim') ?? describeRule(ruleSet, 'sodium_valproate')).toContain('medication_review (only while could become pregnant (flag pregnancy_possible))');
    expect(describeRule(ruleSet, 'amiodarone')).toMatch(/Changes the monitoring of:\n {2}Warfarin \[rule warfarin\] inr: at least every 1 week while monitored drug \(amiodarone\) started in the last 7 weeks/);
    expect(describeRule(ruleSet, 'leflunomide')).toContain('every 2 months (SPS gives every 2–3 months; the safer end is taken');
  });

  it('shows the sign-off of an override', () => {
    const signed = loaded(loadRuleSet({ overridePath: EXAMPLE })).ruleSet;
    expect(listRules(signed).split('\n')[0]).toBe('Rules 2026.11.0+example-icb-2026.12.0 (effective 2026-12-01): signed off by Dr A. Example (Clinical Safety Officer, Example ICB (DCB0160)) on 2026-11-20');
  });
});
