import path from 'node:path';
import { asc, eq, inArray } from 'drizzle-orm';
import { expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { patients, prescriptions, responsibilities, teams } from '../../src/db/schema.js';
import { formatProblems } from '../../src/imports/problems.js';
import { importRegister } from '../../src/imports/register-import.js';
import { describeEachEngine } from '../support/databases.js';
import { defaultRules } from '../support/rules.js';
import { csvWriter, tableCounts } from './support.js';

const TODAY = '2025-06-30';
const HEADER = 'patient_ref,display_label,team,gp_practice,date_of_birth,drug,start_date,last_dose_change,stopped_on,responsible_org,responsible_staff';
const ruleSet = defaultRules();
const csv = csvWriter('register');


async function stored(db: Database, refs: string[]) {
  const ps = await db.select().from(patients).where(inArray(patients.patientRef, refs)).orderBy(asc(patients.patientRef));
  const ids = ps.map((p) => p.id);
  const refOf = new Map(ps.map((p) => [p.id, p.patientRef]));
  const rx = await db.select().from(prescriptions).where(inArray(prescriptions.patientId, ids)).orderBy(asc(prescriptions.drug), asc(prescriptions.startDate));
  const resp = await db.select().from(responsibilities).where(inArray(responsibilities.patientId, ids)).orderBy(asc(responsibilities.drug), asc(responsibilities.test));
  return {
    patients: ps,
    prescriptions: rx.map((r) => ({ ref: refOf.get(r.patientId), drug: r.drug, startDate: r.startDate, lastDoseChange: r.lastDoseChange, stoppedOn: r.stoppedOn, updatedAt: r.updatedAt })),
    responsibilities: resp.map((r) => ({ ref: refOf.get(r.patientId), drug: r.drug, test: r.test, orgType: r.orgType, orgName: r.orgName, staff: r.staff, updatedAt: r.updatedAt })),
  };
}

describeEachEngine('importRegister', (getDb) => {
  it('imports brand names in any case, interacting drugs and per-test responsibility', async () => {
    const db = getDb();
    const file = csv([
      HEADER,
      'R-ONE,"Smith, J (""Jo"")",Rainbow CMHT,Elm Surgery,1970-05-01,PRIADEL,2020-01-15,2024-11-01,,lithium_level=mh_trust;renal=gp_practice;*=gp_practice,lithium_level=j.bloggs@nhs.net;*=Dr A Patel',
      'R-ONE,"Smith, J (""Jo"")",Rainbow CMHT,Elm Surgery,1970-05-01,ramipril,2021-03-01,,,,',
      'R-TWO,Patient B,Rainbow CMHT,Oak Practice,,clozaril,2019-06-01,,2024-12-31,mh_trust,',
      'R-THREE,Patient C,Memory Team,Oak Practice,1940-02-29,Eliquis 5mg tablets,2023-09-09,,,hospital_clinic:Anticoagulation clinic,',
    ]);
    const result = await importRegister(db, file, { ruleSet, today: TODAY, batchSize: 2, analyzeAfterRows: 1 });
    expect(result).toEqual({
      ok: true,
      summary: {
        kind: 'register', rows: 4, teamsCreated: 2,
        patients: { inserted: 3, updated: 0, unchanged: 0 },
        prescriptions: { inserted: 4, updated: 0, unchanged: 0 },
        responsibilities: { inserted: 5, updated: 0, unchanged: 0, removed: 0 },
      },
    });
    const s = await stored(db, ['R-ONE', 'R-TWO', 'R-THREE']);
    expect(s.patients.map((p) => [p.patientRef, p.displayLabel, p.gpPractice, p.dateOfBirth])).toEqual([
      ['R-ONE', 'Smith, J ("Jo")', 'Elm Surgery', '1970-05-01'],
      ['R-THREE', 'Patient C', 'Oak Practice', '1940-02-29'],
      ['R-TWO', 'Patient B', 'Oak Practice', null],
    ]);
    expect(s.prescriptions.map(({ updatedAt: _u, ...r }) => r)).toEqual([
      { ref: 'R-THREE', drug: 'apixaban', startDate: '2023-09-09', lastDoseChange: null, stoppedOn: null },
      { ref: 'R-TWO', drug: 'clozapine', startDate: '2019-06-01', lastDoseChange: null, stoppedOn: '2024-12-31' },
      { ref: 'R-ONE', drug: 'lithium', startDate: '2020-01-15', lastDoseChange: '2024-11-01', stoppedOn: null },
      { ref: 'R-ONE', drug: 'ramipril', startDate: '2021-03-01', lastDoseChange: null, stoppedOn: null },
    ]);
    expect(s.responsibilities.map(({ updatedAt: _u, ...r }) => r)).toEqual([
      { ref: 'R-THREE', drug: 'apixaban', test: '*', orgType: 'hospital_clinic', orgName: 'Anticoagulation clinic', staff: null },
      { ref: 'R-TWO', drug: 'clozapine', test: '*', orgType: 'mh_trust', orgName: null, staff: null },
      { ref: 'R-ONE', drug: 'lithium', test: '*', orgType: 'gp_practice', orgName: null, staff: 'Dr A Patel' },
      { ref: 'R-ONE', drug: 'lithium', test: 'lithium_level', orgType: 'mh_trust', orgName: null, staff: 'j.bloggs@nhs.net' },
      { ref: 'R-ONE', drug: 'lithium', test: 'renal', orgType: 'gp_practice', orgName: null, staff: 'Dr A Patel' },
    ]);
    const created = await db.select().from(teams).where(inArray(teams.name, ['Rainbow CMHT', 'Memory Team']));
    expect(created.map((t) => t.timeZone)).toEqual(['Europe/London', 'Europe/London']);
  });

  it('changes nothing, not even updated_at, when the same file is imported again', async () => {
    const db = getDb();
    const file = csv([
      HEADER,
      'R-SAME,Same,Same Team,Elm Surgery,1980-01-01,Camcolit,2022-02-02,,,lithium_level=mh_trust;*=gp_practice,',
      'R-SAME,Same,Same Team,Elm Surgery,1980-01-01,methotrexate,2022-03-03,2023-01-01,,gp_practice,Dr B',
    ]);
    expect((await importRegister(db, file, { ruleSet, today: TODAY })).ok).toBe(true);
    const countsBefore = await tableCounts(db);
    const before = await stored(db, ['R-SAME']);
    const again = await importRegister(db, file, { ruleSet, today: TODAY });
    expect(again).toEqual({
      ok: true,
      summary: {
        kind: 'register', rows: 2, teamsCreated: 0,
        patients: { inserted: 0, updated: 0, unchanged: 1 },
        prescriptions: { inserted: 0, updated: 0, unchanged: 2 },
        responsibilities: { inserted: 0, updated: 0, unchanged: 3, removed: 0 },
      },
    });
    expect(await tableCounts(db)).toEqual(countsBefore);
    expect(await stored(db, ['R-SAME'])).toEqual(before);
  });


  it('stores long and repeated values exactly as written (the plan holds copies of them, shared between rows)', async () => {
    const db = getDb();
    // 13 characters or more, so each cell starts as a slice of the file's text; quotes, a
    // backslash and non-ASCII letters, which the copy must keep; the same practice, team, dates
    // and org on several rows and patients, which the plan shares.
    const label = 'O\'Brien, "Séan" \\ Ward 7 ✓';
    const rows = [
      `R-LONG-REFERENCE-1,"${label.replace(/"/g, '""')}",Community Mental Health Team Ω,Riverside Medical Practice,1961-12-31,lithium,2021-04-01,2024-02-29,,hospital_clinic:Lithium clinic — North,lithium_level=clinic.nurse@example.nhs.uk`,
      'R-LONG-REFERENCE-1,"' + label.replace(/"/g, '""') + '",Community Mental Health Team Ω,Riverside Medical Practice,1961-12-31,methotrexate,2021-04-01,,,hospital_clinic:Lithium clinic — North,',
      'R-LONG-REFERENCE-2,Another long display label,Community Mental Health Team Ω,Riverside Medical Practice,1961-12-31,lithium,2021-04-01,2024-02-29,,hospital_clinic:Lithium clinic — North,',
    ];
    const file = csv([HEADER, ...rows]);
    const first = await importRegister(db, file, { ruleSet, today: TODAY, analyzeAfterRows: 1 });
    expect(first.ok && first.summary.patients).toEqual({ inserted: 2, updated: 0, unchanged: 0 });
    const s = await stored(db, ['R-LONG-REFERENCE-1', 'R-LONG-REFERENCE-2']);
    expect(s.patients.map((p) => [p.patientRef, p.displayLabel, p.gpPractice, p.dateOfBirth])).toEqual([
      ['R-LONG-REFERENCE-1', label, 'Riverside Medical Practice', '1961-12-31'],
      ['R-LONG-REFERENCE-2', 'Another long display label', 'Riverside Medical Practice', '1961-12-31'],
    ]);
    expect(s.responsibilities.filter((r) => r.ref === 'R-LONG-REFERENCE-1' && r.drug === 'lithium').map((r) => [r.test, r.orgType, r.orgName, r.staff])).toEqual([
      ['*', 'hospital_clinic', 'Lithium clinic — North', null],
      ['lithium_level', 'hospital_clinic', 'Lithium clinic — North', 'clinic.nurse@example.nhs.uk'],
    ]);
    // Compared with what is stored, the copies are equal: nothing is rewritten.
    const again = await importRegister(db, file, { ruleSet, today: TODAY, analyzeAfterRows: 1 });
    expect(again.ok && again.summary).toMatchObject({
      patients: { inserted: 0, updated: 0, unchanged: 2 },
      prescriptions: { inserted: 0, updated: 0, unchanged: 3 },
      responsibilities: { inserted: 0, updated: 0, removed: 0 },
    });
    expect(await stored(db, ['R-LONG-REFERENCE-1', 'R-LONG-REFERENCE-2'])).toEqual(s);
  });
  it('updates what changed and leaves alone rows the file does not mention', async () => {
    const db = getDb();
    const first = csv([
      HEADER,
      'R-CHG,Before,Change Team,Elm Surgery,1960-06-06,lithium,2021-01-01,,,mh_trust,',
      'R-CHG,Before,Change Team,Elm Surgery,1960-06-06,olanzapine,2021-01-01,,,mh_trust,',
      'R-KEEP,Kept,Change Team,Elm Surgery,,warfarin,2020-01-01,,,gp_practice,',
    ]);
    expect((await importRegister(db, first, { ruleSet, today: TODAY })).ok).toBe(true);
    const before = await stored(db, ['R-CHG', 'R-KEEP']);
    const second = csv([
      HEADER,
      'R-CHG,After,Change Team,Birch Practice,1960-06-06,Priadel,2021-01-01,2025-01-01,,mh_trust,Nurse Kay',
      'R-CHG,After,Change Team,Birch Practice,1960-06-06,zyprexa,2021-01-01,,2025-05-05,mh_trust,',
    ]);
    const result = await importRegister(db, second, { ruleSet, today: TODAY });
    expect(result.ok && result.summary).toMatchObject({
      patients: { inserted: 0, updated: 1, unchanged: 0 },
      prescriptions: { inserted: 0, updated: 2, unchanged: 0 },
      responsibilities: { inserted: 0, updated: 1, unchanged: 1, removed: 0 },
    });
    const after = await stored(db, ['R-CHG', 'R-KEEP']);
    const chg = after.patients.find((p) => p.patientRef === 'R-CHG')!;
    expect([chg.displayLabel, chg.gpPractice]).toEqual(['After', 'Birch Practice']);
    expect(chg.updatedAt.getTime()).toBeGreaterThan(before.patients.find((p) => p.patientRef === 'R-CHG')!.updatedAt.getTime());
    expect(after.prescriptions.filter((r) => r.ref === 'R-CHG').map((r) => [r.drug, r.lastDoseChange, r.stoppedOn])).toEqual([
      ['lithium', '2025-01-01', null],
      ['olanzapine', null, '2025-05-05'],
    ]);
    expect(after.responsibilities.find((r) => r.ref === 'R-CHG' && r.drug === 'lithium')?.staff).toBe('Nurse Kay');
    // Not in the second file: untouched.
    expect(after.patients.find((p) => p.patientRef === 'R-KEEP')).toEqual(before.patients.find((p) => p.patientRef === 'R-KEEP'));
    expect(after.prescriptions.filter((r) => r.ref === 'R-KEEP')).toEqual(before.prescriptions.filter((r) => r.ref === 'R-KEEP'));
  });

  it('a filled-in responsibility cell replaces that drug\'s assignments; a blank cell leaves them', async () => {
    const db = getDb();
    const row = (org: string) => `R-RSP,Resp,Resp Team,Elm Surgery,,lithium,2021-01-01,,,${org},`;
    expect((await importRegister(db, csv([HEADER, row('lithium_level=mh_trust;*=gp_practice')]), { ruleSet, today: TODAY })).ok).toBe(true);
    const reassigned = await importRegister(db, csv([HEADER, row('gp_practice')]), { ruleSet, today: TODAY });
    expect(reassigned.ok && reassigned.summary.responsibilities).toEqual({ inserted: 0, updated: 0, unchanged: 1, removed: 1 });
    let held = (await stored(db, ['R-RSP'])).responsibilities.map((r) => [r.test, r.orgType]);
    expect(held).toEqual([['*', 'gp_practice']]);

    const blank = await importRegister(db, csv([HEADER, row('')]), { ruleSet, today: TODAY });
    expect(blank.ok && blank.summary.responsibilities).toEqual({ inserted: 0, updated: 0, unchanged: 0, removed: 0 });
    held = (await stored(db, ['R-RSP'])).responsibilities.map((r) => [r.test, r.orgType]);
    expect(held).toEqual([['*', 'gp_practice']]);
  });

  it('reports every bad row with its line and column, and writes nothing', async () => {
    const db = getDb();
    const countsBefore = await tableCounts(db);
    const file = csv([
      HEADER,
      'R-OK,Fine,Bad Team,Elm Surgery,1990-01-01,lithium,2024-01-01,,,gp_practice,', // line 2: valid, must not be written
      'R-BAD1,Bad,Bad Team,Elm Surgery,2026-01-01,lithium,2024-01-01,,,gp_practice,', // 3: born in the future
      'R-BAD2,Bad,Bad Team,Elm Surgery,,unobtainium,2024-02-30,,,gp_practice,', // 4: unknown drug, not a real date
      'R-BAD3,Bad,Bad Team,Elm Surgery,,lithium,2024-05-01,2024-04-01,2024-03-01,gp_practice,', // 5: dose change and stop before start
      'R-BAD4,Bad,Bad Team,Elm Surgery,,lithium,2024-05-01,,,lithium_level=trust;inr=gp_practice,', // 6: bad org, test not monitored
      'R-OK,Other label,Bad Team,Elm Surgery,1990-01-01,clozapine,2024-01-01,,,mh_trust,', // 7: disagrees with line 2
      ',No ref,Bad Team,,,lithium,01/02/2024,,,,Dr X', // 8: blanks, date format, staff without org
    ]);
    const result = await importRegister(db, file, { ruleSet, today: TODAY });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.code).toBe('IMPORT.INVALID_ROWS');
    expect(result.message).toMatch(/6 of 7 row\(s\) have problems; nothing was imported/);
    expect(result.problems.map((p) => [p.line, p.column])).toEqual([
      [3, 'date_of_birth'],
      [4, 'drug'],
      [4, 'start_date'],
      [5, 'last_dose_change'],
      [5, 'stopped_on'],
      [6, 'responsible_org'],
      [6, 'responsible_org'],
      [7, 'display_label'],
      [8, 'patient_ref'],
      [8, 'gp_practice'],
      [8, 'start_date'],
      [8, 'responsible_staff'],
    ]);
    const label = path.basename(file);
    const report = formatProblems(result.problems, label);
    expect(report).toContain(`${label} line 3, column date_of_birth: is in the future (today is ${TODAY})`);
    expect(report).toContain(`${label} line 4, column drug: "unobtainium" is not a drug in the rule set; use its generic name or a UK brand name`);
    expect(report).toContain(`${label} line 5, column stopped_on: 2024-03-01 is before start_date 2024-05-01`);
    expect(report).toContain(`${label} line 7, column display_label: differs from line 2 for the same patient_ref; a patient's columns must be the same on all of their rows`);
    expect(report).toContain(`${label} line 8, column start_date: "01/02/2024" is not a date in YYYY-MM-DD form`);
    expect(result.problems.filter((p) => p.line === 6).map((p) => p.message)).toEqual([
      expect.stringMatching(/^lithium_level: "trust" is not an organisation type; use gp_practice, mh_trust, hospital_clinic/),
      expect.stringMatching(/^inr is not monitored for this drug; its tests are lithium_level, renal/),
    ]);
    expect(await tableCounts(db)).toEqual(countsBefore);
  });

  it('refuses conflicting rows for the same prescription and a header that is not the register', async () => {
    const db = getDb();
    const conflict = await importRegister(db, csv([
      HEADER,
      'R-DUP,Dup,Dup Team,Elm Surgery,,lithium,2024-01-01,,,mh_trust,',
      'R-DUP,Dup,Dup Team,Elm Surgery,,Priadel,2024-01-01,,2024-06-01,gp_practice,',
    ]), { ruleSet, today: TODAY });
    expect(conflict.ok || conflict.problems.map((p) => [p.line, p.column, p.message])).toEqual([
      [3, 'stopped_on', 'differs from line 2, which has the same patient, drug (lithium) and start_date'],
      [3, 'responsible_org', 'for * differs from line 2 (same patient and drug lithium)'],
    ]);
    const header = await importRegister(db, csv(['patient_ref,name,team,drug,start_date,gp_practice', 'x,y,z,lithium,2024-01-01,g']), { ruleSet, today: TODAY });
    expect(header.ok || [header.code, header.problems.map((p) => p.message)]).toEqual([
      'IMPORT.BAD_HEADER',
      [expect.stringMatching(/^unexpected column\(s\): name;/), 'missing column(s): display_label'],
    ]);
    const empty = await importRegister(db, csv([HEADER]), { ruleSet, today: TODAY });
    expect(empty.ok || empty.code).toBe('IMPORT.EMPTY');
    expect((await db.select().from(patients).where(eq(patients.patientRef, 'R-DUP'))).length).toBe(0);
  });
});
