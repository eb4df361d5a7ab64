/**
 * On PostgreSQL the service prepares its parameterised statements: postgres.js otherwise asks
 * the server to describe every statement drizzle sends before binding it, two round trips a
 * query. Statements without parameters (migrations, DDL) and bulk ones are left unprepared, so
 * one-off shapes do not pile up in each connection's statement cache. PGlite has no network
 * round trips and no such cache, so this is a PostgreSQL-only property (CI always runs it).
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../src/db/client.js';
import type { Queryable } from '../../src/db/database.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';

const onPostgres = Boolean(process.env.TEST_DATABASE_URL);

describe.skipIf(!onPostgres)('prepared statements on PostgreSQL', () => {
  let test: TestDatabase;
  beforeAll(async () => { test = await createTestDatabase('postgres'); }, 60_000);
  afterAll(async () => test?.close());

  /** The statements this session (connection) has prepared whose text contains `marker`. */
  async function prepared(tx: Queryable, marker: string): Promise<string[]> {
    const rows = rowsOf<{ statement: string }>(await tx.execute(sql`SELECT statement FROM pg_prepared_statements
      WHERE statement LIKE '%' || ${marker} || '%' AND statement NOT LIKE '%pg_prepared_statements%'`));
    return rows.map((r) => r.statement);
  }

  it('prepares a parameterised statement once per connection, inside transactions too', async () => {
    await test.db.transaction(async (tx) => {
      for (let i = 0; i < 3; i++) await tx.execute(sql`SELECT ${i}::int AS prepared_marker_one`);
      expect(await prepared(tx, 'prepared_marker_one')).toEqual(['SELECT $1::int AS prepared_marker_one']);
    });
  });

  it('leaves statements without parameters and bulk statements unprepared', async () => {
    await test.db.transaction(async (tx) => {
      await tx.execute(sql`SELECT 1 AS prepared_marker_none`);
      const many = sql.join(Array.from({ length: 150 }, (_, i) => sql`${i}::int`), sql`, `);
      await tx.execute(sql`SELECT ARRAY[${many}] AS prepared_marker_bulk`);
      expect(await prepared(tx, 'prepared_marker_none')).toEqual([]);
      expect(await prepared(tx, 'prepared_marker_bulk')).toEqual([]);
    });
  });
});
