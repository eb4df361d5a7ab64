/**
 * Issue 9 acceptance: "Three service processes on one PostgreSQL with a forced simultaneous tick
 * post exactly one digest per channel (assert through the fake Slack and Teams servers and the
 * database); `digest run` started three times at once posts once."
 *
 * Three real services (src/main.ts) on one fresh PostgreSQL database, every one with Slack on one
 * fake Web API and Teams on one fake Bot Connector, and a team with an MDT channel on Slack, one on
 * Teams and a managers' channel on Slack. Its settings are made due only once all three run (so
 * no minute tick beats the forced one to it), then one write of the tick file makes the three
 * tick within the same 100 ms. Each channel then gets its digest once, at the fake servers and in
 * the database. Then three `closedloop digest run --as-of YESTERDAY` processes started at once
 * queue yesterday's digest once per channel, and the services post it once.
 *
 * PostgreSQL only: PGlite admits one process per data directory.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mondayOf } from '../../src/domain/digest/calendar.js';
import { shortDate } from '../../src/views/digest-views.js';
import type { ServiceProcess } from '../adapters/slack/service-process.js';
import { addTeam, selectRows } from '../digests/support.js';
import { startFakeConnector, type FakeConnector, type RecordedConnectorCall } from '../support/fake-connector.js';
import { startFakeSlack, type FakeSlack, type RecordedCall } from '../support/fake-slack.js';
import { readCard } from '../support/teams-harness.js';
import {
  SLACK_WORKSPACE, bindSlack, bindTeams, cliProcess, count, createE2eDatabase, dueNowSettings, logEvents, serviceEnv, startServices, tickAll, today,
  undelivered, waitUntil, yesterday, type E2eDatabase,
} from './support/e2e-world.js';

const TEAM = 'Fictional Multi-instance CMHT';
const SLACK_MDT = 'C0E2EMDT';
const SLACK_MANAGERS = 'C0E2EMGRS';
const TEAMS_MDT = '19:e2emdt@thread.tacv2';

describe.skipIf(!process.env.TEST_DATABASE_URL)('digests from three service processes on one PostgreSQL [postgres]', () => {
  let dir: string;
  let tickFile: string;
  const started: ServiceProcess[] = [];
  let database: E2eDatabase;
  let slack: FakeSlack;
  let teams: FakeConnector;
  let services: ServiceProcess[];
  let teamId: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'closedloop-multi-'));
    tickFile = path.join(dir, 'tick');
    [database, slack, teams] = await Promise.all([createE2eDatabase('postgres'), startFakeSlack({ teamId: SLACK_WORKSPACE }), startFakeConnector()]);
    await database.withDb(async (db) => {
      // Past onboarding (its first digest was yesterday) and with nothing to do, so no sync or sweep
      // of the services posts or changes anything: each channel's posts are its digests alone.
      const team = await addTeam(db, { name: TEAM, firstDigestAt: new Date(Date.now() - 86_400_000) });
      teamId = team.id;
      await bindSlack(db, team.id, SLACK_MDT);
      await bindSlack(db, team.id, SLACK_MANAGERS, 'managers');
      await bindTeams(db, team.id, TEAMS_MDT, teams.serviceUrl);
    });
    services = await startServices(3, serviceEnv({ database, tickFile, slack, teams }), started);
  }, 180_000);

  afterAll(async () => {
    await Promise.all(started.map((s) => s.stop('SIGKILL')));
    await Promise.all([slack?.close(), teams?.close()]);
    await database?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const slackPosts = (channel: string): RecordedCall[] => slack.callsTo('chat.postMessage').filter((c) => c.body.channel === channel && !c.failed);
  const teamsPosts = (): RecordedConnectorCall[] =>
    teams.calls.filter((c) => (c.kind === 'send' || c.kind === 'reply') && c.conversationId === TEAMS_MDT && !c.failed);
  const teamsText = (call: RecordedConnectorCall) =>
    readCard((call.body as { attachments: { content: unknown }[] }).attachments[0]?.content, { messageId: '', conversationId: TEAMS_MDT }).text;
  /** Every queued post has been delivered: from here on no worker can send any of them again. */
  const allDelivered = () => waitUntil(async () => (await database.withDb(undelivered)) === 0, 'the outbox to be delivered', 30_000,
    () => `slack: ${slack.calls.map((c) => c.method).join(', ')}\nteams: ${teams.calls.map((c) => c.kind).join(', ')}`);

  it('a forced simultaneous tick of three processes posts exactly one digest per channel', async () => {
    const set = await database.cli(['team', 'set', TEAM, ...dueNowSettings()]);
    expect(set.code, set.err).toBe(0);

    await tickAll(tickFile, services);
    // Between them the three processes queued the three runs once each (whether by this tick or by a
    // minute tick that beat it: either way all three asked at once).
    const queued = services.flatMap((s) => logEvents(s, 'digests_queued')).reduce((sum, line) => sum + Number(line.count), 0);
    expect(queued).toBe(3);

    await allDelivered();
    const title = `Daily digest · ${TEAM} · ${shortDate(today())}`;
    const slackDaily = slackPosts(SLACK_MDT);
    expect(slackDaily).toHaveLength(1);
    expect(String(slackDaily[0]!.body.text)).toContain(title);
    const weekly = slackPosts(SLACK_MANAGERS);
    expect(weekly).toHaveLength(1);
    expect(String(weekly[0]!.body.text)).toMatch(new RegExp(`^Weekly digest: ${TEAM}`));
    // The weekly digest's chart, uploaded once under its post.
    expect(slack.uploads).toHaveLength(1);
    expect(teamsPosts()).toHaveLength(1);
    expect(teamsText(teamsPosts()[0]!)).toContain(title);

    await database.withDb(async (db) => {
      const runs = await selectRows(db, sql`SELECT c.platform, c.channel_id, r.kind, r.period_start::text AS period_start, r.forced, o.status
        FROM digest_runs r JOIN channels c ON c.id = r.channel_row_id JOIN outbox o ON o.id = r.outbox_id
        WHERE r.team_id = ${teamId}::uuid ORDER BY c.channel_id COLLATE "C"`);
      expect(runs).toEqual([
        { platform: 'teams', channel_id: TEAMS_MDT, kind: 'daily', period_start: today(), forced: false, status: 'delivered' },
        { platform: 'slack', channel_id: SLACK_MDT, kind: 'daily', period_start: today(), forced: false, status: 'delivered' },
        { platform: 'slack', channel_id: SLACK_MANAGERS, kind: 'weekly', period_start: mondayOf(today()), forced: false, status: 'delivered' },
      ]);
      expect(await count(db, sql`SELECT count(*)::int AS n FROM outbox WHERE kind = 'post'`)).toBe(3);
      expect(await count(db, sql`SELECT count(*)::int AS n FROM messages WHERE subject ->> 'kind' = 'digest'`)).toBe(3);
      expect(await count(db, sql`SELECT count(*)::int AS n FROM audit_events WHERE verb = 'digest.queued'`)).toBe(3);
      expect(await count(db, sql`SELECT count(*)::int AS n FROM audit_events WHERE verb = 'message.posted'`)).toBe(3);
    });
  }, 120_000);

  it('`closedloop digest run` started three times at once queues each channel\'s digest once, and it is posted once', async () => {
    const day = yesterday();
    const slackBefore = slackPosts(SLACK_MDT).length;
    const teamsBefore = teamsPosts().length;

    const runs = await Promise.all([1, 2, 3].map(() => cliProcess(['digest', 'run', '--team', TEAM, '--as-of', day], database.env)));
    for (const run of runs) expect(run.code, run.err).toBe(0);
    const lines = runs.flatMap((r) => r.out.split('\n'));
    // Two channels: each queued by exactly one of the three, and found already run by the other two.
    expect(lines.filter((l) => l.startsWith('Queued the daily digest'))).toHaveLength(2);
    expect(lines.filter((l) => /already ran .* nothing queued/.test(l))).toHaveLength(4);

    await allDelivered();
    const title = `Daily digest · ${TEAM} · ${shortDate(day)}`;
    const slackNew = slackPosts(SLACK_MDT).slice(slackBefore);
    expect(slackNew).toHaveLength(1);
    expect(String(slackNew[0]!.body.text)).toContain(title);
    const teamsNew = teamsPosts().slice(teamsBefore);
    expect(teamsNew).toHaveLength(1);
    expect(teamsText(teamsNew[0]!)).toContain(title);
    await database.withDb(async (db) => {
      expect(await selectRows(db, sql`SELECT o.status, r.via FROM digest_runs r JOIN outbox o ON o.id = r.outbox_id
        WHERE r.team_id = ${teamId}::uuid AND r.period_start = ${day}::date`)).toEqual([
        { status: 'delivered', via: 'cli' }, { status: 'delivered', via: 'cli' },
      ]);
    });
  }, 120_000);
});
