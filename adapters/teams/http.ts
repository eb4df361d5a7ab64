/**
 * Hosts a botbuilder CloudAdapter (teams-ai's TeamsAdapter) on a plain `node:http` server.
 *
 * botbuilder is written for express/restify. `CloudAdapter.process` needs two things node:http
 * does not give it:
 * - `req.body` already parsed into an object (it answers 400 "`req.body` not an object"
 *   otherwise), so we read and JSON-parse the body here, with a size cap;
 * - a response with express-style `status()`, `header()`, `send()` and `end()` (it validates all
 *   four, and TeamsAdapter only takes the HTTP path when `'header' in res`). It calls
 *   `status(code)`, then `send(body)` if there is a body (an invoke response object, or an error
 *   message string), then `end()`.
 *
 * Usage, inside our own server's routing for POST /api/messages:
 *   const onMessages = processWith(adapter, (ctx) => app.run(ctx));
 *   server.on('request', (req, res) => { if (req.url === '/api/messages') onMessages(req, res).catch(log); });
 * The returned promise rejects only after a 500 has been sent, so the caller just logs.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request, Response, TurnContext } from 'botbuilder';

/** What we need of a CloudAdapter: its HTTP `process` overload. TeamsAdapter and CloudAdapter fit. */
export interface HttpBotAdapter {
  process(req: Request, res: Response, logic: (context: TurnContext) => Promise<void>): Promise<void>;
}

export interface ProcessOptions {
  /** Largest body accepted, in bytes (default 1 MiB; Teams activities are far smaller). */
  maxBodyBytes?: number;
}

const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/**
 * A node:http handler that runs `logic` for each activity POSTed to it. `logic` may return
 * anything (teams-ai's `app.run` resolves to a boolean); the adapter only awaits it.
 */
export function processWith(
  adapter: HttpBotAdapter,
  logic: (context: TurnContext) => Promise<unknown>,
  options: ProcessOptions = {},
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const maxBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  return async (req, res) => {
    let request: Request;
    try {
      request = await adaptRequest(req, maxBytes);
    } catch (err) {
      const status = err instanceof HttpError ? err.status : 400;
      // 405/413/400 are the caller's fault; answer and do not reject (nothing to log as ours).
      if (status === 405) res.setHeader('allow', 'POST');
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(err instanceof Error ? err.message : 'bad request');
      return;
    }
    try {
      await adapter.process(request, nodeResponseShim(res), async (context) => {
        await logic(context);
      });
    } catch (err) {
      // botbuilder answers auth failures (401) and handler errors (500) itself; this is for
      // anything thrown before or after that, e.g. its own request validation.
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      if (!res.writableEnded) res.end('internal error');
      throw err;
    }
    // A logic path that never calls end() would leave the client hanging; close it ourselves.
    if (!res.writableEnded) res.end();
  };
}

/** Reads and parses a POSTed activity into the `Request` shape botbuilder expects. */
export async function adaptRequest(req: IncomingMessage, maxBytes = DEFAULT_MAX_BODY_BYTES): Promise<Request> {
  if (req.method !== 'POST') throw new HttpError(405, 'POST only');
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBytes) throw new HttpError(413, `body over ${maxBytes} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new HttpError(413, `body over ${maxBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'body is not JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, 'body is not a JSON object');
  return { method: req.method, headers: req.headers, body: body as Record<string, unknown> };
}

/**
 * Express-style `status/header/send/end` over a node:http ServerResponse. `send` buffers (objects
 * as JSON, strings as text) and `end` writes, so the status set before `send` still applies.
 */
export function nodeResponseShim(res: ServerResponse): Response {
  let payload: Buffer | undefined;
  const setType = (type: string): void => {
    if (!res.headersSent && !res.hasHeader('content-type')) res.setHeader('content-type', type);
  };
  const shim: Response = {
    socket: res.socket,
    header(name: string, value: unknown) {
      if (!res.headersSent) res.setHeader(name, String(value));
      return shim;
    },
    status(code: number) {
      if (!res.headersSent) res.statusCode = code;
      return shim;
    },
    send(...args: unknown[]) {
      const [body] = args;
      if (body === undefined || body === null) return shim;
      if (Buffer.isBuffer(body)) {
        setType('application/octet-stream');
        payload = body;
      } else if (typeof body === 'string') {
        setType('text/plain; charset=utf-8');
        payload = Buffer.from(body, 'utf8');
      } else {
        setType('application/json; charset=utf-8');
        payload = Buffer.from(JSON.stringify(body), 'utf8');
      }
      return shim;
    },
    end() {
      if (!res.writableEnded) res.end(payload);
      return shim;
    },
  };
  return shim;
}
