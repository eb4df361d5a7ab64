/**
 * Re-verifies the audit trail: walks every event in chain order, recomputes its hash from its
 * stored content, and checks that the chain links up and ends where the chain head says.
 *
 * Each kind of tampering shows up at a definite event:
 * - a row edited behind the append-only triggers: its recomputed hash differs from its stored one;
 * - a row deleted from the middle: a gap in seq (and a prev_hash that links to nothing) at the
 *   event after it;
 * - a row replaced with a re-hashed forgery: the next event's prev_hash no longer matches;
 * - rows cut off the end: the chain head (advanced in the same statement as every append)
 *   records more events than are stored;
 * - rows inserted outside the writer: they lie beyond the chain head.
 *
 * None of these catches an owner who rewrites an event and then recomputes every later hash and
 * the head consistently. An anchor does (src/audit/anchor.ts): given one, the chain recomputed from
 * the stored events must still pass through the anchored hash at the anchored seq.
 */
import { sql } from 'drizzle-orm';
import { rowsOf } from '../db/client.js';
import type { Queryable } from '../db/database.js';
import { canonicalContent, chainHash, GENESIS_HASH, type AuditContent } from './chain.js';

export interface BrokenEvent {
  seq: number;
  id: number;
  at: string;
  verb: string;
  entityType: string;
  entityId: string;
}

export type AuditVerification =
  | { ok: true; checked: number; headSeq: number }
  | { ok: false; checked: number; broken: BrokenEvent; problem: string };

export interface VerifyOptions {
  /** Called after each batch with the events checked so far and the chain head's count. */
  onProgress?: (checked: number, total: number) => void;
  batchSize?: number;
  /** A head recorded earlier (an authenticated anchor): the chain must pass through it. */
  anchor?: { seq: number; hash: string; anchoredAt?: string };
}

/** A stored event as read back for hashing: `at` as ISO UTC with milliseconds, JSON as text. */
export interface StoredAuditRow {
  id: number | string;
  seq: number | string;
  at: string;
  actor_id: string | null;
  actor_name: string;
  identity: string;
  via: string;
  channel: string | null;
  verb: string;
  entity_type: string;
  entity_id: string;
  patient_ref: string | null;
  before: string | null;
  after: string | null;
  reason: string | null;
  correlation_id: string;
  prev_hash: string;
  hash: string;
}

/**
 * The columns of audit_events in the exact form they were hashed. JSON is read as text and parsed
 * here rather than by the driver, so both drivers give the same values whatever their parsers.
 */
export const STORED_AUDIT_COLUMNS = sql.raw(`id, seq,
  to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at,
  actor_id::text AS actor_id, actor_name, identity, via, channel, verb, entity_type, entity_id, patient_ref,
  before::text AS before, after::text AS after, reason, correlation_id, prev_hash, hash`);

const parseJson = (text: string | null): unknown => (text === null ? null : JSON.parse(text));

export function storedContent(row: StoredAuditRow): AuditContent {
  return {
    at: row.at,
    actorId: row.actor_id,
    actorName: row.actor_name,
    identity: row.identity,
    via: row.via,
    channel: row.channel,
    verb: row.verb,
    entityType: row.entity_type,
    entityId: row.entity_id,
    patientRef: row.patient_ref,
    before: parseJson(row.before),
    after: parseJson(row.after),
    reason: row.reason,
    correlationId: row.correlation_id,
  };
}

function describeRow(row: StoredAuditRow): BrokenEvent {
  return {
    seq: Number(row.seq), id: Number(row.id), at: row.at, verb: row.verb, entityType: row.entity_type, entityId: row.entity_id,
  };
}

interface ChainHead {
  seq: number;
  hash: string;
}

/** The chain head as stored: the seq and hash of the last event appended. */
export async function readChainHead(db: Queryable): Promise<ChainHead> {
  const [head] = rowsOf<{ seq: number | string; hash: string }>(
    await db.execute(sql`SELECT seq, hash FROM audit_chain_head WHERE id = 1`));
  if (!head) throw new Error('audit_chain_head is missing: migrations have not been applied');
  return { seq: Number(head.seq), hash: head.hash };
}

async function readBatch(db: Queryable, afterSeq: number, limit: number): Promise<StoredAuditRow[]> {
  return rowsOf<StoredAuditRow>(await db.execute(
    sql`SELECT ${STORED_AUDIT_COLUMNS} FROM audit_events WHERE seq > ${afterSeq} ORDER BY seq LIMIT ${limit}`));
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Why `row` breaks the chain, given the previous event's seq and hash; null if it links and hashes. */
function rowProblem(row: StoredAuditRow, previousSeq: number, previousHash: string): string | null {
  const seq = Number(row.seq);
  if (seq !== previousSeq + 1) {
    const missing = seq - previousSeq - 1;
    const range = missing === 1 ? `seq ${previousSeq + 1}` : `seq ${previousSeq + 1} to ${seq - 1}`;
    return `${plural(missing, 'event')} before it (${range}) ${missing === 1 ? 'is' : 'are'} missing: deleted from the trail`;
  }
  if (row.prev_hash !== previousHash) {
    return previousSeq === 0
      ? 'its prev_hash is not the chain\'s starting hash: the trail\'s first event was removed or replaced'
      : 'its prev_hash does not match the hash of the event before it: that event was removed, replaced or reordered';
  }
  if (chainHash(row.prev_hash, seq, canonicalContent(storedContent(row))) !== row.hash) {
    return 'its content does not match its hash: it was changed after it was written';
  }
  return null;
}

/**
 * Verifies the whole chain and names the first broken event. Reads in keyset-paginated batches, so
 * memory stays flat however long the trail; appends committed while it runs are verified too.
 */
export async function verifyAuditChain(db: Queryable, options: VerifyOptions = {}): Promise<AuditVerification> {
  const batchSize = options.batchSize ?? 5_000;
  let head = await readChainHead(db);
  let checked = 0;
  let previousSeq = 0;
  let previousHash = GENESIS_HASH;
  let last: StoredAuditRow | undefined;

  for (;;) {
    const rows = await readBatch(db, previousSeq, batchSize);
    for (const row of rows) {
      const problem = rowProblem(row, previousSeq, previousHash) ?? anchorProblem(row, options.anchor);
      if (problem) return { ok: false, checked, broken: describeRow(row), problem };
      previousSeq = Number(row.seq);
      previousHash = row.hash;
      last = row;
      checked += 1;
    }
    if (rows.length > 0) options.onProgress?.(checked, Math.max(head.seq, checked));
    if (rows.length === batchSize) continue;
    // Read the head before looking for more rows: an append commits its head and its row together,
    // so every event the head counts is visible to the query that follows.
    head = await readChainHead(db);
    if (head.seq > previousSeq && (await readBatch(db, previousSeq, 1)).length > 0) continue;
    break;
  }
  const verdict = await tailVerdict(db, head, checked, last);
  const anchor = options.anchor;
  if (verdict.ok && anchor && anchor.seq > (last ? Number(last.seq) : 0)) {
    const lastSeq = last ? Number(last.seq) : 0;
    return {
      ok: false, checked, broken: last ? describeRow(last) : { seq: 0, id: 0, at: '', verb: '', entityType: '', entityId: '' },
      problem: `the trail ends at seq ${lastSeq}, but the anchor${anchorWhen(anchor)} recorded ${plural(anchor.seq, 'event')}: ` +
        'events were deleted from the end and the chain head rewritten',
    };
  }
  if (verdict.ok && anchor?.seq === 0 && anchor.hash !== GENESIS_HASH) {
    return { ok: false, checked, broken: { seq: 0, id: 0, at: '', verb: '', entityType: '', entityId: '' }, problem: 'the anchor records seq 0 with a hash that is not the chain\'s starting hash' };
  }
  return verdict;
}

function anchorWhen(anchor: NonNullable<VerifyOptions['anchor']>): string {
  return anchor.anchoredAt ? ` of ${anchor.anchoredAt}` : '';
}

/** At the anchored seq, the recomputed chain (already checked to match the stored hashes) must end in the anchored hash. */
function anchorProblem(row: StoredAuditRow, anchor: VerifyOptions['anchor']): string | null {
  if (!anchor || Number(row.seq) !== anchor.seq || row.hash === anchor.hash) return null;
  return `the chain recomputed up to this event no longer ends in the hash anchored${anchorWhen(anchor)}: ` +
    `an event at or before seq ${anchor.seq} was rewritten and every later hash recomputed`;
}

async function tailVerdict(db: Queryable, head: ChainHead, checked: number, last: StoredAuditRow | undefined):
  Promise<AuditVerification> {
  const lastSeq = last ? Number(last.seq) : 0;
  if (head.seq > lastSeq) {
    const missing = `the chain head records ${plural(head.seq, 'event')}, so ${plural(head.seq - lastSeq, 'event')} after it`;
    if (!last) {
      return {
        ok: false, checked,
        broken: { seq: 1, id: 0, at: '', verb: '', entityType: '', entityId: '' },
        problem: `no events are stored but ${missing} (seq 1 to ${head.seq}) were deleted`,
      };
    }
    return {
      ok: false, checked: checked - 1, broken: describeRow(last),
      problem: `it is the last event stored, but ${missing} (up to seq ${head.seq}) were deleted from the end of the trail`,
    };
  }
  if (last && head.seq < lastSeq) {
    const [intruder] = await readBatch(db, head.seq, 1);
    return {
      ok: false, checked: head.seq, broken: describeRow(intruder ?? last),
      problem: `it lies beyond the chain head (seq ${head.seq}): it was inserted outside the audit writer`,
    };
  }
  if (last && head.hash !== last.hash) {
    return {
      ok: false, checked: checked - 1, broken: describeRow(last),
      problem: 'its hash does not match the chain head: it was replaced after it was written',
    };
  }
  return { ok: true, checked, headSeq: head.seq };
}
