/**
 * Teams card-button latency on PostgreSQL: 50 simulated people each pressing Claim on a card
 * (an `adaptiveCard/action` invoke, Action.Execute verb `claim`, data { c: 'claim', f: { actionId } })
 * for 10 s (after a 2 s warm-up), sent to the real Teams adapter (teams-ai on botbuilder's
 * TeamsAdapter, unauthenticated local mode, on the service's HTTP server, with the core and the
 * outbox worker running), timing each HTTP response. An invoke's response IS the reply (the card
 * that replaces the pressed one for the presser), so unlike Slack there is no ack before the work:
 * each person waits for the response, reads it for 0.5–1.5 s and presses Claim on another open
 * action. In the same run, the floor: a bare teams-ai app whose Action.Execute handler only
 * returns a tiny static card, driven at the same invoke rate by 50 people, and flat out to show
 * its capacity. Target: p99 ≤ 2× the bare app's p99 at the same rate.
 *
 * Between the two, two rungs at the same rate: the bare app making one database round trip (a
 * one-row SELECT) before it answers, and one committed one-row INSERT. A claim must commit before
 * its card says "claimed", so the committed-insert rung is the least any correct claim can cost
 * here; on a 2-core virtual machine it alone measures 1.5–2× the bare app (each round trip after
 * an idle gap waits for a sleeping process and CPU to wake: 0.6–0.7 ms at p50, up to 3 ms at p99;
 * the suite prints that too, from bench/round-trip.ts).
 *
 * The server also times core.handle() inside each invoke, printed under the closedloop rows: what
 * of the response time is the claim itself (its transaction) and what is botbuilder, teams-ai and
 * the adapter.
 *
 * The suite also checks the work: every invoke answered 200 with a card, and every claim audited
 * exactly once (`action.claimed` via 'teams').
 *
 * Processes besides PostgreSQL: this one (set-up, load), the server under test
 * (bench/teams-server.ts, one per mode) and the fake Bot Connector (bench/teams-fake.ts), the
 * activities' serviceUrl, which answers member lookups, card updates and channel posts.
 *
 * Run by bench/run.ts (--suites teams), or alone: tsx bench/teams.ts [--seconds 10] [--users 50] [--think-ms 1000]
 * BENCH_PROFILE=1 also writes a CPU profile of each server process to .bench/profiles.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { rowsOf } from '../src/db/client.js';
import type { Database } from '../src/db/database.js';
import type { FakeTeamsMember } from '../test/support/fake-connector.js';
import type { ServerStats } from './slack-server.js';
import type { ConnectorStats } from './teams-fake.js';
import { roundTrips } from './round-trip.js';
import { driveInvokes, type InvokeDrive, type InvokeDriveOptions } from './teams-load.js';
import { ask, start, stop, type Child } from './processes.js';
import { createBenchDatabase, ms, perSecond, postgresUnavailable, verdict, type Latency } from './support.js';

const { values } = parseArgs({ options: { users: { type: 'string', default: '50' }, seconds: { type: 'string', default: '10' }, 'think-ms': { type: 'string', default: '1000' } } });
/** As bench/slack.ts: the verdict is taken with people who read their replies; the stress row has no think time. */
const THINK_MS = Number(values['think-ms']);
const USERS = Number(values.users);
const SECONDS = Number(values.seconds);
const WARMUP_SECONDS = 2;
/** Actions per person: far more than a person presses in a run, so every claim writes (the stress run included). */
const ACTIONS_PER_USER = 400;
/** The warm-up claims the last ones of each pool; the measured runs work from the start. */
const WARMUP_ACTIONS = 100;
const TENANT_ID = '00000000-0000-4000-8000-0000000be7c4';
const BOT = { id: '28:00000000-0000-4000-8000-00000000b07a', name: 'closedloop' };
const TEAMS = 10;
const PATIENTS_PER_TEAM = 200;

const pad = (u: number) => String(u + 1).padStart(12, '0');
/** Person u's Teams account: user id, AAD object id (what platform_identities links), name. */
const account = (u: number) => ({ id: `29:bench-user-${pad(u)}`, aadObjectId: `00000000-0000-4000-a000-${pad(u)}`, name: `Bench Technician ${u + 1}` });
const email = (u: number) => `bench.tech${u + 1}@example.invalid`;
/** Each team works in its own channel, as an MDT does. */
const channelOf = (u: number) => `19:benchteam${String(1 + (u % TEAMS)).padStart(2, '0')}@thread.tacv2`;

/** As bench/slack.ts seeds, linking each technician's AAD object id in the tenant instead of a Slack user. */
async function seed(db: Database): Promise<number[][]> {
  await db.execute(sql`INSERT INTO teams (name) SELECT 'Bench team ' || t FROM generate_series(1, ${TEAMS}) t`);
  await db.execute(sql`INSERT INTO patients (patient_ref, display_label, team_id, gp_practice)
    SELECT 'BENCH-' || t || '-' || n, 'Synthetic ' || t || '-' || n, tm.id, 'Bench Surgery'
    FROM generate_series(1, ${TEAMS}) t JOIN teams tm ON tm.name = 'Bench team ' || t, generate_series(1, ${PATIENTS_PER_TEAM}) n`);
  await db.execute(sql`INSERT INTO staff (name, email, roles)
    SELECT 'Bench Technician ' || n, 'bench.tech' || n || '@example.invalid', ARRAY['technician'] FROM generate_series(1, ${USERS}) n`);
  const person = sql`generate_series(1, ${USERS}) n JOIN staff s ON s.email = 'bench.tech' || n || '@example.invalid'`;
  await db.execute(sql`INSERT INTO staff_teams (staff_id, team_id) SELECT s.id, tm.id FROM ${person} JOIN teams tm ON tm.name = 'Bench team ' || (1 + (n - 1) % ${TEAMS})`);
  await db.execute(sql`INSERT INTO platform_identities (platform, tenant, external_id, staff_id, linked_by)
    SELECT 'teams', ${TENANT_ID}, '00000000-0000-4000-a000-' || lpad(n::text, 12, '0'), s.id, 'admin' FROM ${person}`);
  await db.execute(sql`INSERT INTO actions (kind, patient_id, team_id, cause_key, cause, priority, due_at)
    SELECT 'overdue_monitoring', p.id, p.team_id, 'bench:' || n || ':' || g, '{"test":"fbc","drug":"clozapine"}'::jsonb, 'routine', now() + interval '7 days'
    FROM generate_series(1, ${USERS}) n CROSS JOIN generate_series(1, ${ACTIONS_PER_USER}) g
    JOIN patients p ON p.patient_ref = 'BENCH-' || (1 + (n - 1) % ${TEAMS}) || '-' || (1 + g % ${PATIENTS_PER_TEAM})`);
  // Each action's card is already in its team's channel (posted by the bot, so recorded as a
  // message showing it), as when people work from the morning's cards: a claim then updates that
  // card for everyone rather than posting a new one.
  await db.execute(sql`WITH cards AS (
      INSERT INTO messages (platform, tenant, channel_id, message_id, subject)
      SELECT 'teams', ${TENANT_ID}, '19:benchteam' || lpad((1 + (split_part(a.cause_key, ':', 2)::int - 1) % ${TEAMS})::text, 2, '0') || '@thread.tacv2',
        (1700000000000 + a.id)::text, jsonb_build_object('kind', 'action', 'actionId', a.id)
      FROM actions a RETURNING id, (subject ->> 'actionId')::bigint AS action_id)
    INSERT INTO message_actions (message_row_id, action_id) SELECT id, action_id FROM cards`);
  await db.execute(sql`ANALYZE`);
  const pools: number[][] = Array.from({ length: USERS }, () => []);
  for (const row of rowsOf<{ id: number; n: number }>(await db.execute(sql`SELECT id, split_part(cause_key, ':', 2)::int AS n FROM actions ORDER BY id`))) {
    pools[Number(row.n) - 1]!.push(Number(row.id));
  }
  return pools;
}

/**
 * A Claim press on a channel card, shaped as Teams sends it (test/support/teams-harness.ts, the
 * captured invoke in test/fixtures/teams/teams-net-captured): a new activity id per press, the
 * pressed card's message id as replyToId.
 */
function claimInvoke(serviceUrl: string, user: number, actionId: number): string {
  const channel = channelOf(user);
  const cardId = String(1_700_000_000_000 + actionId);
  return JSON.stringify({
    type: 'invoke', name: 'adaptiveCard/action', id: `f:${randomUUID()}`, channelId: 'msteams', serviceUrl,
    from: account(user), recipient: BOT, timestamp: new Date().toISOString(), locale: 'en-GB', replyToId: cardId,
    conversation: { id: `${channel};messageid=${cardId}`, conversationType: 'channel', isGroup: true, tenantId: TENANT_ID },
    channelData: { tenant: { id: TENANT_ID }, team: { id: '19:benchteam@thread.tacv2' }, channel: { id: channel }, source: { name: 'message' } },
    entities: [{ type: 'clientInfo', locale: 'en-GB', country: 'GB', platform: 'Web', timezone: 'Europe/London' }],
    value: { action: { type: 'Action.Execute', title: 'Claim', verb: 'claim', data: { c: 'claim', f: { actionId } } }, trigger: 'manual' },
  });
}

interface Measured { drive: InvokeDrive; server: ServerStats & { handle: Latency }; warnings: string[] }

async function measure(server: Child, options: Omit<InvokeDriveOptions, 'warmupSeconds' | 'seconds' | 'onMeasure'>): Promise<Measured> {
  let marked: Promise<unknown> = Promise.resolve();
  const measured = await driveInvokes({ ...options, warmupSeconds: WARMUP_SECONDS, seconds: SECONDS, onMeasure: () => { marked = ask(server, 'mark'); } });
  await marked;
  const warnings = [...server.logs].filter(([event]) => !/^(info|debug):/.test(event)).map(([e, n]) => `${e} ×${n}`).concat(server.otherOutput);
  return { drive: measured, server: await ask<Measured['server']>(server, 'stats'), warnings };
}

async function withServer<T>(mode: 'bare' | 'bare-read' | 'bare-write' | 'closedloop', dbUrl: string, connectorUrl: string, fn: (server: Child, url: URL) => Promise<T>): Promise<T> {
  const server = await start('bench/teams-server.ts', [mode, dbUrl, connectorUrl, TENANT_ID]);
  try {
    return await fn(server, new URL(`http://127.0.0.1:${server.ready}/api/messages`));
  } finally {
    await stop(server);
  }
}

const load = () => `${os.loadavg()[0]!.toFixed(1)} (${os.cpus().length} cores)`;

async function main(): Promise<void> {
  console.log(`\nclosedloop bench: Teams Claim button (adaptiveCard/action invokes), ${USERS} concurrent people, ${WARMUP_SECONDS} s warm-up then ${SECONDS} s, PostgreSQL; ` +
    `each reads the answered card (0.5–1.5 × ${THINK_MS} ms) before the next press`);
  const unavailable = await postgresUnavailable();
  if (unavailable) {
    console.log(`skipped: ${unavailable}`);
    return;
  }
  const database = await createBenchDatabase('closedloop_teams');
  let fake: Child | undefined;
  try {
    const pools = await seed(database.db);
    const members: Record<string, FakeTeamsMember> = Object.fromEntries(pools.map((_, u) => {
      const a = account(u);
      return [a.id, { id: a.id, aadObjectId: a.aadObjectId, name: a.name, email: email(u), tenantId: TENANT_ID }];
    }));
    fake = await start('bench/teams-fake.ts', [JSON.stringify(members), TENANT_ID]);
    const serviceUrl = fake.ready;
    const loadBefore = load();

    // Each person claims their own actions (the warm-up the last of them), one after another; the stress run carries on from where the first stopped.
    const used = pools.map(() => ({ warm: 0, measured: 0 }));
    const claim = (user: number, warm: boolean) => {
      const index = warm ? ACTIONS_PER_USER - WARMUP_ACTIONS + (used[user]!.warm++ % WARMUP_ACTIONS) : used[user]!.measured++ % (ACTIONS_PER_USER - WARMUP_ACTIONS);
      return claimInvoke(serviceUrl, user, pools[user]![index]!);
    };
    const classify = (text: string) => (/ claimed A-\d+\./.test(text) ? 'claimed' : text.includes('Something went wrong') ? 'error' : 'other');
    const runService = (thinkMs: number) => withServer('closedloop', database.url, serviceUrl, (server, url) =>
      measure(server, { url, users: USERS, body: claim, thinkMs, classify }));
    const real = await runService(THINK_MS);
    const stress = THINK_MS > 0 ? await runService(0) : null;

    // The floor, at the same invoke rate (each person paced), then flat out.
    const rate = real.drive.sent / SECONDS;
    const bareBody = (user: number) => claimInvoke(serviceUrl, user, 1);
    const paced = { users: USERS, intervalMs: (USERS / rate) * 1000, body: bareBody };
    const [bare, flatOut] = await withServer('bare', database.url, serviceUrl, async (server, url) => [
      await measure(server, { url, ...paced }),
      await measure(server, { url, users: USERS, body: bareBody }),
    ]);
    // The rungs between the floor and a claim: the same app making one database round trip, then one committed write, before it answers.
    const bareRead = await withServer('bare-read', database.url, serviceUrl, (server, url) => measure(server, { url, ...paced }));
    const bareWrite = await withServer('bare-write', database.url, serviceUrl, (server, url) => measure(server, { url, ...paced }));
    const connector = await ask<ConnectorStats>(fake, 'stats');
    const trips = await roundTrips(database.db);

    const count = async (query: ReturnType<typeof sql>) => Number(rowsOf<{ n: number }>(await database.db.execute(query))[0]?.n ?? 0);
    const claimed = await count(sql`SELECT count(*)::int AS n FROM audit_events WHERE verb = 'action.claimed' AND via = 'teams'`);
    const claimedActions = await count(sql`SELECT count(DISTINCT entity_id)::int AS n FROM audit_events WHERE verb = 'action.claimed' AND via = 'teams'`);
    const queued = await count(sql`SELECT count(*)::int AS n FROM outbox WHERE status IN ('pending', 'sending')`);

    const cols = [46, 9, 9, 9, 13, 16, 10];
    const line = (cells: string[]) => cells.map((c, i) => (i < cols.length ? c.padEnd(cols[i]!) : c)).join('');
    const latencyCells = (l: Latency) => [ms(l.p50), ms(l.p99), ms(l.max), perSecond(l.perSecond)];
    const row = (label: string, r: Measured) => line([label, ...latencyCells(r.drive.response),
      `${Math.round(r.server.cpuPercent)}% / ${Math.round(r.server.eventLoopUtilisation * 100)}%`, ms(r.server.loopDelayP99), `${Math.round(r.drive.loadGeneratorCpuPercent)}%`]);
    console.log(`machine load average: ${loadBefore} before, ${load()} after`);
    console.log(line(['invoke response, measured run', 'p50', 'p99', 'max', 'invokes', 'server CPU/loop', 'loop p99', 'load generator CPU']));
    console.log(row('closedloop: Claim (people read the card)', real));
    console.log(line(['  of which core.handle() (the claim itself)', ...latencyCells(real.server.handle).slice(0, 3)]));
    console.log(row('FLOOR: bare teams-ai app, same invoke rate', bare));
    console.log(row('bare teams-ai app flat out (its capacity)', flatOut));
    console.log(row('bare app + one SELECT round trip, same rate', bareRead));
    console.log(row('bare app + one committed INSERT, same rate', bareWrite));
    const ratio = real.drive.response.p99 / bare.drive.response.p99;
    console.log(`p99 ÷ bare p99 at the same rate: ${ratio.toFixed(2)}× (÷ bare flat out: ${(real.drive.response.p99 / flatOut.drive.response.p99).toFixed(2)}×)`);
    const rung = (r: Measured) => `${(r.drive.response.p99 / bare.drive.response.p99).toFixed(2)}×`;
    console.log(`  the rungs' p99 ÷ bare p99: one round trip ${rung(bareRead)}, one committed insert ${rung(bareWrite)}; ` +
      `closedloop p99 ÷ the committed-insert rung: ${(real.drive.response.p99 / bareWrite.drive.response.p99).toFixed(2)}×`);
    const trip = (l: Latency) => `p50 ${ms(l.p50)}, p99 ${ms(l.p99)}`;
    console.log(`  one SELECT round trip from this process: back to back ${trip(trips.backToBack)}; one every 20 ms ${trip(trips.afterGap)}`);
    if (stress) {
      console.log(row('stress: no think time (server saturated)', stress));
      console.log(line(['  of which core.handle()', ...latencyCells(stress.server.handle).slice(0, 3)]));
      console.log(`  stress p99 ÷ bare flat-out p99 is not a target: ${(stress.drive.response.p99 / flatOut.drive.response.p99).toFixed(2)}×`);
    }
    const runs = [real, ...(stress ? [stress] : [])];
    const n = (x: number) => x.toLocaleString('en-GB');
    const sentAll = runs.reduce((s, r) => s + r.drive.sentTotal, 0);
    const floors = [bare, flatOut, bareRead, bareWrite];
    const withCard = runs.reduce((s, r) => s + r.drive.withCard, 0) + floors.reduce((s, r) => s + r.drive.withCard, 0);
    const floorInvokes = floors.reduce((s, r) => s + r.drive.sentTotal, 0);
    const invokesAll = sentAll + floorInvokes;
    const claimCards = runs.reduce((s, r) => s + (r.drive.kinds.claimed ?? 0), 0);
    const otherCards = runs.map((r) => Object.entries(r.drive.kinds).filter(([k]) => k !== 'claimed').map(([k, v]) => `${k} ×${v}`).join(', ')).filter(Boolean);
    console.log(`work (${n(sentAll)} closedloop invokes, warm-up and stress included; ${n(floorInvokes)} to the bare apps):`);
    console.log(`  answered 200 with a card: ${n(withCard)} of ${n(invokesAll)}; closedloop cards saying "… claimed A-…": ${n(claimCards)}${otherCards.length ? `; other cards: ${otherCards.join('; ')}` : ''}`);
    console.log(`  claims audited (via teams): ${n(claimed)} on ${n(claimedActions)} distinct actions; outbox still queued: ${n(queued)}`);
    console.log(`  Bot Connector calls: ${Object.entries(connector).map(([k, v]) => `${k} ×${n(v)}`).join(', ') || 'none'}`);
    for (const [label, r] of [['closedloop', real], ['stress', stress], ['bare', bare]] as const) {
      if (r?.warnings.length) console.log(`  ${label} server warnings: ${r.warnings.join(', ')}`);
    }
    const answered = withCard === invokesAll;
    const once = claimed === sentAll && claimCards === sentAll && claimedActions === sentAll;
    console.log(`p99 ≤ 2× bare: ${verdict(ratio <= 2)}; every invoke answered 200 with a card: ${verdict(answered)}; every claim written exactly once: ${verdict(once)}`);
  } finally {
    if (fake) await stop(fake);
    await database.drop();
  }
}

await main();
