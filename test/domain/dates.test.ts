import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { addMonths, addMonthsToDay, ageOn, dayNumber, daysBetween, fromDayNumber, isIsoDate, todayIn } from '../../src/domain/dates.js';
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

describe('day-number arithmetic agrees with the platform calendar', () => {
  const reference = (n: number) => new Date(n * 86_400_000).toISOString().slice(0, 10);

  it('round-trips every day from 1900 to 2200', () => {
    fc.assert(fc.property(fc.integer({ min: -25_567, max: 84_000 }), (n) => {
      expect(fromDayNumber(n)).toBe(reference(n));
      expect(dayNumber(fromDayNumber(n))).toBe(n);
    }), { numRuns: 5_000 });
  });

  it('adds calendar months the same way on day numbers and on strings, clamping to month ends', () => {
    fc.assert(fc.property(fc.integer({ min: -25_567, max: 84_000 }), fc.integer({ min: -240, max: 240 }), (n, months) => {
      const viaDays = fromDayNumber(addMonthsToDay(n, months));
      const viaString = addMonths(fromDayNumber(n), months);
      expect(viaDays).toBe(viaString);
      const target = new Date(n * 86_400_000);
      const expectedMonth = ((target.getUTCMonth() + months) % 12 + 12) % 12;
      expect(Number(viaDays.slice(5, 7)) - 1).toBe(expectedMonth);
    }), { numRuns: 5_000 });
  });
});
