/**
 * The audit chain's hashing, shared by the writer (which has PostgreSQL compute the hash inside
 * the appending statement) and `audit verify` (which recomputes it here):
 *
 *   hash = sha256_hex(prev_hash + "|" + seq + "|" + canonical_json(content))
 *
 * Canonical JSON sorts object keys at every depth, so the value read back from a jsonb column
 * (which reorders keys) hashes the same as the value written.
 */
import crypto from 'node:crypto';

export const GENESIS_HASH = '0'.repeat(64);

/** The hashed fields of an audit event, in the form they are stored. */
export interface AuditContent {
  /** ISO 8601 UTC with milliseconds, e.g. 2026-11-22T09:30:00.000Z. */
  at: string;
  actorId: string | null;
  actorName: string;
  identity: string;
  via: string;
  channel: string | null;
  verb: string;
  entityType: string;
  entityId: string;
  patientRef: string | null;
  before: unknown;
  after: unknown;
  reason: string | null;
  correlationId: string;
}

function canonicalValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonicalValue);
  if (value !== null && typeof value === 'object') {
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) sorted[key] = canonicalValue(v);
    }
    return sorted;
  }
  return value;
}

/** JSON with sorted keys and no undefined members; the same text for equal values. */
export function canonicalJson(value: unknown): string {
  // Round-trip first so dates, NaN and undefined become what jsonb would give back.
  const plain: unknown = value === undefined ? null : JSON.parse(JSON.stringify(value) ?? 'null');
  return JSON.stringify(canonicalValue(plain));
}

export function canonicalContent(content: AuditContent): string {
  return canonicalJson(content);
}

export function chainHash(prevHash: string, seq: number, canonical: string): string {
  return crypto.createHash('sha256').update(`${prevHash}|${seq}|${canonical}`, 'utf8').digest('hex');
}
