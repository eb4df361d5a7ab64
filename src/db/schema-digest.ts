/**
 * Digests, escalation sweeps and charts.
 *
 * Scheduling is derived from these tables, not from timers: a node-cron tick only asks "what is
 * due now?". A digest run is unique per bound channel, kind and period (the team's local date for
 * a daily digest, the Monday of the week for a weekly one, the first of the month for a monthly
 * one); a sweep's step is unique per action and level. Inserting with ON CONFLICT DO NOTHING is
 * what lets a missed tick, a restart, a clock change or several instances at once post each
 * digest and raise each escalation exactly once, on PGlite and PostgreSQL alike.
 */
import { sql } from 'drizzle-orm';
import { bigint, boolean, date, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { teams } from './schema-register.js';
import { actions, channels } from './schema-workflow.js';

/** One digest queued for one channel. Its outbox post (and so its message) is rendered from this row. */
export const digestRuns = pgTable('digest_runs', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  teamId: uuid('team_id').notNull().references(() => teams.id),
  /** The bound channel (channels.id) it goes to. */
  channelRowId: uuid('channel_row_id').notNull().references(() => channels.id),
  kind: text('kind', { enum: ['daily', 'weekly', 'monthly'] }).notNull(),
  /** The team-local day the digest is for: the day (daily), the week's Monday (weekly), the 1st (monthly). */
  periodStart: date('period_start', { mode: 'string' }).notNull(),
  /** When it was due by the team's schedule (null for one run by hand outside the schedule). */
  scheduledFor: timestamp('scheduled_for', { withTimezone: true }),
  /** Queued well after its time (the service was down): the digest says so. */
  late: boolean('late').notNull().default(false),
  /** `digest run --force`: a deliberate re-post, outside the once-per-period rule, audited. */
  forced: boolean('forced').notNull().default(false),
  /** The team's first digest: overdue items are summarised by drug and test rather than listed. */
  summarised: boolean('summarised').notNull().default(false),
  /** The outbox post that delivers it. */
  outboxId: bigint('outbox_id', { mode: 'number' }),
  /** Who or what queued it: "scheduler", "cli", a chat via. */
  via: text('via').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [
  uniqueIndex('digest_runs_once_uq').on(t.channelRowId, t.kind, t.periodStart).where(sql`NOT forced`),
  index('digest_runs_team_idx').on(t.teamId, t.kind, t.periodStart),
]);

/**
 * Each rung an escalation sweep climbed for an action, at most once each: `red_duty_lead`,
 * `unclaimed_duty_lead`, `unclaimed_manager`, `stale_reminder:<claimed at>`.
 */
export const escalationSteps = pgTable('escalation_steps', {
  actionId: bigint('action_id', { mode: 'number' }).notNull().references(() => actions.id),
  level: text('level').notNull(),
  /** The escalation action it opened, if it opened one. */
  escalationActionId: bigint('escalation_action_id', { mode: 'number' }),
  detail: jsonb('detail').$type<Record<string, unknown>>(),
  raisedAt: timestamp('raised_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [primaryKey({ columns: [t.actionId, t.level] })]);

/**
 * A chart drawn for a digest or report, served at `/charts/<token>.png` (Teams fetches card images
 * by URL) and uploaded by the Slack deliverer. The token is 128 random bits; rows expire.
 */
export const chartImages = pgTable('chart_images', {
  token: text('token').primaryKey(),
  /** The PNG, base64 (one encoding on both engines). */
  pngBase64: text('png_base64').notNull(),
  width: integer('width').notNull(),
  height: integer('height').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
});

/**
 * Once-a-day jobs the scheduler runs besides digests (the morning sync): one row per job and UK
 * day, claimed with ON CONFLICT DO NOTHING so one instance runs it. A run that started but never
 * finished (the process died) may be taken over after an hour.
 */
export const schedulerJobs = pgTable('scheduler_jobs', {
  job: text('job').notNull(),
  day: date('day', { mode: 'string' }).notNull(),
  startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
  finishedAt: timestamp('finished_at', { withTimezone: true }),
}, (t) => [primaryKey({ columns: [t.job, t.day] })]);
