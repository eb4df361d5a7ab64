/**
 * When to try a delivery again, and which channels may be called now. Pure: the clock and the
 * random source are arguments, so the worker's timing is tested without waiting.
 */
import { DeliveryError, type DeliveryErrorKind } from './ports.js';

/** First retry after 1 s, then 2 s, 4 s … */
export const BACKOFF_BASE_MS = 1_000;
/** No retry waits longer than this, however many attempts failed. */
export const BACKOFF_CAP_MS = 5 * 60_000;
/**
 * Jitter stretches each wait by up to this fraction (never shortens it), so rows that failed
 * together (a platform outage) do not all come back in the same second.
 */
export const BACKOFF_JITTER = 0.25;
/**
 * A 429 is the platform pacing us, not the message failing: it counts as an attempt (the CLI shows
 * how often a row was tried) but a row is dead-lettered for rate limits only after this many times
 * maxAttempts, so a burst (a sync raising many red actions in one channel) is delivered late,
 * never dropped.
 */
export const RATE_LIMIT_ALLOWANCE = 3;

/** The wait after the `attempts`-th failed try (1-based): 1 s, 2 s, 4 s … ≤ 5 min, plus jitter. */
export function backoffMs(attempts: number, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(attempts, 1) - 1, 30);
  const base = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** exponent);
  return Math.min(BACKOFF_CAP_MS, Math.round(base * (1 + BACKOFF_JITTER * random())));
}

export interface FailureInfo {
  kind: DeliveryErrorKind;
  code: string;
  retryAfterMs?: number;
}

/** Codes are stored and logged: keep them short and free of anything but code characters. */
function cleanCode(code: string): string {
  const cleaned = code.replace(/[^A-Za-z0-9_.:-]/g, '_').slice(0, 80);
  return cleaned === '' ? 'unknown' : cleaned;
}

/**
 * What a thrown value means for delivery. Anything that is not a DeliveryError is a bug or an
 * outage we did not foresee: retried as transient, recorded as "unexpected" (its message may
 * quote a payload, so it is never stored).
 */
export function classifyFailure(error: unknown): FailureInfo {
  if (error instanceof DeliveryError) {
    const info: FailureInfo = { kind: error.kind, code: cleanCode(error.code) };
    if (error.retryAfterMs !== undefined && Number.isFinite(error.retryAfterMs) && error.retryAfterMs >= 0) {
      info.retryAfterMs = error.retryAfterMs;
    }
    return info;
  }
  return { kind: 'transient', code: 'unexpected' };
}

export type FailureDecision = { status: 'pending'; nextAttemptAt: Date } | { status: 'dead' };

/** After the `attempts`-th try failed with `failure`: try again when, or give up. */
export function decideFailure(failure: FailureInfo, attempts: number, maxAttempts: number, now: Date,
  random: () => number = Math.random): FailureDecision {
  if (failure.kind === 'permanent') return { status: 'dead' };
  if (failure.kind === 'rate_limited') {
    if (attempts >= maxAttempts * RATE_LIMIT_ALLOWANCE) return { status: 'dead' };
    const wait = failure.retryAfterMs ?? backoffMs(attempts, random);
    return { status: 'pending', nextAttemptAt: new Date(now.getTime() + wait) };
  }
  if (attempts >= maxAttempts) return { status: 'dead' };
  return { status: 'pending', nextAttemptAt: new Date(now.getTime() + backoffMs(attempts, random)) };
}

export interface ChannelKey {
  platform: string;
  tenant: string;
  channelId: string;
}

/** A map key for a channel (JSON, because Teams channel ids contain colons). */
export function channelKeyOf(c: ChannelKey): string {
  return JSON.stringify([c.platform, c.tenant, c.channelId]);
}

/**
 * Per-channel pacing: at most one call per `intervalMs` per channel (calls spaced by their start),
 * never two at once in one channel, and a channel held after a 429 until its Retry-After has
 * passed. Other channels are unaffected. Times are epoch milliseconds passed in by the caller.
 */
export interface Pacer {
  /** Channels that may not be called at `now`: busy, too recently called, or held. */
  blocked(now: number): ChannelKey[];
  /** A call to `channel` starts at `now`. */
  begin(channel: ChannelKey, now: number): void;
  /** The call to `channel` has finished. */
  end(channel: ChannelKey): void;
  /** Keep `channel` quiet until `until` (a 429's Retry-After). */
  holdUntil(channel: ChannelKey, until: number): void;
  /** When the earliest waiting channel opens again, or undefined when none waits. */
  nextOpening(now: number): number | undefined;
}

export function createPacer(intervalMs: number): Pacer {
  const openAt = new Map<string, { channel: ChannelKey; at: number }>();
  const busy = new Map<string, ChannelKey>();
  const prune = (now: number) => {
    for (const [key, entry] of openAt) if (entry.at <= now) openAt.delete(key);
  };
  return {
    blocked(now) {
      prune(now);
      const keys = new Map<string, ChannelKey>(busy);
      for (const [key, entry] of openAt) keys.set(key, entry.channel);
      return [...keys.values()];
    },
    begin(channel, now) {
      const key = channelKeyOf(channel);
      busy.set(key, channel);
      const current = openAt.get(key)?.at ?? 0;
      openAt.set(key, { channel, at: Math.max(current, now + intervalMs) });
    },
    end(channel) {
      busy.delete(channelKeyOf(channel));
    },
    holdUntil(channel, until) {
      const key = channelKeyOf(channel);
      const current = openAt.get(key)?.at ?? 0;
      openAt.set(key, { channel, at: Math.max(current, until) });
    },
    nextOpening(now) {
      prune(now);
      let earliest: number | undefined;
      for (const entry of openAt.values()) if (earliest === undefined || entry.at < earliest) earliest = entry.at;
      return earliest;
    },
  };
}
