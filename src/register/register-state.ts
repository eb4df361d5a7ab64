/**
 * Loads register state for the due engine: one row per patient from the patient_state read model
 * (kept by triggers), filtered to a team or to given patients, so a register of two million events
 * is never pulled into memory row by row. For an as-of date before some recorded event it
 * aggregates the events instead.
 */
import { sql, type SQL } from 'drizzle-orm';
import { rowsOf } from '../db/client.js';
import type { Queryable } from '../db/database.js';
import { forEachRow, streamsRows } from '../db/stream-rows.js';
import type { IsoDate } from '../domain/dates.js';
import { RECENT_VALUES_DEPTH, type PatientState, type ResponsibilityState, type ValuePoint } from '../domain/register.js';
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
   * How many of each analyte's newest values the conditions look at: the `tests` of a falling
   * condition, else 1. The summary keeps RECENT_VALUES_DEPTH of every analyte; only what is read
   * is sent (most analytes need only the latest: a few percent of the organisation's due list).
   */
  depth: Partial<Record<TestKey, number>>;
  /**
   * Read to estimate CrCl by Cockcroft–Gault (creatinine, weight), only for patients on `drugs`:
   * the drugs whose rules read CrCl (the DOACs).
   */
  estimate: { analytes: TestKey[]; drugs: string[] } | null;
}

export function analytesReadByModifiers(ruleSet: RuleSet): AnalytesRead {
  const analytes = new Set<TestKey>();
  const depth: Partial<Record<TestKey, number>> = {};
  const crclDrugs = new Set<string>();
  for (const rule of ruleSet.rules) {
    const readCrcl = () => { for (const d of rule.drugs) crclDrugs.add(d.key); };
    const readBy = (holder: Parameters<typeof conditionsOf>[0]) => {
      for (const c of conditionsOf(holder)) {
        if (c.kind === 'latest_value' || c.kind === 'falling') analytes.add(c.analyte as TestKey);
        if (c.kind === 'falling') depth[c.analyte as TestKey] = Math.max(depth[c.analyte as TestKey] ?? 1, c.tests);
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
  for (const a of [...analytes, ...(estimate?.analytes ?? [])]) depth[a] ??= 1;
  return { analytes: [...analytes], depth, estimate };
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

type PrescriptionTuple = [string, IsoDate, IsoDate | null, IsoDate | null];
type ResponsibilityTuple = [string, ResponsibilityState['test'], OrgType, string | null, string | null];
/** A summary point: value, date taken, event id (the id only orders same-day results in the triggers). */
type PointTuple = [number, IsoDate, number?];
const toPoint = ([value, takenOn]: PointTuple): ValuePoint => ({ value, takenOn });

/**
 * One patient's state as the query sends it: a json array in a single text column. A dozen json
 * columns cost the driver a dozen strings and parses per patient; one array costs one of each, and
 * measured a fifth of the organisation's due list. The analytes follow the fixed fields, in the
 * order of `AnalytesRead.analytes`: a point when only the latest is read, else the summary's list;
 * then the Cockcroft–Gault inputs (latest points) or null.
 */
type StateRow = [id: string, patientRef: string, displayLabel: string, team: string, gpPractice: string, dateOfBirth: IsoDate | null,
  sex: unknown, flags: unknown, prescriptions: PrescriptionTuple[] | null, responsibilities: ResponsibilityTuple[] | null,
  lastDone: PatientState['lastDone'] | null, ...values: unknown[]];
const FIXED_FIELDS = 11;

interface ScopeFilter {
  /** The patients in scope, as a WHERE condition on `patients p`. */
  patientWhere: SQL;
  /** The same patients, as a condition on another table's patient_id. */
  inScope: (alias: string) => SQL;
}

function scopeFilter(scope: StateScope): ScopeFilter {
  const conditions: SQL[] = [];
  if (scope.teamId) conditions.push(sql`p.team_id = ${scope.teamId}`);
  if (scope.teamIds) conditions.push(sql`p.team_id = ANY(${pgArray(scope.teamIds)}::uuid[])`);
  if (scope.patientIds) conditions.push(sql`p.id = ANY(${pgArray(scope.patientIds)}::uuid[])`);
  const patientWhere = conditions.length > 0 ? sql.join(conditions, sql` AND `) : sql`TRUE`;
  // Every query carries the same patient filter (a semi-join).
  const inScope = (alias: string) => (conditions.length > 0 ? sql`${sql.raw(alias)}.patient_id IN (SELECT p.id FROM patients p WHERE ${patientWhere})` : sql`TRUE`);
  return { patientWhere, inScope };
}

/**
 * Patients joined to their patient_state row. For one team both tables are scanned by team and
 * hash-joined: probing patient_state's key once per patient cost three times as much.
 *
 * Only the analytes the modifiers read, and only as many values as they read: turning the whole
 * summary into text and back (numbers are slow to format) measured as the largest single cost of
 * the load. The Cockcroft–Gault inputs are needed only by the patients on a drug whose rule reads
 * CrCl (the DOACs, about one in ten): null for everyone else, behind one containment test on the
 * prescriptions ([["apixaban", …]] contains [["apixaban"]]). The patterns are literals, parsed once
 * per query; drug keys are identifiers (schema.ts), safe to inline.
 */
function stateQuery(scope: StateScope, filter: ScopeFilter, read: AnalytesRead, useSummary: boolean): SQL {
  const latestOnly = (a: TestKey) => (read.depth[a] ?? 1) === 1;
  const values: SQL[] = [];
  if (useSummary) {
    for (const a of read.analytes) values.push(latestOnly(a) ? sql`, g.recent_values -> ${a} -> 0` : sql`, g.recent_values -> ${a}`);
    const estimate = read.estimate;
    if (estimate) {
      const onDrug = sql.raw(estimate.drugs.map((drug) => `'${JSON.stringify([[drug]])}'::jsonb`).join(', '));
      const inputs = sql.join(estimate.analytes.map((a) => sql`g.recent_values -> ${a} -> 0`), sql`, `);
      values.push(sql`, CASE WHEN g.prescriptions @> ANY(ARRAY[${onDrug}]) THEN jsonb_build_array(${inputs}) END`);
    }
  }
  return sql`SELECT json_build_array(p.id, p.patient_ref, p.display_label, t.name, p.gp_practice, p.date_of_birth, p.sex,
        NULLIF(p.clinical_flags, '{}'::jsonb), g.prescriptions, g.responsibilities, ${useSummary ? sql`g.last_done` : sql`NULL::jsonb`}
        ${sql.join(values, sql``)})::text AS state
      FROM patients p JOIN teams t ON t.id = p.team_id
      JOIN patient_state g ON g.patient_id = p.id ${scope.teamId ? sql`AND g.team_id = ${scope.teamId}` : sql``}
        ${scope.teamIds ? sql`AND g.team_id = ANY(${pgArray(scope.teamIds)}::uuid[])` : sql``}
      WHERE ${filter.patientWhere}`;
}

/** A state row as a PatientState (waivers empty), with the patient's id. */
function stateFromRow(text: string, read: AnalytesRead, useSummary: boolean): [string, PatientState] {
  const f = JSON.parse(text) as StateRow;
  const recentValues: PatientState['recentValues'] = {};
  if (useSummary) {
    const { analytes, depth, estimate } = read;
    for (let i = 0; i < analytes.length; i++) {
      const value = f[FIXED_FIELDS + i];
      if (value === null) continue;
      const analyte = analytes[i]!;
      const n = depth[analyte] ?? 1;
      recentValues[analyte] = n === 1 ? [toPoint(value as PointTuple)] : (value as PointTuple[]).slice(0, n).map(toPoint);
    }
    (f[FIXED_FIELDS + analytes.length] as (PointTuple | null)[] | null | undefined)?.forEach((point, i) => {
      if (point) recentValues[estimate!.analytes[i]!] = [toPoint(point)];
    });
  }
  // Both paths read sex and flags from the patients row: they are not history, so as-of plays no part.
  const flags = f[7] === null ? null : flagsFromColumn(f[7]);
  const [drugRows, responsibilityRows, lastDone] = [f[8] ?? [], f[9] ?? [], f[10]];
  return [f[0], {
    patientRef: f[1],
    displayLabel: f[2],
    team: f[3],
    gpPractice: f[4],
    dateOfBirth: f[5],
    sex: sexFromColumn(f[6]),
    ...(flags && Object.keys(flags).length > 0 ? { flags } : {}),
    prescriptions: drugRows.map(([drug, startDate, lastDoseChange, stoppedOn]) => ({ drug, startDate, lastDoseChange, stoppedOn })),
    responsibilities: responsibilityRows.map(([drug, test, orgType, orgName, staff]) => ({ drug, test, orgType, orgName, staff })),
    waivers: [],
    lastDone: lastDone ?? {},
    recentValues,
  }];
}

function waiverQuery(filter: ScopeFilter, asOf: IsoDate): SQL {
  return sql`SELECT w.patient_id, w.drug, w.test, w.reason, w.waived_until::text AS waived_until
    FROM waivers w WHERE ${filter.inScope('w')} AND w.waived_until >= ${asOf}::date`;
}

function waiversByPatient(result: unknown): Map<string, PatientState['waivers']> {
  const byPatient = new Map<string, PatientState['waivers']>();
  for (const r of rowsOf<Row>(result)) {
    const list = byPatient.get(r.patient_id as string) ?? [];
    list.push({ drug: (r.drug as string | null) ?? null, test: r.test as TestKey, reason: r.reason as string, waivedUntil: r.waived_until as string });
    byPatient.set(r.patient_id as string, list);
  }
  return byPatient;
}

/**
 * Register state, one patient at a time: each patient comes as one row carrying its register
 * (prescriptions and responsibilities) and monitoring summary, from patient_state (kept by
 * triggers), so a register of two million events is never pulled into memory row by row. On
 * PostgreSQL the rows are handed over as they arrive (src/db/stream-rows.ts), so a caller that
 * uses each state and drops it holds one patient at a time however large the scope.
 *
 * For an as-of date before some recorded event, "last done" and recent values are aggregated
 * from the events instead, and every state is built before the first is handed over.
 */
export async function forEachPatientState(db: Queryable, scope: StateScope, ruleSet: RuleSet, onState: (state: PatientState) => void): Promise<void> {
  const read = analytesReadByModifiers(ruleSet);
  const filter = scopeFilter(scope);
  // Waivers are few: read alongside the check of which source to use, then joined by patient id.
  const [covered, waiverRows] = await Promise.all([
    scope.source === 'events' ? false : summaryCovers(db, scope.asOf),
    db.execute(waiverQuery(filter, scope.asOf)),
  ]);
  const waivers = waiversByPatient(waiverRows);
  const withWaivers = ([id, state]: [string, PatientState]) => {
    const own = waivers.get(id);
    if (own) state.waivers = own;
    return state;
  };
  if (covered) {
    await forEachRow<{ state: string }>(db, stateQuery(scope, filter, read, true), (row) => onState(withWaivers(stateFromRow(row.state, read, true))));
    return;
  }
  const analyteArray = pgArray([...read.analytes, ...(read.estimate?.analytes ?? [])]);
  const [stateRows, lastDoneRows, valueRows] = await Promise.all([
    db.execute(stateQuery(scope, filter, read, false)),
    db.execute(sql`SELECT e.patient_id, e.requirement, max(e.taken_on)::text AS last_done
      FROM monitoring_events e WHERE ${filter.inScope('e')} AND e.outcome IN ('result', 'done') AND e.taken_on <= ${scope.asOf}::date
      GROUP BY e.patient_id, e.requirement`),
    db.execute(sql`SELECT patient_id, test, value, taken_on FROM (
        SELECT e.patient_id, e.test, e.value, e.taken_on::text AS taken_on,
          row_number() OVER (PARTITION BY e.patient_id, e.test ORDER BY e.taken_on DESC, e.id DESC) AS rn
        FROM monitoring_events e
        WHERE ${filter.inScope('e')} AND e.outcome = 'result' AND e.test = ANY(${analyteArray}::text[]) AND e.taken_on <= ${scope.asOf}::date
      ) ranked WHERE rn <= ${sql.raw(String(RECENT_VALUES_DEPTH))} ORDER BY rn`),
  ]);
  const byId = new Map(rowsOf<{ state: string }>(stateRows).map((row) => stateFromRow(row.state, read, false)));
  const each = (rows: unknown, fn: (patient: PatientState, row: Row) => void) => {
    for (const row of rowsOf<Row>(rows)) {
      const patient = byId.get(row.patient_id as string);
      if (patient) fn(patient, row);
    }
  };
  each(lastDoneRows, (p, r) => { p.lastDone[r.requirement as TestKey] = r.last_done as string; });
  // Estimate inputs only for patients on the drugs that read CrCl, and as many values as the
  // summary path reads, so both paths give the same state.
  const estimate = read.estimate;
  const estimated = new Set(estimate?.analytes ?? []);
  const onEstimateDrug = (p: PatientState) => p.prescriptions.some((rx) => estimate!.drugs.includes(rx.drug));
  each(valueRows, (p, r) => {
    const test = r.test as TestKey;
    if (estimated.has(test) && !onEstimateDrug(p)) return;
    const points = (p.recentValues[test] ??= []);
    if (points.length < (read.depth[test] ?? 1)) points.push({ value: Number(r.value), takenOn: r.taken_on as string });
  });
  for (const entry of byId) onState(withWaivers(entry));
}

/**
 * Whether forEachPatientState hands states over as they arrive, holding one at a time, for this
 * as-of date: on PostgreSQL outside a transaction, when the summary covers the date. Otherwise it
 * builds every state in scope first, and a caller covering a whole organisation should chunk.
 */
export async function streamsStates(db: Queryable, asOf: IsoDate): Promise<boolean> {
  return streamsRows(db) && summaryCovers(db, asOf);
}

/** Register state for everyone in scope, as one list. */
export async function loadPatientStates(db: Queryable, scope: StateScope, ruleSet: RuleSet): Promise<PatientState[]> {
  const states: PatientState[] = [];
  await forEachPatientState(db, scope, ruleSet, (state) => states.push(state));
  return states;
}
