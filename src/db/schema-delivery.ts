/**
 * Delivery: what closedloop posted where, and what it still has to post or update.
 *
 * Every post and every update of a posted message is an outbox row written in the same
 * transaction as the change that caused it; a worker in the service delivers it with retries, so
 * a crash or a platform outage loses nothing. A posted message remembers the actions it shows:
 * when one of them changes (from any channel, the CLI or the scheduler) a trigger on `actions`
 * queues an update of that message, which is re-rendered from the database when it is sent.
 */
import { sql } from 'drizzle-orm';
import { bigint, index, integer, jsonb, pgTable, primaryKey, text, timestamp, unique, uniqueIndex } from 'drizzle-orm/pg-core';
import { actions } from './schema-workflow.js';

const PLATFORM = ['slack', 'teams', 'console'] as const;

/** A message the platform accepted: its reference there, and what it shows. */
export const messages = pgTable('messages', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  platform: text('platform', { enum: PLATFORM }).notNull(),
  /** Slack workspace id or Teams tenant id. */
  tenant: text('tenant').notNull(),
  channelId: text('channel_id').notNull(),
  /** Slack message ts, Teams activity id. */
  messageId: text('message_id').notNull(),
  /** What the message shows, so it can be re-rendered: e.g. {"kind":"action","actionId":1042}. */
  subject: jsonb('subject').$type<Record<string, unknown>>().notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [unique('messages_platform_ref_uq').on(t.platform, t.tenant, t.channelId, t.messageId)]);

/** Which actions each posted message shows: a change to one of them re-renders the message. */
export const messageActions = pgTable('message_actions', {
  messageRowId: bigint('message_row_id', { mode: 'number' }).notNull().references(() => messages.id),
  actionId: bigint('action_id', { mode: 'number' }).notNull().references(() => actions.id),
}, (t) => [primaryKey({ columns: [t.messageRowId, t.actionId] }), index('message_actions_action_idx').on(t.actionId)]);

/**
 * The delivery outbox. `pending` rows wait for `next_attempt_at`; a worker takes one by setting
 * `sending` with a lease (another worker, or the same one after a crash, takes it again once the
 * lease has run out); `delivered` rows keep the platform's message id; `dead` rows ran out of
 * attempts and wait for `closedloop outbox retry ID`.
 */
export const outbox = pgTable('outbox', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  platform: text('platform', { enum: PLATFORM }).notNull(),
  tenant: text('tenant').notNull(),
  channelId: text('channel_id').notNull(),
  kind: text('kind', { enum: ['post', 'update'] }).notNull(),
  /** For updates: the posted message to re-render. */
  messageRowId: bigint('message_row_id', { mode: 'number' }).references(() => messages.id),
  /** For posts of a re-renderable view: what to render at delivery, e.g. {"kind":"action","actionId":1042}. */
  subject: jsonb('subject').$type<Record<string, unknown>>(),
  /** For posts that are not re-rendered (a notice): the view as it was when queued. */
  view: jsonb('view').$type<Record<string, unknown>>(),
  status: text('status', { enum: ['pending', 'sending', 'delivered', 'dead'] }).notNull().default('pending'),
  attempts: integer('attempts').notNull().default(0),
  nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().defaultNow(),
  leaseUntil: timestamp('lease_until', { withTimezone: true }),
  /** The last failure as a code (never a payload or patient data). */
  lastError: text('last_error'),
  /** The platform's id for the delivered message (Slack ts, Teams activity id). */
  deliveredMessageId: text('delivered_message_id'),
  /** The correlation id of the request that queued it, for the audit trail and logs. */
  correlationId: text('correlation_id'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  deliveredAt: timestamp('delivered_at', { withTimezone: true }),
}, (t) => [
  index('outbox_due_idx').on(t.nextAttemptAt).where(sql`status = 'pending'`),
  index('outbox_sending_idx').on(t.leaseUntil).where(sql`status = 'sending'`),
  index('outbox_dead_idx').on(t.id).where(sql`status = 'dead'`),
  // Live rows by channel: each channel's oldest row for the worker, and "is this card already
  // queued here?" when a change queues one. Without it both scan every queued row, and a busy
  // channel's backlog made each claim and each lease slower as it grew.
  index('outbox_live_channel_idx').on(t.platform, t.tenant, t.channelId, t.id).where(sql`status IN ('pending', 'sending')`),
  // A burst of changes to one message's actions queues one update, rendered when it is sent.
  uniqueIndex('outbox_pending_update_uq').on(t.messageRowId).where(sql`status = 'pending' AND kind = 'update'`),
]);

/**
 * Where the bot may post proactively: a platform's stored conversation reference (Teams: the
 * serviceUrl, conversation, bot and tenant from the installation or the latest message), by
 * channel, and by person for personal chats (replies meant for one person go there).
 */
export const conversations = pgTable('conversations', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  platform: text('platform', { enum: PLATFORM }).notNull(),
  tenant: text('tenant').notNull(),
  /** The conversation id (a Teams channel, group chat or personal chat). */
  channelId: text('channel_id').notNull(),
  kind: text('kind', { enum: ['channel', 'groupChat', 'personal'] }).notNull(),
  /** For personal chats: the person's platform user id (Teams: AAD object id). */
  userId: text('user_id'),
  /** The platform's reference, as JSON (never logged). */
  reference: jsonb('reference').$type<Record<string, unknown>>().notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [
  unique('conversations_channel_uq').on(t.platform, t.tenant, t.channelId),
  index('conversations_personal_idx').on(t.platform, t.tenant, t.userId).where(sql`kind = 'personal'`),
]);
