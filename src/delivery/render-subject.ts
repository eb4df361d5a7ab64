/**
 * What an outbox row shows, rendered when it is sent rather than when it was queued: a card that
 * waited out a rate limit or an outage still shows the action as it stands now.
 */
import { sql } from 'drizzle-orm';
import { rowsOf } from '../db/client.js';
import type { Queryable } from '../db/database.js';
import { jsonValue } from '../db/values.js';
import { actionCard } from '../views/action-views.js';
import type { MessageView } from '../views/model.js';
import { loadAction } from '../workflow/action-store.js';
import type { OutboxRow } from './outbox-store.js';

async function renderSubject(db: Queryable, subject: Record<string, unknown> | null, now: Date): Promise<MessageView | null> {
  if (subject?.kind !== 'action' || typeof subject.actionId !== 'number') return null;
  const action = await loadAction(db, subject.actionId);
  if (!action) return null;
  return { ...actionCard(action, now), subject: { kind: 'action', actionId: action.id } };
}

/**
 * The view to send for a row, or null when there is nothing to show: the subject's action no
 * longer exists, the subject is of a kind this version cannot render, or an update was queued for
 * a message that is not re-rendered (a notice). The worker dead-letters such a row (code
 * `nothing_to_render`) rather than dropping it, so it stays visible in `closedloop outbox --failed`.
 *
 * A post with a subject is always re-rendered (its frozen view, if any, is not used as a
 * fallback: an old copy of an action's state is exactly what the outbox must not post). A post
 * without one sends its frozen view. An update re-renders the subject of the posted message.
 */
export async function renderForDelivery(db: Queryable, row: OutboxRow, now: Date): Promise<MessageView | null> {
  if (row.kind === 'post') return row.subject ? renderSubject(db, row.subject, now) : row.view;
  if (row.messageRowId === null) return null;
  const [message] = rowsOf<{ subject: unknown }>(await db.execute(sql`SELECT subject FROM messages WHERE id = ${row.messageRowId}`));
  return message ? renderSubject(db, jsonValue<Record<string, unknown>>(message.subject), now) : null;
}
