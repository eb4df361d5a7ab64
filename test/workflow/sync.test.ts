/**
 * `syncActions` against a real database on each engine: the actions a small fictional register
 * calls for, idempotence (no new actions and no audit events the second time), automatic closing
 * with the reason, no re-creation of a closed review, one audit event per created action, and on
 * PostgreSQL two syncs at once creating each action once.
 */
import { sql } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { defaultWorkflowConfig } from '../../src/config/workflow.js';
import { rowsOf } from '../../src/db/client.js';
import { describeSyncSummary, syncActions, type SyncOptions } from '../../src/workflow/sync.js';
import { describeEachEngine } from '../support/databases.js';
import { defaultRules } from '../support/rules.js';
import { actionsOf, addEvents, addPatient, AS_OF, auditFor, auditHeadSeq, NOW, systemActor } from './support.js';

const rules = defaultRules();
const HOUR = 3_600_000;

describeEachEngine('action sync', (getDb, engine) => {
  const ids = { overdue: '', red: '', dna: '' };
  const options = (over: Partial<SyncOptions> = {}): SyncOptions => ({
    asOf: AS_OF, now: NOW, actor: systemActor(), config: defaultWorkflowConfig, patientIds: Object.values(ids), ...over,
  });

  beforeAll(async () => {
    const db = getDb();
    // Medication review due 2026-10-01: 52 days overdue, past the 28-day escalation line.
    ids.overdue = await addPatient(db, 'SYNC-001', [{ drug: 'pregabalin', startDate: '2025-01-01' }]);
    await addEvents(db, ids.overdue, [['medication_review', 'done', null, null, '2026-04-01']]);
    // Lithium with everything up to date except a toxic level two days ago.
    ids.red = await addPatient(db, 'SYNC-002', [{ drug: 'lithium', startDate: '2020-01-01' }]);
    await addEvents(db, ids.red, [
      ['renal', 'done', null, null, '2026-11-01'], ['calcium', 'done', null, null, '2026-11-01'], ['tft', 'done', null, null, '2026-11-01'],
      ['weight', 'done', null, null, '2026-11-01'], ['lithium_level', 'result', 1.6, 'mmol/L', '2026-11-20'],
    ]);
    // Up to date, but missed an FBC yesterday and was discharged from hospital yesterday.
    ids.dna = await addPatient(db, 'SYNC-003', [{ drug: 'gabapentin', startDate: '2025-01-01' }]);
    await addEvents(db, ids.dna, [['medication_review', 'done', null, null, '2026-11-01'], ['fbc', 'dna', null, null, '2026-11-21']]);
    await db.execute(sql`INSERT INTO discharges (patient_id, discharged_on, source) VALUES (${ids.dna}::uuid, '2026-11-21', 'test')`);
  });

  it('creates the actions the register calls for, each with exactly one audit event', async () => {
    const db = getDb();
    const summary = await syncActions(db, rules, options());
    expect(summary).toMatchObject({
      created: { overdue_monitoring: 1, escalation: 2, result_review: 1, dna_followup: 1, reconciliation: 1, clinical_decision: 0 },
      createdTotal: 6, autoClosed: 0, unchanged: 0, patients: 3,
    });
    expect(describeSyncSummary(summary)).toMatch(/^Actions as of 2026-11-22: 6 created \(1 overdue monitoring, 1 result review, 1 dna followup, 1 reconciliation, 2 escalation\), 0 closed automatically, 0 open unchanged; 3 patients checked in/);

    const [overdue, escalation] = await actionsOf(db, [ids.overdue]);
    expect(overdue).toMatchObject({ kind: 'overdue_monitoring', priority: 'amber', status: 'open', cause_key: `overdue:${ids.overdue}:pregabalin:medication_review`, version: 1 });
    expect(overdue?.cause).toMatchObject({ drug: 'pregabalin', test: 'medication_review', dueOn: '2026-10-01', daysOverdue: 52, lastDone: '2026-04-01' });
    expect(overdue?.due_at).toEqual(new Date(NOW.getTime() + 7 * 24 * HOUR));
    expect(escalation).toMatchObject({ kind: 'escalation', assigned_role: 'duty_lead', priority: 'amber', parent_id: overdue?.id });

    const [review, prescriber] = await actionsOf(db, [ids.red]);
    expect(review).toMatchObject({ kind: 'result_review', priority: 'red' });
    expect(review?.cause).toMatchObject({ test: 'lithium_level', value: 1.6, flag: 'red', takenOn: '2026-11-20' });
    expect(review?.due_at).toEqual(new Date(NOW.getTime() + 4 * HOUR));
    expect(prescriber).toMatchObject({ kind: 'escalation', assigned_role: 'prescriber', priority: 'red', parent_id: review?.id });

    const dnaActions = await actionsOf(db, [ids.dna]);
    expect(dnaActions.map((a) => a.kind).sort()).toEqual(['dna_followup', 'reconciliation']);
    // Missed yesterday: that day is over, so four hours from now.
    expect(dnaActions.find((a) => a.kind === 'dna_followup')?.due_at).toEqual(new Date(NOW.getTime() + 4 * HOUR));
    expect(dnaActions.find((a) => a.kind === 'reconciliation')?.due_at).toEqual(new Date('2026-11-24T00:00:00Z'));

    const all = await actionsOf(db, Object.values(ids));
    const audit = await auditFor(db, all.map((a) => `A-${a.id}`));
    for (const a of all) {
      const events = audit.filter((e) => e.entity_id === `A-${a.id}` && e.verb === 'action.created');
      expect(events, `A-${a.id}`).toHaveLength(1);
      expect(events[0]?.after).toMatchObject({ kind: a.kind, priority: a.priority, dueAt: a.due_at.toISOString(), cause: a.cause });
    }
    expect(audit.find((e) => e.entity_id === `A-${overdue?.id}`)?.patient_ref).toBe('SYNC-001');
  });

  it('a second sync creates nothing and writes no audit events', async () => {
    const db = getDb();
    const before = await auditHeadSeq(db);
    const summary = await syncActions(db, rules, options());
    expect(summary).toMatchObject({ createdTotal: 0, autoClosed: 0, unchanged: 6, patients: 3 });
    expect(await auditHeadSeq(db)).toBe(before);
  });

  it('a whole-organisation sync forgets delivery receipts older than a day, and only those', async () => {
    const db = getDb();
    await db.execute(sql`INSERT INTO request_receipts (delivery_key, created_at) VALUES
      ('test:old', now() - interval '25 hours'), ('test:fresh', now() - interval '23 hours')`);
    await syncActions(db, rules, options());
    expect(rowsOf<{ delivery_key: string }>(await db.execute(sql`SELECT delivery_key FROM request_receipts WHERE delivery_key LIKE 'test:%'`)).length).toBe(2);
    await syncActions(db, rules, options({ patientIds: undefined }));
    const left = rowsOf<{ delivery_key: string }>(await db.execute(sql`SELECT delivery_key FROM request_receipts WHERE delivery_key LIKE 'test:%'`));
    expect(left.map((r) => r.delivery_key)).toEqual(['test:fresh']);
  });

  it('closes the overdue action and its escalation automatically once the test is done, saying why', async () => {
    const db = getDb();
    await addEvents(db, ids.overdue, [['medication_review', 'done', null, null, '2026-11-20']]);
    const summary = await syncActions(db, rules, options({ patientIds: [ids.overdue] }));
    expect(summary).toMatchObject({ createdTotal: 0, autoClosed: 2, unchanged: 0 });
    const [overdue, escalation] = await actionsOf(db, [ids.overdue]);
    expect(overdue).toMatchObject({ status: 'closed', outcome: 'auto_resolved', closed_reason: 'medication_review done on 2026-11-20', version: 2 });
    expect(escalation).toMatchObject({ status: 'closed', outcome: 'auto_resolved', closed_reason: `A-${overdue?.id} closed automatically: medication_review done on 2026-11-20` });
    const audit = await auditFor(db, [`A-${overdue?.id}`]);
    expect(audit.map((e) => e.verb)).toEqual(['action.created', 'action.auto_closed']);
    expect(audit[1]).toMatchObject({ before: { status: 'open' }, after: { status: 'closed', outcome: 'auto_resolved' }, reason: 'medication_review done on 2026-11-20' });
  });

  it('closes a DNA follow-up once the missed test has been done', async () => {
    const db = getDb();
    await addEvents(db, ids.dna, [['neutrophils', 'result', 3.1, '10^9/L', '2026-11-22']]);
    expect(await syncActions(db, rules, options({ patientIds: [ids.dna] }))).toMatchObject({ autoClosed: 1, unchanged: 1 });
    const followUp = (await actionsOf(db, [ids.dna])).find((a) => a.kind === 'dna_followup');
    expect(followUp).toMatchObject({ status: 'closed', closed_reason: 'fbc done on 2026-11-22' });
  });

  it('does not re-create a result review once it has been closed', async () => {
    const db = getDb();
    const review = (await actionsOf(db, [ids.red])).find((a) => a.kind === 'result_review')!;
    await db.execute(sql`UPDATE actions SET status = 'closed', outcome = 'in_range_no_action', closed_at = ${NOW.toISOString()}::timestamptz,
      version = version + 1 WHERE id = ${review.id}`);
    const summary = await syncActions(db, rules, options({ patientIds: [ids.red] }));
    expect(summary).toMatchObject({ createdTotal: 0, unchanged: 1 });
    const reviews = (await actionsOf(db, [ids.red])).filter((a) => a.cause_key === review.cause_key);
    expect(reviews).toHaveLength(1);
  });

  if (engine === 'postgres') {
    it('two syncs at once create each action once', async () => {
      const db = getDb();
      const fresh: string[] = [];
      for (let i = 0; i < 12; i++) {
        const id = await addPatient(db, `SYNC-C${String(i).padStart(2, '0')}`, [{ drug: 'pregabalin', startDate: '2025-01-01' }]);
        await addEvents(db, id, [['medication_review', 'done', null, null, '2026-03-01'], ['fbc', 'dna', null, null, '2026-11-22']]);
        fresh.push(id);
      }
      const run = () => syncActions(db, rules, options({ patientIds: fresh, batchSize: 3 }));
      const [a, b] = await Promise.all([run(), run()]);
      // Each patient: overdue review, its escalation, and a DNA follow-up.
      expect(a.createdTotal + b.createdTotal).toBe(36);
      const created = await actionsOf(db, fresh);
      expect(created).toHaveLength(36);
      expect(new Set(created.map((x) => x.cause_key)).size).toBe(36);
      const escalations = created.filter((x) => x.kind === 'escalation');
      const parents = new Map(created.map((x) => [x.id, x]));
      for (const e of escalations) expect(parents.get(e.parent_id!)?.kind).toBe('overdue_monitoring');
      const [count] = rowsOf<{ n: number }>(await db.execute(sql`SELECT count(*)::int AS n FROM audit_events
        WHERE verb = 'action.created' AND entity_id = ANY(${sql.param(created.map((x) => `A-${x.id}`))}::text[])`));
      expect(count?.n).toBe(36);
    });
  }
});
