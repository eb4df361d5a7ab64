/**
 * Each CLI command's name, usage and summary: what `help` shows, and what each handler takes as its
 * own (commandInfo), so the text has one home. Apart from the loaders in commands.ts, because the
 * handler modules read it: with both in one module, every handler and the list imported each other.
 */
import type { CommandInfo } from './registry.js';

export const COMMAND_INFO = [
  {
    name: 'migrate', usage: 'migrate',
    summary: 'Create or upgrade the database schema (also done automatically on start).',
  },
  {
    name: 'import', usage: 'import register FILE [--events FILE2] | import events FILE',
    summary: 'Import a register or events CSV (all-or-nothing; re-importing changes nothing).',
  },
  {
    name: 'due', usage: 'due [--team T] [--as-of YYYY-MM-DD] [--status overdue|due|all] [--format table|json|csv]',
    summary: 'Tests due, overdue or never done, with who is responsible for each.',
  },
  {
    name: 'results', usage: 'results [--flagged] [--team T] [--as-of YYYY-MM-DD] [--days N] [--format table|json]',
    summary: 'Recent results rated green, amber or red (or not rated), with the reason (default: last 30 days).',
  },
  {
    name: 'rules', usage: 'rules [DRUG]',
    summary: 'The monitoring rules in force, or one drug\'s rule with its sources.',
  },
  {
    name: 'audit', usage: 'audit verify [--anchor FILE] | anchor | export [--from DAY] [--to DAY] [--patient REF] [--format csv|json] [--out FILE [--force]]',
    summary: 'Check the audit trail\'s hash chain (against a signed anchor too), sign its head to keep outside the database ' +
      '(AUDIT_KEY), or export it with its hashes for an inspection (DAY: YYYY-MM-DD, UK).',
  },
  {
    name: 'staff', usage: 'staff import FILE | staff list [--team T]',
    summary: 'Import the staff list (roles and teams; all-or-nothing) or list staff.',
  },
  {
    name: 'sync', usage: 'sync [--as-of YYYY-MM-DD] [--dry-run]',
    summary: 'Create the actions the register calls for, and close those whose cause has gone (safe to repeat; --dry-run writes nothing).',
  },
  {
    name: 'outbox', usage: 'outbox [--failed] [--limit N] [--format table|json] | outbox retry ID',
    summary: 'Chat posts and updates waiting to be delivered (--failed: dead letters); "retry ID" sends a dead letter again.',
  },
  {
    name: 'digest', usage: 'digest run [--team T] [--kind daily|weekly|monthly] [--as-of YYYY-MM-DD] [--print] [--force]',
    summary: 'Queue a digest now, once per channel and period like the scheduler\'s (--force posts it again, audited); '
      + '--print writes it to stdout and queues nothing.',
  },
  {
    name: 'team', usage: 'team show TEAM | team set TEAM KEY=VALUE…',
    summary: 'A team\'s digest and escalation settings and channels, or change settings (validated, audited).',
  },
  {
    name: 'report', usage: 'report weekly|monthly [--team T] [--as-of YYYY-MM-DD] [--format table|csv|json] [--chart FILE.png]',
    summary: 'A team\'s weekly or monthly figures (compliance by drug group, overdue trend, timeliness, escalations); '
      + 'default every team, last complete period. --chart writes a team\'s 12-week compliance chart (weekly, with --team).',
  },
  {
    name: 'console', usage: 'console --as EMAIL',
    summary: 'Chat with closedloop in the terminal as a member of staff (reads commands from stdin when piped).',
  },
] as const satisfies readonly CommandInfo[];

export type CliCommandName = (typeof COMMAND_INFO)[number]['name'];

/** A handler's name, usage and summary, for its CommandSpec. */
export function commandInfo(name: CliCommandName): CommandInfo {
  const entry = COMMAND_INFO.find((c) => c.name === name);
  if (!entry) throw new Error(`No CLI command "${name}" in src/cli/command-info.ts`);
  return { name: entry.name, usage: entry.usage, summary: entry.summary };
}
