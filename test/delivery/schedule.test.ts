/** Backoff, failure decisions and per-channel pacing: pure functions of the clock they are given. */
import { describe, expect, it } from 'vitest';
import { DeliveryError } from '../../src/delivery/ports.js';
import {
  BACKOFF_CAP_MS, RATE_LIMIT_ALLOWANCE, backoffMs, channelKeyOf, classifyFailure, createPacer, decideFailure,
} from '../../src/delivery/schedule.js';

const NOW = new Date('2026-11-22T12:00:00Z');
const at = (ms: number) => new Date(NOW.getTime() + ms);

describe('backoff', () => {
  it('doubles from one second and stops at five minutes', () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffMs(n, () => 0))).toEqual([1_000, 2_000, 4_000, 8_000, 16_000]);
    expect(backoffMs(9, () => 0)).toBe(256_000);
    expect(backoffMs(10, () => 0)).toBe(BACKOFF_CAP_MS);
    expect(backoffMs(1_000, () => 0.99)).toBe(BACKOFF_CAP_MS);
  });

  it('adds jitter of up to a quarter, never less than the nominal wait', () => {
    expect(backoffMs(3, () => 0.999)).toBe(4_999);
    for (let i = 0; i < 50; i++) {
      const wait = backoffMs(2);
      expect(wait).toBeGreaterThanOrEqual(2_000);
      expect(wait).toBeLessThanOrEqual(2_500);
    }
  });
});

describe('what a failure means', () => {
  const fixed = () => 0;

  it('dead-letters a permanent error at the first attempt', () => {
    expect(decideFailure(classifyFailure(new DeliveryError('permanent', 'channel_not_found')), 1, 8, NOW, fixed)).toEqual({ status: 'dead' });
  });

  it('retries a transient error with backoff until maxAttempts', () => {
    const failure = classifyFailure(new DeliveryError('transient', 'timeout'));
    expect(decideFailure(failure, 1, 8, NOW, fixed)).toEqual({ status: 'pending', nextAttemptAt: at(1_000) });
    expect(decideFailure(failure, 7, 8, NOW, fixed)).toEqual({ status: 'pending', nextAttemptAt: at(64_000) });
    expect(decideFailure(failure, 8, 8, NOW, fixed)).toEqual({ status: 'dead' });
  });

  it('waits out Retry-After on a 429, and allows rate limits more attempts than other failures', () => {
    const failure = classifyFailure(new DeliveryError('rate_limited', 'ratelimited', { retryAfterMs: 30_000 }));
    expect(decideFailure(failure, 8, 8, NOW, fixed)).toEqual({ status: 'pending', nextAttemptAt: at(30_000) });
    expect(decideFailure(failure, 8 * RATE_LIMIT_ALLOWANCE - 1, 8, NOW, fixed)).toMatchObject({ status: 'pending' });
    expect(decideFailure(failure, 8 * RATE_LIMIT_ALLOWANCE, 8, NOW, fixed)).toEqual({ status: 'dead' });
    const noHeader = classifyFailure(new DeliveryError('rate_limited', 'ratelimited'));
    expect(decideFailure(noHeader, 2, 8, NOW, fixed)).toEqual({ status: 'pending', nextAttemptAt: at(2_000) });
  });

  it('treats anything but a DeliveryError as transient, and keeps only a clean code', () => {
    expect(classifyFailure(new Error('socket hang up at https://hooks.example/PT-000123'))).toEqual({ kind: 'transient', code: 'unexpected' });
    expect(classifyFailure(new DeliveryError('permanent', 'bad code with "quotes" and spaces'))).toEqual({ kind: 'permanent', code: 'bad_code_with__quotes__and_spaces' });
    expect(classifyFailure(new DeliveryError('rate_limited', 'r', { retryAfterMs: Number.NaN }))).toEqual({ kind: 'rate_limited', code: 'r' });
  });
});

describe('per-channel pacing', () => {
  const a = { platform: 'slack', tenant: 'T1', channelId: 'CA' };
  const b = { platform: 'slack', tenant: 'T1', channelId: 'CB' };
  const teams = { platform: 'teams', tenant: 't', channelId: '19:abc@thread.tacv2' };
  const t0 = NOW.getTime();

  it('blocks a channel while its call runs and for the interval after it started, and no other', () => {
    const pacer = createPacer(1_000);
    pacer.begin(a, t0);
    expect(pacer.blocked(t0)).toEqual([a]);
    pacer.end(a);
    expect(pacer.blocked(t0 + 999)).toEqual([a]);
    expect(pacer.blocked(t0 + 1_000)).toEqual([]);
    expect(pacer.nextOpening(t0 + 1_000)).toBeUndefined();
  });

  it('keeps a channel busy for as long as its call lasts, even past the interval', () => {
    const pacer = createPacer(1_000);
    pacer.begin(a, t0);
    expect(pacer.blocked(t0 + 5_000)).toEqual([a]);
    pacer.end(a);
    expect(pacer.blocked(t0 + 5_000)).toEqual([]);
  });

  it('holds a rate-limited channel until its Retry-After, and says when the next channel opens', () => {
    const pacer = createPacer(1_000);
    pacer.begin(a, t0);
    pacer.end(a);
    pacer.holdUntil(a, t0 + 5_000);
    pacer.begin(b, t0 + 200);
    pacer.end(b);
    expect(pacer.nextOpening(t0 + 300)).toBe(t0 + 1_200);
    expect(pacer.blocked(t0 + 1_200)).toEqual([a]);
    expect(pacer.nextOpening(t0 + 1_200)).toBe(t0 + 5_000);
    pacer.holdUntil(a, t0 + 2_000);
    expect(pacer.blocked(t0 + 4_999)).toEqual([a]);
  });

  it('tells channels apart even when their ids contain separators', () => {
    expect(channelKeyOf(teams)).not.toBe(channelKeyOf({ platform: 'teams', tenant: 't:19', channelId: 'abc@thread.tacv2' }));
  });
});
