/**
 * `npm start`: builds dist/ when it is missing or stale, then runs the service from it in this
 * process (its own SIGINT/SIGTERM handlers and exit code apply unchanged). package.json passes
 * --max-semi-space-size=16 on this node command (V8 sizes the young generation when the process
 * starts): the service answers people, and every collection of the young generation pauses each
 * request in flight. With 64 MB semi-spaces each pause took about 20 ms, which set the p99 of a
 * Teams button press; with 16 MB they take 5–8 ms (`npm run bench -- --suites teams`). Bulk runs
 * (a whole organisation's due list) prefer the larger size and run as processes of their own.
 */
import { buildIfStale } from './build-if-stale.mjs';

const built = buildIfStale({ entry: 'dist/src/main.js', log: (line) => console.log(line) });
if (!built.ok) {
  console.error(built.output);
  process.exit(1);
}
await import('../dist/src/main.js');
