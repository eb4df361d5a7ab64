/**
 * A fake Bot Framework connector (the Teams `serviceUrl`, e.g. https://smba.trafficmanager.net/…)
 * on 127.0.0.1, for botbuilder's real `ConnectorClient` to talk to. Put `fake.serviceUrl` in the
 * inbound activity's `serviceUrl` (or a stored conversation reference) and every outbound call of
 * the turn lands here. botbuilder 4.23 has no service-URL trust list any more
 * (`AppCredentials.trustServiceUrl` is a no-op, `isTrustedServiceUrl` always true), and it allows
 * plain http for an http:// serviceUrl, so no set-up beyond that is needed.
 *
 * Teams puts channel thread ids such as `19:abc@thread.tacv2;messageid=1` in the path
 * percent-encoded; `path`, `conversationId`, `activityId` and `memberId` are recorded decoded.
 *
 * How botbuilder 4.23.3 (@azure/core-client pipeline) surfaces scripted failures, measured with
 * TeamsAdapter; test/adapters/teams/connector.test.ts pins the fast ones. The pipeline's default
 * retry policy (3 retries) cannot be turned off through ConnectorClientOptions, so the SDK retries
 * before our code sees anything. Whatever finally fails rejects with a `RestError`: `statusCode`,
 * `code` and `message` copied from our `{ error: { code, message } }` body, `details` = the body.
 * - `{ status: 429, retryAfter: 1 }`: the SDK sleeps Retry-After seconds and retries, so one
 *   scripted 429 is two recorded calls and a successful send; failAlways takes ≈3 s (4 calls).
 * - `{ status: 412 }` (other 4xx too): no retry; RestError `statusCode 412`, `code 'PreconditionFailed'`.
 * - `{ status: 500 }` / 503: exponential back-off from ≈1 s; failAlways rejects after 4 calls and
 *   ≈5–6 s. Prefer failNext(…, 1, …) in fast tests.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a member lookup returns. Keyed by AAD object id or Teams user id (`29:…`) in `members`. */
export interface FakeTeamsMember {
  name?: string;
  email?: string;
  userPrincipalName?: string;
  aadObjectId?: string;
  /** The Teams user id (`29:…`); defaults to the key when the key looks like one. */
  id?: string;
  userRole?: 'user' | 'guest' | 'anonymous';
  tenantId?: string;
}

export type CallKind =
  | 'reply' | 'send' | 'update' | 'delete' | 'createConversation' | 'getMember' | 'members' | 'pagedMembers' | 'token';

export interface FakeConnectorOptions {
  members?: Record<string, FakeTeamsMember>;
  tenantId?: string;
  /** Latency per kind (ms) before answering. */
  delayMs?: Partial<Record<CallKind, number>>;
}

/** `status` gives that HTTP status; 429 adds `Retry-After: retryAfter` (seconds) when given. */
export interface FailureSpec { status: number; retryAfter?: number; code?: string }

export interface RecordedConnectorCall {
  kind: CallKind;
  /** HTTP method. */
  method: string;
  /** Decoded path, e.g. `/v3/conversations/19:abc@thread.tacv2;messageid=1/activities/1`. */
  path: string;
  conversationId?: string;
  /** For replies, updates and deletes: the activity id in the path. */
  activityId?: string;
  memberId?: string;
  /** Parsed JSON (an object for activities), or the raw text if it does not parse. */
  body: unknown;
  headers: IncomingHttpHeaders;
  at: number;
  status: number;
  failed?: true;
}

export interface FakeConnector {
  /** `http://127.0.0.1:PORT/`, the activity's `serviceUrl`. */
  serviceUrl: string;
  /** `POST` here answers an Entra-style token (for code that fetches tokens itself). */
  tokenUrl: string;
  calls: RecordedConnectorCall[];
  callsTo(kind: CallKind): RecordedConnectorCall[];
  /** Mutable: add or delete members between calls. */
  members: Record<string, FakeTeamsMember>;
  failNext(kind: CallKind | '*', n: number, spec: FailureSpec): void;
  failAlways(kind: CallKind | '*', spec: FailureSpec): void;
  clearFailures(): void;
  setDelay(kind: CallKind, ms: number): void;
  /** Resolves with the predicate's first truthy result, re-checked whenever a call is recorded. */
  waitFor<T>(predicate: (fake: FakeConnector) => T | undefined | null | false, timeoutMs?: number): Promise<T>;
  /** Forgets calls, failures and delays. Keeps members; ids keep increasing. */
  reset(): void;
  close(): Promise<void>;
}

interface Route { kind: CallKind; conversationId?: string; activityId?: string; memberId?: string }

/** Matches a connector path to the kind of call. Segments are still encoded here, so `/` splits reliably. */
function route(method: string, pathname: string): Route | undefined {
  const seg = pathname.split('/').filter(Boolean).map(safeDecode);
  if (method === 'POST' && /\/oauth2\/v2\.0\/token$/.test(pathname)) return { kind: 'token' };
  if (seg[0] !== 'v3' || seg[1] !== 'conversations') return undefined;
  const [conversationId, sub, id] = [seg[2], seg[3], seg[4]];
  if (seg.length === 2 && method === 'POST') return { kind: 'createConversation' };
  if (conversationId === undefined || seg.length > 5) return undefined;
  if (sub === 'activities' && id === undefined && method === 'POST') return { kind: 'send', conversationId };
  if (sub === 'activities' && id !== undefined) {
    const kind = ({ POST: 'reply', PUT: 'update', DELETE: 'delete' } as const)[method as 'POST'];
    return kind ? { kind, conversationId, activityId: id } : undefined;
  }
  if (sub === 'members' && id !== undefined && method === 'GET') return { kind: 'getMember', conversationId, memberId: id };
  if (sub === 'members' && id === undefined && method === 'GET') return { kind: 'members', conversationId };
  if (sub === 'pagedmembers' && method === 'GET') return { kind: 'pagedMembers', conversationId };
  return undefined;
}

export async function startFakeConnector(options: FakeConnectorOptions = {}): Promise<FakeConnector> {
  const tenantId = options.tenantId ?? '00000000-0000-4000-8000-0000000c1053';
  const scripted = new Map<string, { remaining: number; spec: FailureSpec }[]>();
  const always = new Map<string, FailureSpec>();
  let delays = new Map(Object.entries(options.delayMs ?? {}));
  const waiters = new Set<() => void>();
  let seq = 0;
  // Teams activity ids in channels are epoch-millisecond strings; these are unique and increasing.
  const nextActivityId = (): string => String(1_700_000_000_000 + (seq += 1));

  const account = (key: string, m: FakeTeamsMember): Record<string, unknown> => ({
    id: m.id ?? (key.startsWith('29:') ? key : `29:fake-${key}`),
    name: m.name ?? key,
    aadObjectId: m.aadObjectId ?? (key.startsWith('29:') ? undefined : key),
    email: m.email,
    userPrincipalName: m.userPrincipalName ?? m.email,
    tenantId: m.tenantId ?? tenantId,
    userRole: m.userRole ?? 'user',
  });
  const findMember = (memberId: string): Record<string, unknown> | undefined => {
    for (const [key, m] of Object.entries(fake.members)) {
      const acc = account(key, m);
      if (key === memberId || acc.id === memberId || acc.aadObjectId === memberId) return acc;
    }
    return undefined;
  };

  const answers: Record<CallKind, (r: Route, body: unknown) => [number, unknown]> = {
    send: () => [200, { id: nextActivityId() }],
    reply: () => [200, { id: nextActivityId() }],
    update: (r) => [200, { id: r.activityId }],
    delete: () => [200, {}],
    createConversation: () => [200, { id: `a:fake-conversation-${randomUUID()}`, activityId: nextActivityId() }],
    getMember: (r) => {
      const found = findMember(r.memberId ?? '');
      return found ? [200, found] : [404, { error: { code: 'MemberNotFoundInConversation', message: 'The member was not found.' } }];
    },
    members: () => [200, Object.entries(fake.members).map(([k, m]) => account(k, m))],
    pagedMembers: () => [200, { members: Object.entries(fake.members).map(([k, m]) => account(k, m)) }],
    token: () => [200, { token_type: 'Bearer', expires_in: 3600, ext_expires_in: 3600, access_token: 'fake-token' }],
  };

  const takeFailure = (kind: CallKind): FailureSpec | undefined => {
    for (const k of [kind, '*']) {
      const queue = scripted.get(k);
      const head = queue?.[0];
      if (queue && head) {
        head.remaining -= 1;
        if (head.remaining <= 0) queue.shift();
        return head.spec;
      }
    }
    return always.get(kind) ?? always.get('*');
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`fake connector crashed: ${err instanceof Error ? err.stack : String(err)}`);
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = Date.now();
    const raw = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const r = route(method, url.pathname);
    if (!r) {
      sendJson(res, 404, { error: { code: 'NotFound', message: `fake connector: no route for ${method} ${url.pathname}` } });
      return;
    }
    const failure = r.kind === 'token' ? undefined : takeFailure(r.kind);
    const body = parseJsonOr(raw);
    const [status, answer] = failure ? [failure.status, undefined] : answers[r.kind](r, body);
    fake.calls.push({
      ...r, method, path: safeDecode(url.pathname), body, headers: req.headers, at, status, ...(failure ? { failed: true as const } : {}),
    });
    for (const check of [...waiters]) check();
    await sleep(delays.get(r.kind) ?? 0);
    if (failure) sendFailure(res, failure);
    else sendJson(res, status, answer);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const serviceUrl = `http://127.0.0.1:${port}/`;

  const fake: FakeConnector = {
    serviceUrl,
    tokenUrl: `${serviceUrl}botframework.com/oauth2/v2.0/token`,
    calls: [],
    callsTo: (kind) => fake.calls.filter((call) => call.kind === kind),
    members: { ...options.members },
    failNext(kind, n, spec) {
      if (n < 1) return;
      const queue = scripted.get(kind) ?? [];
      queue.push({ remaining: n, spec });
      scripted.set(kind, queue);
    },
    failAlways: (kind, spec) => void always.set(kind, spec),
    clearFailures() {
      scripted.clear();
      always.clear();
    },
    setDelay: (kind, ms) => void delays.set(kind, ms),
    waitFor<T>(predicate: (f: FakeConnector) => T | undefined | null | false, timeoutMs = 2_000): Promise<T> {
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
          const seen = fake.calls.map((c) => `${c.kind} ${c.method} ${c.path} → ${c.status}`);
          reject(new Error(`fake connector: waitFor timed out after ${timeoutMs} ms; recorded: [${seen.join(', ')}]`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    reset() {
      fake.calls.length = 0;
      fake.clearFailures();
      delays = new Map(Object.entries(options.delayMs ?? {}));
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        // Keep-alive sockets would otherwise hold server.close() open until they time out.
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
  return fake;
}

/** Bot Framework's ErrorResponse shape, `{ error: { code, message } }`. */
function sendFailure(res: ServerResponse, spec: FailureSpec): void {
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
  if (spec.status === 429 && spec.retryAfter !== undefined) headers['retry-after'] = String(spec.retryAfter);
  const code = spec.code ?? ({ 429: 'TooManyRequests', 412: 'PreconditionFailed' } as Record<number, string>)[spec.status] ?? 'ServiceError';
  res.writeHead(spec.status, headers).end(JSON.stringify({ error: { code, message: `fake connector: scripted HTTP ${spec.status}` } }));
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseJsonOr(raw: string): unknown {
  if (raw === '') return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}
