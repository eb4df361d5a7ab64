/**
 * A team's working calendar and local clock: which days it works, and the instant a local time
 * of day falls on. Pure: dates and instants come in as arguments, and time zones are resolved
 * with Intl only, so a schedule can be tested on both clock-change days without fake timers.
 */
import { addDays, dayNumber, zoneFormat, type IsoDate } from '../dates.js';
import { holidaysOf } from './bank-holidays.js';
import { WEEKDAYS, type TeamSettings, type Weekday } from './settings.js';

/** The day of the week of a calendar date (1970-01-01, day 0, was a Thursday). */
export function weekdayOf(date: IsoDate): Weekday {
  return WEEKDAYS[(((dayNumber(date) + 3) % 7) + 7) % 7]!;
}

/** The Monday of the (Monday to Sunday) week holding `date`. */
export function mondayOf(date: IsoDate): IsoDate {
  return addDays(date, -WEEKDAYS.indexOf(weekdayOf(date)));
}

/** A working weekday of the team that is neither a bank holiday of its calendar nor one of its own closures. */
export function isWorkingDay(date: IsoDate, settings: TeamSettings): boolean {
  return settings.workingDays.includes(weekdayOf(date))
    && !holidaysOf(settings.bankHolidays).has(date)
    && !settings.extraHolidays.includes(date);
}

/**
 * Longest run of non-working days the settings allow: at most 366 extra holidays and about eight
 * bank holidays a year cannot close every working weekday (at least one a week) for eight years.
 */
const SEARCH_DAYS = 3000;

/** The first working day after `date` (not `date` itself). */
export function nextWorkingDay(date: IsoDate, settings: TeamSettings): IsoDate {
  for (let step = 1; step <= SEARCH_DAYS; step++) {
    const candidate = addDays(date, step);
    if (isWorkingDay(candidate, settings)) return candidate;
  }
  throw new RangeError(`no working day within ${SEARCH_DAYS} days after ${date}: the team settings close every day`);
}

/** Milliseconds the zone's wall clock is ahead of UTC at instant `at` (whole seconds). */
function wallClockOffsetMs(at: number, timeZone: string): number {
  // Own purpose key: the cache in dates.ts is shared, and its formatters belong to their callers.
  const format = zoneFormat('wall-clock', timeZone, () => new Intl.DateTimeFormat('en-GB', {
    timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  }));
  const parts = format.formatToParts(at);
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const wall = Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'), part('second'));
  return wall - (at - (((at % 1000) + 1000) % 1000));
}

const DAY_MS = 86_400_000;

/**
 * The instant a local date and time (HH:MM) names in a time zone. On a spring-forward day a time
 * inside the gap does not exist: it maps to the first instant after the gap (01:30 on 2027-03-28
 * in Europe/London is 02:00 BST, 01:00Z), so a digest set for then still goes out that morning.
 * On an autumn day a repeated time maps to its first occurrence (01:30 BST, not 01:30 GMT), so a
 * digest is never scheduled twice or an hour late.
 */
export function localDateTime(date: IsoDate, hhmm: string, timeZone: string): Date {
  const match = /^(\d{2}):(\d{2})$/.exec(hhmm);
  if (!match) throw new RangeError(`"${hhmm}" is not a time of day as HH:MM`);
  const [year, month, day] = [Number(date.slice(0, 4)), Number(date.slice(5, 7)), Number(date.slice(8, 10))];
  // The wall time read as if it were UTC; the real instant is this minus the zone's offset then.
  const wall = Date.UTC(year, month - 1, day, Number(match[1]), Number(match[2]));
  // The offsets in force a day either side: real zones change at most once in that span.
  const before = wallClockOffsetMs(wall - DAY_MS, timeZone);
  const after = wallClockOffsetMs(wall + DAY_MS, timeZone);
  const valid = [...new Set([before, after])]
    .map((offset) => wall - offset)
    .filter((instant) => instant === wall - wallClockOffsetMs(instant, timeZone))
    .sort((a, b) => a - b);
  if (valid.length) return new Date(valid[0]!);
  // In the gap: find the transition, the first instant whose offset is the later one.
  let low = wall - after; // still on the earlier offset
  let high = wall - before; // already on the later offset
  while (high - low > 1000) {
    const mid = low + Math.floor((high - low) / 2000) * 1000;
    if (wallClockOffsetMs(mid, timeZone) === after) high = mid;
    else low = mid;
  }
  return new Date(high);
}
