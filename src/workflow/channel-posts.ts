/**
 * Queuing an action's card for a channel, in the transaction of the change that calls for it.
 * One live card per action per channel: if a message there already shows the action (the
 * `actions` trigger queues its update) or a post of it is still waiting, nothing more is queued,
 * so claiming, then closing, an action updates one card instead of posting two.
 */
import { sql, type SQL } from 'drizzle-orm';
import { rowsOf } from '../db/client.js';
import type { Queryable } from '../db/database.js';

export interface ChannelTarget {
  platform: string;
  tenant: string;
  channelId: string;
}

/**
 * The INSERT that queues the post, as a statement fragment. `guardCte` names an earlier CTE of
 * the same statement that must have returned a row (the guarded change happened).
 */
export function actionPostInsert(target: ChannelTarget, actionId: number, correlationId: string, guardCte?: string): SQL {
  const subject = JSON.stringify({ kind: 'action', actionId });
  const guard = guardCte ? sql`AND EXISTS (SELECT 1 FROM ${sql.identifier(guardCte)})` : sql``;
  return sql`INSERT INTO outbox (platform, tenant, channel_id, kind, subject, correlation_id)
    SELECT ${target.platform}, ${target.tenant}, ${target.channelId}, 'post', ${subject}::jsonb, ${correlationId}
    WHERE TRUE ${guard}
      AND NOT EXISTS (SELECT 1 FROM message_actions ma JOIN messages m ON m.id = ma.message_row_id
        WHERE ma.action_id = ${actionId} AND m.platform = ${target.platform} AND m.tenant = ${target.tenant} AND m.channel_id = ${target.channelId})
      AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.kind = 'post' AND o.status IN ('pending', 'sending')
        AND o.platform = ${target.platform} AND o.tenant = ${target.tenant} AND o.channel_id = ${target.channelId} AND o.subject = ${subject}::jsonb)`;
}

/** Queues each action's card for the channel (inside the caller's transaction); returns the outbox ids queued. */
export async function queueActionPosts(tx: Queryable, target: ChannelTarget, actionIds: readonly number[], correlationId: string): Promise<number[]> {
  const ids: number[] = [];
  for (const actionId of actionIds) {
    const rows = rowsOf<{ id: number }>(await tx.execute(sql`${actionPostInsert(target, actionId, correlationId)} RETURNING id`));
    ids.push(...rows.map((r) => Number(r.id)));
  }
  return ids;
}

/**
 * Queues each action's card for every MDT channel of the action's team (inside the caller's
 * transaction), with the same one-live-card rule per channel: a red result is shown to the team
 * at once, wherever it came from (issue 9 §4). Managers' channels get digests, not cards, and a
 * console binding has nothing to deliver to. One statement for the whole batch, so a sync
 * raising many red results costs one round trip. Returns the outbox ids queued.
 */
export async function queueTeamChannelPosts(tx: Queryable, actionIds: readonly number[], correlationId: string): Promise<number[]> {
  if (actionIds.length === 0) return [];
  const rows = rowsOf<{ id: number | string }>(await tx.execute(sql`
    INSERT INTO outbox (platform, tenant, channel_id, kind, subject, correlation_id)
    SELECT t.platform, t.tenant, t.channel_id, 'post', t.subject, ${correlationId}
    FROM (
      SELECT c.platform, c.tenant, c.channel_id, a.id AS action_id, jsonb_build_object('kind', 'action', 'actionId', a.id) AS subject
      FROM actions a JOIN channels c ON c.team_id = a.team_id AND c.purpose = 'mdt' AND c.platform <> 'console'
      WHERE a.id = ANY(${sql.param([...actionIds])}::bigint[])
    ) t
    WHERE NOT EXISTS (SELECT 1 FROM message_actions ma JOIN messages m ON m.id = ma.message_row_id
        WHERE ma.action_id = t.action_id AND m.platform = t.platform AND m.tenant = t.tenant AND m.channel_id = t.channel_id)
      AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.kind = 'post' AND o.status IN ('pending', 'sending')
        AND o.platform = t.platform AND o.tenant = t.tenant AND o.channel_id = t.channel_id AND o.subject = t.subject)
    ORDER BY t.action_id, t.platform, t.tenant, t.channel_id
    RETURNING id`));
  return rows.map((r) => Number(r.id));
}
