/**
 * The history of one thing (an action, a patient's record) as people read it: who did what, when,
 * through which channel, what changed and why. Newest last, like a chat thread.
 */
import { sql } from 'drizzle-orm';
import { rowsOf } from '../db/client.js';
import type { Queryable } from '../db/database.js';
import { actionRef, parseActionRef } from '../domain/actions/kinds.js';
import type { TimelineEntry, TimelineFilter } from '../domain/audit.js';

export type { TimelineEntry, TimelineFilter } from '../domain/audit.js';

interface TimelineRow {
  seq: number | string;
  at: string;
  actor_name: string;
  via: string;
  verb: string;
  entity_type: string;
  entity_id: string;
  before: string | null;
  after: string | null;
  reason: string | null;
}

/** Actions are recorded as "A-1042"; accept what people type ("a1042", "1042") as well. */
function normalisedEntityId(entityType: string, entityId: string): string {
  if (entityType !== 'action') return entityId;
  const id = parseActionRef(entityId);
  return id === null ? entityId : actionRef(id);
}

/** The latest `limit` events for the entity or patient, oldest first. */
export async function auditTimeline(db: Queryable, filter: TimelineFilter, limit = 50): Promise<TimelineEntry[]> {
  const where = 'patientRef' in filter
    ? sql`patient_ref = ${filter.patientRef}`
    : sql`entity_type = ${filter.entityType} AND entity_id = ${normalisedEntityId(filter.entityType, filter.entityId)}`;
  const rows = rowsOf<TimelineRow>(await db.execute(sql`
    SELECT seq, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at, actor_name, via, verb,
      entity_type, entity_id, before::text AS before, after::text AS after, reason
    FROM audit_events WHERE ${where}
    ORDER BY seq DESC LIMIT ${Math.max(0, Math.trunc(limit))}`));
  return rows.reverse().map((row) => ({
    seq: Number(row.seq),
    at: row.at,
    actorName: row.actor_name,
    via: row.via,
    verb: row.verb,
    entityType: row.entity_type,
    entityId: row.entity_id,
    before: row.before === null ? null : JSON.parse(row.before),
    after: row.after === null ? null : JSON.parse(row.after),
    reason: row.reason,
  }));
}
