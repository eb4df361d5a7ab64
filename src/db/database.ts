/**
 * One query API over two drivers: PGlite (embedded) and postgres.js (PostgreSQL). Query code is
 * typed against the common drizzle base so it cannot reach for a driver-only feature.
 */
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type * as schema from './schema.js';

export type Schema = typeof schema;
export type Database = PgDatabase<PgQueryResultHKT, Schema>;
/** The handle inside `db.transaction(async (tx) => …)`. */
export type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];
/** Either a database or a transaction: repository functions accept both. */
export type Queryable = Database | Transaction;
