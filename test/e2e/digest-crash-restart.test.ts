/**
 * Issue 9 acceptance: "A process killed after the run row is written and before delivery delivers
 * after restart, exactly once at the fake server."
 *
 * The first service runs with neither Slack nor Teams configured, so its outbox worker has no
 * deliverer for the posts its scheduler queues: a forced tick writes the team's daily digest runs
 * (and their outbox rows), and the process is killed with SIGKILL with nothing sent. That is the
 * case the database must make exactly once: the run committed, no platform call begun. (The one
 * window the outbox cannot close, a call the platform accepted in the instant before the crash,
 * is docs/delivery.md's, and is not this.) The database then shows the runs and their posts
 * pending. The second service, on the same database with both platforms configured, delivers each
 * digest once; its own ticks find the runs already there and queue nothing more.
 *
 * On each engine: a fresh PostgreSQL database when TEST_DATABASE_URL is set, and an embedded data
 * directory (whose lock, left by the killed process, the next opener takes over).
 */
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { shortDate } from '../../src/views/digest-views.js';
import { selectRows } from '../digests/support.js';
import { engines } from '../support/databases.js';
import {
  count, logEvents, serviceEnv, startServices, tickAll, today, undelivered, waitUntil, useE2eWorld,
} from './support/e2e-world.js';

const TEAM = 'Fictional Crash CMHT';
const SLACK_MDT = 'C0E2ECRASH';
const TEAMS_MDT = '19:e2ecrash@thread.tacv2';

describe.each(engines)('a digest run queued by a service killed before delivery [%s]', (engine) => {
  const world = useE2eWorld('crash');
  const { tickFile, started } = world;

  it('is delivered after the restart exactly once per channel', async () => {
    const { database: db, slack, teams, teamId } = await world.start(engine, { name: TEAM, slackChannel: SLACK_MDT, teamsChannel: TEAMS_MDT });

    // 1. A service that can deliver to neither platform queues the digests, and is killed.
    const [first] = await startServices(1, serviceEnv({ database: db, tickFile }), started);
    await tickAll(tickFile, [first!]);
    expect(logEvents(first!, 'digests_queued').reduce((sum, line) => sum + Number(line.count), 0)).toBe(2);
    expect(await first!.stop('SIGKILL')).toMatchObject({ signal: 'SIGKILL' });
    expect(slack.callsTo('chat.postMessage')).toEqual([]);
    expect(teams.calls).toEqual([]);

    // The runs are committed, their posts pending, never tried. (On PGlite, opening the directory
    // here takes over the lock the killed process left.)
    const runsAtCrash = await db.withDb((handle) => selectRows(handle, sql`SELECT r.id, o.platform, o.status, o.attempts
      FROM digest_runs r JOIN outbox o ON o.id = r.outbox_id WHERE r.team_id = ${teamId}::uuid ORDER BY o.platform`));
    expect(runsAtCrash.map(({ platform, status, attempts }) => ({ platform, status, attempts }))).toEqual([
      { platform: 'slack', status: 'pending', attempts: 0 }, { platform: 'teams', status: 'pending', attempts: 0 },
    ]);

    // 2. Restarted on the same database with both platforms: each digest goes out once.
    const [second] = await startServices(1, serviceEnv({ database: db, tickFile, slack, teams }), started);
    await waitUntil(() => logEvents(second!, 'outbox_delivered').length >= 2, 'both digests to be delivered', 30_000, () => second!.stderr().slice(-4_000));
    // A tick after the restart finds both runs already queued.
    expect(await tickAll(tickFile, [second!])).toEqual([0]);
    if (engine === 'postgres') expect(await db.withDb(undelivered)).toBe(0);
    expect(await second!.stop('SIGTERM')).toMatchObject({ code: 0 });

    const title = `Daily digest · ${TEAM} · ${shortDate(today())}`;
    const slackPosts = slack.callsTo('chat.postMessage').filter((c) => c.body.channel === SLACK_MDT);
    expect(slackPosts.map((c) => ({ failed: c.failed ?? false, text: String(c.body.text).slice(0, title.length) }))).toEqual([{ failed: false, text: title }]);
    const teamsPosts = teams.calls.filter((c) => c.kind === 'send' || c.kind === 'reply');
    expect(teamsPosts.map((c) => ({ conversation: c.conversationId, failed: c.failed ?? false }))).toEqual([{ conversation: TEAMS_MDT, failed: false }]);
    expect(JSON.stringify(teamsPosts[0]!.body)).toContain(TEAM);

    await db.withDb(async (handle) => {
      const runs = await selectRows(handle, sql`SELECT r.id, o.platform, o.status, o.attempts
        FROM digest_runs r JOIN outbox o ON o.id = r.outbox_id WHERE r.team_id = ${teamId}::uuid ORDER BY o.platform`);
      // The same two runs as at the crash, each delivered on its first attempt.
      expect(runs).toEqual(runsAtCrash.map((r) => ({ ...r, status: 'delivered', attempts: 1 })));
      expect(await count(handle, sql`SELECT count(*)::int AS n FROM outbox`)).toBe(2);
      expect(await count(handle, sql`SELECT count(*)::int AS n FROM messages WHERE subject ->> 'kind' = 'digest'`)).toBe(2);
      expect(await count(handle, sql`SELECT count(*)::int AS n FROM audit_events WHERE verb = 'message.posted'`)).toBe(2);
    });
  }, 180_000);
});
