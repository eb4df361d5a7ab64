/**
 * An event, the actions it raises, their channel posts and their audit events are one transaction:
 * when the audit write fails, nothing of the event or its actions is left behind, nor any post
 * queued about them (and the same for a sync batch).
 */
import { sql } from 'drizzle-orm';
import { expect, it, vi } from 'vitest';
import type * as AppendModule from '../../src/audit/append.js';
import { defaultWorkflowConfig } from '../../src/config/workflow.js';
import { rowsOf } from '../../src/db/client.js';
import { recordResult } from '../../src/workflow/record-events.js';
import { syncActions } from '../../src/workflow/sync.js';
import { describeEachEngine } from '../support/databases.js';
import { defaultRules } from '../support/rules.js';
import { actionsOf, addPatient, addStaff, AS_OF, bindChannel, NOW, systemActor, teamOf } from './support.js';

const failAudit = vi.hoisted(() => ({ next: false }));

vi.mock('../../src/audit/append.js', async (importOriginal) => {
  const original = await importOriginal<typeof AppendModule>();
  return {
    ...original,
    appendAuditBatch: async (...args: Parameters<typeof original.appendAuditBatch>) => {
      if (failAudit.next) {
        failAudit.next = false;
        throw new Error('simulated audit failure');
      }
      return original.appendAuditBatch(...args);
    },
  };
});

const rules = defaultRules();

describeEachEngine('event, actions and audit commit together', (getDb, engine) => {
  it('a failed audit write leaves no result and no actions', async () => {
    const db = getDb();
    const id = await addPatient(db, 'ATOM-001', [{ drug: 'lithium', startDate: '2020-01-01' }]);
    const staffId = await addStaff(db, `atom-${engine}@example.nhs.uk`);
    failAudit.next = true;
    await expect(recordResult(db, rules, { patientRef: 'ATOM-001', test: 'lithium_level', value: 1.8, unit: 'mmol/L', takenOn: AS_OF },
      { ...systemActor(), staffId }, NOW, defaultWorkflowConfig)).rejects.toThrow('simulated audit failure');
    const events = rowsOf<{ n: number }>(await db.execute(sql`SELECT count(*)::int AS n FROM monitoring_events WHERE patient_id = ${id}::uuid`));
    expect(events[0]?.n).toBe(0);
    expect(await actionsOf(db, [id])).toEqual([]);
  });

  it('a failed audit write leaves no red-result card queued for the team\'s channels either', async () => {
    const db = getDb();
    const id = await addPatient(db, 'ATOM-003', [{ drug: 'lithium', startDate: '2020-01-01' }]);
    await bindChannel(db, await teamOf(db, id), 'slack', `C-ATOM-${engine}`);
    const staffId = await addStaff(db, `atom-posts-${engine}@example.nhs.uk`);
    failAudit.next = true;
    await expect(recordResult(db, rules, { patientRef: 'ATOM-003', test: 'lithium_level', value: 1.8, unit: 'mmol/L', takenOn: AS_OF },
      { ...systemActor(), staffId }, NOW, defaultWorkflowConfig)).rejects.toThrow('simulated audit failure');
    const queued = rowsOf<{ n: number }>(await db.execute(sql`SELECT count(*)::int AS n FROM outbox WHERE channel_id = ${`C-ATOM-${engine}`}`));
    expect(queued[0]?.n).toBe(0);
  });

  it('a failed audit write leaves no actions from that sync batch', async () => {
    const db = getDb();
    const id = await addPatient(db, 'ATOM-002', [{ drug: 'pregabalin', startDate: '2025-01-01' }]);
    failAudit.next = true;
    await expect(syncActions(db, rules, { asOf: AS_OF, now: NOW, actor: systemActor(), config: defaultWorkflowConfig, patientIds: [id] }))
      .rejects.toThrow('simulated audit failure');
    expect(await actionsOf(db, [id])).toEqual([]);
    const retried = await syncActions(db, rules, { asOf: AS_OF, now: NOW, actor: systemActor(), config: defaultWorkflowConfig, patientIds: [id] });
    expect(retried.createdTotal).toBeGreaterThan(0);
  });
});
