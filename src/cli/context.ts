/**
 * What every CLI command needs: configuration, output streams, the clock, the rule set and a
 * database opened on demand. Tests inject their own streams, clock and database.
 */
import { prepareDataDir } from '../config/data-dir.js';
import { loadConfig, type AppConfig } from '../config/env.js';
import { openDatabase, type DatabaseHandle } from '../db/client.js';
import { todayIn, type IsoDate } from '../domain/dates.js';
import { fail, ok, type Outcome } from '../domain/outcome.js';
import { loadRuleSet } from '../rules/load.js';
import type { RuleSet } from '../domain/rules/schema.js';
import { createLogger, type Logger } from '../logging/logger.js';
import { processIo, type CliIo } from './io.js';

export { processIo, type CliIo } from './io.js';

export interface CliOptions {
  io?: CliIo;
  env?: NodeJS.ProcessEnv;
  now?: () => Date;
  /** An already-open database (tests); otherwise one is opened from the configuration. */
  database?: DatabaseHandle;
}

export interface CliContext {
  config: AppConfig;
  io: CliIo;
  logger: Logger;
  now: () => Date;
  /** Today in the UK, where the register's dates live. */
  today(): IsoDate;
  ruleSet(): Outcome<{ ruleSet: RuleSet; hash: string }, string>;
  database(): Promise<DatabaseHandle>;
  close(): Promise<void>;
}

export function createCliContext(options: CliOptions): Outcome<CliContext, 'CONFIG.INVALID'> {
  const loaded = loadConfig(options.env ?? process.env);
  if (!loaded.ok) return fail('CONFIG.INVALID', loaded.message);
  const config = loaded.config;
  const io = options.io ?? processIo;
  const now = options.now ?? (() => new Date());
  let handle: DatabaseHandle | undefined = options.database;
  const ownsHandle = options.database === undefined;
  let rules: ReturnType<CliContext['ruleSet']> | undefined;
  return ok({
    config, io, now,
    logger: createLogger(config.logLevel),
    today: () => todayIn('Europe/London', now()),
    ruleSet() {
      if (!rules) {
        const result = loadRuleSet({ overridePath: config.rulesFile });
        rules = result.ok ? ok({ ruleSet: result.ruleSet, hash: result.hash }) : fail(result.code, result.message);
      }
      return rules;
    },
    async database() {
      if (!handle && !config.databaseUrl) prepareDataDir(config.dataDir);
      handle ??= await openDatabase({ url: config.databaseUrl, ownerUrl: config.databaseOwnerUrl, dataDir: config.dataDir });
      return handle;
    },
    async close() {
      if (handle && ownsHandle) await handle.close();
    },
  });
}
