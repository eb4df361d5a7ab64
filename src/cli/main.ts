/**
 * `closedloop` command line. Exit codes: 0 success, 1 the command failed (the message says why
 * and what to do), 2 the command was typed wrongly, 3 unexpected error (logged with a reference).
 */
// Only these light modules load at start, so `help` and a mistyped command answer fast; the
// command's own module, the context and the database client load when a command runs.
import { parseArgs } from 'node:util';
import { COMMANDS } from './commands.js';
import type { CliOptions } from './context.js';
import { processIo } from './io.js';

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
  const entry = COMMANDS.find((c) => c.name === name);
  if (!entry) {
    io.err(`Unknown command "${name}".\n\n${helpText()}`);
    return 2;
  }
  const command = await entry.load();
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
  const [{ createCliContext }, { DatabaseConnectionError, DatabaseLockedError }] = await Promise.all([import('./context.js'), import('../db/client.js')]);
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
