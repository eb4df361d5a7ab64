/**
 * `closedloop sync`: brings the actions in line with the register (overdue tests, results to
 * review, missed tests, discharges; and closes actions whose cause has gone). Imports run it too.
 * `--dry-run` prints what it would change and writes nothing; a future `--as-of` is only allowed
 * with it, because a real sync as of next month would raise actions staff would work today.
 */
import crypto from 'node:crypto';
import { z } from 'zod';
import { SYSTEM_ACTOR_NAME, type AuditActor } from '../audit/append.js';
import { isIsoDate, type IsoDate } from '../domain/dates.js';
import type { RuleSet } from '../domain/rules/schema.js';
import { actionRef } from '../domain/actions/kinds.js';
import { KIND_LABEL, describeCause } from '../views/action-views.js';
import { describeSyncPreview, describeSyncSummary, previewSync, syncActions, type SyncPreview, type SyncSummary } from '../workflow/sync.js';
import { commandInfo } from './command-info.js';
import type { CliContext } from './context.js';
import { progressPrinter } from './progress.js';
import type { CommandSpec } from './registry.js';

/** Below this many patients a sync takes a moment, and progress lines would only be noise. */
const PROGRESS_THRESHOLD = 5_000;

const syncOptions = z.object({
  'as-of': z.string().refine(isIsoDate, 'use a real date written YYYY-MM-DD').optional(),
  'dry-run': z.boolean().default(false),
});

export function cliSystemActor(): AuditActor {
  return { id: null, name: SYSTEM_ACTOR_NAME, identity: 'system', via: 'cli', channel: null, correlationId: crypto.randomUUID() };
}

/** Runs a sync with progress on stderr for long runs; returns its summary. */
export async function runSync(ctx: CliContext, ruleSet: RuleSet, asOf: IsoDate): Promise<SyncSummary> {
  const { db } = await ctx.database();
  const progress = progressPrinter(ctx.io, 'sync', 'patients');
  return syncActions(db, ruleSet, {
    asOf, now: ctx.now(), actor: cliSystemActor(), config: ctx.config.workflow,
    onProgress: (done, total) => { if (total >= PROGRESS_THRESHOLD) progress(done, total, 'writing'); },
  });
}

/** The dry run's report: the headline, then each change (the first 50), as a person would read them. */
function previewLines(preview: SyncPreview): string[] {
  const lines = preview.changes.map((c) => (c.change === 'create'
    ? `  would open: ${c.patientRef} ${KIND_LABEL[c.kind]} (${c.priority}): ${describeCause(c.kind, c.cause, preview.asOf)}`
    : `  would close: ${actionRef(c.actionId)} (${c.patientRef}): ${c.reason}`));
  const more = preview.createdTotal + preview.autoClosed - preview.changes.length;
  return [describeSyncPreview(preview), ...lines, ...(more > 0 ? [`  … and ${more} more`] : [])];
}

export const syncCommand: CommandSpec = {
  ...commandInfo('sync'),
  options: { 'as-of': { type: 'string' }, 'dry-run': { type: 'boolean' } },
  schema: syncOptions,
  async run(ctx, { positionals, values }) {
    if (positionals.length > 0) {
      ctx.io.err(`"sync" takes no arguments (got ${positionals.join(' ')}).\nUsage: closedloop sync [--as-of YYYY-MM-DD] [--dry-run]`);
      return 2;
    }
    const opts = syncOptions.parse(values);
    const asOf = opts['as-of'] ?? ctx.today();
    if (!opts['dry-run'] && asOf > ctx.today()) {
      ctx.io.err(`--as-of ${asOf} is in the future (today is ${ctx.today()}): a sync would raise real actions for what is not yet due. `
        + `Give a date up to ${ctx.today()}, or add --dry-run to see what it would change without writing anything.`);
      return 1;
    }
    const rules = ctx.ruleSet();
    if (!rules.ok) {
      ctx.io.err(`${rules.message}\nFix the rules file named in RULES_FILE, or unset RULES_FILE to use the default rules.`);
      return 1;
    }
    if (opts['dry-run']) {
      const { db } = await ctx.database();
      const preview = await previewSync(db, rules.value.ruleSet, { asOf, now: ctx.now(), config: ctx.config.workflow });
      ctx.io.out(previewLines(preview).join('\n'));
      return 0;
    }
    const summary = await runSync(ctx, rules.value.ruleSet, asOf);
    ctx.io.out(describeSyncSummary(summary));
    return 0;
  },
};
