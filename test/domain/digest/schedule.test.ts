import { describe, expect, it } from 'vitest';
import { dueDigestRuns, periodStartFor } from '../../../src/domain/digest/schedule.js';
import { DEFAULT_TEAM_SETTINGS, teamSettingsSchema } from '../../../src/domain/digest/settings.js';

const LONDON = 'Europe/London';
const at = (iso: string) => new Date(iso);
const settings = (raw: object) => teamSettingsSchema.parse(raw);
const SEVEN_DAYS = settings({ workingDays: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], monthlyDigest: false });
/** What is due, compactly: kind, period, scheduled instant, late. */
const due = (s: typeof DEFAULT_TEAM_SETTINGS, now: Date, zone = LONDON) =>
  dueDigestRuns(s, zone, now).map((r) => `${r.kind} ${r.periodStart} ${r.scheduledFor.toISOString()}${r.late ? ' late' : ''}`);

describe('daily digest on the clock-change days (Sundays: a team working 7 days)', () => {
  it('2027-03-28, clocks spring forward: 08:30 BST is 07:30Z', () => {
    expect(due(SEVEN_DAYS, at('2027-03-28T07:29:59Z'))).toEqual([]);
    expect(due(SEVEN_DAYS, at('2027-03-28T07:30:00Z'))).toEqual(['daily 2027-03-28 2027-03-28T07:30:00.000Z']);
  });

  it('2027-10-31, clocks fall back: 08:30 GMT is 08:30Z', () => {
    expect(due(SEVEN_DAYS, at('2027-10-31T08:29:00Z'))).toEqual([]);
    expect(due(SEVEN_DAYS, at('2027-10-31T08:30:00Z'))).toEqual(['daily 2027-10-31 2027-10-31T08:30:00.000Z']);
  });

  it('2026-03-29 and 2026-10-25 likewise', () => {
    expect(due(SEVEN_DAYS, at('2026-03-29T07:30:00Z'))).toEqual(['daily 2026-03-29 2026-03-29T07:30:00.000Z']);
    expect(due(SEVEN_DAYS, at('2026-10-25T07:45:00Z'))).toEqual([]);
    expect(due(SEVEN_DAYS, at('2026-10-25T08:30:00Z'))).toEqual(['daily 2026-10-25 2026-10-25T08:30:00.000Z']);
  });

  it('a 01:30 digest on 2027-03-28 (inside the skipped hour) runs at 01:00Z, when the clocks jump to 02:00 BST', () => {
    const early = settings({ ...SEVEN_DAYS, dailyDigestTime: '01:30' });
    expect(due(early, at('2027-03-28T00:59:59Z'))).toEqual([]);
    expect(due(early, at('2027-03-28T01:00:00Z'))).toEqual(['daily 2027-03-28 2027-03-28T01:00:00.000Z']);
  });

  it('a 01:30 digest on 2027-10-31 (a repeated hour) runs once, at the first 01:30 (BST, 00:30Z)', () => {
    const early = settings({ ...SEVEN_DAYS, dailyDigestTime: '01:30' });
    expect(due(early, at('2027-10-31T00:29:00Z'))).toEqual([]);
    expect(due(early, at('2027-10-31T00:30:00Z'))).toEqual(['daily 2027-10-31 2027-10-31T00:30:00.000Z']);
    // At the second 01:30 (GMT) it is the same run, an hour after its time: late.
    expect(due(early, at('2027-10-31T01:30:00Z'))).toEqual(['daily 2027-10-31 2027-10-31T00:30:00.000Z late']);
  });
});

describe('working days and holidays (default settings: Monday to Friday, England and Wales, weekly on Monday)', () => {
  it('a weekend: nothing at all', () => {
    expect(due(DEFAULT_TEAM_SETTINGS, at('2026-12-05T12:00:00Z'))).toEqual([]);
    expect(due(DEFAULT_TEAM_SETTINGS, at('2026-12-06T12:00:00Z'))).toEqual([]);
  });

  it('an ordinary Monday: the daily and the weekly digest', () => {
    expect(due(DEFAULT_TEAM_SETTINGS, at('2026-12-07T08:30:00Z'))).toEqual([
      'daily 2026-12-07 2026-12-07T08:30:00.000Z',
      'weekly 2026-12-07 2026-12-07T08:30:00.000Z',
    ]);
  });

  it('a bank holiday Monday (early May, 2026-05-04): no daily digest; the weekly one moves to Tuesday', () => {
    expect(due(DEFAULT_TEAM_SETTINGS, at('2026-05-04T12:00:00Z'))).toEqual([]);
    // 08:30 BST is 07:30Z; the week's period still starts on the Monday.
    expect(due(DEFAULT_TEAM_SETTINGS, at('2026-05-05T07:29:00Z'))).toEqual([]);
    expect(due(DEFAULT_TEAM_SETTINGS, at('2026-05-05T07:30:00Z'))).toEqual([
      'daily 2026-05-05 2026-05-05T07:30:00.000Z',
      'weekly 2026-05-04 2026-05-05T07:30:00.000Z',
    ]);
    // Wednesday: the weekly digest was Tuesday's, not caught up again.
    expect(due(DEFAULT_TEAM_SETTINGS, at('2026-05-06T09:00:00Z'))).toEqual(['daily 2026-05-06 2026-05-06T07:30:00.000Z late']);
  });

  it("a team's own closure: no daily digest; its Wednesday weekly digest moves to Thursday", () => {
    const team = settings({ extraHolidays: ['2026-12-02'], weeklyDigestDay: 'wed', weeklyDigestTime: '10:00' });
    expect(due(team, at('2026-12-02T12:00:00Z'))).toEqual([]);
    expect(due(team, at('2026-12-03T10:00:00Z'))).toEqual([
      'daily 2026-12-03 2026-12-03T08:30:00.000Z late',
      'weekly 2026-11-30 2026-12-03T10:00:00.000Z',
    ]);
  });

  it('a weekly day with no working day left in its week gives no weekly digest that week', () => {
    // Friday 25 December 2026 is Christmas Day; Saturday and Sunday are not worked.
    const team = settings({ weeklyDigestDay: 'fri' });
    for (const day of ['2026-12-25', '2026-12-26', '2026-12-27']) expect(due(team, at(`${day}T12:00:00Z`))).toEqual([]);
    expect(due(team, at('2026-12-18T09:00:00Z'))).toContain('weekly 2026-12-14 2026-12-18T08:30:00.000Z');
  });
});

describe('monthly summary: the first working day of the month at the weekly time', () => {
  it('on the 1st when it is worked', () => {
    expect(due(DEFAULT_TEAM_SETTINGS, at('2026-12-01T08:30:00Z'))).toEqual([
      'daily 2026-12-01 2026-12-01T08:30:00.000Z',
      'monthly 2026-12-01 2026-12-01T08:30:00.000Z',
    ]);
  });

  it('after New Year (a bank holiday, Thursday 2026-01-01): Friday the 2nd', () => {
    expect(due(DEFAULT_TEAM_SETTINGS, at('2026-01-01T12:00:00Z'))).toEqual([]);
    expect(due(DEFAULT_TEAM_SETTINGS, at('2026-01-02T08:30:00Z'))).toEqual([
      'daily 2026-01-02 2026-01-02T08:30:00.000Z',
      'monthly 2026-01-01 2026-01-02T08:30:00.000Z',
    ]);
  });

  it('a month starting on a Saturday (August 2026): Monday the 3rd, with the weekly digest', () => {
    expect(due(DEFAULT_TEAM_SETTINGS, at('2026-08-03T07:30:00Z'))).toEqual([
      'daily 2026-08-03 2026-08-03T07:30:00.000Z',
      'weekly 2026-08-03 2026-08-03T07:30:00.000Z',
      'monthly 2026-08-01 2026-08-03T07:30:00.000Z',
    ]);
  });

  it('not at all when the team has turned it off', () => {
    expect(due(settings({ monthlyDigest: false }), at('2026-12-01T08:30:00Z'))).toEqual(['daily 2026-12-01 2026-12-01T08:30:00.000Z']);
  });
});

describe('only the current local date counts', () => {
  it('a run missed yesterday is not due today', () => {
    // Monday 7 December's daily and weekly digests were never posted (the service was down all day).
    // Tuesday before 08:30: nothing is due, Monday's runs included.
    expect(due(DEFAULT_TEAM_SETTINGS, at('2026-12-08T08:00:00Z'))).toEqual([]);
    // Tuesday after 08:30: Tuesday's daily digest only.
    expect(due(DEFAULT_TEAM_SETTINGS, at('2026-12-08T08:30:00Z'))).toEqual(['daily 2026-12-08 2026-12-08T08:30:00.000Z']);
  });

  it("the team's date, not the server's: 23:30Z on 31 May is already 1 June in London", () => {
    const lateNight = settings({ dailyDigestTime: '00:15', weeklyDigestTime: '00:15' });
    // Monday 1 June 2026, 00:30 BST.
    expect(due(lateNight, at('2026-05-31T23:30:00Z'))).toEqual([
      'daily 2026-06-01 2026-05-31T23:15:00.000Z',
      'weekly 2026-06-01 2026-05-31T23:15:00.000Z',
      'monthly 2026-06-01 2026-05-31T23:15:00.000Z',
    ]);
  });
});

describe('late marking', () => {
  it('late only when more than lateAfterMinutes (default 30) past the scheduled time', () => {
    const run = (iso: string) => dueDigestRuns(DEFAULT_TEAM_SETTINGS, LONDON, at(iso)).find((r) => r.kind === 'daily');
    expect(run('2026-12-02T08:30:00Z')?.late).toBe(false);
    expect(run('2026-12-02T09:00:00Z')?.late).toBe(false);
    expect(run('2026-12-02T09:00:01Z')?.late).toBe(true);
    // Back after an outage at 15:00 the same working day: still due, marked late.
    expect(run('2026-12-02T15:00:00Z')).toEqual({ kind: 'daily', periodStart: '2026-12-02', scheduledFor: at('2026-12-02T08:30:00Z'), late: true });
  });

  it('follows the team setting', () => {
    const patient = settings({ lateAfterMinutes: 120 });
    expect(dueDigestRuns(patient, LONDON, at('2026-12-02T10:30:00Z'))[0]?.late).toBe(false);
    expect(dueDigestRuns(patient, LONDON, at('2026-12-02T10:31:00Z'))[0]?.late).toBe(true);
  });
});

describe('periodStartFor (hand-run digests)', () => {
  it('the day, the Monday of its week, the 1st of its month', () => {
    expect(periodStartFor('daily', '2026-12-02')).toBe('2026-12-02');
    expect(periodStartFor('weekly', '2026-12-02')).toBe('2026-11-30');
    expect(periodStartFor('weekly', '2026-12-06')).toBe('2026-11-30');
    expect(periodStartFor('monthly', '2026-12-31')).toBe('2026-12-01');
  });
});
