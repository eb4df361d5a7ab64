/**
 * The organisation's due list is read three ways: on PostgreSQL one query streamed patient by
 * patient, on PGlite (and inside a transaction, and for a past as-of date) in chunks of teams, and
 * a team's list on its own. Each must give exactly what the pure due engine gives over states
 * aggregated from the events, including the modifiers that read several results (a falling
 * eGFR) and the Cockcroft–Gault inputs (DOACs), and the waivers.
 */
import { beforeAll, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { waivers } from '../../src/db/schema.js';
import { computeDue, type DueItem } from '../../src/domain/due.js';
import { dueList } from '../../src/register/due-list.js';
import { loadPatientStates } from '../../src/register/register-state.js';
import { describeEachEngine } from '../support/databases.js';
import { defaultRules } from '../support/rules.js';
import { addEvents, addPatient, AS_OF } from '../workflow/support.js';

const rules = defaultRules();

async function list(db: Database, options: { team?: string; asOf?: string; status?: 'all' | 'due' }): Promise<DueItem[]> {
  const due = await dueList(db, rules, { asOf: AS_OF, status: 'all', ...options });
  if (!due.ok) throw new Error(due.message);
  return due.value;
}

/** Every team's own list, joined, in patient, drug and test order. */
async function teamByTeam(db: Database, refs: string[], asOf: string): Promise<DueItem[]> {
  const items: DueItem[] = [];
  for (const ref of refs) items.push(...await list(db, { team: `Team ${ref}`, asOf }));
  return byPatientDrugTest(items);
}

/** One order for lists gathered in different ways, so that they compare item by item. */
const byPatientDrugTest = (items: DueItem[]) => [...items].sort((a, b) => JSON.stringify([a.patientRef, a.drug, a.test]).localeCompare(JSON.stringify([b.patientRef, b.drug, b.test])));

describeEachEngine('organisation due list', (getDb) => {
  const refs: string[] = [];

  beforeAll(async () => {
    const db = getDb();
    const add = async (ref: string, drugs: Parameters<typeof addPatient>[2]) => { refs.push(ref); return addPatient(db, ref, drugs); };
    // Lithium with eGFR lower on each of three results: the level is then 3-monthly, so overdue.
    const falling = await add('ORG-001', [{ drug: 'lithium', startDate: '2020-01-01' }]);
    await addEvents(db, falling, [
      ['egfr', 'result', 90, 'mL/min/1.73m2', '2026-01-01'], ['egfr', 'result', 80, 'mL/min/1.73m2', '2026-04-01'],
      ['egfr', 'result', 70, 'mL/min/1.73m2', '2026-07-01'], ['lithium_level', 'result', 0.6, 'mmol/L', '2026-07-01'],
    ]);
    // The same with a rising eGFR: 6-monthly, not yet due.
    const steady = await add('ORG-002', [{ drug: 'lithium', startDate: '2020-01-01' }]);
    await addEvents(db, steady, [
      ['egfr', 'result', 70, 'mL/min/1.73m2', '2026-01-01'], ['egfr', 'result', 80, 'mL/min/1.73m2', '2026-04-01'],
      ['egfr', 'result', 90, 'mL/min/1.73m2', '2026-07-01'], ['lithium_level', 'result', 0.6, 'mmol/L', '2026-07-01'],
    ]);
    // A DOAC with creatinine and weight: the renal interval comes from the estimated CrCl.
    const doac = await add('ORG-003', [{ drug: 'apixaban', startDate: '2025-01-01' }]);
    await addEvents(db, doac, [['creatinine', 'result', 150, 'umol/L', '2026-09-01'], ['weight', 'result', 60, 'kg', '2026-09-01']]);
    await add('ORG-004', [{ drug: 'clozapine', startDate: '2026-10-01' }]);
    await add('ORG-005', [{ drug: 'methotrexate', startDate: '2024-06-01' }, { drug: 'leflunomide', startDate: '2026-06-01' }]);
    const waived = await add('ORG-006', [{ drug: 'valproate', startDate: '2023-01-01', stoppedOn: '2026-11-01' }, { drug: 'lithium', startDate: '2021-01-01' }]);
    await db.insert(waivers).values({ patientId: waived, drug: null, test: 'renal', reason: 'end of life care', waivedUntil: '2027-06-01', createdBy: 'test' });
    // A result dated after the past as-of date used below, so that date is read from the events.
    await addEvents(db, waived, [['lithium_level', 'result', 0.7, 'mmol/L', '2026-11-20']]);
  });

  it('gives what the pure engine gives over states aggregated from the events, and what the teams give one by one', async () => {
    const db = getDb();
    const organisation = await list(db, {});
    const fromEvents = computeDue(await loadPatientStates(db, { asOf: AS_OF, source: 'events' }, rules), rules, AS_OF);
    expect(organisation).toEqual(fromEvents);
    expect(byPatientDrugTest(organisation)).toEqual(await teamByTeam(db, refs, AS_OF));
    expect(new Set(organisation.map((i) => i.patientRef))).toEqual(new Set(refs));

    const item = (ref: string, test: string) => organisation.find((i) => i.patientRef === ref && i.test === test);
    expect(item('ORG-001', 'lithium_level')).toMatchObject({ status: 'overdue', dueOn: '2026-10-01', modifiersApplied: ['lithium_egfr_falling'] });
    expect(item('ORG-002', 'lithium_level')).toMatchObject({ status: 'ok', dueOn: '2027-01-01', modifiersApplied: [] });
    const renal = (ref: string) => item(ref, 'renal');
    expect(renal('ORG-003')?.basis).toContain('Cockcroft–Gault from creatinine 150');
    expect(renal('ORG-006')).toMatchObject({ status: 'waived', waiver: { reason: 'end of life care', until: '2027-06-01' } });
  });

  it('filters by status the same way, and gives the same list inside a transaction', async () => {
    const db = getDb();
    const due = await list(db, { status: 'due' });
    expect(due).toEqual((await list(db, {})).filter((i) => ['overdue', 'never_done', 'due_soon'].includes(i.status)));
    const inTransaction = await db.transaction(async (tx) => {
      const result = await dueList(tx, rules, { asOf: AS_OF, status: 'due' });
      return result.ok ? result.value : null;
    });
    expect(inTransaction).toEqual(due);
  });

  it('as of a date before some results, reads them from the events and matches the teams one by one', async () => {
    const db = getDb();
    const asOf = '2026-11-10';
    const organisation = await list(db, { asOf });
    expect(byPatientDrugTest(organisation)).toEqual(await teamByTeam(db, refs, asOf));
    // The lithium level taken on 2026-11-20 is not yet known on 2026-11-10.
    expect(organisation.find((i) => i.patientRef === 'ORG-006' && i.test === 'lithium_level')?.lastDone).toBeNull();
  });
});
