#!/usr/bin/env node
// The package binary runs the tsc build in dist/, building it first (stat checks only when it is
// fresh) if it is missing or older than the sources. Development runs the sources: `npm run cli`.
import { buildIfStale } from '../scripts/build-if-stale.mjs';

const built = buildIfStale({ entry: 'dist/src/cli/main.js', log: (line) => console.error(line) });
if (!built.ok) {
  console.error(built.output);
  process.exit(1);
}
const { runCli } = await import('../dist/src/cli/main.js');
process.exitCode = await runCli(process.argv.slice(2));
