/** Shared by the import tests: CSV files written to a temporary folder removed after the file's tests, and row counts. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { count } from 'drizzle-orm';
import { afterAll } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { patients, prescriptions, responsibilities, teams } from '../../src/db/schema.js';

/** Returns a writer of numbered CSV files (or named ones) in a folder of its own, deleted after the test file. */
export function csvWriter(prefix: string): (lines: string[], name?: string) => string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `closedloop-${prefix}-`));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  let fileNo = 0;
  return (lines, name = `${prefix}-${++fileNo}.csv`) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    return file;
  };
}

/** Rows in the register tables, to show an import wrote nothing (or exactly what it should). */
export async function tableCounts(db: Database) {
  const n = async (table: typeof teams | typeof patients | typeof prescriptions | typeof responsibilities) => (await db.select({ n: count() }).from(table))[0]!.n;
  return { teams: await n(teams), patients: await n(patients), prescriptions: await n(prescriptions), responsibilities: await n(responsibilities) };
}
