/**
 * Test databases: one fresh, migrated database per engine per test file.
 *
 * - pglite: always. Loaded from the template tarball that global-setup.ts builds (already
 *   migrated), in memory, ~0.5–1 s instead of 3–5 s for initdb + migrate.
 * - postgres: only when TEST_DATABASE_URL is set (CI sets it; see .ci/run). Each file gets its
 *   own `CREATE DATABASE t_<hex>`, migrated through openDatabase() exactly as production does,
 *   and dropped WITH (FORCE) on close. The URL's role needs CREATEDB.
 *
 * Usage, in a test file:
 *
 *   describeEachEngine('repository', (getDb, engine) => {
 *     it('stores a team', async () => {
 *       const [team] = await getDb().insert(teams).values({ name: `t-${engine}` }).returning();
 *       expect(team?.name).toBe(`t-${engine}`);
 *     });
 *   });
 *
 * Tests inside one file share that file's database (a database per test would cost a second
 * each on PGlite), so use keys unique to the test (or clean up) rather than assuming emptiness.
 * Files never share a database, so vitest may run files in parallel.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import postgres from 'postgres';
import { afterAll, beforeAll, describe } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../src/db/client.js';
import type { Database } from '../../src/db/database.js';
import * as schema from '../../src/db/schema.js';
import { TEMPLATE_PATH } from './global-setup.js';

export type EngineName = 'pglite' | 'postgres';

/** Engines this run tests on: PGlite always, PostgreSQL when TEST_DATABASE_URL is set. */
export const engines: EngineName[] = process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];

export interface TestDatabase {
  db: Database;
  engine: EngineName;
  /** PostgreSQL only: URL of this file's private database (password included; do not log it). */
  url?: string;
  /** PGlite only: the client itself, so a test can close it under the code (a lost connection). */
  pglite?: PGlite;
  /** Closes the connection; on PostgreSQL also drops the database. Safe to call twice. */
  close(): Promise<void>;
}

export async function createTestDatabase(engine: EngineName): Promise<TestDatabase> {
  return engine === 'pglite' ? createPgliteDatabase() : createPostgresDatabase();
}

async function createPgliteDatabase(): Promise<TestDatabase> {
  let tarball: Buffer;
  try {
    tarball = fs.readFileSync(TEMPLATE_PATH);
  } catch {
    throw new Error(
      `PGlite template ${TEMPLATE_PATH} is missing: it is built by test/support/global-setup.ts. ` +
        'Run tests through the repo vitest.config.ts (npx vitest run …), which registers that globalSetup.',
    );
  }
  const pg = await PGlite.create({ loadDataDir: new Blob([tarball]) });
  const db = drizzle(pg, { schema }) as unknown as Database; // same cast as src/db/client.ts
  let closing: Promise<void> | undefined;
  return { db, engine: 'pglite', pglite: pg, close: () => (closing ??= pg.closed ? Promise.resolve() : pg.close()) };
}

/** A new, empty database on TEST_DATABASE_URL's server, and its URL as that role. */
async function createEmptyPostgresDatabase(what: string): Promise<{ adminUrl: string; name: string; url: URL }> {
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) throw new Error(`${what} needs TEST_DATABASE_URL`);
  // Lower-case hex only, so the name needs no quoting rules beyond the quotes we add anyway.
  const name = `t_${crypto.randomBytes(6).toString('hex')}`;
  await withAdmin(adminUrl, (sql) => sql.unsafe(`CREATE DATABASE "${name}"`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { adminUrl, name, url };
}

async function createPostgresDatabase(): Promise<TestDatabase> {
  const { adminUrl, name, url } = await createEmptyPostgresDatabase('engine "postgres"');
  let handle: DatabaseHandle;
  try {
    handle = await openDatabase({ url: url.toString() }); // migrates, like production startup
  } catch (err) {
    await dropDatabase(adminUrl, name).catch(() => {});
    throw err;
  }
  const opened = handle;
  let closing: Promise<void> | undefined;
  return {
    db: opened.db,
    engine: 'postgres',
    url: url.toString(),
    close: () =>
      (closing ??= (async () => {
        try {
          await opened.close();
        } finally {
          await dropDatabase(adminUrl, name);
        }
      })()),
  };
}

/** The login role `.ci/run` creates for the service (password = name), unless TEST_SERVICE_ROLE names another. */
export const TEST_SERVICE_ROLE = process.env.TEST_SERVICE_ROLE ?? 'closedloop_app';

export interface TwoRoleDatabase extends TestDatabase {
  /** The service's URL (TEST_SERVICE_ROLE); `db` is connected with it. */
  url: string;
  /** The owner's URL (TEST_DATABASE_URL's role, which created the database and owns its tables). */
  ownerUrl: string;
}

/**
 * PostgreSQL only: a fresh database set up as production does with two roles. It is created by
 * TEST_DATABASE_URL's role, which then migrates and grants as the owner; `db` is the service's
 * connection, as TEST_SERVICE_ROLE.
 */
export async function createTwoRoleDatabase(): Promise<TwoRoleDatabase> {
  const { adminUrl, name, url: owner } = await createEmptyPostgresDatabase('a two-role database');
  const service = new URL(owner);
  service.username = TEST_SERVICE_ROLE;
  service.password = TEST_SERVICE_ROLE;
  let handle: DatabaseHandle;
  try {
    handle = await openDatabase({ url: service.toString(), ownerUrl: owner.toString() });
  } catch (err) {
    await dropDatabase(adminUrl, name).catch(() => {});
    throw new Error(
      `Could not open a two-role test database as "${TEST_SERVICE_ROLE}": ${(err as Error).message}\n` +
        `The service role must exist: as a superuser, CREATE ROLE ${TEST_SERVICE_ROLE} LOGIN PASSWORD '${TEST_SERVICE_ROLE}' (.ci/run does).`,
      { cause: err },
    );
  }
  const opened = handle;
  let closing: Promise<void> | undefined;
  return {
    db: opened.db, engine: 'postgres', url: service.toString(), ownerUrl: owner.toString(),
    close: () =>
      (closing ??= (async () => {
        try {
          await opened.close();
        } finally {
          await dropDatabase(adminUrl, name);
        }
      })()),
  };
}

async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  // FORCE (PG13+) ends sessions still connected, e.g. a test that leaked a connection.
  await withAdmin(adminUrl, (sql) => sql.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

async function withAdmin<T>(adminUrl: string, fn: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    return await fn(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/**
 * `describe.each(engines)`: runs `fn`'s tests once per engine, each engine with its own fresh
 * database created in beforeAll and closed (dropped) in afterAll. `getDb()` may only be called
 * inside tests and hooks: at collection time the database does not exist yet.
 */
export function describeEachEngine(
  title: string,
  fn: (getDb: () => Database, engine: EngineName) => void,
): void {
  describe.each(engines)(`${title} [%s]`, (engine) => {
    let current: TestDatabase | undefined;
    beforeAll(async () => {
      current = await createTestDatabase(engine);
    });
    afterAll(async () => {
      await current?.close();
      current = undefined;
    });
    fn(() => {
      if (!current) throw new Error(`no ${engine} database yet: call getDb() inside a test or hook, not in describe()`);
      return current.db;
    }, engine);
  });
}
