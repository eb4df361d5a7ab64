/**
 * The floor for the all-teams due list: the register-state reads it issues, replayed bare.
 *
 * A count(*) over the events table is no floor for a due list that reads one patient_state row per
 * patient (with its prescriptions, responsibilities, last-done dates and recent values as json), so
 * the due list looks many times slower than it is. Instead the bench records the SELECTs that
 * loadPatientStates (src/register/register-state.ts) sends while one all-teams due list runs —
 * patients joined to patient_state and teams, the same columns, the same team chunks and
 * parameters — and replays exactly those statements through the same driver, one chunk in flight
 * while the next is requested as the due list does, without turning the rows into PatientState or
 * computing anything. Recording rather than copying the SQL keeps the floor the due list's own
 * reads whenever register-state.ts changes.
 */
import { isSQLWrapper, type SQL, type SQLWrapper } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { rowsOf } from '../src/db/client.js';
import type { Database } from '../src/db/database.js';

const dialect = new PgDialect();

/** loadPatientStates' state query: patients joined to teams and to patient_state. */
const STATE_READ = /\bFROM\s+patients\s+p\s+JOIN\s+teams\s+t\b[\s\S]*\bJOIN\s+patient_state\s+g\b/i;

export interface StateReads {
  queries: SQL[];
  /** The statements' text (the first one), for a reader checking what the floor runs. */
  text: string;
}

/**
 * Runs `work` (an all-teams due list) against a database whose execute() also records every
 * register-state SELECT it is given; everything else goes straight to `db`.
 */
export async function recordStateReads(db: Database, work: (db: Database) => Promise<unknown>): Promise<StateReads> {
  const queries: SQL[] = [];
  let text = '';
  const recorder = Object.create(db) as Database;
  recorder.execute = ((query: SQLWrapper | string) => {
    if (isSQLWrapper(query)) {
      const statement = query.getSQL();
      const rendered = dialect.sqlToQuery(statement).sql;
      if (STATE_READ.test(rendered)) {
        queries.push(statement);
        text ||= rendered;
      }
    }
    return db.execute(query);
  }) as Database['execute'];
  await work(recorder);
  if (queries.length === 0) {
    throw new Error('state-read floor: the all-teams due list issued no SELECT … FROM patients p JOIN teams t … JOIN patient_state g; update STATE_READ in bench/state-floor.ts to the query loadPatientStates now sends');
  }
  return { queries, text };
}

/** Replays the recorded reads in order, each requested while the previous one's rows are counted; returns the rows read. */
export async function readStates(db: Database, reads: StateReads): Promise<number> {
  const { queries } = reads;
  let rows = 0;
  let next = db.execute(queries[0]!);
  for (let i = 0; i < queries.length; i++) {
    const result = await next;
    if (i + 1 < queries.length) next = db.execute(queries[i + 1]!);
    rows += rowsOf(result).length;
  }
  return rows;
}
