/**
 * Claim + close round trips through the command core's one entry point, on PostgreSQL, with 200
 * simulated users working at once for a fixed time; and in the same run the floor: the least
 * database work a claim can be (one UPDATE … RETURNING on the action plus one hash-chained audit
 * INSERT, in a transaction), driven the same way. Prints p50 and p99 of both.
 *
 * Run by bench/run.ts (or alone: tsx bench/claims.ts [--users 200] [--seconds 10]).
 */
import crypto from 'node:crypto';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { appendAudit } from '../src/audit/append.js';
import { createCore, type CoreRequest } from '../src/index.js';
import { defaultWorkflowConfig } from '../src/config/workflow.js';
import { openDatabase, rowsOf } from '../src/db/client.js';
import type { Database } from '../src/db/database.js';
import { createLogger } from '../src/logging/logger.js';
import { loadRuleSet } from '../src/rules/load.js';

const { values } = parseArgs({ options: { users: { type: 'string', default: '200' }, seconds: { type: 'string', default: '10' } } });
const USERS = Number(values.users);
const SECONDS = Number(values.seconds);
/** Actions per user: more than a user can get through in the run, so nobody runs dry. */
const ACTIONS_PER_USER = 400;
const WARMUP_SECONDS = 2;
/** Enough for the warm-up at any speed this machine reaches (about 6 requests per user per second). */
const WARMUP_ACTIONS = 100;
const adminUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://closedloop:closedloop@127.0.0.1:5432/closedloop_test';

export interface LatencyStats { count: number; p50: number; p99: number; perSecond: number }

function stats(samples: number[], seconds: number): LatencyStats {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  return { count: sorted.length, p50: at(0.5), p99: at(0.99), perSecond: sorted.length / seconds };
}

/** One team, USERS technicians each linked to a console account, and a pool of overdue actions each. */
async function seed(db: Database): Promise<string[][]> {
  await db.execute(sql`INSERT INTO teams (name) VALUES ('Bench team')`);
  await db.execute(sql`INSERT INTO patients (patient_ref, display_label, team_id, gp_practice)
    SELECT 'BENCH-' || n, 'Synthetic ' || n, (SELECT id FROM teams WHERE name = 'Bench team'), 'Bench Surgery' FROM generate_series(1, 1000) n`);
  await db.execute(sql`INSERT INTO staff (name, email, roles)
    SELECT 'Bench Technician ' || n, 'bench.tech' || n || '@example.invalid', ARRAY['technician'] FROM generate_series(1, ${USERS}) n`);
  await db.execute(sql`INSERT INTO staff_teams (staff_id, team_id) SELECT s.id, t.id FROM staff s, teams t WHERE t.name = 'Bench team'`);
  await db.execute(sql`INSERT INTO platform_identities (platform, tenant, external_id, staff_id, linked_by)
    SELECT 'console', 'local', email, id, 'admin' FROM staff`);
  await db.execute(sql`INSERT INTO actions (kind, patient_id, team_id, cause_key, cause, priority, due_at)
    SELECT 'overdue_monitoring', p.id, p.team_id, 'bench:' || n, '{"test":"fbc","drug":"clozapine"}'::jsonb, 'routine', now() + interval '7 days'
    FROM generate_series(1, ${USERS * ACTIONS_PER_USER}) n JOIN patients p ON p.patient_ref = 'BENCH-' || (1 + n % 1000)`);
  await db.execute(sql`ANALYZE`);
  const ids = rowsOf<{ id: number }>(await db.execute(sql`SELECT id FROM actions ORDER BY id`)).map((r) => `A-${r.id}`);
  return Array.from({ length: USERS }, (_, u) => ids.slice(u * ACTIONS_PER_USER, (u + 1) * ACTIONS_PER_USER));
}

async function drive(users: number, seconds: number, step: (user: number, i: number) => Promise<void>): Promise<LatencyStats> {
  const samples: number[] = [];
  const stopAt = performance.now() + seconds * 1000;
  await Promise.all(Array.from({ length: users }, async (_, user) => {
    for (let i = 0; performance.now() < stopAt; i++) {
      const started = performance.now();
      await step(user, i);
      samples.push(performance.now() - started);
    }
  }));
  return stats(samples, seconds);
}

export async function benchClaims(): Promise<{ handle: LatencyStats; floor: LatencyStats; users: number; seconds: number }> {
  const loaded = loadRuleSet();
  if (!loaded.ok) throw new Error(loaded.message);
  const dbName = `closedloop_claims_${crypto.randomBytes(4).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE "${dbName}"`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${dbName}`;
  const handle = await openDatabase({ url: url.toString() });
  try {
    const { db } = handle;
    const pools = await seed(db);
    const core = createCore({ db, ruleSet: loaded.ruleSet, workflow: defaultWorkflowConfig, logger: createLogger('warn'), now: () => new Date() });
    const request = (user: number, text: string): CoreRequest => ({
      text, actor: { platform: 'console', tenant: 'local', userId: `bench.tech${user + 1}@example.invalid` },
      channel: { id: 'bench' }, via: 'console', correlationId: crypto.randomUUID(),
    });
    let failures = 0;
    // A booking must fall within BOOKING_MAX_DAYS (default 90) of today: a fortnight ahead.
    const BOOKED_ON = new Date(Date.now() + 14 * 86_400_000).toISOString().slice(0, 10);
    // Each user alternates claim and close over its own actions: a claim, then the close of the
    // same action. The warm-up (compiling the code path, filling caches) works the last
    // WARMUP_ACTIONS of each pool and is not measured; the measured run works from the start.
    const claimAndClose = (offset: number) => async (user: number, i: number) => {
      const ref = pools[user]![offset + Math.floor(i / 2)]!;
      const text = i % 2 === 0 ? `claim ${ref}` : `close ${ref} test_booked ${BOOKED_ON}`;
      const reply = await core.handle(request(user, text));
      if (!reply.ok) failures += 1;
    };
    await drive(USERS, WARMUP_SECONDS, claimAndClose(ACTIONS_PER_USER - WARMUP_ACTIONS));
    const handleStats = await drive(USERS, SECONDS, claimAndClose(0));
    if (failures > 0) throw new Error(`${failures} claim/close requests were refused: the bench is not measuring what it says`);

    const actor = { id: null, name: 'bench', identity: 'bench', via: 'console' as const, channel: null, correlationId: 'bench-floor' };
    const floorStep = async (user: number, i: number) => {
      const id = Number(pools[user]![i % ACTIONS_PER_USER]!.slice(2));
      await db.transaction(async (tx) => {
        await tx.execute(sql`UPDATE actions SET version = version + 1 WHERE id = ${id} RETURNING id, version`);
        await appendAudit(tx, actor, { verb: 'bench.floor', entityType: 'action', entityId: `A-${id}` }, new Date());
      });
    };
    await drive(USERS, WARMUP_SECONDS, floorStep);
    const floorStats = await drive(USERS, SECONDS, floorStep);
    return { handle: handleStats, floor: floorStats, users: USERS, seconds: SECONDS };
  } finally {
    await handle.close();
    const cleanup = postgres(adminUrl, { max: 1, onnotice: () => {} });
    await cleanup.unsafe(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
    await cleanup.end();
  }
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (invokedDirectly) {
  const result = await benchClaims();
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}
