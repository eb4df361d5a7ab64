/**
 * Issue 11, "Wrong clinical output", items 2, 4 and 5, on each engine: a red result older than
 * RESULT_LOOKBACK_DAYS raises its review (unless a later result of the same test exists), the
 * summary counts what was left unraised because of its age, a sync as of a future date writes
 * nothing, and the CLI lists a result no threshold applies to as NOT RATED. Reproduces the
 * defects first: an old red result raised nothing and the summary said nothing about it; a future
 * as-of wrote real actions; a clozapine patient's lithium level was listed as GREEN.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultWorkflowConfig } from '../../src/config/workflow.js';
import { describeSyncSummary, previewSync, syncActions, type SyncOptions } from '../../src/workflow/sync.js';
import { runCliOn } from '../support/cli.js';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { defaultRules } from '../support/rules.js';
import { actionsOf, addEvents, addPatient, AS_OF, auditHeadSeq, NOW, systemActor } from './support.js';

const rules = defaultRules();

describe.each(engines)('old results and future syncs [%s]', (engine) => {
  let testDb: TestDatabase;
  const ids = { red: '', superseded: '', amber: '', clozapine: '' };
  const options = (over: Partial<SyncOptions> = {}): SyncOptions => ({
    asOf: AS_OF, now: NOW, actor: systemActor(), config: defaultWorkflowConfig, patientIds: Object.values(ids), ...over,
  });

  beforeAll(async () => {
    testDb = await createTestDatabase(engine);
    const db = testDb.db;
    const lithium = [{ drug: 'lithium', startDate: '2020-01-01' }];
    // A toxic level nearly two years ago, never reviewed, and no lithium level since.
    ids.red = await addPatient(db, 'OLD-001', lithium);
    await addEvents(db, ids.red, [['lithium_level', 'result', 1.7, 'mmol/L', '2025-01-10']]);
    // The same, but a later (normal) level supersedes it.
    ids.superseded = await addPatient(db, 'OLD-002', lithium);
    await addEvents(db, ids.superseded, [['lithium_level', 'result', 1.7, 'mmol/L', '2025-01-10'], ['lithium_level', 'result', 0.6, 'mmol/L', '2025-02-01']]);
    // An old amber level, the latest of its test.
    ids.amber = await addPatient(db, 'OLD-003', lithium);
    await addEvents(db, ids.amber, [['lithium_level', 'result', 1.2, 'mmol/L', '2025-01-10']]);
    // A clozapine-only patient with a recent lithium level: nothing rates it.
    ids.clozapine = await addPatient(db, 'OLD-004', [{ drug: 'clozapine', startDate: '2026-01-01' }]);
    await addEvents(db, ids.clozapine, [['lithium_level', 'result', 0.7, 'mmol/L', '2026-11-20']]);
    return () => testDb.close();
  });

  it('a future as-of is refused by syncActions and previews without writing', async () => {
    const seq = await auditHeadSeq(testDb.db);
    await expect(syncActions(testDb.db, rules, options({ asOf: '2027-06-01' }))).rejects.toThrow(/in the future/);
    const preview = await previewSync(testDb.db, rules, options({ asOf: '2027-06-01' }));
    expect(preview.createdTotal).toBeGreaterThan(0);
    expect(preview.changes.some((c) => c.change === 'create' && c.patientRef === 'OLD-001' && c.kind === 'result_review')).toBe(true);
    expect(await auditHeadSeq(testDb.db)).toBe(seq);
    expect(await actionsOf(testDb.db, Object.values(ids))).toEqual([]);
  });

  it('raises the old red result, not the superseded one, and counts the old amber one', async () => {
    const summary = await syncActions(testDb.db, rules, options());
    const reviews = (await actionsOf(testDb.db, Object.values(ids))).filter((a) => a.kind === 'result_review' || a.cause_key.startsWith('escalation:result:'));
    expect(reviews.map((a) => [a.kind, a.priority, a.cause.takenOn])).toEqual([['result_review', 'red', '2025-01-10'], ['escalation', 'red', '2025-01-10']]);
    expect((await actionsOf(testDb.db, [ids.red])).filter((a) => a.kind === 'result_review')).toHaveLength(1);
    expect(summary.skippedTooOld).toEqual({ amber: 1, red: 0 });
    expect(describeSyncSummary(summary)).toMatch(/Not raised, older than the 14-day look-back \(RESULT_LOOKBACK_DAYS\): 1 amber and 0 red result\(s\)/);
  });

  it('a second sync raises nothing new and still reports the old amber result', async () => {
    const summary = await syncActions(testDb.db, rules, options());
    expect(summary.createdTotal).toBe(0);
    expect(summary.skippedTooOld).toEqual({ amber: 1, red: 0 });
  });

  it('closedloop results lists the clozapine patient\'s lithium level as NOT RATED, and --flagged leaves it out', async () => {
    const all = await runCliOn(testDb, ['results', '--days', '7']);
    expect(all.code).toBe(0);
    expect(all.out).toMatch(/OLD-004\s+lithium_level\s+0\.7\s+mmol\/L\s+2026-11-20\s+NOT RATED\s+lithium_level 0\.7 mmol\/L: not rated, because no threshold for lithium_level applies to clozapine/);
    expect(all.out).not.toMatch(/GREEN/);
    const json = JSON.parse((await runCliOn(testDb, ['results', '--days', '7', '--format', 'json'])).out) as { flag: string; rating: string }[];
    expect(json).toContainEqual(expect.objectContaining({ flag: 'not_rated', rating: 'NOT RATED' }));
    const flagged = await runCliOn(testDb, ['results', '--days', '7', '--flagged']);
    expect(flagged.out).not.toContain('OLD-004');
  });
});
