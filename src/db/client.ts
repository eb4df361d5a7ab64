/**
 * Opens the register database: PostgreSQL through postgres.js when a URL is given, otherwise
 * embedded PGlite in a data directory. Both are returned as the same drizzle `Database` type so
 * that query code cannot depend on which one it got, and both apply the repo's `migrations/`.
 *
 * Embedded mode is single-process: a pid lock file guards the directory (src/db/dir-lock.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { MIGRATIONS_DIR } from '../paths.js';
import type { Database } from './database.js';
import { isConnectionLost } from './errors.js';
import { acquireLock, type DirLock } from './dir-lock.js';
import { connectPostgres, DatabaseConnectionError, setUpRoles } from './roles.js';
import * as schema from './schema.js';

/** The repo's top-level `migrations/`. */
export const migrationsFolder = MIGRATIONS_DIR;


export interface OpenDatabaseOptions {
  /** PostgreSQL connection URL. When set, PostgreSQL is used and `dataDir` is ignored. */
  url?: string;
  /** Embedded PGlite data directory (created if missing). Required unless `inMemory`. */
  dataDir?: string;
  /** Embedded PGlite with nothing on disk and no lock (tests, one-off tools). */
  inMemory?: boolean;
  /** Apply pending migrations before returning. Default true. */
  migrate?: boolean;
  /**
   * PostgreSQL URL of the role that owns the tables: migrations run as it, and it grants the
   * service's role (`url`) its rights. Unset: one role does both (see src/db/roles.ts).
   */
  ownerUrl?: string;
  /** Operational messages (stale lock taken over, …). Default: discarded. */
  log?: (msg: string) => void;
  /** Start-up warnings (the service's role owns the tables). Default: `log`. */
  warn?: (msg: string) => void;
}

export interface DatabaseHandle {
  db: Database;
  driver: 'pglite' | 'postgres';
  /** Where the data lives, for logs and status output. Never contains a password. */
  describe: string;
  /** Closes the connection(s) and releases the embedded lock. Safe to call more than once. */
  close(): Promise<void>;
}


export { DatabaseConnectionError } from './roles.js';
export { DatabaseLockedError, LOCK_FILE_NAME } from './dir-lock.js';

/**
 * Rows of a `db.execute()` result on either driver: postgres.js returns an array (RowList),
 * PGlite an object with `rows`.
 */
export function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  if (typeof result === 'object' && result !== null && Array.isArray((result as { rows?: unknown }).rows)) {
    return (result as { rows: T[] }).rows;
  }
  throw new TypeError('rowsOf: expected a postgres.js row list or a PGlite result with `rows`');
}

export async function openDatabase(options: OpenDatabaseOptions): Promise<DatabaseHandle> {
  const log = options.log ?? (() => {});
  const migrate = options.migrate ?? true;
  if (options.url) return openPostgres(options.url, options.ownerUrl, migrate, log, options.warn ?? log);
  if (options.ownerUrl) throw new DatabaseConnectionError('DATABASE_OWNER_URL is set but DATABASE_URL is not: set both, or neither.');
  if (options.inMemory) return openPglite(undefined, migrate, log);
  if (!options.dataDir) {
    throw new Error('openDatabase: give a PostgreSQL url, a dataDir for the embedded database, or inMemory: true');
  }
  return openPglite(options.dataDir, migrate, log);
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

/**
 * Arbitrary constant for pg_advisory_lock: serialises migrations when several processes start
 * at once against one database (drizzle's migrator does not lock, so two would both try to
 * apply the same migration and one would fail on "relation already exists").
 */
const MIGRATION_LOCK_KEY = '7310309357185171';

async function openPostgres(
  url: string, ownerUrl: string | undefined, migrate: boolean, log: (msg: string) => void, warn: (msg: string) => void,
): Promise<DatabaseHandle> {
  const { sql: client, where } = await connectPostgres(url, 'DATABASE_URL', 10);
  const describe = `PostgreSQL at ${where}`;
  // A connection lost mid-transaction keeps its failed query pending (see settleUnlessConnectionLost),
  // and ending the pool would wait out its timeout for it: nothing will come.
  let lost = false;
  // Each driver's db is cast via unknown: query code is typed against the common PgDatabase base.
  const driverDb = drizzlePostgres(preparing(client, () => { lost = true; }), { schema });
  try {
    await setUpRoles({ service: client, ownerUrl, migrate, log, warn, applyMigrations: (sql) => migrateLocked(sql, describe) });
  } catch (err) {
    await client.end({ timeout: 1 }).catch(() => {});
    throw err;
  }
  log(`Using ${describe}`);

  let closing: Promise<void> | undefined;
  return {
    db: driverDb as unknown as Database,
    driver: 'postgres',
    describe,
    close: () => (closing ??= (async () => {
      // A transaction whose connection died rejects (through the close) a few microtasks before
      // its body reports the loss: let those run before choosing how long to wait.
      await new Promise((resolve) => setImmediate(resolve));
      await client.end({ timeout: lost ? 0 : 5 });
    })()),
  };
}

/** Applies pending migrations through `sql`, one process at a time. */
async function migrateLocked(sql: postgres.Sql, describe: string): Promise<void> {
  try {
    const reserved = await sql.reserve();
    let lost = false;
    try {
      await reserved.unsafe(`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`);
      await migratePostgres(drizzlePostgres(sql, { schema }), { migrationsFolder });
    } catch (err) {
      lost = isConnectionLost(err);
      throw err;
    } finally {
      // On a dead session the lock went with it, and a write there would crash postgres.js.
      if (!lost) await reserved.unsafe(`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`).catch(() => {});
      reserved.release();
    }
  } catch (err) {
    throw new Error(`Applying migrations to ${describe} failed: ${errorText(err)}`, { cause: err });
  }
}

/** Statements with more parameters than this (bulk inserts) are sent unprepared; see `preparing`. */
const PREPARE_MAX_PARAMETERS = 100;

/**
 * The postgres.js client as drizzle should use it: parameterised statements prepared.
 *
 * drizzle sends `db.execute(sql…)` unprepared, and postgres.js then asks the server to describe
 * every parameterised statement before binding it: two round trips per query, every time. A
 * prepared statement is described once per connection and then costs one round trip, which
 * halved the wait of every claim and close (bench: `npm run bench -- --suites teams`).
 * Statements without parameters (migrations, DDL) and bulk inserts stay unprepared, so one-off
 * shapes do not pile up in each connection's statement cache (postgres.js also recycles
 * connections within the hour). `?prepare=false` in DATABASE_URL turns preparing off, e.g. behind
 * PgBouncer in transaction mode before 1.21.
 */
function preparing(sql: postgres.Sql, onLost: () => void): postgres.Sql {
  return new Proxy(sql, {
    get(target, property, receiver) {
      if (property === 'unsafe') {
        return (query: string, parameters?: postgres.ParameterOrJSON<never>[], options?: postgres.UnsafeQueryOptions) =>
          target.unsafe(query, parameters, {
            ...options,
            prepare: parameters !== undefined && parameters.length > 0 && parameters.length <= PREPARE_MAX_PARAMETERS,
          });
      }
      // Transactions and savepoints hand drizzle a client of their own: it must prepare too.
      if (property === 'begin' || property === 'savepoint') {
        const open = Reflect.get(target, property, receiver) as (...args: unknown[]) => Promise<unknown>;
        return (...args: unknown[]) => {
          const body = args.pop() as (tx: postgres.Sql) => unknown;
          let giveUp: (err: unknown) => void = () => {};
          const abandoned = new Promise<never>((_, reject) => { giveUp = reject; });
          const lost = (err: unknown) => {
            onLost();
            // begin() rejects as the socket closes; a savepoint, or a session that lingers, would not.
            setTimeout(() => giveUp(err), 1_000).unref();
          };
          return Promise.race([open.call(target, ...args, (tx: postgres.Sql) => settleUnlessConnectionLost(body(preparing(tx, onLost)), lost)), abandoned]);
        };
      }
      return Reflect.get(target, property, receiver) as unknown;
    },
  });
}

/**
 * A transaction body's outcome, except when its connection died: then it never settles.
 *
 * When a transaction's body fails, postgres.js sends ROLLBACK on the same connection. If the
 * connection is gone (the server ended the session, the socket closed), that write lands on a
 * socket postgres.js has already set to null, in a setImmediate, and throws an uncatchable
 * TypeError that kills the process after the caller has handled the failure (porsager/postgres
 * #1154, #1208; unfixed in 3.4.9). There is nothing to roll back on a dead session, so the body is
 * left pending and no ROLLBACK is sent. `begin()` still rejects: it races the body against the
 * connection's close, so the caller gets CONNECTION_CLOSED as usual (and if nothing has settled a
 * second later, the call rejects with the body's error). The pending promise holds nothing open:
 * a process exits with it unsettled.
 */
function settleUnlessConnectionLost(outcome: unknown, onLost: (err: unknown) => void): Promise<unknown> {
  return Promise.resolve(outcome).catch((err: unknown) => {
    if (isConnectionLost(err)) {
      onLost(err);
      return new Promise(() => {});
    }
    throw err;
  });
}

// ---------------------------------------------------------------------------------------------
// Embedded PGlite

async function openPglite(dataDir: string | undefined, migrate: boolean, log: (msg: string) => void): Promise<DatabaseHandle> {
  const describe = dataDir === undefined ? 'embedded PGlite (in memory)' : `embedded PGlite at ${dataDir}`;
  let lock: DirLock | undefined;
  if (dataDir !== undefined) {
    fs.mkdirSync(dataDir, { recursive: true });
    lock = await acquireLock(path.resolve(dataDir), log);
  }

  let client: PGlite | undefined;
  try {
    client = dataDir === undefined ? await PGlite.create() : await PGlite.create(dataDir);
    const driverDb = drizzlePglite(client, { schema });
    if (migrate) await migratePglite(driverDb, { migrationsFolder });
    log(`Using ${describe}`);
    log('PGlite has one database role, which owns every table: separating the audit trail\'s owner needs PostgreSQL and DATABASE_OWNER_URL');

    const opened = client;
    let closing: Promise<void> | undefined;
    return {
      db: driverDb as unknown as Database,
      driver: 'pglite',
      describe,
      close: () =>
        (closing ??= (async () => {
          try {
            await opened.close();
          } finally {
            lock?.release();
          }
        })()),
    };
  } catch (err) {
    await client?.close().catch(() => {});
    lock?.release();
    if (migrate && client) throw new Error(`Applying migrations to ${describe} failed: ${errorText(err)}`, { cause: err });
    throw err;
  }
}

function errorText(err: unknown): string {
  // drizzle's wrapper message is "Failed query: <sql>"; the server's reason is in the cause.
  const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
  return err instanceof Error ? `${err.message}${cause}` : String(err);
}
