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

/** Help fits a terminal of this many columns. */
const HELP_WIDTH = 100;

/**
 * Words of `text` in lines of at most `width` columns (a longer word stands alone): the first line
 * starts with `indent`, the rest with `more` (deeper for a usage line, to show it continues).
 */
function wrap(text: string, width: number, indent: string, more = indent): string[] {
  const lines: string[] = [];
  let line = '';
  const prefix = () => (lines.length === 0 ? indent : more);
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line !== '' && prefix().length + line.length + 1 + word.length > width) {
      lines.push(prefix() + line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(prefix() + line);
  return lines;
}

/** Each command's usage, then its summary indented below it: side by side, rows ran to 170 columns. */
export function helpText(): string {
  return [
    'closedloop: monitoring register for high-risk medicines',
    '',
    'Usage: closedloop <command> [options]     closedloop --version',
    '',
    ...COMMANDS.flatMap((c) => [...wrap(c.usage, HELP_WIDTH, '  ', '    '), ...wrap(c.summary, HELP_WIDTH, '      ')]),
    '',
    ...wrap('Environment: DATABASE_URL (PostgreSQL; default embedded PGlite in DATA_DIR, default ./data), ' +
      'RULES_FILE (local rules override), LOG_LEVEL. See README.md.', HELP_WIDTH, ''),
  ].join('\n');
}

/** The version in package.json, read only when asked for so that other commands start no slower. */
async function packageVersion(): Promise<string> {
  const [{ readFileSync }, path, { PACKAGE_ROOT }] = await Promise.all([import('node:fs'), import('node:path'), import('../paths.js')]);
  return (JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

export async function runCli(argv: string[], options: CliOptions = {}): Promise<number> {
  const io = options.io ?? processIo;
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    io.out(helpText());
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-v' || name === 'version') {
    io.out(`closedloop ${await packageVersion()}`);
    return 0;
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
      io.err(`Check the options:\n${lines.join('\n')}\nUsage: closedloop ${command.usage}`);
      return 2;
    }
  }
  const [{ createCliContext }, { DatabaseConnectionError, DatabaseLockedError }, { DataDirError }] = await Promise.all([
    import('./context.js'), import('../db/client.js'), import('../config/data-dir.js'),
  ]);
  const created = createCliContext({ ...options, io });
  if (!created.ok) {
    io.err(created.message);
    return 1;
  }
  const ctx = created.value;
  try {
    return await command.run(ctx, args);
  } catch (err) {
    if (err instanceof DatabaseLockedError || err instanceof DatabaseConnectionError || err instanceof DataDirError) {
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
