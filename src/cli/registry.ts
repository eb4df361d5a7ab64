/** The CLI's command table: each command declares its usage, options and handler. */
import type { ParseArgsConfig } from 'node:util';
import type { ZodType } from 'zod';
import type { CliContext } from './context.js';

export interface ParsedArgs {
  positionals: string[];
  values: Record<string, string | boolean | undefined>;
}

export interface CommandSpec {
  name: string;
  usage: string;
  summary: string;
  options?: NonNullable<ParseArgsConfig['options']>;
  /** Validates `values`; its messages are shown to the user on a usage error. */
  schema?: ZodType;
  /** Returns the process exit code: 0 done, 1 failed (message shown), 2 usage error. */
  run(ctx: CliContext, args: ParsedArgs): Promise<number>;
}
