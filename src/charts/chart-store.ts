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
import { dateValue } from '../db/values.js';

export const CHART_TTL_DAYS = 35;

export async function storeChart(db: Queryable, chart: { png: Uint8Array; width: number; height: number }, now: Date, ttlDays = CHART_TTL_DAYS): Promise<string> {
  const token = crypto.randomBytes(16).toString('base64url');
  const expires = new Date(now.getTime() + ttlDays * 86_400_000);
  await db.execute(sql`INSERT INTO chart_images (token, png_base64, width, height, created_at, expires_at)
    VALUES (${token}, ${Buffer.from(chart.png).toString('base64')}, ${chart.width}, ${chart.height},
      ${now.toISOString()}::timestamptz, ${expires.toISOString()}::timestamptz)`);
  return token;
}

/** Where the service serves stored charts: `${PUBLIC_BASE_URL}/charts/<token>.png`. */
export const CHART_PATH_PREFIX = '/charts/';

/**
 * What a chart token may look like: 128 random bits as hex (32) or base64url (22), with room for
 * longer tokens. Anything else is refused before it reaches SQL, and served as an unknown chart.
 */
export const CHART_TOKEN_PATTERN = /^[A-Za-z0-9_-]{20,64}$/;

/** The public address of a stored chart, for platforms that fetch images by URL (Teams). */
export function chartImageUrl(publicBaseUrl: string, token: string): string {
  return `${publicBaseUrl.replace(/\/+$/, '')}${CHART_PATH_PREFIX}${encodeURIComponent(token)}.png`;
}

export interface StoredChart {
  token: string;
  width: number;
  height: number;
  expiresAt: Date;
  /** Only when asked for (`withPng`): the PNG bytes. */
  png?: Uint8Array;
}

/**
 * A chart that exists and has not expired at `now`, or null (unknown, expired or a malformed
 * token alike). An exact primary-key lookup: no pattern matching on tokens.
 */
export async function findChartImage(db: Queryable, token: string, now: Date, options: { withPng: boolean }): Promise<StoredChart | null> {
  if (!CHART_TOKEN_PATTERN.test(token)) return null;
  const png = options.withPng ? sql`png_base64` : sql`NULL::text`;
  const [row] = rowsOf<{ width: number | string; height: number | string; expires_at: unknown; png_base64: string | null }>(await db.execute(sql`
    SELECT width, height, expires_at, ${png} AS png_base64 FROM chart_images
    WHERE token = ${token} AND expires_at > ${now.toISOString()}::timestamptz`));
  if (!row) return null;
  return {
    token, width: Number(row.width), height: Number(row.height), expiresAt: dateValue(row.expires_at)!,
    ...(row.png_base64 === null ? {} : { png: new Uint8Array(Buffer.from(row.png_base64, 'base64')) }),
  };
}

/** Deletes expired charts; returns how many. */
export async function deleteExpiredCharts(db: Queryable, now: Date): Promise<number> {
  const rows = rowsOf<{ token: string }>(await db.execute(sql`DELETE FROM chart_images WHERE expires_at <= ${now.toISOString()}::timestamptz RETURNING token`));
  return rows.length;
}
