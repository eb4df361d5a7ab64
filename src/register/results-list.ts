/**
 * Recent results, each judged against the thresholds of the drugs whose monitoring covers the
 * sample date (taken that day, still monitored after a stop, or about to start: rating-window.ts),
 * and against the patient's earlier results for trends. A result no threshold applies to is
 * listed as not rated, with the reason; "flagged" means amber or red.
 */
import { sql } from 'drizzle-orm';
import { rowsOf } from '../db/client.js';
import type { Queryable } from '../db/database.js';
import { addDays, addMonths, type IsoDate } from '../domain/dates.js';
import { indexRulesByDrug } from '../domain/due.js';
import { ok, type Outcome } from '../domain/outcome.js';
import { coverIds, coverOn } from '../domain/rating-window.js';
import type { PrescriptionState, ValuePoint } from '../domain/register.js';
import { evaluateResult, type Rating } from '../domain/results.js';
import type { RuleSet } from '../domain/rules/schema.js';
import type { TestKey } from '../domain/test-keys.js';
import { findTeamId } from './due-list.js';
import { patientAttributesOf } from './patient-attributes.js';
import { loadRenalResults, RENAL_RESULT_TESTS } from './renal-facts.js';

export interface ResultRow {
  patientRef: string;
  displayLabel: string;
  test: TestKey;
  value: number;
  unit: string;
  takenOn: IsoDate;
  flag: Rating;
  reason: string;
}

/** Trend rules look back at most this far (creatinine: 12 months), plus a margin. */
const HISTORY_MONTHS = 13;

type Row = Record<string, unknown>;

export async function resultsList(db: Queryable, ruleSet: RuleSet,
  options: { team?: string; asOf: IsoDate; days: number; flaggedOnly: boolean }): Promise<Outcome<ResultRow[], 'TEAM.NOT_FOUND'>> {
  let teamFilter = sql`TRUE`;
  if (options.team !== undefined) {
    const found = await findTeamId(db, options.team);
    if (!found.ok) return found;
    teamFilter = sql`p.team_id = ${found.value}`;
  }
  const from = addDays(options.asOf, -options.days + 1);
  const historyFrom = addMonths(from, -HISTORY_MONTHS);
  const scope = sql`${teamFilter} AND e.outcome = 'result' AND e.taken_on <= ${options.asOf}::date`;
  const recent = rowsOf<Row>(await db.execute(sql`
    SELECT e.id, e.patient_id, p.patient_ref, p.display_label, p.date_of_birth::text AS dob, p.sex, p.clinical_flags,
      e.test, e.value, e.unit, e.taken_on::text AS taken_on
    FROM monitoring_events e JOIN patients p ON p.id = e.patient_id
    WHERE ${scope} AND e.taken_on >= ${from}::date
    ORDER BY e.taken_on DESC, p.patient_ref, e.test`));
  if (recent.length === 0) return ok([]);

  const patientIds = [...new Set(recent.map((r) => r.patient_id as string))];
  const idList = `{${patientIds.join(',')}}`;
  // Earlier results matter only for analytes that have trend rules; reading every analyte's
  // history for a whole organisation made this list take minutes.
  const trendAnalytes = [...new Set(ruleSet.trends.map((t) => t.analyte))];
  const renalPatients = [...new Set(recent.filter((r) => RENAL_RESULT_TESTS.has(r.test as TestKey)).map((r) => r.patient_id as string))];
  const [historyRows, prescriptionRows, renalResults] = await Promise.all([
    trendAnalytes.length === 0 ? Promise.resolve([]) : db.execute(sql`SELECT e.id, e.patient_id, e.test, e.value, e.taken_on::text AS taken_on
      FROM monitoring_events e JOIN patients p ON p.id = e.patient_id
      WHERE ${scope} AND e.taken_on >= ${historyFrom}::date AND e.patient_id = ANY(${idList}::uuid[])
        AND e.test = ANY(${`{${trendAnalytes.join(',')}}`}::text[])
      ORDER BY e.taken_on DESC, e.id DESC`),
    db.execute(sql`SELECT patient_id, drug, start_date::text AS start_date, stopped_on::text AS stopped_on
      FROM prescriptions WHERE patient_id = ANY(${idList}::uuid[])`),
    loadRenalResults(db, renalPatients, options.asOf),
  ]);

  const history = new Map<string, (ValuePoint & { id: number })[]>();
  for (const r of rowsOf<Row>(historyRows)) {
    const key = `${r.patient_id as string}|${r.test as string}`;
    const list = history.get(key) ?? [];
    list.push({ id: Number(r.id), value: Number(r.value), takenOn: r.taken_on as string });
    history.set(key, list);
  }
  const prescriptionsByPatient = new Map<string, PrescriptionState[]>();
  for (const row of rowsOf<Row>(prescriptionRows)) {
    const list = prescriptionsByPatient.get(row.patient_id as string) ?? [];
    list.push({ drug: row.drug as string, startDate: row.start_date as string, lastDoseChange: null, stoppedOn: (row.stopped_on as string | null) ?? null });
    prescriptionsByPatient.set(row.patient_id as string, list);
  }
  const rulesByDrug = indexRulesByDrug(ruleSet);

  const rows: ResultRow[] = recent.map((r) => {
    const takenOn = r.taken_on as string;
    const id = Number(r.id);
    const earlier = (history.get(`${r.patient_id as string}|${r.test as string}`) ?? [])
      .filter((p) => p.takenOn < takenOn || (p.takenOn === takenOn && p.id < id));
    const cover = coverOn(prescriptionsByPatient.get(r.patient_id as string) ?? [], r.test as TestKey, takenOn, rulesByDrug, ruleSet.baselineWindowDays);
    const renal = renalResults.get(r.patient_id as string);
    // Sex and flags come with the result's patient row; the renal facts take the same sex.
    const patient = patientAttributesOf(r.sex, r.clinical_flags);
    const evaluation = evaluateResult({
      analyte: r.test as TestKey, value: Number(r.value), unit: r.unit as string, takenOn,
      history: earlier.map(({ value, takenOn: t }) => ({ value, takenOn: t })), ruleIds: coverIds(cover), cover, patient,
      ...(renal ? { renal: { ...renal, dateOfBirth: (r.dob as string | null) ?? null, sex: patient.sex } } : {}),
    }, ruleSet);
    return {
      patientRef: r.patient_ref as string, displayLabel: r.display_label as string, test: r.test as TestKey,
      value: Number(r.value), unit: r.unit as string, takenOn, flag: evaluation.flag, reason: evaluation.reason,
    };
  });
  return ok(options.flaggedOnly ? rows.filter((row) => row.flag === 'amber' || row.flag === 'red') : rows);
}
