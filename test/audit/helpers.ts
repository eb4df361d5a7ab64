/** Shared pieces for the audit trail tests: actors, records, raw row access and the CLI. */
import { sql } from 'drizzle-orm';
import { appendAudit, type AuditActor, type AuditRecord } from '../../src/audit/append.js';
import type { CliIo } from '../../src/cli/context.js';
import { runCli } from '../../src/cli/main.js';
import { rowsOf } from '../../src/db/client.js';
import type { Database, Queryable } from '../../src/db/database.js';
import type { EngineName } from '../support/databases.js';

export const systemActor = (correlationId = 'test-run'): AuditActor => ({
  id: null, name: 'closedloop', identity: 'system', via: 'cli', channel: null, correlationId,
});

export const staffActor = (name: string, correlationId = 'req-1'): AuditActor => ({
  id: '6f1c2a7e-3b4d-4e5f-8a9b-0c1d2e3f4a5b', name, identity: `slack:T0001:U-${name.replace(/\W/g, '')}`,
  via: 'slack', channel: 'C0MHT', correlationId,
});

export function actionRecord(n: number, extra: Partial<AuditRecord> = {}): AuditRecord {
  return {
    verb: 'action.created', entityType: 'action', entityId: `A-${1000 + n}`, patientRef: `P-${String(n).padStart(4, '0')}`,
    after: { status: 'open', priority: n % 3 === 0 ? 'red' : 'routine' }, reason: null, ...extra,
  };
}

/** Appends `count` simple events one by one, each at its own second; returns their seqs. */
export async function appendMany(db: Queryable, count: number, start = new Date('2026-11-22T09:00:00Z')): Promise<number[]> {
  const seqs: number[] = [];
  for (let i = 0; i < count; i++) {
    seqs.push(await appendAudit(db, systemActor(), actionRecord(i), new Date(start.getTime() + i * 1000)));
  }
  return seqs;
}

export async function chainHeadSeq(db: Queryable): Promise<number> {
  const [head] = rowsOf<{ seq: number | string }>(await db.execute(sql`SELECT seq FROM audit_chain_head WHERE id = 1`));
  return Number(head?.seq);
}

/**
 * Runs `change` with one of the append-only triggers switched off, in one transaction so the
 * trigger is back on afterwards whatever happens: how an attacker with table-owner rights would
 * tamper, and what the hash chain exists to catch.
 */
export async function behindTheTriggers(
  db: Database, trigger: 'audit_events_no_update' | 'audit_events_no_delete', change: (tx: Queryable) => Promise<unknown>,
): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.execute(sql.raw(`ALTER TABLE audit_events DISABLE TRIGGER ${trigger}`));
    await change(tx);
    await tx.execute(sql.raw(`ALTER TABLE audit_events ENABLE TRIGGER ${trigger}`));
  });
}

/** Saves the rows a tampering test is about to damage, and puts them back exactly (ids included). */
export async function preserved(db: Database, seqs: number[], tamper: () => Promise<void>): Promise<() => Promise<void>> {
  const list = sql.join(seqs.map((s) => sql`${s}`), sql`, `);
  await db.execute(sql`CREATE TABLE audit_saved AS SELECT * FROM audit_events WHERE seq IN (${list})`);
  await tamper();
  return () => behindTheTriggers(db, 'audit_events_no_delete', async (tx) => {
    await tx.execute(sql`DELETE FROM audit_events WHERE seq IN (${list})`);
    await tx.execute(sql`INSERT INTO audit_events OVERRIDING SYSTEM VALUE SELECT * FROM audit_saved`);
    await tx.execute(sql`DROP TABLE audit_saved`);
  });
}

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

export async function runAuditCli(db: Database, engine: EngineName, ...argv: string[]): Promise<CliRun> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const io: CliIo = { interactive: false, out: (t) => stdout.push(t), err: (t) => stderr.push(t) };
  const database = { db, driver: engine, describe: `test ${engine}`, close: async () => {} };
  const code = await runCli(argv, { io, database, env: { DEMO_DATA: 'false' }, now: () => new Date('2026-11-22T12:00:00Z') });
  return { code, out: stdout.join('\n'), err: stderr.join('\n') };
}

/** The rejection of `promise`, failing the test if it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the statement to be rejected');
}
