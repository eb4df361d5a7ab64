/**
 * What a rendered view needs from the database just before it is sent, for the platform it goes
 * to. Views are built platform-neutral (a mention names a member of staff; an image names a stored
 * chart by token), so the worker resolves them here, between rendering and delivering:
 *
 * - Mentions: each person's account on this row's platform and tenant (platform_identities), in
 *   one query. Someone with no linked account there keeps no `userId` and is shown by name, so a
 *   red result still names the duty pharmacist even if nobody can be notified.
 * - Image: the chart's PNG from `chart_images`, attached in memory for platforms that upload it
 *   (Slack). The bytes are never written back into the outbox row. A chart that has expired or is
 *   missing is dropped and its alt text kept as a text block, so the post still says what the chart
 *   showed rather than pointing at an image that will not load.
 *
 * The chart route (`GET /charts/<token>.png`, src/server/http.ts) reads the same table through
 * `findChartImage` (src/charts/chart-store.ts), so what is posted and what is served agree on what
 * "expired" means.
 */
import { sql } from 'drizzle-orm';
import { rowsOf } from '../db/client.js';
import type { Queryable } from '../db/database.js';
import type { MessageView, ViewMention } from '../views/model.js';
import { chartImageUrl, findChartImage } from '../charts/chart-store.js';
import type { OutboxRow } from './outbox-store.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Each mention's account on `platform` in `tenant` (the newest link if a person has several), in
 * one query. Any `userId` the view already carried is replaced: a frozen view may have been
 * resolved for another platform.
 */
async function resolveMentions(db: Queryable, row: OutboxRow, mentions: ViewMention[]): Promise<ViewMention[]> {
  const ids = [...new Set(mentions.map((m) => m.staffId).filter((id) => UUID.test(id)))];
  const accounts = new Map<string, string>();
  if (ids.length > 0) {
    const rows = rowsOf<{ staff_id: string; external_id: string }>(await db.execute(sql`
      SELECT DISTINCT ON (staff_id) staff_id, external_id FROM platform_identities
      WHERE platform = ${row.platform} AND tenant = ${row.tenant} AND staff_id = ANY(${`{${ids.join(',')}}`}::uuid[])
      ORDER BY staff_id, created_at DESC`));
    for (const r of rows) accounts.set(String(r.staff_id).toLowerCase(), r.external_id);
  }
  return mentions.map(({ staffId, name }) => {
    const userId = accounts.get(staffId.toLowerCase());
    return userId ? { staffId, name, userId } : { staffId, name };
  });
}

export interface PrepareOptions {
  /**
   * PUBLIC_BASE_URL: when set, a chart without a `url` is given its address on this service
   * (Teams fetches card images by URL). Unset: the adapters say the chart cannot be shown there.
   */
  publicBaseUrl?: string;
}

/**
 * The view as it should be sent for `row`: mentions resolved for the row's platform and tenant,
 * the chart's PNG attached to a post (an update is never re-uploaded, so it needs no bytes), or
 * the chart replaced by its alt text when it can no longer be shown.
 */
export async function prepareViewForDelivery(db: Queryable, row: OutboxRow, view: MessageView, now: Date, options: PrepareOptions = {}): Promise<MessageView> {
  let prepared = view;
  if (view.mentions?.length) prepared = { ...prepared, mentions: await resolveMentions(db, row, view.mentions) };
  const image = view.image;
  if (image) {
    const chart = await findChartImage(db, image.token, now, { withPng: row.kind === 'post' });
    if (!chart) {
      const { image: _dropped, ...rest } = prepared;
      prepared = image.alt.trim() ? { ...rest, blocks: [...rest.blocks, { kind: 'text', text: image.alt }] } : rest;
    } else {
      const url = image.url ?? (options.publicBaseUrl ? chartImageUrl(options.publicBaseUrl, chart.token) : undefined);
      const { png: _stale, ...described } = image;
      prepared = { ...prepared, image: { ...described, ...(url ? { url } : {}), ...(chart.png ? { png: chart.png } : {}) } };
    }
  }
  return prepared;
}
