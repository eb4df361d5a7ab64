/**
 * Structured logs: one JSON object per line on stderr, written by pino. Log calls take an event
 * name and operational fields; what may appear in a line is enforced in `redact.ts` (an
 * allow-list of field names and shapes, and errors described without their database text), so
 * a patient reference, a value or a note cannot reach the log by a careless call.
 *
 * Unexpected errors get a short reference id that the person is shown, so support can find the
 * log line without anyone pasting anything clinical. `child({ correlationId })` binds a request's
 * correlation id to every line logged for it.
 */
import crypto from 'node:crypto';
import { pino, stdTimeFunctions, type Logger as Pino } from 'pino';
import { describeError, safeEvent, safeFields, type LogFields } from './redact.js';

export type { LogFields } from './redact.js';
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  /** Logs an unexpected error with a fresh reference id and returns the id for the person. */
  unexpected(err: unknown, fields?: LogFields): string;
  /** A logger whose every line also carries `fields` (checked like any other fields). */
  child(fields: LogFields): Logger;
}

export function newReference(): string {
  return `ERR-${crypto.randomBytes(4).toString('hex').toUpperCase()}`;
}

const toStderr = (line: string) => { process.stderr.write(`${line}\n`); };

export function createLogger(level: LogLevel = 'info', write: (line: string) => void = toStderr): Logger {
  const root = pino({
    level,
    base: undefined, // no pid or hostname: a line says what happened, not where it ran
    messageKey: 'event',
    timestamp: stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  }, {
    // Synchronous, one line per call, so a line logged just before exit is not lost and tests
    // can capture the output.
    write: (chunk: string) => write(chunk.endsWith('\n') ? chunk.slice(0, -1) : chunk),
  });
  return wrap(root);
}

// The event goes first in the object rather than as pino's message, which pino writes last: lines
// keep reading "time, level, event, fields", as they did before pino and as people grep them.
function wrap(log: Pino): Logger {
  return {
    debug: (event, fields) => log.debug({ event: safeEvent(event), ...safeFields(fields) }),
    info: (event, fields) => log.info({ event: safeEvent(event), ...safeFields(fields) }),
    warn: (event, fields) => log.warn({ event: safeEvent(event), ...safeFields(fields) }),
    error: (event, fields) => log.error({ event: safeEvent(event), ...safeFields(fields) }),
    unexpected(err, fields) {
      const ref = newReference();
      log.error({ event: 'unexpected_error', ref, ...safeFields(fields), ...describeError(err) });
      return ref;
    },
    child: (fields) => wrap(log.child(safeFields(fields))),
  };
}
