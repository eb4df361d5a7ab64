/**
 * Staff (the identity directory in src/staff) and patients as the command core looks them up.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { PatientStore, PatientSummary, StaffStore } from '../app/ports.js';
import { rowsOf } from '../db/client.js';
import type { Database } from '../db/database.js';
import { findStaffByAccount, findStaffByEmail, linkAccount, resolveAccount, teamMembers } from '../staff/directory.js';

export function sqlStaff(db: Database): StaffStore {
  return {
    resolve: (account, context) => resolveAccount(db, account, context),
    findByEmail: (email) => findStaffByEmail(db, email),
    findByAccount: (account) => findStaffByAccount(db, account),
    teamMembers: (teamId) => teamMembers(db, teamId),
    link: (admin, account, email, context) => linkAccount(db, admin, account, email, context),
  };
}

export function sqlPatients(db: Database): PatientStore {
  return {
    async findInTeams(ref: string, teamIds: readonly string[]): Promise<PatientSummary | null> {
      const lookup = async (where: SQL) => rowsOf<Record<string, string>>(await db.execute(sql`SELECT p.id, p.patient_ref, p.display_label,
          p.team_id, t.name AS team_name, t.time_zone, p.gp_practice FROM patients p JOIN teams t ON t.id = p.team_id WHERE ${where} LIMIT 2`));
      // The exact reference first. A different case is accepted only when exactly one patient
      // matches: "demo-001" must never open DEMO-001 when a patient demo-001 also exists (the
      // register's unique key is case-sensitive), or a result typed in chat could be filed
      // against the wrong patient (hazard HAZ-003).
      let rows = await lookup(sql`p.patient_ref = ${ref}`);
      if (rows.length === 0) rows = await lookup(sql`lower(p.patient_ref) = lower(${ref})`);
      const [row] = rows.length === 1 ? rows : [];
      // Another team's patient is not found: their existence is not for this person.
      if (!row || !teamIds.includes(row.team_id!)) return null;
      return { id: row.id!, patientRef: row.patient_ref!, displayLabel: row.display_label!, teamId: row.team_id!, teamName: row.team_name!, timeZone: row.time_zone!, gpPractice: row.gp_practice! };
    },
  };
}
