/**
 * Changing an action: read, decide (the caller's pure decision), then write the change with its
 * audit event and channel post. Two paths, chosen by the decision:
 *
 * - Optimistic, one statement (claims, releases, closes, hand-offs and notes): the change and its
 *   audit event are written in one statement guarded by the version read. When fifty people claim
 *   at once, one write lands and the others re-read, decide again, and are told who holds it.
 * - Locked transaction (a decision with effects: a waiver, an escalation): the action row is
 *   locked, the decision made again under the lock, and the change, its effects and every audit
 *   event written in one transaction. These are rare next to claims and closes.
 */
import { sql } from 'drizzle-orm';
import type { ActionChange, ChangeContext, ChangeEffect, ChangeResult, DecideChange } from '../app/ports.js';
import { appendAudit } from '../audit/append.js';
import type { Database, Transaction } from '../db/database.js';
import { actionRef } from '../domain/actions/kinds.js';
import type { ActionRecord, CreatedAction } from '../domain/actions/records.js';
import { auditDiff, loadAction, lockAction, updateAction, updateActionAudited } from '../workflow/action-store.js';
import { actionPostInsert, queueActionPosts } from '../workflow/channel-posts.js';
import { createActions } from '../workflow/create-actions.js';

/** How many times a change is re-read and re-decided when someone else changed the action first. */
const OPTIMISTIC_ATTEMPTS = 5;

/** Thrown inside the transaction to roll it back when a locked row was nevertheless changed. */
class ActionChanged extends Error {}

function applied(action: ActionRecord, change: ActionChange, created: CreatedAction[]): ChangeResult {
  const changed = Object.keys(change.patch).length > 0;
  return { status: 'applied', action: { ...action, ...change.patch, version: changed ? action.version + 1 : action.version } as ActionRecord, auditVerb: change.auditVerb, created };
}

/** Writes a decision's follow-on effects inside the action's transaction; returns the actions it opened. */
async function applyEffects(tx: Transaction, effects: ChangeEffect[], context: ChangeContext): Promise<CreatedAction[]> {
  const created: CreatedAction[] = [];
  for (const effect of effects) {
    if (effect.kind === 'waiver') {
      await tx.execute(sql`INSERT INTO waivers (patient_id, drug, test, reason, waived_until, created_by)
        VALUES (${effect.patientId}::uuid, ${effect.drug}, ${effect.test}, ${effect.reason}, ${effect.until}::date, ${effect.createdBy})`);
      await appendAudit(tx, context.actor, effect.audit, context.now);
    } else {
      // One live escalation per cause: a second escalate for the same role opens nothing.
      created.push(...await createActions(tx, [effect.spec], context.actor, context.now));
    }
  }
  return created;
}

function changeWithEffects(db: Database, id: number, decide: DecideChange, context: ChangeContext): Promise<ChangeResult> {
  const ref = actionRef(id);
  return db.transaction(async (tx): Promise<ChangeResult> => {
    const action = await lockAction(tx, id);
    if (!action) return { status: 'not_found' };
    const decision = decide(action);
    if (!decision.ok) return { status: 'refused', failure: decision };
    const change = decision.value;
    if (Object.keys(change.patch).length > 0 && !await updateAction(tx, action, change.patch, context.now)) throw new ActionChanged();
    const created = await applyEffects(tx, change.effects, context);
    const { before, after } = auditDiff(action, change.patch);
    if (created.length) after.escalations = created.map((c) => actionRef(c.id));
    // The team sees the change, and any escalation it opened, on a card in the channel.
    if (context.postTo) await queueActionPosts(tx, context.postTo, [action.id, ...created.map((c) => c.id)], context.actor.correlationId);
    // The action's own event is appended last: the chain head's lock is held until commit.
    await appendAudit(tx, context.actor, { verb: change.auditVerb, entityType: 'action', entityId: ref, patientRef: action.patientRef, before, after, reason: change.reason }, context.now);
    return applied(action, change, created);
  }).catch((err: unknown): ChangeResult => {
    if (err instanceof ActionChanged) return { status: 'conflict' };
    throw err;
  });
}

export async function changeAction(db: Database, id: number, decide: DecideChange, context: ChangeContext): Promise<ChangeResult> {
  const ref = actionRef(id);
  for (let attempt = 0; attempt < OPTIMISTIC_ATTEMPTS; attempt++) {
    const action = attempt === 0 && context.firstRead ? await context.firstRead : await loadAction(db, id);
    if (!action) return { status: 'not_found' };
    const decision = decide(action);
    if (!decision.ok) return { status: 'refused', failure: decision };
    const change = decision.value;
    if (change.effects.length > 0) return changeWithEffects(db, id, decide, context);
    const { before, after } = auditDiff(action, change.patch);
    const record = { verb: change.auditVerb, entityType: 'action', entityId: ref, patientRef: action.patientRef, before, after, reason: change.reason };
    if (Object.keys(change.patch).length === 0) {
      await appendAudit(db, context.actor, record, context.now);
      return applied(action, change, []);
    }
    const post = context.postTo ? actionPostInsert(context.postTo, id, context.actor.correlationId, 'changed') : undefined;
    if (await updateActionAudited(db, action, change.patch, context.now, context.actor, record, post)) return applied(action, change, []);
  }
  return { status: 'conflict' };
}
