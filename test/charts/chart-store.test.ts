/**
 * Stored charts, on PGlite and PostgreSQL: a 128-bit random token per chart, the PNG back byte for
 * byte until it expires, and nothing for an expired, unknown or malformed token.
 */
import type { Queryable } from '../../src/db/database.js';
import { expect, it } from 'vitest';
import { deleteExpiredCharts, findChartImage, storeChart } from '../../src/charts/chart-store.js';
import { describeEachEngine } from '../support/databases.js';

/** A stored chart's PNG and size, or null (unknown, expired or malformed token). */
async function findPng(db: Queryable, token: string, now: Date): Promise<{ png: Uint8Array | undefined; width: number; height: number } | null> {
  const chart = await findChartImage(db, token, now, { withPng: true });
  return chart ? { png: chart.png, width: chart.width, height: chart.height } : null;
}

const NOW = new Date('2026-11-23T09:00:00Z');
const DAY = 86_400_000;
const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 1, 2, 255]);

describeEachEngine('chart store', (getDb) => {
  it('gives each chart its own unguessable token and returns the PNG until it expires after 35 days', async () => {
    const db = getDb();
    const token = await storeChart(db, { png, width: 800, height: 400 }, NOW);
    const other = await storeChart(db, { png, width: 800, height: 400 }, NOW);
    // 16 random bytes as base64url.
    expect(token).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(other).not.toBe(token);
    expect(await findPng(db, token, new Date(NOW.getTime() + 35 * DAY - 1))).toEqual({ png, width: 800, height: 400 });
    expect(await findPng(db, token, new Date(NOW.getTime() + 35 * DAY))).toBeNull();
  });

  it('keeps a chart for the days asked, and deletes expired ones', async () => {
    const db = getDb();
    const token = await storeChart(db, { png, width: 10, height: 5 }, NOW, 1);
    expect(await findPng(db, token, new Date(NOW.getTime() + DAY - 1))).not.toBeNull();
    expect(await deleteExpiredCharts(db, new Date(NOW.getTime() + DAY))).toBeGreaterThanOrEqual(1);
    expect(await findPng(db, token, NOW)).toBeNull();
  });

  it('finds nothing for an unknown or malformed token', async () => {
    expect(await findPng(getDb(), 'AAAAAAAAAAAAAAAAAAAAAA', NOW)).toBeNull();
    expect(await findPng(getDb(), "x' OR '1'='1", NOW)).toBeNull();
  });
});
