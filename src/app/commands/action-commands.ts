/**
 * claim, release, close, handoff, escalate and note: the pure state machine decides, from the
 * action as the store read it, what changes and what follows (a waiver, an escalation); the store
 * writes the change, its effects, its audit event and the channel's card together, re-reading
 * and deciding again when someone else changed the action first.
 */
import { actionRef } from '../../domain/actions/kinds.js';
import type { ActionRecord } from '../../domain/actions/records.js';
import { decide, type ActionCommand, type Effect, type HandoffTarget } from '../../domain/actions/transitions.js';
import { fail, ok, type Outcome } from '../../domain/outcome.js';
import { requirementKeyOf, type TestKey } from '../../domain/test-keys.js';
import { actionCard, changeHeadline } from '../../views/action-views.js';
import type { Command, TargetSpec } from '../grammar.js';
import type { ChangeEffect, DecideChange } from '../ports.js';
import { refused, replied, type CommandContext, type Reply } from '../context.js';

type ActionCommandName = 'claim' | 'release' | 'close' | 'handoff' | 'escalate' | 'note';

async function resolveTarget(ctx: CommandContext, target: TargetSpec): Promise<Outcome<HandoffTarget, 'STAFF.NOT_FOUND'>> {
  if ('role' in target) return ok({ role: target.role });
  const member = 'email' in target
    ? await ctx.deps.stores.staff.findByEmail(target.email)
    : await ctx.deps.stores.staff.findByAccount({ platform: ctx.account.platform, tenant: ctx.account.tenant, userId: target.mention });
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

/** What a domain effect writes: a waiver of the action's test, or an escalation to the next role. */
function changeEffect(ctx: CommandContext, action: ActionRecord, effect: Effect): ChangeEffect {
  if (effect.kind === 'create_waiver') {
    const test = String(action.cause.test ?? '');
    const requirement = test ? requirementKeyOf(test as TestKey) : test;
    const drug = typeof action.cause.drug === 'string' ? action.cause.drug : null;
    return {
      kind: 'waiver', patientId: action.patientId, drug, test: requirement, reason: effect.reason, until: effect.until, createdBy: ctx.member.email,
      audit: {
        verb: 'waiver.created', entityType: 'patient', entityId: action.patientRef, patientRef: action.patientRef,
        after: { drug, test: requirement, waivedUntil: effect.until, fromAction: actionRef(action.id) }, reason: effect.reason,
      },
    };
  }
  // The cause key makes it one live escalation per action and role: pressing escalate twice does not page twice.
  return {
    kind: 'escalation',
    spec: {
      kind: 'escalation', patientId: action.patientId, teamId: action.teamId,
      causeKey: `escalation:${actionRef(action.id)}:${effect.role}`,
      cause: { reason: effect.reason, from: actionRef(action.id), raisedBy: ctx.member.name },
      priority: action.priority === 'routine' ? 'amber' : action.priority,
      dueAt: new Date(ctx.now.getTime() + ctx.deps.workflow.redReviewHours * 3_600_000),
      assignedRole: effect.role, parentId: action.id,
    },
  };
}

/** The state machine's decision on the action as read, with its effects as the writes they call for. */
function decideWith(ctx: CommandContext, command: ActionCommand): DecideChange {
  return (action) => {
    const decision = decide(action, command, ctx.member, ctx.now, action.timeZone, ctx.deps.workflow);
    if (!decision.ok) return decision;
    const { patch, auditVerb, reason, effects } = decision.value;
    return ok({ patch, auditVerb, reason, effects: effects.map((effect) => changeEffect(ctx, action, effect)) });
  };
}

export async function runActionCommand(ctx: CommandContext, command: Extract<Command, { name: ActionCommandName }>): Promise<Reply> {
  let target: HandoffTarget | undefined;
  if (command.name === 'handoff') {
    const resolved = await resolveTarget(ctx, command.target);
    if (!resolved.ok) return refused(resolved);
    target = resolved.value;
  }
  const ref = actionRef(command.actionId);
  const result = await ctx.deps.stores.actions.change(command.actionId, decideWith(ctx, toActionCommand(command, target)),
    { actor: ctx.auditActor, now: ctx.now, postTo: ctx.postTo, ...(ctx.actionRead?.id === command.actionId ? { firstRead: ctx.actionRead.read } : {}) });
  if (result.status === 'not_found') return refused(fail('ACTION.NOT_FOUND', `There is no action ${ref}. Type "list" to see your team's open actions.`));
  if (result.status === 'conflict') return refused(fail('ACTION.CHANGED', `${ref} kept changing while you were acting on it. Look at it again (audit ${ref}) and retry.`));
  if (result.status === 'refused') return refused(result.failure);
  const { action, auditVerb, created } = result;
  return replied(actionCard(action, ctx.now, changeHeadline(auditVerb, ref, ctx.member.name, created)));
}
