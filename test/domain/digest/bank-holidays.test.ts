import { describe, expect, it } from 'vitest';
import { HOLIDAY_DATA_YEARS, holidayDataCovers, holidaysOf } from '../../../src/domain/digest/bank-holidays.js';

/*
 * An independent computation of the England and Wales bank holidays, from the rules rather than
 * from the shipped list: Easter by the anonymous Gregorian algorithm (Meeus/Jones/Butcher),
 * Good Friday two days before and Easter Monday the day after; the first and last Mondays of May;
 * the last Monday of August; New Year's Day, Christmas Day and Boxing Day, each moved to the next
 * free weekday when it falls on a weekend (Banking and Financial Dealings Act 1971, Schedule 1).
 */
const utc = (y: number, m: number, d: number) => new Date(Date.UTC(y, m - 1, d));
const iso = (date: Date) => date.toISOString().slice(0, 10);
const plusDays = (date: Date, n: number) => new Date(date.getTime() + n * 86_400_000);
const isWeekend = (date: Date) => date.getUTCDay() === 0 || date.getUTCDay() === 6;

function easterSunday(year: number): Date {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return utc(year, month, day);
}

function firstMonday(year: number, month: number): Date {
  let date = utc(year, month, 1);
  while (date.getUTCDay() !== 1) date = plusDays(date, 1);
  return date;
}

function lastMonday(year: number, month: number): Date {
  let date = plusDays(utc(year, month + 1, 1), -1);
  while (date.getUTCDay() !== 1) date = plusDays(date, -1);
  return date;
}

function expectedHolidays(year: number): string[] {
  const days: Date[] = [];
  const taken = new Set<string>();
  // Fixed dates in calendar order: each weekend one moves to the next weekday not already a holiday.
  const fixed = (date: Date) => {
    let day = date;
    while (isWeekend(day) || taken.has(iso(day))) day = plusDays(day, 1);
    taken.add(iso(day));
    days.push(day);
  };
  fixed(utc(year, 1, 1));
  const easter = easterSunday(year);
  days.push(plusDays(easter, -2), plusDays(easter, 1), firstMonday(year, 5), lastMonday(year, 5), lastMonday(year, 8));
  fixed(utc(year, 12, 25));
  fixed(utc(year, 12, 26));
  return days.map(iso).sort();
}

const shippedIn = (year: number) => [...holidaysOf('england-and-wales')].filter((d) => d.startsWith(`${year}-`)).sort();

describe('England and Wales bank holidays', () => {
  it('Easter by the algorithm matches known dates (a check of the check)', () => {
    expect(iso(easterSunday(2024))).toBe('2024-03-31');
    expect(iso(easterSunday(2027))).toBe('2027-03-28');
    expect(iso(easterSunday(2030))).toBe('2030-04-21');
  });

  const years = Array.from({ length: HOLIDAY_DATA_YEARS.last - HOLIDAY_DATA_YEARS.first + 1 }, (_, i) => HOLIDAY_DATA_YEARS.first + i);

  it('covers 2024 to 2030', () => {
    expect(HOLIDAY_DATA_YEARS).toEqual({ first: 2024, last: 2030 });
  });

  it.each(years)('the shipped %i holidays are exactly the computed ones', (year) => {
    expect(shippedIn(year)).toEqual(expectedHolidays(year));
  });

  it('holds the substitute days when a holiday falls on a weekend', () => {
    const holidays = holidaysOf('england-and-wales');
    // Boxing Day 2026 is a Saturday; Christmas 2027 a Saturday and Boxing Day a Sunday; New Year 2028 a Saturday.
    for (const day of ['2026-12-28', '2027-12-27', '2027-12-28', '2028-01-03']) expect(holidays.has(day)).toBe(true);
    for (const day of ['2026-12-26', '2027-12-25', '2027-12-26', '2028-01-01']) expect(holidays.has(day)).toBe(false);
  });

  it('has eight holidays every year and none outside the covered years', () => {
    for (const year of years) expect(shippedIn(year)).toHaveLength(8);
    expect([...holidaysOf('england-and-wales')].every((d) => Number(d.slice(0, 4)) >= 2024 && Number(d.slice(0, 4)) <= 2030)).toBe(true);
  });

  it('the calendar "none" has no holidays and never runs out', () => {
    expect(holidaysOf('none').size).toBe(0);
    expect(holidayDataCovers('none', '2040-01-01')).toBe(true);
  });

  it('says when a date is outside the shipped data, so a caller can warn', () => {
    expect(holidayDataCovers('england-and-wales', '2024-01-01')).toBe(true);
    expect(holidayDataCovers('england-and-wales', '2030-12-31')).toBe(true);
    expect(holidayDataCovers('england-and-wales', '2023-12-31')).toBe(false);
    expect(holidayDataCovers('england-and-wales', '2031-01-01')).toBe(false);
  });
});
