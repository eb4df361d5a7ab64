/**
 * The outbox draining 1,000 queued message updates to the fake Slack Web API on loopback, with the
 * production worker (createOutboxWorker's defaults, as src/main.ts starts it: one call per channel
 * per second, 4 calls at once) and the production deliverer (the Slack adapter's Web API client).
 *
 * Slack allows about one message a second per channel, so the ceiling is set by how the updates
 * are spread: 1,000 updates in one channel would take 1,000 s. Here they are 100 channels × 10
 * cards, as after a busy morning across many teams: at most 100 messages/s. The floor is the fake
 * API itself: the same 1,000 chat.update calls straight through a WebClient, 4 at a time, no
 * outbox. Target: at least 80% of the lower of the two. Each card must be updated exactly once.
 *
 * The cards are written as already posted (messages rows) rather than posted through the outbox
 * first: posting them would be the same measurement, with posts.
 *
 * Run by bench/run.ts (--suites outbox), or alone: tsx bench/outbox.ts
 */
import { sql } from 'drizzle-orm';
import { WebClient } from '@slack/web-api';
import { createSlackAdapter } from '../adapters/slack/app.js';
import { boltLogger } from '../adapters/slack/bolt-logger.js';
import { defaultWorkflowConfig } from '../src/config/workflow.js';
import { rowsOf } from '../src/db/client.js';
import type { Database } from '../src/db/database.js';
import { createOutboxWorker } from '../src/delivery/worker.js';
import { createCore } from '../src/index.js';
import { createLogger } from '../src/logging/logger.js';
import { loadRuleSet } from '../src/rules/load.js';
import { startFakeSlack, type RecordedCall } from '../test/support/fake-slack.js';
import { createBenchDatabase, ms, perSecond, postgresUnavailable, verdict } from './support.js';

const CHANNELS = 100;
const PER_CHANNEL = 10;
const UPDATES = CHANNELS * PER_CHANNEL;
/** The worker's default (createOutboxWorker): Slack's limit of about one message per second per channel. */
const CHANNEL_INTERVAL_MS = 1_000;
/** The worker's default number of calls in flight. */
const CONCURRENCY = 4;
const TENANT = 'T0BENCH01';
const BOT_TOKEN = 'xoxb-bench-token';
const DRAIN_LIMIT_MS = 120_000;
/**
 * The worker spaces the starts of its calls to a channel; each call first renders the card from
 * the database, so arrivals at the API can come closer than the interval by the difference between
 * two renders (tens of ms). Without pacing they would come a few ms apart.
 */
const PACING_SLACK_MS = 100;

const channelId = (c: number) => `C0BENCH${String(c).padStart(3, '0')}`;

/** One team, an action per card, and the cards as posted: PER_CHANNEL in each of CHANNELS channels. */
async function seed(db: Database): Promise<void> {
  await db.execute(sql`INSERT INTO teams (name) VALUES ('Bench team')`);
  await db.execute(sql`INSERT INTO patients (patient_ref, display_label, team_id, gp_practice)
    SELECT 'BENCH-' || n, 'Synthetic ' || n, (SELECT id FROM teams), 'Bench Surgery' FROM generate_series(1, 100) n`);
  await db.execute(sql`INSERT INTO actions (kind, patient_id, team_id, cause_key, cause, priority, due_at)
    SELECT 'overdue_monitoring', p.id, p.team_id, 'bench:' || n, '{"test":"fbc","drug":"clozapine"}'::jsonb, 'routine', now() + interval '7 days'
    FROM generate_series(0, ${UPDATES - 1}) n JOIN patients p ON p.patient_ref = 'BENCH-' || (1 + n % 100)`);
  // Card n is in channel n % CHANNELS, with a Slack-style ts unique to it.
  await db.execute(sql`INSERT INTO messages (platform, tenant, channel_id, message_id, subject)
    SELECT 'slack', ${TENANT}, 'C0BENCH' || lpad((1 + (row_number() OVER (ORDER BY id) - 1) % ${CHANNELS})::text, 3, '0'),
      (1700000000 + row_number() OVER (ORDER BY id)) || '.000100', jsonb_build_object('kind', 'action', 'actionId', id)
    FROM actions`);
  await db.execute(sql`INSERT INTO message_actions (message_row_id, action_id) SELECT id, (subject ->> 'actionId')::bigint FROM messages`);
  await db.execute(sql`ANALYZE`);
}

const count = async (db: Database, query: ReturnType<typeof sql>) => Number(rowsOf<{ n: number }>(await db.execute(query))[0]?.n ?? 0);

async function main(): Promise<void> {
  console.log(`\nclosedloop bench: outbox draining ${UPDATES.toLocaleString('en-GB')} queued updates (${CHANNELS} channels × ${PER_CHANNEL}) to the fake Slack API, PostgreSQL`);
  const unavailable = await postgresUnavailable();
  if (unavailable) {
    console.log(`skipped: ${unavailable}`);
    return;
  }
  const rules = loadRuleSet();
  if (!rules.ok) throw new Error(rules.message);
  const database = await createBenchDatabase('closedloop_outbox');
  const fake = await startFakeSlack({ teamId: TENANT });
  const { db } = database;
  try {
    await seed(db);
    // Log at the service's level (info: one line per delivery), counted rather than printed.
    const logged = new Map<string, number>();
    const logger = createLogger('info', (line) => {
      const { level, event } = JSON.parse(line) as { level: string; event: string };
      logged.set(`${level}:${event}`, (logged.get(`${level}:${event}`) ?? 0) + 1);
    });
    const core = createCore({ db, ruleSet: rules.ruleSet, workflow: defaultWorkflowConfig, logger, now: () => new Date() });
    const adapter = createSlackAdapter({ core, logger, config: { botToken: BOT_TOKEN, signingSecret: '0'.repeat(32), appToken: undefined, command: '/closedloop', apiUrl: fake.apiUrl } });

    // Every card's action changes in one statement: the trigger queues one update per card. Then
    // the worker drains them; returns the time from its start to the last delivery recorded.
    const queueAndDrain = async (priority: string, channelIntervalMs?: number): Promise<number> => {
      const before = await count(db, sql`SELECT coalesce(max(id), 0)::int AS n FROM outbox`);
      await db.execute(sql`UPDATE actions SET priority = ${priority}`);
      const queued = await count(db, sql`SELECT count(*)::int AS n FROM outbox WHERE kind = 'update' AND status = 'pending'`);
      if (queued !== UPDATES) throw new Error(`expected ${UPDATES} queued updates, found ${queued}`);
      const worker = createOutboxWorker({ db, deliverers: [adapter.deliverer], logger, ...(channelIntervalMs === undefined ? {} : { channelIntervalMs }) });
      const started = new Date();
      worker.start();
      const done = sql`SELECT count(*)::int AS n FROM outbox WHERE status IN ('delivered', 'dead') AND id > ${before}`;
      while (Date.now() - started.getTime() < DRAIN_LIMIT_MS && await count(db, done) < UPDATES) await new Promise((r) => setTimeout(r, 20));
      await worker.stop();
      const last = rowsOf<{ at: Date | string | null }>(await db.execute(sql`SELECT max(delivered_at) AS at FROM outbox WHERE id > ${before}`))[0]?.at;
      return (last ? new Date(last).getTime() : Date.now()) - started.getTime();
    };
    const drainMs = await queueAndDrain('amber');
    const delivered = await count(db, sql`SELECT count(*)::int AS n FROM outbox WHERE status = 'delivered'`);
    const dead = await count(db, sql`SELECT count(*)::int AS n FROM outbox WHERE status = 'dead'`);

    // Exactly one chat.update per card, and never two in one channel closer than the pacing allows.
    const updates = fake.callsTo('chat.update');
    const perCard = new Map<string, number>();
    const byChannel = new Map<string, RecordedCall[]>();
    for (const call of updates) {
      const card = `${String(call.body.channel)}:${String(call.body.ts)}`;
      perCard.set(card, (perCard.get(card) ?? 0) + 1);
      const channel = byChannel.get(String(call.body.channel)) ?? [];
      channel.push(call);
      byChannel.set(String(call.body.channel), channel);
    }
    const duplicated = [...perCard.values()].filter((n) => n > 1).length;
    const missing = UPDATES - perCard.size;
    const gaps = [...byChannel.values()].flatMap((calls) => calls.slice(1).map((call, i) => call.at - calls[i]!.at));
    const minGap = Math.min(...gaps);
    const meanGap = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    const sample = updates[0]!;

    // The worker's own capacity: the same drain with the pacing off (it still takes one row per channel at a time).
    const unpacedMs = await queueAndDrain('routine', 0);

    // FLOOR: the same calls straight through the Web API client, CONCURRENCY at a time, no outbox.
    // Configured as the adapter configures the outbox's client.
    const client = new WebClient(BOT_TOKEN, { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true, logger: boltLogger(logger) });
    const floorStarted = performance.now();
    let next = 0;
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      for (let i = next++; i < UPDATES; i = next++) {
        await client.chat.update({ channel: channelId(1 + (i % CHANNELS)), ts: `${1700000001 + i}.000100`, text: String(sample.body.text), blocks: sample.body.blocks as never });
      }
    }));
    const floorRate = UPDATES / ((performance.now() - floorStarted) / 1000);

    const achieved = delivered / (drainMs / 1000);
    const ceiling = CHANNELS / (CHANNEL_INTERVAL_MS / 1000);
    const bound = Math.min(ceiling, floorRate);
    const label = (s: string) => s.padEnd(66);
    console.log(`${label('drained through the outbox (worker defaults, 1 call/channel/s)')}${perSecond(achieved)} (${delivered.toLocaleString('en-GB')} in ${(drainMs / 1000).toFixed(1)} s)`);
    console.log(`${label(`CEILING: Slack pacing, ${CHANNELS} channels × 1 message/s`)}${perSecond(ceiling)} (the last of ${PER_CHANNEL} per channel at ${((PER_CHANNEL - 1) * CHANNEL_INTERVAL_MS / 1000).toFixed(0)} s at best)`);
    console.log(`${label(`FLOOR: the fake API through WebClient, ${CONCURRENCY} at a time, no outbox`)}${perSecond(floorRate)}`);
    console.log(`${label('the worker with the pacing off (its own capacity)')}${perSecond(UPDATES / (unpacedMs / 1000))}`);
    console.log(`achieved ÷ min(ceiling, floor): ${Math.round((achieved / bound) * 100)}%; updates in one channel ${ms(meanGap)} apart on average, ${ms(minGap)} at the closest`);
    console.log(`chat.update calls ${updates.length.toLocaleString('en-GB')}: ${missing} cards never updated, ${duplicated} updated twice or more; outbox: ${delivered} delivered, ${dead} dead`);
    const problems = [...logged].filter(([event]) => !/^(info|debug):/.test(event)).map(([e, n]) => `${e} ×${n}`);
    if (problems.length) console.log(`worker warnings: ${problems.join(', ')}`);
    console.log(`target ≥ 80% of min(ceiling, floor): ${verdict(achieved >= 0.8 * bound)}; none dropped or duplicated: ${verdict(missing === 0 && duplicated === 0 && dead === 0)}; ` +
      `pacing kept (arrivals ≥ ${CHANNEL_INTERVAL_MS - PACING_SLACK_MS} ms apart): ${verdict(minGap >= CHANNEL_INTERVAL_MS - PACING_SLACK_MS)}`);
  } finally {
    await fake.close();
    await database.drop();
  }
}

await main();
