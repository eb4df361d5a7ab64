/**
 * link and bind: an admin links a chat account to a member of staff, or makes a channel a
 * team's channel. Both are recorded in the audit trail.
 */
import { mayAdmin } from '../../domain/actions/permissions.js';
import { fail } from '../../domain/outcome.js';
import { boundView, linkedView } from '../../views/admin-views.js';
import type { Command } from '../grammar.js';
import { refused, replied, type CommandContext, type Reply } from '../context.js';

export async function runLink(ctx: CommandContext, command: Extract<Command, { name: 'link' }>): Promise<Reply> {
  const target = command.target;
  if ('role' in target) return refused(fail('TARGET.INVALID', 'link needs a person, not a role. Type: link @user EMAIL'));
  // In the console the account id is the email; on Slack and Teams it is the mention's user id.
  const userId = 'mention' in target ? target.mention : target.email;
  const account = { platform: ctx.account.platform, tenant: ctx.account.tenant, userId };
  const linked = await ctx.deps.stores.staff.link(ctx.member, account, command.email, {
    now: ctx.now, via: ctx.auditActor.via, channel: ctx.auditActor.channel, correlationId: ctx.auditActor.correlationId,
    actorIdentity: ctx.auditActor.identity,
  });
  if (!linked.ok) return refused(linked);
  return replied(linkedView(linked.value.name, command.email, ctx.account.platform));
}

export async function runBind(ctx: CommandContext, command: Extract<Command, { name: 'bind' }>): Promise<Reply> {
  if (!mayAdmin(ctx.member.roles, 'bind_channel')) return refused(fail('AUTH.FORBIDDEN', 'Only an admin can bind a channel to a team.'));
  const { platform, tenant } = ctx.account;
  const bound = await ctx.deps.stores.channels.bind({
    channel: { platform, tenant, channelId: ctx.channelId }, teamName: command.team, purpose: command.purpose,
    boundBy: ctx.member.staffId, actor: ctx.auditActor, now: ctx.now,
  });
  if (!bound.ok) return refused(bound);
  return replied(boundView(command.team, command.purpose, bound.value.changed));
}
