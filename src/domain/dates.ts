/**
 * Calendar-date arithmetic on ISO `YYYY-MM-DD` strings.
 *
 * Monitoring intervals are clinical calendar intervals ("3-monthly"), not durations in
 * milliseconds, so every computation here works on whole UTC dates: a patient's due date
 * must not move because the server's time zone or daylight saving changed.
 */

export type IsoDate = string;

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True when `value` is a real calendar date written as YYYY-MM-DD (2025-02-29 is not). */
export function isIsoDate(value: string): boolean {
  const match = ISO_DATE.exec(value);
  if (!match) return false;
  const [, y, m, d] = match.map(Number) as [number, number, number, number];
  if (m < 1 || m > 12 || d < 1) return false;
  return d <= daysInMonth(y, m);
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export function daysInMonth(year: number, month: number): number {
  if (month !== 2) return MONTH_DAYS[month - 1]!;
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
}

/*
 * Day numbers (days since 1970-01-01) by arithmetic on character codes and Hinnant's
 * days-from-civil / civil-from-days algorithms: the due engine does millions of date steps on a
 * large register, and string splitting, Date objects and even cache lookups dominated its profile.
 */

function digits(text: string, from: number, count: number): number {
  let n = 0;
  for (let i = from; i < from + count; i++) n = n * 10 + (text.charCodeAt(i) - 48);
  return n;
}

/** Days since 1970-01-01 for a valid ISO date (callers validate at the boundary). */
export function dayNumber(date: IsoDate): number {
  return daysFromCivil(digits(date, 0, 4), digits(date, 5, 2), digits(date, 8, 2));
}

export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** [year, month, day] of a day number (Hinnant's civil-from-days). */
function civilFromDays(n: number): [number, number, number] {
  const z = n + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

/** Calendar months added to a day number, clamped to the end of the target month. */
export function addMonthsToDay(n: number, months: number): number {
  const [y, m, d] = civilFromDays(n);
  const monthIndex = y * 12 + (m - 1) + months;
  const year = Math.floor(monthIndex / 12);
  const month = monthIndex - year * 12 + 1;
  return daysFromCivil(year, month, Math.min(d, daysInMonth(year, month)));
}

export function fromDayNumber(n: number): IsoDate {
  const [y, m, d] = civilFromDays(n);
  return formatDate(y, m, d);
}

function formatDate(year: number, month: number, day: number): IsoDate {
  return `${String(year).padStart(4, '0')}-${month < 10 ? '0' : ''}${month}-${day < 10 ? '0' : ''}${day}`;
}

export function addDays(date: IsoDate, days: number): IsoDate {
  return fromDayNumber(dayNumber(date) + days);
}

/**
 * Adds calendar months, clamping to the last day of the target month:
 * 31 Jan + 1 month = 28 Feb (29 Feb in a leap year), 29 Feb 2024 + 12 months = 28 Feb 2025.
 * This matches how OpenSAFELY/cohort-extractor windows such as "index − 3 months" are built.
 */
export function addMonths(date: IsoDate, months: number): IsoDate {
  const monthIndex = digits(date, 0, 4) * 12 + (digits(date, 5, 2) - 1) + months;
  const year = Math.floor(monthIndex / 12);
  const month = monthIndex - year * 12 + 1;
  const day = Math.min(digits(date, 8, 2), daysInMonth(year, month));
  return formatDate(year, month, day);
}

/** Whole days from `from` to `to` (positive when `to` is later). */
export function daysBetween(from: IsoDate, to: IsoDate): number {
  return dayNumber(to) - dayNumber(from);
}

/**
 * Age in completed years on `on`. Someone born on 29 February reaches each birthday on
 * 1 March in a common year (the usual reading in England and Wales).
 */
export function ageOn(dateOfBirth: IsoDate, on: IsoDate): number {
  // Fixed-position slices: this runs once per patient on a whole organisation's due list, and
  // split + map allocated enough to show in its profile.
  const by = Number(dateOfBirth.slice(0, 4)), bm = Number(dateOfBirth.slice(5, 7)), bd = Number(dateOfBirth.slice(8, 10));
  const oy = Number(on.slice(0, 4)), om = Number(on.slice(5, 7)), od = Number(on.slice(8, 10));
  let age = oy - by;
  const birthdayMonth = bm === 2 && bd === 29 && daysInMonth(oy, 2) === 28 ? 3 : bm;
  const birthdayDay = bm === 2 && bd === 29 && daysInMonth(oy, 2) === 28 ? 1 : bd;
  if (om < birthdayMonth || (om === birthdayMonth && od < birthdayDay)) age -= 1;
  return age;
}

/**
 * One formatter per (purpose, zone), made once: building an Intl.DateTimeFormat costs far more than
 * using one, and lists format a date for every row (a sixth of a busy server's CPU before caching).
 */
const cachedFormats = new Map<string, Intl.DateTimeFormat>();
export function zoneFormat(purpose: string, timeZone: string, make: () => Intl.DateTimeFormat): Intl.DateTimeFormat {
  const key = `${purpose}|${timeZone}`;
  let format = cachedFormats.get(key);
  if (!format) {
    format = make();
    cachedFormats.set(key, format);
  }
  return format;
}

/** Today's date in a given IANA time zone (teams keep their own zone; the server may be in UTC). */
export function todayIn(timeZone: string, now: Date): IsoDate {
  const format = zoneFormat('date', timeZone, () => new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }));
  const parts = format.formatToParts(now);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** Milliseconds the zone's wall clock is ahead of UTC at instant `at`. */
function zoneOffsetMs(at: number, timeZone: string): number {
  const format = zoneFormat('offset', timeZone, () => new Intl.DateTimeFormat('en-GB', {
    timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  }));
  const part = (parts: Intl.DateTimeFormatPart[], type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const parts = format.formatToParts(at);
  const wall = Date.UTC(part(parts, 'year'), part(parts, 'month') - 1, part(parts, 'day'), part(parts, 'hour'), part(parts, 'minute'), part(parts, 'second'));
  return wall - (at - (((at % 1000) + 1000) % 1000));
}

/** The instant a calendar day begins in a time zone (00:00 local; BST and GMT both handled). */
export function startOfDayIn(date: IsoDate, timeZone: string): Date {
  const utcMidnight = Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10)));
  const first = utcMidnight - zoneOffsetMs(utcMidnight, timeZone);
  // The offset at local midnight can differ from the one at UTC midnight on a clock-change day.
  return new Date(utcMidnight - zoneOffsetMs(first, timeZone));
}

/** The last moment of a calendar day in a time zone (23:59:59.999 local). */
export function endOfDayIn(date: IsoDate, timeZone: string): Date {
  return new Date(startOfDayIn(addDays(date, 1), timeZone).getTime() - 1);
}
