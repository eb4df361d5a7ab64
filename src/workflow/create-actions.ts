/**
 * Creating actions: one bulk INSERT that skips any cause already held by an open or claimed
 * action (the partial unique index actions_live_cause_uq), so concurrent syncs, retried requests
 * and a person escalating twice all create each action once. Each created action gets its
 * 'action.created' audit event in the caller's transaction.
 */
import { sql } from 'drizzle-orm';
import { appendAuditBatch, type AuditActor, type AuditRecord } from '../audit/append.js';
import { rowsOf } from '../db/client.js';
import type { Queryable } from '../db/database.js';
import type { ActionSpec } from '../domain/actions/generation-model.js';
import { actionRef, type ActionKind, type Priority, type Role } from '../domain/actions/kinds.js';
import type { CreatedAction } from '../domain/actions/records.js';
import { dateValue, jsonValue } from '../db/values.js';

export interface NewAction extends ActionSpec {
  parentId?: number | null;
}

export type { CreatedAction } from '../domain/actions/records.js';

/** Rows per INSERT: 9 parameters each, well inside PostgreSQL's 65,535. */
const CHUNK = 2_000;

type Row = Record<string, unknown>;


function toCreated(r: Row): CreatedAction {
  return {
    id: Number(r.id),
    kind: r.kind as ActionKind,
    patientId: r.patient_id as string,
    patientRef: r.patient_ref as string,
    teamId: r.team_id as string,
    causeKey: r.cause_key as string,
    cause: jsonValue<Record<string, unknown>>(r.cause) ?? {},
    priority: r.priority as Priority,
    dueAt: dateValue(r.due_at)!,
    assignedRole: (r.assigned_role as Role | null) ?? null,
    parentId: r.parent_id === null || r.parent_id === undefined ? null : Number(r.parent_id),
  };
}

/**
 * Inserts the actions whose cause has no live action yet; returns those created, by id. Writes no
 * audit: callers that write several kinds of change append every audit event last, in one batch,
 * so the audit chain's lock is taken after all row locks (two syncs then cannot deadlock).
 */
export async function insertActions(tx: Queryable, specs: NewAction[], now: Date): Promise<CreatedAction[]> {
  const seen = new Set<string>();
  const unique = specs.filter((s) => !seen.has(s.causeKey) && seen.add(s.causeKey));
  const created: CreatedAction[] = [];
  const at = now.toISOString();
  for (let i = 0; i < unique.length; i += CHUNK) {
    const values = sql.join(unique.slice(i, i + CHUNK).map((s) => sql`(${s.kind}, ${s.patientId}::uuid, ${s.teamId}::uuid,
      ${s.causeKey}, ${JSON.stringify(s.cause)}::jsonb, ${s.priority}, ${s.assignedRole ?? null}, ${s.parentId ?? null}::bigint,
      ${s.dueAt.toISOString()}::timestamptz)`), sql`, `);
    const rows = rowsOf<Row>(await tx.execute(sql`
      WITH inserted AS (
        INSERT INTO actions (kind, patient_id, team_id, cause_key, cause, priority, assigned_role, parent_id, due_at, created_at, updated_at)
        SELECT v.kind, v.patient_id, v.team_id, v.cause_key, v.cause, v.priority, v.assigned_role, v.parent_id, v.due_at,
          ${at}::timestamptz, ${at}::timestamptz
        FROM (VALUES ${values}) AS v(kind, patient_id, team_id, cause_key, cause, priority, assigned_role, parent_id, due_at)
        ON CONFLICT (cause_key) WHERE status IN ('open', 'claimed') DO NOTHING
        RETURNING id, kind, patient_id, team_id, cause_key, cause, priority, assigned_role, parent_id, due_at
      )
      SELECT i.*, p.patient_ref FROM inserted i JOIN patients p ON p.id = i.patient_id ORDER BY i.id`));
    created.push(...rows.map(toCreated));
  }
  return created;
}

/** The 'action.created' audit event of each created action. */
export function creationAuditRecords(created: CreatedAction[]): AuditRecord[] {
  return created.map((a) => ({
    verb: 'action.created',
    entityType: 'action',
    entityId: actionRef(a.id),
    patientRef: a.patientRef,
    after: {
      kind: a.kind, priority: a.priority, dueAt: a.dueAt.toISOString(), cause: a.cause,
      ...(a.assignedRole ? { assignedRole: a.assignedRole } : {}),
      ...(a.parentId !== null ? { parent: actionRef(a.parentId) } : {}),
    },
  }));
}

/** Creates actions and their audit events in the caller's transaction; returns those created. */
export async function createActions(tx: Queryable, specs: NewAction[], actor: AuditActor, now: Date): Promise<CreatedAction[]> {
  const created = await insertActions(tx, specs, now);
  await appendAuditBatch(tx, actor, creationAuditRecords(created), now);
  return created;
}
