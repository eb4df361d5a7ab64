/**
 * An in-memory chat platform for delivery tests: records every call with the time it saw, and
 * fails on a script (rate limits with Retry-After, transient and permanent errors), per channel
 * or for all.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChannelRef, MessageRef, Platform } from '../../src/app/request.js';
import { DeliveryError, type Deliverer } from '../../src/delivery/ports.js';
import type { MessageView } from '../../src/views/model.js';

export type FakeFailure =
  | { kind: 'rate_limited'; retryAfterMs?: number }
  | { kind: 'transient'; code?: string }
  | { kind: 'permanent'; code?: string };

export interface FakeCall {
  op: 'post' | 'update';
  at: Date;
  channelId: string;
  tenant: string;
  /** The message id given back (post) or updated (update); undefined when the call failed. */
  messageId?: string;
  view: MessageView;
  failed?: FakeFailure['kind'];
}

interface Rule {
  failure: FakeFailure;
  remaining: number;
  channelId?: string;
}

export interface FakeDelivererOptions {
  platform?: Platform;
  /** The clock calls are stamped with (the worker's, when it is injected). */
  now?: () => Date;
  /** Real time each call takes, for tests of concurrency. */
  latencyMs?: number;
}

export class FakeDeliverer implements Deliverer {
  readonly platform: Platform;
  /** Every call, failed ones included, in the order they started. */
  readonly calls: FakeCall[] = [];
  /** Most calls in flight at once, overall and in one channel. */
  maxInFlight = 0;
  maxInFlightPerChannel = 0;
  private inFlight = new Map<string, number>();
  private rules: Rule[] = [];
  private sequence = 0;
  private readonly now: () => Date;
  private readonly latencyMs: number;

  constructor(options: FakeDelivererOptions = {}) {
    this.platform = options.platform ?? 'slack';
    this.now = options.now ?? (() => new Date());
    this.latencyMs = options.latencyMs ?? 0;
  }

  /** The next `times` calls (to `channelId`, or to any channel) fail with `failure`. */
  failNext(failure: FakeFailure, options: { times?: number; channelId?: string } = {}): this {
    this.rules.push({ failure, remaining: options.times ?? 1, channelId: options.channelId });
    return this;
  }

  /** Every call (to `channelId`, or to any channel) fails until heal(). */
  failAlways(failure: FakeFailure, options: { channelId?: string } = {}): this {
    return this.failNext(failure, { times: Infinity, channelId: options.channelId });
  }

  heal(): void {
    this.rules = [];
  }

  get posts(): FakeCall[] {
    return this.calls.filter((c) => c.op === 'post' && !c.failed);
  }

  get updates(): FakeCall[] {
    return this.calls.filter((c) => c.op === 'update' && !c.failed);
  }

  async post(channel: ChannelRef, view: MessageView): Promise<{ messageId: string }> {
    const call = await this.call('post', channel.tenant, channel.channelId, view);
    this.sequence += 1;
    call.messageId = `${Math.floor(call.at.getTime() / 1000)}.${String(this.sequence).padStart(6, '0')}`;
    return { messageId: call.messageId };
  }

  async update(message: MessageRef, view: MessageView): Promise<void> {
    const call = await this.call('update', message.tenant, message.channelId, view);
    call.messageId = message.messageId;
  }

  private async call(op: FakeCall['op'], tenant: string, channelId: string, view: MessageView): Promise<FakeCall> {
    const call: FakeCall = { op, at: this.now(), tenant, channelId, view };
    this.calls.push(call);
    const key = `${tenant}/${channelId}`;
    this.inFlight.set(key, (this.inFlight.get(key) ?? 0) + 1);
    const total = [...this.inFlight.values()].reduce((a, b) => a + b, 0);
    this.maxInFlight = Math.max(this.maxInFlight, total);
    this.maxInFlightPerChannel = Math.max(this.maxInFlightPerChannel, this.inFlight.get(key)!);
    try {
      if (this.latencyMs > 0) await sleep(this.latencyMs);
      const rule = this.rules.find((r) => r.remaining > 0 && (r.channelId === undefined || r.channelId === channelId));
      if (rule) {
        rule.remaining -= 1;
        call.failed = rule.failure.kind;
        throw toError(rule.failure);
      }
      return call;
    } finally {
      this.inFlight.set(key, this.inFlight.get(key)! - 1);
    }
  }
}

function toError(failure: FakeFailure): DeliveryError {
  switch (failure.kind) {
    case 'rate_limited':
      return new DeliveryError('rate_limited', 'ratelimited', failure.retryAfterMs === undefined ? {} : { retryAfterMs: failure.retryAfterMs });
    case 'transient':
      return new DeliveryError('transient', failure.code ?? 'service_unavailable');
    case 'permanent':
      return new DeliveryError('permanent', failure.code ?? 'channel_not_found');
  }
}
