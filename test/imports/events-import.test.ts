import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { asc, count, eq, inArray } from 'drizzle-orm';
import { afterAll, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { monitoringEvents, patients, teams } from '../../src/db/schema.js';
import { importEvents } from '../../src/imports/events-import.js';
import { formatProblems } from '../../src/imports/problems.js';
import { describeEachEngine } from '../support/databases.js';

const TODAY = '2025-06-30';
const HEADER = 'patient_ref,test,outcome,value,unit,taken_on';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'closedloop-events-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

let fileNo = 0;
function csv(lines: string[]): string {
  const file = path.join(dir, `events-${++fileNo}.csv`);
  fs.writeFileSync(file, `${lines.join('\r\n')}\r\n`);
  return file;
}

/** Patients straight into the tables, so these tests do not depend on the register import. */
async function addPatients(db: Database, refs: string[]): Promise<Map<string, string>> {
  const [team] = await db.insert(teams).values({ name: `team-${refs[0]}` }).returning();
  const rows = await db.insert(patients)
    .values(refs.map((ref) => ({ patientRef: ref, displayLabel: `Label ${ref}`, teamId: team!.id, gpPractice: 'Elm Surgery' })))
    .returning();
  return new Map(rows.map((r) => [r.patientRef, r.id]));
}

async function eventsOf(db: Database, ids: string[]) {
  return db.select({ test: monitoringEvents.test, requirement: monitoringEvents.requirement, outcome: monitoringEvents.outcome, value: monitoringEvents.value, unit: monitoringEvents.unit, takenOn: monitoringEvents.takenOn, source: monitoringEvents.source })
    .from(monitoringEvents).where(inArray(monitoringEvents.patientId, ids)).orderBy(asc(monitoringEvents.takenOn), asc(monitoringEvents.test));
}

async function eventCount(db: Database): Promise<number> {
  const [row] = await db.select({ n: count() }).from(monitoringEvents);
  return row!.n;
}

describeEachEngine('importEvents', (getDb) => {
  it('imports keys, labels and LOINC/SNOMED/Read codes, converting US units to canonical ones', async () => {
    const db = getDb();
    const ids = await addPatients(db, ['E-CODES']);
    const file = csv([
      HEADER,
      'E-CODES,14334-7,result,0.62,mmol/L,2025-01-10', //  LOINC lithium level
      'E-CODES,1000731000000107,result,1.0,mg/dL,2025-01-10', // SNOMED creatinine, US unit
      'E-CODES,42QE.,result,2.4,,2025-01-11', // Read v2 INR: a ratio needs no unit
      'E-CODES,U&E,done,,,2025-01-12', // label for the renal panel
      'E-CODES,ALT,result,31,IU/L,2025-01-13',
      'E-CODES,fbc,dna,,,2025-01-14',
      'E-CODES,Full blood count,declined,,,2025-01-15',
    ]);
    const result = await importEvents(db, file, { today: TODAY });
    expect(result).toEqual({ ok: true, summary: { kind: 'events', rows: 7, inserted: 7, alreadyPresent: 0 } });
    const source = `import:${path.basename(file)}`;
    expect(await eventsOf(db, [ids.get('E-CODES')!])).toEqual([
      { test: 'creatinine', requirement: 'renal', outcome: 'result', value: 88.42, unit: 'µmol/L', takenOn: '2025-01-10', source },
      { test: 'lithium_level', requirement: 'lithium_level', outcome: 'result', value: 0.62, unit: 'mmol/L', takenOn: '2025-01-10', source },
      { test: 'inr', requirement: 'inr', outcome: 'result', value: 2.4, unit: 'ratio', takenOn: '2025-01-11', source },
      { test: 'renal', requirement: 'renal', outcome: 'done', value: null, unit: null, takenOn: '2025-01-12', source },
      { test: 'alt', requirement: 'lft', outcome: 'result', value: 31, unit: 'U/L', takenOn: '2025-01-13', source },
      { test: 'fbc', requirement: 'fbc', outcome: 'dna', value: null, unit: null, takenOn: '2025-01-14', source },
      { test: 'fbc', requirement: 'fbc', outcome: 'declined', value: null, unit: null, takenOn: '2025-01-15', source },
    ]);
  });

  it('changes nothing when the same file is imported again, and collapses duplicate rows', async () => {
    const db = getDb();
    await addPatients(db, ['E-AGAIN']);
    const file = csv([
      HEADER,
      'E-AGAIN,lithium_level,result,0.7,mmol/L,2025-02-01',
      'E-AGAIN,lithium_level,result,0.7,mmol/L,2025-02-01',
      'E-AGAIN,egfr,result,58,mL/min/1.73m2,2025-02-01',
      'E-AGAIN,fbc,dna,,,2025-02-02',
    ]);
    const first = await importEvents(db, file, { today: TODAY });
    expect(first).toEqual({ ok: true, summary: { kind: 'events', rows: 4, inserted: 3, alreadyPresent: 1 } });
    const before = await eventCount(db);
    const again = await importEvents(db, file, { today: TODAY });
    expect(again).toEqual({ ok: true, summary: { kind: 'events', rows: 4, inserted: 0, alreadyPresent: 4 } });
    expect(await eventCount(db)).toBe(before);
  });

  it('reports every bad row with its line and column, and writes nothing', async () => {
    const db = getDb();
    await addPatients(db, ['E-BAD']);
    const before = await eventCount(db);
    const file = csv([
      HEADER,
      'E-BAD,alt,result,31,U/L,2025-03-01', // fine, but must not be written
      'E-NOBODY,alt,result,31,U/L,2025-03-01', // line 3: unknown patient
      'E-BAD,creatinine,result,88,,2025-03-01', // line 4: unit missing
      'E-BAD,creatinine,result,88,mmol/mol,2025-03-01', // line 5: unit wrong for the analyte
      'E-BAD,fbc,dna,4.2,,2025-03-01', // line 6: value with dna
      'E-BAD,alt,result,31,U/L,2025-07-01', // line 7: after today
      'E-BAD,alt,result,abc,U/L,2025-02-30', // line 8: not a number, not a real date
      'E-BAD,potion,maybe,,,01/03/2025', // line 9: three problems
      'E-BAD,alt,result,31', // line 10: short row
    ]);
    const result = await importEvents(db, file, { today: TODAY });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.code).toBe('IMPORT.INVALID_ROWS');
    expect(result.message).toMatch(/8 of 9 row\(s\) have problems; nothing was imported/);
    expect(result.problems.map((p) => [p.line, p.column])).toEqual([
      [3, 'patient_ref'],
      [4, 'unit'],
      [5, 'unit'],
      [6, 'value'],
      [7, 'taken_on'],
      [8, 'taken_on'],
      [8, 'value'],
      [9, 'test'],
      [9, 'outcome'],
      [9, 'taken_on'],
      [10, null],
    ]);
    const label = path.basename(file);
    const report = formatProblems(result.problems, label);
    expect(report).toContain(`${label} line 3, column patient_ref: "E-NOBODY" is not in the register; import the register first or correct the reference`);
    expect(report).toContain(`${label} line 4, column unit: a unit is required for creatinine (for example µmol/L)`);
    expect(report).toContain(`${label} line 6, column value: outcome dna takes no value; leave value blank, or use outcome result`);
    expect(report).toContain(`${label} line 7, column taken_on: 2025-07-01 is in the future (today is ${TODAY})`);
    // A refused value now names the analyte's plausible range (issue 11).
    expect(report).toContain(`${label} line 8, column value: "abc" is not a number; the plausible range for alt is 0 to 50000 U/L`);
    expect(report).toContain(`${label} line 8, column taken_on: "2025-02-30" is not a real date`);
    expect(result.problems.find((p) => p.line === 5)?.message).toMatch(/unit "mmol\/mol" is not valid for creatinine/);
    expect(await eventCount(db)).toBe(before);
  });

  it('inserts across several batches in one transaction, reports progress and refreshes statistics', async () => {
    const db = getDb();
    const ids = await addPatients(db, ['E-BATCH']);
    const lines = Array.from({ length: 23 }, (_, i) => `E-BATCH,weight,result,${70 + i / 10},kg,2025-04-${String(i + 1).padStart(2, '0')}`);
    const progress: Array<[number, number | undefined, string | undefined]> = [];
    const result = await importEvents(db, csv([HEADER, ...lines]), { today: TODAY, batchSize: 5, analyzeAfterRows: 1, onProgress: (d, t, phase) => progress.push([d, t, phase]) });
    expect(result).toEqual({ ok: true, summary: { kind: 'events', rows: 23, inserted: 23, alreadyPresent: 0 } });
    expect((await eventsOf(db, [ids.get('E-BATCH')!])).length).toBe(23);
    expect(progress.filter(([, , phase]) => phase === 'writing').map(([d, t]) => [d, t])).toEqual([[5, 23], [10, 23], [15, 23], [20, 23], [23, 23]]);
  });

  it('accepts a header in any order and case, without the optional value and unit columns', async () => {
    const db = getDb();
    const ids = await addPatients(db, ['E-ORDER']);
    const result = await importEvents(db, csv(['Taken On,Outcome,Test,Patient Ref', '2025-05-01,DNA,ecg,E-ORDER']), { today: TODAY });
    expect(result.ok).toBe(true);
    expect(await eventsOf(db, [ids.get('E-ORDER')!])).toMatchObject([{ test: 'ecg', outcome: 'dna', value: null }]);
  });

  it('refuses a header with unknown or missing columns, and a file with no data rows', async () => {
    const db = getDb();
    const bad = await importEvents(db, csv(['patient_ref,test,result_value,taken_on']), { today: TODAY });
    expect(bad.ok || bad.code).toBe('IMPORT.BAD_HEADER');
    expect(bad.ok || bad.problems.map((p) => p.message)).toEqual([
      'unexpected column(s): result_value; the columns are patient_ref, test, outcome, taken_on, value, unit',
      'missing column(s): outcome',
    ]);
    const empty = await importEvents(db, csv([HEADER, '', '']), { today: TODAY });
    expect(empty.ok || [empty.code, empty.message]).toEqual(['IMPORT.EMPTY', expect.stringMatching(/has a header but no data rows/)]);
    const missing = await importEvents(db, path.join(dir, 'absent.csv'), { today: TODAY });
    expect(missing.ok || missing.code).toBe('IMPORT.NOT_FOUND');
  });

  it('writes nothing when the file changes between the checking and the writing pass', async () => {
    const db = getDb();
    await addPatients(db, ['E-RACE']);
    const before = await eventCount(db);
    const file = csv([HEADER, 'E-RACE,alt,result,31,U/L,2025-01-01', 'E-RACE,alt,result,32,U/L,2025-01-02']);
    const result = await importEvents(db, file, {
      today: TODAY,
      batchSize: 1,
      onProgress: (done, total, phase) => {
        // Called once the first pass has read the whole file: simulate an export overwriting it.
        if (phase === 'validating' && done === total) fs.writeFileSync(file, `${HEADER}\nE-RACE,alt,result,31,U/L,2025-01-01\nE-RACE,alt,result,oops,U/L,2025-01-02\n`);
      },
    });
    expect(result.ok || [result.code, result.message]).toEqual(['IMPORT.INVALID_ROWS', expect.stringMatching(/changed while it was being imported/)]);
    expect(await eventCount(db)).toBe(before);
  });

  it('stores nothing for a patient whose events are refused, even alongside valid rows', async () => {
    const db = getDb();
    const ids = await addPatients(db, ['E-ATOMIC']);
    const result = await importEvents(db, csv([HEADER, 'E-ATOMIC,tsh,result,2.1,mU/L,2025-01-01', 'E-ATOMIC,tsh,result,2.1,,2025-01-02']), { today: TODAY });
    expect(result.ok).toBe(false);
    const stored = await db.select({ n: count() }).from(monitoringEvents).where(eq(monitoringEvents.patientId, ids.get('E-ATOMIC')!));
    expect(stored[0]!.n).toBe(0);
  });
});
