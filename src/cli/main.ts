/**
 * `closedloop` command line. Exit codes: 0 success, 1 the command failed (the message says why
 * and what to do), 2 the command was typed wrongly, 3 unexpected error (logged with a reference).
 */
import { parseArgs } from 'node:util';
import { DatabaseConnectionError, DatabaseLockedError } from '../db/client.js';
import { auditCommand } from './audit-commands.js';
import { consoleCommand } from './console-command.js';
import { createCliContext, processIo, type CliOptions } from './context.js';
import { dueCommand, importCommand, migrateCommand, resultsCommand, rulesCommand } from './register-commands.js';
import type { CommandSpec } from './registry.js';
import { staffCommand } from './staff-commands.js';
import { syncCommand } from './workflow-commands.js';

export const COMMANDS: CommandSpec[] = [migrateCommand, importCommand, dueCommand, resultsCommand, rulesCommand, auditCommand, staffCommand, syncCommand, consoleCommand];

export function helpText(): string {
  const width = Math.max(...COMMANDS.map((c) => c.usage.length));
  return [
    'closedloop: monitoring register for high-risk medicines',
    '',
    'Usage: closedloop <command> [options]',
    '',
    ...COMMANDS.map((c) => `  ${c.usage.padEnd(width)}  ${c.summary}`),
    '',
    'Environment: DATABASE_URL (PostgreSQL; default embedded PGlite in DATA_DIR, default ./data),',
    'RULES_FILE (local rules override), LOG_LEVEL. See README.md.',
  ].join('\n');
}

export async function runCli(argv: string[], options: CliOptions = {}): Promise<number> {
  const io = options.io ?? processIo;
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    io.out(helpText());
    return name ? 0 : 2;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.err(`Unknown command "${name}".\n\n${helpText()}`);
    return 2;
  }
  let args;
  try {
    const parsed = parseArgs({ args: rest, options: command.options ?? {}, allowPositionals: true, strict: true });
    args = { positionals: parsed.positionals, values: parsed.values as Record<string, string | boolean | undefined> };
  } catch (err) {
    io.err(`${(err as Error).message}\nUsage: closedloop ${command.usage}`);
    return 2;
  }
  if (command.schema) {
    const checked = command.schema.safeParse(args.values);
    if (!checked.success) {
      const lines = checked.error.issues.map((i) => `  --${i.path.join('.')}: ${i.message}`);
      io.err(`Invalid option:\n${lines.join('\n')}\nUsage: closedloop ${command.usage}`);
      return 2;
    }
  }
  const created = createCliContext({ ...options, io });
  if (!created.ok) {
    io.err(created.message);
    return 1;
  }
  const ctx = created.value;
  try {
    return await command.run(ctx, args);
  } catch (err) {
    if (err instanceof DatabaseLockedError || err instanceof DatabaseConnectionError) {
      io.err(err.message);
      return 1;
    }
    const ref = ctx.logger.unexpected(err, { command: command.name });
    io.err(`Something went wrong (reference ${ref}). Nothing was lost; the details are in the log under that reference.`);
    return 3;
  } finally {
    await ctx.close();
  }
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (invokedDirectly) {
  process.exitCode = await runCli(process.argv.slice(2));
}
