/**
 * What the PostgreSQL bench suites share: the admin URL, a check that the server is there (a
 * suite without it prints why and is skipped, so the rest of `npm run bench` still runs), a fresh
 * database per run (dropped afterwards), and latency statistics.
 */
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
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

/**
 * The node options `npm start` gives the service (read from package.json), so the bench's servers
 * run as the service does: the young-generation size in particular sets how long each garbage
 * collection pauses every request in flight.
 */
export const SERVICE_NODE_OPTIONS: string[] = (JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: { start: string } })
  .scripts.start.split(/\s+/).filter((word) => word.startsWith('--'));

export const ms = (n: number) => `${n.toFixed(n < 10 ? 1 : 0)} ms`;
export const perSecond = (n: number) => `${Math.round(n).toLocaleString('en-GB')} /s`;
export const verdict = (met: boolean) => (met ? 'PASS' : 'MISS');

export interface PeopleRun {
  users: number;
  /** One continuous run: warm-up, then the measured seconds (not two runs, whose restart would be a burst). */
  warmupSeconds: number;
  seconds: number;
  /** Called when the measured part begins. */
  onMeasure?: () => void;
  /** Pace each person to one command per interval instead of one after another. */
  intervalMs?: number;
  /** After each answer, a person reads it for 0.5–1.5 × this before the next command. */
  thinkMs?: number;
}

/**
 * Simulated people, each sending commands until the time is up: `act` sends one and returns when
 * the person has their answer; `measured` is false during the warm-up. Returns the load
 * generator's own CPU use in the measured part (on two cores it is taken from the server).
 */
export async function runPeople(options: PeopleRun, act: (user: number, measured: boolean) => Promise<void>): Promise<{ loadGeneratorCpuPercent: number }> {
  const measureAt = performance.now() + options.warmupSeconds * 1000;
  const stopAt = measureAt + options.seconds * 1000;
  let cpuBefore = process.cpuUsage();
  const boundary = setTimeout(() => {
    cpuBefore = process.cpuUsage();
    options.onMeasure?.();
  }, options.warmupSeconds * 1000);
  await Promise.all(Array.from({ length: options.users }, async (_, user) => {
    // Paced loops start spread over one interval, as people do not all type at the same instant.
    let next = performance.now() + (options.intervalMs ? Math.random() * options.intervalMs : 0);
    for (;;) {
      if (options.intervalMs) await sleep(Math.max(0, next - performance.now()));
      if (performance.now() >= stopAt) break;
      next += options.intervalMs ?? 0;
      await act(user, performance.now() >= measureAt);
      if (options.thinkMs) await sleep(options.thinkMs * (0.5 + Math.random()));
    }
  }));
  clearTimeout(boundary);
  const cpu = process.cpuUsage(cpuBefore);
  return { loadGeneratorCpuPercent: (cpu.user + cpu.system) / (options.seconds * 10_000) };
}
