/**
 * Benchmarks one database engine in its own process (so memory figures belong to that engine):
 * imports the synthetic register and events, computes due lists, and times two floors: a bare
 * count(*) over the events table, and the register-state reads the all-teams due list issues,
 * replayed without building anything (bench/state-floor.ts). Prints one `RESULT {json}` line for
 * bench/run.ts, with the peak memory of each phase (import, due lists, sync) as well as overall.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { openDatabase, rowsOf } from '../src/db/client.js';
import { loadRuleSet } from '../src/rules/load.js';
import { importEvents } from '../src/imports/events-import.js';
import { importRegister } from '../src/imports/register-import.js';
import { dueList, findTeamId } from '../src/register/due-list.js';
import { defaultWorkflowConfig } from '../src/config/workflow.js';
import { syncActions } from '../src/workflow/sync.js';
import { readStates, recordStateReads, type StateReads } from './state-floor.js';

const [engine, dataDir, today] = process.argv.slice(2) as ['pglite' | 'postgres', string, string];
const adminUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://closedloop:closedloop@127.0.0.1:5432/closedloop_test';

let peakRss = process.memoryUsage().rss;
/** Peak RSS of the phase under way, and of each phase done (MB). */
let phasePeak = peakRss;
const phasePeaks: Record<string, number> = {};
const sampleRss = () => {
  const rss = process.memoryUsage().rss;
  peakRss = Math.max(peakRss, rss);
  phasePeak = Math.max(phasePeak, rss);
};
const sampler = setInterval(sampleRss, 50);
function endPhase(name: string) {
  sampleRss();
  phasePeaks[name] = Math.round(phasePeak / 1048576);
  phasePeak = process.memoryUsage().rss;
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const value = await fn();
  return [value, performance.now() - started];
}

async function repeat(times: number, fn: () => Promise<unknown>, warmUp: () => Promise<unknown> = fn): Promise<{ median: number; min: number; max: number }> {
  await warmUp(); // plans cached, pages in memory
  const runs: number[] = [];
  for (let i = 0; i < times; i++) runs.push((await timed(fn))[1]);
  runs.sort((a, b) => a - b);
  return { median: runs[Math.floor(runs.length / 2)]!, min: runs[0]!, max: runs[runs.length - 1]! };
}

const progress = (label: string) => (done: number, total?: number, phase?: string) => {
  if (done % 500_000 === 0 || done === total) process.stderr.write(`  [${engine}] ${label} ${phase ?? ''} ${done.toLocaleString('en-GB')}\n`);
};

async function main() {
  const loaded = loadRuleSet();
  if (!loaded.ok) throw new Error(loaded.message);
  const ruleSet = loaded.ruleSet;

  let url: string | undefined;
  let dbName: string | undefined;
  let pgDir: string | undefined;
  if (engine === 'postgres') {
    dbName = `closedloop_bench_${crypto.randomBytes(4).toString('hex')}`;
    const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
    await admin.unsafe(`CREATE DATABASE "${dbName}"`);
    await admin.end();
    const u = new URL(adminUrl);
    u.pathname = `/${dbName}`;
    url = u.toString();
  } else {
    pgDir = `${dataDir}/pglite-${process.pid}`;
    fs.rmSync(pgDir, { recursive: true, force: true });
  }
  const [handle, openMs] = await timed(() => openDatabase({ url, dataDir: pgDir }));
  const { db } = handle;
  try {
    const [reg, registerMs] = await timed(() => importRegister(db, `${dataDir}/register.csv`, { ruleSet, today, onProgress: progress('register') }));
    if (!reg.ok) throw new Error(`register import failed: ${reg.message}`);
    const [ev, eventsMs] = await timed(() => importEvents(db, `${dataDir}/events.csv`, { today, onProgress: progress('events') }));
    if (!ev.ok) throw new Error(`events import failed: ${ev.message}`);
    const eventRows = Number(rowsOf<{ n: string | number }>(await db.execute(sql`SELECT count(*) AS n FROM monitoring_events`))[0]?.n);
    const registerRows = Number(rowsOf<{ n: string | number }>(await db.execute(sql`SELECT count(*) AS n FROM prescriptions`))[0]?.n);

    endPhase('import');

    const team = await findTeamId(db, 'Team 01');
    if (!team.ok) throw new Error(team.message);
    // Every requirement (all statuses), counted team by team as `closedloop due --team … --status
    // all` computes them. Not the whole register in one load: no product path does that, and the
    // ~240 MB it holds at once (every patient's state and 457,000 items) let V8 set its next
    // full-collection limit near 1 GB, which the all-teams lists below then filled with garbage,
    // so the peak-memory line measured when a collection happened to run, not the due lists.
    let requirements = 0;
    const teamNames = rowsOf<{ name: string }>(await db.execute(sql`SELECT name FROM teams ORDER BY name`)).map((t) => t.name);
    for (const name of teamNames) {
      const items = await dueList(db, ruleSet, { team: name, asOf: today, status: 'all' });
      if (!items.ok) throw new Error(items.message);
      requirements += items.value.length;
    }
    const oneTeam = await repeat(7, () => dueList(db, ruleSet, { team: 'Team 01', asOf: today, status: 'due' }));
    // The all-teams list's warm-up also records its register-state SELECTs for the state-read floor.
    let stateReads: StateReads | undefined;
    const allTeamsList = (on: typeof db) => dueList(on, ruleSet, { asOf: today, status: 'due' });
    const allTeams = await repeat(3, () => allTeamsList(db), async () => { stateReads = await recordStateReads(db, allTeamsList); });
    const floor = await repeat(7, () => db.execute(sql`SELECT count(*) FROM monitoring_events`));
    let stateRows = 0;
    const stateFloor = await repeat(7, async () => { stateRows = await readStates(db, stateReads!); });
    const overdue = await dueList(db, ruleSet, { asOf: today, status: 'overdue' });
    endPhase('dueLists');
    // The scheduler's daily job over the whole organisation: the first run raises every action
    // (with its audit event), a repeat checks everything and changes nothing.
    const actor = { id: null, name: 'closedloop', identity: 'system', via: 'cli' as const, channel: null, correlationId: 'bench-sync' };
    const sync = () => syncActions(db, ruleSet, { asOf: today, now: new Date(), actor, config: defaultWorkflowConfig });
    const [firstSync, firstSyncMs] = await timed(sync);
    const [, repeatSyncMs] = await timed(sync);
    endPhase('sync');

    clearInterval(sampler);
    const result = {
      engine, openMs, registerRows, registerMs, eventRows, eventsMs, requirements,
      overdue: overdue.ok ? overdue.value.length : -1,
      oneTeam, allTeams, floor, stateFloor, stateRows, stateQueries: stateReads!.reads.length,
      peakRssMb: Math.round(peakRss / 1048576), phasePeakRssMb: phasePeaks,
      syncCreated: firstSync.createdTotal, firstSyncMs, repeatSyncMs,
    };
    process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
  } finally {
    await handle.close();
    if (dbName) {
      const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
      await admin.unsafe(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
      await admin.end();
    }
    if (pgDir) fs.rmSync(pgDir, { recursive: true, force: true });
  }
}

await main();
