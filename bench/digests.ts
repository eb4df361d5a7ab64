/**
 * Building every team's daily digest (issue 9): 500 teams × 2,000 patients on PostgreSQL, about
 * 465,000 live actions (bench/digest-seed.ts), each digest built by the production path that the
 * outbox runs when it sends one (`dailyDigestFor`: load the team's live actions, build, view, then
 * the patient details of the lines shown).
 *
 * The floor, measured in the same run: the same read of each team's live actions (the statement
 * `loadDigestFacts` sends), with the rows discarded. Passes alternate digest, floor, digest … so
 * both see the same cache and load; the median pass of each is reported.
 * Targets: every digest built in ≤ 10 s, and ≤ 3× the floor.
 *
 * Run by bench/run.ts (--suites digests), or alone: tsx bench/digests.ts [--teams 500] [--patients 2000]
 */
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { rowsOf } from '../src/db/client.js';
import { dailyDigestFor } from '../src/digests/render-digest.js';
import { todayIn } from '../src/domain/dates.js';
import { loadRuleSet } from '../src/rules/load.js';
import { seedDigestRegister } from './digest-seed.js';
import { createBenchDatabase, ms, postgresUnavailable, verdict } from './support.js';

const { values } = parseArgs({ options: {
  teams: { type: 'string', default: '500' },
  patients: { type: 'string', default: '2000' },
  passes: { type: 'string', default: '3' },
} });
const TEAMS = Number(values.teams);
const PATIENTS = Number(values.patients);
const PASSES = Math.max(1, Number(values.passes));
const TOTAL_TARGET_MS = 10_000;
const FLOOR_RATIO_TARGET = 3;

const unavailable = await postgresUnavailable();
if (unavailable) {
  console.log(`\nDigest bench skipped: ${unavailable}.`);
  process.exit(0);
}
const rules = loadRuleSet();
if (!rules.ok) throw new Error(rules.message);

console.log(`\nDigests: seeding ${TEAMS} teams × ${PATIENTS.toLocaleString('en-GB')} patients on PostgreSQL …`);
const bench = await createBenchDatabase('bench_digests');
try {
  const now = new Date();
  const today = todayIn('Europe/London', now);
  const seedStarted = performance.now();
  const { teamIds, liveActions } = await seedDigestRegister(bench.db, { teams: TEAMS, patientsPerTeam: PATIENTS, today });
  console.log(`  ${liveActions.toLocaleString('en-GB')} live actions in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`);

  const digestPass = async () => {
    const each: number[] = [];
    let shown = 0;
    const started = performance.now();
    for (const teamId of teamIds) {
      const t = performance.now();
      const view = await dailyDigestFor(bench.db, { teamId, periodStart: today, late: false, summarised: false }, now, { ruleSet: rules.ruleSet });
      each.push(performance.now() - t);
      if (!view) throw new Error('a seeded team has no digest');
      shown += view.blocks.length;
    }
    return { total: performance.now() - started, each, shown };
  };
  const floorPass = async () => {
    const started = performance.now();
    let rows = 0;
    for (const teamId of teamIds) {
      rows += rowsOf(await bench.db.execute(sql`SELECT id, kind, status, priority, cause, due_at, updated_at, assignee_id, assigned_role
        FROM actions WHERE team_id = ${teamId}::uuid AND status IN ('open', 'claimed')`)).length;
    }
    return { total: performance.now() - started, rows };
  };

  // One untimed pass of each warms the plan cache and the prepared statements, as in a running service.
  await floorPass();
  await digestPass();
  const digests: Awaited<ReturnType<typeof digestPass>>[] = [];
  const floors: Awaited<ReturnType<typeof floorPass>>[] = [];
  for (let i = 0; i < PASSES; i++) {
    digests.push(await digestPass());
    floors.push(await floorPass());
  }
  const median = <T>(items: T[], key: (t: T) => number) => [...items].sort((a, b) => key(a) - key(b))[Math.floor(items.length / 2)]!;
  const digest = median(digests, (d) => d.total);
  const floor = median(floors, (f) => f.total);
  const sorted = [...digest.each].sort((a, b) => a - b);
  const p50 = sorted[Math.floor(sorted.length * 0.5)]!;
  const p99 = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))]!;
  const ratio = digest.total / floor.total;

  console.log(`\nclosedloop bench: every daily digest, ${TEAMS} teams × ${PATIENTS.toLocaleString('en-GB')} patients, PostgreSQL (median of ${PASSES} passes)`);
  console.log(`${'measure'.padEnd(84)}value`);
  console.log(`${`all ${TEAMS} digests built (load, build, view, shown lines' details)`.padEnd(84)}${ms(digest.total)}`);
  console.log(`${'one digest: p50 / p99'.padEnd(84)}${ms(p50)} / ${ms(p99)}`);
  console.log(`${`FLOOR: the same live-action read per team, rows discarded (${floor.rows.toLocaleString('en-GB')} rows)`.padEnd(84)}${ms(floor.total)}`);
  console.log(`${'digests ÷ floor'.padEnd(84)}${ratio.toFixed(2)}×`);
  console.log(`Targets: ${verdict(digest.total <= TOTAL_TARGET_MS)} all digests ≤ 10 s; ${verdict(ratio <= FLOOR_RATIO_TARGET)} ≤ ${FLOOR_RATIO_TARGET}× the floor.`);
} finally {
  await bench.drop();
}
