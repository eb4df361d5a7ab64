/**
 * Which of a team's digests are due now (issue 9 §5). A pure function of the team's settings, its
 * time zone and `now`: node-cron ticks only ask this question, and the database's unique run per
 * channel, kind and period makes the answer safe to act on from any number of instances, after a
 * missed tick, a restart or a clock change.
 *
 * Only the team's current local date counts. A digest missed while the service was down goes out
 * when it comes back on the same day, marked late; one from an earlier day is never caught up,
 * because yesterday's list posted this morning would be stale and would bury today's.
 */
import { addDays, todayIn, type IsoDate } from '../dates.js';
import { isWorkingDay, localDateTime, mondayOf } from './calendar.js';
import { WEEKDAYS, type TeamSettings } from './settings.js';

export type DigestKind = 'daily' | 'weekly' | 'monthly';

export interface DueDigestRun {
  kind: DigestKind;
  /** The period the run belongs to: the day, the week's Monday, or the month's 1st (local dates). */
  periodStart: IsoDate;
  /** When it should have gone out. */
  scheduledFor: Date;
  /** Now is more than the team's lateAfterMinutes past scheduledFor: the digest says it is late. */
  late: boolean;
}

/** The period a digest of this kind for `localDate` belongs to (also for hand-run digests, `digest run --as-of DATE`). */
export function periodStartFor(kind: DigestKind, localDate: IsoDate): IsoDate {
  switch (kind) {
    case 'daily': return localDate;
    case 'weekly': return mondayOf(localDate);
    case 'monthly': return `${localDate.slice(0, 7)}-01`;
  }
}

/**
 * The day the weekly digest goes out in the week starting `monday`: its configured day, or the
 * next working day of the same week when that day is not worked; null when none is left.
 */
export function weeklyDigestDate(monday: IsoDate, settings: TeamSettings): IsoDate | null {
  for (let day = WEEKDAYS.indexOf(settings.weeklyDigestDay); day < WEEKDAYS.length; day++) {
    const date = addDays(monday, day);
    if (isWorkingDay(date, settings)) return date;
  }
  return null;
}

/** The month's first working day (the monthly summary's day), or null when the team works none of it. */
export function monthlyDigestDate(firstOfMonth: IsoDate, settings: TeamSettings): IsoDate | null {
  for (let date = firstOfMonth; date.slice(0, 7) === firstOfMonth.slice(0, 7); date = addDays(date, 1)) {
    if (isWorkingDay(date, settings)) return date;
  }
  return null;
}

/** The digests due at `now`: scheduled today (local), their time passed. */
export function dueDigestRuns(settings: TeamSettings, timeZone: string, now: Date): DueDigestRun[] {
  const today = todayIn(timeZone, now);
  const runs: DueDigestRun[] = [];
  const consider = (kind: DigestKind, day: IsoDate | null, time: string) => {
    if (day !== today) return;
    const scheduledFor = localDateTime(day, time, timeZone);
    if (now.getTime() < scheduledFor.getTime()) return;
    const late = now.getTime() - scheduledFor.getTime() > settings.lateAfterMinutes * 60_000;
    runs.push({ kind, periodStart: periodStartFor(kind, today), scheduledFor, late });
  };
  consider('daily', isWorkingDay(today, settings) ? today : null, settings.dailyDigestTime);
  consider('weekly', weeklyDigestDate(mondayOf(today), settings), settings.weeklyDigestTime);
  if (settings.monthlyDigest) consider('monthly', monthlyDigestDate(periodStartFor('monthly', today), settings), settings.weeklyDigestTime);
  return runs;
}
