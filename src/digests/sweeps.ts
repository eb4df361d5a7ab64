/**
 * The escalation sweep (issue 9 §3): for each team past onboarding, the rungs its live work has
 * reached (dueEscalations, pure) are recorded, audited and announced, each (action, level) once.
 *
 * Once, whoever sweeps: every write starts with INSERT INTO escalation_steps … ON CONFLICT DO
 * NOTHING RETURNING, and only the rows this sweep inserted are escalated, audited and posted, in
 * the same transaction. A second instance sweeping at the same moment waits on the first's keys
 * and then inserts nothing. Keys are inserted in action id order, so two sweeps cannot deadlock.
 *
 * Batched: a team's unclaimed rungs are one transaction per rung (one INSERT over unnest, one
 * batch of audit events, one grouped notice), and its stale reminders one transaction, so a team
 * with thousands of unclaimed actions costs a handful of statements, not thousands of transactions.
 * A red result's rung opens an escalation action, one transaction per result (they are few).
 */
import crypto from 'node:crypto';
import { sql } from 'drizzle-orm';
import { appendAuditBatch, type AuditActor, type AuditRecord, type Via } from '../audit/append.js';
import { rowsOf } from '../db/client.js';
import type { Database, Queryable } from '../db/database.js';
import { enqueuePost } from '../delivery/outbox-store.js';
import { actionRef } from '../domain/actions/kinds.js';
import type { DigestAction } from '../domain/digest/digest-action.js';
import { dueEscalations, stepKey, type SweepLevelKind, type SweepStep } from '../domain/escalation/sweep.js';
import type { Logger } from '../logging/logger.js';
import { staleClaimNotice, unclaimedNotice, type UnclaimedRung } from '../views/escalation-views.js';
import type { MessageView } from '../views/model.js';
import { queueTeamChannelPosts } from '../workflow/channel-posts.js';
import { creationAuditRecords, insertActions } from '../workflow/create-actions.js';
import { systemActor } from './due-digests.js';
import { loadDigestActions, loadDigestTeams, loadTeamChannels, teamMembersWithRole, type DigestChannel, type DigestTeam } from './team-data.js';

const HOUR = 3_600_000;

export interface SweepOptions {
  logger: Logger;
  via?: Via;
}

export interface SweepCounts {
  teams: number;
  /** Teams skipped because their first digest has not been queued yet (onboarding). */
  onboarding: number;
  raised: Record<SweepLevelKind, number>;
  /** Escalation actions opened (red results). */
  escalationsOpened: number;
  /** Channel posts queued (escalation cards and notices). */
  posts: number;
  /** Teams whose sweep failed (logged with a reference); the next sweep tries again. */
  failed: number;
}

interface TeamSweep {
  team: DigestTeam;
  channels: DigestChannel[];
  actor: AuditActor;
  now: Date;
  counts: SweepCounts;
}

async function raisedSteps(db: Queryable, teamId: string): Promise<Set<string>> {
  const rows = rowsOf<{ action_id: number | string; level: string }>(await db.execute(sql`SELECT es.action_id, es.level
    FROM escalation_steps es JOIN actions a ON a.id = es.action_id
    WHERE a.team_id = ${teamId}::uuid AND a.status IN ('open', 'claimed')`));
  return new Set(rows.map((r) => stepKey(Number(r.action_id), r.level)));
}

/** Inserts the steps in action id order (see the module comment), returning the action ids this call inserted. */
async function insertSteps(tx: Queryable, steps: readonly SweepStep[], now: Date): Promise<Set<number>> {
  const rows = JSON.stringify(steps.map((s) => ({
    action_id: s.action.id, level: s.level,
    detail: { target: 'role' in s.target ? s.target.role : 'holder', dueSince: s.dueSince.toISOString() },
  })));
  const inserted = rowsOf<{ action_id: number | string }>(await tx.execute(sql`INSERT INTO escalation_steps (action_id, level, detail, raised_at)
    SELECT s.action_id, s.level, s.detail, ${now.toISOString()}::timestamptz
    FROM jsonb_to_recordset(${rows}::jsonb) AS s(action_id bigint, level text, detail jsonb) ORDER BY s.action_id, s.level
    ON CONFLICT (action_id, level) DO NOTHING RETURNING action_id`));
  return new Set(inserted.map((r) => Number(r.action_id)));
}

function stepAudit(step: SweepStep, reason: string): AuditRecord {
  return {
    verb: step.kind === 'stale_reminder' ? 'action.stale_reminder' : 'action.escalation_due',
    entityType: 'action', entityId: actionRef(step.action.id), patientRef: step.action.patientRef,
    after: { level: step.level, ...('role' in step.target ? { targetRole: step.target.role } : { holder: step.target.holderName }) },
    reason,
  };
}

async function postNotice(tx: Queryable, ctx: TeamSweep, view: MessageView): Promise<void> {
  for (const channel of ctx.channels) {
    await enqueuePost(tx, { channel: { platform: channel.platform, tenant: channel.tenant, channelId: channel.channelId }, view, correlationId: ctx.actor.correlationId, now: ctx.now });
    ctx.counts.posts += 1;
  }
}

/** A red result nobody claimed: an escalation for the duty lead, its card posted in the team's channels. */
async function escalateRedResult(db: Database, ctx: TeamSweep, step: SweepStep): Promise<void> {
  const review = step.action;
  const minutes = ctx.team.settings.redUnclaimedMinutes;
  await db.transaction(async (tx) => {
    if (!(await insertSteps(tx, [step], ctx.now)).has(review.id)) return;
    const created = await insertActions(tx, [{
      kind: 'escalation', patientId: review.patientId, teamId: review.teamId,
      causeKey: `escalation:sweep:red:${review.id}`,
      cause: {
        reason: `Red result review ${actionRef(review.id)} has not been claimed within ${minutes} minutes: make sure someone takes it now.`,
        from: actionRef(review.id), raisedBy: 'closedloop', sweep: step.level,
      },
      priority: 'red',
      // Due with the review it chases, and never less than an hour from now.
      dueAt: new Date(Math.max(review.dueAt.getTime(), ctx.now.getTime() + HOUR)),
      assignedRole: 'duty_lead', parentId: review.id,
    }], ctx.now);
    const escalation = created[0];
    if (escalation) {
      await tx.execute(sql`UPDATE escalation_steps SET escalation_action_id = ${escalation.id} WHERE action_id = ${review.id} AND level = ${step.level}`);
      ctx.counts.posts += (await queueTeamChannelPosts(tx, [escalation.id], ctx.actor.correlationId)).length;
      ctx.counts.escalationsOpened += 1;
    }
    await appendAuditBatch(tx, ctx.actor, [
      stepAudit(step, `red result unclaimed for ${minutes} minutes: escalated to the duty lead${escalation ? ` as ${actionRef(escalation.id)}` : ' (an escalation for it is already open)'}`),
      ...creationAuditRecords(created),
    ], ctx.now);
    ctx.counts.raised.red_duty_lead += 1;
  });
}

/** One rung of unclaimed work for a team: one transaction, one batch of steps, one grouped notice. */
async function escalateUnclaimed(db: Database, ctx: TeamSweep, rung: UnclaimedRung, steps: SweepStep[]): Promise<void> {
  const limits = ctx.team.settings.unclaimedLimitHours;
  const role = rung === 'unclaimed_duty_lead' ? 'duty_lead' : 'manager';
  const mentions = await teamMembersWithRole(db, ctx.team.id, role);
  await db.transaction(async (tx) => {
    const inserted = await insertSteps(tx, steps, ctx.now);
    const raised = steps.filter((s) => inserted.has(s.action.id));
    if (raised.length === 0) return;
    const factor = rung === 'unclaimed_manager' ? 2 : 1;
    const byUrgency = raised.map((s) => s.action).sort(mostUrgentFirst);
    await postNotice(tx, ctx, unclaimedNotice(rung, ctx.team.name, byUrgency, limits, mentions, ctx.now));
    await appendAuditBatch(tx, ctx.actor, raised.map((s) => stepAudit(s,
      `unclaimed beyond ${factor * limits[s.action.priority]} hours (${s.action.priority}): escalated to the ${role.replace('_', ' ')}`)), ctx.now);
    ctx.counts.raised[rung] += raised.length;
  });
}

/** Stale claims for a team: one transaction, and one reminder per holder listing their claims. */
async function remindStale(db: Database, ctx: TeamSweep, steps: SweepStep[]): Promise<void> {
  const hours = ctx.team.settings.staleClaimHours;
  await db.transaction(async (tx) => {
    const inserted = await insertSteps(tx, steps, ctx.now);
    const raised = steps.filter((s) => inserted.has(s.action.id));
    if (raised.length === 0) return;
    const byHolder = new Map<string, { name: string; actions: DigestAction[] }>();
    for (const s of raised) {
      if (!('holderId' in s.target)) continue;
      const entry = byHolder.get(s.target.holderId) ?? { name: s.target.holderName, actions: [] };
      entry.actions.push(s.action);
      byHolder.set(s.target.holderId, entry);
    }
    for (const [staffId, { name, actions }] of byHolder) {
      await postNotice(tx, ctx, staleClaimNotice({ staffId, name }, ctx.team.name, actions.sort(mostUrgentFirst), hours, ctx.now));
    }
    await appendAuditBatch(tx, ctx.actor, raised.map((s) => stepAudit(s, `claimed and unchanged for ${hours} hours: holder reminded`)), ctx.now);
    ctx.counts.raised.stale_reminder += raised.length;
  });
}

const PRIORITY_RANK = { red: 0, amber: 1, routine: 2 } as const;
function mostUrgentFirst(a: DigestAction, b: DigestAction): number {
  return PRIORITY_RANK[a.priority] - PRIORITY_RANK[b.priority] || a.createdAt.getTime() - b.createdAt.getTime() || a.id - b.id;
}

async function sweepTeam(db: Database, ctx: TeamSweep, logger: Logger): Promise<void> {
  const teamRef = { id: ctx.team.id, name: ctx.team.name, timeZone: ctx.team.timeZone };
  const actions = await loadDigestActions(db, teamRef);
  const raised = await raisedSteps(db, ctx.team.id);
  const steps = dueEscalations(actions, ctx.team.settings, raised, ctx.now, ctx.team.escalatesFrom);
  if (steps.length === 0) return;
  ctx.channels = await loadTeamChannels(db, [ctx.team.id], 'mdt');
  // The steps are still recorded and audited (and red results still open their escalation, which
  // every list and digest shows), but nobody is told in chat: say so in the log.
  if (ctx.channels.length === 0) logger.warn('escalation_no_channel', { teamId: ctx.team.id, code: 'ESCALATION.NO_MDT_CHANNEL' });
  for (const step of steps.filter((s) => s.kind === 'red_duty_lead')) await escalateRedResult(db, ctx, step);
  for (const rung of ['unclaimed_duty_lead', 'unclaimed_manager'] as const) {
    const rungSteps = steps.filter((s) => s.kind === rung);
    if (rungSteps.length > 0) await escalateUnclaimed(db, ctx, rung, rungSteps);
  }
  const stale = steps.filter((s) => s.kind === 'stale_reminder');
  if (stale.length > 0) await remindStale(db, ctx, stale);
}

/**
 * One sweep over every team. Teams whose first digest has not been queued are skipped (issue 9
 * §6: importing a register must not flood its channel before the team has seen it). A failing
 * team is logged and the rest are swept; what it did not commit, the next sweep raises.
 */
export async function runEscalationSweep(db: Database, now: Date, options: SweepOptions): Promise<SweepCounts> {
  const teams = await loadDigestTeams(db);
  const counts: SweepCounts = {
    teams: teams.length, onboarding: 0, escalationsOpened: 0, posts: 0, failed: 0,
    raised: { red_duty_lead: 0, unclaimed_duty_lead: 0, unclaimed_manager: 0, stale_reminder: 0 },
  };
  const actor = systemActor(options.via ?? 'scheduler', crypto.randomUUID());
  for (const team of teams) {
    if (now < team.escalatesFrom) {
      counts.onboarding += 1;
      continue;
    }
    try {
      await sweepTeam(db, { team, channels: [], actor, now, counts }, options.logger);
    } catch (err) {
      counts.failed += 1;
      options.logger.unexpected(err, { stage: 'escalation_sweep', teamId: team.id });
    }
  }
  return counts;
}
