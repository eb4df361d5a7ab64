/**
 * `closedloop team show TEAM` and `team set TEAM key=value …`: settings validated by the team
 * settings schema before anything is stored, every change audited with before and after, refusals
 * in our words, and `show` naming where the team's digests go (or that they have nowhere to go).
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../src/audit/verify.js';
import { runCliOn } from '../support/cli.js';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { addTeam, auditOf, bindChannel, selectRows, type TestTeam } from '../digests/support.js';

const ZOD_WORDS = /expected (number|string|boolean|one of)|received|Invalid (input|option)|Too (small|big)/;

describe.each(engines)('closedloop team [%s]', (engine) => {
  let testDb: TestDatabase;
  let team: TestTeam;
  const run = (...argv: string[]) => runCliOn(testDb, argv, { now: new Date('2026-11-23T12:00:00Z') });
  const stored = async () => (await selectRows(testDb.db, sql`SELECT settings FROM teams WHERE id = ${team.id}::uuid`))[0]!.settings;

  beforeAll(async () => {
    testDb = await createTestDatabase(engine);
    team = await addTeam(testDb.db, { name: 'Fictional Settings CMHT' });
    await bindChannel(testDb.db, team.id);
  });
  afterAll(async () => {
    await testDb.close();
  });

  it('show lists every setting at its default, the channels, and the onboarding state', async () => {
    const shown = await run('team', 'show', team.name);
    expect(shown.code).toBe(0);
    expect(shown.out).toMatch(/dailyDigestTime\s+08:30\s+default/);
    expect(shown.out).toMatch(/workingDays\s+mon, tue, wed, thu, fri\s+default/);
    expect(shown.out).toMatch(/unclaimedLimitHours\s+red 4 h, amber 24 h, routine 72 h\s+default/);
    expect(shown.out).toMatch(/MDT channel \(daily digests, escalations\): slack T-DIGEST\/C/);
    expect(shown.out).toMatch(/Managers' channel \(weekly and monthly digests\): none bound: type "bind TEAM managers"/);
    expect(shown.out).toMatch(/First digest: not yet \(onboarding/);
    expect(shown.out).toMatch(/Next daily digest: 2026-11-24 08:30 \(Europe\/London\)/);
  });

  it('set stores only what was set, validated, and audits before and after', async () => {
    const set = await run('team', 'set', team.name, 'dailyDigestTime=08:00', 'workingDays=Mon,Tue,Wed,Thu', 'unclaimedLimitHours.amber=12', 'monthlyDigest=no');
    expect(set.code).toBe(0);
    expect(set.out).toMatch(/dailyDigestTime: 08:30 → 08:00/);
    expect(set.out).toMatch(/unclaimedLimitHours: red 4 h, amber 24 h, routine 72 h → red 4 h, amber 12 h, routine 72 h/);
    expect(await stored()).toEqual({ dailyDigestTime: '08:00', workingDays: ['mon', 'tue', 'wed', 'thu'], unclaimedLimitHours: { amber: 12 }, monthlyDigest: false });
    const [event] = await auditOf(testDb.db, 'team.settings_changed');
    expect(event).toMatchObject({
      entity_type: 'team', entity_id: team.name, via: 'cli',
      before: { dailyDigestTime: '08:30', monthlyDigest: true },
      after: { dailyDigestTime: '08:00', workingDays: ['mon', 'tue', 'wed', 'thu'], monthlyDigest: false },
    });
    expect((await run('team', 'show', team.name)).out).toMatch(/dailyDigestTime\s+08:00\s+set/);
    expect(await verifyAuditChain(testDb.db)).toMatchObject({ ok: true });
  });

  it('KEY=default restores a default; the same values again change nothing and audit nothing', async () => {
    expect((await run('team', 'set', team.name, 'dailyDigestTime=default', 'unclaimedLimitHours.amber=default')).code).toBe(0);
    expect(await stored()).toMatchObject({ workingDays: ['mon', 'tue', 'wed', 'thu'], unclaimedLimitHours: { amber: 24 } });
    expect(await stored()).not.toHaveProperty('dailyDigestTime');
    const before = (await auditOf(testDb.db, 'team.settings_changed')).length;
    const again = await run('team', 'set', team.name, 'monthlyDigest=false');
    expect(again).toMatchObject({ code: 0 });
    expect(again.out).toMatch(/nothing changed/);
    expect(await auditOf(testDb.db, 'team.settings_changed')).toHaveLength(before);
  });

  it.each([
    [['dailyDigestTime=8.30'], /dailyDigestTime: must be a time of day as HH:MM/],
    [['workingDays=mon,funday'], /workingDays\.1: use days among mon, tue/],
    [['redUnclaimedMinutes=5'], /redUnclaimedMinutes: .*at least|redUnclaimedMinutes: .*15/],
    [['staleClaimHours=soon'], /staleClaimHours: use a whole number of hours/],
    [['bankHolidays=scotland'], /bankHolidays: use england-and-wales or none/],
    [['dutyPharmacistEmails=not-an-email'], /dutyPharmacistEmails\.0: must be a staff email address/],
    [['unclaimedLimitHours.urgent=2'], /"unclaimedLimitHours\.urgent": the priorities are red, amber and routine/],
    [['colour=blue'], /There is no setting "colour"/],
    [['dailyDigestTime'], /"dailyDigestTime" is not KEY=VALUE/],
  ])('set %j is refused in our words and stores nothing', async (words, message) => {
    const before = await stored();
    const result = await run('team', 'set', team.name, ...words);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(message);
    expect(result.err).not.toMatch(ZOD_WORDS);
    expect(await stored()).toEqual(before);
  });

  it.each([
    [['team'], 2, /Usage: closedloop team show TEAM/],
    [['team', 'set', 'Fictional Settings CMHT'], 2, /Usage/],
    [['team', 'show', 'Nobody CMHT'], 1, /No team is called "Nobody CMHT"/],
    [['team', 'set', 'Nobody CMHT', 'monthlyDigest=true'], 1, /No team is called "Nobody CMHT"/],
  ] as const)('%j exits %i', async (argv, code, message) => {
    const result = await run(...argv);
    expect(result.code).toBe(code);
    expect(result.err).toMatch(message);
  });
});
