/**
 * The results a Cockcroft–Gault estimate draws on (creatinine, weight, a recorded CrCl), for the
 * patients whose results are being rated. Read only for patients with a renal result to rate, so
 * a sync reads a few rows per such patient rather than anyone's whole history.
 */
import { sql } from 'drizzle-orm';
import { rowsOf } from '../db/client.js';
import type { Queryable } from '../db/database.js';
import type { RenalFacts } from '../domain/creatinine-clearance.js';
import type { IsoDate } from '../domain/dates.js';
import type { ValuePoint } from '../domain/register.js';
import type { TestKey } from '../domain/test-keys.js';

/** Results that rating a renal result reads: a creatinine is judged as its CrCl; eGFR only without one. */
export const RENAL_RESULT_TESTS: ReadonlySet<TestKey> = new Set<TestKey>(['creatinine', 'egfr', 'crcl']);

export type RenalResults = Pick<RenalFacts, 'creatinine' | 'weight' | 'crcl'>;

type Row = { patient_id: string; test: string; value: number | string; taken_on: string };

/**
 * Each patient's creatinine, weight and CrCl results up to `asOf`, newest first; every patient
 * asked for has an entry, empty lists included (no weight at all is a fact the rating reports).
 */
export async function loadRenalResults(db: Queryable, patientIds: readonly string[], asOf: IsoDate): Promise<Map<string, RenalResults>> {
  const byPatient = new Map<string, RenalResults>(patientIds.map((id) => [id, { creatinine: [], weight: [], crcl: [] }]));
  if (patientIds.length === 0) return byPatient;
  const rows = rowsOf<Row>(await db.execute(sql`SELECT e.patient_id, e.test, e.value, e.taken_on::text AS taken_on
    FROM monitoring_events e
    WHERE e.patient_id = ANY(${sql.param([...patientIds])}::uuid[]) AND e.outcome = 'result'
      AND e.test IN ('creatinine', 'weight', 'crcl') AND e.taken_on <= ${asOf}::date
    ORDER BY e.taken_on DESC, e.id DESC`));
  for (const r of rows) (byPatient.get(r.patient_id)?.[r.test as keyof RenalResults] as ValuePoint[] | undefined)?.push({ value: Number(r.value), takenOn: r.taken_on });
  return byPatient;
}
