/**
 * Vitest globalSetup (runs once per `vitest run`, in the main process, before any worker).
 *
 * 1. Builds a migrated PGlite data directory once and saves it as a tarball. Each test file then
 *    loads it (`PGlite.create({ loadDataDir })`, ~0.5–1 s) instead of running initdb + migrations
 *    (3–5 s on two cores). The template is rebuilt only when a migration (or PGlite itself) is
 *    newer than it.
 * 2. If TEST_DATABASE_URL is set, checks now that it connects and may create databases, so a
 *    wrong URL fails the run once, clearly, instead of in every file's beforeAll.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import postgres from 'postgres';
import { migrationsFolder } from '../../src/db/client.js';
import * as schema from '../../src/db/schema.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
/** Gitignored. Shared by all workers of a run and reused across runs while still fresh. */
export const TEMPLATE_DIR = path.join(repoRoot, '.test-template');
export const TEMPLATE_PATH = path.join(TEMPLATE_DIR, 'pglite-template.tar');

export default async function setup(): Promise<void> {
  await ensurePgliteTemplate();
  const url = process.env.TEST_DATABASE_URL;
  if (url) await checkTestDatabaseUrl(url);
}

async function ensurePgliteTemplate(): Promise<void> {
  const inputs = [...filesUnder(migrationsFolder), pgliteManifest()];
  const templateMtime = mtimeMs(TEMPLATE_PATH);
  if (templateMtime !== undefined && inputs.every((file) => (mtimeMs(file) ?? Infinity) < templateMtime)) return;

  const started = Date.now();
  fs.mkdirSync(TEMPLATE_DIR, { recursive: true });
  const pg = await PGlite.create();
  try {
    await migrate(drizzle(pg, { schema }), { migrationsFolder });
    const dump = await pg.dumpDataDir('none');
    // Write then rename: another vitest run in the same tree may be reading the template right
    // now, and rename is atomic, so it sees either the old file or the new one, never half.
    const tmp = `${TEMPLATE_PATH}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, Buffer.from(await dump.arrayBuffer()));
    fs.renameSync(tmp, TEMPLATE_PATH);
  } finally {
    await pg.close();
  }
  console.log(`[global-setup] built PGlite template ${path.relative(repoRoot, TEMPLATE_PATH)} in ${Date.now() - started} ms`);
}

async function checkTestDatabaseUrl(url: string): Promise<void> {
  let sql: postgres.Sql;
  try {
    sql = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  } catch {
    // Not echoing the URL: postgres.js's parse error contains it, password included.
    throw new Error('TEST_DATABASE_URL is not a valid PostgreSQL URL (postgres://user:password@host:port/database)');
  }
  const { host, port, database, user } = sql.options;
  const where = `${user}@${host.join(',')}:${port.join(',')}/${database}`;
  try {
    const [role] = await sql<{ rolcreatedb: boolean; rolsuper: boolean }[]>`
      select rolcreatedb, rolsuper from pg_roles where rolname = current_user`;
    if (!role?.rolcreatedb && !role?.rolsuper) {
      throw new Error(`role ${user} lacks CREATEDB, which the harness needs for a database per test file`);
    }
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(
      `TEST_DATABASE_URL (${where}) is not usable: ${reason}. ` +
        'Start PostgreSQL and create the role/database (see .ci/run), or unset TEST_DATABASE_URL to test on PGlite only.',
    );
  } finally {
    await sql.end({ timeout: 1 });
  }
}

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name));
}

/** A PGlite upgrade may change the data-directory format, so it also invalidates the template. */
function pgliteManifest(): string {
  return path.join(repoRoot, 'node_modules', '@electric-sql', 'pglite', 'package.json');
}

function mtimeMs(file: string): number | undefined {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}
