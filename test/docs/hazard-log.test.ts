/**
 * The clinical hazard log (docs/safety/hazard-log.md) claims that named tests prove each
 * mitigation. A claim nobody can check is worth little in a safety case, so this reads the log and
 * holds it to the repository: every test it names exists under exactly that name, every code path
 * it names exists, every hazard has all its fields, and every rating is the matrix's, with the
 * residual no higher than the initial risk. A renamed test or a moved file then fails here and
 * reopens the entry, rather than leaving the log quietly wrong. The shape it reads is described in
 * the log itself ("How an entry is written").
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const LOG = 'docs/safety/hazard-log.md';

// ---------------------------------------------------------------------------------------------
// The scoring scheme, restated from the log's introduction (DCB0129 implementation guidance).

const SEVERITIES = ['Minor', 'Significant', 'Considerable', 'Major', 'Catastrophic'] as const;
const LIKELIHOODS = ['Very low', 'Low', 'Medium', 'High', 'Very high'] as const;
/** RISK[likelihood - 1][severity - 1]: a lookup, not a product. */
const RISK = [
  [1, 1, 2, 2, 3],
  [1, 2, 2, 3, 4],
  [2, 2, 3, 3, 4],
  [2, 3, 3, 4, 5],
  [3, 4, 4, 5, 5],
] as const;
const BANDS = ['acceptable', 'acceptable if reduction impractical', 'undesirable', 'mandatory reduction', 'unacceptable'] as const;
const STATUSES = ['Open', 'Transferred', 'Closed'];
const FIELDS = [
  'Causes', 'Effect on the patient', 'Initial risk', 'Mitigations', 'Residual risk', 'Tests',
  'Residual risks and open items', 'Status', 'Owner',
] as const;
type Field = (typeof FIELDS)[number];

// ---------------------------------------------------------------------------------------------
// Reading the log

interface Hazard { id: string; title: string; fields: Map<string, string> }
interface Risk { severity: number; likelihood: number; risk: number }
interface NamedTest { file: string; name: string }

function parseHazards(markdown: string): Hazard[] {
  const sections = markdown.split(/^(?=### HAZ-)/m).filter((part) => part.startsWith('### HAZ-'));
  return sections.map((section) => {
    const [heading = '', ...lines] = section.split('\n');
    const [, id = '', title = ''] = /^### (HAZ-\d+): (.+)$/.exec(heading) ?? [];
    const fields = new Map<string, string>();
    let current: string | null = null;
    for (const line of lines) {
      const field = /^- \*\*(.+?):\*\*\s?(.*)$/.exec(line);
      if (field) {
        current = field[1]!;
        fields.set(current, field[2]!);
      } else if (current !== null && line.trim() !== '' && !line.startsWith('#')) {
        fields.set(current, `${fields.get(current)}\n${line}`);
      }
    }
    return { id, title: title.trim(), fields };
  });
}

function parseRisk(text: string): Risk | string {
  const m = /^severity (\d) \(([A-Za-z ]+)\) × likelihood (\d) \(([A-Za-z ]+)\) → risk (\d) \(([a-z ]+)\)$/.exec(text.trim());
  if (!m) return `"${text.trim()}" is not "severity N (Name) × likelihood N (Name) → risk N (band)"`;
  const [severity, likelihood, risk] = [Number(m[1]), Number(m[3]), Number(m[5])];
  if (SEVERITIES[severity - 1] !== m[2]) return `severity ${severity} is ${SEVERITIES[severity - 1] ?? 'not on the scale'}, not ${m[2]}`;
  if (LIKELIHOODS[likelihood - 1] !== m[4]) return `likelihood ${likelihood} is ${LIKELIHOODS[likelihood - 1] ?? 'not on the scale'}, not ${m[4]}`;
  const expected = RISK[likelihood - 1]![severity - 1]!;
  if (risk !== expected) return `the matrix gives risk ${expected} for severity ${severity} × likelihood ${likelihood}, not ${risk}`;
  if (BANDS[risk - 1] !== m[6]) return `risk ${risk} is "${BANDS[risk - 1]}", not "${m[6]}"`;
  return { severity, likelihood, risk };
}

/** A Markdown code span at the start of `text`: its content, as CommonMark reads it. */
function codeSpan(text: string): { content: string; rest: string } | null {
  const open = /^`+/.exec(text)?.[0];
  if (!open) return null;
  const close = new RegExp(`(?<!\`)${open}(?!\`)`).exec(text.slice(open.length));
  if (!close) return null;
  let content = text.slice(open.length, open.length + close.index);
  if (content.length > 2 && content.startsWith(' ') && content.endsWith(' ')) content = content.slice(1, -1);
  return { content, rest: text.slice(open.length + close.index + open.length) };
}

function parseTests(text: string): (NamedTest | string)[] {
  return text.split('\n').filter((line) => line.trim() !== '').map((line) => {
    const item = /^\s*- (.*)$/.exec(line)?.[1];
    const file = item === undefined ? null : codeSpan(item);
    const arrow = file ? /^ › (.*)$/.exec(file.rest)?.[1] : undefined;
    const name = arrow === undefined ? null : codeSpan(arrow);
    if (!file || !name || name.rest.trim() !== '') return `"${line.trim()}" is not "- \`file\` › \`test name\`"`;
    return { file: file.content, name: name.content };
  });
}

function parseMitigations(text: string): string[] {
  return text.split(/\n(?=\s*\d+\. )/).map((item) => item.trim()).filter((item) => item !== '');
}

/** Backticked tokens that name a file or folder of this repository. */
function repoPaths(text: string): string[] {
  return [...text.matchAll(/`((?:src|adapters|test|docs|migrations|bench|scripts)\/[\w./-]*)`/g)].map((m) => m[1]!);
}

// ---------------------------------------------------------------------------------------------
// Reading test titles from the test sources, with the TypeScript parser rather than a regular
// expression, so multi-line calls, escaped quotes and it.each(...)(...) read as vitest reads them.

interface TestTitle { title: string; each: boolean; skipped: boolean }

/** The title of every it/test call, as written in the source (placeholders and ${…} kept). */
function testTitles(file: string, source: string): TestTitle[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true);
  const titles: TestTitle[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node)) {
      const each = ts.isCallExpression(node.expression);
      const callee = (each ? (node.expression as ts.CallExpression).expression : node.expression).getText(sf);
      const arg = node.arguments[0];
      if (/^(it|test)(\.(each|concurrent|only|skip|todo|fails))*$/.test(callee) && arg) {
        // A skipped or unwritten test proves nothing, so it is kept only to be refused by name.
        const skipped = /\.(skip|todo)\b/.test(callee);
        if (ts.isStringLiteral(arg) || ts.isNoSubstitutionTemplateLiteral(arg)) titles.push({ title: arg.text, each, skipped });
        else if (ts.isTemplateExpression(arg)) titles.push({ title: arg.getText(sf).slice(1, -1), each: true, skipped });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return titles;
}

/**
 * Whether `name` names the test titled `title`: exactly as written, or, for an it.each or
 * template title, as one rendered case (each placeholder standing for some text). A title that is
 * mostly placeholders ("%s") is matched only as written, or it would match any name at all.
 */
function namesTest(name: string, title: TestTitle): boolean {
  if (name === title.title) return true;
  if (!title.each) return false;
  const placeholder = /%[sdifjoO#%]|\$\{[^}]*\}|\$[A-Za-z_][\w.]*/g;
  if (title.title.replace(placeholder, '').trim().length < 12) return false;
  const parts = title.title.split(placeholder).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('.+?')}$`, 's').test(name);
}

// ---------------------------------------------------------------------------------------------
// The checks, over a file set so each can also be shown to catch what it is for.

interface Repo { read(file: string): string | null; exists(file: string): boolean }

const disk: Repo = {
  read: (file) => (fs.existsSync(path.join(ROOT, file)) ? fs.readFileSync(path.join(ROOT, file), 'utf8') : null),
  exists: (file) => fs.existsSync(path.join(ROOT, file)),
};

function fieldProblems(hazards: Hazard[]): string[] {
  const problems: string[] = [];
  hazards.forEach((h, i) => {
    const expectedId = `HAZ-${String(i + 1).padStart(3, '0')}`;
    if (h.id !== expectedId) problems.push(`hazard ${i + 1} is numbered ${h.id || '(none)'}, expected ${expectedId}`);
    if (h.title === '') problems.push(`${h.id}: no title`);
    const present = [...h.fields.keys()];
    for (const field of FIELDS) if (!(h.fields.get(field) ?? '').trim()) problems.push(`${h.id}: ${field} is missing or empty`);
    const unknown = present.filter((f) => !(FIELDS as readonly string[]).includes(f));
    if (unknown.length > 0) problems.push(`${h.id}: unknown field(s) ${unknown.join(', ')}`);
    const order = present.filter((f) => (FIELDS as readonly string[]).includes(f));
    if (order.join('|') !== FIELDS.filter((f) => present.includes(f)).join('|')) problems.push(`${h.id}: fields out of order`);
    const status = h.fields.get('Status')?.trim();
    if (status !== undefined && !STATUSES.includes(status)) problems.push(`${h.id}: status "${status}" is not one of ${STATUSES.join(', ')}`);
  });
  return problems;
}

function ratingProblems(hazards: Hazard[]): string[] {
  const problems: string[] = [];
  for (const h of hazards) {
    const read = (field: Field) => {
      const risk = parseRisk(h.fields.get(field) ?? '');
      if (typeof risk === 'string') problems.push(`${h.id}: ${field}: ${risk}`);
      return typeof risk === 'string' ? null : risk;
    };
    const initial = read('Initial risk');
    const residual = read('Residual risk');
    if (!initial || !residual) continue;
    for (const part of ['risk', 'severity', 'likelihood'] as const) {
      if (residual[part] > initial[part]) problems.push(`${h.id}: residual ${part} ${residual[part]} is higher than the initial ${initial[part]}`);
    }
  }
  return problems;
}

function mitigationProblems(hazards: Hazard[], repo: Repo): string[] {
  const problems: string[] = [];
  for (const h of hazards) {
    parseMitigations(h.fields.get('Mitigations') ?? '').forEach((item, i) => {
      if (!/^\d+\. /.test(item)) problems.push(`${h.id}: mitigation ${i + 1} is not a numbered item`);
      else if (!/^\d+\. \*\*(Organisational|Process)\b/.test(item) && !repoPaths(item).some((p) => repo.exists(p))) {
        problems.push(`${h.id}: mitigation ${i + 1} names no code path that exists and is not marked Organisational or Process`);
      }
    });
  }
  return problems;
}

function testProblems(hazards: Hazard[], repo: Repo): string[] {
  const problems: string[] = [];
  const titles = new Map<string, TestTitle[] | null>();
  const titlesOf = (file: string) => {
    if (!titles.has(file)) {
      const source = repo.read(file);
      titles.set(file, source === null ? null : testTitles(file, source));
    }
    return titles.get(file)!;
  };
  for (const h of hazards) {
    const named = parseTests(h.fields.get('Tests') ?? '');
    if (named.length === 0) problems.push(`${h.id}: names no test`);
    for (const test of named) {
      if (typeof test === 'string') { problems.push(`${h.id}: ${test}`); continue; }
      if (!/^test\/.+\.test\.ts$/.test(test.file)) { problems.push(`${h.id}: ${test.file} is not a test file under test/`); continue; }
      const found = titlesOf(test.file);
      if (found === null) problems.push(`${h.id}: ${test.file} does not exist`);
      else if (!found.some((t) => namesTest(test.name, t))) problems.push(`${h.id}: ${test.file} has no test named "${test.name}"`);
      else if (!found.some((t) => namesTest(test.name, t) && !t.skipped)) problems.push(`${h.id}: "${test.name}" in ${test.file} is skipped`);
    }
  }
  return problems;
}

function pathProblems(markdown: string, repo: Repo): string[] {
  return [...new Set(repoPaths(markdown))].filter((p) => !repo.exists(p)).map((p) => `${p} is named but does not exist`);
}

function summaryProblems(markdown: string, hazards: Hazard[]): string[] {
  const rows = new Map([...markdown.matchAll(/^\| (HAZ-\d+) \| (.+?) \| (\d) \| (\d) \| (\w+) \|$/gm)]
    .map((m) => [m[1]!, { title: m[2]!, initial: Number(m[3]), residual: Number(m[4]), status: m[5]! }]));
  const problems: string[] = [];
  for (const h of hazards) {
    const row = rows.get(h.id);
    const initial = parseRisk(h.fields.get('Initial risk') ?? '');
    const residual = parseRisk(h.fields.get('Residual risk') ?? '');
    if (!row) { problems.push(`${h.id} is not in the summary table`); continue; }
    if (row.title !== h.title) problems.push(`${h.id}: the summary calls it "${row.title}", the entry "${h.title}"`);
    if (typeof initial !== 'string' && row.initial !== initial.risk) problems.push(`${h.id}: the summary's initial risk ${row.initial} is not the entry's ${initial.risk}`);
    if (typeof residual !== 'string' && row.residual !== residual.risk) problems.push(`${h.id}: the summary's residual risk ${row.residual} is not the entry's ${residual.risk}`);
    if (row.status !== h.fields.get('Status')?.trim()) problems.push(`${h.id}: the summary's status ${row.status} is not the entry's`);
  }
  for (const id of rows.keys()) if (!hazards.some((h) => h.id === id)) problems.push(`the summary lists ${id}, which has no entry`);
  return problems;
}

// ---------------------------------------------------------------------------------------------

describe('the clinical hazard log', () => {
  const markdown = disk.read(LOG);
  const hazards = parseHazards(markdown ?? '');

  it('exists and lists its hazards', () => {
    expect(markdown, `${LOG} is missing`).not.toBeNull();
    expect(hazards.length).toBeGreaterThanOrEqual(7);
  });

  it('gives every hazard all its fields, in order, numbered without gaps, with a known status', () => {
    expect(fieldProblems(hazards)).toEqual([]);
  });

  it('rates every hazard by the matrix, the residual risk no higher than the initial one', () => {
    expect(ratingProblems(hazards)).toEqual([]);
  });

  it('names the code behind each mitigation, or marks it organisational or a process', () => {
    expect(mitigationProblems(hazards, disk)).toEqual([]);
  });

  it('names only tests that exist, each under exactly that name', () => {
    expect(testProblems(hazards, disk)).toEqual([]);
  });

  it('names only repository paths that exist', () => {
    expect(pathProblems(markdown ?? '', disk)).toEqual([]);
  });

  it('summarises every hazard as its entry rates it', () => {
    expect(summaryProblems(markdown ?? '', hazards)).toEqual([]);
  });
});

describe('the hazard log checks catch what they are for', () => {
  const testFile = [
    "it('counts the dose', () => {});",
    'it(',
    "  'reads a title on its own line, with an escaped \\'quote\\'',",
    '  () => {},',
    ');',
    "it.each([[1, 'a']])('rounds %i to the nearest %s', () => {});",
    'it.each([1])(`allows at most ${LIMIT} decimal places`, () => {});',
    "it.each([1])('%s', () => {});",
    // Source text for the parser, not a test of ours: a named test that is skipped must be refused.
    `it.${'skip'}('is not run yet', () => {});`,
  ].join('\n');
  const repo: Repo = {
    read: (file) => (file === 'test/x.test.ts' ? testFile : null),
    exists: (file) => ['test/x.test.ts', 'src/real.ts'].includes(file),
  };
  const entry = (overrides: Partial<Record<Field, string>> = {}): string => {
    const fields: Record<Field, string> = {
      'Causes': 'a cause', 'Effect on the patient': 'an effect',
      'Initial risk': 'severity 4 (Major) × likelihood 3 (Medium) → risk 3 (undesirable)',
      'Mitigations': '\n  1. does something (`src/real.ts`)\n  2. **Organisational:** training',
      'Residual risk': 'severity 4 (Major) × likelihood 1 (Very low) → risk 2 (acceptable if reduction impractical)',
      'Tests': '\n  - `test/x.test.ts` › `counts the dose`',
      'Residual risks and open items': 'none', 'Status': 'Open', 'Owner': 'maintainers',
      ...overrides,
    };
    return `### HAZ-001: A hazard\n\n${FIELDS.map((f) => `- **${f}:** ${fields[f]}`).join('\n')}\n`;
  };
  const one = (overrides: Partial<Record<Field, string>> = {}) => parseHazards(entry(overrides));

  it('reads test titles as vitest does: multi-line, escaped, it.each and template titles', () => {
    expect(testTitles('test/x.test.ts', testFile).map((t) => t.title)).toEqual([
      'counts the dose', "reads a title on its own line, with an escaped 'quote'", 'rounds %i to the nearest %s',
      'allows at most ${LIMIT} decimal places', '%s', 'is not run yet',
    ]);
  });

  it('accepts a sound entry', () => {
    const hazards = one();
    expect([...fieldProblems(hazards), ...ratingProblems(hazards), ...mitigationProblems(hazards, repo), ...testProblems(hazards, repo)]).toEqual([]);
  });

  it('refuses a missing field and an unknown status', () => {
    expect(fieldProblems(one({ 'Owner': '', 'Status': 'Done' }))).toEqual([
      'HAZ-001: Owner is missing or empty', 'HAZ-001: status "Done" is not one of Open, Transferred, Closed',
    ]);
  });

  it('refuses a rating off the matrix, a wrong label and a residual higher than the initial risk', () => {
    expect(ratingProblems(one({ 'Initial risk': 'severity 4 (Major) × likelihood 3 (Medium) → risk 4 (mandatory reduction)' })))
      .toEqual(['HAZ-001: Initial risk: the matrix gives risk 3 for severity 4 × likelihood 3, not 4']);
    expect(ratingProblems(one({ 'Initial risk': 'severity 4 (Catastrophic) × likelihood 3 (Medium) → risk 3 (undesirable)' })))
      .toEqual(['HAZ-001: Initial risk: severity 4 is Major, not Catastrophic']);
    expect(ratingProblems(one({ 'Residual risk': 'severity 4 (Major) × likelihood 4 (High) → risk 4 (mandatory reduction)' }))).toEqual([
      'HAZ-001: residual risk 4 is higher than the initial 3', 'HAZ-001: residual likelihood 4 is higher than the initial 3',
    ]);
  });

  it('refuses a mitigation that names no existing code and is not organisational', () => {
    expect(mitigationProblems(one({ 'Mitigations': '\n  1. does something (`src/gone.ts`)\n  2. trust us' }), repo)).toEqual([
      'HAZ-001: mitigation 1 names no code path that exists and is not marked Organisational or Process',
      'HAZ-001: mitigation 2 names no code path that exists and is not marked Organisational or Process',
    ]);
  });

  it('refuses a test that does not exist or is skipped, in a file that does not exist, or written in another shape', () => {
    const tests = ['`test/x.test.ts` › `counts the doses`', '`test/x.test.ts` › `is not run yet`', '`test/y.test.ts` › `counts the dose`',
      '`test/x.test.ts` counts the dose']
      .map((t) => `  - ${t}`).join('\n');
    expect(testProblems(one({ 'Tests': `\n${tests}` }), repo)).toEqual([
      'HAZ-001: test/x.test.ts has no test named "counts the doses"',
      'HAZ-001: "is not run yet" in test/x.test.ts is skipped',
      'HAZ-001: test/y.test.ts does not exist',
      'HAZ-001: "- `test/x.test.ts` counts the dose" is not "- `file` › `test name`"',
    ]);
  });

  it('matches it.each titles as written or as a rendered case, but never a bare placeholder', () => {
    const named = (name: string) => testProblems(one({ 'Tests': `\n  - \`test/x.test.ts\` › \`${name}\`` }), repo);
    expect(named('rounds %i to the nearest %s')).toEqual([]);
    expect(named('rounds 1 to the nearest a')).toEqual([]);
    expect(named('allows at most ${LIMIT} decimal places')).toEqual([]);
    expect(named('allows at most 6 decimal places')).toEqual([]);
    expect(named('%s')).toEqual([]);
    expect(named('anything at all')).toEqual(['HAZ-001: test/x.test.ts has no test named "anything at all"']);
  });

  it('reads a test name holding a backtick from a double-backtick span', () => {
    expect(parseTests('  - `test/x.test.ts` › `` `outbox` lists it ``')).toEqual([{ file: 'test/x.test.ts', name: '`outbox` lists it' }]);
  });

  it('refuses a summary row that disagrees with its entry', () => {
    const markdown = `| HAZ-001 | A hazard | 3 | 3 | Closed |\n\n${entry()}`;
    expect(summaryProblems(markdown, parseHazards(markdown))).toEqual([
      'HAZ-001: the summary\'s residual risk 3 is not the entry\'s 2', 'HAZ-001: the summary\'s status Closed is not the entry\'s',
    ]);
  });
});
