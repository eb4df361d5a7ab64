/**
 * The database layer on every engine (PGlite always, PostgreSQL when TEST_DATABASE_URL is set):
 * migrations, shared query code, the constraints the import relies on, and the embedded-mode
 * lock that keeps a second process off a PGlite data directory.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { count, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseLockedError, LOCK_FILE_NAME, migrationsFolder, openDatabase, rowsOf, type DatabaseHandle } from '../../src/db/client.js';
import type { Database } from '../../src/db/database.js';
import { pgErrorCode, pgErrorConstraint, pgErrorMessage } from '../../src/db/errors.js';
import { monitoringEvents, patients, prescriptions, teams } from '../../src/db/schema.js';
import { describeEachEngine } from '../support/databases.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const journal = JSON.parse(fs.readFileSync(path.join(migrationsFolder, 'meta', '_journal.json'), 'utf8')) as {
  entries: { tag: string }[];
};

async function addPatient(db: Database, ref: string): Promise<string> {
  const [team] = await db.insert(teams).values({ name: `team-${ref}` }).returning({ id: teams.id });
  const [patient] = await db
    .insert(patients)
    .values({ patientRef: ref, displayLabel: `Patient ${ref}`, teamId: team!.id, gpPractice: 'Y00001' })
    .returning({ id: patients.id });
  return patient!.id;
}

/** The rejection of `promise`, failing the test if it resolves. */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the statement to be rejected');
}

describeEachEngine('register database', (getDb) => {
  it('has every migration applied', async () => {
    const tables = rowsOf<{ table_name: string }>(
      await getDb().execute(sql`select table_name from information_schema.tables where table_schema = 'public'`),
    ).map((r) => r.table_name);
    expect(tables).toEqual(expect.arrayContaining([
      'teams', 'patients', 'prescriptions', 'responsibilities', 'monitoring_events', 'waivers', 'rule_set_versions',
    ]));
    const [applied] = rowsOf<{ n: number | string }>(
      await getDb().execute(sql`select count(*)::int as n from drizzle.__drizzle_migrations`),
    );
    expect(Number(applied?.n)).toBe(journal.entries.length);
  });

  it('runs the same drizzle insert/select code', async () => {
    const db = getDb();
    const patientId = await addPatient(db, 'P-SHARED');
    await db.insert(prescriptions).values({ patientId, drug: 'lithium', startDate: '2026-01-05' });
    const rows = await db
      .select({ ref: patients.patientRef, drug: prescriptions.drug, start: prescriptions.startDate, zone: teams.timeZone })
      .from(prescriptions)
      .innerJoin(patients, eq(prescriptions.patientId, patients.id))
      .innerJoin(teams, eq(patients.teamId, teams.id))
      .where(eq(patients.patientRef, 'P-SHARED'));
    // date columns come back as 'YYYY-MM-DD' strings and defaults apply, on both drivers.
    expect(rows).toEqual([{ ref: 'P-SHARED', drug: 'lithium', start: '2026-01-05', zone: 'Europe/London' }]);
  });

  it('collapses identical monitoring events, nulls included (NULLS NOT DISTINCT)', async () => {
    const db = getDb();
    const patientId = await addPatient(db, 'P-DEDUP');
    const result = { patientId, test: 'lithium', requirement: 'lithium', outcome: 'result', value: 0.62, unit: 'mmol/L', takenOn: '2026-03-01', source: 'import-a' } as const;
    const done = { patientId, test: 'ecg', requirement: 'ecg', outcome: 'done', value: null, unit: null, takenOn: '2026-03-01', source: 'import-a' } as const;

    for (const event of [result, done]) {
      const first = await db.insert(monitoringEvents).values(event).onConflictDoNothing().returning({ id: monitoringEvents.id });
      expect(first).toHaveLength(1);
      // A different source does not make it a different event: the natural key excludes it.
      const again = await db.insert(monitoringEvents).values({ ...event, source: 'import-b' }).onConflictDoNothing().returning({ id: monitoringEvents.id });
      expect(again).toEqual([]);
    }
    const [stored] = await db.select({ n: count() }).from(monitoringEvents).where(eq(monitoringEvents.patientId, patientId));
    expect(stored?.n).toBe(2);

    // A different value is a different event.
    const other = await db.insert(monitoringEvents).values({ ...result, value: 0.7 }).onConflictDoNothing().returning();
    expect(other).toHaveLength(1);
  });

  it('rejects a result without a value, and a value without a result (check constraint)', async () => {
    const db = getDb();
    const patientId = await addPatient(db, 'P-CHECK');
    const base = { patientId, test: 'lithium', requirement: 'lithium', takenOn: '2026-03-02', source: 'manual' };

    const err = await rejectionOf(db.insert(monitoringEvents).values({ ...base, outcome: 'result', value: null }));
    expect(pgErrorCode(err)).toBe('23514');
    expect(pgErrorConstraint(err)).toBe('monitoring_events_value_ck');
    expect(pgErrorMessage(err)).toContain('monitoring_events_value_ck');
    // drizzle's own message is the "Failed query" wrapper, which is why the helpers exist.
    expect((err as Error).message).toMatch(/^Failed query/);

    const err2 = await rejectionOf(db.insert(monitoringEvents).values({ ...base, outcome: 'dna', value: 1 }));
    expect(pgErrorCode(err2)).toBe('23514');
    const left = await db.select().from(monitoringEvents).where(eq(monitoringEvents.patientId, patientId));
    expect(left).toEqual([]);
  });

  it('reports a unique violation as 23505', async () => {
    const db = getDb();
    await db.insert(teams).values({ name: 'team-dup' });
    const err = await rejectionOf(db.insert(teams).values({ name: 'team-dup' }));
    expect(pgErrorCode(err)).toBe('23505');
    expect(pgErrorConstraint(err)).toBe('teams_name_unique');
  });
});

describe('pgErrorCode', () => {
  it('ignores errors that are not from PostgreSQL', () => {
    expect(pgErrorCode(Object.assign(new Error('x'), { code: 'EPERM' }))).toBeUndefined();
    expect(pgErrorCode('23505')).toBeUndefined();
    const loop: { cause?: unknown } = {};
    loop.cause = loop;
    expect(pgErrorCode(loop)).toBeUndefined();
  });
});

interface ChildOutput {
  ok: boolean;
  name?: string;
  message?: string;
}

/** Runs test/support/open-database-child.ts in a separate Node process and parses its output. */
function openInChild(dataDir: string, mode: 'close' | 'exit' = 'close'): Promise<ChildOutput> {
  const script = path.join(repoRoot, 'test/support/open-database-child.ts');
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', script, dataDir, mode], { cwd: repoRoot, timeout: 60_000 }, (err, stdout, stderr) => {
      const line = stdout.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(line) as ChildOutput);
      } catch {
        reject(new Error(`child printed no result (${err?.message ?? 'exit 0'}): ${stdout}${stderr}`));
      }
    });
  });
}

// These tests run in order on one data directory: initdb happens once (3-5 s), later tests reopen it.
describe('openDatabase: embedded PGlite lock', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'closedloop-client-'));
  const dataDir = path.join(tmp, 'data'); // does not exist yet: openDatabase creates it
  const lockPath = path.join(dataDir, LOCK_FILE_NAME);
  let handle: DatabaseHandle | undefined;

  beforeAll(async () => {
    handle = await openDatabase({ dataDir });
  });
  afterAll(async () => {
    await handle?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('creates the directory, migrates it and holds a lock file with our pid', async () => {
    expect(handle?.driver).toBe('pglite');
    expect(handle?.describe).toBe(`embedded PGlite at ${dataDir}`);
    expect(fs.readFileSync(lockPath, 'utf8').trim()).toBe(String(process.pid));
    await handle!.db.insert(teams).values({ name: 'persisted' });
  });

  it('refuses a second process on the same directory with DatabaseLockedError', async () => {
    const out = await openInChild(dataDir);
    expect(out.ok).toBe(false);
    expect(out.name).toBe('DatabaseLockedError');
    expect(out.message).toContain(path.resolve(dataDir));
    expect(out.message).toContain(`process ${process.pid}`);
    expect(out.message).toContain('DATABASE_URL');
    // The failed attempt must not have disturbed our lock.
    expect(fs.readFileSync(lockPath, 'utf8').trim()).toBe(String(process.pid));
  });

  it('refuses a second open in the same process too', async () => {
    const err = await rejectionOf(openDatabase({ dataDir }));
    expect(err).toBeInstanceOf(DatabaseLockedError);
    expect((err as DatabaseLockedError).pid).toBe(process.pid);
  });

  it('removes the lock on close()', async () => {
    await handle!.close();
    handle = undefined;
    expect(fs.existsSync(lockPath)).toBe(false);
  });

  it('takes over a stale lock and reopens the existing directory, data intact and migrations not re-applied', async () => {
    fs.writeFileSync(lockPath, '2147483646\n'); // no such pid
    const logged: string[] = [];
    handle = await openDatabase({ dataDir, log: (m) => logged.push(m) });

    expect(logged.some((m) => m.includes('stale') && m.includes('2147483646'))).toBe(true);
    expect(fs.readFileSync(lockPath, 'utf8').trim()).toBe(String(process.pid));
    const rows = await handle.db.select({ name: teams.name }).from(teams);
    expect(rows).toEqual([{ name: 'persisted' }]);
    const [applied] = rowsOf<{ n: number }>(await handle.db.execute(sql`select count(*)::int as n from drizzle.__drizzle_migrations`));
    expect(applied?.n).toBe(journal.entries.length); // not re-applied
    await handle.close();
    handle = undefined;
  });

  it('is released when the holding process exits without close()', async () => {
    const out = await openInChild(dataDir, 'exit');
    expect(out).toMatchObject({ ok: true });
    expect(fs.existsSync(lockPath)).toBe(false);
  });
});

describe('openDatabase: configuration errors', () => {
  it('needs a url, a dataDir or inMemory', async () => {
    await expect(openDatabase({})).rejects.toThrow(/dataDir/);
  });

  it('names host, port and database of an unreachable PostgreSQL, never the password', async () => {
    const err = await rejectionOf(openDatabase({ url: 'postgres://someone:s3cret-pw@127.0.0.1:1/nowhere' }));
    const message = (err as Error).message;
    expect(message).toContain('127.0.0.1:1/nowhere');
    expect(message).toContain('DATABASE_URL');
    expect(message).not.toContain('s3cret-pw');
  });

  it('does not echo an unparseable URL (it may hold a password)', async () => {
    const err = await rejectionOf(openDatabase({ url: 'postgres://someone:s3cret-pw@[broken/x' }));
    expect((err as Error).message).toContain('DATABASE_URL');
    expect(JSON.stringify(err, Object.getOwnPropertyNames(err))).not.toContain('s3cret-pw');
  });

  it.skipIf(!process.env.TEST_DATABASE_URL)('describes PostgreSQL without the password', async () => {
    const url = new URL(process.env.TEST_DATABASE_URL!);
    const opened = await openDatabase({ url: url.toString(), migrate: false });
    try {
      expect(opened.driver).toBe('postgres');
      // Exactly host:port/db: no user, no password (CI's password equals the role name, so
      // a not.toContain(password) check would be meaningless there).
      expect(opened.describe).toBe(`PostgreSQL at ${url.hostname}:${url.port || 5432}${url.pathname}`);
    } finally {
      await opened.close();
    }
  });
});
