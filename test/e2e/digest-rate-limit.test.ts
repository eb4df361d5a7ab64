/**
 * Issue 9 acceptance: "A fake Slack that answers 429 with Retry-After and then 200: the digest
 * arrives after the wait."
 *
 * The real service with Slack on a fake Web API whose first chat.postMessage is answered 429 with
 * `Retry-After: 2`, and Teams on a fake Bot Connector whose first call is answered the same way.
 * A forced tick queues the daily digest for both channels. Slack's is retried by the outbox once
 * the 2 s have passed (the Web API client rejects rate-limited calls, and the worker holds that
 * channel until Retry-After); Teams' by botbuilder's own pipeline, which sleeps Retry-After before
 * its retry (test/support/fake-connector.ts). Either way the digest arrives once, no sooner than
 * Retry-After after the 429, and the database records it delivered once.
 *
 * On each engine: a fresh PostgreSQL database when TEST_DATABASE_URL is set, and an embedded data
 * directory.
 */
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { shortDate } from '../../src/views/digest-views.js';
import { selectRows } from '../digests/support.js';
import { engines } from '../support/databases.js';
import {
  logEvents, serviceEnv, startServices, tickAll, today, waitUntil, useE2eWorld,
} from './support/e2e-world.js';

const TEAM = 'Fictional Rate-limited CMHT';
const SLACK_MDT = 'C0E2ELIMIT';
const TEAMS_MDT = '19:e2elimit@thread.tacv2';
const RETRY_AFTER_S = 2;

describe.each(engines)('a digest rate-limited by the platform [%s]', (engine) => {
  const world = useE2eWorld('ratelimit');
  const { tickFile, started } = world;

  it('arrives once, after Retry-After, on Slack and on Teams', async () => {
    const { database: db, slack, teams, teamId } = await world.start(engine, { name: TEAM, slackChannel: SLACK_MDT, teamsChannel: TEAMS_MDT });
    slack.failNext('chat.postMessage', 1, { status: 429, retryAfter: RETRY_AFTER_S });
    // The service makes no other connector call before the digest's post (no token in local mode).
    teams.failNext('*', 1, { status: 429, retryAfter: RETRY_AFTER_S });

    const [service] = await startServices(1, serviceEnv({ database: db, tickFile, slack, teams }), started);
    await tickAll(tickFile, [service!]);
    await waitUntil(() => logEvents(service!, 'outbox_delivered').length >= 2, 'both digests to be delivered', 30_000, () => service!.stderr().slice(-4_000));
    // The Slack row's first attempt was recorded as rate-limited (by its code, never its payload).
    expect(logEvents(service!, 'outbox_retry')).toEqual([expect.objectContaining({ platform: 'slack', error: 'ratelimited', attempts: 1 })]);
    expect(await service!.stop('SIGTERM')).toMatchObject({ code: 0 });

    const title = `Daily digest · ${TEAM} · ${shortDate(today())}`;
    const slackCalls = slack.callsTo('chat.postMessage').filter((c) => c.body.channel === SLACK_MDT);
    expect(slackCalls.map((c) => ({ status: c.status, failed: c.failed ?? false }))).toEqual([{ status: 429, failed: true }, { status: 200, failed: false }]);
    expect(String(slackCalls[1]!.body.text)).toContain(title);
    expect(slackCalls[1]!.at - slackCalls[0]!.at).toBeGreaterThanOrEqual(RETRY_AFTER_S * 1000);

    const teamsCalls = teams.calls.filter((c) => c.kind === 'send' || c.kind === 'reply');
    expect(teamsCalls.map((c) => ({ conversation: c.conversationId, status: c.status }))).toEqual([
      { conversation: TEAMS_MDT, status: 429 }, { conversation: TEAMS_MDT, status: 200 },
    ]);
    expect(JSON.stringify(teamsCalls[1]!.body)).toContain(TEAM);
    expect(teamsCalls[1]!.at - teamsCalls[0]!.at).toBeGreaterThanOrEqual(RETRY_AFTER_S * 1000);

    await db.withDb(async (handle) => {
      // Slack's retry was the outbox's (a second attempt); Teams' was inside the SDK (one attempt).
      expect(await selectRows(handle, sql`SELECT o.platform, o.status, o.attempts FROM digest_runs r JOIN outbox o ON o.id = r.outbox_id
        WHERE r.team_id = ${teamId}::uuid ORDER BY o.platform`)).toEqual([
        { platform: 'slack', status: 'delivered', attempts: 2 }, { platform: 'teams', status: 'delivered', attempts: 1 },
      ]);
      expect((await selectRows(handle, sql`SELECT count(*)::int AS n FROM messages WHERE subject ->> 'kind' = 'digest'`))[0]!.n).toBe(2);
    });
  }, 180_000);
});
