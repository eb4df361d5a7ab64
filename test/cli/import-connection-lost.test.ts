/**
 * Losing the PostgreSQL connection in the middle of an import (issue 11, item 10): the CLI prints
 * its message with the reference, logs it, and exits 3, and nothing else happens after it. Before,
 * postgres.js sent ROLLBACK on the dead connection and crashed the process with an uncaught
 * TypeError ("Cannot read properties of null (reading 'write')") after the friendly message.
 *
 * A real process, because the defect was an uncaught exception. The moment is made certain, not
 * timed: the test holds the register import's advisory lock, so the import's transaction waits
 * for it, and the test terminates that backend once it is seen waiting.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { writeDemoFiles, type DemoFiles } from '../support/demo-files.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** The key the register import locks first in its transaction (private there, so read from its source). */
function registerImportLockKey(): string {
  const source = fs.readFileSync(new URL('../../src/imports/register-import.ts', import.meta.url), 'utf8');
  const key = /const REGISTER_IMPORT_LOCK = (\d+);/.exec(source)?.[1];
  if (!key) throw new Error('REGISTER_IMPORT_LOCK not found in src/imports/register-import.ts: update this test');
  return key;
}

describe.skipIf(!process.env.TEST_DATABASE_URL)('a connection lost mid-import [postgres]', () => {
  let testDb: TestDatabase;
  let files: DemoFiles;
  beforeAll(async () => {
    testDb = await createTestDatabase('postgres');
    files = writeDemoFiles('2026-11-22');
  }, 60_000);
  afterAll(async () => {
    files?.remove();
    await testDb?.close();
  });

  it('exits 3 with the reference, logged, and no uncaught error', async () => {
    const holder = postgres(testDb.url!, { max: 1, onnotice: () => {} });
    const watcher = postgres(testDb.url!, { max: 1, onnotice: () => {} });
    const key = registerImportLockKey();
    try {
      const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(DATABASE_|TEST_DATABASE_URL|DATA_DIR|LOG_LEVEL)/.test(name)));
      const run = await holder.begin(async (tx) => {
        await tx.unsafe(`SELECT pg_advisory_xact_lock(${key})`);
        const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'import', 'register', files.register], {
          cwd: repoRoot, env: { ...inherited, DATABASE_URL: testDb.url!, DEMO_DATA: 'false' }, stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stderr = '';
        child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
        let finished = false;
        const exited = new Promise<number | null>((resolve) => child.on('close', (code) => { finished = true; resolve(code); }));

        // The import's transaction, waiting for the lock we hold: end its session.
        let killed = false;
        while (!killed && !finished) {
          const [waiting] = await watcher<{ pid: number }[]>`
            SELECT pid FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE '%pg_advisory_xact_lock%'`;
          if (waiting) killed = (await watcher`SELECT pg_terminate_backend(${waiting.pid})`).length > 0;
          else await new Promise((resolve) => setTimeout(resolve, 100));
        }
        return { killed, code: await exited, stderr };
      });
      expect(run.killed, `the import never waited for the lock; it printed:\n${run.stderr}`).toBe(true);
      expect(run.stderr).toMatch(/Something went wrong \(reference ERR-[0-9A-F]{8}\)/);
      const ref = /reference (ERR-[0-9A-F]{8})/.exec(run.stderr)![1]!;
      const logged = run.stderr.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(logged).toContainEqual(expect.objectContaining({ event: 'unexpected_error', ref, command: 'import' }));
      // Nothing but our lines: no stack trace or driver error printed after the message.
      const plain = run.stderr.split('\n').filter((line) => !line.startsWith('{')).join('\n');
      expect(plain).not.toMatch(/TypeError|Uncaught|node:internal|^\s+at /m);
      expect(run.code).toBe(3);
    } finally {
      await holder.end({ timeout: 5 });
      await watcher.end({ timeout: 5 });
    }
  }, 120_000);
});
