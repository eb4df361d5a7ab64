/**
 * The outbox as the rest of the core sees it: posts queued in the change's transaction, delivered
 * messages remembered with the actions they show, and every change to one of those actions
 * queuing an update that re-renders the message from the database.
 */
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../src/audit/verify.js';
import { rowsOf } from '../../src/db/client.js';
import { claimDue, enqueuePost, markFailed, retryDead } from '../../src/delivery/outbox-store.js';
import { DeliveryError } from '../../src/delivery/ports.js';
import { createOutboxWorker } from '../../src/delivery/worker.js';
import { loadAction, updateActionAudited } from '../../src/workflow/action-store.js';
import { describeEachEngine } from '../support/databases.js';
import { FakeDeliverer } from '../support/fake-deliverer.js';
import { addAction, addStaffMember, capturingLogger, freshChannel, noticeView, outboxRow, outboxRows, queuePost, testClock } from './support.js';

const clock = testClock();
const system = { id: null, name: 'closedloop', identity: 'system', via: 'cli' as const, channel: null, correlationId: 'delivery-test' };

describeEachEngine('delivery outbox', (getDb) => {
  let fake: FakeDeliverer;
  let worker: ReturnType<typeof createOutboxWorker>;
  beforeAll(() => {
    fake = new FakeDeliverer({ now: clock.now });
    worker = createOutboxWorker({ db: getDb(), deliverers: [fake], logger: capturingLogger().logger, now: clock.now, random: () => 0 });
  });

  /** Drains until nothing more is due, moving the clock past every channel's pacing. */
  async function drainAll(): Promise<void> {
    for (let i = 0; i < 20 && (await worker.drainOnce()) > 0; i++) clock.advance(1_000);
    clock.advance(1_000);
  }

  it('never delivers a post queued in a transaction that rolled back', async () => {
    const db = getDb();
    const channel = freshChannel();
    await expect(db.transaction(async (tx) => {
      await enqueuePost(tx, { channel, view: noticeView('rolled back'), correlationId: 'rb' });
      throw new Error('the change failed');
    })).rejects.toThrow('the change failed');
    await drainAll();
    expect(fake.calls.filter((c) => c.channelId === channel.channelId)).toEqual([]);
    expect(await outboxRows(db, sql`channel_id = ${channel.channelId}`)).toEqual([]);
  });

  it('queues on the database clock to the millisecond, so a worker reading the same millisecond takes the post', async () => {
    const db = getDb();
    const channel = freshChannel();
    const id = await queuePost(db, channel, { view: noticeView('same millisecond') });
    const queuedAt = (await outboxRow(db, id)).next_attempt_at;
    const taken = await claimDue(db, { now: queuedAt, limit: 100, leaseMs: 60_000, platforms: ['slack'] });
    expect(taken.filter((r) => r.channelId === channel.channelId).map((r) => r.id)).toEqual([id]);
  });

  it('delivers a committed post once, remembers the message and what it shows, and audits it', async () => {
    const db = getDb();
    const { actionId, patientRef } = await addAction(db);
    const channel = freshChannel();
    const id = await queuePost(db, channel, { subject: { kind: 'action', actionId } });

    await drainAll();
    await drainAll();
    const posts = fake.posts.filter((c) => c.channelId === channel.channelId);
    expect(posts).toHaveLength(1);
    expect(posts[0]!.view.subject).toEqual({ kind: 'action', actionId });
    expect(posts[0]!.view.fallbackText).toContain('open, unclaimed');

    const row = await outboxRow(db, id);
    expect(row).toMatchObject({ status: 'delivered', attempts: 1, delivered_message_id: posts[0]!.messageId });
    const messages = rowsOf<Record<string, unknown>>(await db.execute(sql`SELECT m.id, m.platform, m.tenant, m.message_id, ma.action_id
      FROM messages m JOIN message_actions ma ON ma.message_row_id = m.id WHERE m.channel_id = ${channel.channelId}`));
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ platform: 'slack', tenant: 'T-TEST', message_id: posts[0]!.messageId });
    expect(Number(messages[0]!.action_id)).toBe(actionId);

    const audit = rowsOf<Record<string, unknown>>(await db.execute(sql`SELECT verb, entity_type, entity_id, patient_ref, via, channel
      FROM audit_events WHERE verb = 'message.posted' AND channel = ${`slack:${channel.channelId}`}`));
    expect(audit).toEqual([{
      verb: 'message.posted', entity_type: 'message', entity_id: `slack:T-TEST:${channel.channelId}:${posts[0]!.messageId}`,
      patient_ref: patientRef, via: 'slack', channel: `slack:${channel.channelId}`,
    }]);
    expect(await verifyAuditChain(db)).toMatchObject({ ok: true });
  });

  it('renders a post when it is sent, so a change made while it waited is shown', async () => {
    const db = getDb();
    const { actionId } = await addAction(db);
    const channel = freshChannel();
    await queuePost(db, channel, { subject: { kind: 'action', actionId } });
    const staffId = await addStaffMember(db, 'Pat Pharmacist');
    const action = (await loadAction(db, actionId))!;
    await updateActionAudited(db, action, { status: 'claimed', assigneeId: staffId, claimedAt: clock.now() }, clock.now(), system,
      { verb: 'action.claimed', entityType: 'action', entityId: String(actionId) });
    await drainAll();
    expect(fake.posts.find((c) => c.channelId === channel.channelId)?.view.fallbackText).toContain('claimed by Pat Pharmacist');
  });

  describe('updates of posted messages', () => {
    it('queues one update per change burst and re-renders the message with the current card', async () => {
      const db = getDb();
      const { actionId } = await addAction(db);
      const channel = freshChannel();
      const other = freshChannel();
      await queuePost(db, channel, { subject: { kind: 'action', actionId } });
      await queuePost(db, other, { subject: { kind: 'action', actionId } });
      await drainAll();
      const [posted] = fake.posts.filter((c) => c.channelId === channel.channelId);

      const staffId = await addStaffMember(db, 'Sam Claimer');
      const action = (await loadAction(db, actionId))!;
      expect(await updateActionAudited(db, action, { status: 'claimed', assigneeId: staffId, claimedAt: clock.now() }, clock.now(), system,
        { verb: 'action.claimed', entityType: 'action', entityId: String(actionId) })).toBe(true);
      await db.execute(sql`UPDATE actions SET version = version + 1 WHERE id = ${actionId}`);

      const queued = await outboxRows(db, sql`kind = 'update' AND channel_id = ${channel.channelId}`);
      expect(queued).toHaveLength(1);
      expect(queued[0]).toMatchObject({ status: 'pending', attempts: 0 });
      // The message posted in the other channel shows the same action: it is updated too.
      expect(await outboxRows(db, sql`kind = 'update' AND channel_id = ${other.channelId}`)).toHaveLength(1);

      await drainAll();
      const updates = fake.updates.filter((c) => c.channelId === channel.channelId);
      expect(updates).toHaveLength(1);
      expect(updates[0]!.messageId).toBe(posted!.messageId);
      expect(updates[0]!.view.fallbackText).toContain('claimed by Sam Claimer');
      expect(await outboxRow(db, queued[0]!.id)).toMatchObject({ status: 'delivered', delivered_message_id: posted!.messageId });
      expect(fake.updates.filter((c) => c.channelId === other.channelId)).toHaveLength(1);
      // An update is a re-render of a change that was audited already: no audit event of its own.
      const [count] = rowsOf<{ n: number }>(await db.execute(sql`SELECT count(*)::int AS n FROM audit_events
        WHERE channel = ${`slack:${channel.channelId}`}`));
      expect(Number(count!.n)).toBe(1);
    });

    it('folds a failed update into the newer one queued while it was being sent', async () => {
      const db = getDb();
      const { actionId } = await addAction(db);
      const channel = freshChannel();
      await queuePost(db, channel, { subject: { kind: 'action', actionId } });
      await drainAll();
      await db.execute(sql`UPDATE actions SET version = version + 1 WHERE id = ${actionId}`);
      const [first] = await claimDue(db, { now: clock.now(), limit: 100, leaseMs: 60_000, platforms: ['slack'] })
        .then((rows) => rows.filter((r) => r.channelId === channel.channelId));
      expect(first?.kind).toBe('update');
      // Changed again while the first update is in flight: a second one is queued behind it…
      await db.execute(sql`UPDATE actions SET version = version + 1 WHERE id = ${actionId}`);
      const [, second] = await outboxRows(db, sql`kind = 'update' AND channel_id = ${channel.channelId}`);
      expect(second).toMatchObject({ status: 'pending' });
      // …and is not sent while the first is in flight (one call per channel at a time).
      expect((await claimDue(db, { now: clock.now(), limit: 100, leaseMs: 60_000, platforms: ['slack'] }))
        .filter((r) => r.channelId === channel.channelId)).toEqual([]);

      const outcome = await markFailed(db, first!, { error: new DeliveryError('transient', 'timeout'), now: clock.now(), maxAttempts: 8, random: () => 0 });
      expect(outcome).toMatchObject({ status: 'pending', current: true, mergedInto: second!.id });
      const left = await outboxRows(db, sql`kind = 'update' AND channel_id = ${channel.channelId}`);
      expect(left).toHaveLength(1);
      expect(left[0]).toMatchObject({ id: second!.id, status: 'pending', attempts: 1 });
      expect(left[0]!.next_attempt_at.getTime()).toBe(clock.now().getTime() + 1_000);
      clock.advance(1_000);
      await drainAll();
      expect(fake.updates.filter((c) => c.channelId === channel.channelId)).toHaveLength(1);
    });

    it('folds a dead update sent again by hand into the newer update already queued for that message', async () => {
      const db = getDb();
      const { actionId } = await addAction(db);
      const channel = freshChannel();
      await queuePost(db, channel, { subject: { kind: 'action', actionId } });
      await drainAll();
      await db.execute(sql`UPDATE actions SET version = version + 1 WHERE id = ${actionId}`);
      const [dead] = (await claimDue(db, { now: clock.now(), limit: 100, leaseMs: 60_000, platforms: ['slack'] })).filter((r) => r.channelId === channel.channelId);
      await markFailed(db, dead!, { error: new DeliveryError('permanent', 'message_not_found'), now: clock.now(), maxAttempts: 8 });
      await db.execute(sql`UPDATE actions SET version = version + 1 WHERE id = ${actionId}`);
      const [, newer] = await outboxRows(db, sql`kind = 'update' AND channel_id = ${channel.channelId}`);

      expect(await retryDead(db, dead!.id, system, clock.now())).toEqual({ ok: true, value: { queuedAs: newer!.id } });
      expect((await outboxRows(db, sql`kind = 'update' AND channel_id = ${channel.channelId}`)).map((r) => [r.id, r.status])).toEqual([[newer!.id, 'pending']]);
      expect(await retryDead(db, dead!.id, system, clock.now())).toMatchObject({ ok: false, code: 'OUTBOX.NOT_FOUND' });
      await drainAll();
    });
  });

  it('dead-letters a post whose action no longer exists (nothing to render) instead of dropping it', async () => {
    const db = getDb();
    const channel = freshChannel();
    const id = await queuePost(db, channel, { subject: { kind: 'action', actionId: 987_654_321 } });
    await drainAll();
    expect(await outboxRow(db, id)).toMatchObject({ status: 'dead', attempts: 1, last_error: 'nothing_to_render' });
    expect(fake.calls.filter((c) => c.channelId === channel.channelId)).toEqual([]);
  });

  it('leaves rows for a platform this process cannot deliver to pending and untouched', async () => {
    const db = getDb();
    const id = await queuePost(db, freshChannel('teams'), { view: noticeView('for Teams') });
    await drainAll();
    expect(await outboxRow(db, id)).toMatchObject({ status: 'pending', attempts: 0 });
  });

  it('leases the oldest due row of each free channel from a deep backlog, and nothing from busy, excluded or waiting ones', async () => {
    const db = getDb();
    const [deep, waiting, excluded, busy, abandoned] = Array.from({ length: 5 }, () => freshChannel('teams'));
    const at = clock.now();
    const later = new Date(at.getTime() + 3_600_000);
    const earlier = new Date(at.getTime() - 60_000);
    const insert = (channel: typeof deep, status: string, nextAttemptAt: Date, leaseUntil: Date | null, count = 1) => db.execute(sql`
      INSERT INTO outbox (platform, tenant, channel_id, kind, view, status, next_attempt_at, lease_until)
      SELECT ${channel!.platform}, ${channel!.tenant}, ${channel!.channelId}, 'post', ${JSON.stringify(noticeView('queued'))}::jsonb,
        ${status}, ${nextAttemptAt.toISOString()}::timestamptz, ${leaseUntil?.toISOString() ?? null}::timestamptz
      FROM generate_series(1, ${count})`);
    await insert(deep, 'pending', earlier, null, 250);
    await insert(waiting, 'pending', later, null); // backing off after a failure
    await insert(waiting, 'pending', earlier, null);
    await insert(excluded, 'pending', earlier, null);
    await insert(busy, 'sending', earlier, later); // another worker is calling this channel now
    await insert(busy, 'pending', earlier, null);
    await insert(abandoned, 'sending', earlier, earlier); // its worker died: the lease ran out
    await insert(abandoned, 'pending', earlier, null);
    const ids = async (channel: typeof deep) => (await outboxRows(db, sql`channel_id = ${channel!.channelId}`)).map((r) => r.id);
    const [deepIds, waitingIds, abandonedIds] = [await ids(deep), await ids(waiting), await ids(abandoned)];

    const leased = await claimDue(db, { now: at, limit: 100, leaseMs: 60_000, platforms: ['teams'], excludeChannels: [excluded!] });
    const ours = new Set([deep, waiting, excluded, busy, abandoned].map((c) => c!.channelId));
    expect(leased.filter((r) => ours.has(r.channelId)).map((r) => r.id).sort((a, b) => a - b))
      .toEqual([deepIds[0]!, waitingIds[1]!, abandonedIds[0]!].sort((a, b) => a - b));

    // Those three channels are busy now: a second lease takes nothing more from any of the five.
    const again = await claimDue(db, { now: at, limit: 100, leaseMs: 60_000, platforms: ['teams'], excludeChannels: [excluded!] });
    expect(again.filter((r) => ours.has(r.channelId))).toEqual([]);
    await db.execute(sql`DELETE FROM outbox WHERE channel_id IN (${sql.join([...ours].map((c) => sql`${c}`), sql`, `)})`);
  });
});
