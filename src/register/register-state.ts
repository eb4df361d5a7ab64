/**
 * Loads register state for the due engine: one row per patient from the patient_state read model
 * (kept by triggers), filtered to a team or to given patients, so a register of two million events
 * is never pulled into memory row by row. For an as-of date before some recorded event it
 * aggregates the events instead.
 */
import { sql, type SQL } from 'drizzle-orm';
import { rowsOf } from '../db/client.js';
import type { Queryable } from '../db/database.js';
import type { IsoDate } from '../domain/dates.js';
import { RECENT_VALUES_DEPTH, type PatientState, type ResponsibilityState } from '../domain/register.js';
import { conditionsOf, type OrgType, type RuleSet } from '../domain/rules/schema.js';
import type { TestKey } from '../domain/test-keys.js';
import { flagsFromColumn, sexFromColumn } from './patient-attributes.js';

export interface StateScope {
  /** Team id; omit for every team. */
  teamId?: string;
  /** Several teams at once (a chunk of an organisation); combined with teamId if both are given. */
  teamIds?: string[];
  /** Only these patients (by id); omit for everyone in scope. */
  patientIds?: string[];
  asOf: IsoDate;
  /**
   * Where "last done" and recent values come from. `auto` (default) reads the trigger-maintained
   * summaries when no recorded event is dated after `asOf`, else aggregates the events; `events`
   * always aggregates (tests use it to check the two agree).
   */
  source?: 'auto' | 'events';
}

/** What the due engine's modifiers read from each patient's recent values. */
export interface AnalytesRead {
  /** Read by a modifier directly (latest value, falling, value ÷ divisor), for every patient. */
  analytes: TestKey[];
  /**
   * Read to estimate CrCl by Cockcroft–Gault (creatinine, weight), only for patients on `drugs`:
   * the drugs whose rules read CrCl (the DOACs).
   */
  estimate: { analytes: TestKey[]; drugs: string[] } | null;
}

export function analytesReadByModifiers(ruleSet: RuleSet): AnalytesRead {
  const analytes = new Set<TestKey>();
  const crclDrugs = new Set<string>();
  for (const rule of ruleSet.rules) {
    const readCrcl = () => { for (const d of rule.drugs) crclDrugs.add(d.key); };
    const readBy = (holder: Parameters<typeof conditionsOf>[0]) => {
      for (const c of conditionsOf(holder)) {
        if (c.kind === 'latest_value' || c.kind === 'falling') analytes.add(c.analyte as TestKey);
        if (c.kind === 'crcl_unavailable') { analytes.add('crcl'); readCrcl(); }
        if (c.kind === 'latest_value' && c.analyte === 'crcl') readCrcl();
      }
    };
    for (const test of rule.tests) {
      // A conditional schedule's own conditions read results the same way a modifier's do.
      readBy(test);
      for (const m of test.modifiers) {
        readBy(m);
        if (m.everyMonthsFromValue) analytes.add(m.everyMonthsFromValue.analyte as TestKey);
        if (m.everyMonthsFromValue?.analyte === 'crcl') readCrcl();
      }
    }
  }
  const inputs = (['creatinine', 'weight'] as TestKey[]).filter((a) => !analytes.has(a));
  const estimate = ruleSet.crclEstimate && crclDrugs.size > 0 && inputs.length > 0 ? { analytes: inputs, drugs: [...crclDrugs] } : null;
  return { analytes: [...analytes], estimate };
}

/** An array as one text literal parameter (cast in SQL), identical on postgres.js and PGlite. */
function pgArray(values: string[]): string {
  return `{${values.map((v) => `"${v.replace(/["\\]/g, '\\$&')}"`).join(',')}}`;
}

type Row = Record<string, unknown>;

/** The summary holds the latest of everything recorded, which is right only if nothing is dated after `asOf`. */
async function summaryCovers(db: Queryable, asOf: IsoDate): Promise<boolean> {
  // max() over the taken_on index is a single index probe, however many events there are.
  const rows = rowsOf<{ latest: string | null }>(await db.execute(sql`SELECT max(taken_on)::text AS latest FROM monitoring_events`));
  const latest = rows[0]?.latest ?? null;
  return latest === null || latest <= asOf;
}

function json<T>(value: unknown): T | null {
  if (value === null || value === undefined) return null;
  // Both drivers parse json columns; a driver configured to return text still works.
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

type PrescriptionTuple = [string, IsoDate, IsoDate | null, IsoDate | null];
type ResponsibilityTuple = [string, ResponsibilityState['test'], OrgType, string | null, string | null];

/**
 * Loads register state. Each patient comes back as one row carrying its register (prescriptions
 * and responsibilities) and its monitoring summary, from patient_state (kept by triggers): the driver costs about
 * a microsecond per row, so one row per patient rather than one per prescription, assignment and
 * requirement is what keeps a whole organisation's due list within seconds. Every patient has a
 * state row from registration (a trigger on patients), and for one team both tables are scanned by
 * team and hash-joined: probing patient_state's key once per patient cost three times as much. Waivers (few) and, for
 * a past as-of date, the event aggregates are read alongside with the same patient filter.
 */
export async function loadPatientStates(db: Queryable, scope: StateScope, ruleSet: RuleSet): Promise<PatientState[]> {
  const read = analytesReadByModifiers(ruleSet);
  const useSummary = scope.source !== 'events' && await summaryCovers(db, scope.asOf);
  const conditions: SQL[] = [];
  if (scope.teamId) conditions.push(sql`p.team_id = ${scope.teamId}`);
  if (scope.teamIds) conditions.push(sql`p.team_id = ANY(${pgArray(scope.teamIds)}::uuid[])`);
  if (scope.patientIds) conditions.push(sql`p.id = ANY(${pgArray(scope.patientIds)}::uuid[])`);
  const scoped = conditions.length > 0;
  const patientWhere = scoped ? sql.join(conditions, sql` AND `) : sql`TRUE`;
  // Every query carries the same patient filter (a semi-join), so all of them run at once.
  const inScope = (alias: string) => (scoped ? sql`${sql.raw(alias)}.patient_id IN (SELECT p.id FROM patients p WHERE ${patientWhere})` : sql`TRUE`);

  // Only the analytes the modifiers read, one column each: the summary keeps every analyte, and
  // turning all of them into text and back (numbers are slow to format) measured as the largest
  // single cost of the load. The Cockcroft–Gault inputs are needed only by the patients on a drug
  // whose rule reads CrCl (the DOACs, about one in ten): one column, null for everyone else, behind
  // one containment test on the prescriptions ([["apixaban", …]] contains [["apixaban"]]). The
  // patterns are literals, parsed once per query; drug keys are identifiers (schema.ts), safe to
  // inline. Two more columns for everyone measured 25% slower on the whole-organisation due list,
  // and a second query by key added a round trip to every team's list.
  const analyteList = read.analytes;
  const valueColumns = useSummary ? analyteList.map((a, i) => sql`, g.recent_values -> ${a} AS ${sql.identifier(`v${i}`)}`) : [];
  const estimate = read.estimate;
  if (useSummary && estimate) {
    const onDrug = sql.raw(estimate.drugs.map((drug) => `'${JSON.stringify([[drug]])}'::jsonb`).join(', '));
    const inputs = sql.join(estimate.analytes.map((a) => sql`g.recent_values -> ${a}`), sql`, `);
    valueColumns.push(sql`, CASE WHEN g.prescriptions @> ANY(ARRAY[${onDrug}]) THEN jsonb_build_array(${inputs}) END AS estimate_inputs`);
  }
  const analyteArray = pgArray([...analyteList, ...(estimate?.analytes ?? [])]);
  const [patientResult, waiverRows, lastDoneRows, valueRows] = await Promise.all([
    db.execute(sql`SELECT p.id, p.patient_ref, p.display_label, t.name AS team, p.gp_practice, p.date_of_birth::text AS dob, p.sex, p.clinical_flags,
        g.prescriptions, g.responsibilities, ${useSummary ? sql`g.last_done` : sql`NULL::jsonb`} AS last_done ${sql.join(valueColumns, sql``)}
      FROM patients p JOIN teams t ON t.id = p.team_id
      JOIN patient_state g ON g.patient_id = p.id ${scope.teamId ? sql`AND g.team_id = ${scope.teamId}` : sql``}
        ${scope.teamIds ? sql`AND g.team_id = ANY(${pgArray(scope.teamIds)}::uuid[])` : sql``}
      WHERE ${patientWhere}`),
    db.execute(sql`SELECT w.patient_id, w.drug, w.test, w.reason, w.waived_until::text AS waived_until
      FROM waivers w WHERE ${inScope('w')} AND w.waived_until >= ${scope.asOf}::date`),
    useSummary ? Promise.resolve([]) : db.execute(sql`SELECT e.patient_id, e.requirement, max(e.taken_on)::text AS last_done
      FROM monitoring_events e WHERE ${inScope('e')} AND e.outcome IN ('result', 'done') AND e.taken_on <= ${scope.asOf}::date
      GROUP BY e.patient_id, e.requirement`),
    useSummary ? Promise.resolve([]) : db.execute(sql`SELECT patient_id, test, value, taken_on FROM (
        SELECT e.patient_id, e.test, e.value, e.taken_on::text AS taken_on,
          row_number() OVER (PARTITION BY e.patient_id, e.test ORDER BY e.taken_on DESC, e.id DESC) AS rn
        FROM monitoring_events e
        WHERE ${inScope('e')} AND e.outcome = 'result' AND e.test = ANY(${analyteArray}::text[]) AND e.taken_on <= ${scope.asOf}::date
      ) ranked WHERE rn <= ${sql.raw(String(RECENT_VALUES_DEPTH))} ORDER BY rn`),
  ]);

  const byId = new Map<string, PatientState>();
  for (const r of rowsOf<Row>(patientResult)) {
    const prescriptions = json<PrescriptionTuple[]>(r.prescriptions);
    const responsibilities = json<ResponsibilityTuple[]>(r.responsibilities);
    const lastDone = json<PatientState['lastDone']>(r.last_done);
    const recentValues: PatientState['recentValues'] = {};
    if (useSummary) {
      analyteList.forEach((analyte, i) => {
        const points = json<[number, IsoDate, number][]>(r[`v${i}`]);
        if (points) recentValues[analyte as TestKey] = points.map(([value, takenOn]) => ({ value, takenOn }));
      });
      json<([number, IsoDate, number][] | null)[]>(r.estimate_inputs)?.forEach((points, i) => {
        if (points) recentValues[estimate!.analytes[i]!] = points.map(([value, takenOn]) => ({ value, takenOn }));
      });
    }
    // Both paths read sex and flags from the patients row: they are not history, so as-of plays no part.
    const flags = flagsFromColumn(r.clinical_flags);
    byId.set(r.id as string, {
      patientRef: r.patient_ref as string,
      displayLabel: r.display_label as string,
      team: r.team as string,
      gpPractice: r.gp_practice as string,
      dateOfBirth: (r.dob as string | null) ?? null,
      sex: sexFromColumn(r.sex),
      ...(Object.keys(flags).length > 0 ? { flags } : {}),
      prescriptions: (prescriptions ?? []).map(([drug, startDate, lastDoseChange, stoppedOn]) => ({ drug, startDate, lastDoseChange, stoppedOn })),
      responsibilities: (responsibilities ?? []).map(([drug, test, orgType, orgName, staff]) => ({ drug, test, orgType, orgName, staff })),
      waivers: [],
      lastDone: lastDone ?? {},
      recentValues,
    });
  }
  const each = (rows: unknown, fn: (patient: PatientState, row: Row) => void) => {
    for (const row of rowsOf<Row>(rows)) {
      const patient = byId.get(row.patient_id as string);
      if (patient) fn(patient, row);
    }
  };
  each(waiverRows, (p, r) => p.waivers.push({
    drug: (r.drug as string | null) ?? null, test: r.test as TestKey, reason: r.reason as string, waivedUntil: r.waived_until as string,
  }));
  each(lastDoneRows, (p, r) => { p.lastDone[r.requirement as TestKey] = r.last_done as string; });
  // Estimate inputs only for patients on the drugs that read CrCl, on both paths alike.
  const estimated = new Set(estimate?.analytes ?? []);
  const onEstimateDrug = (p: PatientState) => p.prescriptions.some((rx) => estimate!.drugs.includes(rx.drug));
  each(valueRows, (p, r) => {
    const test = r.test as TestKey;
    if (estimated.has(test) && !onEstimateDrug(p)) return;
    (p.recentValues[test] ??= []).push({ value: Number(r.value), takenOn: r.taken_on as string });
  });
  return [...byId.values()];
}
