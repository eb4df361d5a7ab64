/**
 * Escalation sweeps against the database (issue 9 §3, §6): each rung fires once, at its time,
 * audited in the transaction that records it; red results open an escalation for the duty lead
 * whose card is posted to the team's channel; unclaimed work is one grouped notice per rung per
 * sweep, however large the backlog; nothing escalates before the team's first digest; closed work
 * never does.
 */
import { sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { verifyAuditChain } from '../../src/audit/verify.js';
import { renderForDelivery } from '../../src/delivery/render-subject.js';
import { runEscalationSweep } from '../../src/digests/sweeps.js';
import type { MessageView } from '../../src/views/model.js';
import { describeEachEngine } from '../support/databases.js';
import {
  addAction, addBacklog, addPatient, addStaff, addTeam, at, auditOf, bindChannel, capturingLogger, outboxFor, selectRows,
} from './support.js';

const T0 = at('2026-11-23T09:00:00Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const after = (ms: number) => new Date(T0.getTime() + ms);
const FIRST_DIGEST = at('2026-11-20T08:30:00Z');

describeEachEngine('escalation sweeps', (getDb, engine) => {
  const { logger } = capturingLogger();
  const sweep = (now: Date) => runEscalationSweep(getDb(), now, { logger });

  async function stepsOf(actionId: number) {
    return selectRows(getDb(), sql`SELECT level, escalation_action_id FROM escalation_steps WHERE action_id = ${actionId} ORDER BY level`);
  }

  it('a red result unclaimed for an hour opens one escalation for the duty lead, posted to the team with its duty leads mentioned', async () => {
    const db = getDb();
    const team = await addTeam(db, { firstDigestAt: FIRST_DIGEST });
    const channel = await bindChannel(db, team.id);
    const lead = await addStaff(db, team.id, 'Fictional Duty Lead', ['duty_lead', 'nurse']);
    await addStaff(db, team.id, 'Fictional Nurse', ['nurse']);
    const patient = await addPatient(db, team.id);
    const review = await addAction(db, team.id, patient.id, { kind: 'result_review', priority: 'red', createdAt: T0, dueAt: after(4 * HOUR) });

    await sweep(after(59 * MINUTE));
    expect(await stepsOf(review)).toEqual([]);

    const counts = await sweep(after(60 * MINUTE));
    expect(counts.raised.red_duty_lead).toBe(1);
    const [step] = await stepsOf(review);
    expect(step).toMatchObject({ level: 'red_duty_lead' });
    const escalationId = Number(step!.escalation_action_id);
    const [escalation] = await selectRows(db, sql`SELECT kind, priority, status, assigned_role, parent_id, cause_key FROM actions WHERE id = ${escalationId}`);
    expect(escalation).toMatchObject({ kind: 'escalation', priority: 'red', status: 'open', assigned_role: 'duty_lead', cause_key: `escalation:sweep:red:${review}` });
    expect(Number(escalation!.parent_id)).toBe(review);

    const posts = await outboxFor(db, channel.channelId);
    expect(posts.map((p) => p.subject)).toEqual([{ kind: 'action', actionId: escalationId }]);
    expect(await auditOf(db, 'action.escalation_due', sql`entity_id = ${`A-${review}`}`)).toEqual([expect.objectContaining({
      patient_ref: patient.ref, via: 'scheduler', after: { level: 'red_duty_lead', targetRole: 'duty_lead' },
    })]);
    expect(await auditOf(db, 'action.created', sql`entity_id = ${`A-${escalationId}`}`)).toHaveLength(1);

    // The card, rendered as the worker does, names the duty lead (the nurse is not mentioned).
    const view = await renderForDelivery(db, {
      id: Number(posts[0]!.id), platform: 'slack', tenant: channel.tenant, channelId: channel.channelId, kind: 'post', messageRowId: null,
      messageId: null, subject: posts[0]!.subject as Record<string, unknown>, view: null, attempts: 1, correlationId: null,
    }, after(61 * MINUTE)) as MessageView;
    expect(view.mentions).toEqual([{ staffId: lead.id, name: 'Fictional Duty Lead' }]);

    // Once raised, never again: not at the next sweep, nor a day later (the manager rung waits for twice the red limit).
    await sweep(after(75 * MINUTE));
    expect(await stepsOf(review)).toHaveLength(1);
    expect(await outboxFor(db, channel.channelId)).toHaveLength(1);
  });

  it('unclaimed work climbs duty lead, then manager, each once, in one grouped notice per rung', async () => {
    const db = getDb();
    const team = await addTeam(db, { firstDigestAt: FIRST_DIGEST });
    const channel = await bindChannel(db, team.id);
    const manager = await addStaff(db, team.id, 'Fictional Manager', ['manager']);
    const patient = await addPatient(db, team.id);
    const amber = await addAction(db, team.id, patient.id, { priority: 'amber', createdAt: T0 });
    const routine = await addAction(db, team.id, patient.id, { priority: 'routine', createdAt: T0 });
    const closed = await addAction(db, team.id, patient.id, { priority: 'amber', status: 'closed', createdAt: T0 });

    await sweep(after(24 * HOUR - MINUTE));
    expect(await stepsOf(amber)).toEqual([]);

    await sweep(after(24 * HOUR));
    expect((await stepsOf(amber)).map((s) => s.level)).toEqual(['unclaimed_duty_lead']);
    expect(await stepsOf(routine)).toEqual([]);
    let notices = (await outboxFor(db, channel.channelId)).map((p) => p.view as MessageView);
    expect(notices).toHaveLength(1);
    expect(notices[0]!.title).toBe(`Unclaimed work escalated to the duty lead · ${team.name}`);
    // Nobody holds the role: the notice says so rather than mentioning no one silently.
    expect(notices[0]!.mentions).toBeUndefined();
    expect(notices[0]!.blocks.map((b) => ('text' in b ? b.text : '')).join(' ')).toMatch(/No active duty lead is listed/);

    await sweep(after(48 * HOUR));
    expect((await stepsOf(amber)).map((s) => s.level)).toEqual(['unclaimed_duty_lead', 'unclaimed_manager']);
    notices = (await outboxFor(db, channel.channelId)).map((p) => p.view as MessageView);
    expect(notices).toHaveLength(2);
    expect(notices[1]!.mentions).toEqual([{ staffId: manager.id, name: 'Fictional Manager' }]);

    await sweep(after(72 * HOUR));
    expect((await stepsOf(routine)).map((s) => s.level)).toEqual(['unclaimed_duty_lead']);
    await sweep(after(400 * HOUR));
    expect((await stepsOf(amber))).toHaveLength(2);
    expect((await stepsOf(routine)).map((s) => s.level)).toEqual(['unclaimed_duty_lead', 'unclaimed_manager']);
    expect(await stepsOf(closed)).toEqual([]);
    expect(await auditOf(db, 'action.escalation_due', sql`entity_id = ${`A-${amber}`}`)).toHaveLength(2);
    expect(await verifyAuditChain(db)).toMatchObject({ ok: true });
  });

  it('reminds the holder of a claim gone stale once per claim', async () => {
    const db = getDb();
    const team = await addTeam(db, { firstDigestAt: FIRST_DIGEST });
    const channel = await bindChannel(db, team.id);
    const holder = await addStaff(db, team.id, 'Fictional Technician', ['technician']);
    const patient = await addPatient(db, team.id);
    const claimed = await addAction(db, team.id, patient.id, { status: 'claimed', assigneeId: holder.id, claimedAt: T0, createdAt: T0 });

    await sweep(after(72 * HOUR - MINUTE));
    expect(await stepsOf(claimed)).toEqual([]);
    await sweep(after(72 * HOUR));
    await sweep(after(100 * HOUR));
    expect((await stepsOf(claimed)).map((s) => s.level)).toEqual([`stale_reminder:${T0.toISOString()}`]);
    const notices = (await outboxFor(db, channel.channelId)).map((p) => p.view as MessageView);
    expect(notices).toHaveLength(1);
    expect(notices[0]!.mentions).toEqual([{ staffId: holder.id, name: 'Fictional Technician' }]);
    expect(notices[0]!.fallbackText).toMatch(/Fictional Technician, you hold 1 action with no change for 72 hours/);
    expect(await auditOf(db, 'action.stale_reminder', sql`entity_id = ${`A-${claimed}`}`)).toHaveLength(1);
  });

  it('escalates nothing for a team still onboarding (no first digest yet), however old its work', async () => {
    const db = getDb();
    const team = await addTeam(db, { firstDigestAt: null });
    const channel = await bindChannel(db, team.id);
    const patient = await addPatient(db, team.id);
    const red = await addAction(db, team.id, patient.id, { kind: 'result_review', priority: 'red', createdAt: after(-30 * 24 * HOUR) });
    const counts = await sweep(T0);
    expect(counts.onboarding).toBeGreaterThanOrEqual(1);
    expect(await stepsOf(red)).toEqual([]);
    expect(await outboxFor(db, channel.channelId)).toEqual([]);

    // Its first digest is queued: clocks start then, not when the work was raised.
    await db.execute(sql`UPDATE teams SET first_digest_at = ${T0.toISOString()}::timestamptz WHERE id = ${team.id}::uuid`);
    await sweep(after(30 * MINUTE));
    expect(await stepsOf(red)).toEqual([]);
    await sweep(after(60 * MINUTE));
    expect((await stepsOf(red)).map((s) => s.level)).toEqual(['red_duty_lead']);
  });

  it('a backlog of 2,000 unclaimed actions is one sweep, one notice, 2,000 audited steps', async () => {
    const db = getDb();
    const team = await addTeam(db, { firstDigestAt: FIRST_DIGEST });
    const channel = await bindChannel(db, team.id);
    await addBacklog(db, team.id, 2_000, T0);
    const counts = await sweep(after(72 * HOUR));
    expect(counts.raised.unclaimed_duty_lead).toBe(2_000);
    const notices = (await outboxFor(db, channel.channelId)).map((p) => p.view as MessageView);
    expect(notices).toHaveLength(1);
    expect(notices[0]!.fallbackText).toMatch(/2,000 actions have waited unclaimed/);
    const list = notices[0]!.blocks.find((b) => b.kind === 'list');
    expect(list).toMatchObject({ kind: 'list', more: 1_975 });
    const [steps] = await selectRows(db, sql`SELECT count(*)::int AS n FROM escalation_steps es JOIN actions a ON a.id = es.action_id WHERE a.team_id = ${team.id}::uuid`);
    expect(steps!.n).toBe(2_000);
    const [audited] = await selectRows(db, sql`SELECT count(*)::int AS n FROM audit_events e JOIN actions a ON e.entity_id = 'A-' || a.id
      WHERE e.verb = 'action.escalation_due' AND a.team_id = ${team.id}::uuid`);
    expect(audited!.n).toBe(2_000);
    expect(await verifyAuditChain(db)).toMatchObject({ ok: true });
  });

  it('two sweeps at once raise each step once and post one notice', async () => {
    const db = getDb();
    const team = await addTeam(db, { firstDigestAt: FIRST_DIGEST });
    const channel = await bindChannel(db, team.id);
    await addBacklog(db, team.id, 50, T0, 'amber');
    const patient = await addPatient(db, team.id);
    // Raised an hour before the sweep: due for the duty lead, not yet for the manager.
    const red = await addAction(db, team.id, patient.id, { kind: 'result_review', priority: 'red', createdAt: after(24 * HOUR) });
    const results = await Promise.all([sweep(after(25 * HOUR)), sweep(after(25 * HOUR))]);
    expect(results.map((r) => r.raised.unclaimed_duty_lead).reduce((a, b) => a + b)).toBe(50);
    expect(results.map((r) => r.raised.red_duty_lead).reduce((a, b) => a + b)).toBe(1);
    expect(results.map((r) => r.failed)).toEqual([0, 0]);
    const posts = await outboxFor(db, channel.channelId);
    expect(posts.filter((p) => p.view !== null)).toHaveLength(1);
    expect(posts.filter((p) => p.subject !== null)).toHaveLength(1);
    expect(await selectRows(db, sql`SELECT 1 FROM actions WHERE cause_key = ${`escalation:sweep:red:${red}`}`)).toHaveLength(1);
    expect(await verifyAuditChain(db)).toMatchObject({ ok: true });
    if (engine === 'pglite') expect(results.some((r) => r.raised.unclaimed_duty_lead === 0)).toBe(true);
  });
});
