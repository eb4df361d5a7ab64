/**
 * A SELECT whose rows are handed over one at a time, as they arrive from PostgreSQL, rather than
 * gathered into one array first.
 *
 * Why: the whole organisation's due list reads one row per patient (100,000 at the target size).
 * Gathered, those rows and the states built from them lived through a dozen young-generation
 * collections each, and copying them was a fifth of the list's time; handed over as they arrive,
 * each row is built, used and dropped while the server is still sending the next ones, so the
 * server's work and ours overlap and almost nothing survives a collection.
 *
 * Streaming needs postgres.js at the top level. PGlite runs the query in this process and returns
 * every row at once, and drizzle gives a transaction no client of its own, so both get the rows
 * from `db.execute` and the callback runs over them in order: same rows, same order, same callback.
 */
import type { SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { rowsOf } from './client.js';
import type { Queryable } from './database.js';

const dialect = new PgDialect();

/** The part of a postgres.js client this module uses (the preparing proxy in client.ts is one). */
interface StreamingClient {
  unsafe(query: string, parameters: unknown[]): { forEach(each: (row: Record<string, unknown>) => void): Promise<unknown> };
}

function streamingClientOf(db: Queryable): StreamingClient | null {
  // drizzle's postgres-js database exposes the postgres.js client (a function with `unsafe`);
  // a PGlite client is an object, and a transaction has no `$client`.
  const client = (db as { $client?: unknown }).$client;
  return typeof client === 'function' && typeof (client as { unsafe?: unknown }).unsafe === 'function' ? client as unknown as StreamingClient : null;
}

/** True when `forEachRow` on this database hands rows over as they arrive (postgres.js, outside a transaction). */
export function streamsRows(db: Queryable): boolean {
  return streamingClientOf(db) !== null;
}

/**
 * Runs `query` and calls `onRow` for each row in order. If `onRow` throws, the remaining rows are
 * skipped (the query still runs to its end: postgres.js cannot stop one midway without cancelling
 * on the server) and the first error is thrown once the query has finished.
 */
export async function forEachRow<T>(db: Queryable, query: SQL, onRow: (row: T) => void): Promise<void> {
  const client = streamingClientOf(db);
  if (!client) {
    for (const row of rowsOf<T>(await db.execute(query))) onRow(row);
    return;
  }
  const { sql: text, params } = dialect.sqlToQuery(query);
  let failure: { error: unknown } | null = null;
  await client.unsafe(text, params).forEach((row) => {
    if (failure) return;
    // An exception thrown inside postgres.js's data handler would be lost or kill the connection.
    try { onRow(row as T); } catch (error) { failure = { error }; }
  });
  if (failure) throw (failure as { error: unknown }).error;
}
