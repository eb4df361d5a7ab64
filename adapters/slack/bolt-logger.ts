/**
 * Bolt's logger (and its Web API client's), onto ours. Their messages often end in a payload
 * ("http request body: {…}", a view, a message text naming a patient), so each message is kept
 * only up to where a payload could start, and an error only as its name and code.
 */
import { LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import type { Logger } from '../../src/index.js';

export type { Logger };

function summary(parts: unknown[]): string {
  return parts.map((part) => {
    if (part instanceof Error) return `${part.name}${(part as { code?: string }).code ? ` (${(part as { code?: string }).code})` : ''}`;
    if (typeof part !== 'string') return typeof part;
    // "Failed to verify authenticity: header x-slack-signature …" stays readable; "body: {…" loses the body.
    return part.split('\n')[0]!.split(/[{["]/)[0]!.slice(0, 160).trim();
  }).join(' ');
}

export function boltLogger(logger: Logger): BoltLogger {
  let level = LogLevel.INFO;
  return {
    debug: (...parts) => logger.debug('slack_bolt', { message: summary(parts) }),
    info: (...parts) => logger.info('slack_bolt', { message: summary(parts) }),
    warn: (...parts) => logger.warn('slack_bolt', { message: summary(parts) }),
    error: (...parts) => logger.error('slack_bolt', { message: summary(parts) }),
    setLevel: (next) => { level = next; },
    getLevel: () => level,
    setName: () => {},
  };
}
