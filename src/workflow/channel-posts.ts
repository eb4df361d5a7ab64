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
