/**
 * `npm run bench`: generates a synthetic register (default 100,000 patients, ~2,000,000 events),
 * then runs bench/engine.ts once per engine in a fresh process and prints the figures side by side
 * with two floors measured in the same run: the register-state reads the all-teams due list issues,
 * replayed bare (bench/state-floor.ts), the floor that list is judged against; and the older, much
 * lower one, a bare count(*) over the events table.
 *
 * Each engine runs with a 64 MB young generation, as a bulk process should: loading a whole
 * organisation's register allocates hundreds of thousands of short-lived rows, and V8's default
 * semi-space made garbage collection the largest single cost of the due list. (The service keeps
 * a 16 MB one for short pauses: see scripts/start.mjs.)
 *
 * Options: --patients N (default 100000), --engines pglite,postgres, --suites register,claims,startup,slack,teams,outbox,import,digests.
 * PostgreSQL needs a role that may CREATE DATABASE: BENCH_DATABASE_URL, else TEST_DATABASE_URL,
 * else the CI test role.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { todayIn } from '../src/domain/dates.js';
import { loadRuleSet } from '../src/rules/load.js';
import { generateRegister } from './generate.js';

const { values } = parseArgs({ options: {
  patients: { type: 'string', default: '100000' },
  engines: { type: 'string', default: 'postgres,pglite' },
  suites: { type: 'string', default: 'register,claims,startup,slack,teams,outbox,import,digests' },
  users: { type: 'string', default: '200' },
  seconds: { type: 'string', default: '10' },
} });
const patients = Number(values.patients);
const suites = new Set(values.suites.split(','));
const engines = suites.has('register') ? values.engines.split(',').filter((e): e is 'pglite' | 'postgres' => e === 'pglite' || e === 'postgres') : [];
const today = todayIn('Europe/London', new Date());
const dir = `.bench/register-${patients}-${today}`;

const rules = loadRuleSet();
if (!rules.ok) throw new Error(rules.message);
if (engines.length > 0 && !fs.existsSync(`${dir}/events.csv`)) {
  console.log(`Generating ${patients.toLocaleString('en-GB')} synthetic patients in ${dir} …`);
  const started = performance.now();
  const generated = await generateRegister(rules.ruleSet, { patients, teams: 50, eventsPerPatient: 20, today, dir });
  console.log(`  ${generated.prescriptions.toLocaleString('en-GB')} prescriptions, ${generated.events.toLocaleString('en-GB')} events in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

type Stat = { median: number; min: number; max: number };
type EngineResult = {
  engine: string; openMs: number; registerRows: number; registerMs: number; eventRows: number; eventsMs: number;
  requirements: number; overdue: number; oneTeam: Stat; allTeams: Stat; floor: Stat; peakRssMb: number;
  /** The all-teams list's register-state SELECTs replayed bare: rows read and statements per run. */
  stateFloor: Stat; stateRows: number; stateQueries: number;
  phasePeakRssMb: Record<'import' | 'dueLists' | 'sync', number>;
  syncCreated: number; firstSyncMs: number; repeatSyncMs: number;
};

const results: EngineResult[] = [];
for (const engine of engines) {
  console.log(`\nRunning ${engine} …`);
  const child = spawnSync(process.execPath, ['--max-semi-space-size=64', '--import', 'tsx', 'bench/engine.ts', engine, dir, today], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 1024 * 1024 });
  const line = child.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (child.status !== 0 || !line) {
    console.error(`${engine} failed (exit ${child.status}).`);
    process.exitCode = 1;
    continue;
  }
  results.push(JSON.parse(line.slice(7)) as EngineResult);
}

const ms = (n: number) => `${n.toFixed(n < 10 ? 2 : 0)} ms`;
const rate = (rows: number, millis: number) => `${Math.round(rows / (millis / 1000)).toLocaleString('en-GB')} /s`;
const rows: [string, (r: EngineResult) => string, string][] = [
  ['open + migrate', (r) => ms(r.openMs), ''],
  ['register rows imported', (r) => r.registerRows.toLocaleString('en-GB'), ''],
  ['register import', (r) => `${ms(r.registerMs)} (${rate(r.registerRows, r.registerMs)})`, ''],
  ['events imported', (r) => r.eventRows.toLocaleString('en-GB'), ''],
  ['events import', (r) => `${ms(r.eventsMs)} (${rate(r.eventRows, r.eventsMs)})`, '≥ 20,000 /s (PostgreSQL)'],
  ['requirements (patient × drug × test)', (r) => r.requirements.toLocaleString('en-GB'), ''],
  ['overdue or never done', (r) => r.overdue.toLocaleString('en-GB'), ''],
  ['due list, one team (median of 7)', (r) => `${ms(r.oneTeam.median)} (min ${ms(r.oneTeam.min)}, max ${ms(r.oneTeam.max)})`, '≤ 50 ms (PostgreSQL)'],
  ['due list, all teams (median of 3)', (r) => `${ms(r.allTeams.median)} (min ${ms(r.allTeams.min)}, max ${ms(r.allTeams.max)})`, '≤ 2,000 ms (PostgreSQL)'],
  ['FLOOR: all-teams state rows, read bare (median of 7)', (r) => `${ms(r.stateFloor.median)} (${r.stateRows.toLocaleString('en-GB')} rows, ${r.stateQueries} SELECTs)`, ''],
  ['all-teams due list ÷ state-read floor', (r) => `${(r.allTeams.median / r.stateFloor.median).toFixed(1)}×`, ''],
  ['old floor: SELECT count(*) FROM events (median of 7)', (r) => ms(r.floor.median), ''],
  ['all-teams due list ÷ old count(*) floor', (r) => `${(r.allTeams.median / r.floor.median).toFixed(1)}×`, ''],
  ['sync, first run (actions raised, with audit)', (r) => `${ms(r.firstSyncMs)} (${r.syncCreated.toLocaleString('en-GB')} actions)`, ''],
  ['sync, repeat (nothing to change)', (r) => ms(r.repeatSyncMs), ''],
  ['peak process memory (RSS)', (r) => `${r.peakRssMb} MB`, '≤ 1,024 MB'],
  ['peak RSS by phase: import / due lists / sync', (r) => `${r.phasePeakRssMb.import} / ${r.phasePeakRssMb.dueLists} / ${r.phasePeakRssMb.sync} MB`, ''],
];
if (results.length > 0) printRegisterResults();

function printRegisterResults() {
const width = Math.max(...rows.map(([label]) => label.length));
const colWidth = 44;
console.log(`\nclosedloop bench: ${patients.toLocaleString('en-GB')} patients, as of ${today}, ${new Date().toISOString()}`);
console.log(`${'measure'.padEnd(width)}  ${results.map((r) => r.engine.padEnd(colWidth)).join('')}target`);
for (const [label, fmt, target] of rows) {
  console.log(`${label.padEnd(width)}  ${results.map((r) => fmt(r).padEnd(colWidth)).join('')}${target}`);
}
console.log('\nAll-teams due list against its floor (the same register-state reads, rows not built into states, nothing computed):');
for (const r of results) {
  console.log(`  ${r.engine.padEnd(9)} all teams ${ms(r.allTeams.median)}  |  state-read floor ${ms(r.stateFloor.median)}  |  ratio ${(r.allTeams.median / r.stateFloor.median).toFixed(1)}×`
    + `   (old count(*) floor ${ms(r.floor.median)}, ratio ${(r.allTeams.median / r.floor.median).toFixed(1)}×)`);
}
const pg = results.find((r) => r.engine === 'postgres');
if (pg) {
  const checks: [string, boolean][] = [
    ['events import ≥ 20,000/s', pg.eventRows / (pg.eventsMs / 1000) >= 20_000],
    ['one team ≤ 50 ms', pg.oneTeam.median <= 50],
    ['all teams ≤ 2 s', pg.allTeams.median <= 2000],
    ['memory ≤ 1 GB', pg.peakRssMb <= 1024],
  ];
  console.log(`\nPostgreSQL targets: ${checks.map(([name, met]) => `${met ? 'MET' : 'MISSED'} ${name}`).join('; ')}`);
}
}

if (suites.has('claims')) {
  console.log(`\nRunning claim + close through handle() on PostgreSQL: ${values.users} users for ${values.seconds} s, then the floor the same way …`);
  const child = spawnSync(process.execPath, ['--max-semi-space-size=64', '--import', 'tsx', 'bench/claims.ts', '--users', values.users, '--seconds', values.seconds],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const line = child.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (child.status !== 0 || !line) {
    console.error(`claims bench failed (exit ${child.status}).`);
    process.exitCode = 1;
  } else {
    type Latency = { count: number; p50: number; p99: number; perSecond: number };
    const claims = JSON.parse(line.slice(7)) as { handle: Latency; floor: Latency; users: number; seconds: number };
    const row = (label: string, l: Latency) => `${label.padEnd(58)}${ms(l.p50).padEnd(12)}${ms(l.p99).padEnd(12)}${Math.round(l.perSecond).toLocaleString('en-GB')} /s`;
    console.log(`\nclosedloop bench: claim + close, ${claims.users} concurrent users, ${claims.seconds} s each, PostgreSQL`);
    console.log(`${'measure'.padEnd(58)}${'p50'.padEnd(12)}${'p99'.padEnd(12)}throughput`);
    console.log(row('claim/close round trip through handle()', claims.handle));
    console.log(row('FLOOR: UPDATE … RETURNING + audit INSERT in a transaction', claims.floor));
    const ratio = claims.handle.p99 / claims.floor.p99;
    console.log(`p99 ÷ floor p99: ${ratio.toFixed(2)}× (target ≤ 2×): ${ratio <= 2 ? 'MET' : 'MISSED'}`);
  }
}

if (suites.has('startup')) {
  // The suite times plain `node` processes (the build, no tsx) and prints its own table.
  const child = spawnSync(process.execPath, ['--import', 'tsx', 'bench/startup.ts'], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (child.status !== 0) {
    console.error(`startup bench failed (exit ${child.status}).`);
    process.exitCode = 1;
  }
}

// Slack acks (bench/slack.ts), Teams invokes (bench/teams.ts) and the outbox drain (bench/outbox.ts) print their own tables; without
// PostgreSQL they say so and are skipped.
// The import suite (bench/import-memory.ts) measures a 200,000-row register import's peak memory on each engine.
// The digests suite (bench/digests.ts) builds every daily digest of 500 teams × 2,000 patients on PostgreSQL.
for (const [suite, script, args] of [['slack', 'slack', ['--seconds', values.seconds]], ['teams', 'teams', ['--seconds', values.seconds]],
  ['outbox', 'outbox', []], ['import', 'import-memory', ['--engines', values.engines]], ['digests', 'digests', []]] as const) {
  if (!suites.has(suite)) continue;
  const child = spawnSync(process.execPath, ['--import', 'tsx', `bench/${script}.ts`, ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (child.status !== 0) {
    console.error(`${suite} bench failed (exit ${child.status}).`);
    process.exitCode = 1;
  }
}
