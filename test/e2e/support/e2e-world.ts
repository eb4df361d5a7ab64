/**
 * The end-to-end digest tests' world: the real service (`src/main.ts`) in child processes on one
 * database, Slack pointed at the fake Web API (test/support/fake-slack.ts) and Teams at the fake
 * Bot Connector (test/support/fake-connector.ts), and the scheduler's test hook
 * (SCHEDULER_TICK_FILE) to make every process tick at once.
 *
 * The database is PostgreSQL (a fresh database per file, as test/support/databases.ts makes them)
 * or an embedded PGlite data directory seeded from the migrated template global-setup.ts builds
 * (about a second, instead of initdb and every migration in the first service start). PGlite
 * admits one process: `withDb` opens the directory in this process between service runs only.
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { openDatabase, rowsOf } from '../../../src/db/client.js';
import type { Database } from '../../../src/db/database.js';
import { channels } from '../../../src/db/schema.js';
import { addDays, todayIn, type IsoDate } from '../../../src/domain/dates.js';
import { weekdayOf } from '../../../src/domain/digest/calendar.js';
import { WEEKDAYS } from '../../../src/domain/digest/settings.js';
import { createConversationStore } from '../../../src/stores/conversations.js';
import { startService, type ServiceProcess } from '../../adapters/slack/service-process.js';
import { runCliOn, type CliRun } from '../../support/cli.js';
import { createTestDatabase, type EngineName, type TestDatabase } from '../../support/databases.js';
import { afterAll } from 'vitest';
import { addTeam } from '../../digests/support.js';
import { startFakeConnector, type FakeConnector } from '../../support/fake-connector.js';
import { startFakeSlack, type FakeSlack } from '../../support/fake-slack.js';
import { TEMPLATE_PATH } from '../../support/global-setup.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** The Slack workspace and Teams tenant the fictional teams' channels live in. */
export const SLACK_WORKSPACE = 'T0E2EDIGEST';
export const TEAMS_TENANT = '00000000-0000-4000-8000-00000000e2e0';
const TEAMS_BOT = { id: '28:00000000-0000-4000-8000-00000000b07e', name: 'closedloop' };
const RUNNING = /closedloop is running: http:\/\/127\.0\.0\.1:(\d+)\/healthz/;

/** The zone of every team these tests create (the import's and the schema's default). */
export const TEAM_ZONE = 'Europe/London';
export const today = (): IsoDate => todayIn(TEAM_ZONE, new Date());
export const yesterday = (): IsoDate => addDays(today(), -1);

/**
 * `team set` words that make a team's daily digest, and its weekly digest, due at any moment of
 * today: every day worked, no holidays, both at midnight. The monthly summary is turned off so
 * whether today is the month's first working day does not change what a test sees.
 */
export function dueNowSettings(): string[] {
  return ['dailyDigestTime=00:00', `workingDays=${WEEKDAYS.join(',')}`, 'bankHolidays=none',
    `weeklyDigestDay=${weekdayOf(today())}`, 'weeklyDigestTime=00:00', 'monthlyDigest=false'];
}

export interface E2eDatabase {
  engine: EngineName;
  /** DATABASE_URL or DATA_DIR, for the service's environment. */
  env: Record<string, string>;
  /** Runs `fn` on the database: at any time on PostgreSQL, only while no service runs on PGlite. */
  withDb<T>(fn: (db: Database) => Promise<T>): Promise<T>;
  /** The closedloop CLI in this process (`runCliOn`), at the real clock, on the same terms as withDb. */
  cli(argv: string[]): Promise<CliRun>;
  close(): Promise<void>;
}

export async function createE2eDatabase(engine: EngineName): Promise<E2eDatabase> {
  const cliOn = (db: Database) => (argv: string[]) =>
    runCliOn({ db, engine, close: async () => {} } satisfies TestDatabase, argv, { now: new Date(), env: { DEMO_DATA: 'false' } });
  if (engine === 'postgres') {
    const testDb = await createTestDatabase('postgres');
    return {
      engine, env: { DATABASE_URL: testDb.url! },
      withDb: (fn) => fn(testDb.db),
      cli: (argv) => cliOn(testDb.db)(argv),
      close: () => testDb.close(),
    };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'closedloop-e2e-'));
  const dataDir = path.join(dir, 'data');
  // The migrated template, written out as a data directory; the service then finds nothing to migrate.
  const seeded = await PGlite.create({ dataDir, loadDataDir: new Blob([fs.readFileSync(TEMPLATE_PATH)]) });
  await seeded.close();
  const withDb = async <T>(fn: (db: Database) => Promise<T>): Promise<T> => {
    // A service killed with SIGKILL leaves its lock behind; openDatabase takes a dead process's lock over.
    const handle = await openDatabase({ dataDir, migrate: false });
    try {
      return await fn(handle.db);
    } finally {
      await handle.close();
    }
  };
  return {
    engine, env: { DATA_DIR: dataDir }, withDb,
    cli: (argv) => withDb((db) => cliOn(db)(argv)),
    close: async () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

export async function count(db: Database, query: ReturnType<typeof sql>): Promise<number> {
  return Number(rowsOf<{ n: number }>(await db.execute(query))[0]?.n ?? 0);
}

/** Binds a Slack channel of SLACK_WORKSPACE to the team (as `bind TEAM [managers]` typed there would). */
export async function bindSlack(db: Database, teamId: string, channelId: string, purpose: 'mdt' | 'managers' = 'mdt'): Promise<void> {
  await db.insert(channels).values({ platform: 'slack', tenant: SLACK_WORKSPACE, channelId, teamId, purpose });
}

/**
 * Binds a Teams channel to the team and stores the conversation reference the bot would have
 * kept at installation, with the fake connector as its serviceUrl: the outbox posts there.
 */
export async function bindTeams(db: Database, teamId: string, conversationId: string, serviceUrl: string, purpose: 'mdt' | 'managers' = 'mdt'): Promise<void> {
  await db.insert(channels).values({ platform: 'teams', tenant: TEAMS_TENANT, channelId: conversationId, teamId, purpose });
  const reference = {
    channelId: 'msteams', serviceUrl, bot: TEAMS_BOT,
    conversation: { id: conversationId, conversationType: 'channel', isGroup: true, tenantId: TEAMS_TENANT },
  };
  await createConversationStore(db).remember(
    { platform: 'teams', tenant: TEAMS_TENANT, channelId: conversationId, kind: 'channel', userId: null, reference },
    { now: new Date(), correlationId: crypto.randomUUID() },
  );
}

export interface ServiceOptions {
  database: E2eDatabase;
  tickFile: string;
  slack?: FakeSlack;
  teams?: FakeConnector;
}

/** The service's environment: the database, the fakes given, the tick file, and nothing from the demo. */
export function serviceEnv({ database, tickFile, slack, teams }: ServiceOptions): Record<string, string> {
  return {
    ...database.env, PORT: '0', HOST: '127.0.0.1', DEMO_DATA: 'false', LOG_LEVEL: 'info',
    SCHEDULER: 'on', SCHEDULER_TICK_FILE: tickFile,
    ...(slack ? { SLACK_BOT_TOKEN: 'xoxb-e2e-digests', SLACK_SIGNING_SECRET: crypto.randomBytes(16).toString('hex'), SLACK_API_URL: slack.apiUrl } : {}),
    ...(teams ? { TEAMS_UNAUTHENTICATED_LOCAL: 'true', TEAMS_ALLOWED_TENANTS: TEAMS_TENANT, BOT_CONNECTOR_URL_ALLOWLIST: teams.serviceUrl } : {}),
  };
}

/**
 * Starts `n` services at once and resolves when each says it is running (after its scheduler
 * started, so each has taken its tick file's baseline). Every process started is pushed to
 * `started` at once, so the caller's afterAll can kill it whatever happens.
 */
export async function startServices(n: number, env: Record<string, string>, started: ServiceProcess[]): Promise<ServiceProcess[]> {
  const services = Array.from({ length: n }, () => startService(env));
  started.push(...services);
  await Promise.all(services.map((s) => s.waitForOutput(RUNNING, 120_000)));
  return services;
}

export type LogLine = Record<string, unknown> & { event?: string };

/** The service's JSON log lines (stderr) with this event. */
export function logEvents(service: ServiceProcess, event: string): LogLine[] {
  const lines: LogLine[] = [];
  for (const line of service.stderr().split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const parsed = JSON.parse(line) as LogLine;
      if (parsed.event === event) lines.push(parsed);
    } catch { /* a partial line still being written */ }
  }
  return lines;
}

/** Polls `check` every 50 ms until it returns something truthy; fails with `what` and `context()` after `timeoutMs`. */
export async function waitUntil<T>(check: () => T | undefined | null | false | Promise<T | undefined | null | false>, what: string,
  timeoutMs = 30_000, context: () => string = () => ''): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await check();
    if (result) return result;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${context()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Forces one tick in every service watching `tickFile` and waits until each has logged it
 * (`scheduler_tick`, written once both passes of that tick have finished). Returns how many
 * digests each tick queued.
 */
export async function tickAll(tickFile: string, services: ServiceProcess[]): Promise<number[]> {
  const before = services.map((s) => logEvents(s, 'scheduler_tick').length);
  fs.writeFileSync(tickFile, new Date().toISOString());
  const ticks = await waitUntil(() => {
    const lines = services.map((s, i) => logEvents(s, 'scheduler_tick')[before[i]!]);
    return lines.every(Boolean) ? lines as LogLine[] : undefined;
  }, 'every service to log scheduler_tick', 60_000, () => services.map((s, i) => `--- service ${i} ---\n${s.stderr().slice(-3_000)}`).join('\n'));
  return ticks.map((line) => Number(line.count ?? 0));
}

/** Rows still to be delivered (pending or sending): none once every queued post has gone out or died. */
export function undelivered(db: Database): Promise<number> {
  return count(db, sql`SELECT count(*)::int AS n FROM outbox WHERE status IN ('pending', 'sending')`);
}

/** The closedloop CLI as its own process (`closedloop …` on PostgreSQL), for commands started at the same moment. */
export function cliProcess(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string; err: string }> {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(DATABASE_|TEST_DATABASE_URL|DATA_DIR|LOG_LEVEL|DEMO_DATA)/.test(name)));
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: repoRoot, env: { ...inherited, ...env, DEMO_DATA: 'false', LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { out += chunk; });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { err += chunk; });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out, err })));
}

/**
 * One file's world: a scratch directory with the tick file, the services started (killed after
 * the file), the database and both fake platforms (closed after it). `start` creates them and a
 * team past onboarding with nothing to do, bound to an mdt channel on each platform, and makes its
 * daily digest due now.
 */
export interface E2eWorld {
  tickFile: string;
  started: ServiceProcess[];
  start(engine: EngineName, team: { name: string; slackChannel: string; teamsChannel: string }): Promise<{
    database: E2eDatabase; slack: FakeSlack; teams: FakeConnector; teamId: string;
  }>;
}

export function useE2eWorld(prefix: string): E2eWorld {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `closedloop-${prefix}-`));
  const started: ServiceProcess[] = [];
  let database: E2eDatabase | undefined;
  let slack: FakeSlack | undefined;
  let teams: FakeConnector | undefined;
  afterAll(async () => {
    await Promise.all(started.map((s) => s.stop('SIGKILL')));
    await Promise.all([slack?.close(), teams?.close()]);
    await database?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return {
    tickFile: path.join(dir, 'tick'),
    started,
    async start(engine, team) {
      [database, slack, teams] = await Promise.all([createE2eDatabase(engine), startFakeSlack({ teamId: SLACK_WORKSPACE }), startFakeConnector()]);
      const connector = teams;
      const teamId = await database.withDb(async (handle) => {
        // Past onboarding and with nothing to do: the channels' only posts are the digests.
        const row = await addTeam(handle, { name: team.name, firstDigestAt: new Date(Date.now() - 86_400_000) });
        await bindSlack(handle, row.id, team.slackChannel);
        await bindTeams(handle, row.id, team.teamsChannel, connector.serviceUrl);
        return row.id;
      });
      const settings = await database.cli(['team', 'set', team.name, ...dueNowSettings()]);
      if (settings.code !== 0) throw new Error(`team set failed: ${settings.err}`);
      return { database, slack, teams, teamId };
    },
  };
}
