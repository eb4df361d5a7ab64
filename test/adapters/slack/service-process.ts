/**
 * The real service (`src/main.ts`, as `npm run dev` runs it) in a child process, for the tests that
 * need a process boundary: start-up refusals, and a kill -9 between queueing and delivery.
 *
 * The child gets this process's environment without any closedloop setting (database, port,
 * Slack, Teams, outbox, rules, workflow timings, scheduler), plus the test's own. Its output is
 * kept in memory (the service never prints patient data) and shown when a wait fails.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { WORKFLOW_ENV } from '../../../src/config/workflow.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

const CLOSEDLOOP_SETTINGS = new Set([
  'DATABASE_URL', 'DATA_DIR', 'PORT', 'HOST', 'RULES_FILE', 'LOG_LEVEL', 'OUTBOX_MAX_ATTEMPTS', 'DEMO_DATA', 'TEST_DATABASE_URL',
  'DATABASE_OWNER_URL', 'AUDIT_KEY', 'PUBLIC_BASE_URL',
  // The scheduler's settings and its test hook (src/config/schedule.ts): a test passes its own.
  'SCHEDULER', 'SWEEP_INTERVAL_MINUTES', 'SCHEDULER_TICK_FILE',
  // Teams (adapters/teams/config.ts): a child runs without Teams unless the test configures it.
  'MicrosoftAppId', 'MicrosoftAppPassword', 'MicrosoftAppTenantId', 'MicrosoftAppType', 'TEAMS_ALLOWED_TENANTS', 'BOT_CONNECTOR_URL_ALLOWLIST', 'TEAMS_UNAUTHENTICATED_LOCAL',
  ...Object.values(WORKFLOW_ENV),
]);

export interface ServiceProcess {
  child: ChildProcess;
  pid: number;
  stdout(): string;
  stderr(): string;
  /** Resolves when the process has exited (never rejects). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the first match of `pattern` in stdout or stderr; rejects on timeout or exit. */
  waitForOutput(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  /** Sends `signal` if the process is still running, and waits for it to exit. */
  stop(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startService(env: Record<string, string>): ServiceProcess {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !CLOSEDLOOP_SETTINGS.has(name) && !name.startsWith('SLACK_')));
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: repoRoot, env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const listeners = new Set<() => void>();
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    for (const check of [...listeners]) check();
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
    for (const check of [...listeners]) check();
  });
  let running = true;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    // 'close', not 'exit': the output has all arrived by then.
    child.on('close', (code, signal) => {
      running = false;
      for (const check of [...listeners]) check();
      resolve({ code, signal });
    });
  });
  const describe = () => `--- stdout ---\n${out.slice(-4_000)}\n--- stderr ---\n${err.slice(-4_000)}`;

  return {
    child, pid: child.pid!, exited,
    stdout: () => out,
    stderr: () => err,
    waitForOutput(pattern, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = out.match(pattern) ?? err.match(pattern);
          if (match) finish(() => resolve(match));
          else if (!running) finish(() => reject(new Error(`the service exited before printing ${pattern}\n${describe()}`)));
        };
        const finish = (settle: () => void) => {
          listeners.delete(check);
          clearTimeout(timer);
          settle();
        };
        const timer = setTimeout(() => finish(() => reject(new Error(`the service did not print ${pattern} within ${timeoutMs} ms\n${describe()}`))), timeoutMs);
        listeners.add(check);
        check();
      });
    },
    async stop(signal) {
      if (running) child.kill(signal);
      return exited;
    },
  };
}
