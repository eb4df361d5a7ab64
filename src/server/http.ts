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

export function listen(server: http.Server, port: number, host: string): Promise<{ port: number }> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve({ port: typeof address === 'object' && address ? address.port : port });
    });
  });
}
