/**
 * Text in imported files: quoted line breaks (which docs/import-formats.md accepts per RFC 4180) in
 * the free-text columns, control and bidirectional characters refused each with its own message,
 * and patient references held to the one definition chat uses, so anything imported can be typed.
 */
import { inArray } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { patients } from '../../src/db/schema.js';
import { importEvents } from '../../src/imports/events-import.js';
import { formatProblems } from '../../src/imports/problems.js';
import { importRegister } from '../../src/imports/register-import.js';
import { describeEachEngine } from '../support/databases.js';
import { defaultRules } from '../support/rules.js';
import { csvWriter } from './support.js';

const TODAY = '2025-06-30';
const HEADER = 'patient_ref,display_label,team,gp_practice,date_of_birth,drug,start_date,last_dose_change,stopped_on,responsible_org,responsible_staff';
const ruleSet = defaultRules();
const csv = csvWriter('text');

describeEachEngine('imported text', (getDb) => {
  it('accepts a quoted line break in a free-text column, stored on one line, with later line numbers still right', async () => {
    const db = getDb();
    const file = csv([
      HEADER,
      'T-ONE,"Smith, J',
      '(1970)",Text Team,"Elm Surgery',
      'Annexe",,lithium,2020-01-15,,,,',
      'T-TWO,Patient B,Text Team,Oak Practice,,unobtainium,2020-01-15,,,,',
    ]);
    const refused = await importRegister(db, file, { ruleSet, today: TODAY });
    // The bad drug is on file line 5: the three lines of the first record are counted.
    expect(refused.ok || formatProblems(refused.problems, 'f.csv')).toEqual([
      'f.csv line 5, column drug: "unobtainium" is not a drug in the rule set; use its generic name or a UK brand name',
    ]);
    const good = csv([HEADER, 'T-ONE,"Smith, J\r\n(1970)",Text Team,"Elm Surgery\n  Annexe",,lithium,2020-01-15,,,,']);
    expect(await importRegister(db, good, { ruleSet, today: TODAY })).toMatchObject({ ok: true });
    const [stored] = await db.select().from(patients).where(inArray(patients.patientRef, ['T-ONE']));
    expect(stored).toMatchObject({ displayLabel: 'Smith, J (1970)', gpPractice: 'Elm Surgery Annexe' });
  });

  it('refuses a line break in a name that must be on one line, a tab, NUL and bidirectional overrides, each said plainly', async () => {
    const file = csv([
      HEADER,
      'T-3,Label,"Two\nLine Team",Elm Surgery,,lithium,2020-01-15,,,,', // 2-3
      'T-4,Tab\there,Team,Elm Surgery,,lithium,2020-01-15,,,,', // 4
      'T-5,Nul\u0000here,Team,Elm Surgery,,lithium,2020-01-15,,,,', // 5
      'T-6,Label \u202e71.0,Team,Elm Surgery,,lithium,2020-01-15,,,,', // 6
      'T-7,Label,Team,Elm \u2066Surgery,,lithium,2020-01-15,,,,', // 7
      'T-8,Esc\u001b[2J,Team,Elm Surgery,,lithium,2020-01-15,,,,', // 8
      'T-9,Label,Team,Elm Surgery,,lithium,2020-01-15,,,gp_practice,Dr \u202eX', // 9
    ]);
    const result = await importRegister(getDb(), file, { ruleSet, today: TODAY });
    expect(result.ok || formatProblems(result.problems, 'f.csv')).toEqual([
      'f.csv line 2, column team: contains a line break (a quoted value over two lines); a team name must be on one line',
      'f.csv line 4, column display_label: contains a tab; use spaces instead',
      'f.csv line 5, column display_label: contains a control character (U+0000, NUL); remove it',
      'f.csv line 6, column display_label: contains a bidirectional control character (U+202E, right-to-left override), which can make text show in a different order from what is stored; remove it',
      'f.csv line 7, column gp_practice: contains a bidirectional control character (U+2066, left-to-right isolate), which can make text show in a different order from what is stored; remove it',
      'f.csv line 8, column display_label: contains a control character (U+001B, escape); remove it',
      'f.csv line 9, column responsible_staff: contains a bidirectional control character (U+202E, right-to-left override), which can make text show in a different order from what is stored; remove it',
    ]);
  });

  it('holds patient references to the definition chat can type', async () => {
    const file = csv([
      HEADER,
      'RX 1,Label,Team,Elm Surgery,,lithium,2020-01-15,,,,',
      '"RX""1",Label,Team,Elm Surgery,,lithium,2020-01-15,,,,',
      `R${'1'.repeat(100)},Label,Team,Elm Surgery,,lithium,2020-01-15,,,,`,
      '=HYPERLINK(1),Label,Team,Elm Surgery,,lithium,2020-01-15,,,,',
      `R${'1'.repeat(99)},Label,Team,Elm Surgery,,lithium,2020-01-15,,,,`,
    ]);
    const result = await importRegister(getDb(), file, { ruleSet, today: TODAY });
    expect(result.ok || formatProblems(result.problems, 'f.csv')).toEqual([
      'f.csv line 2, column patient_ref: "RX 1" is not a patient reference: use letters, digits and _ . / - only, starting with a letter or digit, at most 100 characters (e.g. DEMO-001)',
      'f.csv line 3, column patient_ref: "RX\\"1" is not a patient reference: use letters, digits and _ . / - only, starting with a letter or digit, at most 100 characters (e.g. DEMO-001)',
      'f.csv line 4, column patient_ref: is 101 characters long; a patient reference is at most 100',
      'f.csv line 5, column patient_ref: "=HYPERLINK(1)" is not a patient reference: use letters, digits and _ . / - only, starting with a letter or digit, at most 100 characters (e.g. DEMO-001)',
    ]);
  });

  it('events: a reference that cannot be one says so, and quoted values never carry raw bidirectional characters', async () => {
    const file = csv([
      'patient_ref,test,outcome,value,unit,taken_on',
      'RX 1,inr,result,2.5,,2025-01-01',
      'NOT-IN-REGISTER,lithium\u202elevel,done,,,2025-01-01',
    ]);
    const result = await importEvents(getDb(), file, { today: TODAY });
    const report = result.ok ? [] : formatProblems(result.problems, 'f.csv');
    expect(report).toContain('f.csv line 2, column patient_ref: "RX 1" is not a patient reference: use letters, digits and _ . / - only, starting with a letter or digit, at most 100 characters (e.g. DEMO-001)');
    expect(report).toContain('f.csv line 3, column test: "lithium\\u202elevel" is not a known test key, label, or LOINC/SNOMED/Read code');
    expect(report.join('\n')).not.toMatch(/\u202e/);
  });
});
