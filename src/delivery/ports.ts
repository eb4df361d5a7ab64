/**
 * What the outbox worker needs from a chat platform: post a view to a channel, update a posted
 * message. The Slack and Teams adapters implement it and translate their SDK's errors into a
 * DeliveryError, so the worker decides retries without knowing any platform.
 */
import type { ChannelRef, MessageRef, Platform } from '../app/request.js';
import type { MessageView } from '../views/model.js';

export interface Deliverer {
  platform: Platform;
  /** Posts to the whole channel; returns the platform's id for the message (Slack ts, Teams activity id). */
  post(channel: ChannelRef, view: MessageView): Promise<{ messageId: string }>;
  /** Replaces a posted message with a fresh rendering. */
  update(message: MessageRef, view: MessageView): Promise<void>;
}

/**
 * - rate_limited: the platform said "not now" (HTTP 429); `retryAfterMs` from its Retry-After.
 * - transient: may work later (timeouts, 5xx, network); retried with backoff.
 * - permanent: will not work until somebody fixes something (channel_not_found, not_in_channel,
 *   invalid_auth, a view the platform rejects): dead-lettered at once, retried only by hand.
 */
export type DeliveryErrorKind = 'rate_limited' | 'transient' | 'permanent';

export class DeliveryError extends Error {
  override readonly name = 'DeliveryError';
  /**
   * A short machine code (e.g. "ratelimited", "channel_not_found"). It is stored in the outbox
   * row and logged, so it must never carry message content or patient data.
   */
  readonly code: string;
  readonly kind: DeliveryErrorKind;
  readonly retryAfterMs?: number;

  constructor(kind: DeliveryErrorKind, code: string, options: { retryAfterMs?: number; cause?: unknown } = {}) {
    super(`${kind} delivery error: ${code}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.kind = kind;
    this.code = code;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
  }
}
