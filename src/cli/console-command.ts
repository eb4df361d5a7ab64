/**
 * `closedloop console --as EMAIL`: the console chat channel, the embedded default that lets a new
 * user try the whole loop with no Slack or Teams account.
 */
import { Readable } from 'node:stream';
import { z } from 'zod';
import { runConsole } from '../../adapters/console/console.js';
import { createCore } from '../create-core.js';
import { commandInfo } from './command-info.js';
import type { CommandSpec } from './registry.js';

export const consoleCommand: CommandSpec = {
  ...commandInfo('console'),
  options: { as: { type: 'string' } },
  schema: z.object({ as: z.email({ message: 'give the staff email to act as, e.g. --as ana.example@example.nhs.uk' }) }),
  async run(ctx, args) {
    const email = String(args.values.as).toLowerCase();
    const rules = ctx.ruleSet();
    if (!rules.ok) {
      ctx.io.err(rules.message);
      return 1;
    }
    const { db } = await ctx.database();
    const core = createCore({ db, ruleSet: rules.value.ruleSet, workflow: ctx.config.workflow, logger: ctx.logger, now: ctx.now });
    const input = ctx.io.input ? Readable.from(ctx.io.input) : Readable.from([]);
    const { failed } = await runConsole({
      core, email, input, out: ctx.io.out, prompt: ctx.io.prompt, interactive: ctx.io.inputIsTerminal === true,
    });
    // A scripted run whose commands were refused exits 1, so a script can tell.
    return failed > 0 && ctx.io.inputIsTerminal !== true ? 1 : 0;
  },
};
