/**
 * Imports the staff list (staff.csv): one row per person with their roles and team memberships.
 *
 * Same guarantees as the register import: the whole file is checked first and every bad row is
 * reported; nothing is written unless every row is good; the write is one transaction; and a
 * re-import of the same file changes nothing (rows are compared before they are written, and
 * only real changes get an audit event). Staff the file does not mention are left alone, so a
 * team can keep its own file. For the people it does mention the file is the whole truth about
 * their roles and teams: a team left out of someone's `teams` cell is a membership removed.
 *
 * Staff are who actions are assigned to and who may sign off clinically, so every creation or
 * change is audited in the same transaction as the change itself.
 */
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { appendAuditBatch, type AuditActor, type AuditRecord } from '../audit/append.js';
import { rowsOf } from '../db/client.js';
import type { Database, Transaction } from '../db/database.js';
import { ROLES, type Role } from '../domain/actions/kinds.js';
import { openCsv, rowCells, type ColumnIndex, type CsvRecord, type HeaderSpec } from '../imports/csv.js';
import { DEFAULT_MAX_PROBLEMS, failure, ProblemList, quote, type ImportFailure, type UpsertCounts } from '../imports/problems.js';
import { normaliseEmail } from './directory.js';

export interface StaffImportSummary extends UpsertCounts {
  kind: 'staff';
  /** Data rows read (blank lines excluded). */
  rows: number;
}

/** An `Outcome<StaffImportSummary, ImportErrorCode>` whose failures also list the problems. */
export type StaffImportResult = { ok: true; value: StaffImportSummary } | ImportFailure;

export interface StaffImportOptions {
  /** When the import happens: audit events and `updated_at` use it. */
  now: Date;
  /** Who ran the import (the system actor from the CLI). */
  actor: AuditActor;
  /** Problems listed before the rest are only counted (default 100,000). */
  maxProblems?: number;
}

const optionsSchema = z.object({
  now: z.date().refine((d) => !Number.isNaN(d.getTime()), 'now must be a valid date'),
  actor: z.object({
    id: z.string().nullable(), name: z.string().min(1), identity: z.string().min(1),
    via: z.enum(['slack', 'teams', 'console', 'scheduler', 'cli', 'demo']), channel: z.string().nullable(), correlationId: z.string().min(1),
  }),
  maxProblems: z.number().int().min(1).default(DEFAULT_MAX_PROBLEMS),
});

type Column = 'name' | 'email' | 'roles' | 'teams' | 'active';
const COLUMNS: HeaderSpec<Column> = { required: ['name', 'email', 'roles', 'teams'], optional: ['active'] };
const MAX_NAME = 200;
/** pg_advisory_xact_lock key: two staff imports at once would race on the same inserts. */
const STAFF_IMPORT_LOCK = 7310309357185173;
const YES = new Set(['yes', 'y', 'true', '1']);
const NO = new Set(['no', 'n', 'false', '0']);

interface Team { id: string; name: string }

interface StaffRow {
  line: number;
  name: string;
  email: string;
  /** Deduplicated, in ROLES order, so the same set always compares equal. */
  roles: Role[];
  /** Deduplicated and sorted by name. */
  teams: Team[];
  /** null: the `active` cell is blank or absent (new staff are active, existing staff unchanged). */
  active: boolean | null;
}

export async function importStaff(db: Database, filePath: string, options: StaffImportOptions): Promise<StaffImportResult> {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) throw new TypeError(`staff import options: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const { now, maxProblems } = parsed.data;
  const label = path.basename(filePath);
  const opened = await openCsv(filePath, label, COLUMNS);
  if (!opened.ok) return opened;

  const teams = rowsOf<Team>(await db.execute(sql`SELECT id::text AS id, name FROM teams ORDER BY name`));
  const validate = rowValidator(teams);
  const problems = new ProblemList(maxProblems);
  const plan = new Map<string, StaffRow>();
  let rows = 0;
  for await (const chunk of opened.csv.rows) {
    for (const record of chunk) {
      rows += 1;
      const row = validate(record, opened.csv.columns, opened.csv.width, problems);
      if (row !== null) plan.set(row.email, row);
    }
  }
  if (rows === 0) return failure('IMPORT.EMPTY', `${label} has a header but no data rows`);
  if (problems.total > 0) {
    return failure('IMPORT.INVALID_ROWS', `${label}: ${problems.badRowCount} of ${rows} row(s) have problems; nothing was imported`, problems.finish());
  }
  const counts = await db.transaction((tx) => writePlan(tx, [...plan.values()], teams, now, options.actor));
  return { ok: true, value: { kind: 'staff', rows, ...counts } };
}

// ---------------------------------------------------------------------------------------------
// Validation

/** `Duty Lead`, `duty-lead` and `DUTY_LEAD` all name `duty_lead`. */
function normaliseRole(text: string): string {
  return text.trim().toLowerCase().replace(/[\s-]+/g, '_');
}

function splitList(cell: string): string[] {
  return cell.split(';').map((s) => s.trim()).filter((s) => s !== '');
}

function rowValidator(teams: readonly Team[]) {
  const byName = new Map(teams.map((t) => [t.name, t]));
  // Case-insensitive matching only where it is unambiguous (team names are unique, but only exactly).
  const byLowerName = new Map<string, Team | null>();
  for (const t of teams) {
    const key = t.name.toLowerCase();
    byLowerName.set(key, byLowerName.has(key) ? null : t);
  }
  const knownTeams = teams.length > 0 ? teams.map((t) => t.name).join(', ') : 'none yet (teams are created by the register import; import the register first)';
  const roleSet = new Set<string>(ROLES);
  /** Email → first line it appears on, kept even for rows with other problems. */
  const seen = new Map<string, number>();

  return (record: CsvRecord, col: ColumnIndex<Column>, width: number, problems: ProblemList): StaffRow | null => {
    const { line } = record;
    const cell = rowCells(record, col, width, (l, c, m) => problems.add(l, c, m));
    if (cell === null) return null;
    const before = problems.total;

    const name = cell('name');
    if (name === '') problems.add(line, 'name', 'is blank; give the person\'s name as colleagues know it');
    else if (name.length > MAX_NAME) problems.add(line, 'name', `is longer than ${MAX_NAME} characters`);
    // eslint-disable-next-line no-control-regex
    else if (/[\u0000-\u001f\u007f]/.test(name)) problems.add(line, 'name', 'contains a control character (a line break inside quotes?)');

    const rawEmail = cell('email');
    const email = rawEmail === '' ? null : normaliseEmail(rawEmail);
    if (rawEmail === '') problems.add(line, 'email', 'is blank; give the person\'s work email');
    else if (email === null) problems.add(line, 'email', `${quote(rawEmail)} is not an email address`);
    else if (seen.has(email)) problems.add(line, 'email', `${email} is also on line ${seen.get(email)}; give each person one row, listing all their roles and teams`);
    else seen.set(email, line);

    const roles = new Set<Role>();
    const rawRoles = splitList(cell('roles'));
    if (rawRoles.length === 0) problems.add(line, 'roles', `is blank; give at least one of ${ROLES.join(', ')} (separate several with ;)`);
    for (const raw of rawRoles) {
      const role = normaliseRole(raw);
      if (roleSet.has(role)) roles.add(role as Role);
      else problems.add(line, 'roles', `${quote(raw)} is not a role; the roles are ${ROLES.join(', ')}`);
    }

    const memberOf = new Map<string, Team>();
    for (const raw of splitList(cell('teams'))) {
      const team = byName.get(raw) ?? byLowerName.get(raw.toLowerCase());
      if (team) memberOf.set(team.id, team);
      else problems.add(line, 'teams', `${quote(raw)} is not a team; the teams are ${knownTeams}`);
    }

    const rawActive = cell('active').toLowerCase();
    const active = rawActive === '' ? null : YES.has(rawActive) ? true : NO.has(rawActive) ? false : undefined;
    if (active === undefined) problems.add(line, 'active', `${quote(cell('active'))} is not yes or no; write no for someone who has left, yes or blank otherwise`);

    if (problems.total > before || email === null || active === undefined) return null;
    return {
      line, name, email,
      roles: ROLES.filter((r) => roles.has(r)),
      teams: [...memberOf.values()].sort((a, b) => a.name.localeCompare(b.name)),
      active,
    };
  };
}

// ---------------------------------------------------------------------------------------------
// Writing

interface StoredStaff { id: string; email: string; name: string; roles: string; active: boolean; team_ids: string }

type Fields = { name?: string; roles?: Role[]; teams?: string[]; active?: boolean };

const p = (values: unknown[]) => sql.param(values);
const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

async function writePlan(tx: Transaction, plan: StaffRow[], teams: readonly Team[], now: Date, actor: AuditActor): Promise<UpsertCounts> {
  await tx.execute(sql`SELECT pg_advisory_xact_lock(${STAFF_IMPORT_LOCK}::bigint)`);
  const at = now.toISOString();
  const teamName = new Map(teams.map((t) => [t.id, t.name]));
  // Roles and team ids travel as delimited text so that both drivers return them the same way.
  const stored = new Map(rowsOf<StoredStaff>(await tx.execute(sql`
    SELECT s.id::text AS id, s.email, s.name, array_to_string(s.roles, ';') AS roles, s.active,
      COALESCE((SELECT string_agg(st.team_id::text, ',') FROM staff_teams st WHERE st.staff_id = s.id), '') AS team_ids
    FROM staff s WHERE s.email = ANY(${p(plan.map((r) => r.email))}::text[])`)).map((s) => [s.email, s]));

  const fresh: StaffRow[] = [];
  const altered: Array<{ row: StaffRow; id: string; before: Fields; after: Fields; teamsChanged: boolean }> = [];
  let unchanged = 0;
  for (const row of plan) {
    const s = stored.get(row.email);
    if (!s) { fresh.push(row); continue; }
    const before: Fields = {};
    const after: Fields = {};
    if (s.name !== row.name) { before.name = s.name; after.name = row.name; }
    const storedRoles = s.roles === '' ? [] : s.roles.split(';');
    if (!sameList(storedRoles, row.roles)) { before.roles = storedRoles as Role[]; after.roles = row.roles; }
    if (row.active !== null && row.active !== s.active) { before.active = s.active; after.active = row.active; }
    const storedTeams = (s.team_ids === '' ? [] : s.team_ids.split(',')).map((id) => teamName.get(id) ?? id).sort((a, b) => a.localeCompare(b));
    const wantedTeams = row.teams.map((t) => t.name);
    const teamsChanged = !sameList(storedTeams, wantedTeams);
    if (teamsChanged) { before.teams = storedTeams; after.teams = wantedTeams; }
    if (Object.keys(after).length === 0) unchanged += 1;
    else altered.push({ row, id: s.id, before, after, teamsChanged });
  }

  const ids = new Map<string, string>();
  if (fresh.length > 0) {
    const inserted = rowsOf<{ id: string; email: string }>(await tx.execute(sql`
      INSERT INTO staff (name, email, roles, active, created_at, updated_at)
      SELECT u.name, u.email, string_to_array(u.roles, ';'), u.active::boolean, ${at}::timestamptz, ${at}::timestamptz
      FROM unnest(${p(fresh.map((r) => r.name))}::text[], ${p(fresh.map((r) => r.email))}::text[],
                  ${p(fresh.map((r) => r.roles.join(';')))}::text[], ${p(fresh.map((r) => String(r.active ?? true)))}::text[]) AS u(name, email, roles, active)
      RETURNING id::text AS id, email`));
    for (const r of inserted) ids.set(r.email, r.id);
  }
  // A membership change counts as a change to the person, so it moves updated_at too.
  if (altered.length > 0) {
    await tx.execute(sql`
      UPDATE staff AS t SET name = u.name, roles = string_to_array(u.roles, ';'), active = u.active::boolean, updated_at = ${at}::timestamptz
      FROM unnest(${p(altered.map((a) => a.id))}::uuid[], ${p(altered.map((a) => a.row.name))}::text[],
                  ${p(altered.map((a) => a.row.roles.join(';')))}::text[],
                  ${p(altered.map((a) => String(a.row.active ?? stored.get(a.row.email)!.active)))}::text[]) AS u(id, name, roles, active)
      WHERE t.id = u.id`);
  }

  // Memberships are replaced only for people whose team list changed, so nothing else is touched.
  const moved = altered.filter((a) => a.teamsChanged);
  if (moved.length > 0) await tx.execute(sql`DELETE FROM staff_teams WHERE staff_id = ANY(${p(moved.map((a) => a.id))}::uuid[])`);
  const regrouped = [
    ...fresh.map((row) => ({ id: ids.get(row.email)!, teams: row.teams })),
    ...moved.map((a) => ({ id: a.id, teams: a.row.teams })),
  ];
  const pairs = regrouped.flatMap((g) => g.teams.map((t) => ({ staffId: g.id, teamId: t.id })));
  if (pairs.length > 0) {
    await tx.execute(sql`INSERT INTO staff_teams (staff_id, team_id)
      SELECT * FROM unnest(${p(pairs.map((x) => x.staffId))}::uuid[], ${p(pairs.map((x) => x.teamId))}::uuid[])`);
  }

  const records: Array<AuditRecord & { line: number }> = [
    ...fresh.map((row) => ({
      line: row.line, verb: 'staff.created', entityType: 'staff', entityId: row.email, before: null,
      after: { name: row.name, email: row.email, roles: row.roles, teams: row.teams.map((t) => t.name), active: row.active ?? true },
    })),
    ...altered.map((a) => ({ line: a.row.line, verb: 'staff.updated', entityType: 'staff', entityId: a.row.email, before: a.before, after: a.after })),
  ];
  records.sort((a, b) => a.line - b.line);
  await appendAuditBatch(tx, actor, records.map(({ line: _line, ...record }) => record), now);
  return { inserted: fresh.length, updated: altered.length, unchanged };
}
