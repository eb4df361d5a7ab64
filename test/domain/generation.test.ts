/**
 * Action generation as a pure function of one patient's facts at a fixed `now`: every rule, and
 * the edges of every window (lookback, repeat window, booked-test cover, recheck, clock changes).
 */
import { describe, expect, it } from 'vitest';
import { defaultWorkflowConfig } from '../../src/config/workflow.js';
import { endOfDayIn, startOfDayIn } from '../../src/domain/dates.js';
import {
  candidateCauseKeys, needsSignOff, planPatientActions, ruleIdsOn,
  type ExistingAction, type GenerationContext, type PatientSnapshot, type ResultFact,
} from '../../src/domain/actions/generation.js';
import type { DueItem } from '../../src/domain/due.js';
import type { TestKey } from '../../src/domain/test-keys.js';
import { indexRulesByDrug } from '../../src/domain/due.js';
import { defaultRules } from '../support/rules.js';

const NOW = new Date('2026-11-22T10:00:00Z');
const AS_OF = '2026-11-22';
const PID = 'p-1';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const ctx = (over: Partial<GenerationContext> = {}): GenerationContext => ({ asOf: AS_OF, now: NOW, settings: defaultWorkflowConfig, ...over });

function due(over: Partial<DueItem> = {}): DueItem {
  return {
    patientRef: 'GEN-1', displayLabel: 'Fictional', team: 'Team', drug: 'lithium', ruleId: 'lithium', test: 'lithium_level',
    lastDone: '2026-07-01', dueOn: '2026-10-01', status: 'overdue', daysOverdue: 52, responsible: { org: 'gp_practice', name: 'Surgery', staff: null },
    basis: 'every 3 months', modifiersApplied: [], sources: [], waiver: null, ...over,
  };
}

function snapshot(over: Partial<PatientSnapshot> = {}): PatientSnapshot {
  return {
    patientId: PID, patientRef: 'GEN-1', teamId: 't-1', timeZone: 'Europe/London',
    due: [], lastDone: {}, results: [], dnas: [], discharges: [], actions: [], escalate: true, ...over,
  };
}

let nextId = 1000;
function action(over: Partial<ExistingAction> & Pick<ExistingAction, 'kind' | 'causeKey'>): ExistingAction {
  return { id: nextId++, status: 'open', cause: {}, outcome: null, outcomeDetail: null, closedAt: null, parentId: null, ...over };
}

function result(over: Partial<ResultFact> = {}): ResultFact {
  return { eventId: 1, test: 'lithium_level', value: 0.7, unit: 'mmol/L', takenOn: '2026-11-20', flag: 'green', reason: 'in range', signOff: false, ...over };
}

const overdueKey = `overdue:${PID}:lithium:lithium_level`;
const kinds = (plan: ReturnType<typeof planPatientActions>) => plan.creates.map((c) => c.kind);

describe('overdue monitoring', () => {
  it('raises a routine action for an overdue test, due after the contact-and-book time', () => {
    const plan = planPatientActions(snapshot({ due: [due({ daysOverdue: 12 })] }), ctx());
    expect(plan.creates).toEqual([{
      kind: 'overdue_monitoring', patientId: PID, teamId: 't-1', causeKey: overdueKey, priority: 'routine',
      dueAt: new Date(NOW.getTime() + 7 * DAY),
      cause: { drug: 'lithium', test: 'lithium_level', dueOn: '2026-10-01', daysOverdue: 12, lastDone: '2026-07-01', responsible: { org: 'gp_practice', name: 'Surgery', staff: null } },
    }]);
  });

  it('raises one for a baseline never done, and none for tests due soon, in date or waived', () => {
    const plan = planPatientActions(snapshot({ due: [
      due({ test: 'renal', status: 'never_done', lastDone: null, daysOverdue: 3 }),
      due({ test: 'tft', status: 'due_soon', daysOverdue: 0 }),
      due({ test: 'calcium', status: 'ok', daysOverdue: 0 }),
      due({ test: 'weight', status: 'waived', daysOverdue: 0, waiver: { reason: 'in hospital', until: '2027-01-01' } }),
    ] }), ctx());
    expect(plan.creates.map((c) => c.causeKey)).toEqual([`overdue:${PID}:lithium:renal`]);
  });

  it('escalates to the duty lead only when overdue by more than overdueEscalationDays', () => {
    expect(kinds(planPatientActions(snapshot({ due: [due({ daysOverdue: 28 })] }), ctx()))).toEqual(['overdue_monitoring']);
    const plan = planPatientActions(snapshot({ due: [due({ daysOverdue: 29 })] }), ctx());
    expect(plan.creates.map((c) => [c.kind, c.priority, c.assignedRole, c.parent])).toEqual([
      ['overdue_monitoring', 'amber', undefined, undefined],
      ['escalation', 'amber', 'duty_lead', { causeKey: overdueKey }],
    ]);
    expect(plan.creates[1]?.causeKey).toBe(`escalation:overdue:${PID}:lithium:lithium_level`);
  });

  it('keeps a live action, and escalates it (once) when it crosses the escalation line', () => {
    const live = action({ kind: 'overdue_monitoring', causeKey: overdueKey, cause: { dueOn: '2026-10-01', lastDone: '2026-07-01' } });
    const kept = planPatientActions(snapshot({ due: [due({ daysOverdue: 20 })], actions: [live] }), ctx());
    expect(kept).toEqual({ creates: [], closes: [], refreshes: [], unchanged: 1, skippedTooOld: { amber: 0, red: 0 }, escalationsHeld: 0 });

    const crossing = planPatientActions(snapshot({ due: [due({ daysOverdue: 40 })], actions: [live] }), ctx());
    expect(crossing.creates.map((c) => [c.kind, c.parent])).toEqual([['escalation', { id: live.id }]]);

    const escalationKey = `escalation:overdue:${PID}:lithium:lithium_level`;
    const dealtWith = action({ kind: 'escalation', causeKey: escalationKey, status: 'closed', outcome: 'resolved', parentId: live.id, closedAt: NOW });
    expect(planPatientActions(snapshot({ due: [due({ daysOverdue: 40 })], actions: [live, dealtWith] }), ctx()).creates).toEqual([]);
  });

  it('refreshes a live action whose test was done but is due again, and leaves it alone while only days pass', () => {
    const live = action({ kind: 'overdue_monitoring', causeKey: overdueKey, cause: { drug: 'lithium', test: 'lithium_level', dueOn: '2025-01-01', daysOverdue: 700, lastDone: null } });
    const moved = planPatientActions(snapshot({ due: [due({ dueOn: '2026-11-15', lastDone: '2026-08-15', daysOverdue: 7 })], actions: [live] }), ctx());
    expect(moved.creates).toEqual([]);
    expect(moved.refreshes).toEqual([{
      actionId: live.id,
      priority: 'routine',
      before: { dueOn: '2025-01-01', lastDone: null },
      after: { dueOn: '2026-11-15', lastDone: '2026-08-15' },
      cause: { drug: 'lithium', test: 'lithium_level', dueOn: '2026-11-15', lastDone: '2026-08-15', daysOverdue: 7, responsible: { org: 'gp_practice', name: 'Surgery', staff: null } },
    }]);
    const sameFacts = action({ kind: 'overdue_monitoring', causeKey: overdueKey, cause: { dueOn: '2026-10-01', lastDone: '2026-07-01', daysOverdue: 40 } });
    expect(planPatientActions(snapshot({ due: [due({ daysOverdue: 52 })], actions: [sameFacts] }), ctx()).refreshes).toEqual([]);
  });

  it('stands an overdue escalation down once the test is no longer that late, keeping the overdue action', () => {
    const live = action({ kind: 'overdue_monitoring', causeKey: overdueKey, cause: { dueOn: '2025-01-01', lastDone: null } });
    const escalation = action({ kind: 'escalation', causeKey: `escalation:${overdueKey}`, parentId: live.id });
    const plan = planPatientActions(snapshot({ due: [due({ dueOn: '2026-11-15', daysOverdue: 7 })], actions: [live, escalation] }), ctx());
    expect(plan.closes).toEqual([{ actionId: escalation.id, reason: 'no longer overdue by more than 28 days (due 2026-11-15)' }]);
    expect(plan.refreshes.map((r) => [r.actionId, r.priority])).toEqual([[live.id, 'routine']]);
    const stillLate = planPatientActions(snapshot({ due: [due({ dueOn: '2026-09-01', daysOverdue: 82 })], actions: [live, escalation] }), ctx());
    expect(stillLate.closes).toEqual([]);
  });

  it('a booked test covers the gap until a week after the booked date, then the test is chased again', () => {
    const booked = action({
      kind: 'overdue_monitoring', causeKey: overdueKey, status: 'closed', outcome: 'test_booked',
      outcomeDetail: { booked_for: '2026-11-10' }, closedAt: new Date('2026-11-05T09:00:00Z'), cause: { lastDone: '2026-07-01' },
    });
    const at = (asOf: string) => planPatientActions(snapshot({ due: [due({ daysOverdue: 12 })], actions: [booked] }), ctx({ asOf }));
    expect(at('2026-11-17').creates).toEqual([]);
    expect(kinds(at('2026-11-18'))).toEqual(['overdue_monitoring']);
  });

  it.each(['declined', 'unable_to_contact'])('%s stops the chasing for recheckAfterDays after closing, then it starts again', (outcome) => {
    const closed = action({
      kind: 'overdue_monitoring', causeKey: overdueKey, status: 'closed', outcome,
      outcomeDetail: { note: 'x' }, closedAt: new Date('2026-10-25T15:00:00Z'), cause: { lastDone: '2026-07-01' },
    });
    const at = (asOf: string) => planPatientActions(snapshot({ due: [due({ daysOverdue: 12 })], actions: [closed] }), ctx({ asOf }));
    expect(at('2026-11-21').creates).toEqual([]);
    expect(kinds(at('2026-11-22'))).toEqual(['overdue_monitoring']);
  });

  it('an old outcome does not cover a new gap (the test was done since), nor does an automatic close', () => {
    const declined = action({
      kind: 'overdue_monitoring', causeKey: overdueKey, status: 'closed', outcome: 'declined', closedAt: new Date('2026-11-20T09:00:00Z'),
      cause: { lastDone: '2026-01-01' },
    });
    expect(kinds(planPatientActions(snapshot({ due: [due()], actions: [declined] }), ctx()))).toContain('overdue_monitoring');
    const auto = action({ kind: 'overdue_monitoring', causeKey: overdueKey, status: 'closed', outcome: 'auto_resolved', closedAt: NOW, cause: { lastDone: '2026-07-01' } });
    expect(kinds(planPatientActions(snapshot({ due: [due()], actions: [auto] }), ctx()))).toContain('overdue_monitoring');
  });
});

describe('automatic closing', () => {
  const live = () => action({ kind: 'overdue_monitoring', causeKey: overdueKey, cause: { lastDone: '2026-07-01' } });

  it('closes an overdue action when the test is done, waived or no longer required, saying why', () => {
    const cases: [DueItem[], string][] = [
      [[due({ status: 'ok', lastDone: '2026-11-20', dueOn: '2027-02-20', daysOverdue: 0 })], 'lithium_level done on 2026-11-20'],
      [[due({ status: 'waived', daysOverdue: 0, waiver: { reason: 'admitted', until: '2027-01-05' } })], 'waived until 2027-01-05'],
      [[], 'no longer required'],
    ];
    for (const [items, reason] of cases) {
      const a = live();
      expect(planPatientActions(snapshot({ due: items, actions: [a] }), ctx())).toEqual({ creates: [], closes: [{ actionId: a.id, reason }], refreshes: [], unchanged: 0, skippedTooOld: { amber: 0, red: 0 }, escalationsHeld: 0 });
    }
  });

  it('closes the escalation of an action that closed itself', () => {
    const parent = live();
    const escalation = action({ kind: 'escalation', causeKey: `escalation:overdue:${PID}:lithium:lithium_level`, parentId: parent.id, status: 'claimed' });
    const plan = planPatientActions(snapshot({ due: [], actions: [parent, escalation] }), ctx());
    expect(plan.closes).toEqual([
      { actionId: parent.id, reason: 'no longer required' },
      { actionId: escalation.id, reason: `A-${parent.id} closed automatically: no longer required` },
    ]);
  });

  it('closes a DNA follow-up once the test is done after the missed appointment, not on the same day', () => {
    const followUp = action({ kind: 'dna_followup', causeKey: 'dna:77', cause: { test: 'neutrophils', takenOn: '2026-11-10' } });
    expect(planPatientActions(snapshot({ lastDone: { fbc: '2026-11-10' }, actions: [followUp] }), ctx()).closes).toEqual([]);
    expect(planPatientActions(snapshot({ lastDone: { fbc: '2026-11-12' }, actions: [followUp] }), ctx()).closes)
      .toEqual([{ actionId: followUp.id, reason: 'fbc done on 2026-11-12' }]);
  });
});

describe('result review', () => {
  it('a red result needs review within redReviewHours, is posted to the team at once and opens an escalation to the prescriber', () => {
    const plan = planPatientActions(snapshot({ results: [result({ eventId: 5, value: 1.6, flag: 'red', reason: 'possible toxicity' })] }), ctx());
    const cause = { test: 'lithium_level', value: 1.6, unit: 'mmol/L', takenOn: '2026-11-20', flag: 'red', reason: 'possible toxicity' };
    expect(plan.creates).toEqual([
      { kind: 'result_review', patientId: PID, teamId: 't-1', causeKey: 'result:5', cause, priority: 'red', dueAt: new Date(NOW.getTime() + 4 * HOUR), postNow: true },
      { kind: 'escalation', patientId: PID, teamId: 't-1', causeKey: 'escalation:result:5', cause, priority: 'red', dueAt: new Date(NOW.getTime() + 4 * HOUR), assignedRole: 'prescriber', parent: { causeKey: 'result:5' } },
    ]);
  });

  it('an amber result is due within amberReviewDays, with no escalation; a green one needs nothing', () => {
    const amber = planPatientActions(snapshot({ results: [result({ flag: 'amber' })] }), ctx());
    expect(amber.creates.map((c) => [c.kind, c.priority, c.dueAt])).toEqual([['result_review', 'amber', new Date(NOW.getTime() + 3 * DAY)]]);
    expect(planPatientActions(snapshot({ results: [result()] }), ctx()).creates).toEqual([]);
  });

  it('a green result of a test needing sign-off is a routine review, due within routineReviewDays', () => {
    const plan = planPatientActions(snapshot({ results: [result({ test: 'neutrophils', flag: 'green', signOff: true })] }), ctx());
    expect(plan.creates.map((c) => [c.kind, c.priority, c.dueAt, c.cause.signOff])).toEqual([['result_review', 'routine', new Date(NOW.getTime() + 7 * DAY), true]]);
  });

  it('results older than resultLookbackDays open nothing, unless just recorded in chat', () => {
    const at = (takenOn: string, include?: number) => planPatientActions(snapshot({ results: [result({ eventId: 9, flag: 'amber', takenOn })] }),
      ctx({ includeEventIds: include ? new Set([include]) : undefined })).creates.length;
    expect(at('2026-11-08')).toBe(1);
    expect(at('2026-11-07')).toBe(0);
    expect(at('2026-11-07', 9)).toBe(1);
  });

  it('is never raised twice for one result, even after the first review was closed', () => {
    const closed = action({ kind: 'result_review', causeKey: 'result:1', status: 'closed', outcome: 'in_range_no_action', closedAt: NOW });
    expect(planPatientActions(snapshot({ results: [result({ flag: 'red' })], actions: [closed] }), ctx()).creates).toEqual([]);
  });
});

describe('missed tests (DNA)', () => {
  const dna = (eventId: number, takenOn: string, test: 'fbc' | 'neutrophils' | 'renal' = 'fbc') => ({ eventId, test, takenOn });

  it('asks for contact the same day: due at the end of the day in the team zone (GMT)', () => {
    const plan = planPatientActions(snapshot({ dnas: [dna(1, '2026-11-22')] }), ctx());
    expect(plan.creates).toEqual([{
      kind: 'dna_followup', patientId: PID, teamId: 't-1', causeKey: 'dna:1', priority: 'routine',
      dueAt: new Date('2026-11-22T23:59:59.999Z'), cause: { test: 'fbc', takenOn: '2026-11-22', rebookBy: '2026-11-29', missesInWindow: 1 },
    }]);
  });

  it('uses the local end of the day in summer time (BST)', () => {
    const plan = planPatientActions(snapshot({ dnas: [dna(1, '2026-07-15')] }), ctx({ asOf: '2026-07-15', now: new Date('2026-07-15T08:00:00Z') }));
    expect(plan.creates[0]?.dueAt).toEqual(new Date('2026-07-15T22:59:59.999Z'));
  });

  it('gives four hours when the day has already ended, and carries the reason given', () => {
    const plan = planPatientActions(snapshot({ dnas: [dna(3, '2026-11-20')] }), ctx({ dnaReasons: new Map([[3, 'unwell']]) }));
    expect(plan.creates[0]?.dueAt).toEqual(new Date(NOW.getTime() + 4 * HOUR));
    expect(plan.creates[0]?.cause.reason).toBe('unwell');
  });

  it('the second miss in the window escalates to the duty lead; the third asks the prescriber to decide', () => {
    const second = planPatientActions(snapshot({ dnas: [dna(1, '2026-10-01'), dna(2, '2026-11-22')] }), ctx());
    expect(second.creates.map((c) => [c.kind, c.causeKey, c.assignedRole, c.priority])).toEqual([
      ['dna_followup', 'dna:2', undefined, 'routine'],
      ['escalation', 'escalation:dna:2', 'duty_lead', 'amber'],
    ]);
    expect(second.creates[0]?.cause.missesInWindow).toBe(2);
    const third = planPatientActions(snapshot({
      dnas: [dna(1, '2026-09-01'), dna(2, '2026-10-01', 'neutrophils'), dna(3, '2026-11-22')],
      actions: [action({ kind: 'dna_followup', causeKey: 'dna:2', status: 'closed' })],
    }), ctx());
    expect(third.creates.map((c) => [c.kind, c.assignedRole, c.cause])).toEqual([
      ['dna_followup', undefined, { test: 'fbc', takenOn: '2026-11-22', rebookBy: '2026-11-29', missesInWindow: 3 }],
      ['clinical_decision', 'prescriber', { test: 'fbc', misses: 3 }],
    ]);
  });

  it('counts a miss exactly dnaRepeatWindowDays earlier, but not one a day older, nor other tests', () => {
    const misses = (earlier: string, test: 'fbc' | 'renal' = 'fbc') => planPatientActions(snapshot({ dnas: [dna(1, earlier, test), dna(2, '2026-11-22')] }),
      ctx()).creates.find((c) => c.causeKey === 'dna:2')?.cause.missesInWindow;
    expect(misses('2026-08-24')).toBe(2);
    expect(misses('2026-08-23')).toBe(1);
    expect(misses('2026-11-01', 'renal')).toBe(1);
  });
});

describe('reconciliation after discharge', () => {
  it('is due reconciliationHours after the start of the discharge day in the team zone', () => {
    const plan = planPatientActions(snapshot({ discharges: [{ id: 4, dischargedOn: '2026-11-22' }] }), ctx());
    expect(plan.creates).toEqual([{
      kind: 'reconciliation', patientId: PID, teamId: 't-1', causeKey: 'discharge:4', priority: 'amber',
      dueAt: new Date('2026-11-25T00:00:00Z'), cause: { dischargedOn: '2026-11-22', deadline: '2026-11-25T00:00:00.000Z' },
    }]);
    const summer = planPatientActions(snapshot({ discharges: [{ id: 5, dischargedOn: '2026-07-15' }] }), ctx({ asOf: '2026-07-15', now: new Date('2026-07-15T08:00:00Z') }));
    expect(summer.creates[0]?.dueAt).toEqual(new Date('2026-07-17T23:00:00Z'));
  });

  it('recorded late, it is due in four hours and the breach is noted', () => {
    const plan = planPatientActions(snapshot({ discharges: [{ id: 6, dischargedOn: '2026-11-15' }] }), ctx());
    expect(plan.creates[0]?.dueAt).toEqual(new Date(NOW.getTime() + 4 * HOUR));
    expect(plan.creates[0]?.cause).toEqual({ dischargedOn: '2026-11-15', deadline: '2026-11-18T00:00:00.000Z', lateBy: '4 days 14 hours' });
  });

  it('is raised once per discharge', () => {
    const existing = action({ kind: 'reconciliation', causeKey: 'discharge:4', status: 'closed' });
    expect(planPatientActions(snapshot({ discharges: [{ id: 4, dischargedOn: '2026-11-22' }], actions: [existing] }), ctx()).creates).toEqual([]);
  });
});

describe('helpers', () => {
  it('finds the start and end of a day in Europe/London across the spring clock change', () => {
    expect(startOfDayIn('2026-03-29', 'Europe/London')).toEqual(new Date('2026-03-29T00:00:00Z'));
    expect(endOfDayIn('2026-03-29', 'Europe/London')).toEqual(new Date('2026-03-29T22:59:59.999Z'));
    expect(startOfDayIn('2026-10-25', 'Europe/London')).toEqual(new Date('2026-10-24T23:00:00Z'));
    expect(endOfDayIn('2026-10-25', 'Europe/London')).toEqual(new Date('2026-10-25T23:59:59.999Z'));
  });

  it('lists the cause keys a plan may consult', () => {
    const keys = candidateCauseKeys(snapshot({ due: [due(), due({ test: 'tft', status: 'ok' })], results: [result()], dnas: [{ eventId: 2, test: 'fbc', takenOn: AS_OF }], discharges: [{ id: 3, dischargedOn: AS_OF }] }));
    expect(keys).toEqual([overdueKey, `escalation:overdue:${PID}:lithium:lithium_level`, 'result:1', 'escalation:result:1',
      'dna:2', 'escalation:dna:2', 'decision:dna:2', 'discharge:3']);
  });

  it('asks for sign-off of clozapine FBC results while clozapine is taken and for 4 weeks after a stop (issue 10: one rating window)', () => {
    // The FBC schedule continues 4 weeks after clozapine stops (GGC-CLZ, continueAfterStop), so a
    // result in those weeks needs the same sign-off as one taken on treatment; other tests do not.
    const rules = defaultRules();
    const stopped = [{ drug: 'clozapine', startDate: '2026-01-01', lastDoseChange: null, stoppedOn: '2026-10-01' }];
    const on = (test: TestKey, takenOn: string) => ruleIdsOn(stopped, test, takenOn, indexRulesByDrug(rules), rules.baselineWindowDays);
    expect(on('neutrophils', '2026-09-30')).toEqual(['clozapine']);
    expect(needsSignOff(rules, on('neutrophils', '2026-09-30'), 'neutrophils')).toBe(true);
    expect(needsSignOff(rules, on('wbc', '2026-09-30'), 'wbc')).toBe(true);
    expect(needsSignOff(rules, on('alt', '2026-09-30'), 'alt')).toBe(false);
    expect(needsSignOff(rules, on('neutrophils', '2026-10-28'), 'neutrophils')).toBe(true);
    expect(on('neutrophils', '2026-10-29')).toEqual([]);
    expect(on('alt', '2026-10-01')).toEqual([]);
    expect(needsSignOff(rules, ['lithium'], 'neutrophils')).toBe(false);
  });
});
