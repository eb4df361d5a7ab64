/**
 * forEachRow hands a SELECT's rows over one at a time: on PostgreSQL as they arrive (the
 * organisation's due list depends on it to hold one patient's state at a time), on PGlite and
 * inside a transaction after the query, in the same order. A callback that throws fails the call
 * and leaves the database usable.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../src/db/client.js';
import { forEachRow, streamsRows } from '../../src/db/stream-rows.js';
import { createTestDatabase, describeEachEngine, type TestDatabase } from '../support/databases.js';

const series = (n: number) => sql`SELECT g AS n, 'row ' || g AS label FROM generate_series(1, ${n}::int) g ORDER BY g`;

describeEachEngine('forEachRow', (getDb, engine) => {
  it('streams at the top level on PostgreSQL only, never inside a transaction', async () => {
    expect(streamsRows(getDb())).toBe(engine === 'postgres');
    await getDb().transaction(async (tx) => { expect(streamsRows(tx)).toBe(false); });
  });

  it('hands over every row, in order, with its columns, at the top level and in a transaction', async () => {
    const seen: Array<{ n: number; label: string }> = [];
    await forEachRow<{ n: number; label: string }>(getDb(), series(5000), (row) => seen.push(row));
    expect(seen).toHaveLength(5000);
    expect(seen[0]).toEqual({ n: 1, label: 'row 1' });
    expect(seen.every((row, i) => row.n === i + 1)).toBe(true);

    const inTransaction: number[] = [];
    await getDb().transaction(async (tx) => forEachRow<{ n: number }>(tx, series(3), (row) => inTransaction.push(row.n)));
    expect(inTransaction).toEqual([1, 2, 3]);
  });

  it('fails with the callback\'s own error, stops calling it, and leaves the database answering', async () => {
    const seen: number[] = [];
    const failing = forEachRow<{ n: number }>(getDb(), series(2000), (row) => {
      seen.push(row.n);
      if (row.n === 10) throw new Error('callback failed on row 10');
    });
    await expect(failing).rejects.toThrow('callback failed on row 10');
    expect(seen).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    const [after] = rowsOf<{ ok: number }>(await getDb().execute(sql`SELECT 1 AS ok`));
    expect(after?.ok).toBe(1);
  });
});

// PostgreSQL only: PGlite has no rows in flight to hand over (CI always runs this).
describe.skipIf(!process.env.TEST_DATABASE_URL)('forEachRow on PostgreSQL', () => {
  let test: TestDatabase;
  beforeAll(async () => { test = await createTestDatabase('postgres'); }, 60_000);
  afterAll(async () => test?.close());

  it('hands over the first rows while the query is still running on the server', async () => {
    const db = test.db;
    // Rows 1–100 (100 kB) overflow the server's 8 kB send buffer many times over, so most of them
    // are sent at once; row 101 then sleeps on the server. Seen from another connection while row
    // 1 is in hand, the query is still running: the rows were not gathered first.
    let stillRunning: Promise<number> | undefined;
    await forEachRow<{ n: number }>(db, sql`SELECT g AS n, repeat('x', 1000) AS filler, CASE WHEN g = 101 THEN pg_sleep(1) END AS pause
      FROM generate_series(1, 101) g`, (row) => {
      if (row.n !== 1) return;
      stillRunning = db.execute(sql`SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE state = 'active' AND query LIKE '%AS filler%' AND pid <> pg_backend_pid()`).then((r) => rowsOf<{ n: number }>(r)[0]!.n);
    });
    expect(await stillRunning).toBe(1);
  });
});
