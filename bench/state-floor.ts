/**
 * The floor for the all-teams due list: the register-state reads it issues, replayed bare.
 *
 * A count(*) over the events table is no floor for a due list that reads one patient_state row per
 * patient (with its prescriptions, responsibilities, last-done dates and recent values as json), so
 * the due list looks many times slower than it is. Instead the bench records the SELECTs that
 * the register-state loader (src/register/register-state.ts) sends while one all-teams due list
 * runs (patients joined to patient_state and teams, the same columns and parameters) and replays
 * exactly those statements through the same driver the same way: on PostgreSQL one query whose
 * rows are handed over as they arrive (src/db/stream-rows.ts) and only counted; on PGlite the same
 * team chunks, one after another, their rows counted. Nothing is turned into a PatientState and
 * nothing is computed. Recording rather than copying the SQL keeps the floor the due list's own
 * reads whenever register-state.ts changes.
 */
import { isSQLWrapper, type SQL, type SQLWrapper } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { rowsOf } from '../src/db/client.js';
import type { Database } from '../src/db/database.js';

const dialect = new PgDialect();

/** loadPatientStates' state query: patients joined to teams and to patient_state. */
const STATE_READ = /\bFROM\s+patients\s+p\s+JOIN\s+teams\s+t\b[\s\S]*\bJOIN\s+patient_state\s+g\b/i;

/** A recorded read: streamed through the postgres.js client, or run through drizzle's execute. */
type StateRead = { kind: 'streamed'; text: string; params: unknown[] } | { kind: 'executed'; query: SQL };

export interface StateReads {
  reads: StateRead[];
  /** The statements' text (the first one), for a reader checking what the floor runs. */
  text: string;
}

interface StreamingClient {
  unsafe(text: string, params?: unknown[], options?: unknown): { forEach(each: (row: unknown) => void): Promise<unknown> };
}

const clientOf = (db: Database) => (db as unknown as { $client?: unknown }).$client;

/**
 * Runs `work` (an all-teams due list) against a database whose execute(), and whose postgres.js
 * client if it has one, also record every register-state SELECT given them; everything else goes
 * straight to `db`.
 */
export async function recordStateReads(db: Database, work: (db: Database) => Promise<unknown>): Promise<StateReads> {
  const reads: StateRead[] = [];
  let text = '';
  const recorder = Object.create(db) as Database;
  recorder.execute = ((query: SQLWrapper | string) => {
    if (isSQLWrapper(query)) {
      const statement = query.getSQL();
      const rendered = dialect.sqlToQuery(statement).sql;
      if (STATE_READ.test(rendered)) {
        reads.push({ kind: 'executed', query: statement });
        text ||= rendered;
      }
    }
    return db.execute(query);
  }) as Database['execute'];
  const client = clientOf(db);
  if (typeof client === 'function') {
    const real = client as unknown as StreamingClient;
    // A function, as postgres.js's client is, so src/db/stream-rows.ts still streams through it.
    const recording = Object.assign(() => { throw new Error('state-floor: only unsafe() is recorded'); }, {
      unsafe: (statement: string, params?: unknown[], options?: unknown) => {
        if (STATE_READ.test(statement)) {
          reads.push({ kind: 'streamed', text: statement, params: params ?? [] });
          text ||= statement;
        }
        return real.unsafe(statement, params, options);
      },
    });
    Object.defineProperty(recorder, '$client', { value: recording });
  }
  await work(recorder);
  if (reads.length === 0) {
    throw new Error('state-read floor: the all-teams due list issued no SELECT … FROM patients p JOIN teams t … JOIN patient_state g; update STATE_READ in bench/state-floor.ts to the query the register-state loader now sends');
  }
  return { reads, text };
}

/** Replays the recorded reads in order, counting their rows; returns the rows read. */
export async function readStates(db: Database, recorded: StateReads): Promise<number> {
  let rows = 0;
  for (const read of recorded.reads) {
    if (read.kind === 'streamed') await (clientOf(db) as StreamingClient).unsafe(read.text, read.params).forEach(() => { rows++; });
    else rows += rowsOf(await db.execute(read.query)).length;
  }
  return rows;
}
