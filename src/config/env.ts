/**
 * Environment configuration, validated once at start-up. A bad value stops the process with a
 * message naming the variable, rather than surfacing later as a confusing failure.
 */
import path from 'node:path';
import { z } from 'zod';
import { loadWorkflowConfig, type WorkflowConfig } from './workflow.js';

const envSchema = z.object({
  DATABASE_URL: z.string().trim().min(1).optional()
    .refine((v) => v === undefined || /^postgres(ql)?:\/\//.test(v), 'must start with postgres:// or postgresql://'),
  DATA_DIR: z.string().trim().min(1).default('./data'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().trim().min(1).default('127.0.0.1'),
  RULES_FILE: z.string().trim().min(1).optional(),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  /** Tries before an undeliverable chat message is dead-lettered (about 20 minutes of backoff at 12). */
  OUTBOX_MAX_ATTEMPTS: z.coerce.number().int('must be a whole number from 1 to 50').min(1, 'must be at least 1').max(50, 'must be at most 50').default(12),
  /** Set to "false" to start with an empty register instead of the fictional demo data. */
  DEMO_DATA: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
});

export type AppConfig = {
  databaseUrl: string | undefined;
  dataDir: string;
  port: number;
  host: string;
  rulesFile: string | undefined;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  demoData: boolean;
  outboxMaxAttempts: number;
  /** Action timings (review windows, escalation, reconciliation): see src/config/workflow.ts. */
  workflow: WorkflowConfig;
};

export type ConfigResult = { ok: true; config: AppConfig } | { ok: false; message: string };

export function loadConfig(env: NodeJS.ProcessEnv = process.env): ConfigResult {
  // Empty strings from shell exports (`export DATABASE_URL=`) mean "not set".
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  const workflow = loadWorkflowConfig(cleaned);
  if (!parsed.success || !workflow.ok) {
    const lines = parsed.success ? [] : parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    if (!workflow.ok) lines.push(...workflow.message.split('\n').slice(1));
    return { ok: false, message: `Configuration error in environment variables:\n${lines.join('\n')}` };
  }
  const e = parsed.data;
  return {
    ok: true,
    config: {
      databaseUrl: e.DATABASE_URL,
      dataDir: path.resolve(e.DATA_DIR),
      port: e.PORT,
      host: e.HOST,
      rulesFile: e.RULES_FILE ? path.resolve(e.RULES_FILE) : undefined,
      logLevel: e.LOG_LEVEL,
      demoData: e.DEMO_DATA,
      outboxMaxAttempts: e.OUTBOX_MAX_ATTEMPTS,
      workflow: workflow.value,
    },
  };
}
