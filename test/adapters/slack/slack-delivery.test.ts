/**
 * Channel cards going out through the outbox when Slack's Web API misbehaves, on both engines:
 * real Bolt over HTTP, the real outbox worker and Web API client, a fake Slack scripted to fail.
 *
 * - a 429 with Retry-After is honoured (the retry comes no sooner) and the card is posted once;
 * - a transient failure (HTTP 500) is retried until the attempts are spent, then dead-lettered,
 *   listed by `closedloop outbox --failed` without patient data, and sent once by `outbox retry`;
 * - a permanent platform error (channel_not_found) is dead-lettered at the first attempt.
 *
 * The worker runs with maxAttempts 2 and no jitter, so the transient case takes one 1 s backoff.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../../src/db/client.js';
import { USERS, createWorld, type World } from '../../contract/world.js';
import { runCliOn } from '../../support/cli.js';
import { engines, type TestDatabase } from '../../support/databases.js';
import type { RecordedCall } from '../../support/fake-slack.js';
import { CHANNEL_ID, shownSince, startSlackHarness, type SlackHarness } from '../../support/slack-harness.js';

const { technician } = USERS;

interface OutboxState {
  id: number;
  status: string;
  attempts: number;
  last_error: string | null;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(engines)('Slack delivery through the outbox [%s]', (engine) => {
  let world: World;
  let h: SlackHarness;
  /** The CLI runs in-process on the world's database (which it must not close). */
  let cliDb: TestDatabase;

  beforeAll(async () => {
    world = await createWorld(engine);
    h = await startSlackHarness(world.core, world.db, { maxAttempts: 2, random: () => 0 });
    cliDb = { db: world.db, engine, close: async () => {} };
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    await world?.close();
  });

  /** Claims the first unclaimed overdue action by slash command; that queues its card for the channel. */
  async function claimOne(email: string): Promise<number> {
    const before = { calls: h.fake.calls.length, responses: h.fake.responses.length };
    const list = await h.slash(h.userFor(email), 'list overdue_monitoring');
    await h.settle();
    expect(list.http.status).toBe(200);
    const claim = shownSince(h.fake, before.calls, before.responses).buttons.find((b) => b.command === 'claim');
    if (!claim?.actionId) throw new Error('no unclaimed overdue action left to claim');
    const sent = await h.slash(h.userFor(email), `claim A-${claim.actionId}`);
    expect(sent.http.status).toBe(200);
    await h.settle();
    return claim.actionId;
  }

  /** Every chat.postMessage of this action's card, failed attempts included. */
  const postsOf = (actionId: number): RecordedCall[] =>
    h.fake.callsTo('chat.postMessage').filter((c) => c.body.channel === CHANNEL_ID && JSON.stringify(c.body.blocks).includes(`A-${actionId} `));
  const delivered = (actionId: number) => postsOf(actionId).filter((c) => !c.failed);

  async function outboxRowOf(actionId: number): Promise<OutboxState | undefined> {
    const [row] = rowsOf<OutboxState>(await world.db.execute(sql`SELECT id, status, attempts, last_error FROM outbox
      WHERE kind = 'post' AND subject->>'actionId' = ${String(actionId)} ORDER BY id`));
    return row && { ...row, id: Number(row.id), attempts: Number(row.attempts) };
  }

  async function waitForRow(actionId: number, done: (row: OutboxState) => boolean, timeoutMs = 8_000): Promise<OutboxState> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const row = await outboxRowOf(actionId);
      if (row && done(row)) return row;
      if (Date.now() > deadline) throw new Error(`outbox row of A-${actionId} is ${JSON.stringify(row)} after ${timeoutMs} ms`);
      await sleep(25);
    }
  }

  it('waits out a 429 with Retry-After: 2 before posting the card again, and posts it once', async () => {
    h.fake.failNext('chat.postMessage', 1, { status: 429, retryAfter: 2 });
    const id = await claimOne(technician.email);
    const posted = await h.fake.waitFor(() => delivered(id)[0], 6_000);
    const limited = postsOf(id).filter((c) => c.failed);
    expect(limited.map((c) => c.status)).toEqual([429]);
    // Lower bound only: the worker held the channel and the row for the Retry-After it was given.
    expect(posted.at - limited[0]!.at).toBeGreaterThanOrEqual(2_000);
    await h.settle();
    expect(delivered(id)).toHaveLength(1);
    expect(await outboxRowOf(id)).toMatchObject({ status: 'delivered', attempts: 2 });
  });

  it('dead-letters a card after every attempt failed with HTTP 500, lists it without patient data, and sends it once on retry', async () => {
    h.fake.failAlways('chat.postMessage', { status: 500 });
    const id = await claimOne(technician.email);
    const dead = await waitForRow(id, (r) => r.status === 'dead');
    expect(dead).toMatchObject({ attempts: 2, last_error: 'http_500' });
    expect(postsOf(id).map((c) => c.status)).toEqual([500, 500]);

    const listing = await runCliOn(cliDb, ['outbox', '--failed'], { now: new Date() });
    expect(listing.code).toBe(0);
    const line = listing.out.split('\n').find((l) => l.startsWith(`${dead.id} `));
    expect(line).toMatch(new RegExp(`slack\\s+\\S+/${CHANNEL_ID}\\s+post\\s+dead\\s+2\\s+http_500`));
    const json = await runCliOn(cliDb, ['outbox', '--failed', '--format', 'json'], { now: new Date() });
    expect(JSON.parse(json.out)).toEqual(expect.arrayContaining([expect.objectContaining({ id: dead.id, status: 'dead', attempts: 2, last_error: 'http_500' })]));
    // Where and how the row stands, never what the card says: no patient reference or label.
    const [patient] = rowsOf<{ patient_ref: string; display_label: string }>(await world.db.execute(sql`SELECT p.patient_ref, p.display_label
      FROM actions a JOIN patients p ON p.id = a.patient_id WHERE a.id = ${id}`));
    for (const out of [listing.out, json.out]) {
      expect(out).not.toContain(patient!.patient_ref);
      expect(out).not.toContain(patient!.display_label);
      expect(out).not.toMatch(/DEMO-\d|Fictional patient/);
    }

    h.fake.clearFailures();
    const retried = await runCliOn(cliDb, ['outbox', 'retry', String(dead.id)], { now: new Date() });
    expect(retried).toMatchObject({ code: 0, err: '' });
    expect(retried.out).toContain(`Outbox row ${dead.id} is queued again`);
    await h.fake.waitFor(() => delivered(id)[0], 5_000);
    await h.settle();
    expect(delivered(id)).toHaveLength(1);
    expect(await outboxRowOf(id)).toMatchObject({ status: 'delivered', attempts: 1 });
    const again = await runCliOn(cliDb, ['outbox', '--failed'], { now: new Date() });
    expect(again.out.split('\n').some((l) => l.startsWith(`${dead.id} `))).toBe(false);
  });

  it('dead-letters a card at the first attempt when Slack answers channel_not_found', async () => {
    h.fake.failNext('chat.postMessage', 1, { error: 'channel_not_found' });
    const id = await claimOne(technician.email);
    const dead = await waitForRow(id, (r) => r.status === 'dead');
    expect(dead).toMatchObject({ attempts: 1, last_error: 'channel_not_found' });
    // No retry follows: a permanent error waits for a person (invite the bot), then `outbox retry`.
    await sleep(300);
    expect(postsOf(id)).toHaveLength(1);
    expect(h.logLines.some((l) => l.includes('"outbox_dead"') && l.includes(`"outboxId":${dead.id},`) && l.includes('channel_not_found'))).toBe(true);
  });
});
