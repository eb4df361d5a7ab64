/**
 * The delivery outbox in SQL (one dialect for PGlite and PostgreSQL). Rows are queued inside the
 * transaction of the change that caused them, so a rolled-back change posts nothing and a
 * committed one is never lost; workers claim them with a lease and record the outcome.
 *
 * Lifecycle: pending ─claim─▶ sending ─▶ delivered
 *                  ▲            │ └──▶ dead ─(outbox retry ID)─▶ pending
 *                  └─ retry ────┘      (a lease that runs out makes `sending` claimable again)
 *
 * `attempts` is raised when a row is claimed, so it counts every call started (a call in flight
 * at a crash included) and doubles as the claim's fencing token: a worker whose lease ran out and
 * was re-claimed by another no longer matches it and cannot overwrite the newer outcome.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { ChannelRef, Platform } from '../app/request.js';
import { appendAudit, SYSTEM_ACTOR_NAME, type AuditActor } from '../audit/append.js';
import { rowsOf } from '../db/client.js';
import type { Database, Queryable } from '../db/database.js';
import { pgErrorCode } from '../db/errors.js';
import { dateValue, jsonValue } from '../db/values.js';
import { linkDigestMessage } from '../digests/digest-links.js';
import { fail, ok, type Outcome } from '../domain/outcome.js';
import type { MessageView, ViewSubject } from '../views/model.js';
import { classifyFailure, decideFailure, type ChannelKey, type FailureDecision } from './schedule.js';

export type OutboxKind = 'post' | 'update';
export type OutboxStatus = 'pending' | 'sending' | 'delivered' | 'dead';

/** A claimed row: everything the worker needs to render and send it. */
export interface OutboxRow {
  id: number;
  platform: Platform;
  tenant: string;
  channelId: string;
  kind: OutboxKind;
  /** For updates: the `messages` row to re-render, and its id on the platform. */
  messageRowId: number | null;
  messageId: string | null;
  subject: Record<string, unknown> | null;
  view: MessageView | null;
  /** Tries started so far, this one included. */
  attempts: number;
  correlationId: string | null;
}

type Row = Record<string, unknown>;
const ts = (d: Date) => sql`${d.toISOString()}::timestamptz`;
const json = (value: unknown) => sql`${JSON.stringify(value)}::jsonb`;

export interface EnqueuePost {
  channel: ChannelRef;
  /** What to render when sending (re-rendered from the database, so the post shows the state then). */
  subject?: ViewSubject;
  /** A view frozen now, for posts that are not re-rendered (notices). Used only without a subject. */
  view?: MessageView;
  correlationId: string;
  /** Queue time (defaults to the database's clock). */
  now?: Date;
}

/** Queues a post; call it inside the transaction of the change it announces. Returns the outbox id. */
export async function enqueuePost(tx: Queryable, post: EnqueuePost): Promise<number> {
  if (post.subject === undefined && post.view === undefined) throw new TypeError('enqueuePost: give a subject or a view');
  // Truncated to the millisecond: workers compare due times with their JavaScript clock, which has
  // no microseconds, so a row queued in the same millisecond as a drain would otherwise wait a poll.
  const at = post.now ? ts(post.now) : sql`date_trunc('milliseconds', now())`;
  const [row] = rowsOf<{ id: number | string }>(await tx.execute(sql`INSERT INTO outbox
      (platform, tenant, channel_id, kind, subject, view, correlation_id, next_attempt_at, created_at)
    VALUES (${post.channel.platform}, ${post.channel.tenant}, ${post.channel.channelId}, 'post',
      ${post.subject ? json(post.subject) : null}, ${post.view ? json(post.view) : null}, ${post.correlationId}, ${at}, ${at})
    RETURNING id`));
  return Number(row!.id);
}

function toOutboxRow(r: Row): OutboxRow {
  return {
    id: Number(r.id), platform: r.platform as Platform, tenant: r.tenant as string, channelId: r.channel_id as string,
    kind: r.kind as OutboxKind,
    messageRowId: r.message_row_id === null || r.message_row_id === undefined ? null : Number(r.message_row_id),
    messageId: (r.message_id as string | null) ?? null,
    subject: jsonValue<Record<string, unknown>>(r.subject), view: jsonValue<MessageView>(r.view),
    attempts: Number(r.attempts), correlationId: (r.correlation_id as string | null) ?? null,
  };
}

export interface ClaimOptions {
  now: Date;
  limit: number;
  leaseMs: number;
  /** Only rows for these platforms (those with a deliverer in this process); the rest wait. */
  platforms: readonly Platform[];
  /** Channels not to take rows from now (busy, paced or held after a 429 in this worker). */
  excludeChannels?: readonly ChannelKey[];
}

/**
 * Takes due rows: pending ones whose time has come, and `sending` ones whose lease ran out (their
 * worker died mid-call). At most one row per channel, oldest first, and none from a channel that
 * another worker is calling now: pacing is per channel, so a second row of a channel would only
 * sit under a lease. SKIP LOCKED lets several workers claim at once without taking the same row;
 * the due condition is repeated on the locking read so a row claimed and committed by another
 * worker meanwhile is re-checked, and skipped, rather than taken twice.
 */
export async function claimDue(db: Queryable, options: ClaimOptions): Promise<OutboxRow[]> {
  if (options.platforms.length === 0 || options.limit <= 0) return [];
  const now = ts(options.now);
  const platforms = sql.join(options.platforms.map((p) => sql`${p}`), sql`, `);
  const excluded = JSON.stringify((options.excludeChannels ?? []).map((c) => ({ platform: c.platform, tenant: c.tenant, channel_id: c.channelId })));
  const due: SQL = sql`((o.status = 'pending' AND o.next_attempt_at <= ${now}) OR (o.status = 'sending' AND o.lease_until <= ${now}))`;
  // Shaped so its cost follows the number of channels with work, not the length of the queue (a
  // busy channel paced at one call a second can hold thousands of rows, often before the table's
  // statistics know it): the channels with live rows are walked through outbox_live_channel_idx
  // one jump at a time (a loose index scan), busy ones are dropped through a small hashed set,
  // and each remaining channel's oldest due row is one index probe. Earlier shapes scanned the
  // whole queue on every lease, one of them once per queued row.
  const live = sql`status IN ('pending', 'sending')`;
  const rows = rowsOf<Row>(await db.execute(sql`WITH RECURSIVE channels AS (
      (SELECT platform, tenant, channel_id FROM outbox WHERE ${live} AND platform IN (${platforms})
        ORDER BY platform, tenant, channel_id LIMIT 1)
      UNION ALL
      SELECT next.platform, next.tenant, next.channel_id FROM channels c CROSS JOIN LATERAL (
        SELECT platform, tenant, channel_id FROM outbox
        WHERE ${live} AND platform IN (${platforms}) AND (platform, tenant, channel_id) > (c.platform, c.tenant, c.channel_id)
        ORDER BY platform, tenant, channel_id LIMIT 1) next
    ), busy AS MATERIALIZED (
      SELECT s.platform, s.tenant, s.channel_id FROM outbox s WHERE s.status = 'sending' AND s.lease_until > ${now}
      UNION
      SELECT x.platform, x.tenant, x.channel_id FROM jsonb_to_recordset(${excluded}::jsonb) AS x(platform text, tenant text, channel_id text)
    ), heads AS MATERIALIZED (
      SELECT head.id FROM channels c CROSS JOIN LATERAL (
        SELECT o.id FROM outbox o
        WHERE o.platform = c.platform AND o.tenant = c.tenant AND o.channel_id = c.channel_id AND o.status IN ('pending', 'sending') AND ${due}
        ORDER BY o.id LIMIT 1) head
      WHERE (c.platform, c.tenant, c.channel_id) NOT IN (SELECT platform, tenant, channel_id FROM busy)
    )
    UPDATE outbox SET status = 'sending', lease_until = ${ts(new Date(options.now.getTime() + options.leaseMs))}, attempts = attempts + 1
    WHERE id IN (
      SELECT o.id FROM outbox o WHERE o.id = ANY (ARRAY(SELECT id FROM heads)) AND ${due}
      ORDER BY o.id LIMIT ${options.limit} FOR UPDATE SKIP LOCKED)
    RETURNING id, platform, tenant, channel_id, kind, message_row_id, subject, view, attempts, correlation_id,
      (SELECT m.message_id FROM messages m WHERE m.id = outbox.message_row_id) AS message_id`));
  return rows.map(toOutboxRow).sort((a, b) => a.id - b.id);
}

/** This claim still holds the row (see `attempts` above). */
const ours = (row: OutboxRow) => sql`id = ${row.id} AND status = 'sending' AND attempts = ${row.attempts}`;

/** The action ids a subject shows: their changes re-render the message. */
export function actionIdsOf(subject: Record<string, unknown> | null): number[] {
  return subject?.kind === 'action' && typeof subject.actionId === 'number' ? [subject.actionId] : [];
}

export function systemDeliveryActor(row: OutboxRow): AuditActor {
  return {
    id: null, name: SYSTEM_ACTOR_NAME, identity: 'system', via: row.platform, channel: `${row.platform}:${row.channelId}`,
    correlationId: row.correlationId ?? 'outbox',
  };
}

/**
 * Records a delivery, in one transaction: the row delivered and, for a post, the message (what
 * it shows, for later updates) and its `message.posted` audit event. A post is recorded even if
 * this worker's lease was lost meanwhile: the message exists on the platform either way, and must
 * be kept current. Safe to call again after an error: the message reference is unique.
 * Returns whether this claim still held the row.
 */
export async function markDelivered(db: Database, row: OutboxRow, result: { messageId: string; now: Date }): Promise<{ current: boolean }> {
  const delivered = sql`UPDATE outbox SET status = 'delivered', delivered_message_id = ${result.messageId},
        delivered_at = ${ts(result.now)}, lease_until = NULL WHERE ${ours(row)} RETURNING id`;
  if (row.kind === 'update') {
    // An update writes two rows and no audit event: one statement (both commit together), where a
    // transaction cost four round trips for each card kept current.
    const updated = rowsOf<Row>(await db.execute(sql`WITH done AS (${delivered}),
        touched AS (UPDATE messages SET updated_at = ${ts(result.now)} WHERE id = ${row.messageRowId} RETURNING id)
      SELECT id FROM done`));
    return { current: updated.length === 1 };
  }
  return db.transaction(async (tx) => {
    const updated = rowsOf<Row>(await tx.execute(delivered));
    const subject = row.subject ?? { kind: 'notice' };
    const [message] = rowsOf<{ id: number | string }>(await tx.execute(sql`INSERT INTO messages
        (platform, tenant, channel_id, message_id, subject, created_at, updated_at)
      VALUES (${row.platform}, ${row.tenant}, ${row.channelId}, ${result.messageId}, ${json(subject)}, ${ts(result.now)}, ${ts(result.now)})
      ON CONFLICT (platform, tenant, channel_id, message_id) DO NOTHING RETURNING id`));
    if (!message) return { current: updated.length === 1 };
    const actionIds = actionIdsOf(row.subject);
    for (const actionId of actionIds) {
      await tx.execute(sql`INSERT INTO message_actions (message_row_id, action_id) VALUES (${Number(message.id)}, ${actionId})`);
    }
    // A daily digest is linked to the actions it covers, so it re-renders as they are claimed and closed.
    if (row.subject?.kind === 'digest' && typeof row.subject.runId === 'number') {
      await linkDigestMessage(tx, { messageRowId: Number(message.id), platform: row.platform, tenant: row.tenant, channelId: row.channelId }, row.subject.runId, result.now);
    }
    // The audit trail (unlike the logs) may name the patient: it lets an inspection find the post.
    const [patient] = actionIds.length === 0 ? [] : rowsOf<{ patient_ref: string }>(await tx.execute(sql`SELECT p.patient_ref
      FROM actions a JOIN patients p ON p.id = a.patient_id WHERE a.id = ${actionIds[0]}`));
    await appendAudit(tx, systemDeliveryActor(row), {
      verb: 'message.posted', entityType: 'message',
      entityId: `${row.platform}:${row.tenant}:${row.channelId}:${result.messageId}`,
      patientRef: patient?.patient_ref ?? null, after: { outboxId: row.id, subject },
    }, result.now);
    return { current: updated.length === 1 };
  });
}

export type FailureOutcome = FailureDecision & { code: string; current: boolean; mergedInto?: number };

/**
 * Queues a row again at `nextAttemptAt`. Only one pending update per message may exist (the
 * trigger on `actions` may have queued a new one while this one was being sent): then this one is
 * folded into it, keeping the later time and the higher attempt count, since both would render
 * the same current state. Returns the id of the row that stays queued.
 */
async function requeue(tx: Queryable, row: OutboxRow, where: SQL, set: SQL, nextAttemptAt: Date,
  carryAttempts: boolean): Promise<number | null> {
  if (row.kind === 'update') {
    const [other] = rowsOf<{ id: number | string }>(await tx.execute(sql`SELECT id FROM outbox
      WHERE kind = 'update' AND status = 'pending' AND message_row_id = ${row.messageRowId} AND id <> ${row.id} FOR UPDATE`));
    if (other) {
      const gone = rowsOf<Row>(await tx.execute(sql`DELETE FROM outbox WHERE ${where} RETURNING attempts`));
      if (gone.length === 0) return null;
      const attempts = carryAttempts ? Number(gone[0]!.attempts) : 0;
      await tx.execute(sql`UPDATE outbox SET attempts = GREATEST(attempts, ${attempts}),
        next_attempt_at = GREATEST(next_attempt_at, ${ts(nextAttemptAt)}) WHERE id = ${Number(other.id)}`);
      return Number(other.id);
    }
  }
  const moved = rowsOf<Row>(await tx.execute(sql`UPDATE outbox SET status = 'pending', lease_until = NULL,
    next_attempt_at = ${ts(nextAttemptAt)}, ${set} WHERE ${where} RETURNING id`));
  return moved.length === 1 ? row.id : null;
}

/**
 * Runs `fn` in a transaction, once more if a concurrent update of the same message was queued
 * between our check and our write (the unique index on pending updates then refuses ours).
 */
async function retryOnPendingUpdateRace<T>(db: Database, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction(fn);
    } catch (err) {
      if (attempt >= 3 || pgErrorCode(err) !== '23505') throw err;
    }
  }
}

/**
 * Records a failed try: queued again with backoff (or after Retry-After), or dead-lettered when
 * the error is permanent or the attempts are spent. `last_error` keeps the error code only.
 */
export async function markFailed(db: Database, row: OutboxRow,
  options: { error: unknown; now: Date; maxAttempts: number; random?: () => number }): Promise<FailureOutcome> {
  const failure = classifyFailure(options.error);
  const decision = decideFailure(failure, row.attempts, options.maxAttempts, options.now, options.random);
  if (decision.status === 'dead') {
    const rows = rowsOf<Row>(await db.execute(sql`UPDATE outbox SET status = 'dead', lease_until = NULL, last_error = ${failure.code}
      WHERE ${ours(row)} RETURNING id`));
    return { ...decision, code: failure.code, current: rows.length === 1 };
  }
  const kept = await retryOnPendingUpdateRace(db, (tx) =>
    requeue(tx, row, ours(row), sql`last_error = ${failure.code}`, decision.nextAttemptAt, true));
  return { ...decision, code: failure.code, current: kept !== null, ...(kept !== null && kept !== row.id ? { mergedInto: kept } : {}) };
}

export type RetryCode = 'OUTBOX.NOT_FOUND' | 'OUTBOX.NOT_DEAD';

/**
 * Sends a dead letter again (`closedloop outbox retry ID`): pending now, attempts from zero,
 * audited as `outbox.retried`. A dead update whose message already has a newer pending update is
 * folded into that one (`queuedAs` then names it): both would show the same current state.
 */
export async function retryDead(db: Database, id: number, actor: AuditActor, now: Date): Promise<Outcome<{ queuedAs: number }, RetryCode>> {
  return retryOnPendingUpdateRace(db, async (tx) => {
    const [found] = rowsOf<Row>(await tx.execute(sql`SELECT id, platform, tenant, channel_id, kind, message_row_id, subject, view,
        attempts, correlation_id, status, last_error, NULL AS message_id FROM outbox WHERE id = ${id} FOR UPDATE`));
    if (!found) return fail('OUTBOX.NOT_FOUND', `There is no outbox row ${id}. "closedloop outbox --failed" lists the dead letters.`);
    if (found.status !== 'dead') {
      return fail('OUTBOX.NOT_DEAD', `Outbox row ${id} is ${String(found.status)}, not dead: only dead letters are sent again by hand` +
        (found.status === 'delivered' ? ' (this one was delivered).' : ' (this one is still being delivered; "closedloop outbox" shows when).'));
    }
    const row = toOutboxRow(found);
    const queuedAs = await requeue(tx, row, sql`id = ${id} AND status = 'dead'`, sql`attempts = 0`, now, false);
    await appendAudit(tx, actor, {
      verb: 'outbox.retried', entityType: 'outbox', entityId: String(id),
      before: { status: 'dead', attempts: row.attempts, lastError: found.last_error ?? null },
      after: queuedAs === id ? { status: 'pending', attempts: 0 } : { mergedInto: queuedAs },
    }, now);
    return ok({ queuedAs: queuedAs ?? id });
  });
}

/** One row as the CLI lists it: where and how it stands, never what it shows. */
export interface OutboxListing {
  id: number;
  platform: Platform;
  tenant: string;
  channelId: string;
  kind: OutboxKind;
  status: OutboxStatus;
  attempts: number;
  nextAttemptAt: Date;
  lastError: string | null;
  createdAt: Date;
}

/** Pending and sending rows (or, with `failed`, the dead letters), oldest first, with their count. */
export async function listOutbox(db: Queryable, options: { failed: boolean; limit: number }): Promise<{ rows: OutboxListing[]; total: number }> {
  const where = options.failed ? sql`status = 'dead'` : sql`status IN ('pending', 'sending')`;
  const [rows, count] = await Promise.all([
    db.execute(sql`SELECT id, platform, tenant, channel_id, kind, status, attempts, next_attempt_at, last_error, created_at
      FROM outbox WHERE ${where} ORDER BY id LIMIT ${options.limit}`),
    db.execute(sql`SELECT count(*)::int AS n FROM outbox WHERE ${where}`),
  ]);
  return {
    rows: rowsOf<Row>(rows).map((r) => ({
      id: Number(r.id), platform: r.platform as Platform, tenant: r.tenant as string, channelId: r.channel_id as string,
      kind: r.kind as OutboxKind, status: r.status as OutboxStatus, attempts: Number(r.attempts),
      nextAttemptAt: dateValue(r.next_attempt_at)!, lastError: (r.last_error as string | null) ?? null, createdAt: dateValue(r.created_at)!,
    })),
    total: Number(rowsOf<{ n: number }>(count)[0]?.n ?? 0),
  };
}
