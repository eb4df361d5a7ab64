/**
 * `digest weekly [TEAM]` and `digest monthly [TEAM]`: a manager or duty lead pulls the figures of
 * their team's last complete week or month (issue 9 §2), as a reply to them alone. The team is
 * the one named, else the channel's (when the person is in it), else the person's only team; a
 * team the person is not in is refused, whatever their roles. The figures come through the
 * ReportReader port; the words from src/views/report-views.ts.
 */
import { describeRoles, mayInTeam, TEAM_PERMISSIONS } from '../../domain/actions/permissions.js';
import { fail, ok, type Outcome } from '../../domain/outcome.js';
import { periodDigestView } from '../../views/report-views.js';
import type { Command } from '../grammar.js';
import { refused, replied, type CommandContext, type Reply } from '../context.js';

type DigestCommand = Extract<Command, { name: 'digest' }>;

const WHAT: Record<DigestCommand['period'], string> = { weekly: 'weekly digest', monthly: 'monthly summary' };

type TeamError = 'STAFF.NO_TEAM' | 'TEAM.NOT_MEMBER' | 'TEAM.AMBIGUOUS';

async function chooseTeam(ctx: CommandContext, command: DigestCommand): Promise<Outcome<string, TeamError>> {
  const { teamIds } = ctx.member;
  if (teamIds.length === 0) {
    return fail('STAFF.NO_TEAM', 'You are not a member of any team yet, so there is no digest to show. Ask an admin to add your teams to the staff list (closedloop staff import).');
  }
  const usage = `digest ${command.period} TEAM`;
  if (command.team !== undefined) {
    const mine = await ctx.deps.stores.reports.teams(teamIds);
    const wanted = command.team.toLowerCase();
    const found = mine.find((t) => t.teamName.toLowerCase() === wanted);
    if (found) return ok(found.teamId);
    return fail('TEAM.NOT_MEMBER', `You are not in a team called "${command.team}", so you cannot see its ${WHAT[command.period]}. ` +
      `Your teams: ${mine.map((t) => t.teamName).join(', ')}. Type: ${usage}`);
  }
  const bound = await ctx.deps.stores.channels.boundTeam({ platform: ctx.account.platform, tenant: ctx.account.tenant, channelId: ctx.channelId });
  if (bound && teamIds.includes(bound.teamId)) return ok(bound.teamId);
  if (teamIds.length === 1) return ok(teamIds[0]!);
  const mine = await ctx.deps.stores.reports.teams(teamIds);
  return fail('TEAM.AMBIGUOUS', `You are in ${teamIds.length} teams; say which one: ${usage}. Your teams: ${mine.map((t) => t.teamName).join(', ')}.`);
}

export async function runDigest(ctx: CommandContext, command: DigestCommand): Promise<Reply> {
  const allowed = TEAM_PERMISSIONS.weekly_digest;
  if (!mayInTeam(ctx.member.roles, 'weekly_digest')) {
    return refused(fail('AUTH.FORBIDDEN', `The ${WHAT[command.period]} is for a ${describeRoles(allowed)}; your roles: ${describeRoles(ctx.member.roles)}. ` +
      `Ask your team's ${describeRoles(allowed)} for the figures.`));
  }
  const team = await chooseTeam(ctx, command);
  if (!team.ok) return refused(team);
  const found = await ctx.deps.stores.reports.lastPeriod({ teamId: team.value, kind: command.period, now: ctx.now, ruleSet: ctx.deps.ruleSet });
  if (!found) return refused(fail('TEAM.NOT_FOUND', 'That team no longer exists. Type "help digest" to see how to choose a team.'));
  return replied(periodDigestView(found.report, ctx.now, found.chart ? { chart: found.chart } : {}));
}
