/**
 * Tampering behind the append-only triggers (as someone with table-owner rights could) is caught
 * by verifyAuditChain and `closedloop audit verify`, which name the first broken event. Each test
 * puts the damaged rows back afterwards, and the chain then verifies again.
 */
import { sql } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { canonicalContent, chainHash } from '../../src/audit/chain.js';
import { STORED_AUDIT_COLUMNS, storedContent, verifyAuditChain, type StoredAuditRow } from '../../src/audit/verify.js';
import { rowsOf } from '../../src/db/client.js';
import type { Database } from '../../src/db/database.js';
import { describeEachEngine } from '../support/databases.js';
import { appendMany, behindTheTriggers, preserved, runAuditCli } from './helpers.js';

const EVENTS = 12;

async function storedRow(db: Database, seq: number): Promise<StoredAuditRow> {
  const [row] = rowsOf<StoredAuditRow>(await db.execute(sql`SELECT ${STORED_AUDIT_COLUMNS} FROM audit_events WHERE seq = ${seq}`));
  if (!row) throw new Error(`no event with seq ${seq}`);
  return row;
}

/** Damages the trail, runs `check`, then restores it and confirms the chain is whole again. */
async function whileTampered(db: Database, seqs: number[], tamper: () => Promise<void>, check: () => Promise<void>) {
  const restore = await preserved(db, seqs, tamper);
  try {
    await check();
  } finally {
    await restore();
  }
  expect(await verifyAuditChain(db)).toEqual({ ok: true, checked: EVENTS, headSeq: EVENTS });
}

describeEachEngine('audit trail tampering', (getDb, engine) => {
  beforeAll(async () => {
    expect(await appendMany(getDb(), EVENTS)).toEqual(Array.from({ length: EVENTS }, (_, i) => i + 1));
  });

  it('an untouched trail verifies, and the CLI says so', async () => {
    expect(await verifyAuditChain(getDb())).toEqual({ ok: true, checked: EVENTS, headSeq: EVENTS });
    const run = await runAuditCli(getDb(), engine, 'audit', 'verify');
    expect(run).toMatchObject({ code: 0, out: `Audit trail intact: ${EVENTS} events, chain head at seq ${EVENTS}.` });
  });

  it('an edited reason breaks the chain at exactly that event; audit verify exits 1 and names it', async () => {
    const db = getDb();
    const original = await storedRow(db, 5);
    await whileTampered(db, [5], () => behindTheTriggers(db, 'audit_events_no_update', (tx) =>
      tx.execute(sql`UPDATE audit_events SET reason = 'nothing to see here' WHERE seq = 5`)), async () => {
      const result = await verifyAuditChain(db);
      expect(result).toEqual({
        ok: false, checked: 4,
        broken: { seq: 5, id: Number(original.id), at: '2026-11-22T09:00:04.000Z', verb: 'action.created', entityType: 'action', entityId: 'A-1004' },
        problem: 'its content does not match its hash: it was changed after it was written',
      });
      const run = await runAuditCli(db, engine, 'audit', 'verify');
      expect(run.code).toBe(1);
      expect(run.err).toContain(`Audit trail BROKEN at event seq 5 (id ${original.id}, 2026-11-22T09:00:04.000Z, action.created, action A-1004): ` +
        'its content does not match its hash: it was changed after it was written. Events before it verified: 4.');
      expect(run.err).toMatch(/information governance lead/);
    });
  });

  it('an edited jsonb "after" is caught at that event', async () => {
    const db = getDb();
    await whileTampered(db, [8], () => behindTheTriggers(db, 'audit_events_no_update', (tx) =>
      tx.execute(sql`UPDATE audit_events SET after = jsonb_set(after, '{status}', '"closed"') WHERE seq = 8`)), async () => {
      const result = await verifyAuditChain(db, { batchSize: 3 });
      expect(result).toMatchObject({ ok: false, checked: 7, broken: { seq: 8, entityId: 'A-1007' } });
    });
  });

  it('an event rewritten with a recomputed hash is caught at the next event, whose prev_hash no longer links', async () => {
    const db = getDb();
    const row = await storedRow(db, 6);
    const forged = { ...storedContent(row), reason: 'backdated approval' };
    const forgedHash = chainHash(row.prev_hash, 6, canonicalContent(forged));
    await whileTampered(db, [6], () => behindTheTriggers(db, 'audit_events_no_update', (tx) =>
      tx.execute(sql`UPDATE audit_events SET reason = ${forged.reason}, hash = ${forgedHash} WHERE seq = 6`)), async () => {
      const result = await verifyAuditChain(db);
      expect(result).toMatchObject({ ok: false, checked: 6, broken: { seq: 7, entityId: 'A-1006' } });
      expect(result.ok || result.problem).toMatch(/prev_hash does not match the hash of the event before it/);
    });
  });

  it('a deleted event is caught as a gap at the event after it', async () => {
    const db = getDb();
    await whileTampered(db, [4], () => behindTheTriggers(db, 'audit_events_no_delete', (tx) =>
      tx.execute(sql`DELETE FROM audit_events WHERE seq = 4`)), async () => {
      const result = await verifyAuditChain(db);
      expect(result).toMatchObject({ ok: false, checked: 3, broken: { seq: 5 }, problem: '1 event before it (seq 4) is missing: deleted from the trail' });
      const run = await runAuditCli(db, engine, 'audit', 'verify');
      expect(run.code).toBe(1);
      expect(run.err).toMatch(/^Audit trail BROKEN at event seq 5 \(id \d+, .*\): 1 event before it \(seq 4\) is missing/);
    });
  });

  it('deleting the first events is caught at the first event left', async () => {
    const db = getDb();
    await whileTampered(db, [1, 2], () => behindTheTriggers(db, 'audit_events_no_delete', (tx) =>
      tx.execute(sql`DELETE FROM audit_events WHERE seq <= 2`)), async () => {
      expect(await verifyAuditChain(db)).toMatchObject({
        ok: false, checked: 0, broken: { seq: 3 }, problem: '2 events before it (seq 1 to 2) are missing: deleted from the trail',
      });
    });
  });

  it('a truncated tail is caught through the chain head', async () => {
    const db = getDb();
    await whileTampered(db, [11, 12], () => behindTheTriggers(db, 'audit_events_no_delete', (tx) =>
      tx.execute(sql`DELETE FROM audit_events WHERE seq > 10`)), async () => {
      const result = await verifyAuditChain(db);
      expect(result).toMatchObject({ ok: false, checked: 9, broken: { seq: 10, entityId: 'A-1009' } });
      expect(result.ok || result.problem).toBe(
        'it is the last event stored, but the chain head records 12 events, so 2 events after it (up to seq 12) were deleted from the end of the trail');
    });
  });

  it('an emptied trail is caught through the chain head', async () => {
    const db = getDb();
    const all = Array.from({ length: EVENTS }, (_, i) => i + 1);
    await whileTampered(db, all, () => behindTheTriggers(db, 'audit_events_no_delete', (tx) =>
      tx.execute(sql`DELETE FROM audit_events`)), async () => {
      expect(await verifyAuditChain(db)).toMatchObject({ ok: false, checked: 0, broken: { seq: 1, id: 0 } });
      const run = await runAuditCli(db, engine, 'audit', 'verify');
      expect(run.code).toBe(1);
      expect(run.err).toContain('Audit trail BROKEN at event seq 1 (no longer stored): no events are stored but the chain head records 12 events');
    });
  });

  it('an event inserted outside the audit writer, even correctly hashed, is caught beyond the chain head', async () => {
    const db = getDb();
    const last = await storedRow(db, EVENTS);
    const content = { ...storedContent(last), reason: 'inserted later', at: '2026-11-22T23:59:00.000Z' };
    const hash = chainHash(last.hash, EVENTS + 1, canonicalContent(content));
    await db.execute(sql`INSERT INTO audit_events (seq, at, actor_id, actor_name, identity, via, channel, verb, entity_type,
      entity_id, patient_ref, before, after, reason, correlation_id, prev_hash, hash)
      SELECT ${EVENTS + 1}, ${content.at}::timestamptz, actor_id, actor_name, identity, via, channel, verb, entity_type, entity_id,
        patient_ref, before, after, ${content.reason}, correlation_id, ${last.hash}, ${hash}
      FROM audit_events WHERE seq = ${EVENTS}`);
    try {
      expect(await verifyAuditChain(db)).toMatchObject({
        ok: false, checked: EVENTS, broken: { seq: EVENTS + 1, at: content.at },
        problem: `it lies beyond the chain head (seq ${EVENTS}): it was inserted outside the audit writer`,
      });
    } finally {
      await behindTheTriggers(db, 'audit_events_no_delete', (tx) => tx.execute(sql`DELETE FROM audit_events WHERE seq > ${EVENTS}`));
    }
    expect(await verifyAuditChain(db)).toEqual({ ok: true, checked: EVENTS, headSeq: EVENTS });
  });
});
