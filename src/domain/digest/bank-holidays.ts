/**
 * Bank holidays as data, so a team's daily digest does not go out to an empty office.
 *
 * Source: GOV.UK, "UK bank holidays", division "england-and-wales" of
 * https://www.gov.uk/bank-holidays.json (checked 2026), including substitute days: when a
 * holiday falls on a weekend the next weekday is the bank holiday instead (Banking and Financial
 * Dealings Act 1971, Schedule 1, and the annual Royal Proclamations). GOV.UK publishes about two
 * years ahead; the later years here follow the same statutory pattern (New Year's Day, Good Friday,
 * Easter Monday, the first and last Mondays of May, the last Monday of August, Christmas Day and
 * Boxing Day) and must be checked against GOV.UK when it publishes them, because a one-off
 * proclamation (a jubilee, a coronation, a state funeral) can add or move a day.
 *
 * test/domain/digest/bank-holidays.test.ts checks every year against an independent computation
 * (Easter by the anonymous Gregorian algorithm, the Monday rules and the substitutes).
 */
import type { IsoDate } from '../dates.js';
import type { HolidayCalendar } from './settings.js';

const ENGLAND_AND_WALES: readonly IsoDate[] = [
  // 2024
  '2024-01-01', '2024-03-29', '2024-04-01', '2024-05-06', '2024-05-27', '2024-08-26', '2024-12-25', '2024-12-26',
  // 2025
  '2025-01-01', '2025-04-18', '2025-04-21', '2025-05-05', '2025-05-26', '2025-08-25', '2025-12-25', '2025-12-26',
  // 2026: Boxing Day is a Saturday, so Monday 28 December is the substitute day.
  '2026-01-01', '2026-04-03', '2026-04-06', '2026-05-04', '2026-05-25', '2026-08-31', '2026-12-25', '2026-12-28',
  // 2027: Christmas Day is a Saturday and Boxing Day a Sunday: substitutes on Monday 27 and Tuesday 28.
  '2027-01-01', '2027-03-26', '2027-03-29', '2027-05-03', '2027-05-31', '2027-08-30', '2027-12-27', '2027-12-28',
  // 2028: New Year's Day is a Saturday, so Monday 3 January is the substitute day.
  '2028-01-03', '2028-04-14', '2028-04-17', '2028-05-01', '2028-05-29', '2028-08-28', '2028-12-25', '2028-12-26',
  // 2029
  '2029-01-01', '2029-03-30', '2029-04-02', '2029-05-07', '2029-05-28', '2029-08-27', '2029-12-25', '2029-12-26',
  // 2030
  '2030-01-01', '2030-04-19', '2030-04-22', '2030-05-06', '2030-05-27', '2030-08-26', '2030-12-25', '2030-12-26',
];

/** The calendar years the shipped data covers, both included. */
export const HOLIDAY_DATA_YEARS = { first: 2024, last: 2030 } as const;

const CALENDARS: Record<HolidayCalendar, ReadonlySet<IsoDate>> = {
  'england-and-wales': new Set(ENGLAND_AND_WALES),
  none: new Set(),
};

/** The bank holidays of a calendar, as YYYY-MM-DD dates. */
export function holidaysOf(calendar: HolidayCalendar): ReadonlySet<IsoDate> {
  return CALENDARS[calendar];
}

/**
 * Whether the shipped data says anything about `date` for this calendar. Outside the covered
 * years every day looks like a working day, so the caller should warn (once) that the bank
 * holiday data needs a new release rather than post digests on bank holidays unannounced.
 */
export function holidayDataCovers(calendar: HolidayCalendar, date: IsoDate): boolean {
  if (calendar === 'none') return true;
  const year = Number(date.slice(0, 4));
  return year >= HOLIDAY_DATA_YEARS.first && year <= HOLIDAY_DATA_YEARS.last;
}
