/**
 * Environment configuration, validated once at start-up. A bad value stops the process with a
 * message naming the variable, rather than surfacing later as a confusing failure.
 */
import net from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { loadWorkflowConfig, type WorkflowConfig } from './workflow.js';

const PORT = 'must be a whole number from 0 to 65535';

/** Values never repeated in a message (URLs are left out too: they may hold a password). */
const SECRET = new Set(['AUDIT_KEY']);

/**
 * An address or name a server can listen on: an IP address, or a host name of letters, digits,
 * hyphens and dots. Checked here so that 999.1.1.1 (which looks like an address but is not one, and
 * would only fail later as a DNS lookup) is refused at start-up by name.
 */
function isListenHost(value: string): boolean {
  if (net.isIP(value) !== 0) return true;
  if (/^[\d.]+$/.test(value)) return false;
  return value.length <= 253 && /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*\.?$/.test(value);
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Why PUBLIC_BASE_URL cannot be used, or null. Teams fetches card images from it, so it must be
 * an https:// address the platform can reach; plain http:// is accepted only for this machine
 * (localhost, 127.0.0.1, [::1]) and never with NODE_ENV=production. It holds no credentials, query
 * or fragment, since every chart URL is built by appending a path to it.
 */
function publicBaseUrlProblem(value: string, production: boolean): string | null {
  const hint = 'must be the https:// address at which Teams and Slack reach this service, e.g. https://closedloop.example.nhs.uk';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return hint;
  }
  if (url.protocol === 'http:') {
    if (!LOOPBACK.has(url.hostname)) return `${hint} (http:// only for localhost)`;
    if (production) return `${hint} (http:// is refused with NODE_ENV=production)`;
  } else if (url.protocol !== 'https:') {
    return hint;
  }
  if (url.username || url.password || url.search || url.hash) return `${hint}, with no user name, password, ?query or #fragment`;
  return null;
}

const envSchema = z.object({
  DATABASE_URL: z.string().trim().min(1).optional()
    .refine((v) => v === undefined || /^postgres(ql)?:\/\//.test(v), 'must start with postgres:// or postgresql://'),
  /** The role that owns the tables: migrations and grants run as it (src/db/roles.ts). */
  DATABASE_OWNER_URL: z.string().trim().min(1).optional()
    .refine((v) => v === undefined || /^postgres(ql)?:\/\//.test(v), 'must start with postgres:// or postgresql://'),
  /** Signs audit anchors (`audit anchor`, `audit verify --anchor`). Never printed. */
  AUDIT_KEY: z.string().min(32, 'must be at least 32 characters: generate one with "openssl rand -hex 32"').optional(),
  DATA_DIR: z.string().trim().min(1).default('./data'),
  PORT: z.string().trim().regex(/^\d{1,5}$/, PORT).transform(Number).refine((n) => n <= 65535, PORT).default(3000),
  HOST: z.string().trim().min(1).refine(isListenHost, 'must be an IP address or host name of this machine: 127.0.0.1 (this machine only), ' +
    'an address or name of one of its network interfaces, or 0.0.0.0 (every interface)').default('127.0.0.1'),
  RULES_FILE: z.string().trim().min(1).optional(),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error'], 'must be one of debug, info, warn, error').default('info'),
  /** Tries before an undeliverable chat message is dead-lettered (about 20 minutes of backoff at 12). */
  OUTBOX_MAX_ATTEMPTS: z.string().trim().regex(/^\d{1,2}$/, 'must be a whole number from 1 to 50').transform(Number)
    .refine((n) => n >= 1 && n <= 50, 'must be a whole number from 1 to 50').default(12),
  /** Set to "false" to start with an empty register instead of the fictional demo data. */
  DEMO_DATA: z.enum(['true', 'false'], 'must be true or false').default('true').transform((v) => v === 'true'),
  /** Where chat platforms reach this service from outside (charts on Teams cards): see publicBaseUrl. */
  PUBLIC_BASE_URL: z.string().trim().min(1).optional(),
  NODE_ENV: z.string().optional(),
}).superRefine((e, ctx) => {
  if (e.PUBLIC_BASE_URL !== undefined) {
    const problem = publicBaseUrlProblem(e.PUBLIC_BASE_URL, e.NODE_ENV === 'production');
    if (problem) ctx.addIssue({ code: 'custom', path: ['PUBLIC_BASE_URL'], message: problem });
  }
  if (e.DATABASE_OWNER_URL !== undefined && e.DATABASE_URL === undefined) {
    ctx.addIssue({ code: 'custom', path: ['DATABASE_OWNER_URL'], message: 'needs DATABASE_URL too (the embedded database has only one role); set both, or unset it' });
  }
});

export type AppConfig = {
  databaseUrl: string | undefined;
  /** PostgreSQL URL of the table owner, for migrations and grants; undefined: one role does everything. */
  databaseOwnerUrl: string | undefined;
  /** The secret that signs audit anchors; undefined when not given (only the anchor commands need it). */
  auditKey: string | undefined;
  dataDir: string;
  port: number;
  host: string;
  rulesFile: string | undefined;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  demoData: boolean;
  outboxMaxAttempts: number;
  /**
   * PUBLIC_BASE_URL without a trailing slash, e.g. "https://closedloop.example.nhs.uk"; undefined
   * when not set. Charts are served at `${publicBaseUrl}/charts/<token>.png` (chartImageUrl in
   * src/delivery/prepare-view.ts); without it Teams cards say the chart is not available.
   */
  publicBaseUrl: string | undefined;
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
    // Each line names the variable and what was given, as the workflow settings' lines do.
    const lines = parsed.success ? [] : parsed.error.issues.map((issue) => {
      const name = issue.path.join('.');
      const given = typeof cleaned[name] === 'string' && !SECRET.has(name) && !/URL$/.test(name) ? ` (got ${JSON.stringify(cleaned[name])})` : '';
      return `  ${name}: ${issue.message}${given}`;
    });
    if (!workflow.ok) lines.push(...workflow.message.split('\n').slice(1));
    return { ok: false, message: `Configuration error in environment variables:\n${lines.join('\n')}` };
  }
  const e = parsed.data;
  return {
    ok: true,
    config: {
      databaseUrl: e.DATABASE_URL,
      databaseOwnerUrl: e.DATABASE_OWNER_URL,
      auditKey: e.AUDIT_KEY,
      dataDir: path.resolve(e.DATA_DIR),
      port: e.PORT,
      host: e.HOST,
      rulesFile: e.RULES_FILE ? path.resolve(e.RULES_FILE) : undefined,
      logLevel: e.LOG_LEVEL,
      demoData: e.DEMO_DATA,
      outboxMaxAttempts: e.OUTBOX_MAX_ATTEMPTS,
      publicBaseUrl: e.PUBLIC_BASE_URL === undefined ? undefined : new URL(e.PUBLIC_BASE_URL).href.replace(/\/+$/, ''),
      workflow: workflow.value,
    },
  };
}
