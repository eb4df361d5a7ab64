/**
 * claim, release, close, handoff, escalate and note: lock the action, let the pure state machine
 * decide, write the change, apply its effects (a waiver, an escalation), and append the audit
 * event, all in one transaction.
 */
import { sql } from 'drizzle-orm';
import { appendAudit } from '../../audit/append.js';
import type { Transaction } from '../../db/database.js';
import { actionRef } from '../../domain/actions/kinds.js';
import { decide, type ActionCommand, type ActionPatch, type Effect, type HandoffTarget } from '../../domain/actions/transitions.js';
import { fail, ok, type Outcome } from '../../domain/outcome.js';
import { requirementKeyOf, type TestKey } from '../../domain/test-keys.js';
import { findStaffByAccount, findStaffByEmail } from '../../staff/directory.js';
import { actionCard } from '../../views/action-views.js';
import { auditDiff, loadAction, lockAction, updateAction, updateActionAudited, type ActionRecord } from '../../workflow/action-store.js';
import { actionPostInsert, queueActionPosts } from '../../workflow/channel-posts.js';
import { createActions, type CreatedAction } from '../../workflow/create-actions.js';
import type { Command, TargetSpec } from '../grammar.js';
import { refused, replied, type CommandContext, type Reply } from '../context.js';

type ActionCommandName = 'claim' | 'release' | 'close' | 'handoff' | 'escalate' | 'note';

const HEADLINE: Record<string, (ref: string, name: string) => string> = {
  'action.claimed': (ref, name) => `${name} claimed ${ref}.`,
  'action.released': (ref, name) => `${name} released ${ref}; it is open again.`,
  'action.closed': (ref, name) => `${name} closed ${ref}.`,
  'action.handed_off': (ref, name) => `${name} handed off ${ref}.`,
  'action.escalated': (ref, name) => `${name} escalated ${ref}.`,
  'action.noted': (ref, name) => `${name} added a note to ${ref}.`,
};

async function resolveTarget(ctx: CommandContext, target: TargetSpec): Promise<Outcome<HandoffTarget, 'STAFF.NOT_FOUND'>> {
  if ('role' in target) return ok({ role: target.role });
  const member = 'email' in target
    ? await findStaffByEmail(ctx.deps.db, target.email)
    : await findStaffByAccount(ctx.deps.db, { platform: ctx.account.platform, tenant: ctx.account.tenant, userId: target.mention });
  if (!member) {
    const who = 'email' in target ? target.email : `@${target.mention}`;
    return fail('STAFF.NOT_FOUND', `${who} is not linked to anyone on the staff list. Hand off to a role instead (e.g. pharmacist), or ask an admin to link them: link @user EMAIL`);
  }
  return ok({ person: member });
}

function toActionCommand(command: Extract<Command, { name: ActionCommandName }>, target?: HandoffTarget): ActionCommand {
  switch (command.name) {
    case 'claim': return { verb: 'claim' };
    case 'release': return { verb: 'release' };
    case 'close': return { verb: 'close', outcome: command.outcome, date: command.date, note: command.note, attempts: command.attempts, adjustments: command.adjustments };
    case 'handoff': return { verb: 'handoff', to: target!, reason: command.reason };
    case 'escalate': return { verb: 'escalate', reason: command.reason };
    case 'note': return { verb: 'note', text: command.text };
  }
}

/** Applies a decision's follow-on effects inside the action's transaction. */
async function applyEffects(ctx: CommandContext, tx: Transaction, action: ActionRecord, effects: Effect[]): Promise<CreatedAction[]> {
  const created: CreatedAction[] = [];
  for (const effect of effects) {
    if (effect.kind === 'create_waiver') {
      const test = String(action.cause.test ?? '');
      const requirement = test ? requirementKeyOf(test as TestKey) : test;
      const drug = typeof action.cause.drug === 'string' ? action.cause.drug : null;
      await tx.execute(sql`INSERT INTO waivers (patient_id, drug, test, reason, waived_until, created_by)
        VALUES (${action.patientId}::uuid, ${drug}, ${requirement}, ${effect.reason}, ${effect.until}::date, ${ctx.member.email})`);
      await appendAudit(tx, ctx.auditActor, {
        verb: 'waiver.created', entityType: 'patient', entityId: action.patientRef, patientRef: action.patientRef,
        after: { drug, test: requirement, waivedUntil: effect.until, fromAction: actionRef(action.id) }, reason: effect.reason,
      }, ctx.now);
    } else {
      // One live escalation per action and role: pressing escalate twice does not page twice.
      created.push(...await createActions(tx, [{
        kind: 'escalation', patientId: action.patientId, teamId: action.teamId,
        causeKey: `escalation:${actionRef(action.id)}:${effect.role}`,
        cause: { reason: effect.reason, from: actionRef(action.id), raisedBy: ctx.member.name },
        priority: action.priority === 'routine' ? 'amber' : action.priority,
        dueAt: new Date(ctx.now.getTime() + ctx.deps.workflow.redReviewHours * 3_600_000),
        assignedRole: effect.role, parentId: action.id,
      }], ctx.auditActor, ctx.now));
    }
  }
  return created;
}

/** Thrown inside the transaction to roll it back when a locked row was nevertheless changed. */
class ActionChanged extends Error {}

type Applied = Outcome<{ action: ActionRecord; auditVerb: string; created: CreatedAction[] }, string>;

/** How many times a change is re-read and re-decided when someone else changed the action first. */
const OPTIMISTIC_ATTEMPTS = 5;

const notFound = (ref: string) => fail('ACTION.NOT_FOUND', `There is no action ${ref}. Type "list" to see your team's open actions.`);
const changedMeanwhile = (ref: string) => fail('ACTION.CHANGED', `${ref} kept changing while you were acting on it. Look at it again (audit ${ref}) and retry.`);

function applied(action: ActionRecord, patch: ActionPatch, auditVerb: string, created: CreatedAction[]): Applied {
  const changed = Object.keys(patch).length > 0;
  return ok({ action: { ...action, ...patch, version: changed ? action.version + 1 : action.version } as ActionRecord, auditVerb, created });
}

/**
 * A change with follow-on effects (a waiver, an escalation) locks the action and does everything
 * in one transaction; these are rare next to claims and closes.
 */
function applyWithEffects(ctx: CommandContext, id: number, command: ActionCommand): Promise<Applied> {
  const ref = actionRef(id);
  return ctx.deps.db.transaction(async (tx): Promise<Applied> => {
    const action = await lockAction(tx, id);
    if (!action) return notFound(ref);
    const decision = decide(action, command, ctx.member, ctx.now, action.timeZone);
    if (!decision.ok) return decision;
    const { patch, auditVerb, reason, effects } = decision.value;
    if (Object.keys(patch).length > 0 && !await updateAction(tx, action, patch, ctx.now)) throw new ActionChanged();
    const created = await applyEffects(ctx, tx, action, effects);
    const { before, after } = auditDiff(action, patch);
    if (created.length) after.escalations = created.map((c) => actionRef(c.id));
    // The team sees the change, and any escalation it opened, on a card in the channel.
    if (ctx.postTo) await queueActionPosts(tx, ctx.postTo, [action.id, ...created.map((c) => c.id)], ctx.correlationId);
    await appendAudit(tx, ctx.auditActor, { verb: auditVerb, entityType: 'action', entityId: ref, patientRef: action.patientRef, before, after, reason }, ctx.now);
    return applied(action, patch, auditVerb, created);
  }).catch((err: unknown) => {
    if (err instanceof ActionChanged) return changedMeanwhile(ref);
    throw err;
  });
}

/**
 * Claims, releases, closes, hand-offs and notes: read, decide, then write the change and its
 * audit event in one statement guarded by the version read (optimistic concurrency). When fifty
 * people claim at once, one write lands and the others re-read, see who holds it, and are told.
 */
async function apply(ctx: CommandContext, id: number, command: ActionCommand): Promise<Applied> {
  const ref = actionRef(id);
  for (let attempt = 0; attempt < OPTIMISTIC_ATTEMPTS; attempt++) {
    const action = await loadAction(ctx.deps.db, id);
    if (!action) return notFound(ref);
    const decision = decide(action, command, ctx.member, ctx.now, action.timeZone);
    if (!decision.ok) return decision;
    const { patch, auditVerb, reason, effects } = decision.value;
    if (effects.length > 0) return applyWithEffects(ctx, id, command);
    const { before, after } = auditDiff(action, patch);
    const record = { verb: auditVerb, entityType: 'action', entityId: ref, patientRef: action.patientRef, before, after, reason };
    if (Object.keys(patch).length === 0) {
      await appendAudit(ctx.deps.db, ctx.auditActor, record, ctx.now);
      return applied(action, patch, auditVerb, []);
    }
    const post = ctx.postTo ? actionPostInsert(ctx.postTo, id, ctx.correlationId, 'changed') : undefined;
    if (await updateActionAudited(ctx.deps.db, action, patch, ctx.now, ctx.auditActor, record, post)) return applied(action, patch, auditVerb, []);
  }
  return changedMeanwhile(ref);
}

export async function runActionCommand(ctx: CommandContext, command: Extract<Command, { name: ActionCommandName }>): Promise<Reply> {
  let target: HandoffTarget | undefined;
  if (command.name === 'handoff') {
    const resolved = await resolveTarget(ctx, command.target);
    if (!resolved.ok) return refused(resolved);
    target = resolved.value;
  }
  const ref = actionRef(command.actionId);
  const result = await apply(ctx, command.actionId, toActionCommand(command, target));
  if (!result.ok) return refused(result);
  const { action, auditVerb, created } = result.value;
  let headline = HEADLINE[auditVerb]?.(ref, ctx.member.name) ?? '';
  if (created.length) headline += ` Opened ${created.map((c) => `${actionRef(c.id)} (escalation to a ${(c.assignedRole ?? 'lead').replace(/_/g, ' ')})`).join(', ')}.`;
  else if (auditVerb === 'action.escalated') headline += ' An escalation for that role is already open.';
  return replied(actionCard(action, ctx.now, headline));
}
