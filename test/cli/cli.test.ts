/**
 * The closedloop CLI end to end, in-process against a real test database on each engine: imports,
 * the JSON shapes the issue specifies, and exit codes with messages that say what to do.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import type { CliIo } from '../../src/cli/context.js';
import { runCliOn } from '../support/cli.js';
import { writeDemoFiles, type DemoFiles } from '../support/demo-files.js';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';

const TODAY = '2026-11-22';


describe.each(engines)('closedloop CLI [%s]', (engine) => {
  let testDb: TestDatabase;
  let files: DemoFiles;
  const run = (...argv: string[]) => runCliOn(testDb, argv, { now: new Date(`${TODAY}T12:00:00Z`) });

  beforeAll(async () => {
    testDb = await createTestDatabase(engine);
    files = writeDemoFiles(TODAY);
  });
  afterAll(async () => {
    await testDb.close();
    files.remove();
  });

  it('imports a register and events, and a second import changes nothing', async () => {
    expect(await run('import', 'register', files.register)).toMatchObject({ code: 0 });
    const first = await run('import', 'events', files.events);
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/52 events added, 0 already recorded/);
    const again = await run('import', 'events', files.events);
    expect(again.out).toMatch(/0 events added, 52 already recorded/);
  });

  it('due --format json prints the fields the issue names', async () => {
    const { code, out } = await run('due', '--status', 'overdue', '--format', 'json');
    expect(code).toBe(0);
    const items = JSON.parse(out) as Record<string, unknown>[];
    expect(items.length).toBeGreaterThan(5);
    for (const item of items) {
      expect(Object.keys(item)).toEqual(expect.arrayContaining(['patient_ref', 'drug', 'test', 'last_done', 'due_on', 'status', 'days_overdue', 'responsible']));
      expect(['overdue', 'never_done']).toContain(item.status);
      expect(item.patient_ref).toMatch(/^DEMO-\d{3}$/);
    }
    // The demo's valproate patient has nobody responsible, and that is shown, not hidden.
    expect(items.find((i) => i.patient_ref === 'DEMO-008')?.responsible).toBeNull();
    const lithium = items.find((i) => i.patient_ref === 'DEMO-001' && i.test === 'lithium_level');
    expect(lithium).toMatchObject({ drug: 'lithium', responsible: { org: 'mh_trust', staff: 'Demo Pharmacist' } });
  });

  it('due filters by team, as CSV too', async () => {
    const { code, out } = await run('due', '--team', 'Riverside PCN (demo)', '--status', 'all', '--format', 'csv');
    expect(code).toBe(0);
    const [header, ...rows] = out.split('\n');
    expect(header).toBe('patient_ref,drug,test,last_done,due_on,status,days_overdue,responsible');
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row).toMatch(/^DEMO-(003|004|006|007|009),/);
  });

  it('results --flagged --format json rates the demo results with reasons', async () => {
    const { code, out } = await run('results', '--flagged', '--days', '400', '--format', 'json');
    expect(code).toBe(0);
    const rows = JSON.parse(out) as { patient_ref: string; test: string; flag: string; reason: string }[];
    expect(rows.find((r) => r.patient_ref === 'DEMO-002' && r.test === 'neutrophils')).toMatchObject({ flag: 'red' });
    expect(rows.find((r) => r.patient_ref === 'DEMO-007' && r.test === 'inr')).toMatchObject({ flag: 'red' });
    expect(rows.find((r) => r.patient_ref === 'DEMO-010' && r.test === 'lithium_level')?.reason).toMatch(/successive rising/);
    for (const row of rows) expect(['amber', 'red']).toContain(row.flag);
  });

  it('rules shows a drug by brand name with its sources', async () => {
    const { code, out } = await run('rules', 'Clozaril');
    expect(code).toBe(0);
    expect(out).toMatch(/Clozapine/);
    expect(out).toMatch(/every 1 week until week 18, then every 2 weeks until week 52, then every 4 weeks/);
  });

  it.each([
    [['due', '--team', 'Nowhere'], 1, /No team is called "Nowhere". Teams: North CMHT \(demo\), Riverside PCN \(demo\)/],
    [['due', '--as-of', '2026-02-30'], 2, /--as-of: use a real date written YYYY-MM-DD/],
    [['due', '--status', 'late'], 2, /--status/],
    [['due', '--colour'], 2, /Unknown option '--colour'/],
    [['rules', 'aspirin'], 1, /No rule covers "aspirin". Run "closedloop rules"/],
    [['import', 'register'], 2, /Usage: closedloop import register FILE/],
    [['import', 'events', '/nonexistent/events.csv'], 1, /Nothing was imported/],
    [['frobnicate'], 2, /Unknown command "frobnicate"/],
  ])('%j exits %d with a message that says what to do', async (argv, expectedCode, message) => {
    const { code, err } = await run(...argv);
    expect(code).toBe(expectedCode);
    expect(err).toMatch(message);
  });
});

/** Without a test database: the CLI opens (or fails to open) its own from the environment. */
function capture(): CliIo & { stderr: string[] } {
  const stderr: string[] = [];
  return { stderr, interactive: false, out: () => {}, err: (t) => stderr.push(t) };
}

describe('closedloop CLI configuration errors', () => {
  it('an unreachable PostgreSQL exits 1 and says to check DATABASE_URL', async () => {
    const io = capture();
    const code = await runCli(['due'], { io, env: { DATABASE_URL: 'postgres://nobody:secret@127.0.0.1:1/none' } });
    expect(code).toBe(1);
    expect(io.stderr.join('\n')).toMatch(/Cannot connect to PostgreSQL at 127\.0\.0\.1:1\/none.*Check DATABASE_URL/s);
    expect(io.stderr.join('\n')).not.toMatch(/secret/);
  });

  it('an invalid environment variable is named', async () => {
    const io = capture();
    const code = await runCli(['due'], { io, env: { PORT: 'eighty' } });
    expect(code).toBe(1);
    expect(io.stderr.join('\n')).toMatch(/PORT/);
  });
});
