/**
 * PostgreSQL connections and the two database roles.
 *
 * With `DATABASE_OWNER_URL` set, migrations run as the owner role, which then grants the service's
 * role (`DATABASE_URL`) what the service needs and no more: SELECT, INSERT, UPDATE and DELETE on
 * the workflow and register tables, SELECT and UPDATE on the chain head, and only SELECT and
 * INSERT on `audit_events`. Owning no table, the service role cannot disable the audit trail's
 * triggers, update, delete or truncate events, or drop and replace the table, whatever the
 * application does. The grants are made in code after every migration, so a fresh database (and
 * every table a later migration adds) is set up right.
 *
 * Without it, one role migrates and serves, as before, and start-up warns that the service's
 * role owns the tables.
 */
import { readMigrationFiles } from 'drizzle-orm/migrator';
import postgres from 'postgres';
import { MIGRATIONS_DIR } from '../paths.js';
import { pgErrorCode } from './errors.js';

/** PostgreSQL could not be reached, refused us, or is set up in a way we will not run on. Never contains a password. */
export class DatabaseConnectionError extends Error {
  override readonly name = 'DatabaseConnectionError';
}

export type UrlVariable = 'DATABASE_URL' | 'DATABASE_OWNER_URL';

/** Connects and probes, so a bad URL fails here with a message naming the variable. */
export async function connectPostgres(url: string, variable: UrlVariable, max: number): Promise<{ sql: postgres.Sql; where: string }> {
  let sql: postgres.Sql;
  try {
    sql = postgres(url, { max, onnotice: () => {}, connect_timeout: 10 });
  } catch {
    // No `cause`: postgres.js puts the whole URL, password included, in its parse error.
    throw new DatabaseConnectionError(
      `${variable} is not a valid PostgreSQL URL (expected postgres://user:password@host:port/database). ` +
        (variable === 'DATABASE_URL' ? 'Fix it, or unset it to use the embedded database.' : 'Fix it, or unset it to run with one role.'),
    );
  }
  const { host, port, database } = sql.options;
  const where = `${host.join(',')}:${port.join(',')}/${database}`;
  // postgres.js connects lazily; probe now rather than fail inside the first query or the migrator.
  try {
    await sql`select 1`;
  } catch (err) {
    await sql.end({ timeout: 1 }).catch(() => {});
    const reason = err instanceof Error ? err.message : String(err);
    throw new DatabaseConnectionError(
      `Cannot connect to PostgreSQL at ${where}: ${reason}. ` +
        `Check ${variable} (host, port, database, user and password)` +
        (variable === 'DATABASE_URL' ? ', or unset it to use the embedded database.' : '.'),
      { cause: err },
    );
  }
  return { sql, where };
}

export interface RoleOptions {
  /** The service's connection (DATABASE_URL). */
  service: postgres.Sql;
  ownerUrl?: string;
  migrate: boolean;
  /** Applies pending migrations through `sql`, serialised between processes. */
  applyMigrations(sql: postgres.Sql): Promise<void>;
  log(msg: string): void;
  warn(msg: string): void;
}

interface RoleFacts {
  role: string;
  database: string;
  superuser: boolean;
  /** audit_events exists: migrations have run at least once. */
  migrated: boolean;
  /** The role owns (or is a member of a role that owns) a table, or the schema, of closedloop's. */
  owns: boolean;
}

async function roleFacts(sql: postgres.Sql): Promise<RoleFacts> {
  const [row] = await sql<{ role: string; database: string; superuser: boolean; migrated: boolean; owns: boolean }[]>`
    SELECT current_user::text AS role, current_database()::text AS database,
      coalesce((SELECT rolsuper FROM pg_roles WHERE rolname = current_user), false) AS superuser,
      to_regclass('public.audit_events') IS NOT NULL AS migrated,
      EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE n.nspname IN ('public', 'drizzle') AND pg_has_role(current_user, c.relowner, 'MEMBER'))
      OR EXISTS (SELECT 1 FROM pg_namespace n
              WHERE n.nspname IN ('public', 'drizzle') AND pg_has_role(current_user, n.nspowner, 'MEMBER')) AS owns`;
  if (!row) throw new Error('could not read the database role');
  return row;
}

/** What the service role may do, granted by the owner after every migration. Idempotent. */
export async function grantServiceRole(owner: postgres.Sql, role: string): Promise<void> {
  await owner.begin(async (tx) => {
    const to = tx(role);
    await tx`GRANT USAGE ON SCHEMA public TO ${to}`;
    await tx`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${to}`;
    await tx`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${to}`;
    // The trail: read and append, nothing else. The head row is advanced by every append.
    await tx`REVOKE ALL ON audit_events FROM ${to}`;
    await tx`GRANT SELECT, INSERT ON audit_events TO ${to}`;
    await tx`REVOKE ALL ON audit_chain_head FROM ${to}`;
    await tx`GRANT SELECT, UPDATE ON audit_chain_head TO ${to}`;
    // So a process started without the owner URL can tell whether migrations are pending.
    await tx`GRANT USAGE ON SCHEMA drizzle TO ${to}`;
    await tx`GRANT SELECT ON drizzle.__drizzle_migrations TO ${to}`;
  });
}

/** Whether the database lacks a migration in migrations/ (read as the service, without the owner). */
async function migrationsPending(sql: postgres.Sql): Promise<boolean> {
  const files = readMigrationFiles({ migrationsFolder: MIGRATIONS_DIR });
  const newest = Math.max(...files.map((m) => m.folderMillis));
  const [row] = await sql<{ last: string | null }[]>`SELECT max(created_at)::text AS last FROM drizzle.__drizzle_migrations`;
  return row?.last == null || Number(row.last) < newest;
}

export const SINGLE_ROLE_WARNING = (role: string) =>
  `The service's database role "${role}" owns the tables, so anyone with its credentials can disable the audit trail's ` +
  'triggers and rewrite it. Set DATABASE_OWNER_URL to an owner role and give DATABASE_URL a role of its own (README, Database roles).';

/** Migrates (as the owner when there is one), grants, and checks the service role; see the module comment. */
export async function setUpRoles(o: RoleOptions): Promise<void> {
  if (o.ownerUrl) return setUpTwoRoles(o, o.ownerUrl);
  let facts = await roleFacts(o.service);
  if (o.migrate) {
    if (!facts.migrated || facts.owns || facts.superuser) {
      try {
        await o.applyMigrations(o.service);
      } catch (err) {
        if (pgErrorCode(err) !== '42501') throw err;
        throw new DatabaseConnectionError(
          `DATABASE_URL's role "${facts.role}" may not create closedloop's tables in database "${facts.database}". ` +
            'Set DATABASE_OWNER_URL to the role that owns the database, so migrations run as it (README, Database roles).',
          { cause: err },
        );
      }
    } else {
      // A second process of a two-role install, started without the owner URL (the console, a
      // report): it cannot migrate, and needs nothing migrated if the database is current.
      let pending: boolean;
      try {
        pending = await migrationsPending(o.service);
      } catch {
        pending = true;
      }
      if (pending) {
        throw new DatabaseConnectionError(
          `The database needs migrating, and DATABASE_URL's role "${facts.role}" does not own its tables. ` +
            'Run "closedloop migrate" (or start the service) with DATABASE_OWNER_URL set to the owner role.',
        );
      }
    }
    facts = await roleFacts(o.service);
  }
  if (facts.owns || facts.superuser) o.warn(SINGLE_ROLE_WARNING(facts.role));
}

async function setUpTwoRoles(o: RoleOptions, ownerUrl: string): Promise<void> {
  const { sql: owner } = await connectPostgres(ownerUrl, 'DATABASE_OWNER_URL', 2);
  let ownerRole: string;
  let service: RoleFacts;
  try {
    const ownerFacts = await roleFacts(owner);
    service = await roleFacts(o.service);
    ownerRole = ownerFacts.role;
    if (ownerFacts.database !== service.database) {
      throw new DatabaseConnectionError(
        `DATABASE_OWNER_URL connects to database "${ownerFacts.database}" and DATABASE_URL to "${service.database}": ` +
          'both must name the same database.',
      );
    }
    if (ownerRole === service.role) {
      throw new DatabaseConnectionError(
        `DATABASE_OWNER_URL and DATABASE_URL both connect as role "${ownerRole}". Give the service a role of its own ` +
          '(README, Database roles), or unset DATABASE_OWNER_URL to run with one role.',
      );
    }
    if (o.migrate) {
      await o.applyMigrations(owner);
      await grantServiceRole(owner, service.role);
    }
  } finally {
    await owner.end({ timeout: 5 }).catch(() => {});
  }
  service = await roleFacts(o.service);
  const problem = service.superuser ? 'is a superuser'
    : service.owns ? 'owns closedloop\'s tables or schema (or the database, or is a member of a role that does)' : null;
  if (problem) {
    throw new DatabaseConnectionError(
      `DATABASE_URL's role "${service.role}" ${problem}, so it could disable the audit trail's triggers or replace the table. ` +
        `Give the service a plain login role that owns nothing; to move what it owns, a superuser can run ` +
        `REASSIGN OWNED BY "${service.role}" TO "${ownerRole}" in this database. See README, Database roles.`,
    );
  }
  o.log(`Database roles: migrations run as "${ownerRole}"; the service runs as "${service.role}", which may only read and append to audit_events`);
}
