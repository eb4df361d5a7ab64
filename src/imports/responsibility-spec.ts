/**
 * The register's `responsible_org` / `responsible_staff` mini-grammar.
 *
 *   responsible_org   := assignment-org | entry-org (";" entry-org)*
 *   assignment-org    := org-type [":" org-name]            e.g. hospital_clinic:Rheumatology clinic
 *   entry-org         := test "=" assignment-org            e.g. lithium_level=mh_trust
 *   responsible_staff := staff | entry-staff (";" entry-staff)*
 *   entry-staff       := test "=" staff                     e.g. lithium_level=j.bloggs@nhs.net
 *   test              := a requirement key (or a label/code naming one, such as "U&E") | "*"
 *
 * A plain org applies to every test of the drug and is stored as test "*". Under shared care the
 * split is usually per test (the trust does lithium levels, the practice renal function), which
 * is why the per-test form exists. Staff follow the org rows: a plain staff value applies to every
 * row; in the per-test form a test's staff is its own entry, else the "*" entry, else none.
 */
import { orgTypeSchema, type OrgType } from '../domain/rules/schema.js';
import { REQUIREMENT_KEYS, requirementKeyOf, resolveTestKey, type TestKey } from '../domain/test-keys.js';
import { unsafeTextProblem } from '../domain/text-safety.js';
import { quote } from './problems.js';

export interface ResponsibilityEntry {
  /** A requirement key, or "*" for every test of the drug not named separately. */
  test: TestKey | '*';
  orgType: OrgType;
  orgName: string | null;
  staff: string | null;
}

export interface SpecProblem {
  column: 'responsible_org' | 'responsible_staff';
  message: string;
}

export type SpecResult = { ok: true; entries: ResponsibilityEntry[] } | { ok: false; problems: SpecProblem[] };

const ORG_TYPES = orgTypeSchema.options;
const MAX_TEXT = 200;
/** Control and bidirectional characters (a line break from a quoted cell, say) would end up in chat messages. */
const unsafe = (value: string) => {
  const problem = unsafeTextProblem(value);
  return problem === null ? null : `${problem}; remove it`;
};

/**
 * Parses both columns for one register row.
 * @param drugTests requirement keys the drug's rule monitors (empty for a drug that only changes
 *   other drugs' schedules); per-test entries must name one of them.
 */
export function parseResponsibility(orgRaw: string, staffRaw: string, drugTests: readonly TestKey[]): SpecResult {
  const problems: SpecProblem[] = [];
  const org = orgRaw.trim();
  const staff = staffRaw.trim();
  if (org === '') {
    if (staff !== '') problems.push({ column: 'responsible_staff', message: 'responsible_staff needs responsible_org on the same row (who employs them?)' });
    return problems.length > 0 ? { ok: false, problems } : { ok: true, entries: [] };
  }

  const orgs = new Map<TestKey | '*', { orgType: OrgType; orgName: string | null }>();
  if (!org.includes('=')) {
    const assignment = parseOrg(org);
    if (typeof assignment === 'string') problems.push({ column: 'responsible_org', message: assignment });
    else orgs.set('*', assignment);
  } else {
    for (const [test, assignment] of entries(org, 'responsible_org', drugTests, problems, parseOrg)) orgs.set(test, assignment);
  }

  const staffFor = new Map<TestKey | '*', string>();
  let plainStaff: string | null = null;
  if (staff !== '' && !staff.includes('=')) {
    const problem = checkStaff(staff);
    if (problem) problems.push({ column: 'responsible_staff', message: problem });
    plainStaff = staff;
  } else if (staff !== '') {
    const parseStaff = (value: string) => checkStaff(value) ?? { staff: value };
    for (const [test, { staff: name }] of entries(staff, 'responsible_staff', drugTests, problems, parseStaff)) staffFor.set(test, name);
    for (const test of staffFor.keys()) {
      // A staff entry for a test the org column does not assign inherits the "*" org; with no
      // "*" there is no org to put them under, which is almost certainly a mistake in the file.
      if (!orgs.has(test) && !orgs.has('*')) {
        problems.push({ column: 'responsible_staff', message: `names ${test} but responsible_org does not assign ${test} (add ${test}=… or *=… to responsible_org)` });
      }
    }
  }
  if (problems.length > 0) return { ok: false, problems };

  for (const test of staffFor.keys()) {
    if (!orgs.has(test)) orgs.set(test, orgs.get('*')!);
  }
  const result: ResponsibilityEntry[] = [];
  for (const [test, assignment] of orgs) {
    result.push({ test, ...assignment, staff: plainStaff ?? staffFor.get(test) ?? staffFor.get('*') ?? null });
  }
  return { ok: true, entries: result };
}

/**
 * Splits `test=value;test=value`, resolving each test and parsing each value with `parse` (which
 * returns a message when the value is wrong). Problems go to `problems` in the order written.
 */
function entries<T extends object>(
  text: string,
  column: SpecProblem['column'],
  drugTests: readonly TestKey[],
  problems: SpecProblem[],
  parse: (value: string) => T | string,
): Array<[TestKey | '*', T]> {
  const out: Array<[TestKey | '*', T]> = [];
  const seen = new Set<string>();
  // A trailing ";" is common in hand-edited cells and harmless.
  const parts = text.split(';').map((p) => p.trim()).filter((p) => p !== '');
  for (const part of parts) {
    const eq = part.indexOf('=');
    if (eq === -1) {
      problems.push({ column, message: `${quote(part)} is not in the form test=value; once one entry names a test, every entry must (use *=… for the rest)` });
      continue;
    }
    const rawTest = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    const test = resolveEntryTest(rawTest, drugTests);
    if (typeof test === 'object') {
      problems.push({ column, message: test.problem });
      continue;
    }
    if (seen.has(test)) {
      problems.push({ column, message: `${test} is assigned more than once` });
      continue;
    }
    seen.add(test);
    if (value === '') {
      problems.push({ column, message: `${test}= has no value` });
      continue;
    }
    const parsed = parse(value);
    if (typeof parsed === 'string') problems.push({ column, message: `${test}: ${parsed}` });
    else out.push([test, parsed]);
  }
  return out;
}

function resolveEntryTest(raw: string, drugTests: readonly TestKey[]): TestKey | '*' | { problem: string } {
  if (raw === '*') return '*';
  if (raw === '') return { problem: 'an entry has no test before "="' };
  const key = resolveTestKey(raw);
  if (key === null) return { problem: `${quote(raw)} is not a known test; use one of ${REQUIREMENT_KEYS.join(', ')} or *` };
  if (requirementKeyOf(key) !== key) {
    return { problem: `${quote(raw)} is part of ${requirementKeyOf(key)}; responsibility is held per requirement, so name ${requirementKeyOf(key)}` };
  }
  if (!drugTests.includes(key)) {
    const monitored = drugTests.length > 0 ? `its tests are ${drugTests.join(', ')}` : 'it has no monitoring of its own, so only a plain org or *=… applies';
    return { problem: `${key} is not monitored for this drug; ${monitored}` };
  }
  return key;
}

/** `gp_practice`, `MH_TRUST`, `hospital_clinic:Rheumatology clinic`, or a message saying why not. */
function parseOrg(text: string): { orgType: OrgType; orgName: string | null } | string {
  const colon = text.indexOf(':');
  const rawType = (colon === -1 ? text : text.slice(0, colon)).trim();
  const name = colon === -1 ? '' : text.slice(colon + 1).trim();
  const orgType = ORG_TYPES.find((t) => t === rawType.toLowerCase().replace(/[\s-]+/g, '_'));
  if (orgType === undefined) {
    return `${quote(rawType)} is not an organisation type; use ${ORG_TYPES.join(', ')} (optionally with a name, as in hospital_clinic:Rheumatology clinic)`;
  }
  if (colon !== -1 && name === '') return `nothing after "${rawType}:"; give the organisation's name or drop the colon`;
  if (name.length > MAX_TEXT) return `organisation name is longer than ${MAX_TEXT} characters`;
  if (unsafe(name) !== null) return `organisation name ${unsafe(name)}`;
  return { orgType, orgName: name === '' ? null : name };
}

/** Staff is free text (a name) or an email address; only obviously broken values are refused. */
function checkStaff(value: string): string | null {
  if (value.length > MAX_TEXT) return `longer than ${MAX_TEXT} characters`;
  if (unsafe(value) !== null) return unsafe(value);
  if (value.includes('@') && !/^[^\s@;]+@[^\s@;]+\.[^\s@;]+$/.test(value)) return `${quote(value)} looks like an email address but is not a valid one`;
  return null;
}
