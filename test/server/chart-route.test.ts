/**
 * `GET /charts/<token>.png` over real HTTP on both engines: a stored chart is served as a PNG that
 * no shared cache keeps and no client keeps past its expiry; anything else under /charts/ (an
 * unknown, expired or malformed token, a path trick, another method) is the same 404, so nobody
 * can tell which tokens exist.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { chartImages } from '../../src/db/schema.js';
import { createLogger } from '../../src/logging/logger.js';
import { createHttpServer } from '../../src/server/http.js';
import { describeEachEngine } from '../support/databases.js';

const MINUTE = 60_000;
/** The PNG signature and a few more bytes, binary on purpose (0x00, 0xff). */
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0xff, 0x00]);

/** A raw request, so paths reach the server exactly as written (fetch would normalise `..`). */
function request(port: number, method: string, path: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describeEachEngine('chart route', (getDb) => {
  let server: http.Server;
  let port: number;
  const logLines: string[] = [];

  beforeAll(async () => {
    const logger = createLogger('debug', (line) => logLines.push(line));
    server = createHttpServer(getDb(), { driver: 'pglite', rulesVersion: 'test', startedAt: new Date() }, logger, []);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => {
      server?.close(() => resolve());
      server?.closeAllConnections();
    });
  });

  async function store(expiresInMs: number): Promise<string> {
    const token = crypto.randomBytes(16).toString('base64url');
    await getDb().insert(chartImages).values({ token, pngBase64: PNG.toString('base64'), width: 800, height: 400, expiresAt: new Date(Date.now() + expiresInMs) });
    return token;
  }

  it('serves a stored chart as image/png, private, cached no longer than it lives', async () => {
    const token = await store(7 * 24 * 60 * MINUTE);
    const res = await request(port, 'GET', `/charts/${token}.png`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.body.equals(PNG)).toBe(true);
    expect(res.headers['content-length']).toBe(String(PNG.length));
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    const cache = res.headers['cache-control'] ?? '';
    expect(cache).toMatch(/^private, max-age=\d+$/);
    expect(Number(/max-age=(\d+)/.exec(cache)![1])).toBeGreaterThan(0);

    const head = await request(port, 'HEAD', `/charts/${token}.png`);
    expect(head.status).toBe(200);
    expect(head.headers['content-type']).toBe('image/png');
    expect(head.body.length).toBe(0);
    // A query string does not change what is served.
    expect((await request(port, 'GET', `/charts/${token}.png?v=2`)).body.equals(PNG)).toBe(true);
  });

  it('lets a client keep a chart that expires soon for less time than it has left', async () => {
    const token = await store(10 * MINUTE);
    const res = await request(port, 'GET', `/charts/${token}.png`);
    expect(res.status).toBe(200);
    const maxAge = Number(/max-age=(\d+)/.exec(res.headers['cache-control'] ?? '')![1]);
    expect(maxAge).toBeLessThan(10 * 60);
  });

  it('answers an unknown, expired or malformed token, a path trick or another method with the same 404', async () => {
    const live = await store(60 * MINUTE);
    const expired = await store(-MINUTE);
    const asked: [string, string][] = [
      ['GET', `/charts/${crypto.randomBytes(16).toString('base64url')}.png`],
      ['GET', `/charts/${expired}.png`],
      ['GET', `/charts/${live.toUpperCase() === live ? live.toLowerCase() : live.toUpperCase()}.png`],
      ['GET', `/charts/${live}.PNG`],
      ['GET', `/charts/${live}`],
      ['GET', `/charts/${live}.png/`],
      ['GET', `/charts/${live}.png.png`],
      ['GET', '/charts/'],
      ['GET', '/charts'.concat('/../healthz')],
      ['GET', `/charts/..%2f${live}.png`],
      ['GET', `/charts/%2e%2e/${live}.png`],
      ['GET', `/charts//${live}.png`],
      ['GET', `/charts/sub/${live}.png`],
      ['GET', `/charts/${live}%00.png`],
      ['GET', "/charts/x'%20OR%20'1'='1.png"],
      ['POST', `/charts/${live}.png`],
      ['PUT', `/charts/${live}.png`],
      ['DELETE', `/charts/${live}.png`],
    ];
    const answers = await Promise.all(asked.map(([method, path]) => request(port, method, path)));
    for (const [i, res] of answers.entries()) {
      expect({ asked: asked[i], status: res.status }).toEqual({ asked: asked[i], status: 404 });
      expect(res.body.toString()).toBe('{"error":"not_found"}');
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    }
    // The live chart is still there: none of the above reached it.
    expect((await request(port, 'GET', `/charts/${live}.png`)).status).toBe(200);
  });

  it('still serves /healthz and 404s what is not a route', async () => {
    expect((await request(port, 'GET', '/healthz')).status).toBe(200);
    expect((await request(port, 'GET', '/chartsx')).status).toBe(404);
  });
});
