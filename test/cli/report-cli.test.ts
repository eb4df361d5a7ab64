/**
 * `closedloop report weekly|monthly` end to end, in-process against a real database on each
 * engine: the JSON and CSV shapes, the table for people, every team by default, the chart file,
 * and exit codes 1 (refused) and 2 (typed wrongly) with messages that say what to do.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monitoringEvents, patients, prescriptions, teams } from '../../src/db/schema.js';
import { requirementKeyOf, type TestKey } from '../../src/domain/test-keys.js';
import { runCliOn } from '../support/cli.js';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';

// Thursday 26 November 2026: the last complete week is 16–22 November, the last complete month October.
const NOW = new Date('2026-11-26T10:00:00Z');
const LITHIUM_TESTS: TestKey[] = ['lithium_level', 'renal', 'calcium', 'tft', 'weight'];

describe.each(engines)('closedloop report [%s]', (engine) => {
  let testDb: TestDatabase;
  let dir: string;
  const run = (...argv: string[]) => runCliOn(testDb, argv, { now: NOW });

  beforeAll(async () => {
    testDb = await createTestDatabase(engine);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'closedloop-report-'));
    const db = testDb.db;
    const [alpha] = await db.insert(teams).values([{ name: 'Alpha CMHT' }, { name: 'Beta CMHT' }]).returning();
    // Two lithium patients: one tested in August (in date), one in April (overdue since 20 October).
    for (const [ref, takenOn] of [['AL-001', '2026-08-20'], ['AL-002', '2026-04-20']] as const) {
      const [patient] = await db.insert(patients).values({ patientRef: ref, displayLabel: 'Fictional', teamId: alpha!.id, gpPractice: 'Test Surgery' }).returning();
      await db.insert(prescriptions).values({ patientId: patient!.id, drug: 'lithium', startDate: '2020-01-01' });
      await db.insert(monitoringEvents).values(LITHIUM_TESTS.map((test) => ({ patientId: patient!.id, test, requirement: requirementKeyOf(test), outcome: 'done' as const, takenOn, source: 'test' })));
    }
    // One result review due on the 18th and closed on the 17th: in time.
    await db.execute(sql`INSERT INTO actions (kind, patient_id, team_id, cause_key, priority, status, due_at, created_at, closed_at, outcome)
      SELECT 'result_review', p.id, p.team_id, 'test:review', 'amber', 'closed', '2026-11-18T09:00:00Z', '2026-11-15T09:00:00Z', '2026-11-17T09:00:00Z', 'in_range_no_action'
      FROM patients p WHERE p.patient_ref = 'AL-001'`);
  });
  afterAll(async () => {
    await testDb.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('prints last week\'s figures as JSON, with the 12-week series and n/a as null', async () => {
    const { code, out } = await run('report', 'weekly', '--team', 'Alpha CMHT', '--format', 'json');
    expect(code).toBe(0);
    const [report, ...others] = JSON.parse(out) as { compliance_series: unknown[]; overdue_trend: { date: string }[] }[];
    expect(others).toEqual([]);
    expect(report).toMatchObject({
      team: 'Alpha CMHT', kind: 'weekly', period_start: '2026-11-16', period_last_day: '2026-11-22', complete: true, compliance_date: '2026-11-22',
      compliance: { team: { in_date: 5, required: 10, percent: 50, waived: 0, overdue: 5 }, groups: [{ group: 'lithium', name: 'Lithium', percent: 50 }] },
      result_reviews_in_time: { met: 1, of: 1, percent: 100, pending: 0 },
      dna_contacted_within_24h: { met: 0, of: 0, percent: null },
      median_time_to_claim: { minutes: null, count: 0 },
      unclaimed_beyond_limit: { total: 0, red: 0, amber: 0, routine: 0 },
    });
    expect(report!.compliance_series).toHaveLength(12);
    expect(report!.overdue_trend.map((t) => t.date)).toEqual(['2026-10-25', '2026-11-01', '2026-11-08', '2026-11-15', '2026-11-22']);
  });

  it('covers every team by default, as tables for people, with progress on stderr', async () => {
    const { code, out, err } = await run('report', 'weekly');
    expect(code).toBe(0);
    expect(out).toContain('Weekly digest: Alpha CMHT, 16–22 Nov 2026');
    expect(out).toContain('Weekly digest: Beta CMHT, 16–22 Nov 2026');
    expect(out).toMatch(/Result reviews closed within their time limit\s+100% \(1 of 1\)/);
    // Beta has no patients: its compliance is not applicable, not 0 % or 100 %.
    expect(out).toMatch(/Monitoring compliance on 22 Nov 2026\s+n\/a \(no tests required\)/);
    expect(err).toContain('report weekly: writing 2 / 2 teams');
  });

  it('writes CSV through the one writer for the month containing --as-of', async () => {
    const { code, out } = await run('report', 'monthly', '--team', 'Alpha CMHT', '--as-of', '2026-10-15', '--format', 'csv');
    expect(code).toBe(0);
    const lines = out.split('\n');
    expect(lines[0]).toBe('team,kind,period_start,period_last_day,figure,drug_group,date,numerator,denominator,value,unit');
    expect(lines).toContain('Alpha CMHT,monthly,2026-10-01,2026-10-31,compliance,,2026-10-31,5,10,50,percent');
    expect(lines).toContain('Alpha CMHT,monthly,2026-10-01,2026-10-31,compliance,lithium,2026-10-31,5,10,50,percent');
    expect(lines).toContain('Alpha CMHT,monthly,2026-10-01,2026-10-31,dna_contacted_within_24h,,,0,0,n/a,percent');
    expect(lines).toContain('Alpha CMHT,monthly,2026-10-01,2026-10-31,median_time_to_close,,,,0,n/a,minutes');
  });

  it('writes the weekly chart as an 800 × 400 PNG, leaving no partial file', async () => {
    const file = path.join(dir, 'alpha.png');
    const { code, err } = await run('report', 'weekly', '--team', 'Alpha CMHT', '--format', 'csv', '--chart', file);
    expect(code).toBe(0);
    const bytes = fs.readFileSync(file);
    expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect([bytes.readUInt32BE(16), bytes.readUInt32BE(20)]).toEqual([800, 400]);
    expect(fs.existsSync(`${file}.partial`)).toBe(false);
    expect(err).toContain(`Chart written to ${file} (800 × 400 PNG).`);
  });

  it('refuses with exit code 1 an unknown team or a chart it cannot write', async () => {
    const unknown = await run('report', 'weekly', '--team', 'Nowhere CMHT');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toBe('No team is called "Nowhere CMHT". Teams: Alpha CMHT, Beta CMHT.');
    const file = path.join(dir, 'missing-folder', 'chart.png');
    const unwritable = await run('report', 'weekly', '--team', 'Alpha CMHT', '--chart', file);
    expect(unwritable.code).toBe(1);
    expect(unwritable.err).toContain(`Cannot write ${file}: ENOENT.`);
  });

  it.each([
    [['report'], 'Say which report: weekly or monthly.'],
    [['report', 'daily'], 'Say which report: weekly or monthly.'],
    [['report', 'monthly', '--team', 'Alpha CMHT', '--chart', 'x.png'], '--chart draws the weekly report\'s 12-week chart: use "report weekly".'],
    [['report', 'weekly', '--chart', 'x.png'], '--chart draws one team\'s chart: add --team "TEAM".'],
    [['report', 'weekly', '--as-of', '2026-11-27'], '--as-of 2026-11-27 is after today (2026-11-26): there are no figures for it yet.'],
    [['report', 'weekly', '--as-of', '2026-02-30'], '--as-of: use a real date written YYYY-MM-DD'],
    [['report', 'weekly', '--format', 'xml'], '--format: use table, csv or json'],
  ])('exits 2 for %j, saying what to type', async (argv, message) => {
    const { code, err } = await run(...argv);
    expect(code).toBe(2);
    expect(err).toContain(message);
    expect(err).toContain('Usage: closedloop report weekly|monthly');
  });
});
