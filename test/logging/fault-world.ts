/**
 * Database faults on demand, for the log tests: a test database holding the demo register, demo
 * staff and their actions (like test/contract/world.ts), a core whose log lines are captured,
 * and two kinds of fault on a chosen table:
 *
 * - `raise`: a trigger that fails the insert or update with a message, detail and table that
 *   quote the row and the patient's reference (what a buggy trigger or constraint would do);
 * - `kill`: the connection dies during the write. On PostgreSQL the trigger terminates its own
 *   backend mid-statement; PGlite ignores that, so its client is closed just before the first
 *   write instead, with the reads before it already done.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { createCore, type Core } from '../../src/index.js';
import { defaultWorkflowConfig } from '../../src/config/workflow.js';
import type { Database } from '../../src/db/database.js';
import { DEMO_TEAMS } from '../../src/demo/demo-register.js';
import { demoStaffCsv } from '../../src/demo/demo-staff.js';
import { seedDemoRegister } from '../../src/demo/seed.js';
import { createLogger } from '../../src/logging/logger.js';
import { importStaff } from '../../src/staff/staff-import.js';
import { syncActions } from '../../src/workflow/sync.js';
import { TODAY, NOW } from '../contract/world.js';
import { createTestDatabase, type EngineName, type TestDatabase } from '../support/databases.js';
import { defaultRules } from '../support/rules.js';

export type Fault = 'raise' | 'kill';

export interface FaultWorld {
  testDb: TestDatabase;
  /** What the code under test should use: on PGlite with a `kill` armed, closes the client before the first write. */
  db: Database;
  core: Core;
  /** Everything the core logged. */
  logLines: string[];
  /** Makes the next write to `table` fail with `fault`. */
  arm(fault: Fault, table: string): Promise<void>;
  disarm(): Promise<void>;
  close(): Promise<void>;
}

const FAULT_FUNCTION = sql.raw(`
CREATE OR REPLACE FUNCTION test_injected_fault() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  row_json text := to_jsonb(NEW)::text;
  ref text := to_jsonb(NEW) ->> 'patient_ref';
BEGIN
  IF ref IS NULL AND to_jsonb(NEW) ? 'patient_id' THEN
    SELECT patient_ref INTO ref FROM patients WHERE id = (to_jsonb(NEW) ->> 'patient_id')::uuid;
  END IF;
  IF TG_ARGV[0] = 'kill' THEN
    PERFORM pg_terminate_backend(pg_backend_pid());
    PERFORM pg_sleep(5); -- the termination lands here, mid-statement
  END IF;
  RAISE EXCEPTION 'injected fault for patient %: %', ref, row_json
    USING DETAIL = row_json, HINT = coalesce(ref, 'none'), TABLE = TG_TABLE_NAME, ERRCODE = 'P0001';
END $$`);

const WRITE = /^\s*(with\b[\s\S]*\b)?(insert|update|delete)\b/i;

export async function createFaultWorld(engine: EngineName): Promise<FaultWorld> {
  const testDb = await createTestDatabase(engine);
  const ruleSet = defaultRules();
  const seeded = await seedDemoRegister(testDb.db, ruleSet, TODAY);
  if (!seeded.ok) throw new Error(seeded.message);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'closedloop-faults-'));
  try {
    const file = path.join(dir, 'staff.csv');
    fs.writeFileSync(file, demoStaffCsv(DEMO_TEAMS));
    const system = { id: null, name: 'closedloop', identity: 'system', via: 'cli' as const, channel: null, correlationId: 'fault-setup' };
    const staff = await importStaff(testDb.db, file, { now: NOW, actor: system });
    if (!staff.ok) throw new Error(staff.message);
    await syncActions(testDb.db, ruleSet, { asOf: TODAY, now: NOW, actor: system, config: defaultWorkflowConfig });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  await testDb.db.execute(FAULT_FUNCTION);

  let closeBeforeWrite = false;
  let armedTable: string | undefined;
  const pglite = testDb.pglite;
  const textOf = (query: unknown): string => {
    if (typeof query === 'string') return query;
    const dialect = (testDb.db as unknown as { dialect: { sqlToQuery(q: unknown): { sql: string } } }).dialect;
    return dialect.sqlToQuery(query).sql;
  };
  const killNow = async () => {
    closeBeforeWrite = false;
    await pglite?.close();
  };
  // Only PGlite needs the wrapper; on PostgreSQL the trigger does the killing.
  const db = new Proxy(testDb.db, {
    get(target, key, receiver) {
      if (key === 'transaction' && pglite) {
        return async (...args: unknown[]) => {
          if (closeBeforeWrite) await killNow();
          return (target.transaction as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      if (key === 'execute' && pglite) {
        return async (query: unknown) => {
          if (closeBeforeWrite && WRITE.test(textOf(query))) await killNow();
          return target.execute(query as never);
        };
      }
      return Reflect.get(target, key, receiver) as unknown;
    },
  });

  const logLines: string[] = [];
  const core = createCore({
    db, ruleSet, workflow: defaultWorkflowConfig, now: () => NOW, logger: createLogger('debug', (line) => logLines.push(line)),
  });

  return {
    testDb, db, core, logLines,
    async arm(fault, table) {
      if (fault === 'kill' && pglite) {
        closeBeforeWrite = true;
        return;
      }
      armedTable = table;
      await testDb.db.execute(sql.raw(`CREATE TRIGGER test_injected_fault BEFORE INSERT OR UPDATE ON ${table}
        FOR EACH ROW EXECUTE FUNCTION test_injected_fault('${fault}')`));
    },
    async disarm() {
      closeBeforeWrite = false;
      if (armedTable && !pglite?.closed) await testDb.db.execute(sql.raw(`DROP TRIGGER IF EXISTS test_injected_fault ON ${armedTable}`));
      armedTable = undefined;
    },
    async close() {
      await core.settle?.();
      await testDb.close();
    },
  };
}
