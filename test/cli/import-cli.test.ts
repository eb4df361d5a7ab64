/**
 * `closedloop import` as a person meets it: what an empty or header-only file says, a progress
 * count in rows of the file (not the sum of rows written across the import's steps), and a
 * register imported with its events (issue 9 §6): both or nothing, then one sync.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../src/db/client.js';
import { runCliOn } from '../support/cli.js';
import { writeDemoFiles, type DemoFiles } from '../support/demo-files.js';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';

const TODAY = '2026-11-22';

describe.each(engines)('closedloop import messages [%s]', (engine) => {
  let testDb: TestDatabase;
  let files: DemoFiles;
  let dir: string;
  const run = (...argv: string[]) => runCliOn(testDb, argv, { now: new Date(`${TODAY}T12:00:00Z`) });

  beforeAll(async () => {
    testDb = await createTestDatabase(engine);
    files = writeDemoFiles(TODAY);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'closedloop-import-cli-'));
  });
  afterAll(async () => {
    await testDb.close();
    files.remove();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['an empty file', '', /empty\.csv is empty: expected a header row and at least one data row/],
    ['a header and no rows', 'patient_ref,test,outcome,value,unit,taken_on\n', /has a header but no data rows/],
  ])('%s says what is wrong without pointing at rows that do not exist', async (_what, content, message) => {
    const file = path.join(dir, 'empty.csv');
    fs.writeFileSync(file, content);
    const { code, err } = await run('import', 'events', file);
    expect(code).toBe(1);
    expect(err).toMatch(message);
    expect(err).not.toMatch(/rows above/);
    expect(err).toMatch(/Nothing was imported\./);
  });

  it('a file with bad rows still points at them', async () => {
    const file = path.join(dir, 'bad.csv');
    fs.writeFileSync(file, 'patient_ref,test,outcome,value,unit,taken_on\nNOBODY-1,inr,done,,,2026-01-01\n');
    const { code, err } = await run('import', 'events', file);
    expect(code).toBe(1);
    expect(err).toMatch(/bad\.csv line 2, column patient_ref/);
    expect(err).toMatch(/Correct the rows above and run the import again/);
  });

  it('counts progress in rows of the file, in every step', async () => {
    const rows = fs.readFileSync(files.register, 'utf8').trim().split('\n').length - 1;
    const { code, err } = await run('import', 'register', files.register);
    expect(code).toBe(0);
    const counts = [...err.matchAll(/register\.csv: (validating|writing) ([\d,]+) \/ ([\d,]+) rows/g)].map((m) => [m[1], Number(m[2]!.replace(/,/g, '')), Number(m[3]!.replace(/,/g, ''))]);
    expect(counts.filter(([phase]) => phase === 'writing').length).toBeGreaterThan(0);
    for (const [, done, total] of counts) {
      expect(total).toBe(rows);
      expect(done).toBeLessThanOrEqual(rows);
    }
    expect(counts.at(-1)).toEqual(['writing', rows, rows]);
  });
});

describe.each(engines)('closedloop import register FILE --events FILE2 [%s]', (engine) => {
  let testDb: TestDatabase;
  let files: DemoFiles;
  let dir: string;
  const run = (...argv: string[]) => runCliOn(testDb, argv, { now: new Date(`${TODAY}T12:00:00Z`) });
  const count = async (table: string) => Number(rowsOf<{ n: number }>(await testDb.db.execute(sql`SELECT count(*)::int AS n FROM ${sql.identifier(table)}`))[0]?.n);

  beforeAll(async () => {
    testDb = await createTestDatabase(engine);
    files = writeDemoFiles(TODAY);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'closedloop-import-both-'));
  });
  afterAll(async () => {
    await testDb.close();
    files.remove();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a bad events file leaves the register untouched and points at its rows', async () => {
    const events = path.join(dir, 'events.csv');
    fs.writeFileSync(events, `${fs.readFileSync(files.events, 'utf8').trimEnd()}\nDEMO-001,lithium_level,result,lots,mmol/L,2026-11-01\n`);
    const { code, out, err } = await run('import', 'register', files.register, '--events', events);
    expect(code).toBe(1);
    expect(err).toMatch(/events\.csv: 1 of \d+ row\(s\) have problems/);
    expect(err).toMatch(/events\.csv line \d+, column value:/);
    expect(err).toMatch(/Nothing was imported from register\.csv or events\.csv\. Correct the rows above and run the import again\./);
    expect(out).not.toMatch(/Actions as of/);
    expect(await count('patients')).toBe(0);
    expect(await count('monitoring_events')).toBe(0);
  });

  it('imports both files in one transaction, with progress for each, then runs one sync', async () => {
    const registerRows = fs.readFileSync(files.register, 'utf8').trim().split('\n').length - 1;
    const { code, out, err } = await run('import', 'register', files.register, '--events', files.events);
    expect(code).toBe(0);
    expect(out).toMatch(/^register\.csv: \d+ rows; 2 teams created; patients: 10 new/m);
    expect(out).toMatch(/^events\.csv: 52 rows: 52 events added, 0 already recorded\.$/m);
    expect(out).toMatch(/^Both files imported in one transaction in \d+\.\d s\.$/m);
    expect(out.match(/Actions as of 2026-11-22/g)).toHaveLength(1);
    // A first import: the teams have had no digest yet, so escalations wait for it (issue 9 §6).
    expect(out).toMatch(/escalations held back: their teams have not had a first daily digest yet/);
    expect(err).toMatch(new RegExp(`register\\.csv: writing ${registerRows} / ${registerRows} rows`));
    expect(err).toMatch(/events\.csv: validating 52 \/ 52 rows/);
    expect(err).toMatch(/events\.csv: writing 52 \/ 52 rows/);
    expect(await count('monitoring_events')).toBe(52);
  });

  it.each([
    [['import', 'events', 'x.csv', '--events', 'y.csv']],
    [['import', 'register', '--events', 'y.csv']],
    [['import', 'register', 'a.csv', 'b.csv']],
  ])('%j is a usage error', async (argv) => {
    const { code, err } = await run(...argv);
    expect(code).toBe(2);
    expect(err).toMatch(/Usage: closedloop import register FILE \[--events FILE2\] \| closedloop import events FILE/);
  });
});
