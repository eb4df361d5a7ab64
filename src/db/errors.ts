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
