/**
 * The weekly and monthly figures (issue 9 §2) on a hand-computed fixture of 30 actions. Every
 * expected number below was worked out by hand from the fixture's timestamps and the definitions
 * in the issue, not read back from the code. November 2026 is GMT, so the team's local times
 * (Europe/London) are the UTC times written here.
 *
 * Week: Monday 2026-11-16 00:00 to Monday 2026-11-23 00:00; the report runs at 09:00 on the 23rd.
 * Month: 2026-11-01 to 2026-12-01; the report runs at 09:00 on 1 December.
 * Unclaimed limits: red 4 h, amber 24 h, routine 72 h (the defaults).
 */
import { describe, expect, it } from 'vitest';
import type { ActionKind, ActionStatus, Priority } from '../../../src/domain/actions/kinds.js';
import type { DueStatus } from '../../../src/domain/due.js';
import {
  complianceDates, complianceSnapshot, computePeriodMetrics, lastCompletePeriod, periodContaining,
  type ComplianceSnapshot, type MetricsAction, type ReportPeriod,
} from '../../../src/domain/digest/metrics.js';
import { DEFAULT_TEAM_SETTINGS } from '../../../src/domain/digest/settings.js';

const ZONE = 'Europe/London';
const at = (dayTime: string) => new Date(`2026-${dayTime}:00Z`);

function act(id: number, kind: ActionKind, priority: Priority, status: ActionStatus, created: string, due: string,
  more: { closed?: string; outcome?: string; holds?: [string, boolean][] } = {}): MetricsAction {
  return {
    id, kind, priority, status, createdAt: at(created), dueAt: at(due), closedAt: more.closed ? at(more.closed) : null,
    outcome: more.outcome ?? null, holds: (more.holds ?? []).map(([when, held]) => ({ at: at(when), held })),
  };
}

const ACTIONS: MetricsAction[] = [
  // Result reviews
  act(1, 'result_review', 'red', 'closed', '11-16T10:00', '11-16T14:00', { holds: [['11-16T10:30', true]], closed: '11-16T13:00', outcome: 'in_range_no_action' }),
  act(2, 'result_review', 'amber', 'closed', '11-17T09:00', '11-20T09:00', { holds: [['11-18T09:00', true]], closed: '11-20T10:00', outcome: 'in_range_no_action' }),
  act(3, 'result_review', 'amber', 'closed', '11-13T12:00', '11-16T12:00', { holds: [['11-14T08:00', true]], closed: '11-15T08:00', outcome: 'in_range_no_action' }),
  act(4, 'result_review', 'routine', 'open', '11-14T09:00', '11-21T09:00'),
  act(5, 'result_review', 'red', 'open', '11-22T22:00', '11-23T02:00'),
  act(6, 'result_review', 'amber', 'cancelled', '11-16T12:00', '11-19T12:00'),
  // DNA follow-ups
  act(7, 'dna_followup', 'routine', 'closed', '11-16T09:00', '11-16T23:59', { holds: [['11-16T09:10', true]], closed: '11-16T15:00', outcome: 'rebooked' }),
  act(8, 'dna_followup', 'routine', 'closed', '11-17T10:00', '11-17T23:59', { holds: [['11-17T16:00', true]], closed: '11-17T16:00', outcome: 'unable_to_contact' }),
  act(9, 'dna_followup', 'routine', 'closed', '11-18T08:00', '11-18T23:59', { holds: [['11-18T12:00', true]], closed: '11-19T09:00', outcome: 'declined' }),
  act(10, 'dna_followup', 'routine', 'closed', '11-15T12:00', '11-15T23:59', { holds: [['11-15T13:00', true]], closed: '11-16T11:00', outcome: 'rebooked' }),
  act(11, 'dna_followup', 'routine', 'claimed', '11-22T12:00', '11-22T23:59', { holds: [['11-22T13:00', true]] }),
  act(12, 'dna_followup', 'routine', 'closed', '11-20T09:00', '11-20T23:59', { closed: '11-20T18:00', outcome: 'auto_resolved' }),
  // Reconciliations (due 72 hours after the start of the discharge day)
  act(13, 'reconciliation', 'amber', 'closed', '11-16T11:00', '11-19T00:00', { holds: [['11-16T14:00', true]], closed: '11-18T10:00', outcome: 'reconciled_no_change' }),
  act(14, 'reconciliation', 'amber', 'closed', '11-18T15:00', '11-21T00:00', { holds: [['11-20T15:00', true]], closed: '11-21T09:00', outcome: 'reconciled_changes' }),
  act(15, 'reconciliation', 'amber', 'open', '11-21T10:00', '11-24T00:00'),
  act(16, 'reconciliation', 'amber', 'open', '11-19T09:00', '11-22T00:00', { holds: [['11-19T10:00', true], ['11-19T12:00', false]] }),
  // Escalations
  act(17, 'escalation', 'amber', 'closed', '11-17T10:00', '11-17T14:00', { holds: [['11-17T11:00', true]], closed: '11-18T10:00', outcome: 'resolved' }),
  act(18, 'escalation', 'red', 'open', '11-21T20:00', '11-22T00:00'),
  act(19, 'escalation', 'amber', 'closed', '11-10T09:00', '11-13T09:00', { holds: [['11-10T10:00', true]], closed: '11-16T09:00', outcome: 'resolved' }),
  act(20, 'escalation', 'amber', 'claimed', '11-20T09:00', '11-20T13:00', { holds: [['11-20T09:30', true], ['11-20T12:00', false], ['11-21T08:00', true]] }),
  // Overdue monitoring
  act(21, 'overdue_monitoring', 'routine', 'closed', '11-09T06:00', '11-16T06:00', { holds: [['11-16T09:00', true]], closed: '11-17T10:00', outcome: 'test_booked' }),
  act(22, 'overdue_monitoring', 'routine', 'open', '11-02T06:00', '11-09T06:00'),
  act(23, 'overdue_monitoring', 'routine', 'open', '11-20T06:00', '11-27T06:00'),
  act(24, 'overdue_monitoring', 'routine', 'open', '11-20T00:00', '11-27T00:00'),
  act(25, 'overdue_monitoring', 'amber', 'claimed', '11-01T06:00', '11-08T06:00', { holds: [['11-03T06:00', true]] }),
  act(26, 'overdue_monitoring', 'routine', 'closed', '11-10T06:00', '11-17T06:00', { closed: '11-18T06:00', outcome: 'auto_resolved' }),
  act(27, 'overdue_monitoring', 'routine', 'claimed', '11-16T06:00', '11-23T06:00', { holds: [['11-16T08:00', true], ['11-16T09:00', false], ['11-17T08:00', true]] }),
  act(28, 'overdue_monitoring', 'routine', 'claimed', '11-23T06:00', '11-30T06:00', { holds: [['11-23T07:00', true]] }),
  act(29, 'overdue_monitoring', 'routine', 'closed', '11-16T07:00', '11-23T07:00', { holds: [['11-22T23:59', true]], closed: '11-22T23:59', outcome: 'declined' }),
  act(30, 'overdue_monitoring', 'routine', 'open', '10-20T06:00', '10-27T06:00', { holds: [['10-21T06:00', true], ['11-22T10:00', false]] }),
];

/** A snapshot from counts per group: [group, ok, due_soon, waived, overdue, never_done]. */
function snapshot(date: string, rows: [string, number, number, number, number, number][]): ComplianceSnapshot {
  const items: { ruleId: string; status: DueStatus }[] = [];
  for (const [ruleId, ...counts] of rows) {
    (['ok', 'due_soon', 'waived', 'overdue', 'never_done'] as const).forEach((status, i) => {
      for (let n = 0; n < counts[i]!; n++) items.push({ ruleId, status });
    });
  }
  return complianceSnapshot(date, items);
}

const WEEK: ReportPeriod = { kind: 'weekly', start: '2026-11-16', end: '2026-11-23' };
const MONTH: ReportPeriod = { kind: 'monthly', start: '2026-11-01', end: '2026-12-01' };
const limits = DEFAULT_TEAM_SETTINGS.unclaimedLimitHours;

describe('periods', () => {
  it('runs Monday to Monday and 1st to 1st, and the default is the last one to have ended', () => {
    expect(periodContaining('weekly', '2026-11-22')).toEqual({ kind: 'weekly', start: '2026-11-16', end: '2026-11-23' });
    expect(periodContaining('weekly', '2026-11-23')).toEqual({ kind: 'weekly', start: '2026-11-23', end: '2026-11-30' });
    expect(lastCompletePeriod('weekly', '2026-11-23')).toEqual(WEEK);
    expect(lastCompletePeriod('weekly', '2026-11-22')).toEqual({ kind: 'weekly', start: '2026-11-09', end: '2026-11-16' });
    expect(lastCompletePeriod('monthly', '2026-12-01')).toEqual(MONTH);
    expect(lastCompletePeriod('monthly', '2026-03-01')).toEqual({ kind: 'monthly', start: '2026-02-01', end: '2026-03-01' });
    expect(periodContaining('monthly', '2024-12-31')).toEqual({ kind: 'monthly', start: '2024-12-01', end: '2025-01-01' });
  });

  it('the week the clocks go forward is Monday 00:00 GMT to Monday 00:00 BST', () => {
    const metrics = computePeriodMetrics({ period: periodContaining('weekly', '2026-03-29'), timeZone: ZONE, now: new Date('2026-04-01T12:00:00Z'), actions: [], snapshots: [], unclaimedLimitHours: limits });
    expect(metrics.from.toISOString()).toBe('2026-03-23T00:00:00.000Z');
    expect(metrics.to.toISOString()).toBe('2026-03-29T23:00:00.000Z');
  });

  it('the 12-week series ends on the period\'s last day, or today while the period runs', () => {
    const dates = complianceDates(WEEK, '2026-11-23');
    expect(dates).toHaveLength(12);
    expect([dates[0], dates[11]]).toEqual(['2026-09-06', '2026-11-22']);
    expect(complianceDates(WEEK, '2026-11-19').at(-1)).toBe('2026-11-19');
  });
});

describe('compliance snapshots', () => {
  it('counts ok, due soon and waived as in date, overdue and never done as not, by drug group', () => {
    expect(snapshot('2026-11-22', [['lithium', 7, 1, 1, 1, 0], ['clozapine', 2, 0, 0, 1, 1]])).toEqual({
      date: '2026-11-22',
      groups: [
        { group: 'clozapine', total: 4, inDate: 2, waived: 0, overdue: 2 },
        { group: 'lithium', total: 10, inDate: 9, waived: 1, overdue: 1 },
      ],
    });
  });
});

describe('the weekly figures for the fixture', () => {
  const snapshots = [
    snapshot('2026-10-25', [['lithium', 8, 0, 0, 2, 0], ['clozapine', 0, 0, 0, 2, 2]]),
    snapshot('2026-11-01', [['lithium', 9, 0, 0, 1, 0], ['clozapine', 0, 0, 0, 2, 2]]),
    snapshot('2026-11-08', [['lithium', 9, 0, 0, 1, 0], ['clozapine', 0, 0, 0, 2, 2]]),
    snapshot('2026-11-15', [['lithium', 9, 0, 0, 1, 0], ['clozapine', 1, 0, 0, 2, 1]]),
    snapshot('2026-11-22', [['lithium', 7, 1, 1, 1, 0], ['clozapine', 2, 0, 0, 1, 1]]),
  ];
  const metrics = computePeriodMetrics({ period: WEEK, timeZone: ZONE, now: at('11-23T09:00'), actions: ACTIONS, snapshots, unclaimedLimitHours: limits });

  it('measures compliance on the last day of the week, by drug group and for the team, waived counted in date', () => {
    expect(metrics.complianceDate).toBe('2026-11-22');
    expect(metrics.compliance?.groups).toEqual([
      { group: 'clozapine', met: 2, of: 4, percent: 50, waived: 0, overdue: 2 },
      { group: 'lithium', met: 9, of: 10, percent: 90, waived: 1, overdue: 1 },
    ]);
    // 11 of the team's 14 requirements are in date.
    expect(metrics.compliance?.team).toMatchObject({ met: 11, of: 14, waived: 1, overdue: 3 });
    expect(metrics.compliance?.team.percent).toBeCloseTo(78.571, 3);
  });

  it('gives the overdue count now and at the end of each of the 4 weeks before', () => {
    expect(metrics.overdueTrend).toEqual([
      { date: '2026-10-25', overdue: 6 }, { date: '2026-11-01', overdue: 5 }, { date: '2026-11-08', overdue: 5 },
      { date: '2026-11-15', overdue: 4 }, { date: '2026-11-22', overdue: 3 },
    ]);
  });

  it('counts result reviews due in the week closed by their due time: A1 and A3 of A1–A4 (A5 is due next week, A6 was cancelled)', () => {
    expect(metrics.resultReviewsInTime).toEqual({ met: 2, of: 4, percent: 50, pending: 0 });
  });

  it('counts DNA follow-ups whose 24 hours ended in the week, reached within them: A7 and A10 of A7–A10 and A12', () => {
    // A8 could not reach the patient, A9 reached them after 25 hours, A12 closed itself without contact.
    expect(metrics.dnaContactedIn24h).toEqual({ met: 2, of: 5, percent: 40, pending: 0 });
  });

  it('counts reconciliations due in the week closed within 72 hours of the discharge day: A13 of A13, A14 and A16', () => {
    expect(metrics.reconciliationsInTime.met).toBe(1);
    expect(metrics.reconciliationsInTime.of).toBe(3);
    expect(metrics.reconciliationsInTime.percent).toBeCloseTo(33.333, 3);
  });

  it('takes the median time to claim over the 14 actions first taken in the week', () => {
    // 10, 30, 30, 60, 60, 60, 120 | 180, 240, 360, 1440, 2880, 9659, 10260 minutes: (120 + 180) / 2.
    expect(metrics.timeToClaim).toEqual({ minutes: 150, count: 14 });
  });

  it('takes the median time to close over the 14 actions closed in the week, automatic closes included', () => {
    // 180, 360, 360, 540, 1380, 1440, 1500 | 2820, 3960, 4380, 8640, 9659, 11520, 11760 minutes: (1500 + 2820) / 2.
    expect(metrics.timeToClose).toEqual({ minutes: 2160, count: 14 });
  });

  it('counts escalations raised (A17, A18, A20) and closed (A17, A19) in the week', () => {
    expect(metrics.escalations).toEqual({ raised: 3, closed: 2 });
  });

  it('counts actions unclaimed beyond their limit at the end of the week, from when raised or last given back', () => {
    // Red A18 (28 h), amber A15 (38 h) and A16 (84 h since released), routine A4 (207 h) and A22.
    // Not: A5 (red, 2 h), A23 (66 h), A24 (exactly 72 h), A30 (14 h since released), held ones, A28 (raised later).
    expect(metrics.unclaimedBeyondLimit).toEqual({ total: 5, byPriority: { red: 1, amber: 2, routine: 2 } });
  });
});

describe('the monthly figures for the fixture', () => {
  const snapshots = [snapshot('2026-11-30', [['lithium', 5, 0, 0, 0, 0], ['doac', 1, 0, 1, 2, 0]])];
  const metrics = computePeriodMetrics({ period: MONTH, timeZone: ZONE, now: new Date('2026-12-01T09:00:00Z'), actions: ACTIONS, snapshots, unclaimedLimitHours: limits });

  it('measures compliance on 30 November, and says the trend is unknown where no snapshot was taken', () => {
    expect(metrics.compliance?.team).toMatchObject({ met: 7, of: 9, waived: 1, overdue: 2 });
    expect(metrics.overdueTrend.map((t) => [t.date, t.overdue])).toEqual([
      ['2026-11-02', null], ['2026-11-09', null], ['2026-11-16', null], ['2026-11-23', null], ['2026-11-30', 2],
    ]);
  });

  it('counts every deadline that fell in November', () => {
    // Reviews: A1, A3 of A1–A5. DNA: A7, A10 of A7–A12 (A11 still open). Reconciliations: A13 of A13–A16.
    expect(metrics.resultReviewsInTime).toEqual({ met: 2, of: 5, percent: 40, pending: 0 });
    expect(metrics.dnaContactedIn24h).toMatchObject({ met: 2, of: 6, pending: 0 });
    expect(metrics.reconciliationsInTime).toEqual({ met: 1, of: 4, percent: 25, pending: 0 });
  });

  it('takes the medians over the month: 19 first takings, 15 closes', () => {
    expect(metrics.timeToClaim).toEqual({ minutes: 120, count: 19 });
    expect(metrics.timeToClose).toEqual({ minutes: 2640, count: 15 });
  });

  it('counts escalations and what was unclaimed beyond its limit on 1 December', () => {
    expect(metrics.escalations).toEqual({ raised: 4, closed: 2 });
    expect(metrics.unclaimedBeyondLimit).toEqual({ total: 9, byPriority: { red: 2, amber: 2, routine: 5 } });
  });
});

describe('a period still running, and empty denominators', () => {
  it('leaves deadlines still ahead and not yet met out as pending, and measures "at the end" figures now', () => {
    const now = at('11-19T12:00');
    const actions = [
      act(1, 'result_review', 'amber', 'closed', '11-17T09:00', '11-20T09:00', { holds: [['11-18T09:00', true]], closed: '11-18T10:00', outcome: 'in_range_no_action' }),
      act(2, 'result_review', 'amber', 'open', '11-18T09:00', '11-21T09:00'),
      act(3, 'result_review', 'red', 'open', '11-18T06:00', '11-18T10:00'),
    ];
    const metrics = computePeriodMetrics({ period: WEEK, timeZone: ZONE, now, actions, snapshots: [], unclaimedLimitHours: limits });
    // A1 met early; A2 is not due until tomorrow; A3 missed its time.
    expect(metrics.resultReviewsInTime).toEqual({ met: 1, of: 2, percent: 50, pending: 1 });
    expect(metrics.complianceDate).toBe('2026-11-19');
    expect(metrics.endAt).toEqual(now);
    // A2 (amber) has waited 27 h, A3 (red) 30 h.
    expect(metrics.unclaimedBeyondLimit.byPriority).toEqual({ red: 1, amber: 1, routine: 0 });
  });

  it('gives "not applicable" (null), never 0 % or 100 %, when nothing was due', () => {
    const metrics = computePeriodMetrics({ period: WEEK, timeZone: ZONE, now: at('11-23T09:00'), actions: [], snapshots: [snapshot('2026-11-22', [])], unclaimedLimitHours: limits });
    expect(metrics.resultReviewsInTime.percent).toBeNull();
    expect(metrics.dnaContactedIn24h.percent).toBeNull();
    expect(metrics.reconciliationsInTime.percent).toBeNull();
    expect(metrics.compliance?.team).toMatchObject({ met: 0, of: 0, percent: null });
    expect(metrics.timeToClaim).toEqual({ minutes: null, count: 0 });
    expect(metrics.timeToClose).toEqual({ minutes: null, count: 0 });
  });
});
