/**
 * Reading PostgreSQL errors from either driver.
 *
 * drizzle-orm ≥0.44 wraps every driver error in a DrizzleQueryError whose message is
 * "Failed query: …"; the server's error (postgres.js `PostgresError` or PGlite's `DatabaseError`,
 * both carrying the SQLSTATE in `.code`) is in `.cause`. Callers branch on the SQLSTATE
 * (23505 unique violation, 23514 check violation, …), so these helpers walk the cause chain
 * instead of trusting the top-level error.
 */

/** The fields both drivers put on a server error (postgres.js also uses snake_case names). */
interface PgServerError {
  code: string;
  message: string;
  severity?: string;
  constraint?: string;
  constraint_name?: string;
  table?: string;
  table_name?: string;
  column?: string;
  column_name?: string;
  schema?: string;
  schema_name?: string;
}

/** SQLSTATE: five characters, digits and upper-case letters. */
const SQLSTATE = /^[0-9A-Z]{5}$/;

function isPgServerError(value: unknown): value is PgServerError {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  // Node system errors also have a string `code` (and "EPERM" even looks like a SQLSTATE); only
  // server errors carry a `severity`, so require it to avoid mistaking one for the other.
  return typeof v.code === 'string' && SQLSTATE.test(v.code) && typeof v.severity === 'string';
}

/** The first PostgreSQL server error in `err`'s cause chain, if any. */
export function findPgError(err: unknown): PgServerError | undefined {
  const seen = new Set<unknown>();
  let current: unknown = err;
  // Bounded and cycle-safe: a cause chain is short, but nothing stops one from looping.
  while (typeof current === 'object' && current !== null && !seen.has(current) && seen.size < 16) {
    if (isPgServerError(current)) return current;
    seen.add(current);
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The SQLSTATE of the PostgreSQL error behind `err` (e.g. '23505', '23514'), or undefined. */
export function pgErrorCode(err: unknown): string | undefined {
  return findPgError(err)?.code;
}

/** The server's own message (not drizzle's "Failed query: …" wrapper), or undefined. */
export function pgErrorMessage(err: unknown): string | undefined {
  return findPgError(err)?.message;
}

/** The constraint the server named in the error (unique, check, foreign key), or undefined. */
export function pgErrorConstraint(err: unknown): string | undefined {
  const found = findPgError(err);
  // PGlite (pg-protocol) calls it `constraint`, postgres.js `constraint_name`.
  return found?.constraint ?? found?.constraint_name;
}

/**
 * What may be said about a database error in a log: the SQLSTATE, severity and the names of the
 * schema, table, column and constraint involved. Never the message, detail, hint, where, query or
 * parameters: the server quotes row values there ("Key (patient_ref)=(…)"), a trigger's RAISE can
 * print a whole row, and drizzle's wrapper message lists the statement's parameters.
 */
export interface PgErrorFacts {
  sqlstate: string;
  severity?: string;
  schema?: string;
  table?: string;
  column?: string;
  constraint?: string;
}

/** A name PostgreSQL would print unquoted, at most 63 characters: anything else is left out. */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/;
const identifier = (value: unknown): string | undefined =>
  typeof value === 'string' && IDENTIFIER.test(value) ? value : undefined;

export function pgErrorFacts(err: unknown): PgErrorFacts | undefined {
  const found = findPgError(err);
  if (!found) return undefined;
  const facts: PgErrorFacts = { sqlstate: found.code };
  const severity = identifier(found.severity);
  const schema = identifier(found.schema ?? found.schema_name);
  const table = identifier(found.table ?? found.table_name);
  const column = identifier(found.column ?? found.column_name);
  const constraint = identifier(found.constraint ?? found.constraint_name);
  if (severity) facts.severity = severity;
  if (schema) facts.schema = schema;
  if (table) facts.table = table;
  if (column) facts.column = column;
  if (constraint) facts.constraint = constraint;
  return facts;
}

/** postgres.js's own codes for a connection that is gone or never came (not SQLSTATEs). */
const DRIVER_CONNECTION_CODES = new Set([
  'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT',
]);
/** Socket errors that mean the server is unreachable or went away mid-conversation. */
const SOCKET_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

function causeChain(err: unknown): object[] {
  const chain: object[] = [];
  let current: unknown = err;
  while (typeof current === 'object' && current !== null && !chain.includes(current) && chain.length < 16) {
    chain.push(current);
    current = (current as { cause?: unknown }).cause;
  }
  return chain;
}

/**
 * True when `err` (or its cause) says the database session itself is gone: the driver saw the
 * socket close, or the server ended the session (a FATAL or PANIC error, SQLSTATE class 08
 * connection exception or 57P01–57P03 operator intervention). Nothing more can be sent on it.
 */
export function isConnectionLost(err: unknown): boolean {
  return causeChain(err).some((e) => {
    const { code, severity } = e as { code?: unknown; severity?: unknown };
    if (typeof code !== 'string') return false;
    if (DRIVER_CONNECTION_CODES.has(code) || SOCKET_CODES.has(code)) return true;
    if (!isPgServerError(e)) return false;
    return severity === 'FATAL' || severity === 'PANIC' || code.startsWith('08') || /^57P0[123]$/.test(code);
  });
}

/**
 * True when anything in `err`'s cause chain came from the database layer (a server error,
 * drizzle's "Failed query" wrapper, a driver connection error): such messages may quote rows or
 * parameters, so the logger never prints them.
 */
export function isDatabaseError(err: unknown): boolean {
  return causeChain(err).some((e) => {
    if (isPgServerError(e)) return true;
    const { code, message, constructor } = e as { code?: unknown; message?: unknown; constructor?: { name?: unknown } };
    if (typeof code === 'string' && DRIVER_CONNECTION_CODES.has(code)) return true;
    if (constructor?.name === 'DrizzleQueryError' || constructor?.name === 'PostgresError') return true;
    return typeof message === 'string' && /^Failed query:|\bparams: /m.test(message);
  });
}
