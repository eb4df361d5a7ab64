/**
 * `closedloop digest run [--team T] [--kind K] [--as-of DATE] [--print] [--force]`: a digest now,
 * through the scheduler's own path (queueDigestRun), so the once-per-channel-and-period rule holds
 * however it is started: a second run says it already ran and queues nothing; `--force` posts it
 * again, audited as digest.reposted. `--print` writes it as text and queues nothing.
 *
 * The post waits in the outbox: the service delivers it within seconds, or when it next starts.
 */
import crypto from 'node:crypto';
import { z } from 'zod';
import { isIsoDate, todayIn } from '../domain/dates.js';
import { periodStartFor, type DigestKind } from '../domain/digest/schedule.js';
import type { RuleSet } from '../domain/rules/schema.js';
import type { Database } from '../db/database.js';
import { systemActor } from '../digests/due-digests.js';
import { dailyDigestFor, periodDigestFor } from '../digests/render-digest.js';
import { describeChannel, digestPurpose, queueDigestRun } from '../digests/runs.js';
import { loadDigestTeam, loadDigestTeams, loadTeamChannels, type DigestTeam } from '../digests/team-data.js';
import { findTeamId } from '../register/due-list.js';
import { renderText } from '../views/render-text.js';
import { commandInfo } from './command-info.js';
import type { CliContext } from './context.js';
import type { CommandSpec } from './registry.js';

const USAGE = commandInfo('digest').usage;

const digestOptions = z.object({
  team: z.string().trim().min(1, 'give the team name, e.g. --team "Rainbow CMHT"').optional(),
  kind: z.enum(['daily', 'weekly', 'monthly'], 'use daily, weekly or monthly').default('daily'),
  'as-of': z.string().refine(isIsoDate, 'use a real date written YYYY-MM-DD').optional(),
  print: z.boolean().default(false),
  force: z.boolean().default(false),
});

type DigestOptions = z.infer<typeof digestOptions>;

const KIND_NAME: Record<DigestKind, string> = { daily: 'daily digest', weekly: 'weekly digest', monthly: 'monthly summary' };

async function selectTeams(ctx: CliContext, db: Database, team: string | undefined): Promise<DigestTeam[] | null> {
  if (team === undefined) return loadDigestTeams(db);
  const found = await findTeamId(db, team);
  if (!found.ok) {
    ctx.io.err(found.message);
    return null;
  }
  return [(await loadDigestTeam(db, found.value))!];
}

async function printDigest(ctx: CliContext, db: Database, ruleSet: RuleSet, team: DigestTeam, kind: DigestKind, periodStart: string): Promise<void> {
  const now = ctx.now();
  const view = kind === 'daily'
    ? await dailyDigestFor(db, { teamId: team.id, periodStart, late: false, summarised: team.firstDigestAt === null }, now, { ruleSet })
    : await periodDigestFor(db, { teamId: team.id, kind, periodStart }, now, { ruleSet, ...(ctx.config.publicBaseUrl ? { publicBaseUrl: ctx.config.publicBaseUrl } : {}) });
  if (view) ctx.io.out(renderText(view));
}

/** Queues the team's digest for each bound channel; returns how many channels it had. */
async function queueForTeam(ctx: CliContext, db: Database, team: DigestTeam, kind: DigestKind, periodStart: string, force: boolean,
  correlationId: string): Promise<{ channels: number; queued: number }> {
  const purpose = digestPurpose(kind);
  const channels = await loadTeamChannels(db, [team.id], purpose);
  const what = `${KIND_NAME[kind]} for ${team.name} (${periodStart})`;
  if (channels.length === 0) {
    const bind = purpose === 'managers' ? `"bind ${team.name} managers" in the managers' channel` : `"bind ${team.name}" in the team's channel`;
    ctx.io.err(`${team.name} has no ${purpose === 'managers' ? "managers' " : 'MDT '}channel, so its ${KIND_NAME[kind]} has nowhere to go: an admin types ${bind}.`);
    ctx.logger.warn('digest_no_channel', { teamId: team.id, kind, code: `DIGEST.NO_${purpose.toUpperCase()}_CHANNEL` });
    return { channels: 0, queued: 0 };
  }
  let queued = 0;
  for (const channel of channels) {
    const result = await queueDigestRun(db, {
      team, channel, kind, periodStart, scheduledFor: null, late: false, forced: force, via: 'cli',
      actor: systemActor('cli', correlationId), correlationId, now: ctx.now(),
    });
    const where = describeChannel(channel);
    if (result.status === 'queued') {
      queued += 1;
      ctx.io.out(`Queued the ${what} to ${where} (run ${result.runId}${force ? ', a re-post, audited as digest.reposted' : ''}${result.summarised ? ', summarised: the team\'s first digest' : ''}).`);
    } else {
      ctx.io.out(`The ${what} already ran in ${where} (run ${result.runId}, queued ${result.queuedAt.toISOString().slice(0, 16).replace('T', ' ')}Z): `
        + 'nothing queued. Add --force to post it again.');
    }
  }
  return { channels: channels.length, queued };
}

async function runDigest(ctx: CliContext, opts: DigestOptions): Promise<number> {
  const rules = ctx.ruleSet();
  if (!rules.ok) {
    ctx.io.err(`${rules.message}\nFix the rules file named in RULES_FILE, or unset RULES_FILE to use the default rules.`);
    return 1;
  }
  const { db } = await ctx.database();
  const teams = await selectTeams(ctx, db, opts.team);
  if (teams === null) return 1;
  if (teams.length === 0) {
    ctx.io.err('There are no teams yet: import a register first (closedloop import register FILE).');
    return 1;
  }
  const correlationId = crypto.randomUUID();
  let queued = 0;
  let withChannel = 0;
  for (const team of teams) {
    const today = todayIn(team.timeZone, ctx.now());
    const localDate = opts['as-of'] ?? today;
    if (!opts.print && localDate > today) {
      ctx.io.err(`--as-of ${localDate} is in the future for ${team.name} (today is ${today}): a digest is queued for a day that has come. `
        + 'Add --print to see it without queueing anything.');
      return 1;
    }
    const periodStart = periodStartFor(opts.kind, localDate);
    if (opts.print) {
      await printDigest(ctx, db, rules.value.ruleSet, team, opts.kind, periodStart);
      continue;
    }
    const result = await queueForTeam(ctx, db, team, opts.kind, periodStart, opts.force, correlationId);
    queued += result.queued;
    if (result.channels > 0) withChannel += 1;
  }
  if (opts.print) return 0;
  if (queued > 0) {
    ctx.io.out('The service posts queued digests within seconds; if it is not running, they wait in the outbox until it starts ("closedloop outbox" lists them).');
  }
  // A named team without a channel, or no team with one, is a refusal: nothing could be posted.
  return withChannel === 0 ? 1 : 0;
}

export const digestCommand: CommandSpec = {
  ...commandInfo('digest'),
  options: { team: { type: 'string' }, kind: { type: 'string' }, 'as-of': { type: 'string' }, print: { type: 'boolean' }, force: { type: 'boolean' } },
  schema: digestOptions,
  async run(ctx, { positionals, values }) {
    if (positionals.length !== 1 || positionals[0] !== 'run') {
      ctx.io.err(`Usage: closedloop ${USAGE}`);
      return 2;
    }
    const opts = digestOptions.parse(values);
    if (opts.print && opts.force) {
      ctx.io.err(`--print queues nothing and --force re-posts: give one of them.\nUsage: closedloop ${USAGE}`);
      return 2;
    }
    return runDigest(ctx, opts);
  },
};
