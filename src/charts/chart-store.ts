/**
 * Charts kept for the service to serve at `/charts/<token>.png` (Teams fetches a card's image by
 * URL) and for the Slack deliverer to upload. The token is 128 random bits: the URL is the only
 * key, so it must not be guessable; a chart shows team figures, never a patient. Rows expire
 * (35 days by default: a monthly summary's month plus a few days of people scrolling back).
 */
import crypto from 'node:crypto';
import { sql } from 'drizzle-orm';
import { rowsOf } from '../db/client.js';
import type { Queryable } from '../db/database.js';

export const CHART_TTL_DAYS = 35;

/** 16 random bytes as base64url: 22 characters of [A-Za-z0-9_-]. */
const TOKEN = /^[A-Za-z0-9_-]{22}$/;

export interface StoredChart {
  png: Uint8Array;
  width: number;
  height: number;
}

export async function storeChart(db: Queryable, chart: StoredChart, now: Date, ttlDays = CHART_TTL_DAYS): Promise<string> {
  const token = crypto.randomBytes(16).toString('base64url');
  const expires = new Date(now.getTime() + ttlDays * 86_400_000);
  await db.execute(sql`INSERT INTO chart_images (token, png_base64, width, height, created_at, expires_at)
    VALUES (${token}, ${Buffer.from(chart.png).toString('base64')}, ${chart.width}, ${chart.height},
      ${now.toISOString()}::timestamptz, ${expires.toISOString()}::timestamptz)`);
  return token;
}

/** The chart, or null when the token is malformed, unknown or expired. */
export async function loadChart(db: Queryable, token: string, now: Date): Promise<StoredChart | null> {
  if (!TOKEN.test(token)) return null;
  const [row] = rowsOf<{ png_base64: string; width: number; height: number }>(await db.execute(sql`SELECT png_base64, width, height
    FROM chart_images WHERE token = ${token} AND expires_at > ${now.toISOString()}::timestamptz`));
  if (!row) return null;
  return { png: new Uint8Array(Buffer.from(row.png_base64, 'base64')), width: Number(row.width), height: Number(row.height) };
}

/** Deletes expired charts; returns how many. */
export async function deleteExpiredCharts(db: Queryable, now: Date): Promise<number> {
  const rows = rowsOf<{ token: string }>(await db.execute(sql`DELETE FROM chart_images WHERE expires_at <= ${now.toISOString()}::timestamptz RETURNING token`));
  return rows.length;
}
