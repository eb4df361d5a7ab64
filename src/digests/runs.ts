/**
 * Digest runs: each digest queued exactly once per bound channel, kind and period, however many
 * ticks, restarts, instances or `digest run` commands ask for it.
 *
 * The argument: a run is a row of `digest_runs`, whose partial unique index (channel, kind,
 * period) WHERE NOT forced admits one scheduled or hand-run row per period. The row, its outbox
 * post, the team's first-digest mark and the audit event are written in ONE transaction, and the
 * post is queued only when the INSERT … ON CONFLICT DO NOTHING inserted the row. Two writers at
 * once: the second waits on the first's index entry and, when it commits, inserts nothing and so
 * queues nothing; if the first rolls back, the second inserts. So exactly one post per period
 * reaches the outbox, and the outbox delivers each row once (docs/delivery.md for its one
 * duplicate window). A forced re-post is a row outside the index, audited as such.
 */
import { sql } from 'drizzle-orm';
import { appendAudit, type AuditActor, type Via } from '../audit/append.js';
import { rowsOf } from '../db/client.js';
import type { Database, Queryable } from '../db/database.js';
import { dateValue } from '../db/values.js';
import type { IsoDate } from '../domain/dates.js';
import type { DigestKind } from '../domain/digest/schedule.js';
import { enqueuePost } from '../delivery/outbox-store.js';
import type { DigestChannel } from './team-data.js';

export type { DigestKind } from '../domain/digest/schedule.js';
export const DIGEST_KINDS: readonly DigestKind[] = ['daily', 'weekly', 'monthly'];

/** Daily digests go to the team's MDT channels; weekly and monthly ones to its managers' channels. */
export function digestPurpose(kind: DigestKind): 'mdt' | 'managers' {
  return kind === 'daily' ? 'mdt' : 'managers';
}

export interface QueueDigestRun {
  team: { id: string; name: string; timeZone: string };
  channel: DigestChannel;
  kind: DigestKind;
  /** The team-local day the digest is for (daily), the week's Monday (weekly), the 1st (monthly). */
  periodStart: IsoDate;
  /** When the schedule wanted it; null for one run by hand. */
  scheduledFor: Date | null;
  late: boolean;
  /** A deliberate re-post (`digest run --force`), outside the once-per-period rule. */
  forced: boolean;
  via: Via;
  actor: AuditActor;
  correlationId: string;
  now: Date;
}

export type QueueDigestResult =
  | { status: 'queued'; runId: number; outboxId: number; summarised: boolean }
  | { status: 'already_run'; runId: number; queuedAt: Date };

/** "slack T0001/C0002": where a run went, for audit reasons and CLI lines (no names, no content). */
export function describeChannel(channel: Pick<DigestChannel, 'platform' | 'tenant' | 'channelId'>): string {
  return `${channel.platform} ${channel.tenant}/${channel.channelId}`;
}

async function existingRun(tx: Queryable, run: QueueDigestRun): Promise<{ id: number; queuedAt: Date }> {
  const [row] = rowsOf<{ id: number | string; created_at: unknown }>(await tx.execute(sql`SELECT id, created_at FROM digest_runs
    WHERE channel_row_id = ${run.channel.id}::uuid AND kind = ${run.kind} AND period_start = ${run.periodStart}::date AND NOT forced`));
  if (!row) throw new Error('digest_runs: the conflicting run is not visible'); // cannot happen under READ COMMITTED
  return { id: Number(row.id), queuedAt: dateValue(row.created_at)! };
}

/**
 * Queues one digest for one channel, once (see the module comment). A daily digest of a team that
 * has had none yet is its first: `summarised` (the register's backlog is shown as counts by drug
 * and test, not one line each). Its delivery sets `teams.first_digest_at` (src/digests/digest-links.ts),
 * which ends the team's onboarding: escalations are held back until a digest has been posted, not
 * merely queued. Every channel's digest of that first day is summarised alike.
 */
export async function queueDigestRun(db: Database, run: QueueDigestRun): Promise<QueueDigestResult> {
  const at = sql`${run.now.toISOString()}::timestamptz`;
  const summarised = run.kind === 'daily'
    ? sql`((SELECT t.first_digest_at IS NULL FROM teams t WHERE t.id = ${run.team.id}::uuid)
        OR EXISTS (SELECT 1 FROM digest_runs d WHERE d.team_id = ${run.team.id}::uuid AND d.kind = 'daily'
          AND d.period_start = ${run.periodStart}::date AND d.summarised))`
    : sql`false`;
  return db.transaction(async (tx) => {
    const [inserted] = rowsOf<{ id: number | string; summarised: boolean }>(await tx.execute(sql`INSERT INTO digest_runs
        (team_id, channel_row_id, kind, period_start, scheduled_for, late, forced, summarised, via, created_at)
      VALUES (${run.team.id}::uuid, ${run.channel.id}::uuid, ${run.kind}, ${run.periodStart}::date,
        ${run.scheduledFor ? run.scheduledFor.toISOString() : null}::timestamptz, ${run.late}::boolean, ${run.forced}::boolean, ${summarised}, ${run.via}, ${at})
      ON CONFLICT (channel_row_id, kind, period_start) WHERE NOT forced DO NOTHING
      RETURNING id, summarised`));
    if (!inserted) {
      const existing = await existingRun(tx, run);
      return { status: 'already_run', runId: existing.id, queuedAt: existing.queuedAt };
    }
    const runId = Number(inserted.id);
    const outboxId = await enqueuePost(tx, {
      channel: { platform: run.channel.platform, tenant: run.channel.tenant, channelId: run.channel.channelId },
      subject: { kind: 'digest', runId }, correlationId: run.correlationId, now: run.now,
    });
    await tx.execute(sql`UPDATE digest_runs SET outbox_id = ${outboxId} WHERE id = ${runId}`);
    const where = describeChannel(run.channel);
    await appendAudit(tx, run.actor, {
      verb: run.forced ? 'digest.reposted' : 'digest.queued',
      entityType: 'digest_run', entityId: String(runId),
      after: {
        team: run.team.name, kind: run.kind, periodStart: run.periodStart, channel: `${run.channel.platform}:${run.channel.tenant}:${run.channel.channelId}`,
        scheduledFor: run.scheduledFor?.toISOString() ?? null, late: run.late, forced: run.forced, summarised: inserted.summarised, outboxId,
      },
      reason: `${run.kind} digest for ${run.periodStart} to ${where}${run.forced ? ', re-posted by hand' : ''}${run.late ? ', late' : ''}`,
    }, run.now);
    return { status: 'queued', runId, outboxId, summarised: Boolean(inserted.summarised) };
  });
}
