/**
 * Staff (the identity directory in src/staff) and patients as the command core looks them up.
 */
import { sql } from 'drizzle-orm';
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
      const [row] = rowsOf<Record<string, string>>(await db.execute(sql`SELECT p.id, p.patient_ref, p.display_label, p.team_id, t.name AS team_name,
          t.time_zone, p.gp_practice FROM patients p JOIN teams t ON t.id = p.team_id WHERE lower(p.patient_ref) = lower(${ref})`));
      // Another team's patient is not found: their existence is not for this person.
      if (!row || !teamIds.includes(row.team_id!)) return null;
      return { id: row.id!, patientRef: row.patient_ref!, displayLabel: row.display_label!, teamId: row.team_id!, teamName: row.team_name!, timeZone: row.time_zone!, gpPractice: row.gp_practice! };
    },
  };
}
