/**
 * Durations as written in rule files: "28d", "2w", "3m", "1y". Months and years are calendar
 * months (so "3m" from 30 November is 28 February), matching how OpenSAFELY builds its windows;
 * days and weeks are exact.
 */
import { addDays, addMonths, addMonthsToDay, type IsoDate } from './dates.js';
import { DURATION_PATTERN, type Duration } from './rules/schema.js';

export type ParsedDuration = { unit: 'days'; count: number } | { unit: 'months'; count: number };

const parsedCache = new Map<Duration, ParsedDuration>();

export function parseDuration(text: Duration): ParsedDuration {
  const cached = parsedCache.get(text);
  if (cached) return cached;
  const parsed = parseUncached(text);
  parsedCache.set(text, parsed);
  return parsed;
}

function parseUncached(text: Duration): ParsedDuration {
  const match = DURATION_PATTERN.exec(text);
  if (!match) throw new Error(`invalid duration "${text}" (rule sets are validated on load, so this is a bug)`);
  const n = Number(match[1]);
  switch (match[2]) {
    case 'd': return { unit: 'days', count: n };
    case 'w': return { unit: 'days', count: n * 7 };
    case 'm': return { unit: 'months', count: n };
    default: return { unit: 'months', count: n * 12 };
  }
}

export function addDuration(date: IsoDate, duration: Duration | ParsedDuration): IsoDate {
  const d = typeof duration === 'string' ? parseDuration(duration) : duration;
  return d.unit === 'days' ? addDays(date, d.count) : addMonths(date, d.count);
}

/** The same step on day numbers (the due engine's internal form). */
export function addDurationToDay(day: number, duration: ParsedDuration): number {
  return duration.unit === 'days' ? day + duration.count : addMonthsToDay(day, duration.count);
}

/** Plain-English form for messages: "3 months", "1 week", "18 weeks". */
export function describeDuration(text: Duration): string {
  const match = DURATION_PATTERN.exec(text);
  if (!match) return text;
  const n = Number(match[1]);
  const unit = ({ d: 'day', w: 'week', m: 'month', y: 'year' } as const)[match[2] as 'd' | 'w' | 'm' | 'y'];
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}
