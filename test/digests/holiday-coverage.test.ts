/**
 * The bank holidays ship as data for a span of years (src/domain/digest/bank-holidays.ts). Past the
 * last of them a team's digests still go out (a digest on a holiday is the safe side), and the
 * scheduler says once, by team id and code, that the list needs another year.
 */
import { expect, it } from 'vitest';
import { HOLIDAY_DATA_YEARS } from '../../src/domain/digest/bank-holidays.js';
import { queueDueDigests } from '../../src/digests/due-digests.js';
import { describeEachEngine } from '../support/databases.js';
import { addTeam, at, bindChannel, capturingLogger, digestRuns } from './support.js';

describeEachEngine('bank holidays beyond the shipped data', (getDb) => {
  it('are warned about once a year per team, and the digest still goes out', async () => {
    const db = getDb();
    const team = await addTeam(db, { settings: { workingDays: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] } });
    await bindChannel(db, team.id);
    const { logger, lines } = capturingLogger();
    const reported = new Set<string>();
    const year = HOLIDAY_DATA_YEARS.last + 1;
    await queueDueDigests(db, at(`${year}-06-10T09:00:00Z`), { logger, reported });
    await queueDueDigests(db, at(`${year}-06-11T09:00:00Z`), { logger, reported });
    const warnings = lines.filter((l) => l.event === 'bank_holidays_not_covered' && l.teamId === team.id);
    expect(warnings).toEqual([expect.objectContaining({ code: 'DIGEST.BANK_HOLIDAYS_OUT_OF_DATE' })]);
    expect((await digestRuns(db, team.id)).map((r) => r.kind)).toContain('daily');
    // Within the data nothing is said.
    const covered = await addTeam(db);
    await bindChannel(db, covered.id);
    await queueDueDigests(db, at(`${HOLIDAY_DATA_YEARS.last}-06-10T09:00:00Z`), { logger, reported });
    expect(lines.filter((l) => l.event === 'bank_holidays_not_covered' && l.teamId === covered.id)).toEqual([]);
  });
});
