/**
 * Register commands: migrate, import, due, results, rules.
 */
import path from 'node:path';
import { z } from 'zod';
import { isIsoDate } from '../domain/dates.js';
import type { DueItem } from '../domain/due.js';
import { describeRule, listRules } from '../domain/rules/describe.js';
import { importEvents } from '../imports/events-import.js';
import { failureReport, filesFailureReport, type ImportSummary, type UpsertCounts } from '../imports/problems.js';
import { importRegister } from '../imports/register-import.js';
import { importRegisterWithEvents } from '../imports/register-with-events.js';
import { dueList } from '../register/due-list.js';
import { resultsList } from '../register/results-list.js';
import { RATING_LABEL } from '../views/ratings.js';
import { describeSyncSummary } from '../workflow/sync.js';
import { commandInfo } from './command-info.js';
import type { CliContext } from './context.js';
import { renderCsv, renderTable } from './format.js';
import { progressPrinter } from './progress.js';
import type { CommandSpec } from './registry.js';
import { runSync } from './workflow-commands.js';

const isoDate = z.string().refine(isIsoDate, 'use a real date written YYYY-MM-DD');

function requireRules(ctx: CliContext) {
  const rules = ctx.ruleSet();
  if (!rules.ok) {
    ctx.io.err(`${rules.message}\nFix the rules file named in RULES_FILE, or unset RULES_FILE to use the default rules.`);
    return null;
  }
  return rules.value.ruleSet;
}

export const migrateCommand: CommandSpec = {
  ...commandInfo('migrate'),
  async run(ctx) {
    const handle = await ctx.database();
    ctx.io.out(`Database is up to date (${handle.describe}).`);
    return 0;
  },
};

const IMPORT_USAGE = 'Usage: closedloop import register FILE [--events FILE2] | closedloop import events FILE\nSee docs/import-formats.md for the columns.';

export const importCommand: CommandSpec = {
  ...commandInfo('import'),
  options: { events: { type: 'string' } },
  async run(ctx, { positionals, values }) {
    const [kind, file, ...extra] = positionals;
    const eventsFile = typeof values.events === 'string' ? values.events : undefined;
    if ((kind !== 'register' && kind !== 'events') || !file || extra.length > 0 || (kind === 'events' && values.events !== undefined) || eventsFile === '') {
      ctx.io.err(IMPORT_USAGE);
      return 2;
    }
    const ruleSet = requireRules(ctx);
    if (!ruleSet) return 1;
    const { db } = await ctx.database();
    const label = path.basename(file);
    const started = Date.now();
    const seconds = () => ((Date.now() - started) / 1000).toFixed(1);
    if (eventsFile !== undefined) {
      // One transaction for both files, then one sync (src/imports/register-with-events.ts).
      const eventsLabel = path.basename(eventsFile);
      const both = await importRegisterWithEvents(db, file, eventsFile, {
        ruleSet, today: ctx.today(), onRegisterProgress: progressPrinter(ctx.io, label), onEventsProgress: progressPrinter(ctx.io, eventsLabel),
      });
      if (!both.ok) {
        ctx.io.err(filesFailureReport(both.failures, both.unchecked, [label, eventsLabel]).join('\n'));
        return 1;
      }
      ctx.io.out(`${label}: ${describeSummary(both.register)}.`);
      ctx.io.out(`${eventsLabel}: ${describeSummary(both.events)}.`);
      ctx.io.out(`Both files imported in one transaction in ${seconds()} s.`);
    } else {
      const onProgress = progressPrinter(ctx.io, label);
      const result = kind === 'register'
        ? await importRegister(db, file, { ruleSet, today: ctx.today(), onProgress })
        : await importEvents(db, file, { today: ctx.today(), baselineWindowDays: ruleSet.baselineWindowDays, onProgress });
      if (!result.ok) {
        ctx.io.err(failureReport(result, label).join('\n'));
        return 1;
      }
      ctx.io.out(`${label}: ${describeSummary(result.summary)} in ${seconds()} s.`);
    }
    ctx.io.out(describeSyncSummary(await runSync(ctx, ruleSet, ctx.today())));
    return 0;
  },
};

function counts(label: string, c: UpsertCounts): string {
  return `${label}: ${c.inserted} new, ${c.updated} updated, ${c.unchanged} unchanged`;
}

function describeSummary(summary: ImportSummary): string {
  if (summary.kind === 'events') {
    return `${summary.rows} rows: ${summary.inserted} events added, ${summary.alreadyPresent} already recorded`;
  }
  return [`${summary.rows} rows`, `${summary.teamsCreated} teams created`, counts('patients', summary.patients),
    counts('prescriptions', summary.prescriptions),
    `${counts('responsibilities', summary.responsibilities)}, ${summary.responsibilities.removed} removed`].join('; ');
}

const TEAM = 'give the team name, e.g. --team "North CMHT"';
const DAYS = 'use a whole number of days from 1 to 3660';

const dueOptions = z.object({
  team: z.string().trim().min(1, TEAM).optional(),
  'as-of': isoDate.optional(),
  status: z.enum(['overdue', 'due', 'all'], 'use overdue, due or all').default('due'),
  format: z.enum(['table', 'json', 'csv'], 'use table, json or csv').default('table'),
});

function dueJson(item: DueItem) {
  return {
    patient_ref: item.patientRef, drug: item.drug, test: item.test, last_done: item.lastDone, due_on: item.dueOn,
    status: item.status, days_overdue: item.daysOverdue, responsible: item.responsible,
    rule: item.ruleId, basis: item.basis, sources: item.sources.map((s) => [s.title, s.section].filter(Boolean).join(', ')),
    waiver: item.waiver,
  };
}

function responsibleText(item: DueItem): string {
  if (!item.responsible) return 'NOBODY: assign in the register';
  const { org, name, staff } = item.responsible;
  return [name ? `${org} (${name})` : org, staff].filter(Boolean).join(' / ');
}

export const dueCommand: CommandSpec = {
  ...commandInfo('due'),
  options: { team: { type: 'string' }, 'as-of': { type: 'string' }, status: { type: 'string' }, format: { type: 'string' } },
  schema: dueOptions,
  async run(ctx, { values }) {
    const opts = dueOptions.parse(values);
    const ruleSet = requireRules(ctx);
    if (!ruleSet) return 1;
    const { db } = await ctx.database();
    const asOf = opts['as-of'] ?? ctx.today();
    const result = await dueList(db, ruleSet, { team: opts.team, asOf, status: opts.status });
    if (!result.ok) { ctx.io.err(result.message); return 1; }
    const items = result.value;
    if (opts.format === 'json') { ctx.io.out(JSON.stringify(items.map(dueJson), null, 2)); return 0; }
    const headers = ['patient_ref', 'drug', 'test', 'last_done', 'due_on', 'status', 'days_overdue', 'responsible'];
    const rows = items.map((i) => [i.patientRef, i.drug, i.test, i.lastDone ?? 'never', i.dueOn, i.status, i.daysOverdue, responsibleText(i)]);
    if (opts.format === 'csv') { ctx.io.out(renderCsv(headers, rows)); return 0; }
    ctx.io.out(items.length === 0
      ? `Nothing ${opts.status === 'overdue' ? 'overdue' : 'due'} as of ${asOf}${opts.team ? ` for ${opts.team}` : ''}.`
      : `${renderTable(headers, rows)}\n\n${items.length} item(s) as of ${asOf} (rules ${ruleSet.version}).`);
    return 0;
  },
};

const resultsOptions = z.object({
  flagged: z.boolean().default(false),
  team: z.string().trim().min(1, TEAM).optional(),
  'as-of': isoDate.optional(),
  days: z.coerce.number({ error: DAYS }).int(DAYS).min(1, DAYS).max(3660, DAYS).default(30),
  format: z.enum(['table', 'json'], 'use table or json').default('table'),
});

export const resultsCommand: CommandSpec = {
  ...commandInfo('results'),
  options: { flagged: { type: 'boolean' }, team: { type: 'string' }, 'as-of': { type: 'string' }, days: { type: 'string' }, format: { type: 'string' } },
  schema: resultsOptions,
  async run(ctx, { values }) {
    const opts = resultsOptions.parse(values);
    const ruleSet = requireRules(ctx);
    if (!ruleSet) return 1;
    const { db } = await ctx.database();
    const asOf = opts['as-of'] ?? ctx.today();
    const result = await resultsList(db, ruleSet, { team: opts.team, asOf, days: opts.days, flaggedOnly: opts.flagged });
    if (!result.ok) { ctx.io.err(result.message); return 1; }
    const rows = result.value;
    if (opts.format === 'json') {
      ctx.io.out(JSON.stringify(rows.map((r) => ({ patient_ref: r.patientRef, test: r.test, value: r.value, unit: r.unit, taken_on: r.takenOn, flag: r.flag, rating: RATING_LABEL[r.flag], reason: r.reason })), null, 2));
      return 0;
    }
    ctx.io.out(rows.length === 0
      ? `No ${opts.flagged ? 'flagged ' : ''}results in the ${opts.days} days to ${asOf}.`
      : renderTable(['patient_ref', 'test', 'value', 'unit', 'taken_on', 'flag', 'reason'],
        rows.map((r) => [r.patientRef, r.test, r.value, r.unit, r.takenOn, RATING_LABEL[r.flag], r.reason])));
    return 0;
  },
};

export const rulesCommand: CommandSpec = {
  ...commandInfo('rules'),
  async run(ctx, { positionals }) {
    const ruleSet = requireRules(ctx);
    if (!ruleSet) return 1;
    const [drug] = positionals;
    if (!drug) { ctx.io.out(listRules(ruleSet)); return 0; }
    const text = describeRule(ruleSet, drug);
    if (!text) {
      ctx.io.err(`No rule covers "${drug}". Run "closedloop rules" to list the drugs and brands that are monitored.`);
      return 1;
    }
    ctx.io.out(text);
    return 0;
  },
};
