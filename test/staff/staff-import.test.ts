/**
 * staff.csv import on both engines: what it stores, that a re-import changes nothing, that every
 * bad row is reported with nothing written, that memberships are replaced, and the audit events.
 */
import { sql } from 'drizzle-orm';
import { afterAll, expect, it } from 'vitest';
import { rowsOf } from '../../src/db/client.js';
import { DEMO_TEAMS } from '../../src/demo/demo-register.js';
import { DEMO_STAFF, demoStaffCsv } from '../../src/demo/demo-staff.js';
import { importStaff } from '../../src/staff/staff-import.js';
import { describeEachEngine } from '../support/databases.js';
import { auditEventsFor, createTeams, csvDir, HEADER, importLines, NOW, storedStaff, systemActor } from './helpers.js';

const files = csvDir('staff-import');
afterAll(() => files.remove());

describeEachEngine('importStaff', (getDb) => {
  it('imports staff with roles and teams, lower-cases emails, and audits each creation', async () => {
    const db = getDb();
    await createTeams(db, ['Alder CMHT (test)', 'Birch PCN (test)']);
    const summary = await importLines(db, files, [
      HEADER,
      'Ana Example,Ana.Example@Example.NHS.uk,Pharmacist; ADMIN,Alder CMHT (test);birch pcn (test)',
      '"Ben Example, Jr",ben.example@example.nhs.uk,duty lead;nurse;nurse,Alder CMHT (test)',
      'Cai Example,cai.example@example.nhs.uk,manager,',
    ]);
    expect(summary).toEqual({ kind: 'staff', rows: 3, inserted: 3, updated: 0, unchanged: 0 });
    const emails = ['ana.example@example.nhs.uk', 'ben.example@example.nhs.uk', 'cai.example@example.nhs.uk'];
    expect(await storedStaff(db, emails)).toEqual([
      { name: 'Ana Example', email: emails[0], roles: 'pharmacist;admin', active: true, teams: 'Alder CMHT (test);Birch PCN (test)' },
      { name: 'Ben Example, Jr', email: emails[1], roles: 'nurse;duty_lead', active: true, teams: 'Alder CMHT (test)' },
      { name: 'Cai Example', email: emails[2], roles: 'manager', active: true, teams: '' },
    ]);
    const events = await auditEventsFor(db, emails);
    expect(events.map((e) => [e.verb, e.entity_type, e.entity_id, e.identity])).toEqual(emails.map((e) => ['staff.created', 'staff', e, 'system']));
    expect(events[0]!.after).toEqual({ name: 'Ana Example', email: emails[0], roles: ['pharmacist', 'admin'], teams: ['Alder CMHT (test)', 'Birch PCN (test)'], active: true });
    expect(events[0]!.before).toBeNull();
  });

  it('changes nothing when the same file is imported again: no updates and no new audit events', async () => {
    const db = getDb();
    await createTeams(db, ['Cedar CMHT (test)']);
    const lines = [HEADER, 'Dee Example,dee.example@example.nhs.uk,technician,Cedar CMHT (test)', 'Eli Example,eli.example@example.nhs.uk,gp,Cedar CMHT (test)'];
    const emails = ['dee.example@example.nhs.uk', 'eli.example@example.nhs.uk'];
    await importLines(db, files, lines);
    const [before] = rowsOf<{ updated: string }>(await db.execute(sql`SELECT max(updated_at)::text AS updated FROM staff WHERE email = ANY(${sql.param(emails)}::text[])`));
    const eventsBefore = (await auditEventsFor(db, emails)).length;
    expect(await importLines(db, files, lines)).toEqual({ kind: 'staff', rows: 2, inserted: 0, updated: 0, unchanged: 2 });
    expect((await auditEventsFor(db, emails)).length).toBe(eventsBefore);
    const [after] = rowsOf<{ updated: string }>(await db.execute(sql`SELECT max(updated_at)::text AS updated FROM staff WHERE email = ANY(${sql.param(emails)}::text[])`));
    expect(after).toEqual(before);
  });

  it('replaces memberships and roles of staff in the file, audits only the changed fields, and leaves others alone', async () => {
    const db = getDb();
    await createTeams(db, ['Elm CMHT (test)', 'Fir PCN (test)', 'Gum Ward (test)']);
    await importLines(db, files, [
      HEADER,
      'Fay Example,fay.example@example.nhs.uk,nurse,Elm CMHT (test);Fir PCN (test)',
      'Gil Example,gil.example@example.nhs.uk,technician,Elm CMHT (test)',
    ]);
    const summary = await importLines(db, files, [
      'email,name,teams,roles,active',
      'fay.example@example.nhs.uk,Fay Example,Gum Ward (test),nurse;care coordinator,',
    ]);
    expect(summary).toEqual({ kind: 'staff', rows: 1, inserted: 0, updated: 1, unchanged: 0 });
    const [fay, gil] = await storedStaff(db, ['fay.example@example.nhs.uk', 'gil.example@example.nhs.uk']);
    expect(fay).toMatchObject({ roles: 'nurse;care_coordinator', teams: 'Gum Ward (test)', active: true });
    expect(gil).toMatchObject({ roles: 'technician', teams: 'Elm CMHT (test)', active: true });
    const updated = (await auditEventsFor(db, ['fay.example@example.nhs.uk'])).filter((e) => e.verb === 'staff.updated');
    expect(updated).toHaveLength(1);
    expect(updated[0]!.before).toEqual({ roles: ['nurse'], teams: ['Elm CMHT (test)', 'Fir PCN (test)'] });
    expect(updated[0]!.after).toEqual({ roles: ['nurse', 'care_coordinator'], teams: ['Gum Ward (test)'] });
  });

  it('marks a leaver inactive with active=no, and a blank active cell leaves that alone', async () => {
    const db = getDb();
    await createTeams(db, ['Hazel CMHT (test)']);
    const row = 'Hal Example,hal.example@example.nhs.uk,pharmacist,Hazel CMHT (test)';
    await importLines(db, files, [`${HEADER},active`, `${row},yes`]);
    expect(await importLines(db, files, [`${HEADER},active`, `${row},No`])).toMatchObject({ updated: 1 });
    expect((await storedStaff(db, ['hal.example@example.nhs.uk']))[0]).toMatchObject({ active: false });
    expect(await importLines(db, files, [HEADER, row])).toMatchObject({ updated: 0, unchanged: 1 });
    const events = await auditEventsFor(db, ['hal.example@example.nhs.uk']);
    expect(events.map((e) => e.verb)).toEqual(['staff.created', 'staff.updated']);
    expect(events[1]!.after).toEqual({ active: false });
  });

  it('reports every bad row with line and column, and writes nothing', async () => {
    const db = getDb();
    await createTeams(db, ['Ivy CMHT (test)']);
    const file = files.write([
      HEADER,
      'Ivo Example,ivo.example@example.nhs.uk,pharmacist,Ivy CMHT (test)',
      'Jo Example,not-an-email,nurse,Ivy CMHT (test)',
      'Kai Example,kai.example@example.nhs.uk,wizard;nurse,Ivy CMHT (test)',
      'Lee Example,lee.example@example.nhs.uk,nurse,Nowhere Team (test)',
      'Ivo Again,IVO.example@example.nhs.uk,nurse,Ivy CMHT (test)',
      ',max.example@example.nhs.uk,nurse,Ivy CMHT (test)',
      'Ned Example,ned.example@example.nhs.uk,,Ivy CMHT (test)',
      'Ola Example,ola.example@example.nhs.uk,nurse',
      'Pat Example,pat.example@example.nhs.uk,nurse,Ivy CMHT (test),extra',
    ]);
    const eventsBefore = rowsOf<{ n: number }>(await db.execute(sql`SELECT count(*)::int AS n FROM audit_events`))[0]!.n;
    const result = await importStaff(db, file, { now: NOW, actor: systemActor() });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.code).toBe('IMPORT.INVALID_ROWS');
    expect(result.message).toBe(`${file.split('/').pop()}: 8 of 9 row(s) have problems; nothing was imported`);
    expect(result.problems.map((p) => [p.line, p.column])).toEqual([
      [3, 'email'], [4, 'roles'], [5, 'teams'], [6, 'email'], [7, 'name'], [8, 'roles'], [9, null], [10, null],
    ]);
    const message = (line: number) => result.problems.find((p) => p.line === line)!.message;
    expect(message(3)).toMatch(/"not-an-email" is not an email address/);
    expect(message(4)).toMatch(/"wizard" is not a role; the roles are technician, pharmacist/);
    expect(message(5)).toMatch(/"Nowhere Team \(test\)" is not a team; the teams are .*Ivy CMHT \(test\)/);
    expect(message(6)).toMatch(/ivo\.example@example\.nhs\.uk is also on line 2/);
    expect(message(7)).toMatch(/is blank/);
    expect(message(9)).toMatch(/3 field\(s\) but the header has 4 columns/);
    const emails = ['ivo.example@example.nhs.uk', 'kai.example@example.nhs.uk', 'lee.example@example.nhs.uk', 'max.example@example.nhs.uk', 'ned.example@example.nhs.uk'];
    expect(await storedStaff(db, emails)).toEqual([]);
    expect(rowsOf<{ n: number }>(await db.execute(sql`SELECT count(*)::int AS n FROM audit_events`))[0]!.n).toBe(eventsBefore);
  });

  it('imports the demo staff list (quoted cells, .invalid addresses) as the console and contract tests use it', async () => {
    const db = getDb();
    await createTeams(db, [...DEMO_TEAMS]);
    const summary = await importLines(db, files, demoStaffCsv(DEMO_TEAMS).trimEnd().split('\n'));
    expect(summary).toEqual({ kind: 'staff', rows: DEMO_STAFF.length, inserted: DEMO_STAFF.length, updated: 0, unchanged: 0 });
    const stored = await storedStaff(db, DEMO_STAFF.map((s) => s.email));
    expect(stored.map((s) => s.teams)).toEqual(DEMO_STAFF.map(() => [...DEMO_TEAMS].sort((a, b) => a.localeCompare(b)).join(';')));
  });

  it('refuses a bad header, an empty file and a missing file with the shared import codes', async () => {
    const db = getDb();
    const options = { now: NOW, actor: systemActor() };
    const badHeader = await importStaff(db, files.write(['name,email,role', 'Ray Example,ray.example@example.nhs.uk,nurse']), options);
    expect(badHeader).toMatchObject({ ok: false, code: 'IMPORT.BAD_HEADER' });
    if (!badHeader.ok) expect(badHeader.problems.map((p) => p.message).join('\n')).toMatch(/missing column\(s\): roles, teams/);
    expect(await importStaff(db, files.write([HEADER]), options)).toMatchObject({ ok: false, code: 'IMPORT.EMPTY' });
    expect(await importStaff(db, `${files.dir}/no-such-staff.csv`, options)).toMatchObject({ ok: false, code: 'IMPORT.NOT_FOUND' });
  });
});
