/**
 * Every CSV the CLI writes goes through one writer (src/output/csv.ts) that neutralises spreadsheet
 * formulas: a cell starting with = + - @, a tab or a carriage return gets a leading apostrophe, on
 * each output route (due, audit export to the screen and to a file). And `audit export --out`
 * refuses to overwrite a file unless --force.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAudit } from '../../src/audit/append.js';
import { parseCsv } from '../../src/imports/csv.js';
import { runCliOn } from '../support/cli.js';
import { writeDemoFiles, type DemoFiles } from '../support/demo-files.js';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';

const TODAY = '2026-11-22';
const FORMULAS = ['=HYPERLINK("http://evil.invalid")', '+1+cmd|calc', '-2+3', '@SUM(A1)', '\t=1', '\r=1'];

/** The cells of a CSV text, read back with the importer's RFC 4180 parser. */
const cellsOf = (text: string) => parseCsv(text).map((r) => r.fields);

describe.each(engines)('CSV outputs [%s]', (engine) => {
  let testDb: TestDatabase;
  let files: DemoFiles;
  let dir: string;
  const run = (...argv: string[]) => runCliOn(testDb, argv, { now: new Date(`${TODAY}T12:00:00Z`) });

  beforeAll(async () => {
    testDb = await createTestDatabase(engine);
    files = writeDemoFiles(TODAY);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'closedloop-exports-'));
    expect((await run('import', 'register', files.register)).code).toBe(0);
    // References stored before they had one definition (or written by another tool) may start with
    // anything: the writer must not trust what is stored.
    await testDb.db.execute(sql`UPDATE patients SET patient_ref = ${FORMULAS[0]} WHERE patient_ref = 'DEMO-003'`);
    await testDb.db.execute(sql`UPDATE patients SET patient_ref = ${FORMULAS[2]} WHERE patient_ref = 'DEMO-004'`);
    await testDb.db.execute(sql`UPDATE patients SET patient_ref = ${FORMULAS[3]} WHERE patient_ref = 'DEMO-006'`);
    const actor = { id: null, name: FORMULAS[1]!, identity: 'system', via: 'cli' as const, channel: null, correlationId: FORMULAS[4]! };
    await appendAudit(testDb.db, actor, {
      verb: 'action.noted', entityType: 'action', entityId: FORMULAS[3]!, patientRef: 'P-CSV-1',
      after: { text: '=1+1' }, reason: FORMULAS[0]!,
    }, new Date(`${TODAY}T09:00:00Z`));
    await appendAudit(testDb.db, { ...actor, correlationId: FORMULAS[5]! }, {
      verb: 'action.noted', entityType: 'action', entityId: 'A-2', patientRef: 'P-CSV-1', reason: FORMULAS[2]!,
    }, new Date(`${TODAY}T09:01:00Z`));
  });
  afterAll(async () => {
    await testDb.close();
    files.remove();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('due --format csv prefixes cells that a spreadsheet would run as formulas', async () => {
    const { code, out } = await run('due', '--status', 'all', '--format', 'csv');
    expect(code).toBe(0);
    const refs = new Set(cellsOf(out).slice(1).map((r) => r[0]));
    expect(refs).toContain(`'${FORMULAS[0]}`);
    expect(refs).toContain(`'${FORMULAS[2]}`);
    expect(refs).toContain(`'${FORMULAS[3]}`);
    expect(refs).toContain('DEMO-001');
    for (const ref of refs) expect(ref).not.toMatch(/^[=+\-@\t\r]/);
  });

  const checkAuditCsv = (text: string) => {
    const [header, ...rows] = cellsOf(text);
    const at = (row: string[], column: string) => row[header!.indexOf(column)];
    expect(rows).toHaveLength(2);
    expect(at(rows[0]!, 'actor_name')).toBe(`'${FORMULAS[1]}`);
    expect(at(rows[0]!, 'entity_id')).toBe(`'${FORMULAS[3]}`);
    expect(at(rows[0]!, 'reason')).toBe(`'${FORMULAS[0]}`);
    expect(at(rows[0]!, 'correlation_id')).toBe(`'${FORMULAS[4]}`);
    expect(at(rows[0]!, 'after')).toBe('{"text":"=1+1"}');
    expect(at(rows[1]!, 'reason')).toBe(`'${FORMULAS[2]}`);
    // A carriage return is quoted, so the row is not split where a spreadsheet sees a line break.
    expect(at(rows[1]!, 'correlation_id')).toBe(`'${FORMULAS[5]}`);
    expect(text).toContain(`"'${FORMULAS[5]}"`);
  };

  it('audit export --format csv to the screen prefixes them too', async () => {
    const { code, out } = await run('audit', 'export', '--patient', 'P-CSV-1');
    expect(code).toBe(0);
    checkAuditCsv(`${out}\n`);
  });

  it('audit export --out FILE writes the same CSV', async () => {
    const file = path.join(dir, 'audit.csv');
    const { code } = await run('audit', 'export', '--patient', 'P-CSV-1', '--out', file);
    expect(code).toBe(0);
    checkAuditCsv(fs.readFileSync(file, 'utf8'));
  });

  it('audit export JSON keeps the stored text exactly (no prefix), with no raw bidirectional characters', async () => {
    await appendAudit(testDb.db, { id: null, name: 'closedloop', identity: 'system', via: 'cli', channel: null, correlationId: 'bidi' }, {
      verb: 'action.noted', entityType: 'action', entityId: 'A-3', patientRef: 'P-CSV-2', reason: 'a\u202eb\u0085c',
    }, new Date(`${TODAY}T09:02:00Z`));
    const { code, out } = await run('audit', 'export', '--patient', 'P-CSV-2', '--format', 'json');
    expect(code).toBe(0);
    expect(out).not.toMatch(/[\u202e\u0085]/);
    expect((JSON.parse(out) as { reason: string }[])[0]?.reason).toBe('a\u202eb\u0085c');
  });

  it('audit export --out refuses an existing file unless --force', async () => {
    const file = path.join(dir, 'existing.csv');
    fs.writeFileSync(file, 'keep me\n');
    const refused = await run('audit', 'export', '--out', file);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/already exists.*--force/s);
    expect(fs.readFileSync(file, 'utf8')).toBe('keep me\n');
    const forced = await run('audit', 'export', '--patient', 'P-CSV-1', '--out', file, '--force');
    expect(forced.code).toBe(0);
    checkAuditCsv(fs.readFileSync(file, 'utf8'));
  });
});
