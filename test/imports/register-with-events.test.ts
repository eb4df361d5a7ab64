/**
 * A register and its events imported together (issue 9 §6: `import register FILE --events FILE2`
 * imports both in one transaction): both files are checked before anything is written, the events
 * against the register's patients as the file states them; a problem in either file writes
 * nothing and reports the problems of both; otherwise both are written together.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { count, inArray, sql } from 'drizzle-orm';
import { afterAll, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { monitoringEvents, patients, prescriptions, teams } from '../../src/db/schema.js';
import { filesFailureReport } from '../../src/imports/problems.js';
import { importRegisterWithEvents, type RegisterWithEventsOptions } from '../../src/imports/register-with-events.js';
import { describeEachEngine } from '../support/databases.js';
import { defaultRules } from '../support/rules.js';

const TODAY = '2025-06-30';
const REGISTER = 'patient_ref,display_label,team,gp_practice,date_of_birth,drug,start_date,last_dose_change,stopped_on,responsible_org,responsible_staff';
const EVENTS = 'patient_ref,test,outcome,value,unit,taken_on';
const ruleSet = defaultRules();
const options: RegisterWithEventsOptions = { ruleSet, today: TODAY };
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'closedloop-register-events-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

let fileNo = 0;
function csv(name: string, lines: string[]): string {
  const sub = path.join(dir, String(++fileNo));
  fs.mkdirSync(sub);
  const file = path.join(sub, name);
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}
const register = (lines: string[]) => csv('register.csv', [REGISTER, ...lines]);
const events = (lines: string[]) => csv('events.csv', [EVENTS, ...lines]);

async function counts(db: Database) {
  const n = async (table: typeof teams | typeof patients | typeof prescriptions | typeof monitoringEvents) => (await db.select({ n: count() }).from(table))[0]!.n;
  return { teams: await n(teams), patients: await n(patients), prescriptions: await n(prescriptions), events: await n(monitoringEvents) };
}

describeEachEngine('importRegisterWithEvents', (getDb) => {
  it('imports a register and events naming its new patients, in one go', async () => {
    const db = getDb();
    const result = await importRegisterWithEvents(db, register([
      'RE-001,Patient A,Onboarding CMHT,Elm Surgery,1970-05-01,lithium,2020-01-15,,,mh_trust,',
      'RE-002,Patient B,Onboarding CMHT,Elm Surgery,,methotrexate,2024-02-01,,,gp_practice,',
    ]), events([
      'RE-001,lithium_level,result,0.6,mmol/L,2025-06-01',
      'RE-001,renal,done,,,2025-05-01',
      // Before the start but within the 90-day baseline window of the register's own start date.
      'RE-002,fbc,done,,,2023-11-15',
      'RE-002,fbc,dna,,,2025-06-20',
    ]), options);
    expect(result).toEqual({
      ok: true,
      register: {
        kind: 'register', rows: 2, teamsCreated: 1,
        patients: { inserted: 2, updated: 0, unchanged: 0 }, prescriptions: { inserted: 2, updated: 0, unchanged: 0 },
        responsibilities: { inserted: 2, updated: 0, unchanged: 0, removed: 0 },
      },
      events: { kind: 'events', rows: 4, inserted: 4, alreadyPresent: 0 },
    });
    const stored = await db.select({ id: patients.id }).from(patients).where(inArray(patients.patientRef, ['RE-001', 'RE-002']));
    expect(stored).toHaveLength(2);
    const [row] = await db.select({ n: count() }).from(monitoringEvents).where(inArray(monitoringEvents.patientId, stored.map((p) => p.id)));
    expect(row!.n).toBe(4);
  });

  it('a bad events file leaves the register untouched, and its rows are reported', async () => {
    const db = getDb();
    const before = await counts(db);
    const result = await importRegisterWithEvents(db, register([
      'RE-101,Patient C,Untouched CMHT,Oak Practice,,lithium,2021-01-01,,,,',
    ]), events([
      'RE-101,lithium_level,result,0.6,mmol/L,2025-06-01',
      'RE-101,lithium_level,result,abc,mmol/L,2025-06-02',
      'RE-999,fbc,done,,,2025-06-01',
    ]), options);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.failures.map((f) => [f.file, f.failure.code, f.failure.problems.map((p) => [p.line, p.column])])).toEqual([
      ['events.csv', 'IMPORT.INVALID_ROWS', [[3, 'value'], [4, 'patient_ref']]],
    ]);
    expect(await counts(db)).toEqual(before);
  });

  it('problems in both files are all reported together, and nothing is written', async () => {
    const db = getDb();
    const before = await counts(db);
    const result = await importRegisterWithEvents(db, register([
      'RE-201,Patient D,Both CMHT,Oak Practice,,lithium,2021-01-01,,,,',
      'RE-202,Patient E,Both CMHT,Oak Practice,,unobtainium,2021-01-01,,,,',
    ]), events([
      'RE-201,lithium_level,result,0.6,mmol/L,2031-01-01',
      // RE-202's only register row is refused, but the file names the patient: not "not in the register".
      'RE-202,fbc,done,,,2025-06-01',
    ]), options);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.failures.map((f) => [f.file, f.failure.problems.map((p) => [p.line, p.column])])).toEqual([
      ['register.csv', [[3, 'drug']]],
      ['events.csv', [[2, 'taken_on']]],
    ]);
    const report = filesFailureReport(result.failures, result.unchecked, ['register.csv', 'events.csv']);
    expect(report).toContainEqual(expect.stringMatching(/^register\.csv line 3, column drug: "unobtainium" is not a drug/));
    expect(report).toContainEqual(expect.stringMatching(/^events\.csv line 2, column taken_on: 2031-01-01 is in the future/));
    expect(report.at(-1)).toBe('Nothing was imported from register.csv or events.csv. Correct the rows above and run the import again.');
    expect(await counts(db)).toEqual(before);
  });

  it('checks a result\'s date against the register file\'s start dates, not yet stored', async () => {
    const db = getDb();
    const result = await importRegisterWithEvents(db, register([
      'RE-301,Patient F,Dates CMHT,Oak Practice,,clozapine,2024-06-01,,,,',
    ]), events([
      // More than the 90-day baseline window before the first prescription: no threshold could rate it.
      'RE-301,neutrophils,result,3.1,10^9/L,2024-02-01',
    ]), options);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.failures[0]?.failure.problems[0]?.message).toMatch(/2024-02-01 is too early for RE-301: a result's sample date must be from 2024-03-03 \(90 days before the first prescription, 2024-06-01\)/);
  });

  it('a register that cannot be read is reported alone; the events file is said not to be checked', async () => {
    const db = getDb();
    const result = await importRegisterWithEvents(db, path.join(dir, 'absent.csv'), events(['RE-401,fbc,done,,,2025-06-01']), options);
    expect(result).toMatchObject({ ok: false, unchecked: ['events.csv'] });
    if (result.ok) return;
    expect(result.failures.map((f) => [f.file, f.failure.code])).toEqual([['absent.csv', 'IMPORT.NOT_FOUND']]);
    expect(filesFailureReport(result.failures, result.unchecked, ['absent.csv', 'events.csv'])).toContain(
      'events.csv was not checked: its rows name the register\'s patients, so it is checked once the register can be read.');
  });

  it('is one transaction: when writing the events fails, the register written before them is rolled back', async () => {
    const db = getDb();
    const before = await counts(db);
    // A fault in the events' INSERT, after the register has been written in the same transaction.
    await db.execute(sql`CREATE FUNCTION fail_marked_event() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.value = 77.7 THEN RAISE EXCEPTION 'simulated events failure'; END IF; RETURN NEW; END $$`);
    await db.execute(sql`CREATE TRIGGER fail_marked_event BEFORE INSERT ON monitoring_events FOR EACH ROW EXECUTE FUNCTION fail_marked_event()`);
    try {
      await expect(importRegisterWithEvents(db, register(['RE-601,Patient H,Rollback CMHT,Oak Practice,,olanzapine,2021-01-01,,,,']),
        events(['RE-601,weight,result,77.7,kg,2025-06-01']), options)).rejects.toThrow();
    } finally {
      await db.execute(sql`DROP TRIGGER fail_marked_event ON monitoring_events`);
      await db.execute(sql`DROP FUNCTION fail_marked_event()`);
    }
    expect(await counts(db)).toEqual(before);
  });

  it('importing the same pair again changes nothing', async () => {
    const db = getDb();
    const files = [register(['RE-501,Patient G,Again CMHT,Oak Practice,,lithium,2021-01-01,,,,']), events(['RE-501,lithium_level,result,0.6,mmol/L,2025-06-01'])] as const;
    expect((await importRegisterWithEvents(db, ...files, options)).ok).toBe(true);
    const again = await importRegisterWithEvents(db, ...files, options);
    expect(again).toMatchObject({
      ok: true,
      register: { patients: { inserted: 0, updated: 0, unchanged: 1 }, prescriptions: { inserted: 0, updated: 0, unchanged: 1 } },
      events: { rows: 1, inserted: 0, alreadyPresent: 1 },
    });
  });
});
