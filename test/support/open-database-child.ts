/**
 * Child process for the embedded-lock tests (test/db/client.test.ts): a lock only means something
 * across processes, so the tests run this with `node --import tsx` and read one JSON line.
 *
 *   node --import tsx test/support/open-database-child.ts <dataDir> [close|exit]
 *
 * `close` (default) opens and closes; `exit` opens and exits without close(), to check the
 * best-effort release on process 'exit'.
 */
import { openDatabase } from '../../src/db/client.js';

const [dataDir, mode = 'close'] = process.argv.slice(2);
if (!dataDir) {
  console.error('usage: open-database-child.ts <dataDir> [close|exit]');
  process.exit(2);
}

try {
  const handle = await openDatabase({ dataDir, migrate: false });
  console.log(JSON.stringify({ ok: true, pid: process.pid, describe: handle.describe }));
  if (mode === 'exit') process.exit(0);
  await handle.close();
} catch (err) {
  const e = err instanceof Error ? err : new Error(String(err));
  console.log(JSON.stringify({ ok: false, name: e.name, message: e.message }));
  process.exitCode = 1;
}
