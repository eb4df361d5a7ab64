import { describe, expect, it } from 'vitest';
import { isWorkingDay, localDateTime, mondayOf, nextWorkingDay, weekdayOf } from '../../../src/domain/digest/calendar.js';
import { DEFAULT_TEAM_SETTINGS, teamSettingsSchema } from '../../../src/domain/digest/settings.js';

const settings = (raw: object) => teamSettingsSchema.parse(raw);
const LONDON = 'Europe/London';

describe('weekdays', () => {
  it('names the day of the week', () => {
    expect(weekdayOf('2026-12-02')).toBe('wed');
    expect(weekdayOf('2027-03-28')).toBe('sun');
    expect(weekdayOf('1970-01-01')).toBe('thu');
    expect(weekdayOf('1969-12-29')).toBe('mon');
  });

  it('finds the Monday of the week, Sunday belonging to the week before it', () => {
    expect(mondayOf('2026-12-02')).toBe('2026-11-30');
    expect(mondayOf('2026-11-30')).toBe('2026-11-30');
    expect(mondayOf('2026-12-06')).toBe('2026-11-30');
    expect(mondayOf('2027-01-01')).toBe('2026-12-28');
  });
});

describe('isWorkingDay', () => {
  it('by default: Monday to Friday, not England and Wales bank holidays', () => {
    expect(isWorkingDay('2026-12-02', DEFAULT_TEAM_SETTINGS)).toBe(true);
    expect(isWorkingDay('2026-12-05', DEFAULT_TEAM_SETTINGS)).toBe(false); // Saturday
    expect(isWorkingDay('2026-12-06', DEFAULT_TEAM_SETTINGS)).toBe(false); // Sunday
    expect(isWorkingDay('2026-05-04', DEFAULT_TEAM_SETTINGS)).toBe(false); // early May bank holiday
    expect(isWorkingDay('2026-12-28', DEFAULT_TEAM_SETTINGS)).toBe(false); // Boxing Day substitute
  });

  it('a team on the calendar "none" works bank holidays', () => {
    expect(isWorkingDay('2026-05-04', settings({ bankHolidays: 'none' }))).toBe(true);
  });

  it("a team's own closures are not working days", () => {
    const team = settings({ extraHolidays: ['2026-12-02'] });
    expect(isWorkingDay('2026-12-02', team)).toBe(false);
    expect(isWorkingDay('2026-12-03', team)).toBe(true);
  });

  it('a seven-day team works weekends but not bank holidays', () => {
    const team = settings({ workingDays: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] });
    expect(isWorkingDay('2026-12-05', team)).toBe(true);
    expect(isWorkingDay('2026-12-25', team)).toBe(false);
  });
});

describe('nextWorkingDay', () => {
  it('is the first working day after the date', () => {
    expect(nextWorkingDay('2026-12-02', DEFAULT_TEAM_SETTINGS)).toBe('2026-12-03');
    expect(nextWorkingDay('2026-12-04', DEFAULT_TEAM_SETTINGS)).toBe('2026-12-07'); // Friday → Monday
    // Thursday 24 December 2026 → Christmas Friday, weekend, Boxing Day substitute Monday 28 → Tuesday 29.
    expect(nextWorkingDay('2026-12-24', DEFAULT_TEAM_SETTINGS)).toBe('2026-12-29');
    expect(nextWorkingDay('2026-12-28', settings({ extraHolidays: ['2026-12-29', '2026-12-30'] }))).toBe('2026-12-31');
  });
});

describe('localDateTime', () => {
  it('08:30 is 08:30Z in winter and 07:30Z in summer', () => {
    expect(localDateTime('2026-12-02', '08:30', LONDON).toISOString()).toBe('2026-12-02T08:30:00.000Z');
    expect(localDateTime('2026-07-01', '08:30', LONDON).toISOString()).toBe('2026-07-01T07:30:00.000Z');
  });

  it('on the spring-forward days (2026-03-29, 2027-03-28) 08:30 is BST', () => {
    expect(localDateTime('2026-03-29', '08:30', LONDON).toISOString()).toBe('2026-03-29T07:30:00.000Z');
    expect(localDateTime('2027-03-28', '08:30', LONDON).toISOString()).toBe('2027-03-28T07:30:00.000Z');
  });

  it('on the fall-back days (2026-10-25, 2027-10-31) 08:30 is GMT', () => {
    expect(localDateTime('2026-10-25', '08:30', LONDON).toISOString()).toBe('2026-10-25T08:30:00.000Z');
    expect(localDateTime('2027-10-31', '08:30', LONDON).toISOString()).toBe('2027-10-31T08:30:00.000Z');
  });

  it('a time inside the spring-forward gap is the first instant after it (01:30 → 02:00 BST = 01:00Z)', () => {
    expect(localDateTime('2027-03-28', '01:30', LONDON).toISOString()).toBe('2027-03-28T01:00:00.000Z');
    expect(localDateTime('2027-03-28', '01:00', LONDON).toISOString()).toBe('2027-03-28T01:00:00.000Z');
    expect(localDateTime('2027-03-28', '01:59', LONDON).toISOString()).toBe('2027-03-28T01:00:00.000Z');
    // Either side of the gap, times are as written.
    expect(localDateTime('2027-03-28', '00:59', LONDON).toISOString()).toBe('2027-03-28T00:59:00.000Z');
    expect(localDateTime('2027-03-28', '02:00', LONDON).toISOString()).toBe('2027-03-28T01:00:00.000Z');
  });

  it('a time repeated when the clocks go back is its first occurrence (01:30 BST = 00:30Z)', () => {
    expect(localDateTime('2027-10-31', '01:30', LONDON).toISOString()).toBe('2027-10-31T00:30:00.000Z');
    expect(localDateTime('2027-10-31', '01:00', LONDON).toISOString()).toBe('2027-10-31T00:00:00.000Z');
    expect(localDateTime('2027-10-31', '02:00', LONDON).toISOString()).toBe('2027-10-31T02:00:00.000Z');
  });

  it('works in other zones, midnight and the end of the day included', () => {
    expect(localDateTime('2026-12-02', '00:00', 'America/New_York').toISOString()).toBe('2026-12-02T05:00:00.000Z');
    expect(localDateTime('2026-12-02', '23:59', 'Asia/Kolkata').toISOString()).toBe('2026-12-02T18:29:00.000Z');
    // New York springs forward at 02:00 local on 2027-03-14: 02:30 is in the gap → 03:00 EDT = 07:00Z.
    expect(localDateTime('2027-03-14', '02:30', 'America/New_York').toISOString()).toBe('2027-03-14T07:00:00.000Z');
  });

  it('refuses a time that is not HH:MM', () => {
    expect(() => localDateTime('2026-12-02', '8:30', LONDON)).toThrow(RangeError);
  });
});
