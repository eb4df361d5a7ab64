/**
 * The server under test for bench/teams.ts, in its own process as in production (the load
 * generator must not share its event loop). Two modes, both teams-ai on the service's HTTP server
 * (createHttpServer with the same route mounting), unauthenticated local mode (no JWT check):
 *
 * - `closedloop`: composed as src/main.ts composes the service: core, Teams adapter (the
 *   conversation store, the fake Bot Connector allowed as a serviceUrl), outbox worker with the
 *   production pacing, log level info (the default) to stderr.
 * - `bare`: a teams-ai Application on TeamsAdapter({}) whose Action.Execute handler only returns
 *   a tiny static card: the floor.
 * - `bare-read`, `bare-write`: the same app whose handler first makes one database round trip
 *   through the service's own driver set-up (openDatabase: postgres.js, prepared statements): a
 *   one-row SELECT, or a one-row INSERT committed (a WAL flush, as every claim's commit has) into
 *   a scratch table of the bench database. The rungs between answering and claiming: what one
 *   round trip, and one durable write, cost on this machine at the same invoke rate.
 *
 * Prints `READY <port>`. Answers the parent's IPC messages as bench/slack-server.ts does (`mark`,
 * `stats`, `stop`).
 *
 * Usage: tsx bench/teams-server.ts closedloop|bare|bare-read|bare-write DATABASE_URL CONNECTOR_URL TENANT_ID
 */
import type http from 'node:http';
import { monitorEventLoopDelay, performance, type EventLoopUtilization } from 'node:perf_hooks';
import { Application, TeamsAdapter, type AdaptiveCard, type TurnState } from '@microsoft/teams-ai';
import { MemoryStorage } from 'botbuilder';
import { sql } from 'drizzle-orm';
import { createTeamsAdapter, TEAMS_MESSAGES_PATH } from '../adapters/teams/app.js';
import { processWith } from '../adapters/teams/http.js';
import { createConversationStore, createCore, type Core } from '../src/index.js';
import { defaultWorkflowConfig } from '../src/config/workflow.js';
import { openDatabase } from '../src/db/client.js';
import { createOutboxWorker, type OutboxWorker } from '../src/delivery/worker.js';
import { createLogger } from '../src/logging/logger.js';
import { loadRuleSet } from '../src/rules/load.js';
import { createHttpServer, listen, type RouteHandler } from '../src/server/http.js';
import type { ServerStats } from './slack-server.js';
import { latency, type Latency } from './support.js';

const [mode, databaseUrl, connectorUrl, tenantId] = process.argv.slice(2) as [string, string, string, string];
const logger = createLogger('info');
const handle = await openDatabase({ url: databaseUrl });
let route: RouteHandler;
let worker: OutboxWorker | undefined;
/** core.handle() times in the measuring window (closedloop mode). */
let handleSamples: number[] = [];

if (mode === 'closedloop') {
  const rules = loadRuleSet();
  if (!rules.ok) throw new Error(rules.message);
  let kick = () => {};
  const inner = createCore({ db: handle.db, ruleSet: rules.ruleSet, workflow: defaultWorkflowConfig, logger, now: () => new Date(), afterChange: () => kick() });
  // Timed, to split an invoke's response time into the core's part (the claim's transaction) and the rest (botbuilder, teams-ai, the adapter).
  const core: Core = {
    async handle(request) {
      const started = performance.now();
      try {
        return await inner.handle(request);
      } finally {
        handleSamples.push(performance.now() - started);
      }
    },
  };
  const adapter = createTeamsAdapter({
    core, logger, conversations: createConversationStore(handle.db),
    config: { appId: undefined, appPassword: undefined, appType: 'SingleTenant', tenantId: undefined, allowedTenants: [tenantId], connectorAllowlist: [connectorUrl], unauthenticated: true },
  });
  worker = createOutboxWorker({ db: handle.db, deliverers: [adapter.deliverer], logger });
  kick = () => worker!.kick();
  route = adapter.route;
} else {
  // Built as the adapter builds its Application (unauthenticated adapter, memory storage, no typing timer), so the only difference is the handler.
  const adapter = new TeamsAdapter({});
  const app = new Application<TurnState>({ adapter, storage: new MemoryStorage(), startTypingTimer: false, removeRecipientMention: true });
  const card = { type: 'AdaptiveCard', version: '1.5', body: [{ type: 'TextBlock', text: 'Done.', wrap: true }] } as unknown as AdaptiveCard;
  const floorWork = await floorWorkFor(mode);
  app.adaptiveCards.actionExecute(/.*/, async () => {
    await floorWork();
    return card;
  });
  const handler = processWith(adapter, (ctx) => app.run(ctx));
  route = (req: http.IncomingMessage, res: http.ServerResponse) => {
    if ((req.url ?? '').split('?')[0] !== TEAMS_MESSAGES_PATH) return false;
    handler(req, res).catch((err: unknown) => logger.unexpected(err, { adapter: 'teams', surface: 'http' }));
    return true;
  };
}

/** What a floor app's handler does before it answers: nothing, one read round trip, or one committed insert. */
async function floorWorkFor(floorMode: string): Promise<() => Promise<unknown>> {
  if (floorMode === 'bare-read') return () => handle.db.execute(sql`SELECT ${1}::int AS one`);
  if (floorMode === 'bare-write') {
    await handle.db.execute(sql`CREATE TABLE IF NOT EXISTS bench_floor_writes (id bigserial PRIMARY KEY, at timestamptz NOT NULL)`);
    return () => handle.db.execute(sql`INSERT INTO bench_floor_writes (at) VALUES (${new Date().toISOString()}::timestamptz)`);
  }
  return async () => undefined;
}

const server = createHttpServer(handle.db, { driver: 'postgres', rulesVersion: 'bench', startedAt: new Date() }, logger, [route]);
const { port } = await listen(server, 0, '127.0.0.1');
worker?.start();

const delayHistogram = monitorEventLoopDelay({ resolution: 5 });
delayHistogram.enable();
let eluStart: EventLoopUtilization = performance.eventLoopUtilization();
let cpuStart = process.cpuUsage();
let wallStart = performance.now();

process.on('message', (message: unknown) => {
  if (message === 'mark') {
    delayHistogram.reset();
    eluStart = performance.eventLoopUtilization();
    cpuStart = process.cpuUsage();
    wallStart = performance.now();
    handleSamples = [];
    process.send?.('marked');
  } else if (message === 'stats') {
    const cpu = process.cpuUsage(cpuStart);
    const stats: ServerStats & { handle: Latency } = {
      handle: latency(handleSamples, (performance.now() - wallStart) / 1000),
      eventLoopUtilisation: performance.eventLoopUtilization(eluStart).utilization,
      loopDelayP50: delayHistogram.percentile(50) / 1e6, loopDelayP99: delayHistogram.percentile(99) / 1e6, loopDelayMax: delayHistogram.max / 1e6,
      cpuPercent: ((cpu.user + cpu.system) / 1000 / (performance.now() - wallStart)) * 100,
      rssMb: Math.round(process.memoryUsage.rss() / 1e6),
    };
    process.send?.(stats);
  } else if (message === 'stop') {
    server.close();
    server.closeAllConnections();
    void (async () => {
      await worker?.stop();
      await handle.close();
      process.exit(0);
    })();
  }
});
process.stdout.write(`READY ${port}\n`);
