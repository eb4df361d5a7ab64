/**
 * What the PostgreSQL bench suites share: the admin URL, a check that the server is there (a
 * suite without it prints why and is skipped, so the rest of `npm run bench` still runs), a fresh
 * database per run (dropped afterwards), and latency statistics.
 */
import crypto from 'node:crypto';
import postgres from 'postgres';
import { openDatabase, type DatabaseHandle } from '../src/db/client.js';

export const adminUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://closedloop:closedloop@127.0.0.1:5432/closedloop_test';

/** host:port/database of a URL, never its password. */
export function where(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || 5432}${u.pathname}`;
}

/** null when PostgreSQL answers at adminUrl; otherwise why not (for the "skipped" line). */
export async function postgresUnavailable(): Promise<string | null> {
  const probe = postgres(adminUrl, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    await probe`select 1`;
    return null;
  } catch (err) {
    return `PostgreSQL is not reachable at ${where(adminUrl)} (${err instanceof Error ? err.message.replace(/postgres:\/\/\S+/g, '…') : String(err)})`;
  } finally {
    await probe.end({ timeout: 1 }).catch(() => {});
  }
}

export interface BenchDatabase extends DatabaseHandle {
  /** URL of the fresh database (password included: pass it to child processes, never print it). */
  url: string;
  /** Closes the connection and drops the database. */
  drop(): Promise<void>;
}

/** A fresh database, migrated through openDatabase() as the service does. */
export async function createBenchDatabase(prefix: string): Promise<BenchDatabase> {
  const name = `${prefix}_${crypto.randomBytes(4).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const handle = await openDatabase({ url: url.toString() });
  return {
    ...handle, url: url.toString(),
    async drop() {
      await handle.close();
      const cleanup = postgres(adminUrl, { max: 1, onnotice: () => {} });
      await cleanup.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await cleanup.end();
    },
  };
}

export interface Latency { count: number; p50: number; p99: number; max: number; perSecond: number }

export function latency(samples: number[], seconds: number): Latency {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  return { count: sorted.length, p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1] ?? NaN, perSecond: sorted.length / seconds };
}

export const ms = (n: number) => `${n.toFixed(n < 10 ? 1 : 0)} ms`;
export const perSecond = (n: number) => `${Math.round(n).toLocaleString('en-GB')} /s`;
export const verdict = (met: boolean) => (met ? 'PASS' : 'MISS');
