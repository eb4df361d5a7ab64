/**
 * Read-only commands: mine, home, list, patient and audit. The views choose every word. Each is scoped to the person's teams (and to
 * the channel's team when the channel is bound to one they belong to).
 */
import { todayIn } from '../../domain/dates.js';
import { computeDue } from '../../domain/due.js';
import { actionRef } from '../../domain/actions/kinds.js';
import { mayInTeam } from '../../domain/actions/permissions.js';
import { fail, ok, type Outcome } from '../../domain/outcome.js';
import { homeListsView, listView } from '../../views/action-views.js';
import { timelineView } from '../../views/common-views.js';
import { LIST_LIMIT } from '../../views/model.js';
import { patientView } from '../../views/patient-views.js';
import type { Command } from '../grammar.js';
import type { PatientSummary } from '../ports.js';
import { refused, replied, type CommandContext, type Reply } from '../context.js';

/** A patient the person may see, or a failure that does not reveal patients of other teams. */
export async function findPatientInTeams(ctx: CommandContext, ref: string): Promise<Outcome<PatientSummary, 'PATIENT.NOT_FOUND'>> {
  const patient = await ctx.deps.stores.patients.findInTeams(ref, ctx.member.teamIds);
  if (patient) return ok(patient);
  return fail('PATIENT.NOT_FOUND', `No patient ${ref} in your teams. Check the reference (it is the pseudonymous one, e.g. RX-0001), or type "list" to see your team's actions.`);
}

/** The teams a list covers: the channel's team if bound and the person is in it, else all of theirs. */
async function scopeTeams(ctx: CommandContext): Promise<{ teamIds: readonly string[]; label: string }> {
  const bound = await ctx.deps.stores.channels.boundTeam({ platform: ctx.account.platform, tenant: ctx.account.tenant, channelId: ctx.channelId });
  if (bound && ctx.member.teamIds.includes(bound.teamId)) return { teamIds: [bound.teamId], label: bound.teamName };
  return { teamIds: ctx.member.teamIds, label: ctx.member.teamIds.length === 1 ? 'your team' : 'your teams' };
}

const NO_TEAM = fail('STAFF.NO_TEAM', 'You are not a member of any team yet, so there is nothing to show. Ask an admin to add your teams to the staff list (closedloop staff import).');

export async function runList(ctx: CommandContext, command: Extract<Command, { name: 'list' | 'mine' }>): Promise<Reply> {
  if (ctx.member.teamIds.length === 0) return refused(NO_TEAM);
  if (!mayInTeam(ctx.member.roles, 'view')) return refused(fail('AUTH.FORBIDDEN', 'Your roles do not include seeing actions.'));
  const filter = command.name === 'mine' ? 'mine' : command.filter;
  const scope = await scopeTeams(ctx);
  const { actions, total } = await ctx.deps.stores.actions.list({ teamIds: scope.teamIds, filter, staffId: ctx.member.staffId, now: ctx.now, limit: LIST_LIMIT });
  return replied(listView(filter, scope.label, actions, total, ctx.now));
}

/** App Home: what I hold, and my team's red items nobody has taken. */
export async function runHome(ctx: CommandContext): Promise<Reply> {
  if (ctx.member.teamIds.length === 0) return refused(NO_TEAM);
  const base = { teamIds: ctx.member.teamIds, staffId: ctx.member.staffId, now: ctx.now, limit: 10 };
  const [mine, red] = await Promise.all([
    ctx.deps.stores.actions.list({ ...base, filter: 'mine' }),
    ctx.deps.stores.actions.list({ ...base, filter: 'red', unclaimedOnly: true }),
  ]);
  return replied(homeListsView(mine, red, ctx.now));
}

export async function runPatient(ctx: CommandContext, command: Extract<Command, { name: 'patient' }>): Promise<Reply> {
  const found = await findPatientInTeams(ctx, command.patientRef);
  if (!found.ok) return refused(found);
  const patient = found.value;
  const asOf = todayIn(patient.timeZone, ctx.now);
  const [state, open] = await Promise.all([
    ctx.deps.stores.register.patientState(patient.id, asOf, ctx.deps.ruleSet),
    ctx.deps.stores.actions.openForPatient(patient.id),
  ]);
  const due = state ? computeDue([state], ctx.deps.ruleSet, asOf, new Set(['overdue', 'never_done', 'due_soon'] as const)) : [];
  return replied(patientView(patient, state, due, open, asOf, ctx.now));
}

export async function runAudit(ctx: CommandContext, command: Extract<Command, { name: 'audit' }>): Promise<Reply> {
  if (!mayInTeam(ctx.member.roles, 'view')) return refused(fail('AUTH.FORBIDDEN', 'Your roles do not include seeing timelines.'));
  if ('actionId' in command.target) {
    const ref = actionRef(command.target.actionId);
    const action = await ctx.deps.stores.actions.load(command.target.actionId);
    if (!action || !ctx.member.teamIds.includes(action.teamId)) return refused(fail('ACTION.NOT_FOUND', `There is no action ${ref} in your teams. Type "list" to see your team's actions.`));
    const items = await ctx.deps.stores.audit.timeline({ entityType: 'action', entityId: ref });
    return replied(timelineView(ref, items, action.timeZone));
  }
  const found = await findPatientInTeams(ctx, command.target.patientRef);
  if (!found.ok) return refused(found);
  const items = await ctx.deps.stores.audit.timeline({ patientRef: found.value.patientRef });
  return replied(timelineView(found.value.patientRef, items, found.value.timeZone));
}
