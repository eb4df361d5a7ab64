/**
 * The patient columns of register.csv, repeated on each of a patient's rows: what a patient row
 * plans, the clinical attributes (`sex`, `flags`: src/domain/clinical-attributes.ts) read from
 * their cells, the check that a patient's rows agree, and the patients' upsert.
 *
 * `sex` and `flags` are optional columns. When the header has one, its cell is the whole truth
 * for the patient (blank: not recorded, no flags), so a flag can be removed by clearing it. When
 * the header leaves one out, the file says nothing about it and stored values are kept: an export
 * from a system without the column must not silently clear a patient's BEN flag or INR target.
 */
import { sql } from 'drizzle-orm';
import { rowsOf } from '../db/client.js';
import type { Transaction } from '../db/database.js';
import { formatClinicalFlags, parseClinicalFlags, parseSex, type ClinicalFlags, type Sex } from '../domain/clinical-attributes.js';
import { flagsFromColumn, sexFromColumn } from '../register/patient-attributes.js';
import { freeTextCell } from './csv.js';
import type { UpsertCounts } from './problems.js';
import { param as p, upsert, type Batches } from './upsert.js';

export type AttributeColumn = 'sex' | 'flags';
export const PATIENT_COLUMNS = ['display_label', 'team', 'gp_practice', 'date_of_birth', 'sex', 'flags'] as const;
export type PatientColumn = (typeof PATIENT_COLUMNS)[number];

/** Longer than any list of the three flags; a longer cell is a pasted mistake, refused before parsing. */
const MAX_ATTRIBUTE_TEXT = 200;

export interface PatientAttributesPlan {
  /** Undefined: the file has no `sex` column, so the stored value stays. */
  sex: Sex | null | undefined;
  /** Undefined: the file has no `flags` column, so the stored flags stay. */
  flags: ClinicalFlags | undefined;
}

export interface PatientPlan extends PatientAttributesPlan {
  line: number;
  ref: string;
  display_label: string;
  team: string;
  gp_practice: string;
  date_of_birth: string | null;
}

type Report = (line: number, column: AttributeColumn, message: string) => void;

/**
 * Reads a row's `sex` and `flags` cells; `inHeader` says which columns the file has. A bad cell is
 * reported with the parser's message, after the column name (`column flags: has an unknown flag …`).
 */
export function attributeCells(cell: (c: AttributeColumn) => string, inHeader: (c: AttributeColumn) => boolean,
  line: number, report: Report): PatientAttributesPlan {
  const text = (c: AttributeColumn): string | null => {
    const value = cell(c);
    if (value.length > MAX_ATTRIBUTE_TEXT) {
      report(line, c, `is longer than ${MAX_ATTRIBUTE_TEXT} characters`);
      return null;
    }
    // Control characters and line breaks get the import's own messages, not "unknown flag".
    const checked = freeTextCell(value, { oneLine: c === 'sex' ? 'sex' : 'the flags' });
    if ('problem' in checked) {
      report(line, c, checked.problem);
      return null;
    }
    return checked.value;
  };
  let sex: Sex | null | undefined;
  if (inHeader('sex')) {
    const value = text('sex');
    const parsed = value === null ? null : parseSex(value);
    if (parsed && !parsed.ok) report(line, 'sex', parsed.message);
    sex = parsed?.ok ? parsed.sex : null;
  }
  let flags: ClinicalFlags | undefined;
  if (inHeader('flags')) {
    const value = text('flags');
    const parsed = value === null ? null : parseClinicalFlags(value);
    if (parsed && !parsed.ok) report(line, 'flags', parsed.message);
    flags = parsed?.ok ? parsed.flags : {};
  }
  return { sex, flags };
}

/** The patient columns in which two rows of one patient disagree (flags compared as written canonically). */
export function patientColumnsDiffering(held: PatientPlan, row: PatientPlan): PatientColumn[] {
  return PATIENT_COLUMNS.filter((c) => (c === 'flags' ? formatClinicalFlags(held.flags) !== formatClinicalFlags(row.flags) : held[c] !== row[c]));
}

type StoredPatient = {
  id: string; patient_ref: string; display_label: string; team_id: string; gp_practice: string; date_of_birth: string | null;
  sex: unknown; clinical_flags: unknown;
};

/**
 * Upserts the planned patients by patient_ref; returns the counts and every planned patient's id.
 * A change to any patient column, sex and flags included, is an update: counted in the summary
 * and visible in `updated_at`, as the import reports every patient-column change.
 */
export async function writePatients(tx: Transaction, planned: Iterable<PatientPlan>, refs: string[], teamIdOf: (teamName: string) => string,
  batches: Batches): Promise<{ counts: UpsertCounts; ids: Map<string, string> }> {
  // Dates travel as text and are cast in SQL: drizzle's postgres.js driver passes date[]
  // parameters through unserialised, which postgres.js then rejects. Flags travel as JSON text.
  const stored = new Map(rowsOf<StoredPatient>(await tx.execute(sql`SELECT id::text AS id, patient_ref, display_label, team_id::text AS team_id,
      gp_practice, date_of_birth::text AS date_of_birth, sex, clinical_flags
    FROM patients WHERE patient_ref = ANY(${p(refs)}::text[])`)).map((s) => [s.patient_ref, s]));
  const ids = new Map([...stored.values()].map((s) => [s.patient_ref, s.id]));
  // A column the file leaves out keeps the stored value (nothing for a new patient). Resolved as
  // each batch is compared and written, not into a copy of every planned patient (issue 11).
  const sexOf = (x: PatientPlan): Sex | null => {
    if (x.sex !== undefined) return x.sex;
    const s = stored.get(x.ref);
    return s ? sexFromColumn(s.sex) : null;
  };
  const flagsOf = (x: PatientPlan): ClinicalFlags => {
    if (x.flags !== undefined) return x.flags;
    const s = stored.get(x.ref);
    return s ? flagsFromColumn(s.clinical_flags) : {};
  };
  const team = (x: PatientPlan) => teamIdOf(x.team);
  const flagsJson = (b: PatientPlan[]) => p(b.map((x) => JSON.stringify(flagsOf(x))));
  const counts = await upsert(planned, stored, (x) => x.ref,
    (s, x) => s.display_label !== x.display_label || s.team_id !== team(x) || s.gp_practice !== x.gp_practice || s.date_of_birth !== x.date_of_birth
      || sexFromColumn(s.sex) !== sexOf(x) || formatClinicalFlags(flagsFromColumn(s.clinical_flags)) !== formatClinicalFlags(flagsOf(x)),
    batches,
    async (b) => {
      const inserted = rowsOf<{ id: string; patient_ref: string }>(await tx.execute(sql`
        INSERT INTO patients (patient_ref, display_label, team_id, gp_practice, date_of_birth, sex, clinical_flags)
        SELECT u.ref, u.label, u.team_id, u.gp, u.dob::date, u.sex, u.flags::jsonb
        FROM unnest(${p(b.map((x) => x.ref))}::text[], ${p(b.map((x) => x.display_label))}::text[], ${p(b.map(team))}::uuid[],
                    ${p(b.map((x) => x.gp_practice))}::text[], ${p(b.map((x) => x.date_of_birth))}::text[],
                    ${p(b.map(sexOf))}::text[], ${flagsJson(b)}::text[]) AS u(ref, label, team_id, gp, dob, sex, flags)
        RETURNING id::text AS id, patient_ref`));
      for (const r of inserted) ids.set(r.patient_ref, r.id);
    },
    (b) => tx.execute(sql`
      UPDATE patients AS t SET display_label = u.label, team_id = u.team_id, gp_practice = u.gp, date_of_birth = u.dob::date,
        sex = u.sex, clinical_flags = u.flags::jsonb, updated_at = now()
      FROM unnest(${p(b.map((x) => x.id))}::uuid[], ${p(b.map((x) => x.display_label))}::text[], ${p(b.map(team))}::uuid[],
                  ${p(b.map((x) => x.gp_practice))}::text[], ${p(b.map((x) => x.date_of_birth))}::text[],
                  ${p(b.map(sexOf))}::text[], ${flagsJson(b)}::text[]) AS u(id, label, team_id, gp, dob, sex, flags)
      WHERE t.id = u.id`));
  return { counts, ids };
}
