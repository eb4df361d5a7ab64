/**
 * Workflow tables: staff and their platform identities, chat channels bound to teams, actions
 * (the things somebody must do) and the append-only, hash-chained audit trail.
 */
import { sql } from 'drizzle-orm';
import {
  bigint, boolean, date, index, integer, jsonb, pgTable, primaryKey, text, timestamp, unique, uniqueIndex, uuid,
} from 'drizzle-orm/pg-core';
import { patients, teams } from './schema-register.js';

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

/** A member of staff; roles decide what they may do, team memberships where. */
export const staff = pgTable('staff', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  /** Lower-cased; the key for linking platform identities by verified email. */
  email: text('email').notNull().unique(),
  roles: text('roles').array().notNull(),
  active: boolean('active').notNull().default(true),
  createdAt: createdAt(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

export const staffTeams = pgTable('staff_teams', {
  staffId: uuid('staff_id').notNull().references(() => staff.id),
  teamId: uuid('team_id').notNull().references(() => teams.id),
}, (t) => [primaryKey({ columns: [t.staffId, t.teamId] }), index('staff_teams_team_idx').on(t.teamId)]);

/**
 * A chat account (Slack workspace + user, Teams tenant + AAD object id, or the console) linked to
 * a member of staff, by verified email or by an admin.
 */
export const platformIdentities = pgTable('platform_identities', {
  id: uuid('id').primaryKey().defaultRandom(),
  platform: text('platform', { enum: ['slack', 'teams', 'console'] }).notNull(),
  /** Slack workspace id, Teams tenant id, or "local" for the console. */
  tenant: text('tenant').notNull(),
  externalId: text('external_id').notNull(),
  staffId: uuid('staff_id').notNull().references(() => staff.id),
  linkedBy: text('linked_by', { enum: ['verified_email', 'admin'] }).notNull(),
  createdAt: createdAt(),
}, (t) => [unique('platform_identities_account_uq').on(t.platform, t.tenant, t.externalId)]);

/** A chat channel bound to a team: lists and digests posted there are that team's. */
export const channels = pgTable('channels', {
  id: uuid('id').primaryKey().defaultRandom(),
  platform: text('platform', { enum: ['slack', 'teams', 'console'] }).notNull(),
  tenant: text('tenant').notNull(),
  channelId: text('channel_id').notNull(),
  teamId: uuid('team_id').notNull().references(() => teams.id),
  /** "mdt": the team's channel (lists, action cards, daily digests); "managers": its managers' channel (weekly digests). */
  purpose: text('purpose', { enum: ['mdt', 'managers'] }).notNull().default('mdt'),
  boundBy: uuid('bound_by').references(() => staff.id),
  createdAt: createdAt(),
}, (t) => [unique('channels_platform_channel_uq').on(t.platform, t.tenant, t.channelId)]);

/**
 * One row per thing somebody must do. The human id is `A-<id>` (ids start at 1000).
 * `cause_key` names what the action came from (a requirement, a result, a DNA, a discharge, a
 * parent action); at most one open or claimed action exists per cause, which is what makes
 * generation idempotent under concurrent syncs.
 */
export const actions = pgTable('actions', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity({ startWith: 1000 }),
  kind: text('kind', {
    enum: ['overdue_monitoring', 'result_review', 'dna_followup', 'reconciliation', 'escalation', 'clinical_decision'],
  }).notNull(),
  patientId: uuid('patient_id').notNull().references(() => patients.id),
  teamId: uuid('team_id').notNull().references(() => teams.id),
  causeKey: text('cause_key').notNull(),
  /** What the action came from, for the card: drug, test, event id, value, flag, reason… */
  cause: jsonb('cause').$type<Record<string, unknown>>().notNull().default({}),
  priority: text('priority', { enum: ['routine', 'amber', 'red'] }).notNull(),
  status: text('status', { enum: ['open', 'claimed', 'closed', 'cancelled'] }).notNull().default('open'),
  assigneeId: uuid('assignee_id').references(() => staff.id),
  /** For escalations and clinical decisions: the role in the team's chain the action is for. */
  assignedRole: text('assigned_role'),
  parentId: bigint('parent_id', { mode: 'number' }),
  dueAt: timestamp('due_at', { withTimezone: true }).notNull(),
  outcome: text('outcome'),
  outcomeDetail: jsonb('outcome_detail').$type<Record<string, unknown>>(),
  closedReason: text('closed_reason'),
  createdAt: createdAt(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  claimedAt: timestamp('claimed_at', { withTimezone: true }),
  closedAt: timestamp('closed_at', { withTimezone: true }),
  version: integer('version').notNull().default(1),
}, (t) => [
  uniqueIndex('actions_live_cause_uq').on(t.causeKey).where(sql`status IN ('open', 'claimed')`),
  index('actions_team_status_idx').on(t.teamId, t.status),
  index('actions_patient_idx').on(t.patientId),
  index('actions_assignee_idx').on(t.assigneeId),
]);

/**
 * The shared-care audit trail. Rows are never updated or deleted (triggers in migration 0005
 * reject it), and each row's hash covers its canonical content and the previous row's hash, so
 * any edit made behind the triggers' back breaks the chain at that row.
 */
export const auditEvents = pgTable('audit_events', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  /** Position in the chain, gap-free, assigned under the chain head's row lock. */
  seq: bigint('seq', { mode: 'number' }).notNull().unique(),
  at: timestamp('at', { withTimezone: true, mode: 'string' }).notNull(),
  actorId: uuid('actor_id'),
  /** The actor's name at the time (staff can be renamed), or "closedloop" for the system. */
  actorName: text('actor_name').notNull(),
  /** e.g. "slack:T123:U456", "console:local:ana@example.nhs.uk", "scheduler". */
  identity: text('identity').notNull(),
  via: text('via', { enum: ['slack', 'teams', 'console', 'scheduler', 'cli', 'demo'] }).notNull(),
  channel: text('channel'),
  verb: text('verb').notNull(),
  entityType: text('entity_type').notNull(),
  entityId: text('entity_id').notNull(),
  /** The patient concerned, for inspection exports by patient (pseudonymous reference). */
  patientRef: text('patient_ref'),
  before: jsonb('before'),
  after: jsonb('after'),
  reason: text('reason'),
  correlationId: text('correlation_id').notNull(),
  prevHash: text('prev_hash').notNull(),
  hash: text('hash').notNull(),
}, (t) => [
  index('audit_events_entity_idx').on(t.entityType, t.entityId),
  index('audit_events_patient_idx').on(t.patientRef),
  index('audit_events_at_idx').on(t.at),
]);

/** The single row every append locks and advances: the last sequence number and hash. */
export const auditChainHead = pgTable('audit_chain_head', {
  id: integer('id').primaryKey(),
  seq: bigint('seq', { mode: 'number' }).notNull(),
  hash: text('hash').notNull(),
  /**
   * The hash before the last append. An append sets prev_hash = hash and hash = next in one
   * UPDATE, whose SET sees the row as locked, so RETURNING gives both without a stale read.
   */
  prevHash: text('prev_hash').notNull(),
});

/** A hospital discharge: opens a medicines reconciliation due within the configured hours. */
export const discharges = pgTable('discharges', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  patientId: uuid('patient_id').notNull().references(() => patients.id),
  dischargedOn: date('discharged_on', { mode: 'string' }).notNull(),
  /** Where the record came from: "chat", "import". */
  source: text('source').notNull(),
  recordedBy: uuid('recorded_by').references(() => staff.id),
  createdAt: createdAt(),
}, (t) => [unique('discharges_patient_day_uq').on(t.patientId, t.dischargedOn)]);

/**
 * Requests already handled, by the platform's delivery id: a retried delivery is answered with
 * the stored reply and changes nothing. Written in the same transaction as the change.
 */
export const requestReceipts = pgTable('request_receipts', {
  deliveryKey: text('delivery_key').primaryKey(),
  response: jsonb('response'),
  createdAt: createdAt(),
});
