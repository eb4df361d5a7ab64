/**
 * The scheduler (issue 9 §5): a tick only triggers work and the database says what is due, so
 * tickNow at an injected instant queues what is due then, once; a failing pass is logged by its
 * code and returns nothing; the test hook (a watched file) runs a tick; and its settings are
 * validated like the rest of the configuration.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import cron from 'node-cron';
import { describe, expect, it } from 'vitest';
import { loadScheduleConfig } from '../../src/config/schedule.js';
import { DEFAULT_TEAM_SETTINGS, teamSettingsSchema } from '../../src/domain/digest/settings.js';
import { nextDailyDigest } from '../../src/schedule/next-digest.js';
import { createScheduler, sweepExpression } from '../../src/schedule/scheduler.js';
import { createTestDatabase, describeEachEngine } from '../support/databases.js';
import { MONDAY, addTeam, at, bindChannel, capturingLogger, digestRuns } from '../digests/support.js';

async function waitFor(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describeEachEngine('the scheduler', (getDb) => {
  it('tickNow queues what is due at the injected instant, once, and wakes the worker', async () => {
    const db = getDb();
    const team = await addTeam(db);
    await bindChannel(db, team.id);
    let clock = at(`${MONDAY}T08:00:00Z`);
    let kicks = 0;
    const { logger } = capturingLogger();
    const scheduler = createScheduler({ db, logger, now: () => clock, kick: () => { kicks += 1; } });

    let result = await scheduler.tickNow();
    expect(result.digests).toMatchObject({ queued: 0 });
    expect(result.sweep).toMatchObject({ failed: 0 });
    expect(await digestRuns(db, team.id)).toEqual([]);
    expect(kicks).toBe(0);

    clock = at(`${MONDAY}T08:30:00Z`);
    result = await scheduler.tickNow();
    expect(result.digests!.queued).toBeGreaterThanOrEqual(1);
    expect((await digestRuns(db, team.id)).map((r) => r.kind)).toEqual(['daily']);
    expect(kicks).toBe(1);

    // A second tick the same minute, or later that day, finds it done.
    clock = at(`${MONDAY}T09:00:00Z`);
    result = await scheduler.tickNow();
    expect(result.digests!.queued).toBe(0);
    expect(await digestRuns(db, team.id)).toHaveLength(1);
  });

  it('runs the morning sync before queueing the digests, and still queues them when it fails', async () => {
    const db = getDb();
    const team = await addTeam(db);
    await bindChannel(db, team.id);
    const order: string[] = [];
    const { logger, lines } = capturingLogger();
    let failSync = false;
    const scheduler = createScheduler({
      db, logger, now: () => at(`${MONDAY}T08:30:00Z`),
      kick: () => order.push('kick'),
      morningSync: async () => {
        order.push('sync');
        if (failSync) throw new Error('database went away');
        return 3;
      },
    });
    await scheduler.tickNow();
    // The sync's actions wake the worker, then the digest does; the sync came first.
    expect(order.slice(0, 2)).toEqual(['sync', 'kick']);
    expect((await digestRuns(db, team.id)).map((r) => r.kind)).toEqual(['daily']);

    failSync = true;
    const other = await addTeam(db);
    await bindChannel(db, other.id);
    const result = await scheduler.tickNow();
    expect(result.digests!.queued).toBeGreaterThanOrEqual(1);
    expect(lines).toContainEqual(expect.objectContaining({ event: 'scheduler_pass_failed', stage: 'morning_sync', error: 'Error' }));
  });

  it('several schedulers ticking at once queue each digest once', async () => {
    const db = getDb();
    const team = await addTeam(db);
    await bindChannel(db, team.id);
    const { logger } = capturingLogger();
    const now = () => at('2026-11-24T08:31:00Z');
    const schedulers = [1, 2, 3].map(() => createScheduler({ db, logger, now }));
    await Promise.all(schedulers.map((s) => s.tickNow()));
    expect((await digestRuns(db, team.id)).map((r) => `${String(r.kind)} ${String(r.period_start)}`)).toEqual(['daily 2026-11-24']);
  });

  it('the tick file runs a tick each time it is written (the end-to-end test hook)', async () => {
    const db = getDb();
    const team = await addTeam(db);
    await bindChannel(db, team.id);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'closedloop-tick-'));
    const tickFile = path.join(dir, 'tick');
    const { logger, lines } = capturingLogger();
    const scheduler = createScheduler({ db, logger, now: () => at('2026-11-25T08:31:00Z'), tickFile });
    scheduler.start();
    scheduler.start();
    try {
      fs.writeFileSync(tickFile, 'tick');
      await waitFor(() => lines.some((l) => l.event === 'scheduler_tick'), 'the tick file to be noticed');
      expect(lines.find((l) => l.event === 'scheduler_tick')).toMatchObject({ stage: 'tick_file' });
      expect((await digestRuns(db, team.id)).map((r) => r.period_start)).toEqual(['2026-11-25']);
    } finally {
      await scheduler.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the next daily digest for the start-up line', async () => {
    const db = getDb();
    await addTeam(db, { name: 'A scheduler team' });
    const { logger } = capturingLogger();
    // Friday evening: Monday morning, 08:30 GMT.
    const next = await createScheduler({ db, logger, now: () => at('2026-11-27T18:00:00Z') }).nextDailyDigest();
    expect(next).toMatchObject({ localDate: '2026-11-30', localTime: '08:30', timeZone: 'Europe/London' });
    expect(next!.at.toISOString()).toBe('2026-11-30T08:30:00.000Z');
  });
});

describe('a failing pass', () => {
  it('is logged by its error code only, returns nothing, and does not stop the next tick', async () => {
    const broken = await createTestDatabase('pglite');
    await broken.close();
    const { logger, lines } = capturingLogger();
    const scheduler = createScheduler({ db: broken.db, logger, now: () => at(`${MONDAY}T08:30:00Z`) });
    expect(await scheduler.tickNow()).toEqual({ digests: null, sweep: null });
    const failures = lines.filter((l) => l.event === 'scheduler_pass_failed');
    expect(failures.map((l) => l.stage)).toEqual(['digests', 'sweep']);
    for (const failure of failures) {
      expect(failure.error).toMatch(/^[\w.]+$/);
      expect(failure).not.toHaveProperty('message');
      expect(failure).not.toHaveProperty('stack');
    }
    expect(await scheduler.tickNow()).toEqual({ digests: null, sweep: null });
  });
});

describe('when the next daily digest is due', () => {
  const team = (settings = DEFAULT_TEAM_SETTINGS, name = 'Team', timeZone = 'Europe/London') => ({ name, timeZone, settings });

  it('is today at the digest time until then, then the next working day', () => {
    expect(nextDailyDigest([team()], at(`${MONDAY}T08:29:00Z`))?.at.toISOString()).toBe(`${MONDAY}T08:30:00.000Z`);
    expect(nextDailyDigest([team()], at(`${MONDAY}T08:30:00Z`))?.at.toISOString()).toBe('2026-11-24T08:30:00.000Z');
  });

  it('skips bank holidays and takes the earliest team', () => {
    // 25 and 26 December 2026 are bank holidays (Friday and Saturday; the 28th is the substitute day).
    expect(nextDailyDigest([team()], at('2026-12-24T09:00:00Z'))?.localDate).toBe('2026-12-29');
    const early = team(teamSettingsSchema.parse({ dailyDigestTime: '07:45' }), 'Early');
    expect(nextDailyDigest([team(), early], at(`${MONDAY}T06:00:00Z`))).toMatchObject({ teamName: 'Early', localTime: '07:45' });
  });

  it('is none for no teams', () => {
    expect(nextDailyDigest([], at(`${MONDAY}T06:00:00Z`))).toBeNull();
  });
});

describe('scheduler settings', () => {
  it('default to on, sweeping every 15 minutes, syncing the register at 06:00', () => {
    expect(loadScheduleConfig({})).toEqual({ ok: true, value: { enabled: true, sweepIntervalMinutes: 15, dailySyncTime: '06:00', tickFile: undefined } });
    expect(loadScheduleConfig({ DAILY_SYNC_TIME: 'off' })).toMatchObject({ ok: true, value: { dailySyncTime: null } });
    expect(loadScheduleConfig({ DAILY_SYNC_TIME: '05:15' })).toMatchObject({ ok: true, value: { dailySyncTime: '05:15' } });
    expect(loadScheduleConfig({ SCHEDULER: 'off', SWEEP_INTERVAL_MINUTES: '5' })).toMatchObject({ ok: true, value: { enabled: false, sweepIntervalMinutes: 5 } });
  });

  it.each([['SWEEP_INTERVAL_MINUTES', '7'], ['SWEEP_INTERVAL_MINUTES', 'often'], ['SWEEP_INTERVAL_MINUTES', '0'], ['SCHEDULER', 'maybe'], ['DAILY_SYNC_TIME', '6am'], ['DAILY_SYNC_TIME', '24:00']])('refuse %s=%s by name', (name, value) => {
    const loaded = loadScheduleConfig({ [name]: value });
    expect(loaded.ok).toBe(false);
    if (!loaded.ok) expect(loaded.message).toContain(`${name}:`);
  });

  it('sweep on a cron expression node-cron accepts, every N minutes', () => {
    for (const minutes of [1, 5, 15, 30, 60]) expect(cron.validate(sweepExpression(minutes))).toBe(true);
    expect(sweepExpression(15)).toBe('*/15 * * * *');
    expect(sweepExpression(60)).toBe('0 * * * *');
  });
});
