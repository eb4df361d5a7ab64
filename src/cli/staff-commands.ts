/**
 * `closedloop staff import FILE | staff list [--team T]`: loading the staff list (who may do what,
 * in which teams) and showing it.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { SYSTEM_ACTOR_NAME, type AuditActor } from '../audit/append.js';
import { rowsOf } from '../db/client.js';
import type { Queryable } from '../db/database.js';
import { failureReport } from '../imports/problems.js';
import { findTeamId } from '../register/due-list.js';
import { importStaff, type StaffImportSummary } from '../staff/staff-import.js';
import { commandInfo } from './command-info.js';
import type { CliContext } from './context.js';
import { renderTable } from './format.js';
import type { CommandSpec } from './registry.js';

const USAGE = commandInfo('staff').usage;

const staffOptions = z.object({
  team: z.string().trim().min(1, 'give the team name, e.g. --team "Rainbow CMHT"').optional(),
});

function describeSummary(s: StaffImportSummary): string {
  return `${s.rows} rows: ${s.inserted} new, ${s.updated} updated, ${s.unchanged} unchanged`;
}

async function runImport(ctx: CliContext, file: string): Promise<number> {
  const { db } = await ctx.database();
  const label = path.basename(file);
  const actor: AuditActor = { id: null, name: SYSTEM_ACTOR_NAME, identity: 'system', via: 'cli', channel: null, correlationId: crypto.randomUUID() };
  const result = await importStaff(db, file, { now: ctx.now(), actor });
  if (!result.ok) {
    ctx.io.err(failureReport(result, label).join('\n'));
    return 1;
  }
  ctx.io.out(`${label}: ${describeSummary(result.value)}.`);
  return 0;
}

interface ListedStaff { name: string; email: string; roles: string; teams: string; active: boolean }

async function listStaff(db: Queryable, teamId: string | undefined): Promise<ListedStaff[]> {
  const inTeam = teamId === undefined ? sql`TRUE` : sql`EXISTS (SELECT 1 FROM staff_teams x WHERE x.staff_id = s.id AND x.team_id = ${teamId}::uuid)`;
  return rowsOf<ListedStaff>(await db.execute(sql`
    SELECT s.name, s.email, array_to_string(s.roles, ', ') AS roles, s.active,
      COALESCE((SELECT string_agg(t.name, ', ' ORDER BY t.name) FROM staff_teams st JOIN teams t ON t.id = st.team_id WHERE st.staff_id = s.id), '') AS teams
    FROM staff s WHERE ${inTeam}
    ORDER BY lower(s.name), s.email`));
}

async function runList(ctx: CliContext, team: string | undefined): Promise<number> {
  const { db } = await ctx.database();
  let teamId: string | undefined;
  if (team !== undefined) {
    const found = await findTeamId(db, team);
    if (!found.ok) { ctx.io.err(found.message); return 1; }
    teamId = found.value;
  }
  const staff = await listStaff(db, teamId);
  if (staff.length === 0) {
    ctx.io.out(team === undefined
      ? 'No staff yet. Import the staff list: closedloop staff import staff.csv (see docs/import-formats.md).'
      : `Nobody is in ${team} yet. Add the team to people's teams in staff.csv and run: closedloop staff import staff.csv`);
    return 0;
  }
  const rows = staff.map((s) => [s.name, s.email, s.roles, s.teams, s.active ? 'yes' : 'no (left)']);
  ctx.io.out(`${renderTable(['name', 'email', 'roles', 'teams', 'active'], rows)}\n\n${staff.length} member(s) of staff${team === undefined ? '' : ` in ${team}`}.`);
  return 0;
}

export const staffCommand: CommandSpec = {
  ...commandInfo('staff'),
  options: { team: { type: 'string' } },
  schema: staffOptions,
  async run(ctx, { positionals, values }) {
    const [action, file, ...extra] = positionals;
    const opts = staffOptions.parse(values);
    if (action === 'import' && file && extra.length === 0 && opts.team === undefined) return runImport(ctx, file);
    if (action === 'list' && file === undefined) return runList(ctx, opts.team);
    ctx.io.err(`Usage: closedloop ${USAGE}\nSee docs/import-formats.md for the staff.csv columns.`);
    return 2;
  },
};
