/**
 * The hash chain as written: PostgreSQL's hash (appendAudit) and Node's (appendAuditBatch,
 * verifyAuditChain) agree on awkward content, an intact chain verifies, and concurrent appends
 * on PostgreSQL get gap-free sequence numbers.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAudit, appendAuditBatch, contentOf } from '../../src/audit/append.js';
import { canonicalContent, chainHash } from '../../src/audit/chain.js';
import { STORED_AUDIT_COLUMNS, storedContent, verifyAuditChain, type StoredAuditRow } from '../../src/audit/verify.js';
import { rowsOf } from '../../src/db/client.js';
import { createTestDatabase, describeEachEngine, type TestDatabase } from '../support/databases.js';
import { actionRecord, chainHeadSeq, staffActor, systemActor } from './helpers.js';

const AWKWARD = {
  verb: 'action.closed',
  entityType: 'action',
  entityId: 'A-1042',
  patientRef: 'P-ÅØ-0001',
  before: { status: 'claimed', zeta: null, alpha: { z: 1.5, a: [3, { y: 'x', b: null }], m: -0.25 }, note: 'say "hi" \\ back' },
  after: { status: 'closed', outcome: 'result_received', value: 1.5, big: 123456789012, tiny: 0.001, emoji: '💊 naïve café — 日本' },
  reason: 'Patient said "no", then: ok, \'fine\'\nnew line; ünïcödé ✓',
};

describeEachEngine('audit hash chain', (getDb, engine) => {
  it('the hash PostgreSQL computes equals chainHash in Node, for awkward content', async () => {
    const db = getDb();
    const at = new Date('2026-11-22T09:30:00.123Z');
    const actor = staffActor('Zoë O\'Brien-Łukasz');
    const seq = await appendAudit(db, actor, AWKWARD, at);
    const [row] = rowsOf<StoredAuditRow>(await db.execute(sql`SELECT ${STORED_AUDIT_COLUMNS} FROM audit_events WHERE seq = ${seq}`));
    expect(row).toBeDefined();
    const written = canonicalContent(contentOf(actor, AWKWARD, at));
    // What is read back canonicalises to exactly what was written, jsonb key reordering notwithstanding.
    expect(canonicalContent(storedContent(row!))).toBe(written);
    expect(row!.hash).toBe(chainHash(row!.prev_hash, seq, written));
    expect(row!.at).toBe('2026-11-22T09:30:00.123Z');
  });

  it('a batch hashed in Node links onto a single append hashed in SQL, and back', async () => {
    const db = getDb();
    const at = new Date('2026-11-22T10:00:00Z');
    await appendAuditBatch(db, systemActor('batch'), [AWKWARD, actionRecord(1), { ...AWKWARD, after: { nested: { b: [1.5, null, 'é'] } } }], at);
    await appendAudit(db, systemActor('single'), { ...AWKWARD, reason: null, before: null }, at);
    const result = await verifyAuditChain(db);
    expect(result).toEqual({ ok: true, checked: await chainHeadSeq(db), headSeq: await chainHeadSeq(db) });
  });

  it('verifies an intact chain of a few hundred events, single and batched appends mixed, in small batches', async () => {
    const db = getDb();
    const before = await chainHeadSeq(db);
    let appended = 0;
    for (let round = 0; round < 30; round++) {
      const at = new Date(Date.UTC(2026, 10, 1 + (round % 28), 8, round));
      await db.transaction(async (tx) => {
        await appendAuditBatch(tx, systemActor(`sync-${round}`), Array.from({ length: 7 }, (_, i) => actionRecord(round * 10 + i)), at);
        await appendAudit(tx, staffActor('Ana Pharmacist', `req-${round}`), actionRecord(round, { verb: 'action.claimed', reason: `round ${round}` }), at);
      });
      await appendAudit(db, staffActor('Ben GP'), actionRecord(round, { verb: 'action.closed', before: { status: 'claimed' } }), at);
      appended += 9;
    }
    expect(appended).toBeGreaterThanOrEqual(270);
    const progress: [number, number][] = [];
    const result = await verifyAuditChain(db, { batchSize: 64, onProgress: (checked, total) => progress.push([checked, total]) });
    expect(result).toEqual({ ok: true, checked: before + appended, headSeq: before + appended });
    expect(progress.at(-1)).toEqual([before + appended, before + appended]);
    expect(progress.length).toBe(Math.ceil((before + appended) / 64));
  });

  it('an empty trail is intact', async () => {
    const fresh = await createTestDatabase(engine);
    try {
      expect(await verifyAuditChain(fresh.db)).toEqual({ ok: true, checked: 0, headSeq: 0 });
    } finally {
      await fresh.close();
    }
  });

  // PGlite is a single connection whose transactions cannot overlap: there is no race to test there.
  if (engine === 'postgres') {
    describe('concurrent appends, on a fresh database', () => {
      let testDb: TestDatabase;
      beforeAll(async () => { testDb = await createTestDatabase(engine); });
      afterAll(async () => { await testDb.close(); });

      it('50 concurrent appends, each in its own transaction, get seq 1..50 and an intact chain', async () => {
        const db = testDb.db;
        const at = new Date('2026-11-22T11:00:00Z');
        const seqs = await Promise.all(Array.from({ length: 50 }, (_, i) =>
          db.transaction(async (tx) => {
            await tx.execute(sql`SELECT pg_sleep(0.01)`); // hold each transaction open so they overlap
            return appendAudit(tx, staffActor(`Clinician ${i}`, `req-${i}`), actionRecord(i), at);
          })));
        const oneToFifty = Array.from({ length: 50 }, (_, i) => i + 1);
        expect([...seqs].sort((a, b) => a - b)).toEqual(oneToFifty);
        const stored = rowsOf<{ seq: number | string }>(await db.execute(sql`SELECT seq FROM audit_events ORDER BY seq`));
        expect(stored.map((r) => Number(r.seq))).toEqual(oneToFifty);
        expect(await verifyAuditChain(db)).toEqual({ ok: true, checked: 50, headSeq: 50 });
      });

      it('verification running while others append sees an intact chain, not a false break', async () => {
        const db = testDb.db;
        const at = new Date('2026-11-22T12:00:00Z');
        const appends = Promise.all(Array.from({ length: 40 }, (_, i) =>
          db.transaction((tx) => appendAudit(tx, staffActor(`Nurse ${i}`, `late-${i}`), actionRecord(100 + i), at))));
        const result = await verifyAuditChain(db, { batchSize: 5 });
        await appends;
        expect(result.ok).toBe(true);
        expect(result.checked).toBeGreaterThanOrEqual(50);
        expect(await verifyAuditChain(db)).toEqual({ ok: true, checked: 90, headSeq: 90 });
      });
    });
  }
});
