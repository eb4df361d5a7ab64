/**
 * `closedloop sync` in-process on each engine, and the sync an import runs: the demo register's
 * actions are created once, a second sync creates none, bad options are usage errors.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../src/db/client.js';
import { runCliOn } from '../support/cli.js';
import { writeDemoFiles, type DemoFiles } from '../support/demo-files.js';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';

const TODAY = '2026-11-22';

describe.each(engines)('closedloop sync [%s]', (engine) => {
  let testDb: TestDatabase;
  let files: DemoFiles;
  const run = (...argv: string[]) => runCliOn(testDb, argv, { now: new Date(`${TODAY}T12:00:00Z`) });
  const count = async () => Number(rowsOf<{ n: number }>(await testDb.db.execute(sql`SELECT count(*)::int AS n FROM actions`))[0]?.n);

  beforeAll(async () => {
    testDb = await createTestDatabase(engine);
    files = writeDemoFiles(TODAY);
  });
  afterAll(async () => {
    await testDb.close();
    files.remove();
  });

  it('an import runs a sync and prints its summary', async () => {
    const register = await run('import', 'register', files.register);
    expect(register.code).toBe(0);
    expect(register.out).toMatch(/\nActions as of 2026-11-22: \d+ created \(.*overdue monitoring.*\), 0 closed automatically, 0 open unchanged; 10 patients checked in/);
    const events = await run('import', 'events', files.events);
    expect(events.code).toBe(0);
    expect(events.out).toMatch(/52 events added/);
    // The demo's red neutrophils (clozapine) and red INR (warfarin) come in with the events.
    expect(events.out).toMatch(/Actions as of 2026-11-22: \d+ created \(.*result review.*\), \d+ closed automatically/);
    const reviews = rowsOf<{ ref: string; priority: string; test: string }>(await testDb.db.execute(sql`SELECT p.patient_ref AS ref, a.priority,
        a.cause->>'test' AS test FROM actions a JOIN patients p ON p.id = a.patient_id WHERE a.kind = 'result_review' ORDER BY 1, 3`));
    expect(reviews).toContainEqual({ ref: 'DEMO-002', priority: 'red', test: 'neutrophils' });
    expect(reviews).toContainEqual({ ref: 'DEMO-007', priority: 'red', test: 'inr' });
    const dna = rowsOf<{ ref: string }>(await testDb.db.execute(sql`SELECT p.patient_ref AS ref FROM actions a JOIN patients p ON p.id = a.patient_id
      WHERE a.kind = 'dna_followup'`));
    expect(dna).toEqual([{ ref: 'DEMO-005' }]);
  });

  it('sync again creates nothing', async () => {
    const before = await count();
    const { code, out } = await run('sync');
    expect(code).toBe(0);
    expect(out).toMatch(/^Actions as of 2026-11-22: none created, 0 closed automatically, \d+ open unchanged; 10 patients checked in \d+\.\d s\./);
    // The demo's amber results older than the look-back are counted, not dropped silently (issue 11).
    expect(out).toMatch(/Not raised, older than the 14-day look-back \(RESULT_LOOKBACK_DAYS\): \d+ amber and 0 red result\(s\)/);
    expect(await count()).toBe(before);
  });

  it('sync --as-of a future date is refused and writes nothing; with --dry-run it shows what would change', async () => {
    // Was: a future --as-of wrote real actions staff would then work (issue 11).
    const before = await count();
    const refused = await run('sync', '--as-of', '2027-03-01');
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/--as-of 2027-03-01 is in the future \(today is 2026-11-22\).*--dry-run/);
    expect(await count()).toBe(before);
    const preview = await run('sync', '--as-of', '2027-03-01', '--dry-run');
    expect(preview.code).toBe(0);
    expect(preview.out).toMatch(/^Dry run, nothing written\. A sync as of 2027-03-01 would open \d+ new actions \(.*overdue monitoring.*\)/);
    expect(preview.out).toMatch(/\n {2}would open: DEMO-\d{3} Overdue monitoring/);
    expect(await count()).toBe(before);
  });

  it.each([
    [['sync', '--as-of', '2026-02-30'], /--as-of: use a real date written YYYY-MM-DD/],
    [['sync', 'now'], /"sync" takes no arguments/],
    [['sync', '--team', 'x'], /Unknown option '--team'/],
  ])('%j is a usage error', async (argv, message) => {
    const { code, err } = await run(...argv);
    expect(code).toBe(2);
    expect(err).toMatch(message);
  });
});
