/**
 * What an outbox row shows, rendered when it is sent rather than when it was queued: a card that
 * waited out a rate limit or an outage still shows the action as it stands now, and a digest the
 * register as it stands now.
 */
import { sql } from 'drizzle-orm';
import { rowsOf } from '../db/client.js';
import type { Queryable } from '../db/database.js';
import { jsonValue } from '../db/values.js';
import { renderDigestRun, type DigestRenderOptions } from '../digests/render-digest.js';
import { dutyPharmacists, loadDigestTeam, teamMembersWithRole } from '../digests/team-data.js';
import type { ActionRecord } from '../domain/actions/records.js';
import { actionCard } from '../views/action-views.js';
import type { MessageView, ViewMention } from '../views/model.js';
import { loadAction } from '../workflow/action-store.js';
import type { OutboxRow } from './outbox-store.js';

/** What rendering needs beyond the database: the rule set (digests) and the public address (charts). */
export type RenderOptions = DigestRenderOptions;

/**
 * Who a newly posted card notifies (issue 9 §3 and §4), decided when it is sent, so nobody is
 * pinged about work someone took meanwhile: an unclaimed red result review mentions the team's
 * duty pharmacists; an escalation the sweep raised, still open, mentions the people of its role.
 */
async function mentionsFor(db: Queryable, action: ActionRecord): Promise<ViewMention[]> {
  if (action.status !== 'open') return [];
  if (action.kind === 'result_review' && action.priority === 'red') {
    const team = await loadDigestTeam(db, action.teamId);
    return team ? dutyPharmacists(db, team.id, team.settings) : [];
  }
  if (action.kind === 'escalation' && typeof action.cause.sweep === 'string' && action.assignedRole) {
    return teamMembersWithRole(db, action.teamId, action.assignedRole);
  }
  return [];
}

async function renderSubject(db: Queryable, subject: Record<string, unknown> | null, now: Date, options: RenderOptions,
  isPost: boolean): Promise<MessageView | null> {
  if (subject?.kind === 'digest' && typeof subject.runId === 'number') return renderDigestRun(db, subject.runId, now, options);
  if (subject?.kind !== 'action' || typeof subject.actionId !== 'number') return null;
  const action = await loadAction(db, subject.actionId);
  if (!action) return null;
  const card: MessageView = { ...actionCard(action, now), subject: { kind: 'action', actionId: action.id } };
  // Mentions notify, so only a new post carries them: an update re-rendering the card pings nobody again.
  const mentions = isPost ? await mentionsFor(db, action) : [];
  return mentions.length > 0 ? { ...card, mentions } : card;
}

/**
 * The view to send for a row, or null when there is nothing to show: the subject's action or
 * digest run no longer exists, the subject is of a kind this version cannot render, or an update
 * was queued for a message that is not re-rendered (a notice). The worker dead-letters such a row
 * (code `nothing_to_render`) rather than dropping it, so it stays visible in `closedloop outbox --failed`.
 *
 * A post with a subject is always re-rendered (its frozen view, if any, is not used as a
 * fallback: an old copy of an action's state is exactly what the outbox must not post). A post
 * without one sends its frozen view. An update re-renders the subject of the posted message.
 */
export async function renderForDelivery(db: Queryable, row: OutboxRow, now: Date, options: RenderOptions = {}): Promise<MessageView | null> {
  if (row.kind === 'post') return row.subject ? renderSubject(db, row.subject, now, options, true) : row.view;
  if (row.messageRowId === null) return null;
  const [message] = rowsOf<{ subject: unknown }>(await db.execute(sql`SELECT subject FROM messages WHERE id = ${row.messageRowId}`));
  return message ? renderSubject(db, jsonValue<Record<string, unknown>>(message.subject), now, options, false) : null;
}
