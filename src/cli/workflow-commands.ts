/**
 * `closedloop sync`: brings the actions in line with the register (overdue tests, results to
 * review, missed tests, discharges; and closes actions whose cause has gone). Imports run it too.
 */
import crypto from 'node:crypto';
import { z } from 'zod';
import { SYSTEM_ACTOR_NAME, type AuditActor } from '../audit/append.js';
import { isIsoDate, type IsoDate } from '../domain/dates.js';
import type { RuleSet } from '../domain/rules/schema.js';
import { describeSyncSummary, syncActions, type SyncSummary } from '../workflow/sync.js';
import { commandInfo } from './command-info.js';
import type { CliContext } from './context.js';
import { progressPrinter } from './progress.js';
import type { CommandSpec } from './registry.js';

/** Below this many patients a sync takes a moment, and progress lines would only be noise. */
const PROGRESS_THRESHOLD = 5_000;

const syncOptions = z.object({
  'as-of': z.string().refine(isIsoDate, 'use a real date written YYYY-MM-DD').optional(),
});

export function cliSystemActor(): AuditActor {
  return { id: null, name: SYSTEM_ACTOR_NAME, identity: 'system', via: 'cli', channel: null, correlationId: crypto.randomUUID() };
}

/** Runs a sync with progress on stderr for long runs; returns its summary. */
export async function runSync(ctx: CliContext, ruleSet: RuleSet, asOf: IsoDate): Promise<SyncSummary> {
  const { db } = await ctx.database();
  const progress = progressPrinter(ctx.io, 'sync');
  return syncActions(db, ruleSet, {
    asOf, now: ctx.now(), actor: cliSystemActor(), config: ctx.config.workflow,
    onProgress: (done, total) => { if (total >= PROGRESS_THRESHOLD) progress(done, total, 'writing'); },
  });
}

export const syncCommand: CommandSpec = {
  ...commandInfo('sync'),
  options: { 'as-of': { type: 'string' } },
  schema: syncOptions,
  async run(ctx, { positionals, values }) {
    if (positionals.length > 0) {
      ctx.io.err(`"sync" takes no arguments (got ${positionals.join(' ')}).\nUsage: closedloop sync [--as-of YYYY-MM-DD]`);
      return 2;
    }
    const opts = syncOptions.parse(values);
    const rules = ctx.ruleSet();
    if (!rules.ok) {
      ctx.io.err(`${rules.message}\nFix the rules file named in RULES_FILE, or unset RULES_FILE to use the default rules.`);
      return 1;
    }
    const summary = await runSync(ctx, rules.value.ruleSet, opts['as-of'] ?? ctx.today());
    ctx.io.out(describeSyncSummary(summary));
    return 0;
  },
};
