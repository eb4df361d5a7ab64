/**
 * The CLI's command list: what `help` shows, and where each handler lives. The handler modules
 * are imported only when their command runs, because together they load zod, drizzle and both
 * database drivers, which made `closedloop help` several times slower than starting Node. Each
 * handler takes its name, usage and summary from here (commandInfo), so the text has one home.
 */
import type { CommandInfo, CommandSpec } from './registry.js';

export interface CommandEntry extends CommandInfo {
  load(): Promise<CommandSpec>;
}

export const COMMANDS: CommandEntry[] = [
  {
    name: 'migrate', usage: 'migrate',
    summary: 'Create or upgrade the database schema (also done automatically on start).',
    load: async () => (await import('./register-commands.js')).migrateCommand,
  },
  {
    name: 'import', usage: 'import register FILE | import events FILE',
    summary: 'Import a register or events CSV (all-or-nothing; re-importing changes nothing).',
    load: async () => (await import('./register-commands.js')).importCommand,
  },
  {
    name: 'due', usage: 'due [--team T] [--as-of YYYY-MM-DD] [--status overdue|due|all] [--format table|json|csv]',
    summary: 'Tests due, overdue or never done, with who is responsible for each.',
    load: async () => (await import('./register-commands.js')).dueCommand,
  },
  {
    name: 'results', usage: 'results [--flagged] [--team T] [--as-of YYYY-MM-DD] [--days N] [--format table|json]',
    summary: 'Recent results rated green, amber or red, with the reason (default: last 30 days).',
    load: async () => (await import('./register-commands.js')).resultsCommand,
  },
  {
    name: 'rules', usage: 'rules [DRUG]',
    summary: 'The monitoring rules in force, or one drug\'s rule with its sources.',
    load: async () => (await import('./register-commands.js')).rulesCommand,
  },
  {
    name: 'audit', usage: 'audit verify|export [--from DAY] [--to DAY] [--patient REF] [--format csv|json] [--out FILE]',
    summary: 'Check the audit trail\'s hash chain, or export it with its hashes for an inspection (DAY: YYYY-MM-DD, UK).',
    load: async () => (await import('./audit-commands.js')).auditCommand,
  },
  {
    name: 'staff', usage: 'staff import FILE | staff list [--team T]',
    summary: 'Import the staff list (roles and teams; all-or-nothing) or list staff.',
    load: async () => (await import('./staff-commands.js')).staffCommand,
  },
  {
    name: 'sync', usage: 'sync [--as-of YYYY-MM-DD]',
    summary: 'Create the actions the register calls for, and close those whose cause has gone (safe to repeat).',
    load: async () => (await import('./workflow-commands.js')).syncCommand,
  },
  {
    name: 'outbox', usage: 'outbox [--failed] [--limit N] [--format table|json] | outbox retry ID',
    summary: 'Chat posts and updates waiting to be delivered (--failed: dead letters); "retry ID" sends a dead letter again.',
    load: async () => (await import('./outbox-commands.js')).outboxCommand,
  },
  {
    name: 'console', usage: 'console --as EMAIL',
    summary: 'chat with closedloop in the terminal as a member of staff (reads commands from stdin when piped)',
    load: async () => (await import('./console-command.js')).consoleCommand,
  },
];

/** A handler's name, usage and summary, for its CommandSpec. */
export function commandInfo(name: string): CommandInfo {
  const entry = COMMANDS.find((c) => c.name === name);
  if (!entry) throw new Error(`No CLI command "${name}" in src/cli/commands.ts`);
  return { name: entry.name, usage: entry.usage, summary: entry.summary };
}
