/**
 * Issue 11, "Wrong clinical output", items 1 and 2, on the import route and each engine: values
 * outside an analyte's plausible range, non-finite or over-precise values, and sample dates long
 * before the patient's first prescription are refused row by row with the allowed range, and
 * nothing is imported. Reproduces the defects first: 1e400 was stored as Infinity, negative values
 * were accepted, 1e-300 was stored as 0, and a sample dated 1951 was accepted.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { count, inArray } from 'drizzle-orm';
import { afterAll, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { monitoringEvents, patients, prescriptions, teams } from '../../src/db/schema.js';
import { importEvents } from '../../src/imports/events-import.js';
import { describeEachEngine } from '../support/databases.js';

const TODAY = '2026-11-22';
const HEADER = 'patient_ref,test,outcome,value,unit,taken_on';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'closedloop-values-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

let fileNo = 0;
function csv(lines: string[]): string {
  const file = path.join(dir, `events-${++fileNo}.csv`);
  fs.writeFileSync(file, `${[HEADER, ...lines].join('\n')}\n`);
  return file;
}

async function addPatient(db: Database, ref: string, startDate: string | null): Promise<string> {
  const [team] = await db.insert(teams).values({ name: `team-${ref}` }).returning();
  const [patient] = await db.insert(patients).values({ patientRef: ref, displayLabel: 'Fictional', teamId: team!.id, gpPractice: 'Elm Surgery' }).returning();
  if (startDate) await db.insert(prescriptions).values({ patientId: patient!.id, drug: 'clozapine', startDate });
  return patient!.id;
}

async function eventCount(db: Database, ids: string[]): Promise<number> {
  const [row] = await db.select({ n: count() }).from(monitoringEvents).where(inArray(monitoringEvents.patientId, ids));
  return row!.n;
}

describeEachEngine('events import: values and sample dates', (getDb) => {
  it('refuses impossible values, each with the plausible range, and imports nothing', async () => {
    const db = getDb();
    const id = await addPatient(db, 'VAL-001', '2026-01-01');
    const file = csv([
      'VAL-001,neutrophils,result,2.1,10^9/L,2026-11-01', // fine, but must not be written
      'VAL-001,neutrophils,result,1e400,10^9/L,2026-11-01', // line 3
      'VAL-001,neutrophils,result,1e308,10^9/L,2026-11-01', // line 4
      'VAL-001,neutrophils,result,-1,10^9/L,2026-11-01', // line 5
      'VAL-001,neutrophils,result,1e-300,10^9/L,2026-11-01', // line 6
      'VAL-001,creatinine,result,100,mg/dL,2026-11-01', // line 7: 8842 µmol/L once converted
    ]);
    const result = await importEvents(db, file, { today: TODAY });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => [p.line, p.column])).toEqual([[3, 'value'], [4, 'value'], [5, 'value'], [6, 'value'], [7, 'value']]);
    for (const problem of result.problems.slice(0, 4)) expect(problem.message).toContain('0 to 500 10^9/L');
    expect(result.problems[0]!.message).toBe('neutrophils 1e400 10^9/L is outside the plausible range, 0 to 500 10^9/L; check the value and its unit as the laboratory reported them');
    expect(result.problems[3]!.message).toMatch(/"1e-300" has more than 4 decimal places/);
    expect(result.problems[4]!.message).toMatch(/creatinine 100 mg\/dL \(8842 µmol\/L\) is outside the plausible range, 5 to 5000 µmol\/L/);
    expect(await eventCount(db, [id])).toBe(0);
  });

  it('stores an accepted value exactly as given, without rounding', async () => {
    const db = getDb();
    const id = await addPatient(db, 'VAL-002', '2026-01-01');
    const result = await importEvents(db, csv(['VAL-002,lithium_level,result,0.6543,mmol/L,2026-11-01']), { today: TODAY });
    expect(result.ok).toBe(true);
    const [row] = await db.select({ value: monitoringEvents.value }).from(monitoringEvents).where(inArray(monitoringEvents.patientId, [id]));
    expect(row!.value).toBe(0.6543);
  });

  it('refuses a result dated long before the first prescription, naming the allowed range; the baseline window is allowed', async () => {
    const db = getDb();
    const id = await addPatient(db, 'VAL-003', '2020-01-01');
    const refused = await importEvents(db, csv(['VAL-003,neutrophils,result,3.1,10^9/L,1951-03-01', 'VAL-003,neutrophils,result,3.1,10^9/L,2019-10-02']), { today: TODAY });
    expect(refused.ok).toBe(false);
    if (refused.ok) return;
    expect(refused.problems).toEqual([
      { line: 2, column: 'taken_on', message: '1951-03-01 is too early for VAL-003: a result\'s sample date must be from 2019-10-03 (90 days before the first prescription, 2020-01-01) to 2026-11-22 (today)' },
      { line: 3, column: 'taken_on', message: expect.stringContaining('2019-10-02 is too early for VAL-003') },
    ]);
    const accepted = await importEvents(db, csv(['VAL-003,neutrophils,result,3.1,10^9/L,2019-10-03']), { today: TODAY });
    expect(accepted.ok).toBe(true);
    // The rule set's window is passed in: a shorter one refuses the same date.
    const shorter = await importEvents(db, csv(['VAL-003,neutrophils,result,3.2,10^9/L,2019-10-03']), { today: TODAY, baselineWindowDays: 30 });
    expect(shorter.ok).toBe(false);
    expect(await eventCount(db, [id])).toBe(1);
  });

  it('a patient with no prescription is bounded by 1900 and today only; "done" and DNA rows are not sample-bounded', async () => {
    const db = getDb();
    await addPatient(db, 'VAL-004', null);
    expect((await importEvents(db, csv(['VAL-004,neutrophils,result,3.1,10^9/L,1990-01-01']), { today: TODAY })).ok).toBe(true);
    await addPatient(db, 'VAL-005', '2020-01-01');
    expect((await importEvents(db, csv(['VAL-005,fbc,done,,,2010-01-01', 'VAL-005,fbc,dna,,,2010-02-01']), { today: TODAY })).ok).toBe(true);
  });
});
