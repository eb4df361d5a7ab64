/**
 * Loads the national default rule set and an organisation's optional override file, merges them
 * and checks the result. Every problem is reported with the file, a readable field path that
 * names the rule ("rules[2] (lithium) .tests[0].phases[1].every") and what to write instead,
 * because the person fixing a local protocol file is a pharmacist, not a developer.
 *
 * The schema (schema.ts) checks each field; this module adds what a schema cannot see: ids and
 * drug names that must be unique across the whole (merged) set, references between rules,
 * thresholds and modifiers, and units that must match the analyte.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { z } from 'zod';
import { DEFAULT_RULES_FILE } from '../paths.js';
import { ruleOverrideSchema, ruleSetSchema, type RuleOverride, type RuleSet } from '../domain/rules/schema.js';
import { checkRuleSet, locateIn, type Locate, type RuleProblem } from './check.js';

export type RuleErrorCode = 'RULES.INVALID' | 'RULES.NOT_FOUND' | 'RULES.BAD_JSON';
export type { RuleProblem } from './check.js';
export type LoadFailure = { ok: false; code: RuleErrorCode; message: string; problems: RuleProblem[] };
export type LoadResult =
  | { ok: true; ruleSet: RuleSet; /** sha256 of the canonical JSON */ hash: string; overridden: string[] }
  | LoadFailure;

/** The national default, read from disk (not a JSON import) so deployments can diff and replace it. */
export const DEFAULT_RULES_PATH = DEFAULT_RULES_FILE;

/** The message lists every problem, unless the headline already says it all (unreadable file, bad JSON). */
function failure(code: RuleErrorCode, headline: string, problems: RuleProblem[], listProblems = true): LoadFailure {
  const lines = listProblems ? problems.map((p) => `  - ${p.file ? `${p.file}: ` : ''}${p.path}: ${p.message}`) : [];
  return { ok: false, code, message: [headline, ...lines].join('\n'), problems };
}

// ---------------------------------------------------------------------------------------------
// JSON syntax errors with line and column. Node 20's JSON.parse gives a character offset for
// some errors and none for others, so a small scanner finds the first offending character.

class JsonStop { constructor(readonly at: number) {} }

function jsonErrorOffset(text: string): number {
  let i = 0;
  const stop = (): never => { throw new JsonStop(i); };
  const ws = (): void => { while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++; };
  const str = (): void => {
    i++;
    while (i < text.length) {
      const c = text[i]!;
      if (c === '"') { i++; return; }
      if (c < ' ') stop();
      i += c === '\\' ? (text[i + 1] === 'u' ? 6 : 2) : 1;
    }
    stop();
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '"') return str();
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i++; ws();
      if (text[i] === close) { i++; return; }
      for (;;) {
        if (c === '{') { ws(); if (text[i] !== '"') stop(); str(); ws(); if (text[i] !== ':') stop(); i++; }
        value(); ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === close) { i++; return; }
        stop();
      }
    }
    const literal = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 64));
    if (!literal) stop();
    i += literal![0].length;
  };
  try { value(); ws(); if (i < text.length) stop(); } catch (e) { if (e instanceof JsonStop) return e.at; throw e; }
  return text.length;
}

function parseJson(text: string, file: string): { ok: true; value: unknown } | LoadFailure {
  const clean = text.replace(/^\uFEFF/, '');
  try {
    return { ok: true, value: JSON.parse(clean) };
  } catch (error) {
    const offset = jsonErrorOffset(clean);
    const before = clean.slice(0, offset).split('\n');
    const line = before.length;
    const column = before[before.length - 1]!.length + 1;
    const detail = (error as Error).message.replace(/ in JSON at position \d+.*$/s, '').replace(/, ".*" is not valid JSON$/s, '');
    const near = offset < clean.length ? `near ${JSON.stringify(clean.slice(offset, offset + 12))}` : 'at the end of the file';
    const problem = { file, path: `line ${line}, column ${column}`, message: `${detail} (${near})` };
    return failure('RULES.BAD_JSON', `${file} is not valid JSON: line ${line}, column ${column}: ${problem.message}`, [problem], false);
  }
}

// ---------------------------------------------------------------------------------------------
// Schema errors: zod paths become readable paths that name the rule/test/threshold involved.

function labelOf(node: unknown): string | null {
  if (typeof node !== 'object' || node === null) return null;
  const record = node as Record<string, unknown>;
  for (const field of ['id', 'key', 'test']) if (typeof record[field] === 'string') return record[field];
  return null;
}

/** ['rules', 2, 'tests', 0, 'every'] → "rules[2] (lithium) .tests[0] (lithium_level) .every". */
export function readablePath(path: readonly PropertyKey[], root: unknown): string {
  let out = '';
  let node: unknown = root;
  for (const segment of path) {
    if (typeof segment === 'number') {
      node = Array.isArray(node) ? node[segment] : undefined;
      const label = labelOf(node);
      out += `[${segment}]${label ? ` (${label}) ` : ''}`;
    } else {
      const key = String(segment);
      out += `${out === '' ? '' : '.'}${key}`;
      node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : undefined;
    }
  }
  return out.trim() || '(top level)';
}

function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && /received undefined$/.test(issue.message)) return `required field is missing (expected ${issue.expected})`;
  if (issue.code === 'unrecognized_keys') {
    return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}: check the spelling against the rule-set format`;
  }
  if (issue.code === 'invalid_union' && issue.path[issue.path.length - 1] === 'appliesTo') return 'use "all" or a list of rule ids or drug keys, for example ["lithium"] or ["dabigatran"]';
  // zod's own size messages ("Too small: expected string to have >=3 characters"); custom ones are kept.
  if (issue.code === 'too_small' && issue.message.startsWith('Too small')) {
    if (issue.origin === 'string') return `too short: write at least ${issue.minimum} characters`;
    if (issue.origin === 'array') return `needs at least ${issue.minimum} item${Number(issue.minimum) === 1 ? '' : 's'}`;
  }
  return issue.message;
}

function schemaProblems(error: z.ZodError, root: unknown, file: string): RuleProblem[] {
  return error.issues.map((issue) => ({ file, path: readablePath(issue.path, root), message: issueMessage(issue) }));
}

// ---------------------------------------------------------------------------------------------

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Parses and validates a complete rule set (the national default or a full replacement). */
export function parseRuleSet(text: string, file: string): { ok: true; ruleSet: RuleSet } | LoadFailure {
  const json = parseJson(text, file);
  if (!json.ok) return json;
  const parsed = ruleSetSchema.safeParse(json.value);
  if (parsed.success) return { ok: true, ruleSet: parsed.data };
  const problems = schemaProblems(parsed.error, json.value, file);
  return failure('RULES.INVALID', `${file} is not a valid rule set (${plural(problems.length, 'problem')}):`, problems);
}

/** Parses an organisation's override file; cross-references are checked after merging. */
export function parseRuleOverride(text: string, file: string): { ok: true; override: RuleOverride } | LoadFailure {
  const json = parseJson(text, file);
  if (!json.ok) return json;
  const parsed = ruleOverrideSchema.safeParse(json.value);
  const problems = parsed.success ? duplicateProblems(parsed.data, file) : schemaProblems(parsed.error, json.value, file);
  if (parsed.success && problems.length === 0) return { ok: true, override: parsed.data };
  return failure('RULES.INVALID', `${file} is not a valid rule override (${plural(problems.length, 'problem')}):`, problems);
}

/** Within one override file an id may appear once, and not both replaced and disabled. */
function duplicateProblems(override: RuleOverride, file: string): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const lists = [
    ['rules', override.rules.map((r) => r.id), override.disable.rules],
    ['thresholds', override.thresholds.map((t) => t.id), override.disable.thresholds],
    ['trends', override.trends.map((t) => t.id), override.disable.trends],
    ['interactingDrugs', override.interactingDrugs.map((d) => d.key), []],
  ] as const;
  for (const [list, ids, disabled] of lists) {
    ids.forEach((id, i) => {
      const first = ids.indexOf(id);
      if (first !== i) problems.push({ file, path: `${list}[${i}] (${id})`, message: `"${id}" appears twice in this file (also ${list}[${first}])` });
      if ((disabled as readonly string[]).includes(id)) problems.push({ file, path: `${list}[${i}] (${id})`, message: `"${id}" is both replaced and listed in disable.${list}; do one or the other` });
    });
  }
  return problems;
}

function replaceById<T>(base: readonly T[], extra: readonly T[], idOf: (item: T) => string, list: string, overridden: string[]): T[] {
  const result = [...base];
  for (const item of extra) {
    const at = result.findIndex((b) => idOf(b) === idOf(item));
    if (at >= 0) result[at] = item;
    else result.push(item);
    overridden.push(`${list}.${idOf(item)}: ${at >= 0 ? 'replaced' : 'added'}`);
  }
  return result;
}

export interface MergeResult { ruleSet: RuleSet; overridden: string[]; problems: RuleProblem[] }

/**
 * Applies an override to a base rule set (pure). Items are replaced whole by id or added; disabled
 * rules also drop out of the base thresholds and trends that named them (a threshold left with no
 * rule is dropped). The result carries the override's sign-off only: a sign-off of the base does
 * not cover local changes. `overridden` lists every change as "rules.lithium: replaced".
 */
export function mergeRuleSet(base: RuleSet, override: RuleOverride): MergeResult {
  const overridden: string[] = [];
  const problems: RuleProblem[] = [];
  let rules = replaceById(base.rules, override.rules, (r) => r.id, 'rules', overridden);
  let thresholds = replaceById(base.thresholds, override.thresholds, (t) => t.id, 'thresholds', overridden);
  let trends = replaceById(base.trends, override.trends, (t) => t.id, 'trends', overridden);
  const interactingDrugs = replaceById(base.interactingDrugs, override.interactingDrugs, (d) => d.key, 'interactingDrugs', overridden);

  const disable = <T>(items: T[], ids: string[], idOf: (item: T) => string, list: keyof RuleOverride['disable']): T[] => {
    ids.forEach((id, i) => {
      if (items.some((item) => idOf(item) === id)) overridden.push(`${list}.${id}: disabled`);
      else problems.push({ path: `disable.${list}[${i}]`, message: `there is no ${list.slice(0, -1)} "${id}" to disable` });
    });
    return items.filter((item) => !ids.includes(idOf(item)));
  };
  rules = disable(rules, override.disable.rules, (r) => r.id, 'rules');
  thresholds = disable(thresholds, override.disable.thresholds, (t) => t.id, 'thresholds');
  trends = disable(trends, override.disable.trends, (t) => t.id, 'trends');

  // A disabled rule takes its drugs with it: thresholds may name a drug of the rule ("dabigatran").
  const gone = new Set([...override.disable.rules, ...base.rules.filter((r) => override.disable.rules.includes(r.id)).flatMap((r) => r.drugs.map((d) => d.key))]);
  const fromOverride = new Set([...override.thresholds.map((t) => t.id), ...override.trends.map((t) => t.id)]);
  const prune = <T extends { id: string; appliesTo: 'all' | string[] }>(items: T[], list: string): T[] => items.flatMap((item) => {
    if (item.appliesTo === 'all' || fromOverride.has(item.id) || !item.appliesTo.some((id) => gone.has(id))) return [item];
    const kept = item.appliesTo.filter((id) => !gone.has(id));
    overridden.push(`${list}.${item.id}: ${kept.length === 0 ? 'dropped (its rules are disabled)' : 'narrowed to enabled rules'}`);
    return kept.length === 0 ? [] : [{ ...item, appliesTo: kept }];
  });

  const ruleSet: RuleSet = {
    ...base,
    version: `${base.version}+${override.version}`,
    effectiveFrom: override.effectiveFrom ?? base.effectiveFrom,
    signOff: override.signOff,
    dueSoonDays: override.dueSoonDays ?? base.dueSoonDays,
    baselineWindowDays: override.baselineWindowDays ?? base.baselineWindowDays,
    rules,
    interactingDrugs,
    thresholds: prune(thresholds, 'thresholds'),
    trends: prune(trends, 'trends'),
    crclEstimate: override.crclEstimate ?? base.crclEstimate,
  };
  if (override.crclEstimate) overridden.push('crclEstimate: replaced');
  if (ruleSet.signOff === undefined) delete ruleSet.signOff;
  if (ruleSet.crclEstimate === undefined) delete ruleSet.crclEstimate;
  for (const setting of ['effectiveFrom', 'dueSoonDays', 'baselineWindowDays'] as const) {
    if (override[setting] !== undefined && override[setting] !== base[setting]) overridden.push(`${setting}: ${base[setting]} → ${override[setting]}`);
  }
  return { ruleSet, overridden, problems };
}

// ---------------------------------------------------------------------------------------------
// Cross-reference checks on the merged set. Problems point at the file and entry that holds the
// item (the override when it replaced or added it), so a local author edits the right file.

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v ?? null)).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function hashRuleSet(ruleSet: RuleSet): string {
  return createHash('sha256').update(canonicalJson(ruleSet)).digest('hex');
}

function readText(path: string): { ok: true; text: string } | LoadFailure {
  try {
    return { ok: true, text: readFileSync(path, 'utf8') };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    const message = code === 'ENOENT' ? 'file not found' : `cannot read the file (${code})`;
    return failure('RULES.NOT_FOUND', `Rule file ${path}: ${message}`, [{ file: path, path: '(file)', message }], false);
  }
}

/**
 * Loads the default rule set and, when given, an override file; returns the merged, checked set
 * with its hash (recorded with every computed due list) or every problem found.
 */
export function loadRuleSet(options: { overridePath?: string; defaultPath?: string } = {}): LoadResult {
  const defaultPath = options.defaultPath ?? DEFAULT_RULES_PATH;
  const baseFile = options.defaultPath ? defaultPath : basename(defaultPath);
  const baseText = readText(defaultPath);
  if (!baseText.ok) return baseText;
  const base = parseRuleSet(baseText.text, baseFile);
  if (!base.ok) return base;

  let ruleSet = base.ruleSet;
  let overridden: string[] = [];
  let locate: Locate = locateIn(base.ruleSet, baseFile);
  if (options.overridePath !== undefined) {
    const file = options.overridePath;
    const text = readText(file);
    if (!text.ok) return text;
    const parsed = parseRuleOverride(text.text, file);
    if (!parsed.ok) return parsed;
    const merged = mergeRuleSet(base.ruleSet, parsed.override);
    if (merged.problems.length > 0) {
      const problems = merged.problems.map((p) => ({ ...p, file }));
      return failure('RULES.INVALID', `${file} cannot be applied to ${baseFile}:`, problems);
    }
    const recheck = ruleSetSchema.safeParse(merged.ruleSet);
    if (!recheck.success) {
      return failure('RULES.INVALID', `${file}: the merged rule set is not valid:`, schemaProblems(recheck.error, merged.ruleSet, file));
    }
    ruleSet = recheck.data;
    overridden = merged.overridden;
    locate = locateIn(base.ruleSet, baseFile, parsed.override, file);
  }

  const problems = checkRuleSet(ruleSet, locate);
  if (problems.length > 0) {
    const files = [...new Set(problems.map((p) => p.file))].join(' and ');
    return failure('RULES.INVALID', `Rule set from ${files} has ${plural(problems.length, 'problem')}:`, problems);
  }
  return { ok: true, ruleSet, hash: hashRuleSet(ruleSet), overridden };
}
