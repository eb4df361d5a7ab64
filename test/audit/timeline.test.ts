/** An action's or a patient's history from the audit trail, oldest first, with who did each step. */
import { expect, it } from 'vitest';
import { appendAudit, appendAuditBatch } from '../../src/audit/append.js';
import { auditTimeline } from '../../src/audit/timeline.js';
import { describeEachEngine } from '../support/databases.js';
import { staffActor, systemActor } from './helpers.js';

const at = (time: string) => new Date(`2026-11-22T${time}Z`);

describeEachEngine('audit timeline', (getDb) => {
  it('returns an action\'s events in order with actor names, newest last', async () => {
    const db = getDb();
    await appendAuditBatch(db, systemActor('sync-1'), [
      { verb: 'action.created', entityType: 'action', entityId: 'A-1042', patientRef: 'P-0042', after: { status: 'open', priority: 'red' } },
      { verb: 'action.created', entityType: 'action', entityId: 'A-1043', patientRef: 'P-0043', after: { status: 'open' } },
    ], at('08:00:00'));
    await appendAudit(db, staffActor('Ana Pharmacist'), {
      verb: 'action.claimed', entityType: 'action', entityId: 'A-1042', patientRef: 'P-0042',
      before: { status: 'open' }, after: { status: 'claimed', assignee: 'Ana Pharmacist' },
    }, at('09:15:30.250'));
    await appendAudit(db, staffActor('Ben GP'), {
      verb: 'action.claimed', entityType: 'action', entityId: 'A-1043', patientRef: 'P-0043', after: { status: 'claimed' },
    }, at('09:20:00'));
    await appendAudit(db, staffActor('Ana Pharmacist'), {
      verb: 'action.closed', entityType: 'action', entityId: 'A-1042', patientRef: 'P-0042',
      before: { status: 'claimed' }, after: { status: 'closed', outcome: 'result_received' }, reason: 'Lithium 0.6 mmol/L filed',
    }, at('10:00:00'));

    const timeline = await auditTimeline(db, { entityType: 'action', entityId: 'A-1042' });
    expect(timeline.map((e) => [e.verb, e.actorName, e.via, e.at])).toEqual([
      ['action.created', 'closedloop', 'cli', '2026-11-22T08:00:00.000Z'],
      ['action.claimed', 'Ana Pharmacist', 'slack', '2026-11-22T09:15:30.250Z'],
      ['action.closed', 'Ana Pharmacist', 'slack', '2026-11-22T10:00:00.000Z'],
    ]);
    expect(timeline[2]).toMatchObject({
      entityType: 'action', entityId: 'A-1042', before: { status: 'claimed' },
      after: { status: 'closed', outcome: 'result_received' }, reason: 'Lithium 0.6 mmol/L filed',
    });
    expect(timeline[0]).toMatchObject({ before: null, reason: null });
    const seqs = timeline.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  });

  it('keeps the latest events when limited, still oldest first', async () => {
    const timeline = await auditTimeline(getDb(), { entityType: 'action', entityId: 'A-1042' }, 2);
    expect(timeline.map((e) => e.verb)).toEqual(['action.claimed', 'action.closed']);
  });

  it('accepts an action reference as people type it', async () => {
    const typed = await auditTimeline(getDb(), { entityType: 'action', entityId: 'a1042' });
    expect(typed.map((e) => e.entityId)).toEqual(['A-1042', 'A-1042', 'A-1042']);
  });

  it('shows everything about a patient across entities', async () => {
    const timeline = await auditTimeline(getDb(), { patientRef: 'P-0043' });
    expect(timeline.map((e) => [e.entityId, e.verb, e.actorName])).toEqual([
      ['A-1043', 'action.created', 'closedloop'],
      ['A-1043', 'action.claimed', 'Ben GP'],
    ]);
  });

  it('is empty for something with no history', async () => {
    expect(await auditTimeline(getDb(), { entityType: 'action', entityId: 'A-999999' })).toEqual([]);
  });
});
