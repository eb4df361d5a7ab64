/**
 * Structured logs (one JSON object per line on stderr). Log calls take an event name and
 * operational fields only: never patient references, labels, values or free text typed by staff.
 * Unexpected errors get a short reference id that the user is shown, so support can find the
 * log line without the user having to paste anything clinical.
 */
import crypto from 'node:crypto';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type LogFields = Record<string, string | number | boolean | null | undefined>;

export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  /** Logs an unexpected error with a fresh reference id and returns the id for the user. */
  unexpected(err: unknown, fields?: LogFields): string;
}

export function newReference(): string {
  return `ERR-${crypto.randomBytes(4).toString('hex').toUpperCase()}`;
}

export function createLogger(level: LogLevel = 'info', write: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Logger {
  const emit = (at: LogLevel, event: string, fields: LogFields = {}) => {
    if (RANK[at] < RANK[level]) return;
    write(JSON.stringify({ time: new Date().toISOString(), level: at, event, ...fields }));
  };
  return {
    debug: (e, f) => emit('debug', e, f),
    info: (e, f) => emit('info', e, f),
    warn: (e, f) => emit('warn', e, f),
    error: (e, f) => emit('error', e, f),
    unexpected(err, fields) {
      const ref = newReference();
      const error = err instanceof Error ? err : new Error(String(err));
      // Only the message, code and stack: driver error "detail" fields can quote row values.
      const code = (error as { code?: unknown }).code;
      emit('error', 'unexpected_error', {
        ref, ...fields, error: error.name, message: error.message,
        code: typeof code === 'string' ? code : undefined, stack: error.stack?.split('\n').slice(1, 6).join(' | '),
      });
      return ref;
    },
  };
}
