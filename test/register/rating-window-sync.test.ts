/**
 * Issue 10 items 1 and 2 through the sync and the results list, on each engine. Expectations
 * from the guidance the rules cite: clozapine FBC continues 4 weeks after a stop and neutrophils
 * below 1.5 ×10⁹/L are red, every FBC needing sign-off (GGC-CLZ, ZTAS); amiodarone TFT continues
 * 12 months after a stop and TSH above 4.5 mU/L needs action (CKS 2009, SPS); a baseline within
 * 90 days before the start is rated, platelets below 140 ×10⁹/L being a BSR stop threshold for
 * methotrexate; dabigatran is contraindicated below CrCl 30 mL/min (SmPC), CrCl by
 * Cockcroft–Gault (MHRA 2019): a 56-year-old of 50 kg, sex unrecorded (female constant 1.04),
 * creatinine 200 µmol/L: (140 − 56) × 50 × 1.04 ÷ 200 = 21.8 mL/min.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultWorkflowConfig } from '../../src/config/workflow.js';
import { dueList } from '../../src/register/due-list.js';
import { loadPatientStates } from '../../src/register/register-state.js';
import { resultsList } from '../../src/register/results-list.js';
import { syncActions } from '../../src/workflow/sync.js';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { defaultRules } from '../support/rules.js';
import { actionsOf, addEvents, addPatient, AS_OF, NOW, systemActor } from '../workflow/support.js';

const rules = defaultRules();

describe.each(engines)('one rating window through the sync [%s]', (engine) => {
  let testDb: TestDatabase;
  const ids = { clozapine: '', amiodarone: '', baseline: '', dabigatran: '', clozapineLong: '' };

  beforeAll(async () => {
    testDb = await createTestDatabase(engine);
    const db = testDb.db;
    ids.clozapine = await addPatient(db, 'WIN-001', [{ drug: 'clozapine', startDate: '2025-01-06', stoppedOn: '2026-11-10' }]);
    await addEvents(db, ids.clozapine, [['neutrophils', 'result', 1.2, '10^9/L', '2026-11-20']]);
    ids.amiodarone = await addPatient(db, 'WIN-002', [{ drug: 'amiodarone', startDate: '2020-03-01', stoppedOn: '2026-06-01' }]);
    await addEvents(db, ids.amiodarone, [['tsh', 'result', 6.2, 'mU/L', '2026-11-15']]);
    ids.baseline = await addPatient(db, 'WIN-003', [{ drug: 'methotrexate', startDate: '2026-12-01' }]);
    // A creatinine outside the results window: a non-DOAC patient's, never read for Cockcroft–Gault.
    await addEvents(db, ids.baseline, [['platelets', 'result', 120, '10^9/L', '2026-11-18'], ['creatinine', 'result', 80, 'µmol/L', '2026-10-01']]);
    ids.dabigatran = await addPatient(db, 'WIN-004', [{ drug: 'dabigatran', startDate: '2024-05-01' }]);
    await addEvents(db, ids.dabigatran, [['weight', 'result', 50, 'kg', '2026-10-01'], ['creatinine', 'result', 200, 'µmol/L', '2026-11-20']]);
    // Stopped long enough ago that its FBC is no longer monitored: nothing to rate it against.
    ids.clozapineLong = await addPatient(db, 'WIN-005', [{ drug: 'clozapine', startDate: '2025-01-06', stoppedOn: '2026-10-01' }]);
    await addEvents(db, ids.clozapineLong, [['neutrophils', 'result', 1.2, '10^9/L', '2026-11-20']]);
    await syncActions(db, rules, { asOf: AS_OF, now: NOW, actor: systemActor(), config: defaultWorkflowConfig, patientIds: Object.values(ids) });
    return () => testDb.close();
  });

  const reviews = async (id: string) => (await actionsOf(testDb.db, [id])).filter((a) => a.kind === 'result_review' || a.cause_key.startsWith('escalation:result:'));

  it('a neutropenic count 10 days after clozapine stops raises a red review that needs sign-off, and its escalation', async () => {
    const raised = await reviews(ids.clozapine);
    expect(raised.map((a) => [a.kind, a.priority])).toEqual([['result_review', 'red'], ['escalation', 'red']]);
    expect(raised[0]!.cause).toMatchObject({ flag: 'red', signOff: true, test: 'neutrophils' });
    expect(raised[0]!.cause.reason).toMatch(/clozapine stopped 10 days before this sample \(2026-11-10\); monitoring continues 4 weeks after stopping/);
  });

  it('a raised TSH five months after amiodarone stops is flagged amber', async () => {
    const [review] = await reviews(ids.amiodarone);
    expect(review).toMatchObject({ kind: 'result_review', priority: 'amber' });
    expect(review!.cause.reason).toMatch(/TSH above 4\.5.*amiodarone stopped 167 days before this sample/);
  });

  it('a baseline count before methotrexate starts is rated red', async () => {
    const [review] = await reviews(ids.baseline);
    expect(review).toMatchObject({ kind: 'result_review', priority: 'red' });
    expect(review!.cause.reason).toMatch(/methotrexate starts 13 days after this sample \(2026-12-01\): rated as its baseline/);
  });

  it('a creatinine on dabigatran is judged as its Cockcroft–Gault CrCl: 21.8 mL/min is red (contraindicated below 30)', async () => {
    const [review] = await reviews(ids.dabigatran);
    expect(review).toMatchObject({ kind: 'result_review', priority: 'red' });
    expect(review!.cause.reason).toMatch(/CrCl 21\.8 mL\/min, Cockcroft–Gault from creatinine 200 µmol\/L \(2026-11-20\), actual body weight 50 kg \(2026-10-01\), age 56, sex not recorded, so the lower \(female\) estimate, which is < 30: .*dabigatran is contraindicated/);
  });

  it('a count after the post-stop period raises nothing: no drug covers it', async () => {
    expect(await reviews(ids.clozapineLong)).toEqual([]);
  });

  it('the results list rates them the same way', async () => {
    const listed = await resultsList(testDb.db, rules, { asOf: AS_OF, days: 14, flaggedOnly: false });
    expect(listed.ok).toBe(true);
    if (!listed.ok) return;
    const flagOf = (ref: string) => listed.value.find((r) => r.patientRef === ref)?.flag;
    expect([flagOf('WIN-001'), flagOf('WIN-002'), flagOf('WIN-003'), flagOf('WIN-004'), flagOf('WIN-005')]).toEqual(['red', 'amber', 'red', 'red', 'not_rated']);
    expect(listed.value.find((r) => r.patientRef === 'WIN-004')?.reason).toMatch(/Cockcroft–Gault/);
  });

  it('reads the Cockcroft–Gault inputs for the DOAC patient only, the same from the summary as from the events', async () => {
    const scope = { patientIds: [ids.dabigatran, ids.baseline], asOf: AS_OF };
    const fromSummary = await loadPatientStates(testDb.db, scope, rules);
    const fromEvents = await loadPatientStates(testDb.db, { ...scope, source: 'events' }, rules);
    const byRef = (states: typeof fromSummary) => Object.fromEntries(states.map((p) => [p.patientRef, p.recentValues]));
    expect(byRef(fromSummary)).toEqual(byRef(fromEvents));
    expect(byRef(fromSummary)['WIN-004']).toMatchObject({ creatinine: [{ value: 200, takenOn: '2026-11-20' }], weight: [{ value: 50, takenOn: '2026-10-01' }] });
    expect(byRef(fromSummary)['WIN-003']?.creatinine).toBeUndefined();
  });

  it('the dabigatran patient\'s renal function is due every CrCl ÷ 10 months, in days: 21.8 ÷ 10 = 2.18 months, 66 days', async () => {
    const due = await dueList(testDb.db, rules, { team: 'Team WIN-004', asOf: AS_OF, status: 'all' });
    expect(due.ok).toBe(true);
    if (!due.ok) return;
    // 2.184 months × 30.4375 days = 66.5 → 66 days after the creatinine of 2026-11-20.
    expect(due.value.find((i) => i.test === 'renal')).toMatchObject({ dueOn: '2027-01-25', modifiersApplied: ['doac_crcl_below_60'] });
  });
});
