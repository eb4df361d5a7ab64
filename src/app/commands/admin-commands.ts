/**
 * link and bind: an admin links a chat account to a member of staff, or makes a channel a
 * team's channel. Both are recorded in the audit trail.
 */
import { sql } from 'drizzle-orm';
import { appendAudit } from '../../audit/append.js';
import { rowsOf } from '../../db/client.js';
import { mayAdmin } from '../../domain/actions/permissions.js';
import { fail } from '../../domain/outcome.js';
import { findTeamId } from '../../register/due-list.js';
import { linkAccount } from '../../staff/directory.js';
import { messageView } from '../../views/common-views.js';
import type { Command } from '../grammar.js';
import { refused, replied, type CommandContext, type Reply } from '../context.js';

export async function runLink(ctx: CommandContext, command: Extract<Command, { name: 'link' }>): Promise<Reply> {
  const target = command.target;
  if ('role' in target) return refused(fail('TARGET.INVALID', 'link needs a person, not a role. Type: link @user EMAIL'));
  // In the console the account id is the email; on Slack and Teams it is the mention's user id.
  const userId = 'mention' in target ? target.mention : target.email;
  const account = { platform: ctx.account.platform, tenant: ctx.account.tenant, userId };
  const linked = await linkAccount(ctx.deps.db, ctx.member, account, command.email, {
    now: ctx.now, via: ctx.auditActor.via, channel: ctx.auditActor.channel, correlationId: ctx.auditActor.correlationId,
    actorIdentity: ctx.auditActor.identity,
  });
  if (!linked.ok) return refused(linked);
  return replied(messageView('Account linked', `${linked.value.name} (${command.email}) can now use closedloop from this ${ctx.account.platform} account.`, 'success'));
}

export async function runBind(ctx: CommandContext, command: Extract<Command, { name: 'bind' }>): Promise<Reply> {
  if (!mayAdmin(ctx.member.roles, 'bind_channel')) return refused(fail('AUTH.FORBIDDEN', 'Only an admin can bind a channel to a team.'));
  const team = await findTeamId(ctx.deps.db, command.team);
  if (!team.ok) return refused(team);
  const { platform, tenant } = ctx.account;
  const changed = await ctx.deps.db.transaction(async (tx) => {
    const [previous] = rowsOf<{ team_id: string; purpose: string }>(await tx.execute(sql`SELECT team_id, purpose FROM channels
      WHERE platform = ${platform} AND tenant = ${tenant} AND channel_id = ${ctx.channelId} FOR UPDATE`));
    if (previous?.team_id === team.value && previous.purpose === command.purpose) return false;
    await tx.execute(sql`INSERT INTO channels (platform, tenant, channel_id, team_id, purpose, bound_by)
      VALUES (${platform}, ${tenant}, ${ctx.channelId}, ${team.value}::uuid, ${command.purpose}, ${ctx.member.staffId}::uuid)
      ON CONFLICT (platform, tenant, channel_id) DO UPDATE SET team_id = excluded.team_id, purpose = excluded.purpose, bound_by = excluded.bound_by`);
    await appendAudit(tx, ctx.auditActor, {
      verb: 'channel.bound', entityType: 'channel', entityId: `${platform}:${tenant}:${ctx.channelId}`,
      before: previous ? { teamId: previous.team_id, purpose: previous.purpose } : null, after: { teamId: team.value, team: command.team, purpose: command.purpose },
    }, ctx.now);
    return true;
  });
  const whose = command.purpose === 'managers' ? `${command.team}'s managers' channel: weekly digests for the team's managers go here` : `${command.team}'s channel: lists and digests here show that team`;
  const text = changed ? `This channel is now ${whose}.` : `This channel was already ${whose.split(':')[0]}.`;
  return replied(messageView('Channel bound', text, 'success'));
}
