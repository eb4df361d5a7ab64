/**
 * Start-up time of `closedloop help` run from the build (bin/closedloop.js, including its
 * freshness check), beside `node -e 0` as the floor: the cost of starting Node at all. Each is
 * spawned the same way, 2 warm-up runs (file cache) then 15 timed. Target: p90 ≤ 0.5 s.
 *
 * Run by bench/run.ts (--suites startup), or alone: tsx bench/startup.ts
 */
import { spawnSync } from 'node:child_process';
import { buildIfStale, ROOT } from '../scripts/build-if-stale.mjs';

const WARMUPS = 2;
const RUNS = 15;
const TARGET_MS = 500;

const built = buildIfStale({ entry: 'dist/src/cli/main.js', log: (line) => console.log(line) });
if (!built.ok) {
  console.error(built.output);
  process.exit(1);
}

type Stat = { median: number; p90: number };

function time(args: string[]): Stat {
  const samples: number[] = [];
  for (let i = 0; i < WARMUPS + RUNS; i++) {
    const started = performance.now();
    const child = spawnSync(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    const ms = performance.now() - started;
    if (child.status !== 0) throw new Error(`node ${args.join(' ')} exited ${child.status}: ${child.stderr}`);
    if (i >= WARMUPS) samples.push(ms);
  }
  const sorted = samples.sort((a, b) => a - b);
  return { median: sorted[Math.floor(RUNS / 2)]!, p90: sorted[Math.ceil(0.9 * RUNS) - 1]! };
}

const help = time(['bin/closedloop.js', 'help']);
const floor = time(['-e', '0']);
const ms = (n: number) => `${Math.round(n)} ms`;
const row = (label: string, s: Stat) => `${label.padEnd(40)}${ms(s.median).padEnd(10)}${ms(s.p90)}`;
console.log(`\nclosedloop bench: start-up, ${RUNS} runs each after ${WARMUPS} warm-ups`);
console.log(`${'measure'.padEnd(40)}${'median'.padEnd(10)}p90`);
console.log(row('closedloop help (from the build)', help));
console.log(row('FLOOR: node -e 0', floor));
console.log(`help ÷ floor (median): ${(help.median / floor.median).toFixed(1)}×`);
console.log(`target p90 ≤ ${TARGET_MS / 1000} s: ${help.p90 <= TARGET_MS ? 'PASS' : 'MISS'}`);
