/**
 * The CLI's command list: what `help` shows (command-info.ts), and where each handler lives. The
 * handler modules are imported only when their command runs, because together they load zod,
 * drizzle and both database drivers, which made `closedloop help` several times slower than
 * starting Node.
 */
import { COMMAND_INFO, type CliCommandName } from './command-info.js';
import type { CommandInfo, CommandSpec } from './registry.js';

export interface CommandEntry extends CommandInfo {
  load(): Promise<CommandSpec>;
}

const LOADERS: Record<CliCommandName, () => Promise<CommandSpec>> = {
  migrate: async () => (await import('./register-commands.js')).migrateCommand,
  import: async () => (await import('./register-commands.js')).importCommand,
  due: async () => (await import('./register-commands.js')).dueCommand,
  results: async () => (await import('./register-commands.js')).resultsCommand,
  rules: async () => (await import('./register-commands.js')).rulesCommand,
  audit: async () => (await import('./audit-commands.js')).auditCommand,
  staff: async () => (await import('./staff-commands.js')).staffCommand,
  sync: async () => (await import('./workflow-commands.js')).syncCommand,
  outbox: async () => (await import('./outbox-commands.js')).outboxCommand,
  digest: async () => (await import('./digest-commands.js')).digestCommand,
  team: async () => (await import('./team-commands.js')).teamCommand,
  report: async () => (await import('./report-commands.js')).reportCommand,
  console: async () => (await import('./console-command.js')).consoleCommand,
};

export const COMMANDS: CommandEntry[] = COMMAND_INFO.map((info) => ({ name: info.name, usage: info.usage, summary: info.summary, load: LOADERS[info.name] }));
