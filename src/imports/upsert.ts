/**
 * The register import's write step, shared by its patient, prescription and responsibility
 * tables: compare planned rows with stored ones by natural key, then insert the new and update
 * the changed in batches. Identical rows are not touched, so a re-import leaves `updated_at` put.
 */
import { sql } from 'drizzle-orm';
import type { UpsertCounts } from './problems.js';

/** Writes items in statements of at most the import's batch size, counting progress. */
export type Batches = <T>(items: T[], write: (batch: T[]) => Promise<unknown>) => Promise<void>;

/** An array as one bound parameter (cast in SQL by the caller). */
export const param = (values: unknown[]) => sql.param(values);

export async function upsert<P, S extends { id: string }>(
  planned: Iterable<P>, stored: ReadonlyMap<string, S>, keyOf: (x: P) => string, changed: (s: S, x: P) => boolean,
  batches: Batches, insert: (batch: P[]) => Promise<unknown>, update: (batch: Array<P & { id: string }>) => Promise<unknown>,
): Promise<UpsertCounts> {
  const fresh: P[] = [];
  const altered: Array<P & { id: string }> = [];
  let unchanged = 0;
  for (const x of planned) {
    const s = stored.get(keyOf(x));
    if (s === undefined) fresh.push(x);
    else if (changed(s, x)) altered.push({ ...x, id: s.id });
    else unchanged += 1;
  }
  await batches(fresh, insert);
  await batches(altered, update);
  return { inserted: fresh.length, updated: altered.length, unchanged };
}
