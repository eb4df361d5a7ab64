/**
 * A service killed after the outbox write and before delivery delivers exactly once after restart.
 *
 * The real service (`src/main.ts`, as `npm run dev` runs it) in a child process, with Slack
 * pointed at a fake Web API that fails every chat.postMessage with HTTP 500: a claim made by
 * slash command queues the action's card, the first attempt fails and is recorded for a retry,
 * and the service is killed with SIGKILL (no shutdown code runs). Slack then recovers, the service
 * starts again on the same database, and the card must be posted exactly once, with one `messages`
 * row and one `message.posted` audit event.
 *
 * On each engine: a fresh PostgreSQL database when TEST_DATABASE_URL is set, and a fresh embedded
 * data directory (whose lock, left behind by the killed process, is taken over at restart). The
 * first start initialises the database, migrates and loads the demo register: ~10–20 s on PGlite.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, rowsOf } from '../../../src/db/client.js';
import type { Database } from '../../../src/db/database.js';
import { DEMO_STAFF } from '../../../src/demo/demo-staff.js';
import { createTestDatabase, engines, type TestDatabase } from '../../support/databases.js';
import { startFakeSlack, type FakeSlack, type RecordedCall } from '../../support/fake-slack.js';
import { readBlocks } from '../../support/slack-harness.js';
import { postSigned, slashCommandBody } from '../../support/slack-signing.js';
import { startService, type ServiceProcess } from './service-process.js';

const TEAM_ID = 'T0RESTART';
const CHANNEL_ID = 'C0RESTART';
const TECHNICIAN = 'U0DEMOTECH';
const technicianEmail = DEMO_STAFF.find((s) => (s.roles as readonly string[]).includes('technician'))!.email;
const RUNNING = /closedloop is running: http:\/\/127\.0\.0\.1:(\d+)\/healthz/;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function count(db: Database, query: ReturnType<typeof sql>): Promise<number> {
  return Number(rowsOf<{ n: number }>(await db.execute(query))[0]?.n ?? 0);
}

describe.each(engines)('Slack delivery across a crash of the service [%s]', (engine) => {
  const secret = crypto.randomBytes(16).toString('hex');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'closedloop-restart-'));
  const dataDir = path.join(dir, 'data');
  let fake: FakeSlack | undefined;
  let testDb: TestDatabase | undefined;
  const services: ServiceProcess[] = [];

  afterAll(async () => {
    // Whatever happened, no service outlives the test.
    await Promise.all(services.map((s) => s.stop('SIGKILL')));
    await fake?.close();
    await testDb?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function start(env: Record<string, string>): Promise<{ service: ServiceProcess; url: string }> {
    const service = startService(env);
    services.push(service);
    const [, port] = await service.waitForOutput(RUNNING, 90_000);
    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    return { service, url: `${base}/slack/events` };
  }

  /** Sends a signed slash command as the demo technician and returns the reply posted to response_url. */
  async function slash(url: string, text: string): Promise<{ text: string; blocks: unknown }> {
    const before = fake!.responses.length;
    const sent = await postSigned(url, secret, slashCommandBody({ user_id: TECHNICIAN, team_id: TEAM_ID, channel_id: CHANNEL_ID, text }, { responseUrlBase: fake!.baseUrl }));
    expect(sent.status).toBe(200);
    const reply = await fake!.waitFor((f) => f.responses[before], 10_000);
    return reply.body as { text: string; blocks: unknown };
  }

  const postsOf = (actionId: number): RecordedCall[] =>
    fake!.callsTo('chat.postMessage').filter((c) => c.body.channel === CHANNEL_ID && JSON.stringify(c.body.blocks).includes(`A-${actionId} `));
  const delivered = (actionId: number) => postsOf(actionId).filter((c) => !c.failed);

  it('posts the card exactly once after a SIGKILL between queueing and delivery', async () => {
    fake = await startFakeSlack({ users: { [TECHNICIAN]: { email: technicianEmail } }, teamId: TEAM_ID });
    fake.failAlways('chat.postMessage', { status: 500 });
    let database: Record<string, string>;
    if (engine === 'postgres') {
      testDb = await createTestDatabase('postgres'); // empty and migrated: the service loads the demo register
      database = { DATABASE_URL: testDb.url! };
    } else {
      database = { DATA_DIR: dataDir };
    }
    // LOG_LEVEL=info: the service's "outbox_retry" line says the failed attempt has been recorded.
    const env = {
      ...database, PORT: '0', HOST: '127.0.0.1', DEMO_DATA: 'true', LOG_LEVEL: 'info',
      SLACK_BOT_TOKEN: 'xoxb-test', SLACK_SIGNING_SECRET: secret, SLACK_API_URL: fake.apiUrl,
    };

    // 1. First run: the technician (linked automatically by their verified email) claims an overdue action.
    const first = await start(env);
    const list = await slash(first.url, 'list overdue_monitoring');
    const claimButton = readBlocks(list.blocks, { type: 'message', channel_id: CHANNEL_ID, message_ts: 'eph', is_ephemeral: true })
      .buttons.find((b) => b.command === 'claim');
    if (!claimButton?.actionId) throw new Error(`no unclaimed overdue action in the demo register: ${list.text}`);
    const id = claimButton.actionId;
    expect((await slash(first.url, `claim A-${id}`)).text).toContain('claimed');

    // 2. The card is in the outbox and its first attempt failed (HTTP 500) and was recorded for a retry.
    await fake.waitFor(() => postsOf(id).find((c) => c.failed), 10_000);
    await first.service.waitForOutput(/"event":"outbox_retry"[^\n]*"error":"http_500"/, 10_000);
    if (testDb) {
      const [row] = rowsOf<{ status: string; attempts: number }>(await testDb.db.execute(sql`SELECT status, attempts FROM outbox
        WHERE kind = 'post' AND subject->>'actionId' = ${String(id)}`));
      expect(row).toMatchObject({ status: 'pending', attempts: 1 });
    }
    expect(delivered(id)).toEqual([]);

    // 3. Killed: no shutdown, no lock released, nothing flushed.
    expect(await first.service.stop('SIGKILL')).toMatchObject({ signal: 'SIGKILL' });
    fake.clearFailures();

    // 4. Second run on the same database: the card goes out once.
    const second = await start(env);
    if (engine === 'pglite') expect(second.service.stderr()).toContain('Removing stale lock');
    const posted = await fake.waitFor(() => delivered(id)[0], 10_000);
    expect(posted.body.channel).toBe(CHANNEL_ID);
    await sleep(2_000);
    expect(delivered(id)).toHaveLength(1);
    expect(second.service.stderr()).toMatch(/"event":"outbox_delivered"/);

    // 5. Stopped properly, then the database is read: one message, one audit event, the row delivered.
    expect(await second.service.stop('SIGTERM')).toMatchObject({ code: 0 });
    const handle = testDb ? null : await openDatabase({ dataDir, migrate: false });
    const db = testDb?.db ?? handle!.db;
    try {
      expect(await count(db, sql`SELECT count(*)::int AS n FROM messages m JOIN message_actions ma ON ma.message_row_id = m.id
        WHERE ma.action_id = ${id} AND m.channel_id = ${CHANNEL_ID}`)).toBe(1);
      expect(await count(db, sql`SELECT count(*)::int AS n FROM audit_events
        WHERE verb = 'message.posted' AND after->'subject'->>'actionId' = ${String(id)}`)).toBe(1);
      const [row] = rowsOf<{ status: string; attempts: number }>(await db.execute(sql`SELECT status, attempts FROM outbox
        WHERE kind = 'post' AND subject->>'actionId' = ${String(id)}`));
      expect(row).toMatchObject({ status: 'delivered', attempts: 2 });
    } finally {
      await handle?.close();
    }
  }, 180_000);
});
