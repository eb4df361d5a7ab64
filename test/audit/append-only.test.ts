/**
 * The audit trail is append-only in the database itself: UPDATE, DELETE and TRUNCATE on
 * audit_events are rejected by triggers (SQLSTATE 42501), whoever runs them.
 */
import { sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { appendAudit } from '../../src/audit/append.js';
import { rowsOf } from '../../src/db/client.js';
import { pgErrorCode, pgErrorMessage } from '../../src/db/errors.js';
import { describeEachEngine } from '../support/databases.js';
import { actionRecord, rejectionOf, systemActor } from './helpers.js';

describeEachEngine('audit_events is append-only', (getDb) => {
  const statements = {
    UPDATE: sql`UPDATE audit_events SET reason = 'edited' WHERE seq = 1`,
    DELETE: sql`DELETE FROM audit_events WHERE seq = 1`,
    TRUNCATE: sql`TRUNCATE audit_events`,
  };

  it.each(Object.keys(statements) as (keyof typeof statements)[])('rejects %s with SQLSTATE 42501', async (op) => {
    const db = getDb();
    await appendAudit(db, systemActor(), actionRecord(1, { reason: 'original' }), new Date('2026-11-22T09:00:00Z'));
    const err = await rejectionOf(db.execute(statements[op]));
    expect(pgErrorCode(err)).toBe('42501');
    expect(pgErrorMessage(err)).toBe(`audit_events is append-only (${op} rejected)`);
    const [first] = rowsOf<{ reason: string }>(await db.execute(sql`SELECT reason FROM audit_events WHERE seq = 1`));
    expect(first?.reason).toBe('original');
  });

  it('still accepts appends', async () => {
    const db = getDb();
    const seq = await appendAudit(db, systemActor(), actionRecord(2), new Date('2026-11-22T09:01:00Z'));
    const [row] = rowsOf<{ n: number | string }>(await db.execute(sql`SELECT count(*) AS n FROM audit_events WHERE seq <= ${seq}`));
    expect(Number(row?.n)).toBe(seq);
  });
});
