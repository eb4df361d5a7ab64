/**
 * Audit anchors: the chain head (seq and hash) at a moment, signed with HMAC-SHA256 under
 * AUDIT_KEY, a secret held outside the database. An anchor kept outside the database pins the
 * trail up to its seq: someone with table-owner rights can rewrite an event and recompute every
 * later hash and the head with plain SHA-256, so `audit verify` alone finds a consistent chain,
 * but the recomputed chain no longer ends in the anchored hash at the anchored seq, and without
 * the key they cannot sign an anchor for their version.
 *
 * The hash chain and how events are appended are unchanged (src/audit/chain.ts, append.ts): an
 * anchor is only read by `audit verify --anchor`.
 */
import crypto from 'node:crypto';
import { z } from 'zod';

export const ANCHOR_FORMAT = 'closedloop-audit-anchor/1';

export interface ChainPoint {
  seq: number;
  hash: string;
}

export interface AuditAnchor extends ChainPoint {
  format: typeof ANCHOR_FORMAT;
  /** When the head was anchored, ISO 8601 UTC. */
  anchoredAt: string;
  /** Which AUDIT_KEY signed it (a keyed fingerprint, not the key), so a wrong key is named as such. */
  keyId: string;
  /** HMAC-SHA256 of the fields above, hex. */
  mac: string;
}

const HEX64 = /^[0-9a-f]{64}$/;

const anchorSchema = z.object({
  format: z.literal(ANCHOR_FORMAT),
  seq: z.number().int().min(0),
  hash: z.string().regex(HEX64),
  anchoredAt: z.iso.datetime(),
  keyId: z.string().regex(/^[0-9a-f]{16}$/),
  mac: z.string().regex(HEX64),
}).strict();

/** A fingerprint of the key: derived through HMAC, so it reveals nothing usable about the key. */
export function auditKeyId(key: string): string {
  return crypto.createHmac('sha256', key).update('closedloop audit key id').digest('hex').slice(0, 16);
}

function mac(key: string, fields: Omit<AuditAnchor, 'mac'>): string {
  // Every signed field, in a fixed order and separated, so no two anchors share a signed text.
  const text = [fields.format, fields.seq, fields.hash, fields.anchoredAt, fields.keyId].join('|');
  return crypto.createHmac('sha256', key).update(text, 'utf8').digest('hex');
}

export function signAnchor(key: string, head: ChainPoint, at: Date): AuditAnchor {
  const fields = { format: ANCHOR_FORMAT, seq: head.seq, hash: head.hash, anchoredAt: at.toISOString(), keyId: auditKeyId(key) } as const;
  return { ...fields, mac: mac(key, fields) };
}

/** The anchor as the file to keep: JSON, one field a line. */
export function formatAnchor(anchor: AuditAnchor): string {
  return JSON.stringify(anchor, null, 2);
}

export type AnchorReading = { ok: true; anchor: AuditAnchor } | { ok: false; problem: string };

/** Parses and authenticates an anchor file's text with `key`; says what is wrong if it cannot be trusted. */
export function readAnchor(text: string, key: string): AnchorReading {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, problem: 'it is not an audit anchor (not JSON); "closedloop audit anchor" writes one' };
  }
  const parsed = anchorSchema.safeParse(json);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((i) => i.path.join('.') || 'the file'))].join(', ');
    return { ok: false, problem: `it is not a valid audit anchor (check ${fields}); it may have been edited` };
  }
  const anchor = parsed.data as AuditAnchor;
  const ours = auditKeyId(key);
  if (anchor.keyId !== ours) {
    return {
      ok: false,
      problem: `it was signed with a different AUDIT_KEY (key id ${anchor.keyId}; this AUDIT_KEY's id is ${ours}), or its key id was edited`,
    };
  }
  const expected = Buffer.from(mac(key, anchor), 'hex');
  if (!crypto.timingSafeEqual(expected, Buffer.from(anchor.mac, 'hex'))) {
    return { ok: false, problem: 'its signature does not match its content: the anchor file was altered after it was signed' };
  }
  return { ok: true, anchor };
}
