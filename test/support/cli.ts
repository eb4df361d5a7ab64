/**
 * Runs the closedloop CLI in-process against a test database, capturing what it prints: the same
 * entry point as the `closedloop` binary, with the clock, environment and stdin under the test's
 * control.
 */
import { Readable } from 'node:stream';
import { runCli } from '../../src/cli/main.js';
import type { CliIo } from '../../src/cli/context.js';
import type { DatabaseHandle } from '../../src/db/client.js';
import type { TestDatabase } from './databases.js';

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

export interface CliRunOptions {
  /** The instant the CLI sees as now (default 2026-11-22 12:00 UTC). */
  now?: Date;
  /** Text piped to standard input (a scripted console session). */
  stdin?: string;
  env?: NodeJS.ProcessEnv;
}

export async function runCliOn(testDb: TestDatabase, argv: string[], options: CliRunOptions = {}): Promise<CliRun> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const io: CliIo = {
    interactive: false, out: (t) => stdout.push(t), err: (t) => stderr.push(t),
    input: options.stdin === undefined ? undefined : Readable.from([options.stdin]), inputIsTerminal: false,
  };
  // The test owns the database: the CLI must not close it.
  const database: DatabaseHandle = { db: testDb.db, driver: testDb.engine, describe: `test ${testDb.engine}`, close: async () => {} };
  const now = options.now ?? new Date('2026-11-22T12:00:00Z');
  const code = await runCli(argv, { io, database, env: options.env ?? { DEMO_DATA: 'false' }, now: () => now });
  return { code, out: stdout.join('\n'), err: stderr.join('\n') };
}
