/**
 * Reading and changing actions. A change is always: lock the row (FOR UPDATE), decide in the pure
 * state machine, write the patch guarded by the version read, then append the audit event last
 * (its chain-head lock is held until commit, so the shorter the better).
 */
import { sql, type SQL } from 'drizzle-orm';
import { auditAppendStatement, type AuditActor, type AuditRecord } from '../audit/append.js';
import { rowsOf } from '../db/client.js';
import { dateValue, jsonValue } from '../db/values.js';
import type { Queryable } from '../db/database.js';
import type { ActionKind, ActionStatus, Priority, Role } from '../domain/actions/kinds.js';
import type { ActionQuery, ActionRecord } from '../domain/actions/records.js';
import type { ActionPatch } from '../domain/actions/transitions.js';

export type { ActionQuery, ActionRecord } from '../domain/actions/records.js';

type Row = Record<string, unknown>;


function toRecord(r: Row): ActionRecord {
  return {
    id: Number(r.id),
    kind: r.kind as ActionKind,
    status: r.status as ActionStatus,
    priority: r.priority as Priority,
    teamId: r.team_id as string,
    teamName: r.team_name as string,
    timeZone: r.time_zone as string,
    patientId: r.patient_id as string,
    patientRef: r.patient_ref as string,
    displayLabel: r.display_label as string,
    cause: jsonValue<Record<string, unknown>>(r.cause) ?? {},
    assigneeId: (r.assignee_id as string | null) ?? null,
    assigneeName: (r.assignee_name as string | null) ?? null,
    assignedRole: (r.assigned_role as Role | null) ?? null,
    claimedAt: dateValue(r.claimed_at),
    dueAt: dateValue(r.due_at)!,
    createdAt: dateValue(r.created_at)!,
    closedAt: dateValue(r.closed_at),
    outcome: (r.outcome as string | null) ?? null,
    outcomeDetail: jsonValue<Record<string, unknown>>(r.outcome_detail),
    closedReason: (r.closed_reason as string | null) ?? null,
    parentId: r.parent_id === null || r.parent_id === undefined ? null : Number(r.parent_id),
    version: Number(r.version),
  };
}

/*
 * The assignee's name is a scalar subquery, not a join: when a locking read waits for another
 * claimer's commit, PostgreSQL re-checks only the locked action row and re-evaluates expressions
 * over it, but keeps the rows it had joined. A join would still show the old (empty) assignee and
 * the loser would be told "claimed by someone" instead of a name. Patient and team never change.
 */
const SELECT_ACTIONS = sql`SELECT a.id, a.kind, a.status, a.priority, a.team_id, t.name AS team_name, t.time_zone,
    a.patient_id, p.patient_ref, p.display_label, a.cause, a.assignee_id,
    (SELECT s.name FROM staff s WHERE s.id = a.assignee_id) AS assignee_name, a.assigned_role,
    a.claimed_at, a.due_at, a.created_at, a.closed_at, a.outcome, a.outcome_detail, a.closed_reason, a.parent_id, a.version
  FROM actions a JOIN patients p ON p.id = a.patient_id JOIN teams t ON t.id = a.team_id`;

/**
 * Claims a delivery key and reads one action in a single statement (one round trip, where the
 * claim and the read side by side were two connections' round trips and waited for the slower).
 * The read sees the action as of the statement's start, as a separate read would have. Returns
 * whether this call inserted the key, and the action (null when there is none).
 */
export async function claimKeyReadingAction(db: Queryable, key: string, id: number): Promise<{ inserted: boolean; action: ActionRecord | null }> {
  const [row] = rowsOf<Row>(await db.execute(sql`WITH claimed AS (
      INSERT INTO request_receipts (delivery_key) VALUES (${key}) ON CONFLICT (delivery_key) DO NOTHING RETURNING delivery_key)
    SELECT (SELECT count(*) FROM claimed)::int AS inserted, action.*
    FROM (SELECT 1) AS one LEFT JOIN LATERAL (${SELECT_ACTIONS} WHERE a.id = ${id}) AS action ON TRUE`));
  return { inserted: Number(row?.inserted) === 1, action: row && row.id !== null && row.id !== undefined ? toRecord(row) : null };
}

export async function loadAction(db: Queryable, id: number): Promise<ActionRecord | null> {
  const [row] = rowsOf<Row>(await db.execute(sql`${SELECT_ACTIONS} WHERE a.id = ${id}`));
  return row ? toRecord(row) : null;
}

/** Loads and locks the action until the transaction ends; concurrent changers queue here. */
export async function lockAction(tx: Queryable, id: number): Promise<ActionRecord | null> {
  const [row] = rowsOf<Row>(await tx.execute(sql`${SELECT_ACTIONS} WHERE a.id = ${id} FOR UPDATE OF a`));
  return row ? toRecord(row) : null;
}

function patchAssignments(patch: ActionPatch, now: Date): SQL {
  const sets: SQL[] = [sql`version = version + 1`, sql`updated_at = ${now.toISOString()}::timestamptz`];
  const ts = (d: Date | null | undefined) => (d ? d.toISOString() : null);
  if (patch.status !== undefined) sets.push(sql`status = ${patch.status}`);
  if (patch.assigneeId !== undefined) sets.push(sql`assignee_id = ${patch.assigneeId}::uuid`);
  if (patch.assignedRole !== undefined) sets.push(sql`assigned_role = ${patch.assignedRole}`);
  if (patch.claimedAt !== undefined) sets.push(sql`claimed_at = ${ts(patch.claimedAt)}::timestamptz`);
  if (patch.closedAt !== undefined) sets.push(sql`closed_at = ${ts(patch.closedAt)}::timestamptz`);
  if (patch.outcome !== undefined) sets.push(sql`outcome = ${patch.outcome}`);
  if (patch.outcomeDetail !== undefined) sets.push(sql`outcome_detail = ${JSON.stringify(patch.outcomeDetail)}::jsonb`);
  return sql.join(sets, sql`, `);
}

/** Writes a patch if the version is still the one read; returns false when somebody got there first. */
export async function updateAction(tx: Queryable, action: ActionRecord, patch: ActionPatch, now: Date): Promise<boolean> {
  const rows = rowsOf<Row>(await tx.execute(sql`UPDATE actions SET ${patchAssignments(patch, now)}
    WHERE id = ${action.id} AND version = ${action.version} RETURNING id`));
  return rows.length === 1;
}

/**
 * Optimistic concurrency in one statement: the patch is written only if the action still has the
 * version that was read, and its audit event is appended in the same statement (so the same
 * transaction) only if it was. Returns false when somebody changed the action first; the caller
 * reads it again and decides again. One round trip, no explicit transaction, and the chain head
 * is locked only for the statement.
 */
export async function updateActionAudited(db: Queryable, action: ActionRecord, patch: ActionPatch, now: Date,
  actor: AuditActor, record: AuditRecord, alsoInsert?: SQL): Promise<boolean> {
  // A further write guarded by the same change (queuing the card for the channel) joins the statement.
  const also = alsoInsert ? sql`also AS (${alsoInsert} RETURNING 1), ` : sql``;
  const rows = rowsOf<Row>(await db.execute(sql`WITH changed AS (
      UPDATE actions SET ${patchAssignments(patch, now)} WHERE id = ${action.id} AND version = ${action.version} RETURNING id
    ), ${also}${auditAppendStatement(actor, record, now, 'changed')}`));
  return rows.length === 1;
}

/** The fields a patch changes, before and after, for the audit event. */
export function auditDiff(action: ActionRecord, patch: ActionPatch): { before: Record<string, unknown>; after: Record<string, unknown> } {
  const before: Record<string, unknown> = {};
  const after: Record<string, unknown> = {};
  const current: Record<string, unknown> = {
    status: action.status, assigneeId: action.assigneeId, assigneeName: action.assigneeName, assignedRole: action.assignedRole,
    claimedAt: action.claimedAt?.toISOString() ?? null, closedAt: action.closedAt?.toISOString() ?? null,
    outcome: action.outcome, outcomeDetail: action.outcomeDetail,
  };
  for (const [key, value] of Object.entries(patch)) {
    const next = value instanceof Date ? value.toISOString() : value;
    if (JSON.stringify(current[key] ?? null) === JSON.stringify(next ?? null)) continue;
    before[key] = current[key] ?? null;
    after[key] = next ?? null;
  }
  return { before, after };
}


/**
 * Open and claimed actions matching a list filter, most urgent first (priority, then due time, then
 * the longest-standing gap: actions raised by one sync share a due time), with the total count.
 */
export async function listActions(db: Queryable, query: ActionQuery): Promise<{ actions: ActionRecord[]; total: number }> {
  if (query.teamIds.length === 0) return { actions: [], total: 0 };
  const teamList = `{${query.teamIds.join(',')}}`;
  const conditions: SQL[] = [sql`a.status IN ('open', 'claimed')`];
  if (query.filter === 'mine') conditions.push(sql`a.assignee_id = ${query.staffId}::uuid`);
  else conditions.push(sql`a.team_id = ANY(${teamList}::uuid[])`);
  // "Overdue" covers both senses people mean: tests overdue (to chase) and actions past their due time.
  if (query.filter === 'overdue') conditions.push(sql`(a.kind = 'overdue_monitoring' OR a.due_at < ${query.now.toISOString()}::timestamptz)`);
  if (query.filter === 'unclaimed' || query.unclaimedOnly) conditions.push(sql`a.status = 'open'`);
  if (query.filter === 'red') conditions.push(sql`a.priority = 'red'`);
  if (!['open', 'mine', 'overdue', 'unclaimed', 'red'].includes(query.filter)) conditions.push(sql`a.kind = ${query.filter}`);
  const where = sql.join(conditions, sql` AND `);
  const [rows, count] = await Promise.all([
    db.execute(sql`${SELECT_ACTIONS} WHERE ${where}
      ORDER BY CASE a.priority WHEN 'red' THEN 0 WHEN 'amber' THEN 1 ELSE 2 END, a.due_at,
        a.cause ->> 'dueOn' NULLS LAST, a.id LIMIT ${query.limit}`),
    db.execute(sql`SELECT count(*)::int AS n FROM actions a WHERE ${where}`),
  ]);
  return { actions: rowsOf<Row>(rows).map(toRecord), total: Number(rowsOf<{ n: number }>(count)[0]?.n ?? 0) };
}

/** Open and claimed actions for one patient. */
export async function patientActions(db: Queryable, patientId: string): Promise<ActionRecord[]> {
  return rowsOf<Row>(await db.execute(sql`${SELECT_ACTIONS} WHERE a.patient_id = ${patientId}::uuid
    AND a.status IN ('open', 'claimed') ORDER BY a.due_at, a.id`)).map(toRecord);
}
