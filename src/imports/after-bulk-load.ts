/**
 * Housekeeping after a bulk import, shared by both importers.
 *
 * Planner statistics: the triggers' set-wise merges are planned from statistics, and on
 * never-analysed tables they can scan a whole table per batch (6k instead of 25k events/s).
 * Database-wide, so that tables filled by triggers are included; tables this role does not own
 * are skipped with a notice, not an error.
 *
 * patient_state is rewritten by every batch (each changed patient's row gets a new version), so a
 * large import leaves it mostly dead tuples. Vacuuming it here keeps due lists fast straight after
 * the import instead of whenever autovacuum gets round to it, and stops autovacuum starting in
 * the middle of the next due list.
 *
 * JavaScript heap: a bulk import leaves V8's heap limit set by its plan, so the sync that follows
 * would grow the heap to several times what it holds before V8 collects (collect-garbage.ts).
 * Callers drop the checked file's plan before calling this, so the collection here frees it.
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { collectGarbage } from './collect-garbage.js';

/** Imports writing fewer rows than this leave housekeeping to autovacuum. */
export const BULK_LOAD_ROWS = 10_000;

export async function afterBulkLoad(db: Database, rowsWritten: number, threshold = BULK_LOAD_ROWS): Promise<void> {
  if (rowsWritten < threshold) return;
  await db.execute(sql`VACUUM (ANALYZE) patient_state`);
  await db.execute(sql`ANALYZE`);
  collectGarbage();
}
