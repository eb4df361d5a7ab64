/**
 * The service's HTTP listener. Chat adapters mount their routes here in later releases; today it
 * serves `/healthz`, which checks the database as well as the process.
 */
import http from 'node:http';
import { sql } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import type { Logger } from '../logging/logger.js';

export interface HealthInfo {
  driver: 'pglite' | 'postgres';
  rulesVersion: string;
  startedAt: Date;
}

export type RouteHandler = (req: http.IncomingMessage, res: http.ServerResponse) => boolean | Promise<boolean>;

export function createHttpServer(db: Database, info: HealthInfo, logger: Logger, routes: RouteHandler[] = []): http.Server {
  return http.createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      const ref = logger.unexpected(err, { path: req.url?.split('?')[0] });
      if (!res.headersSent) sendJson(res, 500, { error: 'internal_error', reference: ref });
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const path = (req.url ?? '/').split('?')[0];
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
