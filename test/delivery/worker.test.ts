/**
 * The outbox worker against a scripted fake platform: rate limits, retries, dead letters and the
 * CLI that re-sends them, per-channel pacing, crash recovery, and two workers sharing the outbox.
 * The clock is injected and moved by the test, so seconds of platform time take milliseconds.
 */
import { sql } from 'drizzle-orm';
import { describe, expect, it, vi } from 'vitest';
import { rowsOf } from '../../src/db/client.js';
import { claimDue, listOutbox } from '../../src/delivery/outbox-store.js';
import { createOutboxWorker, type OutboxWorkerOptions } from '../../src/delivery/worker.js';
import { describeEachEngine, type EngineName } from '../support/databases.js';
import { FakeDeliverer } from '../support/fake-deliverer.js';
import { addAction, capturingLogger, freshChannel, noticeView, outboxRow, outboxRows, PATIENT_LABEL, queuePost, runOutboxCli, testClock } from './support.js';

const clock = testClock();

function setup(getDb: () => OutboxWorkerOptions['db'], options: Partial<OutboxWorkerOptions> = {}, fake = new FakeDeliverer({ now: clock.now })) {
  const { logger, lines } = capturingLogger();
  const worker = createOutboxWorker({ db: getDb(), deliverers: [fake], logger, now: clock.now, random: () => 0, ...options });
  return { fake, worker, lines };
}

/** Runs drainOnce every `stepMs` of clock time until `done` or `maxSteps`. */
async function drainUntil(worker: { drainOnce(): Promise<number> }, done: () => boolean | Promise<boolean>, stepMs: number, maxSteps = 60): Promise<void> {
  for (let i = 0; i < maxSteps && !(await done()); i++) {
    await worker.drainOnce();
    clock.advance(stepMs);
  }
}

describeEachEngine('outbox worker', (getDb, engine: EngineName) => {
  it('waits out a 429\'s Retry-After, then delivers', async () => {
    const { fake, worker, lines } = setup(getDb);
    const channel = freshChannel();
    fake.failNext({ kind: 'rate_limited', retryAfterMs: 2_000 });
    const { actionId, patientRef } = await addAction(getDb());
    const id = await queuePost(getDb(), channel, { subject: { kind: 'action', actionId } });

    await drainUntil(worker, () => fake.posts.length > 0, 500);
    const [limited, delivered] = fake.calls;
    expect(limited?.failed).toBe('rate_limited');
    expect(delivered!.at.getTime() - limited!.at.getTime()).toBeGreaterThanOrEqual(2_000);
    expect(await outboxRow(getDb(), id)).toMatchObject({ status: 'delivered', attempts: 2, last_error: 'ratelimited' });

    // Logs: event names and operational fields only, never the patient or what the message says.
    const text = JSON.stringify(lines);
    expect(text).not.toContain(patientRef);
    expect(text).not.toContain(PATIENT_LABEL);
    const events = lines.filter((l) => String(l.event).startsWith('outbox_'));
    expect(events.map((l) => l.event)).toEqual(['outbox_retry', 'outbox_delivered']);
    for (const line of events) expect(Object.keys(line).sort()).toEqual(expect.arrayContaining(['attempts', 'kind', 'outboxId', 'platform']));
    expect(events.flatMap((l) => Object.keys(l)).filter((k) => !['time', 'level', 'event', 'outboxId', 'platform', 'kind', 'attempts', 'error'].includes(k))).toEqual([]);
  });

  it('retries transient failures with backoff, dead-letters after maxAttempts, and `outbox retry ID` sends it again', async () => {
    const db = getDb();
    const { fake, worker, lines } = setup(getDb, { maxAttempts: 3 });
    fake.failAlways({ kind: 'transient', code: 'service_unavailable' });
    const id = await queuePost(db, freshChannel(), { view: noticeView('Always failing') });

    await drainUntil(worker, () => fake.calls.length >= 3, 1_000);
    expect(fake.calls.map((c) => c.at.getTime() - fake.calls[0]!.at.getTime())).toEqual([0, 1_000, 3_000]);
    expect(await outboxRow(db, id)).toMatchObject({ status: 'dead', attempts: 3, last_error: 'service_unavailable' });
    expect(lines.filter((l) => l.event === 'outbox_dead')).toEqual([expect.objectContaining({ outboxId: id, attempts: 3, error: 'service_unavailable' })]);

    const { rows } = await listOutbox(db, { failed: true, limit: 100 });
    expect(rows.find((r) => r.id === id)).toMatchObject({ status: 'dead', attempts: 3, lastError: 'service_unavailable', kind: 'post' });
    expect((await listOutbox(db, { failed: false, limit: 100 })).rows.find((r) => r.id === id)).toBeUndefined();

    const failed = await runOutboxCli(db, engine, ['--failed'], clock.now());
    expect(failed.code).toBe(0);
    expect(failed.out).toMatch(new RegExp(`^${id}\\s+slack\\s+T-TEST/\\S+\\s+post\\s+dead\\s+3\\s+service_unavailable`, 'm'));
    expect(failed.out).not.toContain('Always failing');
    const json = await runOutboxCli(db, engine, ['--failed', '--format', 'json'], clock.now());
    expect((JSON.parse(json.out) as { id: number }[]).some((r) => r.id === id)).toBe(true);

    fake.heal();
    const retried = await runOutboxCli(db, engine, ['retry', String(id)], clock.now());
    expect(retried).toMatchObject({ code: 0, err: '' });
    expect(await outboxRow(db, id)).toMatchObject({ status: 'pending', attempts: 0 });
    const [audit] = rowsOf<Record<string, unknown>>(await db.execute(sql`SELECT verb, via FROM audit_events WHERE entity_type = 'outbox' AND entity_id = ${String(id)}`));
    expect(audit).toEqual({ verb: 'outbox.retried', via: 'cli' });
    await drainUntil(worker, () => fake.posts.length > 0, 1_000, 3);
    expect(fake.posts.map((c) => c.view.title)).toEqual(['Always failing']);

    const again = await runOutboxCli(db, engine, ['retry', String(id)], clock.now());
    expect(again.code).toBe(1);
    expect(again.err).toContain('OUTBOX.NOT_DEAD');
    expect((await runOutboxCli(db, engine, ['retry', '99999999'], clock.now())).err).toContain('OUTBOX.NOT_FOUND');
    expect((await runOutboxCli(db, engine, ['retry', 'abc'], clock.now())).code).toBe(2);
    expect((await runOutboxCli(db, engine, ['--format', 'xml'], clock.now())).code).toBe(2);
  });

  it('`outbox` lists what is waiting, without what it shows', async () => {
    const db = getDb();
    const id = await queuePost(db, freshChannel(), { view: noticeView('Secret words') });
    const listed = await runOutboxCli(db, engine, [], clock.now());
    expect(listed.code).toBe(0);
    expect(listed.out).toMatch(new RegExp(`^${id}\\s+slack\\s+T-TEST/\\S+\\s+post\\s+pending\\s+0\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ`, 'm'));
    expect(listed.out).not.toContain('Secret words');
    await setup(getDb).worker.drainOnce();
    expect((await runOutboxCli(db, engine, [], clock.now())).out).not.toMatch(new RegExp(`^${id}\\s`, 'm'));
    clock.advance(1_000);
  });

  it('dead-letters a permanent error at once', async () => {
    const { fake, worker } = setup(getDb);
    fake.failNext({ kind: 'permanent', code: 'not_in_channel' });
    const id = await queuePost(getDb(), freshChannel(), { view: noticeView('Bot not invited') });
    await worker.drainOnce();
    clock.advance(10 * 60_000);
    expect(await worker.drainOnce()).toBe(0);
    expect(fake.calls).toHaveLength(1);
    expect(await outboxRow(getDb(), id)).toMatchObject({ status: 'dead', attempts: 1, last_error: 'not_in_channel' });
  });

  it('paces each channel to one call per interval, and one channel\'s backlog or 429 does not hold up another', async () => {
    const db = getDb();
    const { fake, worker } = setup(getDb);
    const [busy, limited, quiet] = [freshChannel(), freshChannel(), freshChannel()];
    fake.failNext({ kind: 'rate_limited', retryAfterMs: 5_000 }, { channelId: limited.channelId });
    for (let i = 1; i <= 5; i++) await queuePost(db, busy, { view: noticeView(`busy ${i}`) });
    await queuePost(db, limited, { view: noticeView('limited') });
    await queuePost(db, quiet, { view: noticeView('quiet') });
    const start = clock.now().getTime();

    const channels = [busy, limited, quiet].map((c) => c.channelId);
    await drainUntil(worker, () => fake.posts.length === 7, 500);
    expect(await outboxRows(db, sql`status <> 'delivered' AND channel_id = ANY(${sql.param(channels)}::text[])`)).toEqual([]);
    const times = (channelId: string) => fake.calls.filter((c) => c.channelId === channelId).map((c) => c.at.getTime() - start);
    const busyTimes = times(busy.channelId);
    expect(busyTimes).toHaveLength(5);
    for (let i = 1; i < 5; i++) expect(busyTimes[i]! - busyTimes[i - 1]!).toBeGreaterThanOrEqual(1_000);
    expect(busyTimes[4]).toBeLessThan(4_500);
    expect(fake.posts.filter((c) => c.channelId === busy.channelId).map((c) => c.view.title)).toEqual(['busy 1', 'busy 2', 'busy 3', 'busy 4', 'busy 5']);
    expect(times(quiet.channelId)).toEqual([0]);
    const [first, second] = times(limited.channelId);
    expect(first).toBe(0);
    expect(second! - first!).toBeGreaterThanOrEqual(5_000);
  });

  it('recovers a row left `sending` by a crashed worker once its lease runs out, and never sends a delivered row again', async () => {
    const db = getDb();
    const channel = freshChannel();
    const id = await queuePost(db, channel, { view: noticeView('In flight at a crash') });
    const crashed = await claimDue(db, { now: clock.now(), limit: 100, leaseMs: 60_000, platforms: ['slack'] });
    expect(crashed.map((r) => r.id)).toContain(id);

    const { fake, worker } = setup(getDb);
    expect(await worker.drainOnce()).toBe(0);
    clock.advance(60_000);
    expect(await worker.drainOnce()).toBeGreaterThanOrEqual(1);
    expect(await outboxRow(db, id)).toMatchObject({ status: 'delivered', attempts: 2 });
    clock.advance(10 * 60_000);
    await worker.drainOnce();
    await setup(getDb, {}, fake).worker.drainOnce();
    expect(fake.posts.filter((c) => c.channelId === channel.channelId)).toHaveLength(1);
  });

  it('two workers draining the same outbox at once deliver every row exactly once', async () => {
    const db = getDb();
    const fake = new FakeDeliverer({ now: clock.now, latencyMs: 2 });
    const first = setup(getDb, { concurrency: 3, batch: 5 }, fake).worker;
    const second = setup(getDb, { concurrency: 3, batch: 5 }, fake).worker;
    const channels = Array.from({ length: 8 }, () => freshChannel());
    const titles: string[] = [];
    for (let n = 0; n < 3; n++) {
      for (const [i, channel] of channels.entries()) {
        titles.push(`row ${i}.${n}`);
        await queuePost(db, channel, { view: noticeView(`row ${i}.${n}`) });
      }
    }
    const ids = channels.map((c) => c.channelId);
    const left = async () => (await outboxRows(db, sql`status <> 'delivered' AND channel_id = ANY(${sql.param(ids)}::text[])`)).length;
    for (let i = 0; i < 30 && (await left()) > 0; i++) {
      await Promise.all([first.drainOnce(), second.drainOnce()]);
      clock.advance(1_000);
    }
    expect(await left()).toBe(0);
    expect(fake.posts.map((c) => c.view.title).sort()).toEqual(titles.sort());
    expect(fake.maxInFlightPerChannel).toBe(1);
  });

  describe('running in the service', () => {
    it('delivers at once when kicked, keeps calls bounded, and stops cleanly', async () => {
      const db = getDb();
      const fake = new FakeDeliverer({ latencyMs: 20 });
      const { worker } = setup(getDb, { now: () => new Date(), pollMs: 60_000, channelIntervalMs: 10, concurrency: 2 }, fake);
      worker.start();
      worker.start();
      try {
        // Let the loop's first pass find nothing and go to sleep: with pollMs at a minute, only a
        // kick can wake it in time.
        await new Promise((resolve) => setTimeout(resolve, 50));
        const channels = new Set(Array.from({ length: 6 }, () => freshChannel()));
        for (const channel of channels) await queuePost(db, channel, { view: noticeView('kicked') });
        worker.kick();
        const ours = () => fake.posts.filter((c) => [...channels].some((ch) => ch.channelId === c.channelId));
        await vi.waitFor(() => expect(ours()).toHaveLength(6), { timeout: 5_000, interval: 20 });
        expect(fake.maxInFlight).toBeLessThanOrEqual(2);
      } finally {
        await worker.stop();
      }
      await worker.stop();
    });
  });
});
