/** Fictional register rows and queries for the workflow tests. */
import crypto from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { AuditActor } from '../../src/audit/append.js';
import { rowsOf } from '../../src/db/client.js';
import type { Database } from '../../src/db/database.js';
import { monitoringEvents, patients, prescriptions, staff, teams } from '../../src/db/schema.js';
import { requirementKeyOf, type TestKey } from '../../src/domain/test-keys.js';

export const NOW = new Date('2026-11-22T12:00:00Z');
export const AS_OF = '2026-11-22';

export function systemActor(): AuditActor {
  return { id: null, name: 'closedloop', identity: 'system', via: 'cli', channel: null, correlationId: crypto.randomUUID() };
}

/**
 * A patient in a team of their own. The team has had its first digest (it escalates) unless
 * `onboarding` is set: most tests are about a team's everyday running, not its first import.
 */
export async function addPatient(db: Database, ref: string, drugs: { drug: string; startDate: string; stoppedOn?: string }[],
  options: { onboarding?: boolean } = {}): Promise<string> {
  const [team] = await db.insert(teams).values({ name: `Team ${ref}`, firstDigestAt: options.onboarding ? null : NOW }).returning();
  const [patient] = await db.insert(patients).values({
    patientRef: ref, displayLabel: 'Fictional patient', teamId: team!.id, gpPractice: 'Test Surgery', dateOfBirth: '1970-01-01',
  }).returning();
  if (drugs.length) await db.insert(prescriptions).values(drugs.map((d) => ({ patientId: patient!.id, drug: d.drug, startDate: d.startDate, stoppedOn: d.stoppedOn ?? null })));
  return patient!.id;
}

export type EventSpec = [TestKey, 'result' | 'done' | 'dna', number | null, string | null, string];

export async function addEvents(db: Database, patientId: string, events: EventSpec[]): Promise<void> {
  await db.insert(monitoringEvents).values(events.map(([test, outcome, value, unit, takenOn]) => ({
    patientId, test, requirement: requirementKeyOf(test), outcome, value, unit, takenOn, source: 'test',
  })));
}

export async function addStaff(db: Database, email: string): Promise<string> {
  const [member] = await db.insert(staff).values({ name: 'Test Pharmacist', email, roles: ['pharmacist'] }).returning();
  return member!.id;
}

export interface ActionRow {
  id: number;
  kind: string;
  cause_key: string;
  priority: string;
  status: string;
  assigned_role: string | null;
  parent_id: number | null;
  due_at: Date;
  outcome: string | null;
  closed_reason: string | null;
  version: number;
  cause: Record<string, unknown>;
}

export async function actionsOf(db: Database, patientIds: string[]): Promise<ActionRow[]> {
  const rows = rowsOf<Record<string, unknown>>(await db.execute(sql`SELECT id, kind, cause_key, priority, status, assigned_role, parent_id,
      due_at, outcome, closed_reason, version, cause
    FROM actions WHERE patient_id = ANY(${sql.param(patientIds)}::uuid[]) ORDER BY id`));
  return rows.map((r) => ({
    ...r, id: Number(r.id), parent_id: r.parent_id === null ? null : Number(r.parent_id), version: Number(r.version),
    due_at: new Date(String(r.due_at instanceof Date ? r.due_at.toISOString() : r.due_at)),
    cause: (typeof r.cause === 'string' ? JSON.parse(r.cause) : r.cause) as Record<string, unknown>,
  })) as ActionRow[];
}

export interface AuditRow {
  seq: number;
  verb: string;
  entity_id: string;
  patient_ref: string | null;
  before: unknown;
  after: unknown;
  reason: string | null;
  correlation_id: string;
}

export async function auditFor(db: Database, entityIds: string[]): Promise<AuditRow[]> {
  const rows = rowsOf<Record<string, unknown>>(await db.execute(sql`SELECT seq, verb, entity_id, patient_ref, before, after, reason, correlation_id
    FROM audit_events WHERE entity_id = ANY(${sql.param(entityIds)}::text[]) ORDER BY seq`));
  const json = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);
  return rows.map((r) => ({ ...r, seq: Number(r.seq), before: json(r.before), after: json(r.after) })) as AuditRow[];
}

export async function auditHeadSeq(db: Database): Promise<number> {
  const [row] = rowsOf<{ seq: number | string }>(await db.execute(sql`SELECT seq FROM audit_chain_head WHERE id = 1`));
  return Number(row?.seq ?? 0);
}

/** The team a patient belongs to. */
export async function teamOf(db: Database, patientId: string): Promise<string> {
  const [row] = rowsOf<{ team_id: string }>(await db.execute(sql`SELECT team_id::text AS team_id FROM patients WHERE id = ${patientId}::uuid`));
  return row!.team_id;
}

/** Binds a chat channel to a team, as `bind TEAM [managers]` does. */
export async function bindChannel(db: Database, teamId: string, platform: 'slack' | 'teams' | 'console', channelId: string,
  purpose: 'mdt' | 'managers' = 'mdt'): Promise<void> {
  await db.execute(sql`INSERT INTO channels (platform, tenant, channel_id, team_id, purpose)
    VALUES (${platform}, 'T-TEST', ${channelId}, ${teamId}::uuid, ${purpose})`);
}

/** The action cards queued in the outbox for these actions: one row per post, oldest first. */
export async function postsOf(db: Database, actionIds: number[]): Promise<{ actionId: number; platform: string; channelId: string }[]> {
  const rows = rowsOf<{ action_id: string | number; platform: string; channel_id: string }>(await db.execute(sql`SELECT subject->>'actionId' AS action_id,
      platform, channel_id FROM outbox
    WHERE kind = 'post' AND (subject->>'actionId')::bigint = ANY(${sql.param(actionIds)}::bigint[]) ORDER BY id`));
  return rows.map((r) => ({ actionId: Number(r.action_id), platform: r.platform, channelId: r.channel_id }));
}
