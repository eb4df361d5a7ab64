/** A CLI command: its options and handler, with its name, usage and summary from commands.ts. */
import type { ParseArgsConfig } from 'node:util';
import type { ZodType } from 'zod';
import type { CliContext } from './context.js';

export interface ParsedArgs {
  positionals: string[];
  values: Record<string, string | boolean | undefined>;
}

/** What `help` lists; kept in commands.ts, away from the handlers (see there). */
export interface CommandInfo {
  name: string;
  usage: string;
  summary: string;
}

export interface CommandSpec extends CommandInfo {
  options?: NonNullable<ParseArgsConfig['options']>;
  /** Validates `values`; its messages are shown to the user on a usage error. */
  schema?: ZodType;
  /** Returns the process exit code: 0 done, 1 failed (message shown), 2 usage error. */
  run(ctx: CliContext, args: ParsedArgs): Promise<number>;
}
