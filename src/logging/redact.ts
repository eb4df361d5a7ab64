/**
 * What a log line may contain, enforced here rather than left to each caller's care.
 *
 * - Field names are an allow-list. A field not listed is dropped (its name is kept, under
 *   `dropped`, so whoever added it finds out), so `{ patientRef }` or `{ note }` typed into a log
 *   call by mistake never reaches the output.
 * - Each listed field has a shape. Tokens (codes, ids, names from our code) may not contain spaces,
 *   so a sentence of free text cannot pass as one; texts (our own operational sentences) are cut
 *   to one short line, and one that carries a database error's text is withheld.
 * - An error is described by its class, codes and stack frames. A database error (anything from
 *   the server, the driver or drizzle, anywhere in the cause chain) is logged by SQLSTATE,
 *   severity, schema, table, column and constraint only: never its message, detail, query or
 *   parameters, which quote row values. Other errors keep their first line with quoted text
 *   masked (V8 quotes the input in, e.g., a JSON parse error).
 */
import { isDatabaseError, pgErrorFacts } from '../db/errors.js';

export type LogValue = string | number | boolean | null | undefined;
export type LogFields = Record<string, LogValue>;
export type SafeFields = Record<string, string | number | boolean | null>;

type Shape = 'token' | 'text';

/** Codes, ids and names produced by our code or a platform: no spaces, bounded. */
const TOKEN = /^[\w.:@/+%=#-]{1,120}$/;
const TEXT_MAX = 200;
/** Tells of a database error's text (drizzle's wrapper, a server detail) inside a free-text field. */
const DATABASE_TEXT = /Failed query|\bparams:|\bKey \(|DETAIL:|violates .* constraint/i;

export const REDACTED = '[redacted]';

/** Every field a log line may carry, with its shape. Add a field here before logging it. */
export const FIELD_SHAPES: Readonly<Record<string, Shape>> = {
  // request and correlation
  ref: 'token', correlationId: 'token', via: 'token', command: 'token', adapter: 'token', surface: 'token',
  stage: 'token', phase: 'token', check: 'token', path: 'token', signal: 'token', platform: 'token', tenant: 'token',
  // outbox and chat plumbing
  outboxId: 'token', kind: 'token', attempts: 'token', actionId: 'token', callbackId: 'token', verb: 'token',
  // digests and sweeps: a team's uuid (never its name, which may say where patients are) and counts
  teamId: 'token', count: 'token',
  // errors (see describeError)
  error: 'token', code: 'token', cause: 'token', stack: 'text', message: 'text',
  sqlstate: 'token', severity: 'token', schema: 'token', table: 'token', column: 'token', constraint: 'token',
  // operational sentences written by our code (start-up, database, Bolt's summaries)
  msg: 'text', note: 'text', driver: 'token', role: 'token', owner: 'token',
};

/** Keys pino or the line itself uses; a caller's field may not overwrite them. */
const RESERVED = new Set(['time', 'level', 'event', 'dropped']);

function controlFree(text: string): string {
  // C0, DEL, C1 and bidi controls: a log line must not redraw a terminal or reorder what it says.
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, ' ');
}

function cleanText(value: string): string {
  const line = controlFree(value.split('\n')[0] ?? '').trim();
  if (DATABASE_TEXT.test(value)) return REDACTED;
  return line.length > TEXT_MAX ? `${line.slice(0, TEXT_MAX)}…` : line;
}

function cleanValue(shape: Shape, value: LogValue): string | number | boolean | null | undefined {
  if (value === undefined || value === null || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value !== 'string') return REDACTED;
  if (shape === 'token') return TOKEN.test(value) ? value : REDACTED;
  return cleanText(value);
}

/** `fields` reduced to what may be logged: listed names, each value in its shape. */
export function safeFields(fields: LogFields | undefined): SafeFields {
  const out: SafeFields = {};
  if (!fields) return out;
  const dropped: string[] = [];
  for (const [key, value] of Object.entries(fields)) {
    const shape = Object.hasOwn(FIELD_SHAPES, key) ? FIELD_SHAPES[key] : undefined;
    if (!shape || RESERVED.has(key)) {
      if (value !== undefined) dropped.push(/^[A-Za-z][A-Za-z0-9_]{0,40}$/.test(key) ? key : '?');
      continue;
    }
    const cleaned = cleanValue(shape, value);
    if (cleaned !== undefined) out[key] = cleaned;
  }
  if (dropped.length > 0) out.dropped = dropped.join(',');
  return out;
}

/** An event name: a token from our code, never data. */
export function safeEvent(event: string): string {
  return TOKEN.test(event) ? event : 'invalid_event_name';
}

function causes(err: unknown): unknown[] {
  const chain: unknown[] = [];
  let current: unknown = err;
  while (current !== undefined && current !== null && !chain.includes(current) && chain.length < 8) {
    chain.push(current);
    current = typeof current === 'object' ? (current as { cause?: unknown }).cause : undefined;
  }
  return chain;
}

function className(value: unknown): string {
  if (value instanceof Error) {
    const ctor = (value.constructor as { name?: unknown } | undefined)?.name;
    // drizzle's DrizzleQueryError keeps the name "Error"; its class says more.
    const name = typeof ctor === 'string' && ctor !== 'Error' ? ctor : value.name;
    return TOKEN.test(name) ? name : 'Error';
  }
  return typeof value;
}

/** Stack frames only: the first stack line repeats the message. */
function frames(err: unknown): string | undefined {
  const stack = err instanceof Error ? err.stack : undefined;
  if (!stack) return undefined;
  const lines = stack.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('at ')).slice(0, 5);
  // Paths and function names only; a frame that quotes anything (eval code) is dropped.
  const safe = lines.filter((l) => !/["'`]/.test(l));
  return safe.length > 0 ? safe.join(' | ') : undefined;
}

function maskedMessage(err: unknown): string | undefined {
  const message = err instanceof Error ? err.message : typeof err === 'string' ? err : undefined;
  if (!message) return undefined;
  const first = controlFree(message.split('\n')[0] ?? '');
  // Quoted text is where runtimes and libraries put the input they choke on.
  const masked = first.replace(/(["'`])(?:(?!\1).)*\1/g, '$1…$1');
  return masked.length > TEXT_MAX ? `${masked.slice(0, TEXT_MAX)}…` : masked;
}

/** The loggable description of an error. */
export function describeError(err: unknown): SafeFields {
  const chain = causes(err);
  const out: SafeFields = { error: className(err) };
  const code = chain.map((e) => (typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined))
    .find((c): c is string => typeof c === 'string' && /^[A-Z0-9_]{2,40}$/.test(c));
  if (code) out.code = code;
  if (chain.length > 1) out.cause = chain.slice(1).map(className).join('>');
  if (isDatabaseError(err)) {
    const facts = pgErrorFacts(err);
    if (facts) Object.assign(out, facts);
  } else {
    const message = maskedMessage(err);
    if (message) out.message = message;
  }
  const stack = frames(err);
  if (stack) out.stack = stack;
  return out;
}
