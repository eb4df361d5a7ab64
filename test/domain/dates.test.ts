import { describe, expect, it } from 'vitest';
import { addMonths, ageOn, daysBetween, isIsoDate, todayIn } from '../../src/domain/dates.js';
import { addDuration } from '../../src/domain/durations.js';

describe('calendar dates', () => {
  it.each([
    ['2026-01-31', 1, '2026-02-28'], ['2024-01-31', 1, '2024-02-29'], ['2024-02-29', 12, '2025-02-28'],
    ['2026-03-31', -1, '2026-02-28'], ['2026-12-15', 1, '2027-01-15'], ['2026-01-15', -13, '2024-12-15'],
  ])('%s + %d months = %s', (date, months, expected) => {
    expect(addMonths(date, months)).toBe(expected);
  });

  it('validates real calendar dates only', () => {
    expect(isIsoDate('2024-02-29')).toBe(true);
    expect(isIsoDate('2025-02-29')).toBe(false);
    expect(isIsoDate('2025-13-01')).toBe(false);
    expect(isIsoDate('25-01-01')).toBe(false);
  });

  it('counts days across a leap day and a daylight-saving change', () => {
    expect(daysBetween('2024-02-28', '2024-03-01')).toBe(2);
    expect(daysBetween('2026-03-28', '2026-03-30')).toBe(2);
  });

  it('ages change on the birthday; 29 February birthdays fall on 1 March in common years', () => {
    expect(ageOn('1961-06-15', '2026-06-14')).toBe(64);
    expect(ageOn('1961-06-15', '2026-06-15')).toBe(65);
    expect(ageOn('1960-02-29', '2025-02-28')).toBe(64);
    expect(ageOn('1960-02-29', '2025-03-01')).toBe(65);
    expect(ageOn('1960-02-29', '2024-02-29')).toBe(64);
  });

  it('durations: weeks are exact, months are calendar months', () => {
    expect(addDuration('2026-01-05', '18w')).toBe('2026-05-11');
    expect(addDuration('2026-11-30', '3m')).toBe('2027-02-28');
    expect(addDuration('2024-02-29', '1y')).toBe('2025-02-28');
  });

  it("a team's today depends on its time zone", () => {
    const lateEvening = new Date('2026-06-15T23:30:00Z');
    expect(todayIn('Europe/London', lateEvening)).toBe('2026-06-16');
    expect(todayIn('UTC', lateEvening)).toBe('2026-06-15');
  });
});
