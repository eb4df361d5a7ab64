/** Shared pieces for the staff tests: fictional teams, staff.csv files and audit event reads. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import type { AuditActor } from '../../src/audit/append.js';
import { rowsOf } from '../../src/db/client.js';
import type { Database } from '../../src/db/database.js';
import { teams } from '../../src/db/schema.js';
import { importStaff } from '../../src/staff/staff-import.js';

export const NOW = new Date('2026-11-22T09:30:00Z');
export const HEADER = 'name,email,roles,teams';

export const systemActor = (correlationId = 'staff-test'): AuditActor => ({
  id: null, name: 'closedloop', identity: 'system', via: 'cli', channel: null, correlationId,
});

/** A temporary directory for this test file's CSVs; call `remove` in afterAll. */
export function csvDir(prefix: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `closedloop-${prefix}-`));
  let n = 0;
  return {
    dir,
    write(lines: string[]): string {
      const file = path.join(dir, `staff-${++n}.csv`);
      fs.writeFileSync(file, `${lines.join('\n')}\n`);
      return file;
    },
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

export async function createTeams(db: Database, names: string[]): Promise<void> {
  await db.insert(teams).values(names.map((name) => ({ name }))).onConflictDoNothing();
}

/** Imports lines as staff.csv and fails the test with the problems if it is refused. */
export async function importLines(db: Database, files: ReturnType<typeof csvDir>, lines: string[]) {
  const result = await importStaff(db, files.write(lines), { now: NOW, actor: systemActor() });
  if (!result.ok) throw new Error(`${result.message}\n${result.problems.map((p) => `${p.line} ${p.column}: ${p.message}`).join('\n')}`);
  return result.value;
}

export interface AuditRow { verb: string; entity_type: string; entity_id: string; actor_id: string | null; actor_name: string; identity: string; before: unknown; after: unknown }

const parsed = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) as unknown : v);

export async function auditEventsFor(db: Database, entityIds: string[]): Promise<AuditRow[]> {
  const rows = rowsOf<AuditRow>(await db.execute(sql`SELECT verb, entity_type, entity_id, actor_id::text AS actor_id, actor_name, identity, before, after
    FROM audit_events WHERE entity_id = ANY(${sql.param(entityIds)}::text[]) ORDER BY seq`));
  return rows.map((r) => ({ ...r, before: parsed(r.before), after: parsed(r.after) }));
}

export interface StoredStaff { name: string; email: string; roles: string; active: boolean; teams: string }

/** Staff with these emails, roles and team names as ';'-joined text (team names sorted). */
export async function storedStaff(db: Database, emails: string[]): Promise<StoredStaff[]> {
  return rowsOf<StoredStaff>(await db.execute(sql`SELECT s.name, s.email, array_to_string(s.roles, ';') AS roles, s.active,
      COALESCE((SELECT string_agg(t.name, ';' ORDER BY t.name) FROM staff_teams st JOIN teams t ON t.id = st.team_id WHERE st.staff_id = s.id), '') AS teams
    FROM staff s WHERE s.email = ANY(${sql.param(emails)}::text[]) ORDER BY s.email`));
}
