/**
 * Issue 9 acceptance: "The first import of a 2,000-patient team with no events raises no
 * escalations and one summarised digest." (§6, onboarding.)
 *
 * A register of 2,000 fictional patients on lithium since 2020, with no events, is imported with
 * `closedloop import register` into an empty database: every test is overdue and its action is
 * raised, but the team has had no digest yet, so no escalation is. The team's MDT channels (one on
 * Slack, one on Teams) are bound and its daily digest made due; then the real service ticks once.
 * Each channel gets exactly one daily digest, and it counts the backlog by drug and test instead of
 * listing two thousand patients. That first digest ends the onboarding: in the same tick the
 * service syncs the team (the scheduler's onFirstDigest hook in src/main.ts) and the escalations
 * that were held back are raised.
 *
 * On each engine: a fresh PostgreSQL database when TEST_DATABASE_URL is set, and an embedded data
 * directory.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { shortDate } from '../../src/views/digest-views.js';
import type { ServiceProcess } from '../adapters/slack/service-process.js';
import { selectRows } from '../digests/support.js';
import { engines } from '../support/databases.js';
import { startFakeConnector, type FakeConnector, type RecordedConnectorCall } from '../support/fake-connector.js';
import { startFakeSlack, type FakeSlack, type RecordedCall } from '../support/fake-slack.js';
import { readCard } from '../support/teams-harness.js';
import {
  SLACK_WORKSPACE, bindSlack, bindTeams, count, createE2eDatabase, dueNowSettings, logEvents, serviceEnv, startServices, tickAll, today, waitUntil,
  type E2eDatabase,
} from './support/e2e-world.js';

const TEAM = 'Fictional Onboarding CMHT';
const PATIENTS = 2_000;
const SLACK_MDT = 'C0E2EONBOARD';
const TEAMS_MDT = '19:e2eonboard@thread.tacv2';
const REF = /E2EONB-\d{4}/g;

/** Every string in a Slack message (its fallback text and every text object of its blocks). */
function slackWords(call: RecordedCall): string {
  const words: string[] = [String(call.body.text ?? '')];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (typeof node === 'object' && node !== null) Object.values(node).forEach(walk);
    else if (typeof node === 'string') words.push(node);
  };
  walk(call.body.blocks);
  return words.join('\n');
}

const teamsWords = (call: RecordedConnectorCall) =>
  readCard((call.body as { attachments: { content: unknown }[] }).attachments[0]?.content, { messageId: '', conversationId: TEAMS_MDT }).text;

async function actionsByKind(db: Database): Promise<Record<string, number>> {
  const rows = await selectRows(db, sql`SELECT a.kind, count(*)::int AS n FROM actions a JOIN teams t ON t.id = a.team_id
    WHERE t.name = ${TEAM} AND a.status IN ('open', 'claimed') GROUP BY a.kind`);
  return Object.fromEntries(rows.map((r) => [String(r.kind), Number(r.n)]));
}

describe.each(engines)('the first import of a 2,000-patient team [%s]', (engine) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'closedloop-first-import-'));
  const tickFile = path.join(dir, 'tick');
  const started: ServiceProcess[] = [];
  let database: E2eDatabase | undefined;
  let slack: FakeSlack | undefined;
  let teams: FakeConnector | undefined;

  afterAll(async () => {
    await Promise.all(started.map((s) => s.stop('SIGKILL')));
    await Promise.all([slack?.close(), teams?.close()]);
    await database?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('raises no escalations, posts one summarised digest per channel, then raises the held escalations', async () => {
    [database, slack, teams] = await Promise.all([createE2eDatabase(engine), startFakeSlack({ teamId: SLACK_WORKSPACE }), startFakeConnector()]);
    const db = database;

    // Lithium since 2020, nothing ever recorded: every test of every patient is overdue.
    const lines = ['patient_ref,display_label,team,gp_practice,date_of_birth,drug,start_date,responsible_org'];
    for (let i = 1; i <= PATIENTS; i++) lines.push(`E2EONB-${String(i).padStart(4, '0')},Fictional ${i},${TEAM},Elm Surgery,1970-01-01,lithium,2020-01-01,mh_trust`);
    const register = path.join(dir, 'register.csv');
    fs.writeFileSync(register, `${lines.join('\n')}\n`);
    const imported = await db.cli(['import', 'register', register]);
    expect(imported.code, imported.err).toBe(0);

    const overdue = await db.withDb(async (handle) => {
      const kinds = await actionsByKind(handle);
      expect(Object.keys(kinds)).toEqual(['overdue_monitoring']);
      expect(kinds.overdue_monitoring).toBeGreaterThanOrEqual(PATIENTS);
      expect(await count(handle, sql`SELECT count(*)::int AS n FROM actions WHERE kind = 'escalation'`)).toBe(0);
      const [team] = await selectRows(handle, sql`SELECT id::text AS id, first_digest_at FROM teams WHERE name = ${TEAM}`);
      expect(team!.first_digest_at).toBeNull();
      await bindSlack(handle, String(team!.id), SLACK_MDT);
      await bindTeams(handle, String(team!.id), TEAMS_MDT, teams!.serviceUrl);
      // What the digest should count, by drug and test.
      return selectRows(handle, sql`SELECT cause ->> 'drug' AS drug, cause ->> 'test' AS test, count(*)::int AS n FROM actions
        WHERE kind = 'overdue_monitoring' GROUP BY 1, 2 ORDER BY 3 DESC`);
    });
    expect((await db.cli(['team', 'set', TEAM, ...dueNowSettings()])).code).toBe(0);

    const [service] = await startServices(1, serviceEnv({ database: db, tickFile, slack, teams }), started);
    await tickAll(tickFile, [service!]);
    await waitUntil(() => logEvents(service!, 'outbox_delivered').length >= 2, 'both digests to be delivered', 60_000, () => service!.stderr().slice(-4_000));
    // One more tick once the digests are out: the held escalations are raised by now at the latest.
    await tickAll(tickFile, [service!]);
    expect(await service!.stop('SIGTERM')).toMatchObject({ code: 0 });

    const title = `Daily digest · ${TEAM} · ${shortDate(today())}`;
    const slackPosts = slack.callsTo('chat.postMessage').filter((c) => c.body.channel === SLACK_MDT && !c.failed);
    const teamsPosts = teams.calls.filter((c) => (c.kind === 'send' || c.kind === 'reply') && c.conversationId === TEAMS_MDT && !c.failed);
    expect(slackPosts).toHaveLength(1);
    expect(teamsPosts).toHaveLength(1);
    for (const words of [slackWords(slackPosts[0]!), teamsWords(teamsPosts[0]!)]) {
      expect(words).toContain(title);
      // Counts by drug and test (each pair's count on its line)…
      for (const { drug, test, n } of overdue) {
        expect(words).toMatch(new RegExp(`${String(drug)}\\W+${String(test).replace(/_/g, '[ _]')}\\W+${Number(n).toLocaleString('en-GB')}\\b`, 'i'));
      }
      // …not one line per patient.
      expect((words.match(REF) ?? []).length).toBeLessThanOrEqual(5);
    }

    await db.withDb(async (handle) => {
      const [run] = await selectRows(handle, sql`SELECT r.summarised, r.kind, o.status FROM digest_runs r JOIN outbox o ON o.id = r.outbox_id
        JOIN teams t ON t.id = r.team_id WHERE t.name = ${TEAM} AND r.kind = 'daily' ORDER BY r.id LIMIT 1`);
      expect(run).toEqual({ summarised: true, kind: 'daily', status: 'delivered' });
      expect(await count(handle, sql`SELECT count(*)::int AS n FROM teams WHERE name = ${TEAM} AND first_digest_at IS NOT NULL`)).toBe(1);
      // The onboarding is over: the escalations held back are raised, each audited…
      const kinds = await actionsByKind(handle);
      expect(kinds.escalation).toBeGreaterThan(0);
      expect(kinds.escalation).toBeLessThanOrEqual(kinds.overdue_monitoring!);
      expect(await count(handle, sql`SELECT count(*)::int AS n FROM audit_events WHERE verb = 'action.created' AND entity_id IN
        (SELECT 'A-' || id FROM actions WHERE kind = 'escalation')`)).toBe(kinds.escalation);
      // …but none before the first digest had been posted (§6: "no automatic escalations until the
      // team's first digest has been posted"), in either channel.
      expect(await count(handle, sql`SELECT count(*)::int AS n FROM actions e JOIN digest_runs r ON r.team_id = e.team_id AND r.summarised
        JOIN outbox o ON o.id = r.outbox_id WHERE e.kind = 'escalation' AND (o.delivered_at IS NULL OR e.created_at < o.delivered_at)`)).toBe(0);
    });
  }, 240_000);
});
