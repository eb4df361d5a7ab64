/**
 * `closedloop import` as a person meets it: what an empty or header-only file says, and a progress
 * count in rows of the file (not the sum of rows written across the import's steps).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
