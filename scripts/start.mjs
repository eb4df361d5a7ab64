/**
 * `npm start`: builds dist/ when it is missing or stale, then runs the service from it in this
 * process (its own SIGINT/SIGTERM handlers and exit code apply unchanged). package.json passes
 * --max-semi-space-size=64 on this node command: V8 sizes the young generation when the process
 * starts, and the service needs the larger one (see bench/run.ts).
 */
import { buildIfStale } from './build-if-stale.mjs';

const built = buildIfStale({ entry: 'dist/src/main.js', log: (line) => console.log(line) });
if (!built.ok) {
  console.error(built.output);
  process.exit(1);
}
await import('../dist/src/main.js');
