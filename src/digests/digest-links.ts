/**
 * What a posted daily digest is linked to (message_actions), so the trigger on `actions` queues
 * its update when one of them changes and the digest re-renders through the day.
 *
 * It is linked to every live action of its team when it is delivered, not only to the items it
 * lists: its headline counts every one of them, and an item beyond the list's limit moves into it
 * when one above is closed. The previous digest posts in the same channel are unlinked at the
 * same moment, so a long-standing action re-renders today's digest only, and the links stay
 * bounded (one digest's worth per channel) however long the service runs. Weekly and monthly
 * digests are figures over a finished period and are not re-rendered.
 */
import { sql } from 'drizzle-orm';
import type { Queryable } from '../db/database.js';

export interface PostedMessage {
  /** The `messages` row just written. */
  messageRowId: number;
  platform: string;
  tenant: string;
  channelId: string;
}

/**
 * Call in the transaction that records the delivery of a post whose subject is `{kind: 'digest', runId}`.
 * The first daily digest delivered for a team also ends its onboarding (`teams.first_digest_at`):
 * from then on the sync and the sweeps escalate its work.
 */
export async function linkDigestMessage(tx: Queryable, message: PostedMessage, runId: number, deliveredAt: Date): Promise<void> {
  await tx.execute(sql`UPDATE teams SET first_digest_at = ${deliveredAt.toISOString()}::timestamptz
    WHERE first_digest_at IS NULL AND id = (SELECT team_id FROM digest_runs WHERE id = ${runId} AND kind = 'daily')`);
  await tx.execute(sql`WITH run AS (SELECT team_id FROM digest_runs WHERE id = ${runId} AND kind = 'daily'),
    earlier AS (
      DELETE FROM message_actions ma USING messages m
      WHERE EXISTS (SELECT 1 FROM run) AND ma.message_row_id = m.id AND m.id < ${message.messageRowId}
        AND m.platform = ${message.platform} AND m.tenant = ${message.tenant} AND m.channel_id = ${message.channelId}
        AND m.subject ->> 'kind' = 'digest'
      RETURNING 1)
    INSERT INTO message_actions (message_row_id, action_id)
    SELECT ${message.messageRowId}, a.id FROM run JOIN actions a ON a.team_id = run.team_id AND a.status IN ('open', 'claimed')
    ON CONFLICT DO NOTHING`);
}
