/**
 * Appending to the audit trail, always inside the caller's transaction so the event commits or
 * rolls back with the change it records.
 *
 * A single event is one statement: it advances the chain head (taking its row lock, which
 * orders concurrent appends) and inserts the event with the hash PostgreSQL computed from the
 * previous hash. Do it last in a transaction: the lock is held until commit. A batch (a sync
 * creating thousands of actions) locks the head once and hashes in Node.
 */
import { sql, type SQL } from 'drizzle-orm';
import { rowsOf } from '../db/client.js';
import type { Queryable } from '../db/database.js';
import type { AuditActor, AuditRecord } from '../domain/audit.js';
import { canonicalContent, chainHash, type AuditContent } from './chain.js';

export type { AuditActor, AuditRecord, Via } from '../domain/audit.js';

export const SYSTEM_ACTOR_NAME = 'closedloop';

export function contentOf(actor: AuditActor, record: AuditRecord, at: Date): AuditContent {
  return {
    at: at.toISOString(),
    actorId: actor.id,
    actorName: actor.name,
    identity: actor.identity,
    via: actor.via,
    channel: actor.channel,
    verb: record.verb,
    entityType: record.entityType,
    entityId: record.entityId,
    patientRef: record.patientRef ?? null,
    before: record.before ?? null,
    after: record.after ?? null,
    reason: record.reason ?? null,
    correlationId: actor.correlationId,
  };
}

const json = (value: unknown) => (value === null ? null : JSON.stringify(value));

/**
 * The chain-head CTE and the INSERT that follows it, as one statement fragment. `guardCte` names
 * an earlier CTE of the same statement that must have returned a row for the event to be written
 * (a conditional change and its audit event then commit together or not at all).
 */
export function auditAppendStatement(actor: AuditActor, record: AuditRecord, at: Date, guardCte?: string): SQL {
  const content = contentOf(actor, record, at);
  const canonical = canonicalContent(content);
  const guard = guardCte ? sql`AND EXISTS (SELECT 1 FROM ${sql.identifier(guardCte)})` : sql``;
  return sql`head AS (
      UPDATE audit_chain_head
      SET seq = seq + 1, prev_hash = hash,
          hash = encode(sha256(convert_to(hash || '|' || (seq + 1)::text || '|' || ${canonical}, 'UTF8')), 'hex')
      WHERE id = 1 ${guard}
      RETURNING seq, prev_hash, hash
    )
    INSERT INTO audit_events (seq, at, actor_id, actor_name, identity, via, channel, verb, entity_type, entity_id,
      patient_ref, before, after, reason, correlation_id, prev_hash, hash)
    SELECT head.seq, ${content.at}::timestamptz, ${content.actorId}::uuid, ${content.actorName}, ${content.identity},
      ${content.via}, ${content.channel}, ${content.verb}, ${content.entityType}, ${content.entityId}, ${content.patientRef},
      ${json(content.before)}::jsonb, ${json(content.after)}::jsonb, ${content.reason}, ${content.correlationId},
      head.prev_hash, head.hash
    FROM head
    RETURNING seq`;
}

/** Appends one event; returns its sequence number. */
export async function appendAudit(tx: Queryable, actor: AuditActor, record: AuditRecord, at: Date): Promise<number> {
  const rows = rowsOf<{ seq: number | string }>(await tx.execute(sql`WITH ${auditAppendStatement(actor, record, at)}`));
  const seq = rows[0]?.seq;
  if (seq === undefined) throw new Error('audit_chain_head is missing: migrations have not been applied');
  return Number(seq);
}

/** Appends many events in order under one lock of the chain head. */
export async function appendAuditBatch(tx: Queryable, actor: AuditActor, records: AuditRecord[], at: Date): Promise<void> {
  if (records.length === 0) return;
  const [head] = rowsOf<{ seq: number | string; hash: string }>(
    await tx.execute(sql`SELECT seq, hash FROM audit_chain_head WHERE id = 1 FOR UPDATE`));
  if (!head) throw new Error('audit_chain_head is missing: migrations have not been applied');
  let seq = Number(head.seq);
  let hash = head.hash;
  const rows = records.map((record) => {
    const content = contentOf(actor, record, at);
    seq += 1;
    const prevHash = hash;
    hash = chainHash(prevHash, seq, canonicalContent(content));
    return { seq, content, prevHash, hash };
  });
  const chunk = 2_000;
  for (let i = 0; i < rows.length; i += chunk) {
    const slice = rows.slice(i, i + chunk);
    const values = sql.join(slice.map(({ seq: s, content: c, prevHash, hash: h }) => sql`(${s}, ${c.at}::timestamptz,
      ${c.actorId}::uuid, ${c.actorName}, ${c.identity}, ${c.via}, ${c.channel}, ${c.verb}, ${c.entityType}, ${c.entityId},
      ${c.patientRef}, ${json(c.before)}::jsonb, ${json(c.after)}::jsonb, ${c.reason}, ${c.correlationId}, ${prevHash}, ${h})`), sql`, `);
    await tx.execute(sql`INSERT INTO audit_events (seq, at, actor_id, actor_name, identity, via, channel, verb, entity_type,
      entity_id, patient_ref, before, after, reason, correlation_id, prev_hash, hash) VALUES ${values}`);
  }
  const last = rows[rows.length - 1]!;
  await tx.execute(sql`UPDATE audit_chain_head SET seq = ${last.seq}, hash = ${last.hash}, prev_hash = ${last.prevHash} WHERE id = 1`);
}
