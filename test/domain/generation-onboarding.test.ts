/**
 * Issue 9 §6 (onboarding) and §4 (red results at once), as the pure planner sees them: while a
 * team has had no first digest (`escalate` false) its register and imported history raise their
 * actions but no automatic escalation; a red result still escalates to the prescriber, and one
 * within the look-back is marked to be posted to the team at once. Once the team escalates, the
 * held escalations that are still due are raised, each once.
 */
import { describe, expect, it } from 'vitest';
import { defaultWorkflowConfig } from '../../src/config/workflow.js';
import {
  planPatientActions, type DnaFact, type ExistingAction, type GenerationContext, type PatientSnapshot, type ResultFact,
} from '../../src/domain/actions/generation.js';
import type { DueItem } from '../../src/domain/due.js';

const NOW = new Date('2026-11-22T10:00:00Z');
const PID = 'p-9';
const DAY = 86_400_000;
const ctx = (over: Partial<GenerationContext> = {}): GenerationContext => ({ asOf: '2026-11-22', now: NOW, settings: defaultWorkflowConfig, ...over });

const onboarding = (over: Partial<PatientSnapshot> = {}): PatientSnapshot => ({
  patientId: PID, patientRef: 'ONB-1', teamId: 't-9', timeZone: 'Europe/London',
  due: [], lastDone: {}, results: [], dnas: [], discharges: [], actions: [], escalate: false, ...over,
});
const onboarded = (over: Partial<PatientSnapshot> = {}) => onboarding({ escalate: true, ...over });

/** Lithium level 52 days overdue: past the 28-day escalation line (OVERDUE_ESCALATION_DAYS). */
const longOverdue = (over: Partial<DueItem> = {}): DueItem => ({
  patientRef: 'ONB-1', displayLabel: 'Fictional', team: 'Team', drug: 'lithium', ruleId: 'lithium', test: 'lithium_level',
  lastDone: '2026-07-01', dueOn: '2026-10-01', status: 'overdue', daysOverdue: 52, responsible: null,
  basis: 'every 3 months', modifiersApplied: [], sources: [], waiver: null, ...over,
});

let nextId = 5000;
const existing = (over: Partial<ExistingAction> & Pick<ExistingAction, 'kind' | 'causeKey'>): ExistingAction => ({
  id: nextId++, status: 'open', cause: {}, outcome: null, outcomeDetail: null, closedAt: null, parentId: null, ...over,
});
const red = (over: Partial<ResultFact> = {}): ResultFact => ({
  eventId: 40, test: 'lithium_level', value: 1.7, unit: 'mmol/L', takenOn: '2026-11-20', flag: 'red', reason: 'possible toxicity', signOff: false, ...over,
});
const dna = (eventId: number, takenOn: string): DnaFact => ({ eventId, test: 'fbc', takenOn });
const summary = (plan: ReturnType<typeof planPatientActions>) => plan.creates.map((c) => [c.kind, c.causeKey]);

describe('a team being onboarded (no first digest yet)', () => {
  it('raises a long-overdue test as an amber overdue action, as before, but no escalation, and counts it as held', () => {
    const plan = planPatientActions(onboarding({ due: [longOverdue()] }), ctx());
    expect(plan.creates.map((c) => [c.kind, c.priority])).toEqual([['overdue_monitoring', 'amber']]);
    expect(plan.escalationsHeld).toBe(1);
  });

  it('raises a test never done for a prescription that predates the import, with no escalation', () => {
    const never = longOverdue({ test: 'calcium', lastDone: null, status: 'never_done', dueOn: '2024-01-01', daysOverdue: 1056 });
    const plan = planPatientActions(onboarding({ due: [never] }), ctx());
    expect(summary(plan)).toEqual([['overdue_monitoring', `overdue:${PID}:lithium:calcium`]]);
    expect(plan.escalationsHeld).toBe(1);
  });

  it('a test overdue but not beyond the escalation line holds nothing back', () => {
    const plan = planPatientActions(onboarding({ due: [longOverdue({ daysOverdue: 28 })] }), ctx());
    expect(plan.creates.map((c) => [c.kind, c.priority])).toEqual([['overdue_monitoring', 'routine']]);
    expect(plan.escalationsHeld).toBe(0);
  });

  it('a second and a third imported miss raise their follow-ups but neither the duty-lead escalation nor the clinical decision', () => {
    const second = planPatientActions(onboarding({ dnas: [dna(1, '2026-10-01'), dna(2, '2026-11-20')] }), ctx());
    expect(summary(second)).toEqual([['dna_followup', 'dna:2']]);
    expect(second.creates[0]?.cause.missesInWindow).toBe(2);
    expect(second.escalationsHeld).toBe(1);
    const third = planPatientActions(onboarding({ dnas: [dna(1, '2026-09-01'), dna(2, '2026-10-01'), dna(3, '2026-11-20')] }), ctx());
    expect(summary(third)).toEqual([['dna_followup', 'dna:3']]);
    expect(third.escalationsHeld).toBe(1);
  });

  it('a repeated miss recorded in chat is not imported history: it escalates at once', () => {
    const plan = planPatientActions(onboarding({ dnas: [dna(1, '2026-10-01'), dna(2, '2026-11-22')] }), ctx({ includeEventIds: new Set([2]) }));
    expect(summary(plan)).toEqual([['dna_followup', 'dna:2'], ['escalation', 'escalation:dna:2']]);
    expect(plan.escalationsHeld).toBe(0);
  });

  it('a red result is never held back: its review, posted at once, and its escalation to the prescriber', () => {
    const plan = planPatientActions(onboarding({ results: [red()] }), ctx());
    expect(plan.creates.map((c) => [c.kind, c.priority, c.assignedRole, c.postNow])).toEqual([
      ['result_review', 'red', undefined, true], ['escalation', 'red', 'prescriber', undefined],
    ]);
    expect(plan.escalationsHeld).toBe(0);
  });
});

describe('red results posted at once', () => {
  it('within the look-back (RESULT_LOOKBACK_DAYS, 14 days) the review is posted at once, its first day included', () => {
    expect(planPatientActions(onboarded({ results: [red({ takenOn: '2026-11-08' })] }), ctx()).creates[0]?.postNow).toBe(true);
  });

  it('a red result older than the look-back, raised because it is the latest of its test, waits for the digest', () => {
    const plan = planPatientActions(onboarding({ results: [red({ takenOn: '2026-11-07' })] }), ctx());
    expect(plan.creates.map((c) => [c.kind, c.postNow])).toEqual([['result_review', undefined], ['escalation', undefined]]);
  });

  it('an old red result recorded in chat is posted at once: a person chose to record it now', () => {
    const plan = planPatientActions(onboarded({ results: [red({ eventId: 41, takenOn: '2026-09-01' })] }), ctx({ includeEventIds: new Set([41]) }));
    expect(plan.creates[0]?.postNow).toBe(true);
  });

  it('amber results and green sign-off reviews are not posted at once', () => {
    const plan = planPatientActions(onboarded({ results: [red({ eventId: 42, flag: 'amber' }), red({ eventId: 43, test: 'neutrophils', flag: 'green', signOff: true })] }), ctx());
    expect(plan.creates.map((c) => [c.kind, c.priority, c.postNow])).toEqual([['result_review', 'amber', undefined], ['result_review', 'routine', undefined]]);
  });
});

describe('after the first digest: held escalations are raised, nothing lost', () => {
  it('the overdue action raised while onboarding gets its duty-lead escalation from the next sync', () => {
    const live = existing({ kind: 'overdue_monitoring', causeKey: `overdue:${PID}:lithium:lithium_level`, cause: { dueOn: '2026-10-01', lastDone: '2026-07-01' } });
    const plan = planPatientActions(onboarded({ due: [longOverdue()], actions: [live] }), ctx());
    expect(plan.creates.map((c) => [c.kind, c.causeKey, c.assignedRole, c.parent])).toEqual([
      ['escalation', `escalation:overdue:${PID}:lithium:lithium_level`, 'duty_lead', { id: live.id }],
    ]);
    expect(plan.creates[0]?.dueAt).toEqual(new Date(NOW.getTime() + 3 * DAY));
    expect(plan.escalationsHeld).toBe(0);
  });

  it('a follow-up raised while onboarding gets its held escalation (second miss) or clinical decision (third)', () => {
    const second = existing({ kind: 'dna_followup', causeKey: 'dna:2', cause: { test: 'fbc', takenOn: '2026-11-20', missesInWindow: 2 } });
    const plan = planPatientActions(onboarded({ dnas: [dna(1, '2026-10-01'), dna(2, '2026-11-20')], actions: [second] }), ctx());
    expect(plan.creates.map((c) => [c.kind, c.causeKey, c.assignedRole, c.parent])).toEqual([['escalation', 'escalation:dna:2', 'duty_lead', { id: second.id }]]);
    const third = existing({ kind: 'dna_followup', causeKey: 'dna:3', status: 'claimed', cause: { test: 'fbc', takenOn: '2026-11-20', missesInWindow: 3 } });
    const decision = planPatientActions(onboarded({ dnas: [dna(1, '2026-09-01'), dna(2, '2026-10-01'), dna(3, '2026-11-20')], actions: [third] }), ctx());
    expect(decision.creates.map((c) => [c.kind, c.causeKey, c.assignedRole, c.parent])).toEqual([['clinical_decision', 'decision:dna:3', 'prescriber', { id: third.id }]]);
  });

  it('a follow-up a person closed still gets its escalation: repeated misses are a question of their own', () => {
    const closed = existing({ kind: 'dna_followup', causeKey: 'dna:2', status: 'closed', outcome: 'rebooked', closedAt: NOW,
      cause: { test: 'fbc', takenOn: '2026-11-20', missesInWindow: 2 } });
    expect(summary(planPatientActions(onboarded({ dnas: [dna(1, '2026-10-01'), dna(2, '2026-11-20')], actions: [closed] }), ctx())))
      .toEqual([['escalation', 'escalation:dna:2']]);
  });

  it('no escalation for a miss whose test has been done since (the follow-up closes itself, and its escalation would have)', () => {
    const followUp = existing({ kind: 'dna_followup', causeKey: 'dna:2', cause: { test: 'fbc', takenOn: '2026-11-20', missesInWindow: 2 } });
    const done = planPatientActions(onboarded({ dnas: [dna(1, '2026-10-01'), dna(2, '2026-11-20')], lastDone: { fbc: '2026-11-21' }, actions: [followUp] }), ctx());
    expect(done.creates).toEqual([]);
    expect(done.closes.map((c) => c.actionId)).toEqual([followUp.id]);
    const selfClosed = existing({ ...followUp, id: nextId++, status: 'closed', outcome: 'auto_resolved', closedAt: NOW });
    expect(planPatientActions(onboarded({ dnas: [dna(1, '2026-10-01'), dna(2, '2026-11-20')], actions: [selfClosed] }), ctx()).creates).toEqual([]);
  });

  it('raises nothing twice: an escalation raised (or dealt with) already is not raised again', () => {
    const live = existing({ kind: 'overdue_monitoring', causeKey: `overdue:${PID}:lithium:lithium_level`, cause: { dueOn: '2026-10-01', lastDone: '2026-07-01' } });
    const dealtWith = existing({ kind: 'escalation', causeKey: `escalation:overdue:${PID}:lithium:lithium_level`, status: 'closed', parentId: live.id });
    expect(planPatientActions(onboarded({ due: [longOverdue()], actions: [live, dealtWith] }), ctx()).creates).toEqual([]);
    const followUp = existing({ kind: 'dna_followup', causeKey: 'dna:2', cause: { test: 'fbc', takenOn: '2026-11-20', missesInWindow: 2 } });
    const escalation = existing({ kind: 'escalation', causeKey: 'escalation:dna:2', status: 'closed', parentId: followUp.id });
    expect(planPatientActions(onboarded({ dnas: [dna(1, '2026-10-01'), dna(2, '2026-11-20')], actions: [followUp, escalation] }), ctx()).creates).toEqual([]);
  });

  it('while still onboarding, a repeated sync keeps holding (and counting) them', () => {
    const live = existing({ kind: 'overdue_monitoring', causeKey: `overdue:${PID}:lithium:lithium_level`, cause: { dueOn: '2026-10-01', lastDone: '2026-07-01' } });
    const followUp = existing({ kind: 'dna_followup', causeKey: 'dna:2', cause: { test: 'fbc', takenOn: '2026-11-20', missesInWindow: 2 } });
    const plan = planPatientActions(onboarding({ due: [longOverdue()], dnas: [dna(1, '2026-10-01'), dna(2, '2026-11-20')], actions: [live, followUp] }), ctx());
    expect(plan.creates).toEqual([]);
    expect(plan.escalationsHeld).toBe(2);
  });
});
