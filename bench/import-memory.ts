/**
 * Peak memory of a 200,000-row register import (issue 11's acceptance: ≤ 1 GB), as an operator
 * runs it: `closedloop import register FILE` from the build, in a process of its own (the CLI
 * binary, V8's default young generation), on each engine. The import is followed by the sync it
 * always runs; a register with no events yet makes every test "never done", the heaviest first
 * import there is. On PGlite the data directory is created first (`closedloop migrate`), as the
 * service's first start does, and that one-off peak is shown on its own row. The floor, in the same run: the peak memory of `closedloop help`, the CLI's own
 * baseline. Peak RSS is read from the process itself at exit (`process.resourceUsage().maxRSS`).
 *
 * Run by bench/run.ts (--suites import), or alone: tsx bench/import-memory.ts [--rows 200000] [--engines pglite,postgres]
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { todayIn } from '../src/domain/dates.js';
import { loadRuleSet } from '../src/rules/load.js';
import { generateRegister } from './generate.js';
import { createBenchDatabase, postgresUnavailable, verdict } from './support.js';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '200000' }, engines: { type: 'string', default: 'pglite,postgres' } } });
const TARGET_MB = 1024;
/** The generator writes about 1.18 prescriptions (register rows) per patient. */
const PATIENTS = Math.round(Number(values.rows) / 1.1826);

const rules = loadRuleSet();
if (!rules.ok) throw new Error(rules.message);
const today = todayIn('Europe/London', new Date());
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'closedloop-import-memory-'));
const reporter = path.join(dir, 'report-max-rss.mjs');
fs.writeFileSync(reporter, "process.on('exit', () => process.stderr.write(`MAXRSS_KB ${process.resourceUsage().maxRSS}\\n`));\n");

interface Run { peakMb: number; seconds: number; status: number | null; summary: string; phases: string }

/** Runs the built CLI with the reporter preloaded; returns its peak RSS and the lines it printed. */
function cli(args: string[], env: Record<string, string>): Run {
  const started = performance.now();
  const child = spawnSync(process.execPath, ['--import', reporter, 'bin/closedloop.js', ...args],
    { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 });
  const kb = Number(/MAXRSS_KB (\d+)/.exec(child.stderr)?.[1] ?? NaN);
  const summary = child.stdout.split('\n').filter((l) => /rows;|Actions as of/.test(l)).map((l) => l.replace(/^.*?: /, '').slice(0, 150)).join('\n    ');
  // The import's and the sync's own times, as the CLI reports them (the summaries above are cut short).
  const importSeconds = /rows;.* in ([\d.]+) s\./.exec(child.stdout)?.[1];
  const syncSeconds = /Actions as of .* checked in ([\d.]+) s\./.exec(child.stdout)?.[1];
  const phases = importSeconds && syncSeconds ? `import ${importSeconds} s, sync ${syncSeconds} s` : '';
  return { peakMb: Math.round(kb / 1024), seconds: (performance.now() - started) / 1000, status: child.status, summary, phases };
}

try {
  console.log(`\nclosedloop bench: register import peak memory, ${Number(values.rows).toLocaleString('en-GB')} rows (generating …)`);
  const generated = await generateRegister(rules.ruleSet, { patients: PATIENTS, teams: 40, eventsPerPatient: 0, today, dir });
  const build = spawnSync(process.execPath, ['scripts/build-if-stale.mjs'], { stdio: 'inherit' });
  if (build.status !== 0) throw new Error('the build failed');
  console.log(`  ${generated.prescriptions.toLocaleString('en-GB')} register rows for ${PATIENTS.toLocaleString('en-GB')} patients, no events`);

  const floor = cli(['help'], { DATA_DIR: path.join(dir, 'unused') });
  const rows: [string, Run][] = [];
  for (const engine of values.engines.split(',')) {
    if (engine === 'pglite') {
      // Creating the embedded database (initdb and migrations, once per data directory) has a
      // peak of its own, about 0.9 GB in PGlite's WebAssembly heap: shown apart from the import.
      const dataDir = path.join(dir, 'pglite');
      rows.push(['first open of a new PGlite directory (migrate)', cli(['migrate'], { DATA_DIR: dataDir })]);
      rows.push(['embedded PGlite', cli(['import', 'register', generated.registerPath], { DATA_DIR: dataDir })]);
    } else if (engine === 'postgres') {
      const unavailable = await postgresUnavailable();
      if (unavailable) { console.log(`  PostgreSQL skipped: ${unavailable}`); continue; }
      const db = await createBenchDatabase('closedloop_import');
      try {
        rows.push(['PostgreSQL', cli(['import', 'register', generated.registerPath], { DATABASE_URL: db.url })]);
      } finally {
        await db.drop();
      }
    }
  }
  console.log(`${'measure'.padEnd(48)}${'peak RSS'.padEnd(12)}${'time'.padEnd(10)}target`);
  console.log(`${'FLOOR: closedloop help'.padEnd(48)}${`${floor.peakMb} MB`.padEnd(12)}${`${floor.seconds.toFixed(1)} s`.padEnd(10)}`);
  for (const [label, run] of rows) {
    const measure = label.startsWith('first open') ? label : `import register + its sync, ${label}`;
    console.log(`${measure.padEnd(48)}${`${run.peakMb} MB`.padEnd(12)}${`${run.seconds.toFixed(0)} s`.padEnd(10)}≤ ${TARGET_MB} MB: ${run.status === 0 ? verdict(run.peakMb <= TARGET_MB) : `FAILED (exit ${run.status})`}`);
    if (run.phases) console.log(`    ${run.phases}`);
    if (run.summary) console.log(`    ${run.summary}`);
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
