/**
 * The escalation sweep's rungs as a pure function, at fixed instants either side of each limit
 * (issue 9 §3): red results unclaimed after an hour go to the duty lead; unclaimed work climbs
 * duty lead → manager at its priority's limit and twice that; a stale claim reminds its holder
 * once per claim; closed work and steps already raised never fire; no clock runs before the
 * team's first digest.
 */
import { describe, expect, it } from 'vitest';
import type { DigestAction } from '../../../src/domain/digest/digest-action.js';
import { DEFAULT_TEAM_SETTINGS, teamSettingsSchema } from '../../../src/domain/digest/settings.js';
import { dueEscalations, staleLevel, stepKey } from '../../../src/domain/escalation/sweep.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const RAISED = new Date('2026-11-23T09:00:00Z');
const at = (ms: number) => new Date(RAISED.getTime() + ms);

let nextId = 5000;
function action(over: Partial<DigestAction> = {}): DigestAction {
  nextId += 1;
  return {
    id: nextId, kind: 'overdue_monitoring', status: 'open', priority: 'routine', teamId: 'team-1', assigneeId: null, assigneeName: null,
    assignedRole: null, claimedAt: null, version: 1, teamName: 'Fictional CMHT', timeZone: 'Europe/London', patientId: 'p-1',
    patientRef: 'ESC-001', displayLabel: 'Fictional', cause: {}, dueAt: at(7 * 24 * HOUR), createdAt: RAISED, closedAt: null,
    outcome: null, outcomeDetail: null, closedReason: null, parentId: null, updatedAt: RAISED, ...over,
  };
}

const none = new Set<string>();
const levels = (steps: ReturnType<typeof dueEscalations>) => steps.map((s) => `${s.action.id}:${s.level}`);

describe('red result reviews', () => {
  const red = action({ kind: 'result_review', priority: 'red' });

  it('go to the duty lead once unclaimed for redUnclaimedMinutes (60 by default), not a minute before', () => {
    expect(dueEscalations([red], DEFAULT_TEAM_SETTINGS, none, at(59 * MINUTE))).toEqual([]);
    const steps = dueEscalations([red], DEFAULT_TEAM_SETTINGS, none, at(60 * MINUTE));
    expect(steps).toHaveLength(1);
    expect(steps[0]).toMatchObject({ kind: 'red_duty_lead', level: 'red_duty_lead', target: { role: 'duty_lead' }, dueSince: at(60 * MINUTE) });
  });

  it('follow the team setting', () => {
    const settings = teamSettingsSchema.parse({ redUnclaimedMinutes: 30 });
    expect(levels(dueEscalations([red], settings, none, at(30 * MINUTE)))).toEqual([`${red.id}:red_duty_lead`]);
  });

  it('do not fire again once raised, and then climb to the manager at twice the red limit (no second duty-lead rung)', () => {
    const raised = new Set([stepKey(red.id, 'red_duty_lead')]);
    expect(dueEscalations([red], DEFAULT_TEAM_SETTINGS, raised, at(5 * HOUR))).toEqual([]);
    const steps = dueEscalations([red], DEFAULT_TEAM_SETTINGS, raised, at(8 * HOUR));
    expect(levels(steps)).toEqual([`${red.id}:unclaimed_manager`]);
    expect(steps[0]!.target).toEqual({ role: 'manager' });
  });

  it('do not escalate once claimed or closed', () => {
    const claimed = action({ kind: 'result_review', priority: 'red', status: 'claimed', assigneeId: 's-1', assigneeName: 'Fictional Pharmacist', claimedAt: at(10 * MINUTE), updatedAt: at(10 * MINUTE) });
    const closed = action({ kind: 'result_review', priority: 'red', status: 'closed', closedAt: at(20 * MINUTE) });
    expect(dueEscalations([claimed, closed], DEFAULT_TEAM_SETTINGS, none, at(2 * HOUR))).toEqual([]);
  });

  it('an amber result review is not a red one: it waits for the amber limit', () => {
    const amber = action({ kind: 'result_review', priority: 'amber' });
    expect(dueEscalations([amber], DEFAULT_TEAM_SETTINGS, none, at(2 * HOUR))).toEqual([]);
    expect(levels(dueEscalations([amber], DEFAULT_TEAM_SETTINGS, none, at(24 * HOUR)))).toEqual([`${amber.id}:unclaimed_duty_lead`]);
  });
});

describe('unclaimed work', () => {
  it.each([
    ['routine', 72],
    ['amber', 24],
    ['red', 4],
  ] as const)('a %s action goes to the duty lead after %i hours and to the manager after twice that', (priority, hours) => {
    const a = action({ priority });
    expect(dueEscalations([a], DEFAULT_TEAM_SETTINGS, none, at(hours * HOUR - 1))).toEqual([]);
    expect(levels(dueEscalations([a], DEFAULT_TEAM_SETTINGS, none, at(hours * HOUR)))).toEqual([`${a.id}:unclaimed_duty_lead`]);
    const raised = new Set([stepKey(a.id, 'unclaimed_duty_lead')]);
    expect(dueEscalations([a], DEFAULT_TEAM_SETTINGS, raised, at(2 * hours * HOUR - 1))).toEqual([]);
    const manager = dueEscalations([a], DEFAULT_TEAM_SETTINGS, raised, at(2 * hours * HOUR));
    expect(levels(manager)).toEqual([`${a.id}:unclaimed_manager`]);
    expect(dueEscalations([a], DEFAULT_TEAM_SETTINGS, new Set([...raised, stepKey(a.id, 'unclaimed_manager')]), at(100 * hours * HOUR))).toEqual([]);
  });

  it('follows the team limits per priority', () => {
    const settings = teamSettingsSchema.parse({ unclaimedLimitHours: { red: 2, amber: 6, routine: 12 } });
    const a = action({ priority: 'routine' });
    expect(levels(dueEscalations([a], settings, none, at(12 * HOUR)))).toEqual([`${a.id}:unclaimed_duty_lead`]);
  });

  it('raises both rungs when both are due (the service was down through both limits)', () => {
    const a = action({ priority: 'amber' });
    expect(levels(dueEscalations([a], DEFAULT_TEAM_SETTINGS, none, at(50 * HOUR)))).toEqual([`${a.id}:unclaimed_duty_lead`, `${a.id}:unclaimed_manager`]);
  });

  it('an action handed to a role but still unclaimed is unclaimed work', () => {
    const a = action({ kind: 'dna_followup', assignedRole: 'nurse' });
    expect(levels(dueEscalations([a], DEFAULT_TEAM_SETTINGS, none, at(72 * HOUR)))).toEqual([`${a.id}:unclaimed_duty_lead`]);
  });

  it('an escalation for the duty lead climbs only to the manager, and one for the manager goes nowhere', () => {
    const forDutyLead = action({ kind: 'escalation', priority: 'amber', assignedRole: 'duty_lead' });
    const forPrescriber = action({ kind: 'escalation', priority: 'amber', assignedRole: 'prescriber' });
    const forManager = action({ kind: 'escalation', priority: 'amber', assignedRole: 'manager' });
    const steps = dueEscalations([forDutyLead, forPrescriber, forManager], DEFAULT_TEAM_SETTINGS, none, at(30 * 24 * HOUR));
    expect(levels(steps)).toEqual([`${forDutyLead.id}:unclaimed_manager`, `${forPrescriber.id}:unclaimed_manager`]);
  });

  it('closed and cancelled actions never escalate, however old', () => {
    const closed = action({ status: 'closed', closedAt: at(HOUR), outcome: 'test_booked' });
    const cancelled = action({ status: 'cancelled', closedAt: at(HOUR) });
    expect(dueEscalations([closed, cancelled], DEFAULT_TEAM_SETTINGS, none, at(365 * 24 * HOUR))).toEqual([]);
  });
});

describe('stale claims', () => {
  const claimedAt = at(HOUR);
  const claimed = action({ status: 'claimed', assigneeId: 'staff-7', assigneeName: 'Fictional Nurse', claimedAt, updatedAt: claimedAt });

  it('remind the holder once the claim has gone untouched for staleClaimHours (72 by default)', () => {
    expect(dueEscalations([claimed], DEFAULT_TEAM_SETTINGS, none, new Date(claimedAt.getTime() + 72 * HOUR - 1))).toEqual([]);
    const steps = dueEscalations([claimed], DEFAULT_TEAM_SETTINGS, none, new Date(claimedAt.getTime() + 72 * HOUR));
    expect(steps).toHaveLength(1);
    expect(steps[0]).toMatchObject({ kind: 'stale_reminder', level: staleLevel(claimedAt), target: { holderId: 'staff-7', holderName: 'Fictional Nurse' } });
    expect(steps[0]!.level).toBe(`stale_reminder:${claimedAt.toISOString()}`);
  });

  it('count from the last change (a note), not from the claim', () => {
    const noted = { ...claimed, updatedAt: new Date(claimedAt.getTime() + 48 * HOUR) };
    expect(dueEscalations([noted], DEFAULT_TEAM_SETTINGS, none, new Date(claimedAt.getTime() + 100 * HOUR))).toEqual([]);
    expect(dueEscalations([noted], DEFAULT_TEAM_SETTINGS, none, new Date(claimedAt.getTime() + 120 * HOUR))).toHaveLength(1);
  });

  it('remind once per claim: the same claim is not reminded again, a new claim may be', () => {
    const later = new Date(claimedAt.getTime() + 400 * HOUR);
    const raised = new Set([stepKey(claimed.id, staleLevel(claimedAt))]);
    expect(dueEscalations([claimed], DEFAULT_TEAM_SETTINGS, raised, later)).toEqual([]);
    const reclaimedAt = new Date(claimedAt.getTime() + 200 * HOUR);
    const reclaimed = { ...claimed, claimedAt: reclaimedAt, updatedAt: reclaimedAt };
    expect(levels(dueEscalations([reclaimed], DEFAULT_TEAM_SETTINGS, raised, later))).toEqual([`${claimed.id}:${staleLevel(reclaimedAt)}`]);
  });

  it('a claimed action is never escalated as unclaimed', () => {
    const steps = dueEscalations([claimed], DEFAULT_TEAM_SETTINGS, none, at(71 * HOUR));
    expect(steps).toEqual([]);
  });
});

describe('onboarding: no clock runs before the team\'s first digest', () => {
  it('an action raised weeks before the first digest is measured from the digest', () => {
    const old = action({ priority: 'amber', createdAt: new Date(RAISED.getTime() - 30 * 24 * HOUR) });
    const red = action({ kind: 'result_review', priority: 'red', createdAt: new Date(RAISED.getTime() - 30 * 24 * HOUR) });
    const firstDigest = RAISED;
    expect(dueEscalations([old, red], DEFAULT_TEAM_SETTINGS, none, at(59 * MINUTE), firstDigest)).toEqual([]);
    expect(levels(dueEscalations([old, red], DEFAULT_TEAM_SETTINGS, none, at(60 * MINUTE), firstDigest))).toEqual([`${red.id}:red_duty_lead`]);
    expect(levels(dueEscalations([old], DEFAULT_TEAM_SETTINGS, none, at(24 * HOUR), firstDigest))).toEqual([`${old.id}:unclaimed_duty_lead`]);
  });
});

it('lists steps by action id, so two sweeps take their locks in the same order', () => {
  const a = action({ priority: 'amber' });
  const b = action({ priority: 'amber' });
  expect(levels(dueEscalations([b, a], DEFAULT_TEAM_SETTINGS, none, at(24 * HOUR)))).toEqual([`${a.id}:unclaimed_duty_lead`, `${b.id}:unclaimed_duty_lead`]);
});
