/**
 * `closedloop staff import | list` in-process against a real test database on each engine:
 * the summary, problem lines and exit codes, and the table.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliOn } from '../support/cli.js';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { auditEventsFor, createTeams, csvDir, HEADER } from './helpers.js';

const files = csvDir('staff-cli');
afterAll(() => files.remove());


describe.each(engines)('closedloop staff [%s]', (engine) => {
  let testDb: TestDatabase;
  const run = (...argv: string[]) => runCliOn(testDb, argv, { now: new Date('2026-11-22T12:00:00Z') });

  beforeAll(async () => {
    testDb = await createTestDatabase(engine);
    await createTeams(testDb.db, ['Pine CMHT (test)', 'Rowan PCN (test)']);
  });
  afterAll(async () => {
    await testDb.close();
  });

  it('imports staff.csv, prints the summary, and a second import changes nothing', async () => {
    const file = files.write([
      HEADER,
      'Ana Example,ana.example@example.nhs.uk,pharmacist,Pine CMHT (test)',
      'Ben Example,ben.example@example.nhs.uk,technician;nurse,Pine CMHT (test);Rowan PCN (test)',
      'Ada Admin,ada.admin@example.nhs.uk,admin,',
    ]);
    const first = await run('staff', 'import', file);
    expect(first).toMatchObject({ code: 0, err: '' });
    expect(first.out).toBe(`${path.basename(file)}: 3 rows: 3 new, 0 updated, 0 unchanged.`);
    expect((await run('staff', 'import', file)).out).toMatch(/0 new, 0 updated, 3 unchanged/);
    const events = await auditEventsFor(testDb.db, ['ana.example@example.nhs.uk']);
    expect(events).toMatchObject([{ verb: 'staff.created', actor_name: 'closedloop', identity: 'system' }]);
  });

  it('lists every problem, says nothing was imported, and exits 1', async () => {
    const file = files.write([HEADER, 'Cy Example,cy.example,nurse,Pine CMHT (test)', 'Di Example,di.example@example.nhs.uk,chef,Oak (test)']);
    const { code, out, err } = await run('staff', 'import', file);
    expect(code).toBe(1);
    expect(out).toBe('');
    const label = path.basename(file);
    expect(err).toContain(`${label}: 2 of 2 row(s) have problems; nothing was imported`);
    expect(err).toContain(`${label} line 2, column email: "cy.example" is not an email address`);
    expect(err).toContain(`${label} line 3, column roles: "chef" is not a role`);
    expect(err).toMatch(new RegExp(`${label.replace('.', '\\.')} line 3, column teams: "Oak \\(test\\)" is not a team; the teams are Pine CMHT \\(test\\), Rowan PCN \\(test\\)`));
    expect(err).toContain('Nothing was imported.');
  });

  it('lists staff as a table, optionally for one team', async () => {
    const all = await run('staff', 'list');
    expect(all.code).toBe(0);
    const lines = all.out.split('\n');
    expect(lines[0]).toMatch(/^name\s+email\s+roles\s+teams\s+active$/);
    expect(all.out).toMatch(/Ben Example\s+ben\.example@example\.nhs\.uk\s+technician, nurse\s+Pine CMHT \(test\), Rowan PCN \(test\)\s+yes/);
    expect(all.out).toMatch(/3 member\(s\) of staff\./);

    const rowan = await run('staff', 'list', '--team', 'Rowan PCN (test)');
    expect(rowan.code).toBe(0);
    expect(rowan.out).toContain('Ben Example');
    expect(rowan.out).not.toContain('Ana Example');
    expect(rowan.out).toMatch(/1 member\(s\) of staff in Rowan PCN \(test\)\./);

    const unknown = await run('staff', 'list', '--team', 'Nowhere (test)');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/No team is called "Nowhere \(test\)"\. Teams: Pine CMHT \(test\), Rowan PCN \(test\)/);
  });

  it('exits 2 with the usage for a missing file or an unknown subcommand, and 1 for a missing file on disk', async () => {
    expect(await run('staff')).toMatchObject({ code: 2, err: expect.stringMatching(/Usage: closedloop staff import FILE \| staff list/) });
    expect(await run('staff', 'import')).toMatchObject({ code: 2 });
    expect(await run('staff', 'remove', 'x')).toMatchObject({ code: 2 });
    const missing = await run('staff', 'import', path.join(files.dir, 'absent.csv'));
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/no such file/);
  });
});
