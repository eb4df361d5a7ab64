/**
 * Recording a result, a missed test or a discharge from chat, on each engine: validation with
 * messages that say what to type, the event and its actions written together, and recording the
 * same thing twice changing nothing.
 */
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultWorkflowConfig } from '../../src/config/workflow.js';
import { rowsOf } from '../../src/db/client.js';
import { recordDischarge, recordDna, recordResult, type RecordActor } from '../../src/workflow/record-events.js';
import { describeEachEngine } from '../support/databases.js';
import { defaultRules } from '../support/rules.js';
import { actionsOf, addEvents, addPatient, addStaff, auditFor, auditHeadSeq, NOW, systemActor } from './support.js';

const rules = defaultRules();
const HOUR = 3_600_000;

describeEachEngine('recording events from chat', (getDb, engine) => {
  let actor: RecordActor;
  beforeAll(async () => {
    const staffId = await addStaff(getDb(), `pharmacist-${engine}@example.nhs.uk`);
    actor = { ...systemActor(), id: staffId, name: 'Test Pharmacist', identity: 'console:local:pharmacist', via: 'console', staffId };
  });

  it('a red lithium level opens a red review and a prescriber escalation with the event, in one go', async () => {
    const db = getDb();
    const id = await addPatient(db, 'REC-001', [{ drug: 'lithium', startDate: '2020-01-01' }]);
    const before = await auditHeadSeq(db);
    const recorded = await recordResult(db, rules, { patientRef: 'REC-001', test: 'Li', value: 1.7, unit: 'mmol/L', takenOn: '2026-11-22' }, actor, NOW, defaultWorkflowConfig);
    expect(recorded.ok).toBe(true);
    if (!recorded.ok) return;
    expect(recorded.value.duplicate).toBe(false);
    expect(recorded.value.evaluation?.flag).toBe('red');
    const kinds = recorded.value.created.map((c) => [c.kind, c.priority, c.assignedRole]);
    expect(kinds).toContainEqual(['result_review', 'red', null]);
    expect(kinds).toContainEqual(['escalation', 'red', 'prescriber']);

    const stored = await actionsOf(db, [id]);
    const review = stored.find((a) => a.kind === 'result_review')!;
    expect(review.due_at).toEqual(new Date(NOW.getTime() + 4 * HOUR));
    expect(stored.find((a) => a.kind === 'escalation' && a.assigned_role === 'prescriber')?.parent_id).toBe(review.id);
    // The event's audit comes first, then each action's; all under this request's correlation id.
    const audit = rowsOf<{ seq: number; verb: string; correlation_id: string; entity_id: string }>(await db.execute(sql`SELECT seq, verb, correlation_id, entity_id
      FROM audit_events WHERE seq > ${before} ORDER BY seq`));
    expect(audit[0]).toMatchObject({ verb: 'result.recorded', entity_id: 'REC-001' });
    expect(audit.filter((e) => e.verb === 'action.created')).toHaveLength(recorded.value.created.length);
    expect(new Set(audit.map((e) => e.correlation_id))).toEqual(new Set([actor.correlationId]));
    const [event] = rowsOf<{ source: string; value: number }>(await db.execute(sql`SELECT source, value FROM monitoring_events
      WHERE patient_id = ${id}::uuid AND test = 'lithium_level'`));
    expect(event).toMatchObject({ source: 'chat', value: 1.7 });
  });

  it('recording the same result twice changes nothing and says so', async () => {
    const db = getDb();
    await addPatient(db, 'REC-002', [{ drug: 'lithium', startDate: '2020-01-01' }]);
    const input = { patientRef: 'REC-002', test: 'lithium_level', value: 1.2, unit: 'mmol/L', takenOn: '2026-11-21' };
    const first = await recordResult(db, rules, input, actor, NOW, defaultWorkflowConfig);
    expect(first.ok && first.value.created.some((c) => c.kind === 'result_review' && c.priority === 'amber')).toBe(true);
    const seq = await auditHeadSeq(db);
    const again = await recordResult(db, rules, input, actor, NOW, defaultWorkflowConfig);
    expect(again).toMatchObject({ ok: true, value: { duplicate: true, created: [], evaluation: { flag: 'amber' } } });
    expect(await auditHeadSeq(db)).toBe(seq);
  });

  it('a green clozapine neutrophil count still opens a routine review for sign-off', async () => {
    const db = getDb();
    await addPatient(db, 'REC-003', [{ drug: 'clozapine', startDate: '2025-01-01' }]);
    const recorded = await recordResult(db, rules, { patientRef: 'REC-003', test: '751-8', value: 3.4, unit: 'x10^9/L', takenOn: '2026-11-22' }, actor, NOW, defaultWorkflowConfig);
    expect(recorded.ok).toBe(true);
    if (!recorded.ok) return;
    expect(recorded.value.evaluation?.flag).toBe('green');
    const review = recorded.value.created.find((c) => c.kind === 'result_review');
    expect(review).toMatchObject({ priority: 'routine', cause: { test: 'neutrophils', flag: 'green', signOff: true } });
    expect(review?.dueAt).toEqual(new Date(NOW.getTime() + 7 * 24 * HOUR));
  });

  it('recording a test as done closes its overdue action in the same step', async () => {
    const db = getDb();
    const id = await addPatient(db, 'REC-004', [{ drug: 'lithium', startDate: '2020-01-01' }]);
    await addEvents(db, id, [
      ['renal', 'done', null, null, '2026-11-01'], ['calcium', 'done', null, null, '2026-11-01'], ['tft', 'done', null, null, '2026-11-01'],
      ['weight', 'done', null, null, '2026-11-01'], ['lithium_level', 'result', 0.6, 'mmol/L', '2026-05-01'],
    ]);
    const first = await recordDischarge(db, rules, { patientRef: 'REC-004', dischargedOn: '2026-11-22' }, actor, NOW, defaultWorkflowConfig);
    const overdue = first.ok ? first.value.created.find((c) => c.kind === 'overdue_monitoring') : undefined;
    expect(overdue?.cause).toMatchObject({ test: 'lithium_level', lastDone: '2026-05-01', daysOverdue: 21 });
    const recorded = await recordResult(db, rules, { patientRef: 'rec-004', test: 'lithium_level', value: 0.7, unit: 'mmol/L', takenOn: '2026-11-22' }, actor, NOW, defaultWorkflowConfig);
    expect(recorded).toMatchObject({ ok: true, value: { autoClosed: [{ id: overdue?.id, reason: 'lithium_level done on 2026-11-22' }], created: [] } });
  });

  it('three missed tests: a follow-up each time, an escalation on the second, a prescriber decision on the third', async () => {
    const db = getDb();
    const id = await addPatient(db, 'REC-005', [{ drug: 'clozapine', startDate: '2025-01-01' }]);
    const miss = (takenOn: string) => recordDna(db, rules, { patientRef: 'REC-005', test: 'FBC', takenOn, reason: 'forgot' }, actor, NOW, defaultWorkflowConfig);
    const created = async (takenOn: string) => {
      const r = await miss(takenOn);
      if (!r.ok) throw new Error(r.message);
      return r.value.created.filter((c) => /^(dna|escalation:dna|decision:dna):/.test(c.causeKey)).map((c) => [c.kind, c.assignedRole, c.priority]);
    };
    expect(await created('2026-10-01')).toEqual([['dna_followup', null, 'routine']]);
    expect(await created('2026-11-01')).toEqual([['dna_followup', null, 'routine'], ['escalation', 'duty_lead', 'amber']]);
    expect(await created('2026-11-22')).toEqual([['dna_followup', null, 'routine'], ['clinical_decision', 'prescriber', 'amber']]);
    const followUps = (await actionsOf(db, [id])).filter((a) => a.kind === 'dna_followup');
    expect(followUps.map((a) => a.cause.missesInWindow)).toEqual([1, 2, 3]);
    expect(followUps[2]?.cause).toMatchObject({ test: 'fbc', reason: 'forgot', rebookBy: '2026-11-29' });
    expect(followUps[2]?.due_at).toEqual(new Date('2026-11-22T23:59:59.999Z'));
    const audit = await auditFor(db, ['REC-005']);
    expect(audit.map((e) => e.verb)).toEqual(['dna.recorded', 'dna.recorded', 'dna.recorded']);
    expect(audit[0]?.reason).toBe('forgot');
    expect((await miss('2026-11-22'))).toMatchObject({ ok: true, value: { duplicate: true, created: [] } });
  });

  it('a discharge opens a reconciliation due within 72 hours, once', async () => {
    const db = getDb();
    await addPatient(db, 'REC-006', []);
    const recorded = await recordDischarge(db, rules, { patientRef: 'REC-006', dischargedOn: '2026-11-22' }, actor, NOW, defaultWorkflowConfig);
    expect(recorded.ok).toBe(true);
    if (!recorded.ok) return;
    const [reconciliation] = recorded.value.created;
    expect(reconciliation).toMatchObject({ kind: 'reconciliation', priority: 'amber', cause: { dischargedOn: '2026-11-22' } });
    expect(reconciliation!.dueAt.getTime() - NOW.getTime()).toBeLessThanOrEqual(72 * HOUR);
    expect(reconciliation!.dueAt).toEqual(new Date('2026-11-25T00:00:00Z'));
    expect(await auditFor(db, ['REC-006'])).toMatchObject([{ verb: 'discharge.recorded', after: { dischargedOn: '2026-11-22' } }]);
    const again = await recordDischarge(db, rules, { patientRef: 'REC-006', dischargedOn: '2026-11-22' }, actor, NOW, defaultWorkflowConfig);
    expect(again).toMatchObject({ ok: true, value: { duplicate: true, created: [] } });
  });

  describe('refuses what cannot be recorded, saying what to type', () => {
    beforeAll(async () => {
      await addPatient(getDb(), 'REC-100', [{ drug: 'lithium', startDate: '2020-01-01' }]);
    });

    it.each([
      [{ patientRef: 'NOPE-1', test: 'lithium_level', value: 1, unit: 'mmol/L', takenOn: '2026-11-22' }, 'PATIENT.NOT_FOUND', /No patient has the reference "NOPE-1". Check the reference with: patient NOPE-1/],
      [{ patientRef: 'REC-100', test: 'lithum', value: 1, unit: 'mmol/L', takenOn: '2026-11-22' }, 'TEST.UNKNOWN', /"lithum" is not a test I know. Use one of: .*lithium_level/],
      [{ patientRef: 'REC-100', test: 'lithium_level', value: 1, unit: 'mg', takenOn: '2026-11-22' }, 'UNIT.INVALID', /unit "mg" is not valid for lithium_level.*result REC-100 lithium_level 1 mmol\/L/],
      [{ patientRef: 'REC-100', test: 'fbc', value: 1, takenOn: '2026-11-22' }, 'TEST.TAKES_NO_VALUE', /fbc is a panel/],
      // A sample date outside its range is DATE.OUT_OF_RANGE, naming the range (issue 11).
      [{ patientRef: 'REC-100', test: 'lithium_level', value: 1, unit: 'mmol/L', takenOn: '2026-11-23' }, 'DATE.OUT_OF_RANGE', /2026-11-23 is in the future: a sample date must be from 2019-10-03 \(90 days before the first prescription, 2020-01-01\) to 2026-11-22 \(today\)/],
      [{ patientRef: 'REC-100', test: 'lithium_level', value: 1, unit: 'mmol/L', takenOn: '2026-02-30' }, 'DATE.INVALID', /not a real date/],
    ])('result %j → %s', async (input, code, message) => {
      const recorded = await recordResult(getDb(), rules, input, actor, NOW, defaultWorkflowConfig);
      expect(recorded).toMatchObject({ ok: false, code });
      if (!recorded.ok) expect(recorded.message).toMatch(message);
    });

    it('a DNA or discharge for an unknown patient or a future date is refused and nothing is written', async () => {
      const db = getDb();
      const seq = await auditHeadSeq(db);
      expect(await recordDna(db, rules, { patientRef: 'REC-100', test: 'bloods', takenOn: '2026-11-22' }, actor, NOW, defaultWorkflowConfig)).toMatchObject({ ok: false, code: 'TEST.UNKNOWN' });
      expect(await recordDischarge(db, rules, { patientRef: 'NOPE-2', dischargedOn: '2026-11-22' }, actor, NOW, defaultWorkflowConfig)).toMatchObject({ ok: false, code: 'PATIENT.NOT_FOUND' });
      expect(await recordDischarge(db, rules, { patientRef: 'REC-100', dischargedOn: '2026-12-01' }, actor, NOW, defaultWorkflowConfig)).toMatchObject({ ok: false, code: 'DATE.INVALID' });
      expect(await auditHeadSeq(db)).toBe(seq);
    });
  });
});
