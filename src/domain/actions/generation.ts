/**
 * Which actions the register calls for, as a pure function of one patient's facts at a fixed
 * `now`: overdue tests to chase, results to review, missed tests to follow up, discharges to
 * reconcile, and which open actions have lost their cause and should close themselves.
 *
 * Every action is named by a cause key. The database allows one open or claimed action per key,
 * so running the plan twice, or two syncs at once, cannot duplicate work; the rules below decide
 * when a key that was already used (and closed) may be used again.
 */
import { addDays, endOfDayIn, startOfDayIn, todayIn, type IsoDate } from '../dates.js';
import type { DueItem } from '../due.js';
import { coverIds, coverOn } from '../rating-window.js';
import type { PrescriptionState } from '../register.js';
import type { MonitoringRule, RuleSet } from '../rules/schema.js';
import { requirementKeyOf, type TestKey } from '../test-keys.js';
import { actionRef, type ActionKind, type ActionStatus, type Priority, type Role } from './kinds.js';
import type {
  ExistingAction, GenerationContext, ParentRef, PatientPlan, PatientSnapshot, PlannedAction, PlannedClose, PlannedRefresh, ResultFact,
} from './generation-model.js';

export type * from './generation-model.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** The least time anyone is given for a newly raised action, however late its cause was recorded. */
const MINIMUM_NOTICE_MS = 4 * HOUR;
/** A booked test covers the gap until this many days after the booked date (results take time). */
const BOOKED_GRACE_DAYS = 7;

const LIVE: ReadonlySet<ActionStatus> = new Set(['open', 'claimed']);

export const causeKeys = {
  overdue: (patientId: string, drug: string, requirement: string) => `overdue:${patientId}:${drug}:${requirement}`,
  overdueEscalation: (patientId: string, drug: string, requirement: string) => `escalation:overdue:${patientId}:${drug}:${requirement}`,
  result: (eventId: number) => `result:${eventId}`,
  resultEscalation: (eventId: number) => `escalation:result:${eventId}`,
  dna: (eventId: number) => `dna:${eventId}`,
  dnaEscalation: (eventId: number) => `escalation:dna:${eventId}`,
  dnaDecision: (eventId: number) => `decision:dna:${eventId}`,
  discharge: (dischargeId: number) => `discharge:${dischargeId}`,
};

function describeHours(ms: number): string {
  const hours = Math.ceil(ms / HOUR);
  if (hours < 48) return `${hours} hour${hours === 1 ? '' : 's'}`;
  const days = Math.floor(hours / 24);
  const rest = hours - days * 24;
  return `${days} days${rest ? ` ${rest} hour${rest === 1 ? '' : 's'}` : ''}`;
}

// ---------------------------------------------------------------------------------------------
// Results

/**
 * Rule ids and drug keys whose monitoring covers a sample (rating-window.ts): drugs taken that
 * day, still monitored after a stop for this test, or starting within the baseline window.
 * Rating and sign-off both use this one set.
 */
export function ruleIdsOn(prescriptions: readonly PrescriptionState[], test: TestKey, takenOn: IsoDate,
  rulesByDrug: ReadonlyMap<string, MonitoringRule>, baselineWindowDays: number): string[] {
  return coverIds(coverOn(prescriptions, test, takenOn, rulesByDrug, baselineWindowDays));
}

/** True when a rule covering the sample (ruleIdsOn) asks for sign-off of every result of this test (clozapine FBC). */
export function needsSignOff(ruleSet: RuleSet, ruleIds: readonly string[], test: TestKey): boolean {
  const requirement = requirementKeyOf(test);
  return ruleSet.rules.some((rule) => ruleIds.includes(rule.id) && rule.tests.some((t) => t.signOff === true && t.test === requirement));
}

// ---------------------------------------------------------------------------------------------
// Planning

/** Every cause key the plan may look up: load these actions (as well as all live ones) before planning. */
export function candidateCauseKeys(snapshot: Omit<PatientSnapshot, 'actions'>): string[] {
  const keys: string[] = [];
  for (const item of snapshot.due) {
    if (item.status !== 'overdue' && item.status !== 'never_done') continue;
    keys.push(causeKeys.overdue(snapshot.patientId, item.drug, item.test), causeKeys.overdueEscalation(snapshot.patientId, item.drug, item.test));
  }
  for (const r of snapshot.results) keys.push(causeKeys.result(r.eventId), causeKeys.resultEscalation(r.eventId));
  for (const d of snapshot.dnas) keys.push(causeKeys.dna(d.eventId), causeKeys.dnaEscalation(d.eventId), causeKeys.dnaDecision(d.eventId));
  for (const d of snapshot.discharges) keys.push(causeKeys.discharge(d.id));
  return keys;
}

const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/**
 * Whether a closed overdue action still covers the gap it was raised for. This is the clinical
 * point of the product: an outcome stops the chasing only for as long as it is true. A booked
 * test covers until a week after the booking; a refusal or failed contact is revisited after
 * `recheckAfterDays`; "not required" lasts until its date. After that, if the test is still
 * overdue, a new action is raised, so nothing drifts silently. A test done since the action was
 * raised starts a new gap that no old outcome covers.
 */
function closedActionCovers(closed: ExistingAction, item: DueItem, snapshot: PatientSnapshot, ctx: GenerationContext): boolean {
  if ((str(closed.cause.lastDone) ?? null) !== item.lastDone) return false;
  const detail = closed.outcomeDetail ?? {};
  switch (closed.outcome) {
    case 'test_booked': {
      const booked = str(detail.booked_for);
      return booked !== null && ctx.asOf <= addDays(booked, BOOKED_GRACE_DAYS);
    }
    case 'declined':
    case 'unable_to_contact': {
      if (!closed.closedAt) return false;
      return ctx.asOf < addDays(todayIn(snapshot.timeZone, closed.closedAt), ctx.settings.recheckAfterDays);
    }
    case 'not_required': {
      const until = str(detail.waive_until);
      return until !== null && ctx.asOf <= until;
    }
    default:
      return false;
  }
}

function latestClosed(actions: ExistingAction[]): ExistingAction | undefined {
  let latest: ExistingAction | undefined;
  for (const a of actions) {
    if (LIVE.has(a.status)) continue;
    if (!latest || (a.closedAt?.getTime() ?? 0) > (latest.closedAt?.getTime() ?? 0)) latest = a;
  }
  return latest;
}

/** Why a live overdue action no longer has a cause, in words. */
function overdueResolution(action: ExistingAction, item: DueItem | undefined): string | null {
  if (!item) return 'no longer required';
  if (item.status === 'overdue' || item.status === 'never_done') return null;
  if (item.status === 'waived') return item.waiver ? `waived until ${item.waiver.until}` : 'waived';
  if (item.lastDone !== null && item.lastDone !== (str(action.cause.lastDone) ?? null)) return `${item.test} done on ${item.lastDone}`;
  return `no longer overdue (next due ${item.dueOn})`;
}

function after(now: Date, ms: number): Date {
  return new Date(now.getTime() + ms);
}

export function planPatientActions(snapshot: PatientSnapshot, ctx: GenerationContext): PatientPlan {
  const { settings, now, asOf } = ctx;
  const { patientId, teamId } = snapshot;
  const byKey = new Map<string, ExistingAction[]>();
  for (const a of snapshot.actions) {
    const list = byKey.get(a.causeKey);
    if (list) list.push(a);
    else byKey.set(a.causeKey, [a]);
  }
  const liveByKey = (key: string) => byKey.get(key)?.find((a) => LIVE.has(a.status));
  const used = (key: string) => byKey.has(key);
  const creates: PlannedAction[] = [];
  const closes: PlannedClose[] = [];
  const refreshes: PlannedRefresh[] = [];
  const create = (kind: ActionKind, causeKey: string, cause: Record<string, unknown>, priority: Priority, dueAt: Date,
    extra: { assignedRole?: Role; parent?: ParentRef; postNow?: true } = {}) => {
    creates.push({ kind, patientId, teamId, causeKey, cause, priority, dueAt, ...extra });
  };
  const included = (eventId: number, takenOn: IsoDate) => ctx.includeEventIds?.has(eventId)
    || (takenOn <= asOf && takenOn >= addDays(asOf, -settings.resultLookbackDays));
  // Onboarding (issue 9 §6): escalations the register or imported history calls for wait for the
  // team's first digest. They are not recorded anywhere meanwhile: the cause is still there, so
  // the first sync after the digest raises each one that is still due.
  let escalationsHeld = 0;

  // Overdue and never-done tests.
  const dueByKey = new Map<string, DueItem>();
  for (const item of snapshot.due) dueByKey.set(causeKeys.overdue(patientId, item.drug, item.test), item);
  for (const [key, item] of dueByKey) {
    if (item.status !== 'overdue' && item.status !== 'never_done') continue;
    let parent: ParentRef;
    const live = liveByKey(key);
    if (live) {
      parent = { id: live.id };
      // Days overdue grow daily and are worked out when shown; only a new due date or test refreshes.
      if (str(live.cause.dueOn) !== item.dueOn || (str(live.cause.lastDone) ?? null) !== item.lastDone) {
        const before = { dueOn: live.cause.dueOn ?? null, lastDone: live.cause.lastDone ?? null };
        const after = { dueOn: item.dueOn, lastDone: item.lastDone };
        const priority: Priority = item.daysOverdue > settings.overdueEscalationDays ? 'amber' : 'routine';
        refreshes.push({ actionId: live.id, before, after, priority, cause: { ...live.cause, ...after, daysOverdue: item.daysOverdue, responsible: item.responsible } });
      }
    } else {
      const closed = latestClosed(byKey.get(key) ?? []);
      if (closed && closedActionCovers(closed, item, snapshot, ctx)) continue;
      // Amber when already long overdue, onboarding or not: the priority says how late the test is.
      const late = item.daysOverdue > settings.overdueEscalationDays;
      create('overdue_monitoring', key, {
        drug: item.drug, test: item.test, dueOn: item.dueOn, daysOverdue: item.daysOverdue, lastDone: item.lastDone, responsible: item.responsible,
      }, late ? 'amber' : 'routine', after(now, settings.overdueActionDays * DAY));
      parent = { causeKey: key };
    }
    if (item.daysOverdue <= settings.overdueEscalationDays) continue;
    // One escalation per overdue action: once the duty lead has dealt with it, the action itself carries on.
    const escalationKey = causeKeys.overdueEscalation(patientId, item.drug, item.test);
    const earlier = byKey.get(escalationKey) ?? [];
    if (earlier.some((a) => LIVE.has(a.status) || ('id' in parent && a.parentId === parent.id))) continue;
    if (!snapshot.escalate) {
      escalationsHeld += 1;
      continue;
    }
    create('escalation', escalationKey, {
      reason: `${item.test} for ${item.drug} is ${item.daysOverdue} days overdue (more than ${settings.overdueEscalationDays})`,
      drug: item.drug, test: item.test, dueOn: item.dueOn, daysOverdue: item.daysOverdue, responsible: item.responsible,
    }, 'amber', after(now, settings.amberReviewDays * DAY), { assignedRole: 'duty_lead', parent });
  }

  // Results to review: amber and red, and every result of a test that needs sign-off. Past the
  // look-back only a red result is raised, and only while no later result of its test exists:
  // importing history stays quiet, but a red result is never dropped because it is old.
  const skippedTooOld = { amber: 0, red: 0 };
  const latest = latestResultByTest(snapshot.results, asOf);
  for (const r of snapshot.results) {
    const key = causeKeys.result(r.eventId);
    if (!included(r.eventId, r.takenOn)) {
      const superseded = latest.get(r.test) !== r;
      const raise = r.flag === 'red' && !superseded && r.takenOn <= asOf;
      if (!raise) {
        if ((r.flag === 'red' || r.flag === 'amber') && r.takenOn <= asOf && !used(key)) skippedTooOld[r.flag] += 1;
        continue;
      }
    }
    if ((r.flag === 'green' || r.flag === 'not_rated') && !r.signOff) continue;
    if (used(key)) continue;
    const priority: Priority = r.flag === 'green' || r.flag === 'not_rated' ? 'routine' : r.flag;
    const dueAt = after(now, r.flag === 'red' ? settings.redReviewHours * HOUR
      : r.flag === 'amber' ? settings.amberReviewDays * DAY : settings.routineReviewDays * DAY);
    const cause = { test: r.test, value: r.value, unit: r.unit, takenOn: r.takenOn, flag: r.flag, reason: r.reason, ...(r.signOff ? { signOff: true } : {}) };
    // A red result is posted to the team's channels at once, not left to the next digest (issue 9
    // §4). One older than the look-back, raised only because it is still the latest of its test,
    // is history an import brought in: a first import would otherwise post years of them at
    // once, which is the flood onboarding avoids. It is listed by the next digest instead.
    create('result_review', key, cause, priority, dueAt, r.flag === 'red' && included(r.eventId, r.takenOn) ? { postNow: true } : {});
    // The escalation to the prescriber is raised even while the team is onboarding: a red result
    // can need action within hours (RED_REVIEW_HOURS), and holding it until the first digest could
    // delay that by a day or a weekend. Patient safety outranks a quiet first import (issue 9 §4).
    if (r.flag === 'red' && !used(causeKeys.resultEscalation(r.eventId))) {
      create('escalation', causeKeys.resultEscalation(r.eventId), cause, 'red', dueAt, { assignedRole: 'prescriber', parent: { causeKey: key } });
    }
  }

  // Missed tests: same-day contact; repeated misses go to the duty lead, then to the prescriber.
  for (const dna of snapshot.dnas) {
    const key = causeKeys.dna(dna.eventId);
    const endOfDay = endOfDayIn(dna.takenOn, snapshot.timeZone);
    const dueAt = endOfDay.getTime() > now.getTime() ? endOfDay : after(now, MINIMUM_NOTICE_MS);
    const escalationKey = causeKeys.dnaEscalation(dna.eventId);
    const decisionKey = causeKeys.dnaDecision(dna.eventId);
    const repeatDue = (misses: number) => (misses === 2 ? !used(escalationKey) : misses >= 3 && !used(decisionKey));
    const raiseRepeat = (misses: number, parent: ParentRef) => {
      if (misses === 2) {
        create('escalation', escalationKey, {
          reason: `second missed ${dna.test} within ${settings.dnaRepeatWindowDays} days`, test: dna.test, takenOn: dna.takenOn, misses,
        }, 'amber', dueAt, { assignedRole: 'duty_lead', parent });
      } else {
        create('clinical_decision', decisionKey, { test: dna.test, misses }, 'amber', after(now, settings.amberReviewDays * DAY),
          { assignedRole: 'prescriber', parent });
      }
    };
    const followUp = byKey.get(key)?.find((a) => typeof a.cause.missesInWindow === 'number');
    if (followUp) {
      // Raised earlier, with its repeated-miss escalation unless the team was onboarding then: that
      // one is raised once the team no longer is, unless the follow-up has closed itself (the test
      // was done since the miss), which would have closed the escalation with it.
      const misses = followUp.cause.missesInWindow as number;
      const doneSince = (snapshot.lastDone[requirementKeyOf(dna.test)] ?? '') > dna.takenOn;
      const selfClosed = !LIVE.has(followUp.status) && followUp.outcome === 'auto_resolved';
      if (doneSince || selfClosed || !repeatDue(misses)) continue;
      if (snapshot.escalate) raiseRepeat(misses, { id: followUp.id });
      else escalationsHeld += 1;
      continue;
    }
    if (!included(dna.eventId, dna.takenOn) || used(key)) continue;
    const requirement = requirementKeyOf(dna.test);
    const windowStart = addDays(dna.takenOn, -settings.dnaRepeatWindowDays);
    const misses = snapshot.dnas.filter((d) => requirementKeyOf(d.test) === requirement && d.takenOn >= windowStart
      && (d.takenOn < dna.takenOn || (d.takenOn === dna.takenOn && d.eventId <= dna.eventId))).length;
    const reason = ctx.dnaReasons?.get(dna.eventId);
    create('dna_followup', key, {
      test: dna.test, takenOn: dna.takenOn, rebookBy: addDays(dna.takenOn, settings.dnaRebookDays), missesInWindow: misses,
      ...(reason ? { reason } : {}),
    }, 'routine', dueAt);
    if (!repeatDue(misses)) continue;
    // A miss recorded in chat just now is not imported history: its escalation is raised at once.
    if (snapshot.escalate || ctx.includeEventIds?.has(dna.eventId)) raiseRepeat(misses, { causeKey: key });
    else escalationsHeld += 1;
  }

  // Discharges: medicines reconciliation within the configured hours of the discharge day.
  for (const discharge of snapshot.discharges) {
    const key = causeKeys.discharge(discharge.id);
    if (used(key)) continue;
    const deadline = new Date(startOfDayIn(discharge.dischargedOn, snapshot.timeZone).getTime() + settings.reconciliationHours * HOUR);
    const earliest = after(now, MINIMUM_NOTICE_MS);
    const late = deadline.getTime() < earliest.getTime();
    create('reconciliation', key, {
      dischargedOn: discharge.dischargedOn, deadline: deadline.toISOString(),
      // The breach of the reconciliation standard: how far the due time falls after it.
      ...(late ? { lateBy: describeHours(earliest.getTime() - deadline.getTime()) } : {}),
    }, 'amber', late ? earliest : deadline);
  }

  // Live actions whose cause has gone close themselves.
  const closedHere = new Map<number, string>();
  for (const action of snapshot.actions) {
    if (!LIVE.has(action.status)) continue;
    let reason: string | null = null;
    if (action.kind === 'overdue_monitoring') {
      reason = overdueResolution(action, dueByKey.get(action.causeKey));
    } else if (action.kind === 'dna_followup') {
      const test = str(action.cause.test);
      const missedOn = str(action.cause.takenOn);
      const doneOn = test ? snapshot.lastDone[requirementKeyOf(test as TestKey)] : undefined;
      if (doneOn && missedOn && doneOn > missedOn) reason = `${requirementKeyOf(test as TestKey)} done on ${doneOn}`;
    }
    if (reason !== null) closedHere.set(action.id, reason);
  }
  for (const action of snapshot.actions) {
    if (!LIVE.has(action.status) || action.kind !== 'escalation' || action.parentId === null) continue;
    const parentReason = closedHere.get(action.parentId);
    if (parentReason !== undefined) {
      closedHere.set(action.id, `${actionRef(action.parentId)} closed automatically: ${parentReason}`);
      continue;
    }
    // An escalation for a long-overdue test stands down once the test is no longer that late
    // (done since, and due again only recently); the overdue action itself carries on.
    const overdueKey = action.causeKey.startsWith('escalation:overdue:') ? action.causeKey.replace(/^escalation:/, '') : null;
    const item = overdueKey ? dueByKey.get(overdueKey) : undefined;
    if (item && (item.status === 'overdue' || item.status === 'never_done') && item.daysOverdue <= settings.overdueEscalationDays) {
      closedHere.set(action.id, `no longer overdue by more than ${settings.overdueEscalationDays} days (due ${item.dueOn})`);
    }
  }
  for (const [actionId, reason] of closedHere) closes.push({ actionId, reason });
  const live = snapshot.actions.filter((a) => LIVE.has(a.status)).length;
  return { creates, closes, refreshes, unchanged: live - closes.length, skippedTooOld, escalationsHeld };
}

/** The newest result of each test up to `asOf` (by date, then by recording order). */
function latestResultByTest(results: readonly ResultFact[], asOf: IsoDate): Map<TestKey, ResultFact> {
  const latest = new Map<TestKey, ResultFact>();
  for (const r of results) {
    if (r.takenOn > asOf) continue;
    const seen = latest.get(r.test);
    if (!seen || r.takenOn > seen.takenOn || (r.takenOn === seen.takenOn && r.eventId > seen.eventId)) latest.set(r.test, r);
  }
  return latest;
}
