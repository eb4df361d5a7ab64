/**
 * When the next daily digest is due, for the service's start-up line: the earliest scheduled time
 * after `now` over every team, found from each team's settings (working days, holidays, local time).
 */
import { addDays, todayIn, type IsoDate } from '../domain/dates.js';
import { isWorkingDay, localDateTime } from '../domain/digest/calendar.js';
import type { TeamSettings } from '../domain/digest/settings.js';

export interface NextDigest {
  at: Date;
  teamName: string;
  timeZone: string;
  localDate: IsoDate;
  localTime: string;
}

/** How far ahead to look: beyond the longest holiday break a team could plausibly configure. */
const HORIZON_DAYS = 60;

export function nextDailyDigest(teams: readonly { name: string; timeZone: string; settings: TeamSettings }[], now: Date): NextDigest | null {
  let best: NextDigest | null = null;
  for (const team of teams) {
    const today = todayIn(team.timeZone, now);
    for (let i = 0; i <= HORIZON_DAYS; i++) {
      const day = addDays(today, i);
      if (!isWorkingDay(day, team.settings)) continue;
      const at = localDateTime(day, team.settings.dailyDigestTime, team.timeZone);
      if (at.getTime() <= now.getTime()) continue;
      if (!best || at.getTime() < best.at.getTime()) {
        best = { at, teamName: team.name, timeZone: team.timeZone, localDate: day, localTime: team.settings.dailyDigestTime };
      }
      break;
    }
  }
  return best;
}
