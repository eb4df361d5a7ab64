/**
 * What one database round trip costs on this machine, hot and after an idle gap: the same prepared
 * one-row SELECT sent back to back, then one every 20 ms (about how often a claim's connection is
 * used at 50 claims/s). After a gap the statement waits for a sleeping PostgreSQL backend and, on
 * a virtual machine, a halted CPU to wake; that wait, not the statement, is most of a claim's
 * database time at this rate. Printed by bench/teams.ts beside the invoke figures.
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../src/db/database.js';
import { latency, type Latency } from './support.js';

async function timed(db: Database, count: number, gapMs: number): Promise<Latency> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    if (gapMs > 0) await new Promise((resolve) => setTimeout(resolve, gapMs));
    const started = performance.now();
    await db.execute(sql`SELECT ${i}::int AS n`);
    samples.push(performance.now() - started);
  }
  return latency(samples, 1);
}

export async function roundTrips(db: Database): Promise<{ backToBack: Latency; afterGap: Latency }> {
  await timed(db, 100, 0);
  return { backToBack: await timed(db, 2_000, 0), afterGap: await timed(db, 250, 20) };
}
