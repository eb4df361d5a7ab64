/**
 * Slack acknowledgement latency on PostgreSQL: 50 simulated people each sending signed
 * `/closedloop claim A-…` slash commands for 10 s (after a 2 s warm-up) to the real Slack adapter
 * (Bolt, signature verification on, on the service's HTTP server, with the core and the outbox
 * worker running), timing each HTTP response: Slack's 3-second ack. Each person sends the next
 * command once the previous one's reply has come back on its response_url, so 50 commands are in
 * the works at any moment (see bench/slack-load.ts for why not faster). In the same run, the
 * floor: a bare Bolt app that only acks, driven at the same command rate by 50 people, and flat
 * out to show its capacity. Targets: p99 ≤ 300 ms and ≤ 2× the bare app's p99 at the same rate.
 *
 * A fast ack proves little unless the work is done after it, so the suite also times the replies,
 * counts them (one per command) and the claims audited, and waits for the App Home refreshes.
 *
 * Processes besides PostgreSQL: this one (set-up, load, response_url endpoint), the server under
 * test (bench/slack-server.ts, one per mode) and the fake Slack Web API (bench/slack-fake.ts), so
 * neither the load nor the fake's answers run on the server's event loop.
 *
 * Run by bench/run.ts (--suites slack), or alone: tsx bench/slack.ts [--seconds 10] [--users 50] [--rate N]
 * BENCH_PROFILE=1 also writes a CPU profile of each server process to .bench/profiles.
 */
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { rowsOf } from '../src/db/client.js';
import type { Database } from '../src/db/database.js';
import { slashCommandBody } from '../test/support/slack-signing.js';
import type { FakeStats } from './slack-fake.js';
import { drive, startReplySink, type Drive, type DriveOptions } from './slack-load.js';
import type { ServerStats } from './slack-server.js';
import { ask, start, stop, type Child } from './processes.js';
import { createBenchDatabase, ms, perSecond, postgresUnavailable, verdict, type Latency } from './support.js';

const { values } = parseArgs({ options: { users: { type: 'string', default: '50' }, seconds: { type: 'string', default: '10' }, rate: { type: 'string', default: '0' }, 'think-ms': { type: 'string', default: '1000' } } });
/**
 * --think-ms: how long a person reads a reply before the next command (0.5–1.5 × this). The
 * verdict is taken with people who read their replies; a run with no think time at all follows,
 * printed as the stress row: it keeps the server's CPU saturated, so it shows capacity, not the
 * cost of the ack path.
 */
const THINK_MS = Number(values['think-ms']);
const USERS = Number(values.users);
const SECONDS = Number(values.seconds);
/** --rate N: the people send N commands a second between them, instead of each as soon as their last reply came. */
const RATE = Number(values.rate);
const WARMUP_SECONDS = 2;
/** Actions per person: far more than a person gets through in a run (under 2 a second each here), so every claim writes. */
const ACTIONS_PER_USER = 400;
/** The warm-up claims the last ones of each pool; the measured run works from the start. */
const WARMUP_ACTIONS = 100;
const TARGET_P99_MS = 300;
const TEAM_ID = 'T0BENCH01';
const SIGNING_SECRET = 'b3nch5ec7e7f00d1a2b3c4d5e6f70819';
const TEAMS = 10;
const PATIENTS_PER_TEAM = 200;

const slackUser = (u: number) => `U0BENCH${String(u + 1).padStart(3, '0')}`;
const email = (u: number) => `bench.tech${u + 1}@example.invalid`;
/** Each team works in its own channel, as an MDT does. */
const channelOf = (u: number) => `C0BENCHT${String(1 + (u % TEAMS)).padStart(2, '0')}`;

/**
 * TEAMS teams of PATIENTS_PER_TEAM patients, USERS technicians spread over them (five to a team
 * with the defaults), each linked to their Slack user id, and ACTIONS_PER_USER open actions per
 * technician in their team. Several teams rather than one: the lists behind each claim's App Home
 * refresh read the team's open actions, and one team holding all 20,000 would make that several
 * times dearer than at a real team's size (about 1,200 open actions per team in the register bench).
 */
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
    SELECT 'slack', ${TEAM_ID}, 'U0BENCH' || lpad(n::text, 3, '0'), s.id, 'admin' FROM ${person}`);
  // Unique cause keys (at most one open action per cause), naming the technician whose pool it is.
  await db.execute(sql`INSERT INTO actions (kind, patient_id, team_id, cause_key, cause, priority, due_at)
    SELECT 'overdue_monitoring', p.id, p.team_id, 'bench:' || n || ':' || g, '{"test":"fbc","drug":"clozapine"}'::jsonb, 'routine', now() + interval '7 days'
    FROM generate_series(1, ${USERS}) n CROSS JOIN generate_series(1, ${ACTIONS_PER_USER}) g
    JOIN patients p ON p.patient_ref = 'BENCH-' || (1 + (n - 1) % ${TEAMS}) || '-' || (1 + g % ${PATIENTS_PER_TEAM})`);
  await db.execute(sql`ANALYZE`);
  const pools: number[][] = Array.from({ length: USERS }, () => []);
  for (const row of rowsOf<{ id: number; n: number }>(await db.execute(sql`SELECT id, split_part(cause_key, ':', 2)::int AS n FROM actions ORDER BY id`))) {
    pools[Number(row.n) - 1]!.push(Number(row.id));
  }
  return pools;
}

interface Measured { drive: Drive; server: ServerStats }

/** Warm-up then the measured run, with the server's own figures for the measured window. */
async function measure(server: Child, options: Omit<DriveOptions, 'warmupSeconds' | 'seconds' | 'onMeasure'>): Promise<Measured> {
  let marked: Promise<unknown> = Promise.resolve();
  const measured = await drive({ ...options, warmupSeconds: WARMUP_SECONDS, seconds: SECONDS, onMeasure: () => { marked = ask(server, 'mark'); } });
  await marked;
  return { drive: measured, server: await ask<ServerStats>(server, 'stats') };
}

async function withServer<T>(mode: 'bare' | 'closedloop', dbUrl: string, fakeUrl: string, fn: (server: Child, url: URL) => Promise<T>): Promise<T> {
  const server = await start('bench/slack-server.ts', [mode, dbUrl, `${fakeUrl}api/`, SIGNING_SECRET]);
  try {
    return await fn(server, new URL(`http://127.0.0.1:${server.ready}/slack/events`));
  } finally {
    await stop(server);
  }
}

/** The 1-minute load average: other work on this 2-core machine moves every figure here. */
const load = () => `${os.loadavg()[0]!.toFixed(1)} (${os.cpus().length} cores)`;

async function main(): Promise<void> {
  console.log(`\nclosedloop bench: Slack slash-command acks, ${USERS} concurrent people, ${WARMUP_SECONDS} s warm-up then ${SECONDS} s, PostgreSQL; ` +
    (RATE ? `${RATE} commands/s between them` : `each reads the last reply (0.5–1.5 × ${THINK_MS} ms) before the next command`));
  const unavailable = await postgresUnavailable();
  if (unavailable) {
    console.log(`skipped: ${unavailable}`);
    return;
  }
  const database = await createBenchDatabase('closedloop_slack');
  const sink = await startReplySink();
  let fake: Child | undefined;
  try {
    const pools = await seed(database.db);
    fake = await start('bench/slack-fake.ts', [JSON.stringify(Object.fromEntries(pools.map((_, u) => [slackUser(u), { email: email(u) }]))), TEAM_ID]);
    const fakeUrl = fake.ready;
    const loadBefore = load();
    const body = (text: (user: number, warm: boolean) => string) => (user: number, warm: boolean, responseUrl: string) => slashCommandBody({
      team_id: TEAM_ID, channel_id: channelOf(user), channel_name: 'mdt-bench', user_id: slackUser(user), user_name: `tech${user + 1}`, text: text(user, warm), response_url: responseUrl,
    });
    const common = { secret: SIGNING_SECRET, users: USERS, sink };

    // The service: each person claims their own actions (the warm-up the last of them), one after another.
    const used = pools.map(() => ({ warm: 0, measured: 0 }));
    const claim = (user: number, warm: boolean) => {
      const index = warm ? ACTIONS_PER_USER - WARMUP_ACTIONS + (used[user]!.warm++ % WARMUP_ACTIONS) : used[user]!.measured++ % ACTIONS_PER_USER;
      return `claim A-${pools[user]![index]}`;
    };
    const runService = (thinkMs: number) => withServer('closedloop', database.url, fakeUrl, async (server, url) => {
      const run = await measure(server, { ...common, url, awaitReply: true, body: body(claim), thinkMs, ...(RATE ? { intervalMs: (USERS / RATE) * 1000 } : {}) });
      // App Home refreshes follow the claims (a person's changes within a second re-render it
      // once): wait until they stop coming for 2 s.
      const stoppedAt = Date.now();
      let published = 0;
      let lastChange = Date.now();
      for (let last = -1; Date.now() - lastChange < 2_000; await sleep(100)) {
        published = (await ask<FakeStats>(fake!, 'stats'))['views.publish'] ?? 0;
        if (published !== last) [last, lastChange] = [published, Date.now()];
      }
      // Anything above info the service logged (errors, lost leases, failed lookups), counted by event.
      const warnings = [...server.logs].filter(([event]) => !/^(info|debug):/.test(event)).map(([e, n]) => `${e} ×${n}`).concat(server.otherOutput);
      return { ...run, published, homeLagMs: lastChange - stoppedAt, warnings };
    });
    const real = await runService(THINK_MS);
    const repliesAfterReal = { ...sink.counts };
    const stress = THINK_MS > 0 ? await runService(0) : null;

    // The floor, at the same command rate (each person paced), then flat out.
    const rate = real.drive.sent / SECONDS;
    const [bare, flatOut] = await withServer('bare', database.url, fakeUrl, async (server, url) => [
      await measure(server, { ...common, url, intervalMs: (USERS / rate) * 1000, body: body(() => 'claim A-1') }),
      await measure(server, { ...common, url, body: body(() => 'claim A-1') }),
    ]);

    const count = async (query: ReturnType<typeof sql>) => Number(rowsOf<{ n: number }>(await database.db.execute(query))[0]?.n ?? 0);
    const claimed = await count(sql`SELECT count(*)::int AS n FROM audit_events WHERE verb = 'action.claimed' AND via = 'slack'`);
    const posted = await count(sql`SELECT count(*)::int AS n FROM outbox WHERE kind = 'post' AND status = 'delivered'`);
    const queued = await count(sql`SELECT count(*)::int AS n FROM outbox WHERE status IN ('pending', 'sending')`);

    const cols = [46, 9, 9, 9, 13, 16, 10];
    const line = (cells: string[]) => cells.map((c, i) => (i < cols.length ? c.padEnd(cols[i]!) : c)).join('');
    const latencyCells = (l: Latency) => [ms(l.p50), ms(l.p99), ms(l.max), perSecond(l.perSecond)];
    const row = (label: string, r: Measured) => line([label, ...latencyCells(r.drive.ack),
      `${Math.round(r.server.cpuPercent)}% / ${Math.round(r.server.eventLoopUtilisation * 100)}%`, ms(r.server.loopDelayP99), `${Math.round(r.drive.loadGeneratorCpuPercent)}%`]);
    console.log(`machine load average: ${loadBefore} before, ${load()} after`);
    console.log(line(['HTTP ack, measured run', 'p50', 'p99', 'max', 'commands', 'server CPU/loop', 'loop p99', 'load generator CPU']));
    console.log(row('closedloop: claim A-… (people read replies)', real));
    console.log(row('FLOOR: bare Bolt app, same command rate', bare));
    console.log(row('bare Bolt app flat out (its capacity)', flatOut));
    console.log(line(['reply on response_url (closedloop)', ...latencyCells(real.drive.reply!)]));
    const ratio = real.drive.ack.p99 / bare.drive.ack.p99;
    console.log(`p99 ÷ bare p99 at the same rate: ${ratio.toFixed(2)}× (÷ bare flat out: ${(real.drive.ack.p99 / flatOut.drive.ack.p99).toFixed(2)}×); ` +
      `acks other than 200: ${real.drive.notAcked + bare.drive.notAcked + flatOut.drive.notAcked}`);
    if (stress) {
      console.log(row('stress: no think time (server saturated)', stress));
      console.log(`  stress p99 ÷ bare p99 at the stress rate is not a target: at saturation every ack waits for the event loop; reply p99 ${ms(stress.drive.reply!.p99)}`);
    }
    const c = repliesAfterReal;
    const n = (x: number) => x.toLocaleString('en-GB');
    console.log(`work after the ack (${n(real.drive.sentTotal)} commands, warm-up included):`);
    console.log(`  replies on response_url: ${n(c.replies)} to ${n(c.distinct)} distinct URLs: ${n(c.claimed)} claimed, ${c.refused} refused, ${c.errors} errors, ${real.drive.noReply} never came`);
    console.log(`  claims audited: ${n(claimed)}; App Home refreshes: ${n(real.published)}, the last ${(real.homeLagMs / 1000).toFixed(1)} s after the load stopped`);
    console.log(`  channel cards: ${n(posted)} posted (${TEAMS} channels, 1/s each), ${n(queued)} still queued`);
    if (real.warnings.length) console.log(`  service warnings: ${real.warnings.join(', ')}`);
    const sentAll = real.drive.sentTotal + (stress?.drive.sentTotal ?? 0);
    const answered = c.replies === real.drive.sentTotal && c.distinct === real.drive.sentTotal && sink.counts.replies === sentAll;
    console.log(`target p99 ≤ ${TARGET_P99_MS} ms: ${verdict(real.drive.ack.p99 <= TARGET_P99_MS)}; p99 ≤ 2× bare: ${verdict(ratio <= 2)}; ` +
      `every command answered once: ${verdict(answered)}; every claim written: ${verdict(claimed === sentAll && sink.counts.claimed === sentAll)}`);
  } finally {
    if (fake) await stop(fake);
    await sink.close();
    await database.drop();
  }
}

await main();
