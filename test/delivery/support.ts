/** Fixtures for the delivery tests: a fictional action, a clock the test moves, the outbox CLI. */
import crypto from 'node:crypto';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import type { ChannelRef } from '../../src/app/request.js';
import { createCliContext, type CliIo } from '../../src/cli/context.js';
import { outboxCommand } from '../../src/cli/outbox-commands.js';
import { rowsOf } from '../../src/db/client.js';
import type { Database } from '../../src/db/database.js';
import { actions, patients, staff, teams } from '../../src/db/schema.js';
import { enqueuePost } from '../../src/delivery/outbox-store.js';
import { createLogger, type Logger } from '../../src/logging/logger.js';
import type { MessageView, ViewSubject } from '../../src/views/model.js';
import type { EngineName } from '../support/databases.js';

export const PATIENT_LABEL = 'Fictional delivery patient';

/** A red overdue-monitoring action for a fresh fictional patient; returns its id and patient ref. */
export async function addAction(db: Database): Promise<{ actionId: number; patientRef: string }> {
  const suffix = crypto.randomBytes(4).toString('hex');
  const [team] = await db.insert(teams).values({ name: `Delivery team ${suffix}` }).returning();
  const patientRef = `PT-DLV-${suffix}`;
  const [patient] = await db.insert(patients).values({
    patientRef, displayLabel: PATIENT_LABEL, teamId: team!.id, gpPractice: 'Test Surgery', dateOfBirth: '1970-01-01',
  }).returning();
  const [action] = await db.insert(actions).values({
    kind: 'overdue_monitoring', patientId: patient!.id, teamId: team!.id, causeKey: `dlv:${suffix}`,
    cause: { test: 'FBC', drug: 'clozapine', dueOn: '2026-11-01', lastDone: null }, priority: 'red', dueAt: new Date('2026-11-23T17:00:00Z'),
  }).returning();
  return { actionId: action!.id, patientRef };
}

export async function addStaffMember(db: Database, name: string): Promise<string> {
  const [member] = await db.insert(staff).values({ name, email: `${crypto.randomUUID()}@example.invalid`, roles: ['pharmacist'] }).returning();
  return member!.id;
}

/** A clock that only moves when told to. Starts a minute ahead of the database's clock, so rows queued with now() are due. */
export function testClock(): { now: () => Date; advance(ms: number): void } {
  let t = Math.ceil((Date.now() + 60_000) / 1000) * 1000;
  return { now: () => new Date(t), advance: (ms) => { t += ms; } };
}

let channelCounter = 0;
/** A channel no other test in the file uses. */
export function freshChannel(platform: ChannelRef['platform'] = 'slack'): ChannelRef {
  channelCounter += 1;
  return { platform, tenant: 'T-TEST', channelId: `C${String(channelCounter).padStart(4, '0')}-${crypto.randomBytes(2).toString('hex')}` };
}

export function noticeView(title: string): MessageView {
  return { title, fallbackText: title, blocks: [{ kind: 'text', text: title }], tone: 'info' };
}

/** Queues a post in its own committed transaction, as a command handler would. */
export async function queuePost(db: Database, channel: ChannelRef, what: { subject?: ViewSubject; view?: MessageView }): Promise<number> {
  return db.transaction((tx) => enqueuePost(tx, { channel, ...what, correlationId: `test-${crypto.randomUUID()}` }));
}

export interface StoredOutboxRow {
  id: number;
  kind: string;
  status: string;
  attempts: number;
  last_error: string | null;
  delivered_message_id: string | null;
  message_row_id: number | null;
  next_attempt_at: Date;
}

export async function outboxRows(db: Database, where = sql`TRUE`): Promise<StoredOutboxRow[]> {
  const rows = rowsOf<Record<string, unknown>>(await db.execute(sql`SELECT id, kind, status, attempts, last_error,
      delivered_message_id, message_row_id, next_attempt_at FROM outbox WHERE ${where} ORDER BY id`));
  return rows.map((r) => ({
    ...r, id: Number(r.id), attempts: Number(r.attempts),
    message_row_id: r.message_row_id === null ? null : Number(r.message_row_id),
    next_attempt_at: new Date(r.next_attempt_at instanceof Date ? r.next_attempt_at.getTime() : String(r.next_attempt_at)),
  })) as StoredOutboxRow[];
}

export async function outboxRow(db: Database, id: number): Promise<StoredOutboxRow> {
  const [row] = await outboxRows(db, sql`id = ${id}`);
  if (!row) throw new Error(`no outbox row ${id}`);
  return row;
}

/** A logger that keeps its lines, to check what the worker logs (and what it never does). */
export function capturingLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  return { logger: createLogger('debug', (line) => lines.push(JSON.parse(line) as Record<string, unknown>)), lines };
}

/**
 * Runs `closedloop outbox …` as src/cli/main.ts does (argument parsing, option schema, context),
 * without going through main.ts's command list.
 */
export async function runOutboxCli(db: Database, engine: EngineName, args: string[], now: Date): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { interactive: false, out: (t) => out.push(t), err: (t) => err.push(t) };
  const result = (code: number) => ({ code, out: out.join('\n'), err: err.join('\n') });
  let parsed;
  try {
    parsed = parseArgs({ args, options: outboxCommand.options ?? {}, allowPositionals: true, strict: true });
  } catch (e) {
    io.err((e as Error).message);
    return result(2);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (outboxCommand.schema && !outboxCommand.schema.safeParse(values).success) {
    io.err('Invalid option');
    return result(2);
  }
  const database = { db, driver: engine, describe: `test ${engine}`, close: async () => {} };
  const created = createCliContext({ io, database, env: { DEMO_DATA: 'false' }, now: () => now });
  if (!created.ok) throw new Error(created.message);
  try {
    return result(await outboxCommand.run(created.value, { positionals: parsed.positionals, values }));
  } finally {
    await created.value.close();
  }
}
