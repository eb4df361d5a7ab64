/**
 * register.csv's `sex` and `flags` columns (issue 10 item 4), from the file to the patients row,
 * into the register state and into every rating, on each engine. Expectations from the spec
 * (docs/import-formats.md): sex is F/female or M/male in any case, blank/U/unknown not recorded;
 * flags are `;`-separated `ben`, `inr_target=N` (2.0 to 4.0, one decimal; 2.5 is the usual target
 * and records nothing) and `pregnancy_possible`, stored as {"ben":true,"inrTarget":3.5,
 * "pregnancyPossible":true}; both are patient columns, so a patient's rows must agree. Cockcroft–Gault
 * (MHRA 2019): (140 − age) × weight × 1.23 for men or 1.04 for women ÷ creatinine µmol/L; for a
 * 75-year-old of 80 kg with creatinine 110, 65 × 80 × 1.23 ÷ 110 = 58.1 and 65 × 80 × 1.04 ÷ 110 = 49.2.
 */
import path from 'node:path';
import { eq, inArray } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { defaultWorkflowConfig } from '../../src/config/workflow.js';
import type { Database } from '../../src/db/database.js';
import { patients, teams } from '../../src/db/schema.js';
import { importEvents } from '../../src/imports/events-import.js';
import { formatProblems } from '../../src/imports/problems.js';
import { importRegister } from '../../src/imports/register-import.js';
import { loadPatientStates } from '../../src/register/register-state.js';
import { resultsList } from '../../src/register/results-list.js';
import { loadSnapshots } from '../../src/workflow/generate.js';
import { describeEachEngine } from '../support/databases.js';
import { defaultRules } from '../support/rules.js';
import { csvWriter, tableCounts } from './support.js';

const TODAY = '2026-11-22';
const HEADER = 'patient_ref,display_label,team,gp_practice,date_of_birth,sex,flags,drug,start_date';
const ruleSet = defaultRules();
const csv = csvWriter('register');

const row = (ref: string, sex: string, flags: string, drug = 'clozapine', team = 'Attr Team') =>
  `${ref},Fictional,${team},Elm Surgery,1960-01-01,${sex},${flags},${drug},2024-01-01`;


async function storedPatients(db: Database, refs: string[]) {
  const rows = await db.select().from(patients).where(inArray(patients.patientRef, refs));
  return new Map(rows.map((p) => [p.patientRef, p]));
}

describeEachEngine('register sex and flags', (getDb) => {
  it('imports every accepted spelling and the values reach the register state on both paths', async () => {
    const db = getDb();
    const file = csv([
      HEADER,
      row('AT-01', 'F', 'ben'),
      row('AT-01', 'female', 'BEN ', 'lithium'), // the same patient: same values, other spellings
      row('AT-02', 'm', 'inr_target=3.5', 'warfarin'),
      row('AT-03', 'MALE', 'Pregnancy_Possible; ben ;inr_target=3.0', 'sodium valproate'),
      row('AT-04', '', ''),
      row('AT-05', 'U', 'inr_target=2.5', 'warfarin'), // the usual target: nothing to record
      row('AT-06', 'Unknown', ';'),
    ]);
    const result = await importRegister(db, file, { ruleSet, today: TODAY });
    expect(result.ok && result.summary.patients).toEqual({ inserted: 6, updated: 0, unchanged: 0 });

    const stored = await storedPatients(db, ['AT-01', 'AT-02', 'AT-03', 'AT-04', 'AT-05', 'AT-06']);
    expect([...stored.values()].map((p) => [p.patientRef, p.sex, p.clinicalFlags]).sort()).toEqual([
      ['AT-01', 'female', { ben: true }],
      ['AT-02', 'male', { inrTarget: 3.5 }],
      ['AT-03', 'male', { ben: true, inrTarget: 3, pregnancyPossible: true }],
      ['AT-04', null, {}],
      ['AT-05', null, {}],
      ['AT-06', null, {}],
    ]);

    const ids = [...stored.values()].map((p) => p.id);
    const fromSummary = await loadPatientStates(db, { asOf: TODAY, patientIds: ids }, ruleSet);
    const fromEvents = await loadPatientStates(db, { asOf: TODAY, patientIds: ids, source: 'events' }, ruleSet);
    const attributes = (states: typeof fromSummary) => states.map((s) => [s.patientRef, s.sex, s.flags]).sort();
    const expected = [
      ['AT-01', 'female', { ben: true }],
      ['AT-02', 'male', { inrTarget: 3.5 }],
      ['AT-03', 'male', { ben: true, inrTarget: 3, pregnancyPossible: true }],
      ['AT-04', null, undefined],
      ['AT-05', null, undefined],
      ['AT-06', null, undefined],
    ];
    expect(attributes(fromSummary)).toEqual(expected);
    expect(attributes(fromEvents)).toEqual(expected);
  });

  it('refuses a bad sex, an unknown flag, a bad INR target and disagreeing rows, naming line and column, and writes nothing', async () => {
    const db = getDb();
    const before = await tableCounts(db);
    const file = csv([
      HEADER,
      row('AT-BAD0', 'F', 'ben;pregnancy_possible'), // line 2: valid, must not be written
      row('AT-BAD1', 'X', ''), // 3
      row('AT-BAD2', '', 'bne'), // 4: misspelt ben
      row('AT-BAD3', '', 'inr_target=5', 'warfarin'), // 5: outside 2.0–4.0
      row('AT-BAD4', '', 'inr_target=high', 'warfarin'), // 6
      row('AT-BAD5', '', 'ben=yes'), // 7
      row('AT-BAD0', 'female', 'pregnancy_possible; ben', 'lithium'), // 8: agrees with line 2
      row('AT-BAD0', 'F', 'ben', 'olanzapine'), // 9: flags disagree with line 2
      row('AT-BAD0', 'M', 'ben;pregnancy_possible', 'quetiapine'), // 10: sex disagrees with line 2
      row('AT-BAD6', '', 'ben\u001b'), // 11: a control character
    ]);
    const result = await importRegister(db, file, { ruleSet, today: TODAY });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.code).toBe('IMPORT.INVALID_ROWS');
    expect(result.problems.map((p) => [p.line, p.column])).toEqual([
      [3, 'sex'], [4, 'flags'], [5, 'flags'], [6, 'flags'], [7, 'flags'], [9, 'flags'], [10, 'sex'], [11, 'flags'],
    ]);
    const label = path.basename(file);
    const report = formatProblems(result.problems, label);
    expect(report[0]).toMatch(new RegExp(`^${label} line 3, column sex: must be F, M or blank .*"X"`));
    expect(report[1]).toMatch(new RegExp(`^${label} line 4, column flags: .*unknown flag "bne".*ben, inr_target, pregnancy_possible`));
    expect(report[2]).toMatch(new RegExp(`^${label} line 5, column flags: inr_target needs a target from 2\\.0 to 4\\.0.*"inr_target=5"`));
    expect(report[3]).toMatch(new RegExp(`^${label} line 6, column flags: inr_target needs a target from 2\\.0 to 4\\.0.*"inr_target=high"`));
    expect(report[4]).toMatch(new RegExp(`^${label} line 7, column flags: ben takes no value`));
    expect(report[5]).toBe(`${label} line 9, column flags: differs from line 2 for the same patient_ref; a patient's columns must be the same on all of their rows`);
    expect(report[6]).toBe(`${label} line 10, column sex: differs from line 2 for the same patient_ref; a patient's columns must be the same on all of their rows`);
    expect(report[7]).toMatch(new RegExp(`^${label} line 11, column flags: contains a control character \\(U\\+001B, escape\\); remove it$`));
    expect(await tableCounts(db)).toEqual(before);
  });

  it('a re-import of the same file updates nothing; a changed, cleared or left-out column is handled as documented', async () => {
    const db = getDb();
    const first = csv([HEADER, row('AT-CHG', 'F', 'ben'), row('AT-CHG', 'F', 'ben', 'lithium'), row('AT-SAME', 'M', 'inr_target=3.5', 'warfarin')]);
    expect((await importRegister(db, first, { ruleSet, today: TODAY })).ok).toBe(true);
    const original = await storedPatients(db, ['AT-CHG', 'AT-SAME']);

    const again = await importRegister(db, first, { ruleSet, today: TODAY });
    expect(again.ok && again.summary.patients).toEqual({ inserted: 0, updated: 0, unchanged: 2 });
    expect(await storedPatients(db, ['AT-CHG', 'AT-SAME'])).toEqual(original);

    // A flag added: the patient is updated (updated_at moves), the other patient is not.
    const added = await importRegister(db, csv([HEADER, row('AT-CHG', 'F', 'ben;inr_target=3.5', 'lithium'), row('AT-SAME', 'M', 'inr_target=3.5', 'warfarin')]), { ruleSet, today: TODAY });
    expect(added.ok && added.summary.patients).toEqual({ inserted: 0, updated: 1, unchanged: 1 });
    let now = await storedPatients(db, ['AT-CHG', 'AT-SAME']);
    expect(now.get('AT-CHG')?.clinicalFlags).toEqual({ ben: true, inrTarget: 3.5 });
    expect(now.get('AT-CHG')!.updatedAt.getTime()).toBeGreaterThan(original.get('AT-CHG')!.updatedAt.getTime());
    expect(now.get('AT-SAME')).toEqual(original.get('AT-SAME'));

    // Blank cells clear what was recorded.
    const cleared = await importRegister(db, csv([HEADER, row('AT-CHG', '', '', 'lithium')]), { ruleSet, today: TODAY });
    expect(cleared.ok && cleared.summary.patients).toEqual({ inserted: 0, updated: 1, unchanged: 0 });
    now = await storedPatients(db, ['AT-CHG']);
    expect([now.get('AT-CHG')?.sex, now.get('AT-CHG')?.clinicalFlags]).toEqual([null, {}]);
    const [state] = await loadPatientStates(db, { asOf: TODAY, patientIds: [now.get('AT-CHG')!.id] }, ruleSet);
    expect([state?.sex, state?.flags]).toEqual([null, undefined]);

    // A file without the columns says nothing about them: what is stored stays.
    const noColumns = await importRegister(db, csv([
      'patient_ref,display_label,team,gp_practice,date_of_birth,drug,start_date',
      'AT-SAME,Fictional,Attr Team,Elm Surgery,1960-01-01,warfarin,2024-01-01',
    ]), { ruleSet, today: TODAY });
    expect(noColumns.ok && noColumns.summary.patients).toEqual({ inserted: 0, updated: 0, unchanged: 1 });
    expect((await storedPatients(db, ['AT-SAME'])).get('AT-SAME')).toEqual(original.get('AT-SAME'));
  });

  it('the rating gets the patient\'s sex: apixaban patients alike but for sex get different Cockcroft–Gault CrCl', async () => {
    const db = getDb();
    // Born 1951-06-01: 75 on the sample date, 2026-11-20.
    const reg = (ref: string, sex: string) => `${ref},Fictional,CrCl Team,Elm Surgery,1951-06-01,${sex},,apixaban,2024-01-01`;
    expect((await importRegister(db, csv([HEADER, reg('CG-M', 'M'), reg('CG-F', 'F'), reg('CG-U', '')]), { ruleSet, today: TODAY })).ok).toBe(true);
    const events = csv(['patient_ref,test,outcome,value,unit,taken_on',
      ...['CG-M', 'CG-F', 'CG-U'].flatMap((ref) => [`${ref},weight,result,80,kg,2026-11-01`, `${ref},creatinine,result,110,µmol/L,2026-11-20`])], 'events-crcl.csv');
    expect((await importEvents(db, events, { today: TODAY })).ok).toBe(true);

    const crcl = {
      'CG-M': 'CrCl 58.1 mL/min, Cockcroft–Gault from creatinine 110 µmol/L (2026-11-20), actual body weight 80 kg (2026-11-01), age 75, male',
      'CG-F': 'CrCl 49.2 mL/min, Cockcroft–Gault from creatinine 110 µmol/L (2026-11-20), actual body weight 80 kg (2026-11-01), age 75, female',
      'CG-U': 'CrCl 49.2 mL/min, Cockcroft–Gault from creatinine 110 µmol/L (2026-11-20), actual body weight 80 kg (2026-11-01), age 75, sex not recorded, so the lower (female) estimate',
    };
    const listed = await resultsList(db, ruleSet, { team: 'CrCl Team', asOf: TODAY, days: 7, flaggedOnly: false });
    expect(listed.ok).toBe(true);
    if (!listed.ok) return;
    const creatinine = new Map(listed.value.filter((r) => r.test === 'creatinine').map((r) => [r.patientRef, r.reason]));
    for (const [ref, text] of Object.entries(crcl)) expect(creatinine.get(ref)).toContain(text);

    // The sync's rating (generate.ts) reads the same sex, from the register state.
    const [team] = await db.select().from(teams).where(eq(teams.name, 'CrCl Team'));
    const scoped = [...(await storedPatients(db, Object.keys(crcl))).values()]
      .map((p) => ({ id: p.id, patientRef: p.patientRef, teamId: team!.id, timeZone: 'Europe/London', escalate: true }));
    const { snapshots } = await loadSnapshots(db, ruleSet, scoped, { asOf: TODAY, now: new Date(`${TODAY}T12:00:00Z`), config: defaultWorkflowConfig });
    for (const snapshot of snapshots) {
      const rated = snapshot.results.find((r) => r.test === 'creatinine');
      expect(rated?.reason).toContain(crcl[snapshot.patientRef as keyof typeof crcl]);
    }
    expect(snapshots).toHaveLength(3);
  });
});
