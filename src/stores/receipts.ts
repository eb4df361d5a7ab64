/**
 * Delivery receipts: the first request with a platform delivery key claims it and stores its
 * reply on the row, so a retried delivery gets that reply back instead of running again.
 */
import { sql } from 'drizzle-orm';
import type { CoreResponse, ReceiptClaim, ReceiptStore } from '../app/ports.js';
import { rowsOf } from '../db/client.js';
import type { Database } from '../db/database.js';
import { claimKeyReadingAction } from '../workflow/action-store.js';

export function sqlReceipts(db: Database): ReceiptStore {
  /** A repeat delivery: the first one's saved response (null while it runs). */
  async function repeat(key: string): Promise<ReceiptClaim> {
    const [row] = rowsOf<{ response: unknown }>(await db.execute(sql`SELECT response FROM request_receipts WHERE delivery_key = ${key}`));
    // A driver returning jsonb as text still works.
    const stored = typeof row?.response === 'string' ? JSON.parse(row.response) as CoreResponse : (row?.response as CoreResponse | null) ?? null;
    return { first: false, response: stored };
  }
  return {
    async claim(key: string): Promise<ReceiptClaim> {
      const inserted = rowsOf(await db.execute(sql`INSERT INTO request_receipts (delivery_key) VALUES (${key})
        ON CONFLICT (delivery_key) DO NOTHING RETURNING delivery_key`));
      return inserted.length === 1 ? { first: true } : repeat(key);
    },
    async claimReadingAction(key: string, actionId: number) {
      const { inserted, action } = await claimKeyReadingAction(db, key, actionId);
      return { claim: inserted ? { first: true } as const : await repeat(key), action };
    },
    async save(key: string, response: CoreResponse): Promise<void> {
      await db.execute(sql`UPDATE request_receipts SET response = ${JSON.stringify(response)}::jsonb WHERE delivery_key = ${key}`);
    },
    async forget(key: string): Promise<void> {
      await db.execute(sql`DELETE FROM request_receipts WHERE delivery_key = ${key}`);
    },
  };
}
