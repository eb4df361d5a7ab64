/**
 * The server under test for bench/slack.ts, in its own process as in production (the load
 * generator must not share its event loop). Two modes, both real Bolt with signature
 * verification on the service's HTTP server (createHttpServer with the same route mounting):
 *
 * - `closedloop`: composed as src/main.ts composes the service: core, Slack adapter, outbox worker
 *   with the production pacing, log level info (the default) to stderr.
 * - `bare`: a Bolt app that only acks `/closedloop`: the floor.
 *
 * Prints `READY <port>`. Answers the parent's IPC messages: `mark` starts a measuring window,
 * `stats` reports the window's event-loop utilisation and delay and CPU time (is the loop
 * blocked by the work done after each ack?), `stop` shuts down as the service does.
 *
 * Usage: tsx bench/slack-server.ts closedloop|bare DATABASE_URL SLACK_API_URL SIGNING_SECRET
 */
import type http from 'node:http';
import { monitorEventLoopDelay, performance, type EventLoopUtilization } from 'node:perf_hooks';
import { App, HTTPReceiver } from '@slack/bolt';
import { createSlackAdapter, SLACK_EVENTS_PATH } from '../adapters/slack/app.js';
import { boltLogger } from '../adapters/slack/bolt-logger.js';
import { createCore } from '../src/index.js';
import { defaultWorkflowConfig } from '../src/config/workflow.js';
import { openDatabase } from '../src/db/client.js';
import { createOutboxWorker, type OutboxWorker } from '../src/delivery/worker.js';
import { createLogger } from '../src/logging/logger.js';
import { loadRuleSet } from '../src/rules/load.js';
import { createHttpServer, listen, type RouteHandler } from '../src/server/http.js';

const [mode, databaseUrl, apiUrl, signingSecret] = process.argv.slice(2) as [string, string, string, string];
const BOT_TOKEN = 'xoxb-bench-token';
const logger = createLogger('info');
const handle = await openDatabase({ url: databaseUrl });
let route: RouteHandler;
let worker: OutboxWorker | undefined;

if (mode === 'closedloop') {
  const rules = loadRuleSet();
  if (!rules.ok) throw new Error(rules.message);
  let kick = () => {};
  const core = createCore({ db: handle.db, ruleSet: rules.ruleSet, workflow: defaultWorkflowConfig, logger, now: () => new Date(), afterChange: () => kick() });
  const adapter = createSlackAdapter({ core, logger, config: { botToken: BOT_TOKEN, signingSecret, appToken: undefined, command: '/closedloop', apiUrl } });
  worker = createOutboxWorker({ db: handle.db, deliverers: [adapter.deliverer], logger });
  kick = () => worker!.kick();
  route = adapter.route!;
} else {
  // Configured as the adapter configures its App (token, API URL, logger), so the only difference is the handler.
  const receiver = new HTTPReceiver({ signingSecret, endpoints: SLACK_EVENTS_PATH, logger: boltLogger(logger) });
  const app = new App({ token: BOT_TOKEN, receiver, logger: boltLogger(logger), clientOptions: { slackApiUrl: apiUrl } });
  app.command('/closedloop', async ({ ack }) => ack());
  route = (req: http.IncomingMessage, res: http.ServerResponse) => {
    if ((req.url ?? '').split('?')[0] !== SLACK_EVENTS_PATH) return false;
    receiver.requestListener(req, res);
    return true;
  };
}

const server = createHttpServer(handle.db, { driver: 'postgres', rulesVersion: 'bench', startedAt: new Date() }, logger, [route]);
const { port } = await listen(server, 0, '127.0.0.1');
worker?.start();

const delayHistogram = monitorEventLoopDelay({ resolution: 5 });
delayHistogram.enable();
let eluStart: EventLoopUtilization = performance.eventLoopUtilization();
let cpuStart = process.cpuUsage();
let wallStart = performance.now();

export interface ServerStats { eventLoopUtilisation: number; loopDelayP50: number; loopDelayP99: number; loopDelayMax: number; cpuPercent: number; rssMb: number }

process.on('message', (message: unknown) => {
  if (message === 'mark') {
    delayHistogram.reset();
    eluStart = performance.eventLoopUtilization();
    cpuStart = process.cpuUsage();
    wallStart = performance.now();
    process.send?.('marked');
  } else if (message === 'stats') {
    const cpu = process.cpuUsage(cpuStart);
    const stats: ServerStats = {
      eventLoopUtilisation: performance.eventLoopUtilization(eluStart).utilization,
      loopDelayP50: delayHistogram.percentile(50) / 1e6, loopDelayP99: delayHistogram.percentile(99) / 1e6, loopDelayMax: delayHistogram.max / 1e6,
      cpuPercent: ((cpu.user + cpu.system) / 1000 / (performance.now() - wallStart)) * 100,
      rssMb: Math.round(process.memoryUsage.rss() / 1e6),
    };
    process.send?.(stats);
  } else if (message === 'stop') {
    // As the service stops: no new requests, calls in flight finish, then the database closes.
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
