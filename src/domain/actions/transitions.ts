/**
 * The action state machine: a pure function of (action, command, actor, now) giving either the
 * change to make, the audit verb and any follow-on effects, or an error code with a message that
 * tells the person what to do instead.
 *
 *   open ──claim──▶ claimed ──release──▶ open
 *     │                │
 *     └────close───────┴──close──▶ closed        (cancelled: only by sync, when the cause has gone)
 *   handoff to a person: ▶ claimed by them; to a role: ▶ open for that role
 *   escalate and note change nothing here: escalate opens a new escalation action.
 */
import { addDays, addMonths, todayIn, zoneFormat, type IsoDate } from '../dates.js';
import { fail, ok, type Outcome } from '../outcome.js';
import { OUTCOMES, actionRef, outcomesFor, type ActionKind, type ActionStatus, type Priority, type ReasonableAdjustment, type Role } from './kinds.js';
import { CLINICAL_ROLES, TEAM_PERMISSIONS, WORK_ROLES, describeRoles, mayDecideClinically, mayInTeam, mayWork } from './permissions.js';

export interface ActionSnapshot {
  id: number;
  kind: ActionKind;
  status: ActionStatus;
  priority: Priority;
  teamId: string;
  assigneeId: string | null;
  assigneeName: string | null;
  assignedRole: Role | null;
  claimedAt: Date | null;
  version: number;
}

export interface Actor {
  staffId: string;
  name: string;
  roles: readonly Role[];
  teamIds: readonly string[];
}

export type HandoffTarget = { person: Actor } | { role: Role };

export type ActionCommand =
  | { verb: 'claim' }
  | { verb: 'release' }
  | { verb: 'close'; outcome: string; date?: IsoDate; note?: string; attempts?: number; adjustments?: ReasonableAdjustment[] }
  | { verb: 'handoff'; to: HandoffTarget; reason: string }
  | { verb: 'escalate'; reason: string }
  | { verb: 'note'; text: string };

export type ActionVerb = ActionCommand['verb'];

/** Changes to the action row; absent fields are unchanged. */
export interface ActionPatch {
  status?: ActionStatus;
  assigneeId?: string | null;
  assigneeName?: string | null;
  assignedRole?: Role | null;
  claimedAt?: Date | null;
  closedAt?: Date | null;
  outcome?: string;
  outcomeDetail?: Record<string, unknown>;
}

export type Effect =
  | { kind: 'create_waiver'; until: IsoDate; reason: string }
  | { kind: 'open_escalation'; role: Role; reason: string };

export interface Decision {
  patch: ActionPatch;
  /** e.g. "action.claimed". */
  auditVerb: string;
  reason: string | null;
  effects: Effect[];
}

export type TransitionError =
  | 'ACTION.OTHER_TEAM' | 'AUTH.FORBIDDEN' | 'ACTION.ALREADY_CLAIMED' | 'ACTION.ALREADY_YOURS' | 'ACTION.NOT_CLAIMED'
  | 'ACTION.NOT_YOURS' | 'ACTION.FINISHED' | 'OUTCOME.UNKNOWN' | 'OUTCOME.DETAIL_MISSING' | 'DATE.OUT_OF_RANGE'
  | 'HANDOFF.TARGET_CANNOT_WORK' | 'HANDOFF.TARGET_OTHER_TEAM' | 'HANDOFF.SAME_PERSON' | 'ESCALATION.TOP';

/**
 * How far ahead an outcome's date may be. An outcome stops the chasing until its date (a booked
 * test until a week after it, a waiver until it ends), so an unbounded date (2099) would silence
 * an overdue test for decades, and a past one would cover nothing. Loaded and validated with the
 * workflow settings (src/config/workflow.ts).
 */
export interface OutcomeDateLimits {
  /** A booked test (test_booked, repeat_test_booked, rebooked) is booked for today up to this many days ahead. */
  bookingMaxDays: number;
  /** A waiver (not_required) runs from today for at most this many calendar months. */
  waiverMaxMonths: number;
}

/**
 * Local defaults: 90 days covers the longest routine monitoring interval (3-monthly) that a
 * booking should fall within; 12 months is the usual annual review after which a waiver must be
 * reconsidered.
 */
export const DEFAULT_OUTCOME_DATE_LIMITS: Readonly<OutcomeDateLimits> = Object.freeze({ bookingMaxDays: 90, waiverMaxMonths: 12 });

/** The dates an outcome's date may take, inclusive, in the team's days. */
export function outcomeDateRange(kind: 'booked_for' | 'waive_until', today: IsoDate, limits: OutcomeDateLimits): { from: IsoDate; to: IsoDate } {
  return { from: today, to: kind === 'waive_until' ? addMonths(today, limits.waiverMaxMonths) : addDays(today, limits.bookingMaxDays) };
}

function checkOutcomeDate(kind: 'booked_for' | 'waive_until', date: IsoDate, usage: string, today: IsoDate, limits: OutcomeDateLimits):
  Outcome<IsoDate, 'DATE.OUT_OF_RANGE'> {
  const { from, to } = outcomeDateRange(kind, today, limits);
  if (date >= from && date <= to) return ok(date);
  const allowed = kind === 'waive_until'
    ? `A waiver runs from ${from} (today) to at most ${to} (${limits.waiverMaxMonths} months); give the date it ends in that range, and review it again then`
    : `A test is booked for ${from} (today) to ${to} (${limits.bookingMaxDays} days ahead); give the booked date in that range`;
  return fail('DATE.OUT_OF_RANGE', `${date} is outside the allowed dates. ${allowed}. Type: ${usage}`, 'date');
}

/** Who an escalation goes to next. An escalation held by a role moves one step up the chain. */
export const ESCALATION_CHAIN: readonly Role[] = ['duty_lead', 'prescriber', 'manager'];

export function escalationTarget(action: Pick<ActionSnapshot, 'kind' | 'assignedRole'>): Role | null {
  if (action.kind === 'escalation' || action.kind === 'clinical_decision') {
    const at = ESCALATION_CHAIN.indexOf(action.assignedRole ?? 'duty_lead');
    return ESCALATION_CHAIN[at + 1] ?? null;
  }
  // Clinical questions go to the prescriber; chasing and contact problems to the duty lead.
  return action.kind === 'result_review' || action.kind === 'reconciliation' ? 'prescriber' : 'duty_lead';
}

/** "09:05" in the team's zone: when a claim happened, for the "already claimed" reply. */
export function clockTime(at: Date, timeZone: string): string {
  return zoneFormat('clock', timeZone, () => new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hour12: false })).format(at);
}

const kindLabel = (kind: ActionKind) => kind.replace(/_/g, ' ');

function checkOutcome(action: ActionSnapshot, command: Extract<ActionCommand, { verb: 'close' }>, actor: Actor, today: IsoDate, limits: OutcomeDateLimits):
  Outcome<{ detail: Record<string, unknown>; effects: Effect[] }, TransitionError> {
  const spec = OUTCOMES[action.kind][command.outcome];
  const ref = actionRef(action.id);
  if (!spec) {
    return fail('OUTCOME.UNKNOWN', `"${command.outcome}" is not an outcome for a ${kindLabel(action.kind)}. Valid outcomes: ${outcomesFor(action.kind).join(', ')}. For example: close ${ref} ${outcomesFor(action.kind)[0]}`, 'outcome');
  }
  if (spec.clinical && !mayDecideClinically(actor.roles, action.kind)) {
    return fail('AUTH.FORBIDDEN', `Only a ${describeRoles(CLINICAL_ROLES[action.kind])} can close a ${kindLabel(action.kind)} as ${command.outcome}. Hand it to one: handoff ${ref} pharmacist REASON`, 'outcome');
  }
  const usage = `close ${ref} ${command.outcome}${spec.date ? ' YYYY-MM-DD' : ''}${spec.minAttempts ? ' attempts=N' : ''}${spec.adjustments ? ' adjustments=transport,interpreter' : ''}${spec.note ? ' NOTE' : ''}`;
  const missing = (what: string, field: string) => fail('OUTCOME.DETAIL_MISSING' as const, `${command.outcome} needs ${what}. Type: ${usage}`, field);
  if (spec.date && !command.date) return missing(spec.date === 'waive_until' ? 'the date it is not required until' : 'the booked date', 'date');
  if (spec.minAttempts && (command.attempts ?? 0) < spec.minAttempts) return missing(`at least ${spec.minAttempts} recorded contact attempts`, 'attempts');
  if (spec.adjustments && !command.adjustments?.length) return missing('the reasonable adjustments offered', 'adjustments');
  if (spec.note && !command.note?.trim()) return missing('a note', 'note');
  if (spec.date && command.date) {
    const inRange = checkOutcomeDate(spec.date, command.date, usage, today, limits);
    if (!inRange.ok) return inRange;
  }
  const detail: Record<string, unknown> = {};
  if (command.date) detail[spec.date ?? 'date'] = command.date;
  if (command.attempts !== undefined) detail.attempts = command.attempts;
  if (command.adjustments?.length) detail.adjustments = command.adjustments;
  if (command.note?.trim()) detail.note = command.note.trim();
  const effects: Effect[] = [];
  if (spec.effect === 'create_waiver' && command.date) effects.push({ kind: 'create_waiver', until: command.date, reason: command.note?.trim() ?? command.outcome });
  if (spec.effect === 'escalate_to_prescriber') effects.push({ kind: 'open_escalation', role: 'prescriber', reason: command.note?.trim() ?? command.outcome });
  return ok({ detail, effects });
}

export function decide(action: ActionSnapshot, command: ActionCommand, actor: Actor, now: Date, timeZone: string,
  limits: OutcomeDateLimits = DEFAULT_OUTCOME_DATE_LIMITS): Outcome<Decision, TransitionError> {
  const ref = actionRef(action.id);
  if (!actor.teamIds.includes(action.teamId)) {
    return fail('ACTION.OTHER_TEAM', `${ref} belongs to another team. You can act on your own team's actions: type "mine" or "list".`);
  }
  const finished = action.status === 'closed' || action.status === 'cancelled';
  const mine = action.assigneeId === actor.staffId;
  const heldByOther = action.status === 'claimed' && !mine;
  const canReassign = mayInTeam(actor.roles, 'reassign');
  const canWork = mayWork(actor.roles, action.kind);
  const workHint = () => fail('AUTH.FORBIDDEN' as const, `A ${kindLabel(action.kind)} is for a ${describeRoles(WORK_ROLES[action.kind])}. Your roles: ${describeRoles(actor.roles)}. To pass it on: handoff ${ref} ROLE REASON (duty leads and managers).`);
  const alreadyClaimed = () => fail('ACTION.ALREADY_CLAIMED' as const,
    `${ref} is already claimed by ${action.assigneeName ?? 'someone else'} at ${action.claimedAt ? clockTime(action.claimedAt, timeZone) : 'an earlier time'}.`);

  switch (command.verb) {
    case 'note': {
      if (!mayInTeam(actor.roles, 'note')) return fail('AUTH.FORBIDDEN', `Notes are for clinical staff and managers. Your roles: ${describeRoles(actor.roles)}.`);
      return ok({ patch: {}, auditVerb: 'action.noted', reason: command.text.trim(), effects: [] });
    }
    case 'escalate': {
      if (finished) return fail('ACTION.FINISHED', `${ref} is ${action.status}; nothing to escalate. Raise a note instead: note ${ref} TEXT`);
      if (!mayInTeam(actor.roles, 'escalate')) return fail('AUTH.FORBIDDEN', `Escalating is for clinical staff and managers. Your roles: ${describeRoles(actor.roles)}.`);
      const role = escalationTarget(action);
      if (!role) return fail('ESCALATION.TOP', `${ref} is already with the manager, the top of the escalation chain. Add a note instead: note ${ref} TEXT`);
      return ok({ patch: {}, auditVerb: 'action.escalated', reason: command.reason.trim(), effects: [{ kind: 'open_escalation', role, reason: command.reason.trim() }] });
    }
    case 'claim': {
      if (finished) return fail('ACTION.FINISHED', `${ref} is already ${action.status}. Type "list" to see what is open.`);
      if (mine) return fail('ACTION.ALREADY_YOURS', `You already hold ${ref}. Close it with: close ${ref} OUTCOME`);
      if (heldByOther) return alreadyClaimed();
      if (!canWork) return workHint();
      return ok({ patch: { status: 'claimed', assigneeId: actor.staffId, assigneeName: actor.name, claimedAt: now }, auditVerb: 'action.claimed', reason: null, effects: [] });
    }
    case 'release': {
      if (finished) return fail('ACTION.FINISHED', `${ref} is already ${action.status}.`);
      if (action.status !== 'claimed') return fail('ACTION.NOT_CLAIMED', `${ref} is not claimed by anyone. To take it: claim ${ref}`);
      if (!mine && !canReassign) return fail('ACTION.NOT_YOURS', `${ref} is held by ${action.assigneeName ?? 'someone else'}; only they, a duty lead or a manager can release it.`);
      return ok({ patch: { status: 'open', assigneeId: null, assigneeName: null, claimedAt: null }, auditVerb: 'action.released', reason: null, effects: [] });
    }
    case 'close': {
      if (finished) return fail('ACTION.FINISHED', `${ref} is already ${action.status}.`);
      if (heldByOther && !canReassign) return alreadyClaimed();
      if (!canWork && !(canReassign && heldByOther)) return workHint();
      const checked = checkOutcome(action, command, actor, todayIn(timeZone, now), limits);
      if (!checked.ok) return checked;
      return ok({
        patch: {
          status: 'closed', closedAt: now, outcome: command.outcome, outcomeDetail: checked.value.detail,
          ...(action.status === 'open' ? { assigneeId: actor.staffId, assigneeName: actor.name, claimedAt: now } : {}),
        },
        auditVerb: 'action.closed', reason: command.note?.trim() || null, effects: checked.value.effects,
      });
    }
    case 'handoff': {
      if (finished) return fail('ACTION.FINISHED', `${ref} is already ${action.status}.`);
      if (!mine && !canReassign) {
        return heldByOther
          ? fail('ACTION.NOT_YOURS', `${ref} is held by ${action.assigneeName ?? 'someone else'}; only they, a duty lead or a manager can hand it off.`)
          : fail('ACTION.NOT_YOURS', `Claim ${ref} before handing it off (claim ${ref}), or ask a duty lead or manager to reassign it.`);
      }
      const reason = command.reason.trim();
      if ('role' in command.to) {
        const role = command.to.role;
        if (!WORK_ROLES[action.kind].includes(role) && !TEAM_PERMISSIONS.reassign.includes(role as never)) {
          return fail('HANDOFF.TARGET_CANNOT_WORK', `A ${role.replace(/_/g, ' ')} cannot work a ${kindLabel(action.kind)}. Hand it to a ${describeRoles(WORK_ROLES[action.kind])}.`);
        }
        return ok({ patch: { status: 'open', assigneeId: null, assigneeName: null, claimedAt: null, assignedRole: role }, auditVerb: 'action.handed_off', reason, effects: [] });
      }
      const person = command.to.person;
      if (person.staffId === action.assigneeId) return fail('HANDOFF.SAME_PERSON', `${person.name} already holds ${ref}.`);
      if (!person.teamIds.includes(action.teamId)) return fail('HANDOFF.TARGET_OTHER_TEAM', `${person.name} is not in this action's team, so cannot take ${ref}. Hand it to someone in the team or to a role.`);
      if (!mayWork(person.roles, action.kind)) {
        return fail('HANDOFF.TARGET_CANNOT_WORK', `${person.name} (${describeRoles(person.roles)}) cannot work a ${kindLabel(action.kind)}. Hand it to a ${describeRoles(WORK_ROLES[action.kind])}.`);
      }
      return ok({ patch: { status: 'claimed', assigneeId: person.staffId, assigneeName: person.name, claimedAt: now }, auditVerb: 'action.handed_off', reason, effects: [] });
    }
  }
}
