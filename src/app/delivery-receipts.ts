/**
 * De-duplicating platform deliveries around the receipt store, without making every reply wait
 * for a second database write.
 *
 * The first delivery of a key claims it in the database (so a retry reaching another instance is
 * not run again). Its reply is remembered in this process at once and written to the receipt row
 * in the background: the person's reply no longer waits for that write. A retry in this process
 * gets the remembered reply; a retry elsewhere gets it from the row once written, and until then
 * the "already being handled" answer it got before this change while the first run was going.
 * A failed background write costs only that: it is logged by error code, never with the reply
 * (which may name a patient).
 */
import type { Logger } from '../logging/logger.js';
import type { ActionRecord } from '../domain/actions/records.js';
import type { ReceiptClaim, ReceiptStore } from './ports.js';
import type { CoreResponse } from './request.js';

/** Platforms retry within minutes (Slack three times in about five minutes; Bot Framework sooner). */
const REMEMBER_MS = 10 * 60_000;
const REMEMBER_MAX = 2_000;

export interface DeliveryReceipts {
  claim(key: string): Promise<ReceiptClaim>;
  /**
   * Claims the key and starts reading the action the request changes: in one round trip when the
   * store can, else the two side by side (`read` alone). A reply remembered in this process
   * answers without either (the action is then not read: the request is a repeat).
   */
  claimReading(key: string, actionId: number, read: (id: number) => Promise<ActionRecord | null>):
    { claim: Promise<ReceiptClaim>; action: Promise<ActionRecord | null> };
  /** Remembers the first reply now; writes it to the receipt row in the background. */
  remember(key: string, response: CoreResponse): void;
  forget(key: string): Promise<void>;
  /** Waits for the background writes still in flight (before the database is closed). */
  settle(): Promise<void>;
}

export function deliveryReceipts(store: ReceiptStore, logger: Logger, clock: () => number): DeliveryReceipts {
  const recent = new Map<string, { response: CoreResponse; until: number }>();
  const writing = new Set<Promise<void>>();

  function recalled(key: string): CoreResponse | null {
    const hit = recent.get(key);
    if (!hit) return null;
    if (hit.until > clock()) return hit.response;
    recent.delete(key);
    return null;
  }

  return {
    async claim(key) {
      const response = recalled(key);
      if (response) return { first: false, response };
      return store.claim(key);
    },
    claimReading(key, actionId, read) {
      const response = recalled(key);
      if (response) return { claim: Promise.resolve({ first: false, response }), action: Promise.resolve(null) };
      if (!store.claimReadingAction) return { claim: store.claim(key), action: read(actionId) };
      const both = store.claimReadingAction(key, actionId);
      return { claim: both.then((b) => b.claim), action: both.then((b) => b.action) };
    },
    remember(key, response) {
      // Oldest first: a Map keeps insertion order, so the first key is the one to drop.
      if (recent.size >= REMEMBER_MAX) recent.delete(recent.keys().next().value!);
      recent.set(key, { response, until: clock() + REMEMBER_MS });
      const write = store.save(key, response).catch((err: unknown) => {
        logger.warn('receipt_save_failed', { error: errorCode(err) });
      }).finally(() => writing.delete(write));
      writing.add(write);
    },
    async forget(key) {
      recent.delete(key);
      await store.forget(key);
    },
    async settle() {
      while (writing.size > 0) await Promise.all([...writing]);
    },
  };
}

/**
 * The SQLSTATE (or errno code) behind an error, looking through wrappers' `cause`, else the
 * error's name: never its message, which may carry the values written.
 */
function errorCode(err: unknown): string {
  for (let current = err, depth = 0; current && typeof current === 'object' && depth < 4; depth++) {
    if ('code' in current && typeof current.code === 'string') return current.code;
    current = (current as { cause?: unknown }).cause;
  }
  return err instanceof Error ? err.name : 'unknown';
}
