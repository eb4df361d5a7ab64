/**
 * Opens the register database: PostgreSQL through postgres.js when a URL is given, otherwise
 * embedded PGlite in a data directory. Both are returned as the same drizzle `Database` type so
 * that query code cannot depend on which one it got, and both apply the repo's `migrations/`.
 *
 * Embedded mode is single-process: two PGlite instances on one directory open without error and
 * silently diverge (see docs/stack-notes §5), so a pid lock file guards the directory.
 */
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { MIGRATIONS_DIR } from '../paths.js';
import type { Database } from './database.js';
import * as schema from './schema.js';

/** The repo's top-level `migrations/`. */
export const migrationsFolder = MIGRATIONS_DIR;

/** Name of the lock file inside an embedded data directory. */
export const LOCK_FILE_NAME = 'closedloop.lock';

export interface OpenDatabaseOptions {
  /** PostgreSQL connection URL. When set, PostgreSQL is used and `dataDir` is ignored. */
  url?: string;
  /** Embedded PGlite data directory (created if missing). Required unless `inMemory`. */
  dataDir?: string;
  /** Embedded PGlite with nothing on disk and no lock (tests, one-off tools). */
  inMemory?: boolean;
  /** Apply pending migrations before returning. Default true. */
  migrate?: boolean;
  /** Operational messages (stale lock taken over, …). Default: discarded. */
  log?: (msg: string) => void;
}

export interface DatabaseHandle {
  db: Database;
  driver: 'pglite' | 'postgres';
  /** Where the data lives, for logs and status output. Never contains a password. */
  describe: string;
  /** Closes the connection(s) and releases the embedded lock. Safe to call more than once. */
  close(): Promise<void>;
}

/** Another live process holds the embedded data directory. */
export class DatabaseLockedError extends Error {
  override readonly name = 'DatabaseLockedError';
  constructor(
    readonly dataDir: string,
    readonly lockPath: string,
    readonly pid: number,
  ) {
    const holder = pid === process.pid ? `this process (pid ${pid}) already has it open` : `process ${pid} is using it`;
    super(
      `The embedded database at ${dataDir} is locked: ${holder} (lock file ${lockPath}). ` +
        'The embedded database (PGlite) supports only one process at a time. ' +
        'Stop the other closedloop process, or set DATABASE_URL to a PostgreSQL database to run several processes. ' +
        `If no such process exists (its pid was reused after a crash), delete ${lockPath} and retry.`,
    );
  }
}

/** PostgreSQL could not be reached or refused us. The message never contains the password. */
export class DatabaseConnectionError extends Error {
  override readonly name = 'DatabaseConnectionError';
}

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
  if (options.url) return openPostgres(options.url, migrate, log);
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

async function openPostgres(url: string, migrate: boolean, log: (msg: string) => void): Promise<DatabaseHandle> {
  let client: postgres.Sql;
  try {
    client = postgres(url, { max: 10, onnotice: () => {}, connect_timeout: 10 });
  } catch {
    // No `cause`: postgres.js puts the whole URL, password included, in its parse error.
    throw new DatabaseConnectionError(
      'DATABASE_URL is not a valid PostgreSQL URL (expected postgres://user:password@host:port/database). ' +
        'Fix it, or unset it to use the embedded database.',
    );
  }
  const { host, port, database } = client.options;
  const where = `${host.join(',')}:${port.join(',')}/${database}`;
  const describe = `PostgreSQL at ${where}`;

  // postgres.js connects lazily; probe now so a bad URL fails here with a clear message rather
  // than inside the first query or the migrator.
  try {
    await client`select 1`;
  } catch (err) {
    await client.end({ timeout: 1 }).catch(() => {});
    const reason = err instanceof Error ? err.message : String(err);
    throw new DatabaseConnectionError(
      `Cannot connect to PostgreSQL at ${where}: ${reason}. ` +
        'Check DATABASE_URL (host, port, database, user and password), or unset it to use the embedded database.',
      { cause: err },
    );
  }

  // Each driver's db is cast via unknown: query code is typed against the common PgDatabase base.
  const driverDb = drizzlePostgres(preparing(client), { schema });
  if (migrate) {
    try {
      const reserved = await client.reserve();
      try {
        await reserved.unsafe(`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`);
        await migratePostgres(driverDb, { migrationsFolder });
      } finally {
        await reserved.unsafe(`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`).catch(() => {});
        reserved.release();
      }
    } catch (err) {
      await client.end({ timeout: 1 }).catch(() => {});
      throw new Error(`Applying migrations to ${describe} failed: ${errorText(err)}`, { cause: err });
    }
  }
  log(`Using ${describe}`);

  let closing: Promise<void> | undefined;
  return {
    db: driverDb as unknown as Database,
    driver: 'postgres',
    describe,
    close: () => (closing ??= client.end({ timeout: 5 })),
  };
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
function preparing(sql: postgres.Sql): postgres.Sql {
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
          return open.call(target, ...args, (tx: postgres.Sql) => body(preparing(tx)));
        };
      }
      return Reflect.get(target, property, receiver) as unknown;
    },
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

interface DirLock {
  /** Removes the lock file if it is still ours. Idempotent and synchronous (used on 'exit'). */
  release(): void;
}

/**
 * Takes `<dir>/closedloop.lock` with O_EXCL, so of two processes racing for it exactly one wins.
 * A lock whose pid is no longer running (a crash, kill -9) is stale and is taken over.
 */
async function acquireLock(dir: string, log: (msg: string) => void): Promise<DirLock> {
  const lockPath = path.join(dir, LOCK_FILE_NAME);
  const content = `${process.pid}\n`;

  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const fd = fs.openSync(lockPath, 'wx');
      try {
        fs.writeSync(fd, content);
      } catch (err) {
        fs.closeSync(fd);
        fs.rmSync(lockPath, { force: true });
        throw err;
      }
      fs.closeSync(fd);
      return ownLock(lockPath, content);
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') throw err;
    }

    const holder = await readLockPid(lockPath);
    if (holder === 'gone') continue; // released between our open and our read: try again
    if (holder !== undefined && isAlive(holder)) throw new DatabaseLockedError(dir, lockPath, holder);

    log(
      holder === undefined
        ? `Removing unreadable lock file ${lockPath}`
        : `Removing stale lock ${lockPath}: process ${holder} is no longer running`,
    );
    removeStaleLock(lockPath, holder);
  }
  throw new Error(`Could not take the lock ${lockPath}: it kept changing (several processes starting at once?)`);
}

function ownLock(lockPath: string, content: string): DirLock {
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.off('exit', release);
    try {
      // Only remove it if it is still ours: never delete a lock another process has since taken.
      if (fs.readFileSync(lockPath, 'utf8') === content) fs.rmSync(lockPath, { force: true });
    } catch {
      // Already gone, or the directory was removed: nothing to release.
    }
  };
  // Best effort for a process that exits without close(). Signals and crashes skip 'exit'; the
  // stale-pid check covers those.
  process.on('exit', release);
  return { release };
}

/** The pid in the lock file, undefined if unreadable/garbage, 'gone' if the file vanished. */
async function readLockPid(lockPath: string): Promise<number | 'gone' | undefined> {
  // A holder writes its pid just after creating the file; an empty file may be one mid-creation,
  // so give it a moment before calling it garbage.
  for (let i = 0; i < 10; i++) {
    let text: string;
    try {
      text = fs.readFileSync(lockPath, 'utf8').trim();
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return 'gone';
      throw err;
    }
    if (/^\d+$/.test(text)) {
      const pid = Number(text);
      // pid 0 or negative would mean "process group" to process.kill: never treat as a real pid.
      return pid > 0 && Number.isSafeInteger(pid) ? pid : undefined;
    }
    if (text !== '') return undefined;
    await sleep(50);
  }
  return undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0); // signal 0: existence check only
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to another user, so it is alive.
    return errnoCode(err) === 'EPERM';
  }
}

/**
 * Removes a stale lock without clobbering a fresh one: two processes can both find the same
 * stale lock; if the other has already replaced it by the time we act, unlinking by path would
 * delete its live lock. So we move the file aside, check that what we moved is the stale one,
 * and put it back otherwise.
 */
function removeStaleLock(lockPath: string, stalePid: number | undefined): void {
  const aside = `${lockPath}.stale-${process.pid}-${Date.now()}`;
  try {
    fs.renameSync(lockPath, aside);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return;
    throw err;
  }
  let moved: string | undefined;
  try {
    moved = fs.readFileSync(aside, 'utf8').trim();
  } catch {
    moved = undefined;
  }
  const wasStale = stalePid === undefined ? !/^\d+$/.test(moved ?? '') : moved === String(stalePid);
  if (!wasStale) {
    try {
      fs.linkSync(aside, lockPath); // EEXIST if yet another process took it meanwhile: fine
    } catch {
      /* see above */
    }
  }
  fs.rmSync(aside, { force: true });
}

function errnoCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string'
    ? (err as { code: string }).code
    : undefined;
}

function errorText(err: unknown): string {
  // drizzle's wrapper message is "Failed query: <sql>"; the server's reason is in the cause.
  const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
  return err instanceof Error ? `${err.message}${cause}` : String(err);
}
