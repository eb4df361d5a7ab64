/**
 * The scripted console run from the issue, end to end through the CLI on each engine: import the
 * demo data (register, events, staff), then as the demo technician pipe commands to
 * `closedloop console`: list overdue → claim → close with an outcome → audit timeline.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliOn } from '../support/cli.js';
import { writeDemoFiles, type DemoFiles } from '../support/demo-files.js';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';

const TODAY = '2026-11-22';
const TECHNICIAN = 'demo.technician@example.invalid';

describe.each(engines)('scripted console run [%s]', (engine) => {
  let testDb: TestDatabase;
  let files: DemoFiles;
  const run = (argv: string[], stdin?: string) => runCliOn(testDb, argv, { stdin, now: new Date(`${TODAY}T10:15:00Z`) });

  beforeAll(async () => {
    testDb = await createTestDatabase(engine);
    files = writeDemoFiles(TODAY);
  });
  afterAll(async () => {
    await testDb.close();
    files.remove();
  });

  it('imports the demo data, then lists, claims, closes and shows the timeline', async () => {
    expect((await run(['import', 'register', files.register])).code).toBe(0);
    expect((await run(['import', 'events', files.events])).code).toBe(0);
    expect((await run(['staff', 'import', files.staff])).code).toBe(0);

    const listed = await run(['console', '--as', TECHNICIAN], '/closedloop list overdue\n');
    expect(listed.code).toBe(0);
    expect(listed.out).toContain('> /closedloop list overdue');
    expect(listed.out).toContain('Overdue tests and late actions');
    // Raised by the register import (never done), then brought up to date by the events import.
    expect(listed.out).toContain('ROUTINE · Overdue monitoring · DEMO-003 (Fictional patient C): fbc for methotrexate overdue by 6 days (due 2026-11-16, last done 2026-11-02)');
    const ref = /\b(A-\d+) [A-Z]+ · Overdue monitoring/.exec(listed.out)?.[1];
    expect(ref).toBeDefined();

    const script = [`claim ${ref}`, `close ${ref} test_booked 2026-11-29 booked with the practice nurse`, `audit ${ref}`, 'exit', 'list'].join('\n');
    const session = await run(['console', '--as', TECHNICIAN], `${script}\n`);
    expect(session.err).toBe('');
    expect(session.code).toBe(0);
    expect(session.out).toContain(`Demo Technician claimed ${ref}.`);
    expect(session.out).toContain(`Demo Technician closed ${ref}.`);
    expect(session.out).toContain('Status: closed: test_booked');
    expect(session.out).toContain(`Timeline: ${ref}`);
    expect(session.out).toMatch(/2026-11-22 \d\d:\d\d created by closedloop/);
    expect(session.out).toMatch(/2026-11-22 10:15 claimed by Demo Technician/);
    expect(session.out).toMatch(/2026-11-22 10:15 closed by Demo Technician/);
    // "exit" ends the session: the line after it is never run.
    expect(session.out).not.toContain('> list');
  });

  it('exits 1 when a scripted command is refused, and 2 without --as', async () => {
    const refused = await run(['console', '--as', TECHNICIAN], 'claim A-999999\n');
    expect(refused.code).toBe(1);
    expect(refused.out).toContain('There is no action A-999999');
    const usage = await run(['console']);
    expect(usage.code).toBe(2);
    expect(usage.err).toContain('--as');
  });
});
