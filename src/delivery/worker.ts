/**
 * The outbox worker: runs in the service, takes due rows, renders each from the database, sends it
 * through its platform's Deliverer, and records the outcome. Per channel at most one call per
 * `channelIntervalMs` (Slack allows about one message per second per channel) and a 429 holds
 * only its own channel, so one busy or rate-limited channel never delays the others.
 *
 * Delivery is at least once: a post is recorded as delivered only after the platform accepted it,
 * so a crash (or a database failure while recording) between the two leaves the row `sending`
 * and, once its lease runs out, it is sent again. That single call is the only duplicate window.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Platform } from '../app/request.js';
import type { Database } from '../db/database.js';
import { pgErrorCode } from '../db/errors.js';
import type { Logger } from '../logging/logger.js';
import { claimDue, markDelivered, markFailed, type OutboxRow } from './outbox-store.js';
import { DeliveryError, type Deliverer } from './ports.js';
import { prepareViewForDelivery } from './prepare-view.js';
import { renderForDelivery, type RenderOptions } from './render-subject.js';
import { createPacer, type ChannelKey } from './schedule.js';

/** How long a kick waits for others to join it before the worker looks for due rows. */
const KICK_COALESCE_MS = 50;

export interface OutboxWorkerOptions {
  db: Database;
  /** One per platform this process can deliver to; rows for other platforms stay pending. */
  deliverers: Deliverer[];
  logger: Logger;
  now?: () => Date;
  /** How often to look for due rows when nothing kicks the worker. */
  pollMs?: number;
  /** Least time between the starts of two calls to one channel. */
  channelIntervalMs?: number;
  /** Tries before a row is dead-lettered (rate limits get more: see schedule.ts). */
  maxAttempts?: number;
  /** How long a claimed row is ours; a worker that dies mid-call loses it after this. */
  leaseMs?: number;
  /** Most rows claimed and not yet finished at once. */
  batch?: number;
  /** Most platform calls in flight at once (each to a different channel). */
  concurrency?: number;
  /** Jitter source for backoff (tests make it fixed). */
  random?: () => number;
  /** What rendering a subject needs beyond the database: the rule set (digests) and the public base URL (charts). */
  render?: RenderOptions;
}

export interface OutboxWorker {
  /** Starts the loop (idempotent). */
  start(): void;
  /** Stops the loop and waits for the rows already claimed to finish. */
  stop(): Promise<void>;
  /** Looks for due rows now: handlers call it after committing a change that queued a post. */
  kick(): void;
  /** One pass: claims what is due and may be sent now, sends it, and waits. Returns the rows handled. */
  drainOnce(): Promise<number>;
}

/** Tries at recording a confirmed delivery before the row is left to its lease (and resent). */
const RECORD_TRIES = 3;

export function createOutboxWorker(options: OutboxWorkerOptions): OutboxWorker {
  const { db, logger } = options;
  const now = options.now ?? (() => new Date());
  const pollMs = options.pollMs ?? 1_000;
  const maxAttempts = options.maxAttempts ?? 8;
  const leaseMs = options.leaseMs ?? 60_000;
  const batch = options.batch ?? 20;
  const concurrency = options.concurrency ?? 4;
  const byPlatform = new Map<Platform, Deliverer>(options.deliverers.map((d) => [d.platform, d]));
  const platforms = [...byPlatform.keys()];
  const pacer = createPacer(options.channelIntervalMs ?? 1_000);

  const queue: (() => Promise<void>)[] = [];
  let active = 0;
  const unfinished = new Set<Promise<void>>();
  let pumpChain: Promise<unknown> = Promise.resolve();
  let running = false;
  let loopDone: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  let kickTimer: NodeJS.Timeout | undefined;
  let kicked = false;

  const wakeUp = () => {
    if (wake) wake();
    else kicked = true;
  };

  const fieldsOf = (row: OutboxRow) => ({ outboxId: row.id, platform: row.platform, kind: row.kind, attempts: row.attempts });
  const channelOf = (row: OutboxRow): ChannelKey & { platform: Platform } => ({ platform: row.platform, tenant: row.tenant, channelId: row.channelId });

  async function recordFailure(row: OutboxRow, error: unknown): Promise<void> {
    if (!(error instanceof DeliveryError)) logger.unexpected(error, { stage: 'outbox_send', ...fieldsOf(row) });
    const at = now();
    if (error instanceof DeliveryError && error.kind === 'rate_limited') {
      pacer.holdUntil(channelOf(row), at.getTime() + (error.retryAfterMs ?? 1_000));
    }
    const outcome = await markFailed(db, row, { error, now: at, maxAttempts, random: options.random });
    if (!outcome.current) logger.warn('outbox_lease_lost', { ...fieldsOf(row), error: outcome.code });
    else if (outcome.status === 'dead') logger.warn('outbox_dead', { ...fieldsOf(row), error: outcome.code });
    else logger.info('outbox_retry', { ...fieldsOf(row), error: outcome.code });
  }

  async function recordDelivered(row: OutboxRow, messageId: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        const { current } = await markDelivered(db, row, { messageId, now: now() });
        if (!current) logger.warn('outbox_lease_lost', fieldsOf(row));
        logger.info('outbox_delivered', fieldsOf(row));
        return;
      } catch (err) {
        if (attempt >= RECORD_TRIES) throw err;
        await delay(200 * 5 ** (attempt - 1));
      }
    }
  }

  /** Renders and sends one row; never throws (every outcome is recorded or logged). */
  async function deliver(row: OutboxRow): Promise<void> {
    const deliverer = byPlatform.get(row.platform)!;
    const channel = channelOf(row);
    pacer.begin(channel, now().getTime());
    let messageId: string;
    try {
      try {
        const rendered = await renderForDelivery(db, row, now(), options.render);
        if (!rendered) throw new DeliveryError('permanent', 'nothing_to_render');
        // Mentions and charts are resolved for this row's platform now, not when it was queued.
        const view = await prepareViewForDelivery(db, row, rendered, now(), { publicBaseUrl: options.render?.publicBaseUrl });
        if (row.kind === 'post') {
          messageId = (await deliverer.post(channel, view)).messageId;
        } else {
          if (row.messageId === null) throw new DeliveryError('permanent', 'nothing_to_render');
          await deliverer.update({ ...channel, messageId: row.messageId }, view);
          messageId = row.messageId;
        }
      } catch (err) {
        await recordFailure(row, err);
        return;
      }
      await recordDelivered(row, messageId);
    } catch (err) {
      // The database failed while recording: the row stays `sending` and its lease brings it back.
      logger.unexpected(err, { stage: 'outbox_record', ...fieldsOf(row) });
    } finally {
      pacer.end(channel);
    }
  }

  function drainQueue(): void {
    while (active < concurrency && queue.length > 0) {
      const job = queue.shift()!;
      active += 1;
      void job().finally(() => {
        active -= 1;
        drainQueue();
        wakeUp();
      });
    }
  }

  function launch(row: OutboxRow): Promise<void> {
    const done = new Promise<void>((resolve) => {
      queue.push(() => deliver(row).finally(resolve));
    });
    unfinished.add(done);
    void done.finally(() => unfinished.delete(done));
    drainQueue();
    return done;
  }

  /** Claims what may be sent now and starts it; serialised so two pumps never overlap. */
  function pump(): Promise<{ started: number; finished: Promise<unknown> }> {
    const next = pumpChain.then(async () => {
      const room = batch - (queue.length + active);
      if (room <= 0 || platforms.length === 0) return { started: 0, finished: Promise.resolve() };
      const at = now();
      const rows = await claimDue(db, { now: at, limit: room, leaseMs, platforms, excludeChannels: pacer.blocked(at.getTime()) });
      // Mark the channels busy at once, so the next pump does not take a second row for them.
      for (const row of rows) pacer.begin(channelOf(row), at.getTime());
      return { started: rows.length, finished: Promise.all(rows.map(launch)) };
    });
    pumpChain = next.catch(() => undefined);
    return next;
  }

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (kicked) {
        kicked = false;
        resolve();
        return;
      }
      const done = () => {
        clearTimeout(timer);
        wake = undefined;
        kicked = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      wake = done;
    });
  }

  async function loop(): Promise<void> {
    while (running) {
      try {
        await pump();
      } catch (err) {
        // Usually the database is unreachable: say so once per poll, with the SQLSTATE at most.
        logger.warn('outbox_poll_failed', { error: pgErrorCode(err) ?? (err instanceof Error ? err.name : 'unknown') });
      }
      if (!running) break;
      const t = now().getTime();
      const opening = pacer.nextOpening(t);
      await sleep(Math.max(1, Math.min(pollMs, opening === undefined ? pollMs : opening - t)));
    }
  }

  return {
    start() {
      if (running) return;
      running = true;
      loopDone = loop();
    },
    async stop() {
      running = false;
      clearTimeout(kickTimer);
      kickTimer = undefined;
      wakeUp();
      await loopDone;
      loopDone = undefined;
      kicked = false;
      await Promise.all([...unfinished]);
    },
    kick() {
      // Kicks within KICK_COALESCE_MS share one pump: at 50 changes a second, a pump per change
      // was 50 outbox queries a second, mostly finding channels still paced.
      if (!running || kickTimer) return;
      kickTimer = setTimeout(() => {
        kickTimer = undefined;
        wakeUp();
      }, KICK_COALESCE_MS);
    },
    async drainOnce() {
      const { started, finished } = await pump();
      await finished;
      return started;
    },
  };
}
