/**
 * The digest bench's register: TEAMS teams × PATIENTS_PER_TEAM patients on PostgreSQL, with the
 * live work a busy team carries, written by set-based SQL (generate_series) because a million
 * patients through the importer would make the bench about the importer.
 *
 * Per team of 2,000 patients (fractions of patients, deterministic by patient number):
 *   overdue_monitoring  40 %  (a quarter claimed; lateness spread over 1–120 days; five drug groups)
 *   result_review        3 %  (one in five red, the rest amber; half claimed)
 *   dna_followup         1 %
 *   reconciliation     0.5 %
 *   escalation           2 %  (to the duty lead)
 * about 930 live actions a team, 465,000 in all, plus one closed action per ten patients.
 */
import { sql } from 'drizzle-orm';
import { rowsOf } from '../src/db/client.js';
import type { Database } from '../src/db/database.js';

export interface DigestSeed {
  teams: number;
  patientsPerTeam: number;
  /** The day the digests are for; overdue dates are spread before it. */
  today: string;
}

const DRUGS = ['lithium', 'methotrexate', 'clozapine', 'apixaban', 'olanzapine'];
const TESTS = ['lithium_level', 'fbc', 'fbc', 'renal', 'hba1c'];

/** Seeds the register; returns the team ids and the number of live actions. */
export async function seedDigestRegister(db: Database, seed: DigestSeed): Promise<{ teamIds: string[]; liveActions: number }> {
  const { teams, patientsPerTeam, today } = seed;
  const total = teams * patientsPerTeam;
  await db.execute(sql`INSERT INTO teams (name, first_digest_at) SELECT 'Bench team ' || lpad(g::text, 4, '0'), now() FROM generate_series(1, ${teams}) g`);
  await db.execute(sql`INSERT INTO staff (name, email, roles)
    SELECT 'Bench pharmacist ' || g, 'pharmacist' || g || '@bench.invalid', ARRAY['pharmacist', 'duty_lead'] FROM generate_series(1, ${teams}) g`);
  await db.execute(sql`INSERT INTO staff_teams (staff_id, team_id)
    SELECT s.id, t.id FROM staff s JOIN teams t ON s.email = 'pharmacist' || substr(t.name, 12)::int || '@bench.invalid'`);
  // Patients in team order: patient n belongs to team ((n - 1) / patientsPerTeam) + 1.
  await db.execute(sql`INSERT INTO patients (patient_ref, display_label, team_id, gp_practice)
    SELECT 'BP' || lpad(g::text, 7, '0'), 'Bench patient ' || g, t.id, 'Bench Practice'
    FROM generate_series(1, ${total}) g
    JOIN teams t ON t.name = 'Bench team ' || lpad((((g - 1) / ${patientsPerTeam}) + 1)::text, 4, '0')`);

  const drugs = sql.param(DRUGS);
  const tests = sql.param(TESTS);
  // One statement per kind; `n` is the patient's number within the whole register.
  const numbered = sql`SELECT p.id AS patient_id, p.team_id, substr(p.patient_ref, 3)::int AS n, s.id AS holder
    FROM patients p JOIN staff_teams st ON st.team_id = p.team_id JOIN staff s ON s.id = st.staff_id WHERE p.patient_ref LIKE 'BP%'`;
  const today0 = sql`${today}::date`;
  await db.execute(sql`INSERT INTO actions (kind, patient_id, team_id, cause_key, cause, priority, status, assignee_id, claimed_at, due_at, created_at, updated_at)
    SELECT 'overdue_monitoring', patient_id, team_id, 'overdue:' || patient_id || ':bench',
      jsonb_build_object('drug', (${drugs}::text[])[1 + n % 5], 'test', (${tests}::text[])[1 + n % 5],
        'dueOn', (${today0} - (1 + n % 120))::text, 'daysOverdue', 1 + n % 120, 'lastDone', (${today0} - (1 + n % 120) - 90)::text),
      CASE WHEN n % 120 >= 28 THEN 'amber' ELSE 'routine' END,
      CASE WHEN n % 4 = 0 THEN 'claimed' ELSE 'open' END,
      CASE WHEN n % 4 = 0 THEN holder END, CASE WHEN n % 4 = 0 THEN ${today0} - interval '2 days' END,
      ${today0} + interval '3 days', ${today0} - interval '5 days', ${today0} - interval '2 days'
    FROM (${numbered}) x WHERE n % 100 < 40`);
  await db.execute(sql`INSERT INTO actions (kind, patient_id, team_id, cause_key, cause, priority, status, assignee_id, claimed_at, due_at, created_at, updated_at)
    SELECT 'result_review', patient_id, team_id, 'result:bench:' || n,
      jsonb_build_object('test', 'lithium_level', 'value', 1.6, 'unit', 'mmol/L', 'takenOn', (${today0} - 1)::text, 'flag', CASE WHEN n % 5 = 0 THEN 'red' ELSE 'amber' END,
        'reason', 'Lithium level above the range'),
      CASE WHEN n % 5 = 0 THEN 'red' ELSE 'amber' END,
      CASE WHEN n % 2 = 0 THEN 'claimed' ELSE 'open' END,
      CASE WHEN n % 2 = 0 THEN holder END, CASE WHEN n % 2 = 0 THEN ${today0} - interval '1 day' END,
      ${today0} + interval '1 day', ${today0} - interval '1 day', ${today0} - interval '1 day'
    FROM (${numbered}) x WHERE n % 100 BETWEEN 40 AND 42`);
  await db.execute(sql`INSERT INTO actions (kind, patient_id, team_id, cause_key, cause, priority, status, due_at, created_at, updated_at)
    SELECT 'dna_followup', patient_id, team_id, 'dna:bench:' || n, jsonb_build_object('test', 'fbc', 'takenOn', ${today0}::text),
      'routine', 'open', ${today0} + interval '20 hours', ${today0}, ${today0}
    FROM (${numbered}) x WHERE n % 100 = 43`);
  await db.execute(sql`INSERT INTO actions (kind, patient_id, team_id, cause_key, cause, priority, status, due_at, created_at, updated_at)
    SELECT 'reconciliation', patient_id, team_id, 'discharge:bench:' || n, jsonb_build_object('dischargedOn', (${today0} - 2)::text),
      'amber', 'open', ${today0} + interval '22 hours', ${today0} - interval '2 days', ${today0} - interval '2 days'
    FROM (${numbered}) x WHERE n % 200 = 88`);
  await db.execute(sql`INSERT INTO actions (kind, patient_id, team_id, cause_key, cause, priority, status, assigned_role, due_at, created_at, updated_at)
    SELECT 'escalation', patient_id, team_id, 'escalation:bench:' || n, jsonb_build_object('reason', 'Overdue more than 28 days'),
      'amber', 'open', 'duty_lead', ${today0} + interval '2 days', ${today0} - interval '1 day', ${today0} - interval '1 day'
    FROM (${numbered}) x WHERE n % 100 IN (45, 46)`);
  await db.execute(sql`INSERT INTO actions (kind, patient_id, team_id, cause_key, cause, priority, status, outcome, due_at, created_at, updated_at, closed_at)
    SELECT 'overdue_monitoring', patient_id, team_id, 'overdue:bench:closed:' || n, '{}'::jsonb, 'routine', 'closed', 'test_booked',
      ${today0} - interval '10 days', ${today0} - interval '20 days', ${today0} - interval '12 days', ${today0} - interval '12 days'
    FROM (${numbered}) x WHERE n % 10 = 7`);
  await db.execute(sql`ANALYZE`);

  const teamIds = rowsOf<{ id: string }>(await db.execute(sql`SELECT id FROM teams WHERE name LIKE 'Bench team %' ORDER BY name`)).map((r) => r.id);
  const [live] = rowsOf<{ n: number }>(await db.execute(sql`SELECT count(*)::int AS n FROM actions WHERE status IN ('open', 'claimed')`));
  return { teamIds, liveActions: Number(live?.n ?? 0) };
}
