/**
 * A fake Slack Web API on 127.0.0.1, for the real `WebClient` (and Bolt's `client`) to talk to:
 * `new WebClient(token, { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } })`. It records
 * every call, answers with the fields our adapter reads, and can fail on cue (429, 5xx, ok:false)
 * so the outbox's retry and give-up paths can be tested offline. It answers `auth.test` because
 * Bolt calls it at start-up whenever it has a token.
 *
 * How @slack/web-api 8.2 surfaces the scripted failures (checked in
 * test/adapters/slack/fake-slack.test.ts; the outbox worker relies on these shapes):
 * - `{ status: 429, retryAfter: 2 }` with `rejectRateLimitedCalls: true` rejects with
 *   `WebAPIRateLimitedError`: `code === 'slack_webapi_rate_limited_error'`, `retryAfter === 2`
 *   (seconds, a number), message "A rate-limit has been reached, you may retry this request in 2
 *   seconds". Without `rejectRateLimitedCalls`, the client sleeps `retryAfter` seconds itself
 *   (blocking its whole queue). With `retries: 0` it then rejects with `WebAPIRequestError`
 *   (`code === 'slack_webapi_request_error'`, no `retryAfter` field, message "A request error
 *   occurred: A rate limit was exceeded (url: …, retry-after: 2)"). That error cannot be told apart
 *   from a network error without parsing the message, so always set the flag. A 429 with no
 *   Retry-After (`{ status: 429 }`) rejects with a plain `Error` that has no `code`: "Retry header did
 *   not contain a valid timeout (url: …, retry-after header: null)".
 * - `{ error: 'channel_not_found' }` (HTTP 200, ok:false) rejects with `WebAPIPlatformError`:
 *   `code === 'slack_webapi_platform_error'`, `data.error === 'channel_not_found'`, `data.ok === false`,
 *   message "An API error occurred: channel_not_found".
 * - `{ status: 500 }` rejects with `WebAPIHTTPError`: `code === 'slack_webapi_http_error'`,
 *   `statusCode === 500`, `statusMessage`, `headers` (a plain object) and `body` (JSON-parsed if it
 *   parses), message "An HTTP protocol error occurred: statusCode = 500". The default retryConfig
 *   would retry a 5xx for about 30 minutes, which is why clients under test use `retries: 0`.
 *
 * File uploads (files.uploadV2 in @slack/web-api 8.2 makes three requests, checked in its
 * dist/WebClient.js): `files.getUploadURLExternal` (filename, length, alt_text) answers an
 * `upload_url` on this fake (`/upload/<file id>`); the client POSTs the bytes there (multipart
 * form data, one file field), recorded as a call with method `upload` whose body holds `fileId`,
 * `bytes` (a Buffer) and `filename`, and kept in `uploads`; then `files.completeUploadExternal`
 * (files as JSON, channel_id, thread_ts) shares it. Script failures of the POST with method
 * 'upload'. The client reads any non-200 there as WebAPIHTTPError (`slack_webapi_http_error`).
 *
 * Timestamps (`at`) are `Date.now()` at arrival, before any scripted delay. A test can therefore
 * compare them with one another or with times stored by the code under test. `waitFor` and
 * `delayMs` use real timers, so do not combine them with `vi.useFakeTimers()`.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeSlackUser { email?: string; name?: string; deleted?: boolean }

export interface FakeSlackOptions {
  /** Users that `users.info` knows, by Slack user ID. Others get `user_not_found`. */
  users?: Record<string, FakeSlackUser>;
  teamId?: string;
  botUserId?: string;
  botId?: string;
  /** Latency per method (ms) before answering, e.g. `{ 'chat.postMessage': 500 }`. */
  delayMs?: Record<string, number>;
}

/**
 * How to fail a call. `status` alone gives that HTTP status (429 adds `Retry-After` when
 * `retryAfter` is given, in seconds). `error` alone gives HTTP 200 `{ ok: false, error }`, which
 * is how Slack reports most failures.
 */
export interface FailureSpec { status?: number; retryAfter?: number; error?: string }

interface Recorded {
  headers: IncomingHttpHeaders;
  /** `Date.now()` when the request arrived. */
  at: number;
  /** HTTP status the fake answered with. */
  status: number;
  /** Set when a scripted failure answered this request. */
  failed?: true;
}

export interface RecordedCall extends Recorded {
  /** Web API method from the URL path, e.g. `chat.postMessage`. */
  method: string;
  /** JSON or form fields. `blocks`, `view`, `attachments` and `metadata` are decoded when sent as JSON strings. */
  body: Record<string, unknown>;
}

export interface RecordedResponse extends Recorded {
  /** For `responseUrl(id)` URLs, the id. For Slack-style `/commands/…` or `/actions/…` paths, the path. */
  id: string;
  body: unknown;
}

/** Bytes POSTed to an upload URL, by file id. */
export interface RecordedUpload {
  fileId: string;
  bytes: Buffer;
  filename: string | undefined;
  at: number;
}

export interface FakeSlack {
  /** `http://127.0.0.1:PORT/`. */
  baseUrl: string;
  /** `http://127.0.0.1:PORT/api/`, for WebClient's `slackApiUrl`. */
  apiUrl: string;
  /** A response_url on this server. POSTs to it land in `responses` under `id`. */
  responseUrl(id: string): string;
  calls: RecordedCall[];
  responses: RecordedResponse[];
  /** Files whose bytes reached their upload URL (failed uploads are not kept here). */
  uploads: RecordedUpload[];
  callsTo(method: string): RecordedCall[];
  /** Mutable: a test may add or delete users between calls. */
  users: Record<string, FakeSlackUser>;
  /**
   * Fail the next `n` calls to `method` (or to any method with '*'). Use method 'response_url' for
   * POSTs to response URLs. Failures queue up and are used before `failAlways`.
   */
  failNext(method: string, n: number, spec: FailureSpec): void;
  /** Fail every call to `method` ('*' = every Web API method, auth.test included) until cleared. */
  failAlways(method: string, spec: FailureSpec): void;
  clearFailures(): void;
  setDelay(method: string, ms: number): void;
  /** Resolves with the predicate's first truthy result, re-checked whenever a call or response is recorded. */
  waitFor<T>(predicate: (fake: FakeSlack) => T | undefined | null | false, timeoutMs?: number): Promise<T>;
  /** Forgets calls, responses, failures and `setDelay` delays. Keeps users, and ts keeps increasing. */
  reset(): void;
  close(): Promise<void>;
}

/** Fields that WebClient sends JSON-encoded inside a form body. They are decoded so tests can inspect them. */
const JSON_FIELDS = ['blocks', 'view', 'attachments', 'metadata', 'files'];
const RESPONSE_URL_PATH = /^\/(response|commands|actions)\/(.+)$/;
const UPLOAD_PATH = /^\/upload\/([A-Za-z0-9]+)$/;

export async function startFakeSlack(options: FakeSlackOptions = {}): Promise<FakeSlack> {
  const teamId = options.teamId ?? 'T0CLOSED1';
  const botUserId = options.botUserId ?? 'U0CLOSEDBOT';
  const botId = options.botId ?? 'B0CLOSEDBOT';
  const scripted = new Map<string, { remaining: number; spec: FailureSpec }[]>();
  const always = new Map<string, FailureSpec>();
  let delays = new Map(Object.entries(options.delayMs ?? {}));
  const waiters = new Set<() => void>();
  let tsSeq = 0;
  let viewSeq = 0;
  let fileSeq = 0;

  // Slack message timestamps are "<seconds>.<6 digits>". These are unique and increase within a fake, like Slack's.
  const nextTs = (): string => {
    tsSeq += 1;
    const micros = tsSeq * 100;
    return `${1_700_000_000 + Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, '0')}`;
  };
  const withViewId = (view: unknown, id?: unknown): Record<string, unknown> => ({
    ...(typeof view === 'object' && view !== null ? view : {}),
    id: typeof id === 'string' ? id : `V0FAKE${(viewSeq += 1)}`,
    hash: `${Date.now()}.fake`,
  });

  const methods: Record<string, (body: Record<string, unknown>) => Record<string, unknown>> = {
    'auth.test': () => ({
      ok: true, url: 'https://closedloop-test.slack.com/', team: 'closedloop-test', user: 'closedloop',
      team_id: teamId, user_id: botUserId, bot_id: botId,
    }),
    'chat.postMessage': (b) => {
      const ts = nextTs();
      const message = { type: 'message', user: botUserId, bot_id: botId, text: b.text, blocks: b.blocks, thread_ts: b.thread_ts, ts };
      return { ok: true, channel: b.channel, ts, message };
    },
    'chat.update': (b) => ({ ok: true, channel: b.channel, ts: b.ts, text: b.text, message: { text: b.text, blocks: b.blocks } }),
    'chat.postEphemeral': () => ({ ok: true, message_ts: nextTs() }),
    'views.open': (b) => ({ ok: true, view: withViewId(b.view) }),
    'views.push': (b) => ({ ok: true, view: withViewId(b.view) }),
    'views.update': (b) => ({ ok: true, view: withViewId(b.view, b.view_id) }),
    'views.publish': (b) => ({ ok: true, view: withViewId(b.view) }),
    'users.info': (b) => {
      const id = String(b.user);
      const user = fake.users[id];
      if (!user) return { ok: false, error: 'user_not_found' };
      const name = user.name ?? id;
      const profile = { email: user.email, real_name: name, display_name: name };
      return { ok: true, user: { id, team_id: teamId, name, deleted: user.deleted ?? false, profile } };
    },
    'files.getUploadURLExternal': () => {
      const fileId = `F0FAKE${(fileSeq += 1)}`;
      return { ok: true, file_id: fileId, upload_url: `${baseUrl}upload/${fileId}` };
    },
    'files.completeUploadExternal': (b) => ({
      ok: true, files: (Array.isArray(b.files) ? b.files as { id?: string; title?: string }[] : []).map((f) => ({ id: f.id, title: f.title })),
    }),
    'conversations.info': (b) => ({
      ok: true, channel: { id: b.channel, name: `channel-${String(b.channel)}`, is_channel: true, is_member: true },
    }),
  };

  // A scripted failure for this request, if any: queued ones first, then the standing ones.
  const takeFailure = (key: string): FailureSpec | undefined => {
    const keys = key === 'response_url' ? [key] : [key, '*'];
    for (const k of keys) {
      const queue = scripted.get(k);
      const head = queue?.[0];
      if (queue && head) {
        head.remaining -= 1;
        if (head.remaining <= 0) queue.shift();
        return head.spec;
      }
    }
    return keys.map((k) => always.get(k)).find((spec) => spec !== undefined);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`fake slack crashed: ${err instanceof Error ? err.stack : String(err)}`);
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = Date.now();
    const bytes = await readBody(req);
    const raw = bytes.toString('utf8');
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    const upload = req.method === 'POST' ? UPLOAD_PATH.exec(path)?.[1] : undefined;
    if (upload) {
      await receiveUpload(req, res, upload, bytes, at);
      return;
    }
    const method = /^\/api\/([^/]+)$/.exec(path)?.[1];
    const hook = req.method === 'POST' ? RESPONSE_URL_PATH.exec(path) : null;
    if (!method && !hook?.[2]) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`fake slack: no route for ${req.method} ${path}`);
      return;
    }
    const key = method ?? 'response_url';
    const failure = takeFailure(key);
    const meta = { headers: req.headers, at, status: failure?.status ?? 200, ...(failure ? { failed: true as const } : {}) };
    let answer: () => void;
    if (method) {
      const body = parseBody(raw, req.headers['content-type']);
      fake.calls.push({ method, body, ...meta });
      answer = () => sendJson(res, 200, (methods[method] ?? (() => ({ ok: false, error: 'unknown_method' })))(body));
    } else {
      const id = hook?.[1] === 'response' ? decodeURIComponent(hook[2] ?? '') : path.slice(1);
      fake.responses.push({ id, body: parseJsonOr(raw), ...meta });
      answer = () => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    }
    for (const check of [...waiters]) check();
    await sleep(delays.get(key) ?? 0);
    if (failure) sendFailure(res, failure);
    else answer();
  }

  /** An upload URL: Slack answers 200 with a short text body once it has the bytes. */
  async function receiveUpload(req: IncomingMessage, res: ServerResponse, fileId: string, bytes: Buffer, at: number): Promise<void> {
    const failure = takeFailure('upload');
    const file = await uploadedFile(bytes, req.headers['content-type']);
    const meta = { headers: req.headers, at, status: failure?.status ?? 200, ...(failure ? { failed: true as const } : {}) };
    fake.calls.push({ method: 'upload', body: { fileId, bytes: file.bytes, filename: file.filename }, ...meta });
    if (!failure) fake.uploads.push({ fileId, bytes: file.bytes, filename: file.filename, at });
    for (const check of [...waiters]) check();
    await sleep(delays.get('upload') ?? 0);
    if (failure) sendFailure(res, failure);
    else res.writeHead(200, { 'content-type': 'text/plain' }).end(`OK - ${bytes.length}`);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}/`;

  const fake: FakeSlack = {
    baseUrl,
    apiUrl: `${baseUrl}api/`,
    responseUrl: (id) => `${baseUrl}response/${encodeURIComponent(id)}`,
    calls: [],
    responses: [],
    uploads: [],
    callsTo: (method) => fake.calls.filter((call) => call.method === method),
    users: { ...options.users },
    failNext(method, n, spec) {
      if (n < 1) return;
      const queue = scripted.get(method) ?? [];
      queue.push({ remaining: n, spec });
      scripted.set(method, queue);
    },
    failAlways: (method, spec) => void always.set(method, spec),
    clearFailures() {
      scripted.clear();
      always.clear();
    },
    setDelay: (method, ms) => void delays.set(method, ms),
    waitFor<T>(predicate: (f: FakeSlack) => T | undefined | null | false, timeoutMs = 2_000): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const check = (): void => {
          const result = predicate(fake);
          if (result === undefined || result === null || result === false) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(result);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          const seen = fake.calls.map((c) => c.method).concat(fake.responses.map((r) => `response_url:${r.id}`));
          reject(new Error(`fake slack: waitFor timed out after ${timeoutMs} ms; recorded: [${seen.join(', ')}]`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    reset() {
      fake.calls.length = 0;
      fake.responses.length = 0;
      fake.uploads.length = 0;
      fake.clearFailures();
      delays = new Map(Object.entries(options.delayMs ?? {}));
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        // fetch keeps sockets alive, and server.close() alone would wait for them to time out.
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
  return fake;
}

function sendFailure(res: ServerResponse, spec: FailureSpec): void {
  const status = spec.status ?? 200;
  if (status === 429) {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (spec.retryAfter !== undefined) headers['retry-after'] = String(spec.retryAfter);
    res.writeHead(429, headers).end(JSON.stringify({ ok: false, error: 'ratelimited' }));
  } else if (status === 200) {
    sendJson(res, 200, { ok: false, error: spec.error ?? 'fatal_error' });
  } else if (spec.error !== undefined) {
    sendJson(res, status, { ok: false, error: spec.error });
  } else {
    res.writeHead(status, { 'content-type': 'text/plain' }).end(`fake slack: scripted HTTP ${status}`);
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * The file in an upload: the first file field of a multipart body (what @slack/web-api sends),
 * else the raw body (Slack also accepts the bytes as they are).
 */
async function uploadedFile(bytes: Buffer, contentType: string | undefined): Promise<{ bytes: Buffer; filename: string | undefined }> {
  if (!contentType?.startsWith('multipart/form-data')) return { bytes, filename: undefined };
  const form = await new Response(bytes, { headers: { 'content-type': contentType } }).formData();
  for (const value of form.values()) {
    if (typeof value !== 'string') return { bytes: Buffer.from(await value.arrayBuffer()), filename: value.name };
  }
  return { bytes: Buffer.alloc(0), filename: undefined };
}

function parseBody(raw: string, contentType: string | undefined): Record<string, unknown> {
  let fields: Record<string, unknown>;
  if (contentType?.includes('application/json')) {
    const parsed = parseJsonOr(raw);
    fields = typeof parsed === 'object' && parsed !== null ? { ...(parsed as Record<string, unknown>) } : { _raw: raw };
  } else {
    fields = Object.fromEntries(new URLSearchParams(raw));
  }
  for (const key of JSON_FIELDS) {
    if (typeof fields[key] === 'string') fields[key] = parseJsonOr(fields[key]);
  }
  return fields;
}

function parseJsonOr(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}
