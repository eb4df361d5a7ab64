/**
 * Delivery receipts around the receipt store: the first reply is remembered at once and written
 * in the background, so a retry in this process gets it back without waiting for that write, and
 * a failed write is logged by code only (the reply may name a patient).
 */
import { describe, expect, it } from 'vitest';
import { deliveryReceipts } from '../../src/app/delivery-receipts.js';
import type { ReceiptClaim, ReceiptStore } from '../../src/app/ports.js';
import type { CoreResponse } from '../../src/app/request.js';
import type { ActionRecord } from '../../src/domain/actions/records.js';
import { createLogger } from '../../src/logging/logger.js';

const reply = (text: string): CoreResponse => ({ ok: true, effects: [{ type: 'reply', view: { title: 'Claimed', fallbackText: text, blocks: [] } as never }] });

/** A receipt store in memory whose saves can be held back or made to fail. */
function heldStore() {
  const rows = new Map<string, CoreResponse | null>();
  const calls: string[] = [];
  let release: () => void = () => {};
  let held: Promise<void> | null = null;
  let failWith: Error | null = null;
  const store: ReceiptStore = {
    async claim(key): Promise<ReceiptClaim> {
      calls.push(`claim ${key}`);
      if (rows.has(key)) return { first: false, response: rows.get(key) ?? null };
      rows.set(key, null);
      return { first: true };
    },
    async save(key, response) {
      calls.push(`save ${key}`);
      if (held) await held;
      if (failWith) throw failWith;
      rows.set(key, response);
    },
    async forget(key) {
      calls.push(`forget ${key}`);
      rows.delete(key);
    },
  };
  return {
    store, rows, calls,
    hold() { held = new Promise((resolve) => { release = resolve; }); },
    release() { held = null; release(); },
    failWith(err: Error) { failWith = err; },
  };
}

function capturedLogger() {
  const lines: string[] = [];
  return { logger: createLogger('info', (line) => lines.push(line)), lines };
}

describe('deliveryReceipts', () => {
  it('answers a retry in this process with the first reply while its write is still in flight', async () => {
    const fake = heldStore();
    const { logger } = capturedLogger();
    const receipts = deliveryReceipts(fake.store, logger, () => 0);
    expect(await receipts.claim('slack:T1:abc')).toEqual({ first: true });
    fake.hold();
    receipts.remember('slack:T1:abc', reply('A-1042 claimed by you'));
    expect(fake.rows.get('slack:T1:abc')).toBeNull();

    const again = await receipts.claim('slack:T1:abc');
    expect(again).toEqual({ first: false, response: reply('A-1042 claimed by you') });
    expect(fake.calls.filter((c) => c.startsWith('claim'))).toHaveLength(1);

    fake.release();
    await receipts.settle();
    expect(fake.rows.get('slack:T1:abc')).toEqual(reply('A-1042 claimed by you'));
  });

  it('falls back to the store once the remembered reply has expired (another instance sees the row)', async () => {
    const fake = heldStore();
    let clock = 0;
    const receipts = deliveryReceipts(fake.store, capturedLogger().logger, () => clock);
    await receipts.claim('teams:T:1');
    receipts.remember('teams:T:1', reply('done'));
    await receipts.settle();
    clock = 11 * 60_000;
    expect(await receipts.claim('teams:T:1')).toEqual({ first: false, response: reply('done') });
    expect(fake.calls.filter((c) => c === 'claim teams:T:1')).toHaveLength(2);
  });

  it('logs a failed background write by its code, never the reply it carried', async () => {
    const fake = heldStore();
    const { logger, lines } = capturedLogger();
    const receipts = deliveryReceipts(fake.store, logger, () => 0);
    await receipts.claim('slack:T1:xyz');
    fake.failWith(Object.assign(new Error('Failed query: UPDATE … params: DEMO-002,lithium 1.7'), { cause: { code: '57P01' } }));
    receipts.remember('slack:T1:xyz', reply('DEMO-002 lithium 1.7 mmol/L recorded'));
    await receipts.settle();

    const logged = lines.join('\n');
    expect(logged).toContain('receipt_save_failed');
    expect(logged).toContain('57P01');
    expect(logged).not.toContain('DEMO-002');
    expect(logged).not.toContain('1.7');
    // The reply is still remembered here: a retry in this process is answered from memory.
    expect(await receipts.claim('slack:T1:xyz')).toEqual({ first: false, response: reply('DEMO-002 lithium 1.7 mmol/L recorded') });
  });

  it('forgets a key so a retry of a failed request runs again', async () => {
    const fake = heldStore();
    const receipts = deliveryReceipts(fake.store, capturedLogger().logger, () => 0);
    await receipts.claim('k');
    fake.hold();
    receipts.remember('k', reply('first'));
    await receipts.forget('k');
    // Neither memory nor the row answers for it now: the retry is first again.
    expect(await receipts.claim('k')).toEqual({ first: true });
    fake.release();
    await receipts.settle();
  });

  it('claims and reads a pressed action in one store call when the store can, else side by side, and not at all for a remembered repeat', async () => {
    const action = { id: 1042 } as ActionRecord;
    const reads: number[] = [];
    const read = async (id: number) => { reads.push(id); return action; };

    const plain = heldStore();
    const sideBySide = deliveryReceipts(plain.store, capturedLogger().logger, () => 0).claimReading('teams:T:p1', 1042, read);
    expect(await sideBySide.claim).toEqual({ first: true });
    expect(await sideBySide.action).toBe(action);
    expect(reads).toEqual([1042]);

    const combined = heldStore();
    const both: string[] = [];
    combined.store.claimReadingAction = async (key, actionId) => { both.push(`${key} ${actionId}`); return { claim: await combined.store.claim(key), action }; };
    const receipts = deliveryReceipts(combined.store, capturedLogger().logger, () => 0);
    const once = receipts.claimReading('teams:T:p2', 1042, read);
    expect(await once.claim).toEqual({ first: true });
    expect(await once.action).toBe(action);
    expect(both).toEqual(['teams:T:p2 1042']);
    expect(reads).toEqual([1042]);

    receipts.remember('teams:T:p2', reply('A-1042 claimed by you'));
    const repeat = receipts.claimReading('teams:T:p2', 1042, read);
    expect(await repeat.claim).toEqual({ first: false, response: reply('A-1042 claimed by you') });
    expect(await repeat.action).toBeNull();
    expect(both).toHaveLength(1);
    await receipts.settle();
  });
});
