/**
 * Migration 0014 on a database that already has results: patient_state kept two values per
 * analyte before it, and the migration rebuilds every patient with a result, so existing rows
 * get their third value at once (not at the patient's next result), and the patients gain sex
 * (not recorded) and no flags. The database is migrated to 0013 first, filled, then migrated to
 * the end, on each engine: the shared test databases come already migrated, so this file makes
 * its own (one per engine).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationsFolder, rowsOf } from '../../src/db/client.js';
import { engines, type EngineName } from '../support/databases.js';

const BEFORE = '0013_scheduler_jobs';
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'closedloop-upgrade-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** A copy of migrations/ that ends at `lastTag`: what a database released before 0014 had applied. */
function migrationsUpTo(lastTag: string): string {
  const dir = fs.mkdtempSync(path.join(scratch, 'migrations-'));
  fs.cpSync(migrationsFolder, dir, { recursive: true });
  const journalPath = path.join(dir, 'meta', '_journal.json');
  const journal = JSON.parse(fs.readFileSync(journalPath, 'utf8')) as { entries: { tag: string }[] };
  const last = journal.entries.findIndex((e) => e.tag === lastTag);
  expect(last).toBeGreaterThan(0);
  journal.entries = journal.entries.slice(0, last + 1);
  fs.writeFileSync(journalPath, JSON.stringify(journal));
  return dir;
}

interface Upgradable {
  execute(query: ReturnType<typeof sql>): Promise<unknown>;
  migrate(folder: string): Promise<void>;
  close(): Promise<void>;
}

async function openEmpty(engine: EngineName): Promise<Upgradable> {
  if (engine === 'pglite') {
    const pg = await PGlite.create();
    const db = drizzlePglite(pg);
    return { execute: (q) => db.execute(q), migrate: (folder) => migratePglite(db, { migrationsFolder: folder }), close: () => pg.close() };
  }
  const adminUrl = process.env.TEST_DATABASE_URL!;
  const name = `t_${crypto.randomBytes(6).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE "${name}"`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const client = postgres(url.toString(), { max: 1, onnotice: () => {} });
  const db = drizzlePostgres(client);
  return {
    execute: (q) => db.execute(q),
    migrate: (folder) => migratePostgres(db, { migrationsFolder: folder }),
    close: async () => {
      await client.end({ timeout: 5 });
      await admin.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end({ timeout: 5 });
    },
  };
}

describe.each(engines)('migration 0014 on an existing register [%s]', (engine) => {
  let db: Upgradable;
  const lithium = async (ref: string) => rowsOf<{ points: [number, string, number][] | string }>(await db.execute(sql`
    SELECT g.recent_values -> 'lithium_level' AS points FROM patient_state g JOIN patients p ON p.id = g.patient_id
    WHERE p.patient_ref = ${ref}`)).map((r) => (typeof r.points === 'string' ? JSON.parse(r.points) as [number, string, number][] : r.points))[0]!
    .map(([value, takenOn]) => [value, takenOn]);

  beforeAll(async () => {
    db = await openEmpty(engine);
    await db.migrate(migrationsUpTo(BEFORE));
    await db.execute(sql`INSERT INTO teams (name) VALUES ('Upgrade Team')`);
    await db.execute(sql`INSERT INTO patients (patient_ref, display_label, team_id, gp_practice)
      SELECT ref, 'Fictional', t.id, 'Test Surgery' FROM teams t, unnest(ARRAY['UP-001', 'UP-002']) AS ref WHERE t.name = 'Upgrade Team'`);
    // UP-001: four lithium levels in one statement; UP-002: one level and a "done" only.
    await db.execute(sql`INSERT INTO monitoring_events (patient_id, test, requirement, outcome, value, unit, taken_on, source)
      SELECT p.id, e.test, e.test, e.outcome, e.value, 'mmol/L', e.taken_on::date, 'test'
      FROM patients p JOIN (VALUES
        ('UP-001', 'lithium_level', 'result', 0.4, '2026-01-10'), ('UP-001', 'lithium_level', 'result', 0.5, '2026-02-10'),
        ('UP-001', 'lithium_level', 'result', 0.6, '2026-03-10'), ('UP-001', 'lithium_level', 'result', 0.7, '2026-04-10'),
        ('UP-002', 'lithium_level', 'result', 0.8, '2026-03-01'), ('UP-002', 'lithium_level', 'done', NULL, '2026-05-01')
      ) AS e(ref, test, outcome, value, taken_on) ON e.ref = p.patient_ref`);
    return () => db.close();
  }, 60_000);

  it('before it, patient_state keeps two values; after it, three, and the patients have no sex or flags recorded', async () => {
    expect(await lithium('UP-001')).toEqual([[0.7, '2026-04-10'], [0.6, '2026-03-10']]);
    await db.migrate(migrationsFolder);
    expect(await lithium('UP-001')).toEqual([[0.7, '2026-04-10'], [0.6, '2026-03-10'], [0.5, '2026-02-10']]);
    expect(await lithium('UP-002')).toEqual([[0.8, '2026-03-01']]);
    const state = rowsOf<{ ref: string; last_done: unknown }>(await db.execute(sql`SELECT p.patient_ref AS ref, g.last_done FROM patient_state g
      JOIN patients p ON p.id = g.patient_id ORDER BY p.patient_ref`));
    const lastDone = state.map((r) => (typeof r.last_done === 'string' ? JSON.parse(r.last_done) as unknown : r.last_done));
    expect(lastDone).toEqual([{ lithium_level: '2026-04-10' }, { lithium_level: '2026-05-01' }]);
    const attributes = rowsOf<{ sex: string | null; flags: unknown }>(await db.execute(sql`SELECT sex, clinical_flags AS flags FROM patients ORDER BY patient_ref`));
    expect(attributes.map((a) => [a.sex, typeof a.flags === 'string' ? JSON.parse(a.flags) as unknown : a.flags])).toEqual([[null, {}], [null, {}]]);
  });

  it('after it, a new result merges into three, and sex is limited to female and male', async () => {
    await db.execute(sql`INSERT INTO monitoring_events (patient_id, test, requirement, outcome, value, unit, taken_on, source)
      SELECT id, 'lithium_level', 'lithium_level', 'result', 0.9, 'mmol/L', '2026-05-10', 'test' FROM patients WHERE patient_ref = 'UP-001'`);
    expect(await lithium('UP-001')).toEqual([[0.9, '2026-05-10'], [0.7, '2026-04-10'], [0.6, '2026-03-10']]);
    await expect(db.execute(sql`UPDATE patients SET sex = 'F' WHERE patient_ref = 'UP-001'`)).rejects.toThrow();
    await db.execute(sql`UPDATE patients SET sex = 'male' WHERE patient_ref = 'UP-001'`);
  });
});
