/**
 * The service's HTTP listener: `/healthz` (which checks the database as well as the process),
 * `GET /charts/<token>.png` (stored charts, which Teams fetches for card images), and the routes
 * chat adapters mount (`/slack/events`, `/api/messages`).
 */
import http from 'node:http';
import { sql } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { CHART_PATH_PREFIX, findChartImage } from '../charts/chart-store.js';
import type { Logger } from '../logging/logger.js';

export interface HealthInfo {
  driver: 'pglite' | 'postgres';
  rulesVersion: string;
  startedAt: Date;
}

export type RouteHandler = (req: http.IncomingMessage, res: http.ServerResponse) => boolean | Promise<boolean>;

/** `/charts/<token>.png` and nothing else: no dots, slashes or escapes in the token, no suffix. */
const CHART_PATH = /^\/charts\/([A-Za-z0-9_-]{1,128})\.png$/;
/** Longest a client or proxy may keep a chart; always less than the time left before it expires. */
const CHART_MAX_AGE_S = 3600;
/** A cached copy stops being used this long before the chart itself expires. */
const CHART_EXPIRY_MARGIN_S = 60;

/**
 * Serves a stored chart. The token is the only secret (128 random bits, looked up exactly), so an
 * unknown, expired or malformed token, and any other method or path under /charts/, all get the
 * same 404: nobody can tell which tokens ever existed. `private` keeps shared caches from storing
 * a chart; its max-age ends before the chart expires.
 */
async function serveChart(db: Database, req: http.IncomingMessage, res: http.ServerResponse, path: string, now: Date): Promise<void> {
  const token = CHART_PATH.exec(path)?.[1];
  const readable = req.method === 'GET' || req.method === 'HEAD';
  const chart = token && readable ? await findChartImage(db, token, now, { withPng: true }) : null;
  if (!chart?.png) {
    const body = JSON.stringify({ error: 'not_found' });
    res.writeHead(404, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
    res.end(body);
    return;
  }
  const left = Math.floor((chart.expiresAt.getTime() - now.getTime()) / 1000) - CHART_EXPIRY_MARGIN_S;
  res.writeHead(200, {
    'content-type': 'image/png',
    'content-length': chart.png.byteLength,
    'cache-control': `private, max-age=${Math.max(0, Math.min(CHART_MAX_AGE_S, left))}`,
    'x-content-type-options': 'nosniff',
    'content-security-policy': "default-src 'none'",
    'referrer-policy': 'no-referrer',
  });
  res.end(req.method === 'HEAD' ? undefined : chart.png);
}

export interface HttpServerOptions {
  /** The clock that decides whether a chart has expired (tests move it). */
  now?: () => Date;
}

export function createHttpServer(db: Database, info: HealthInfo, logger: Logger, routes: RouteHandler[] = [], options: HttpServerOptions = {}): http.Server {
  const now = options.now ?? (() => new Date());
  return http.createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      // A chart's token is its only key: it is not written to the log.
      const path = req.url?.split('?')[0];
      const ref = logger.unexpected(err, { path: path?.startsWith(CHART_PATH_PREFIX) ? `${CHART_PATH_PREFIX}*` : path });
      if (!res.headersSent) sendJson(res, 500, { error: 'internal_error', reference: ref });
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) {
      try {
        await db.execute(sql`SELECT 1`);
        sendJson(res, 200, { status: 'ok', database: info.driver, rules: info.rulesVersion, uptimeSeconds: Math.round((Date.now() - info.startedAt.getTime()) / 1000) });
      } catch (err) {
        const ref = logger.unexpected(err, { check: 'healthz' });
        sendJson(res, 503, { status: 'unavailable', database: info.driver, reference: ref });
      }
      return;
    }
    if (path.startsWith(CHART_PATH_PREFIX)) {
      await serveChart(db, req, res, path, now());
      return;
    }
    for (const route of routes) if (await route(req, res)) return;
    sendJson(res, 404, { error: 'not_found' });
  }
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** The listener could not start; the message names HOST or PORT and what to do (the OS error is the cause). */
export class ListenError extends Error {
  override readonly name = 'ListenError';
}

/** The operating system's refusal to listen, in words that name the setting to change. */
export function listenErrorMessage(err: NodeJS.ErrnoException, port: number, host: string): string {
  const where = `port ${port} on ${host}`;
  switch (err.code) {
    case 'EADDRINUSE':
      return `Port ${port} on ${host} is already in use, probably by another closedloop or another service. ` +
        'Stop that process, or set PORT to a free port (e.g. PORT=3001).';
    case 'EACCES':
    case 'EPERM':
      return `This process may not listen on ${where}: ports below 1024 need administrator rights. Set PORT to 1024 or above (the default is 3000).`;
    case 'EADDRNOTAVAIL':
      return `HOST "${host}" is not an address of this machine, so closedloop cannot listen on it. ` +
        'Set HOST to 127.0.0.1 (this machine only), an address of one of its network interfaces, or 0.0.0.0 (every interface).';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
      return `HOST "${host}" could not be looked up as a host name. ` +
        'Set HOST to 127.0.0.1 (this machine only), an address or name of one of its network interfaces, or 0.0.0.0 (every interface).';
    default:
      return `Cannot listen on ${where} (${err.code ?? err.message}). Check HOST and PORT.`;
  }
}

export function listen(server: http.Server, port: number, host: string): Promise<{ port: number }> {
  return new Promise((resolve, reject) => {
    const failed = (err: NodeJS.ErrnoException) => reject(new ListenError(listenErrorMessage(err, port, host), { cause: err }));
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      const address = server.address();
      resolve({ port: typeof address === 'object' && address ? address.port : port });
    });
  });
}
