/**
 * Database faults on every write path leave no patient data in the log (issue 11, item 7).
 *
 * Each path (a close with a note in chat, a result recorded in chat, an events import, a sync)
 * meets a failing trigger whose error quotes the row and the patient, and a connection killed
 * mid-write. The person gets a reference; the log line under it names the SQLSTATE and table but
 * none of the patient references, values or note text the path used. Run on both engines.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { consoleRequest } from '../../adapters/console/console.js';
import { rowsOf } from '../../src/db/client.js';
import { USERS } from '../contract/world.js';
import { runCliOn } from '../support/cli.js';
import { engines } from '../support/databases.js';
import { shownView } from '../support/effects.js';
import { createFaultWorld, type Fault, type FaultWorld } from './fault-world.js';

/** What the paths below put in front of the database: none of it may reach the log. */
const NOTE = 'SECRETNOTE rang Fictional patient J at home';
const CHAT_WEIGHT = '87.61';
const IMPORT_WEIGHT = '91.37';
const PATIENT_DATA = [/DEMO-\d{3}/, /Fictional patient/, /SECRETNOTE/, /87\.61/, /91\.37/, /lithium_level/, /params:/, /Failed query/];

function leaks(lines: string[]): string[] {
  return lines.filter((line) => PATIENT_DATA.some((pattern) => pattern.test(line)));
}

/** The one unexpected_error line with this reference, parsed. */
function loggedUnder(lines: string[], ref: string): Record<string, unknown> {
  const found = lines.filter((l) => l.includes(ref)).map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(found).toHaveLength(1);
  return found[0]!;
}

function expectDatabaseFacts(entry: Record<string, unknown>, fault: Fault, table: string): void {
  expect(entry).toMatchObject({ level: 'error', event: 'unexpected_error' });
  // The trigger's message quotes the row: only its SQLSTATE and table may be logged.
  if (fault === 'raise') {
    expect(entry).toMatchObject({ sqlstate: 'P0001', table });
    expect(entry).not.toHaveProperty('message');
  }
}

/** stderr written while `fn` runs: where the CLI's logger writes. */
async function capturingStderr<T>(fn: () => Promise<T>): Promise<{ result: T; lines: string[] }> {
  const chunks: string[] = [];
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  });
  try {
    const result = await fn();
    return { result, lines: chunks.join('').split('\n').filter(Boolean) };
  } finally {
    spy.mockRestore();
  }
}

const FAULTS: Fault[] = ['raise', 'kill'];

describe.each(engines)('database faults leave no patient data in the log [%s]', (engine) => {
  // A killed PGlite is gone for good, so every case has a world of its own.
  let world: FaultWorld;
  afterEach(async () => {
    await world?.disarm().catch(() => {});
    await world?.close();
  });

  const fresh = async () => {
    world = await createFaultWorld(engine);
    return world;
  };

  it.each(FAULTS)('a close with a note in chat (%s)', async (fault) => {
    const w = await fresh();
    const [action] = rowsOf<{ id: number }>(await w.testDb.db.execute(sql`
      SELECT a.id FROM actions a JOIN patients p ON p.id = a.patient_id
      WHERE a.kind = 'overdue_monitoring' AND a.status = 'open' ORDER BY a.id LIMIT 1`));
    expect(action).toBeDefined();
    // Reads first, so the identity is linked and the first write is the close itself.
    expect((await w.core.handle(consoleRequest(USERS.technician.email, 'list'))).ok).toBe(true);
    await w.arm(fault, 'audit_events');
    const reply = await w.core.handle(consoleRequest(USERS.technician.email, `close A-${action!.id} test_booked 2026-11-29 ${NOTE}`));
    expect(reply.code).toBe('UNEXPECTED');
    const ref = /reference (ERR-[0-9A-F]{8})/.exec(shownView(reply).fallbackText)![1]!;
    expectDatabaseFacts(loggedUnder(w.logLines, ref), fault, 'audit_events');
    expect(leaks(w.logLines)).toEqual([]);
  }, 60_000);

  it.each(FAULTS)('a result recorded in chat (%s)', async (fault) => {
    const w = await fresh();
    expect((await w.core.handle(consoleRequest(USERS.pharmacist.email, 'list'))).ok).toBe(true);
    await w.arm(fault, 'monitoring_events');
    const reply = await w.core.handle(consoleRequest(USERS.pharmacist.email, `result DEMO-010 weight ${CHAT_WEIGHT} kg 2026-11-21`));
    expect(reply.code).toBe('UNEXPECTED');
    const ref = /reference (ERR-[0-9A-F]{8})/.exec(shownView(reply).fallbackText)![1]!;
    expectDatabaseFacts(loggedUnder(w.logLines, ref), fault, 'monitoring_events');
    expect(leaks(w.logLines)).toEqual([]);
  }, 60_000);

  it.each(FAULTS)('an events import (%s)', async (fault) => {
    const w = await fresh();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'closedloop-faults-'));
    try {
      const file = path.join(dir, 'events.csv');
      fs.writeFileSync(file, `patient_ref,test,outcome,value,unit,taken_on\nDEMO-010,weight,result,${IMPORT_WEIGHT},kg,2026-11-20\n`);
      await w.arm(fault, 'monitoring_events');
      const { result: run, lines } = await capturingStderr(() => runCliOn({ ...w.testDb, db: w.db }, ['import', 'events', file]));
      expect(run.code).toBe(3);
      const ref = /reference (ERR-[0-9A-F]{8})/.exec(run.err)![1]!;
      expectDatabaseFacts(loggedUnder(lines, ref), fault, 'monitoring_events');
      expect(leaks([...lines, run.out, run.err])).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it.each(FAULTS)('a sync (%s)', async (fault) => {
    const w = await fresh();
    await w.arm(fault, 'actions');
    // Three months on, more tests are overdue: the sync has actions to write.
    const later = new Date('2027-02-22T12:00:00Z');
    const { result: run, lines } = await capturingStderr(() => runCliOn({ ...w.testDb, db: w.db }, ['sync'], { now: later }));
    expect(run.code).toBe(3);
    const ref = /reference (ERR-[0-9A-F]{8})/.exec(run.err)![1]!;
    expectDatabaseFacts(loggedUnder(lines, ref), fault, 'actions');
    expect(leaks([...lines, run.out, run.err])).toEqual([]);
  }, 60_000);
});
