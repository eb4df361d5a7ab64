/**
 * Generating one set of patients' actions inside the caller's transaction: load what the pure
 * planner needs (register state, recent results with their evaluation, missed tests, discharges,
 * the actions already there), plan, and write, queuing a red result's card for its team's MDT
 * channels with it. Used by the sync (a batch of patients per transaction) and by recording a
 * result, missed test or discharge in chat (one patient, in the same transaction as the event).
 */
import { sql } from 'drizzle-orm';
import type { AuditRecord } from '../audit/append.js';
import type { WorkflowConfig } from '../config/workflow.js';
import { rowsOf } from '../db/client.js';
import type { Queryable } from '../db/database.js';
import {
  candidateCauseKeys, needsSignOff, planPatientActions,
  type DnaFact, type ExistingAction, type PatientPlan, type SkippedResults, type PlannedRefresh, type PatientSnapshot, type PlannedAction, type ResultFact,
} from '../domain/actions/generation.js';
import { actionRef, type ActionKind, type ActionStatus } from '../domain/actions/kinds.js';
import { addDays, addMonths, type IsoDate } from '../domain/dates.js';
import { dueForPatient, indexRulesByDrug } from '../domain/due.js';
import { coverIds, coverOn } from '../domain/rating-window.js';
import { evaluateResult, type Rating } from '../domain/results.js';
import type { RuleSet } from '../domain/rules/schema.js';
import type { TestKey } from '../domain/test-keys.js';
import { attributesOfState } from '../register/patient-attributes.js';
import { loadPatientStates } from '../register/register-state.js';
import { loadRenalResults, RENAL_RESULT_TESTS } from '../register/renal-facts.js';
import { queueTeamChannelPosts } from './channel-posts.js';
import { creationAuditRecords, insertActions, type CreatedAction, type NewAction } from './create-actions.js';

export interface ScopedPatient {
  id: string;
  patientRef: string;
  teamId: string;
  timeZone: string;
  /** False while the team is onboarding (no first digest queued yet): see PatientSnapshot.escalate. */
  escalate: boolean;
}

/**
 * The SQL expression for ScopedPatient.escalate, over `teams t`: one definition for every loader.
 * A team escalates once its first digest has been posted, or 7 days after it was created if it
 * never gets one (no channel bound: ONBOARDING_MAX_DAYS in src/digests/team-data.ts).
 */
export const TEAM_ESCALATES = sql`(t.first_digest_at IS NOT NULL OR t.created_at <= now() - interval '7 days')`;

export interface GenerateOptions {
  asOf: IsoDate;
  now: Date;
  config: WorkflowConfig;
  /** Events just recorded in chat: they generate actions whatever their date. */
  includeEventIds?: number[];
  dnaReasons?: ReadonlyMap<number, string>;
}

/** Generating writes: the outbox posts it queues carry the correlation id of the run or request. */
export type GenerateWriteOptions = GenerateOptions & { correlationId: string };

export interface AutoClosedAction {
  id: number;
  kind: ActionKind;
  patientRef: string;
  reason: string;
}

export interface GenerationOutcome {
  created: CreatedAction[];
  autoClosed: AutoClosedAction[];
  unchanged: number;
  /** Amber and red results older than the look-back that opened nothing. */
  skippedTooOld: SkippedResults;
  /** Escalations held back because their team is onboarding. */
  escalationsHeld: number;
  /** Outbox posts queued: red results' cards for their teams' MDT channels. */
  posted: number;
  /** Audit events for the changes, for the caller to append last in its transaction. */
  audit: AuditRecord[];
  /** Evaluation of each result considered, by event id. */
  evaluations: Map<number, { flag: Rating; reason: string }>;
}

/** Trend rules look back at most 12 months (creatinine), plus a margin; as results-list.ts. */
const HISTORY_MONTHS = 13;

type Row = Record<string, unknown>;

const toJson = <T>(v: unknown): T | null => (v === null || v === undefined ? null : (typeof v === 'string' ? JSON.parse(v) : v) as T);
const toDate = (v: unknown): Date | null => (v === null || v === undefined ? null : v instanceof Date ? v : new Date(String(v)));

function groupByPatient(rows: Row[]): Map<string, Row[]> {
  const groups = new Map<string, Row[]>();
  for (const row of rows) {
    const list = groups.get(row.patient_id as string);
    if (list) list.push(row);
    else groups.set(row.patient_id as string, [row]);
  }
  return groups;
}

/** Loads everything the planner reads for these patients. */
export async function loadSnapshots(tx: Queryable, ruleSet: RuleSet, patients: ScopedPatient[], options: GenerateOptions):
  Promise<{ snapshots: PatientSnapshot[]; evaluations: GenerationOutcome['evaluations'] }> {
  const evaluations: GenerationOutcome['evaluations'] = new Map();
  if (patients.length === 0) return { snapshots: [], evaluations };
  const { asOf, config } = options;
  const ids = patients.map((p) => p.id);
  const idArray = sql`${sql.param(ids)}::uuid[]`;
  const include = options.includeEventIds ?? [];
  const resultFrom = addDays(asOf, -config.resultLookbackDays);
  const dnaFrom = addDays(resultFrom, -config.dnaRepeatWindowDays);

  const [states, eventRows, dischargeRows, latestRows] = await Promise.all([
    loadPatientStates(tx, { patientIds: ids, asOf }, ruleSet),
    tx.execute(sql`SELECT e.id, e.patient_id, e.test, e.outcome, e.value, e.unit, e.taken_on::text AS taken_on
      FROM monitoring_events e
      WHERE e.patient_id = ANY(${idArray}) AND e.outcome IN ('result', 'dna')
        AND ((e.taken_on <= ${asOf}::date AND e.taken_on >= CASE WHEN e.outcome = 'result' THEN ${resultFrom}::date ELSE ${dnaFrom}::date END)
          OR e.id = ANY(${sql.param(include)}::bigint[]))
      ORDER BY e.taken_on, e.id`),
    tx.execute(sql`SELECT id, patient_id, discharged_on::text AS discharged_on FROM discharges
      WHERE patient_id = ANY(${idArray}) ORDER BY discharged_on, id`),
    tx.execute(sql`SELECT DISTINCT ON (e.patient_id, e.test)
        e.id, e.patient_id, e.test, e.outcome, e.value, e.unit, e.taken_on::text AS taken_on
      FROM monitoring_events e
      WHERE e.patient_id = ANY(${idArray}) AND e.outcome = 'result' AND e.taken_on <= ${asOf}::date
      ORDER BY e.patient_id, e.test, e.taken_on DESC, e.id DESC`),
  ]);
  const events = rowsOf<Row>(eventRows);
  // The latest result of each test, when it is older than the look-back: a red one is still raised
  // (generation.ts). Only the latest, so the cost is one row per patient and test, not the history.
  const loaded = new Set(events.map((e) => Number(e.id)));
  const stale = rowsOf<Row>(latestRows).filter((e) => (e.taken_on as string) < resultFrom && !loaded.has(Number(e.id)));
  events.push(...stale);
  const results = events.filter((e) => e.outcome === 'result');

  // Earlier values, for trend rules, of the patients and analytes that have a result to evaluate:
  // for each patient and analyte, from 13 months before its earliest result here (an old red
  // result is judged against its own past, not today's).
  const trendAnalytes = new Set(ruleSet.trends.map((t) => t.analyte));
  const historyFrom = new Map<string, { patientId: string; test: string; from: IsoDate }>();
  for (const r of results) {
    if (!trendAnalytes.has(r.test as TestKey)) continue;
    const key = `${r.patient_id as string}|${r.test as string}`;
    const from = addMonths(r.taken_on as string, -HISTORY_MONTHS);
    const seen = historyFrom.get(key);
    if (!seen || from < seen.from) historyFrom.set(key, { patientId: r.patient_id as string, test: r.test as string, from });
  }
  const wanted = [...historyFrom.values()];
  // Creatinine, weight and CrCl of the patients with a renal result to rate (CrCl by Cockcroft–Gault).
  const renalPatients = [...new Set(results.filter((r) => RENAL_RESULT_TESTS.has(r.test as TestKey)).map((r) => r.patient_id as string))];
  const [historyResult, renalResults] = await Promise.all([
    wanted.length === 0 ? Promise.resolve([]) : tx.execute(sql`
      SELECT e.id, e.patient_id, e.test, e.value, e.taken_on::text AS taken_on
      FROM monitoring_events e
      JOIN unnest(${sql.param(wanted.map((w) => w.patientId))}::uuid[], ${sql.param(wanted.map((w) => w.test))}::text[],
        ${sql.param(wanted.map((w) => w.from))}::text[]) AS u(patient_id, test, from_date)
        ON e.patient_id = u.patient_id AND e.test = u.test AND e.taken_on >= u.from_date::date
      WHERE e.outcome = 'result'
      ORDER BY e.taken_on DESC, e.id DESC`),
    loadRenalResults(tx, renalPatients, asOf),
  ]);
  const historyRows = rowsOf<Row>(historyResult);
  const history = new Map<string, { id: number; value: number; takenOn: IsoDate }[]>();
  for (const r of historyRows) {
    const key = `${r.patient_id as string}|${r.test as string}`;
    const list = history.get(key) ?? [];
    list.push({ id: Number(r.id), value: Number(r.value), takenOn: r.taken_on as string });
    history.set(key, list);
  }

  const rulesByDrug = indexRulesByDrug(ruleSet);
  const stateByRef = new Map(states.map((s) => [s.patientRef, s]));
  const eventsOf = groupByPatient(events);
  const dischargesOf = groupByPatient(rowsOf<Row>(dischargeRows));
  const snapshots: PatientSnapshot[] = [];
  for (const patient of patients) {
    const state = stateByRef.get(patient.patientRef);
    if (!state) continue;
    const mine = eventsOf.get(patient.id) ?? [];
    // Sex and flags from the register state, for the thresholds and the renal facts alike.
    const attributes = attributesOfState(state);
    const resultFacts: ResultFact[] = mine.filter((e) => e.outcome === 'result').map((e) => {
      const id = Number(e.id);
      const takenOn = e.taken_on as string;
      const test = e.test as TestKey;
      // One rating window for the rating and the sign-off: active, after a stop, before a start.
      const cover = coverOn(state.prescriptions, test, takenOn, rulesByDrug, ruleSet.baselineWindowDays);
      const ruleIds = coverIds(cover);
      const earlier = (history.get(`${patient.id}|${test}`) ?? [])
        .filter((p) => p.takenOn < takenOn || (p.takenOn === takenOn && p.id < id));
      const renal = renalResults.get(patient.id);
      const evaluation = evaluateResult({
        analyte: test, value: Number(e.value), unit: e.unit as string, takenOn,
        history: earlier.map(({ value, takenOn: t }) => ({ value, takenOn: t })), ruleIds, cover, patient: attributes,
        ...(renal ? { renal: { ...renal, dateOfBirth: state.dateOfBirth, sex: attributes.sex } } : {}),
      }, ruleSet);
      evaluations.set(id, { flag: evaluation.flag, reason: evaluation.reason });
      return {
        eventId: id, test, value: Number(e.value), unit: e.unit as string, takenOn,
        flag: evaluation.flag, reason: evaluation.reason, signOff: needsSignOff(ruleSet, ruleIds, test),
      };
    });
    const dnas: DnaFact[] = mine.filter((e) => e.outcome === 'dna')
      .map((e) => ({ eventId: Number(e.id), test: e.test as TestKey, takenOn: e.taken_on as string }));
    snapshots.push({
      patientId: patient.id, patientRef: patient.patientRef, teamId: patient.teamId, timeZone: patient.timeZone,
      due: dueForPatient(state, ruleSet, asOf, rulesByDrug),
      lastDone: state.lastDone,
      results: resultFacts,
      dnas,
      discharges: (dischargesOf.get(patient.id) ?? []).map((d) => ({ id: Number(d.id), dischargedOn: d.discharged_on as string })),
      actions: [],
      escalate: patient.escalate,
    });
  }

  // The actions the plan consults: every live one, and any other that used a candidate cause key.
  const keys = snapshots.flatMap((s) => candidateCauseKeys(s));
  const actionRows = rowsOf<Row>(await tx.execute(sql`SELECT id, kind, patient_id, cause_key, status, cause, outcome,
      outcome_detail, closed_at, parent_id
    FROM actions WHERE patient_id = ANY(${idArray})
      AND (status IN ('open', 'claimed') OR cause_key = ANY(${sql.param(keys)}::text[]))`));
  const byPatient = new Map(snapshots.map((s) => [s.patientId, s]));
  for (const r of actionRows) {
    byPatient.get(r.patient_id as string)?.actions.push({
      id: Number(r.id), kind: r.kind as ActionKind, causeKey: r.cause_key as string, status: r.status as ActionStatus,
      cause: toJson<Record<string, unknown>>(r.cause) ?? {}, outcome: (r.outcome as string | null) ?? null,
      outcomeDetail: toJson<Record<string, unknown>>(r.outcome_detail), closedAt: toDate(r.closed_at),
      parentId: r.parent_id === null || r.parent_id === undefined ? null : Number(r.parent_id),
    } satisfies ExistingAction);
  }
  return { snapshots, evaluations };
}

/** Closes live actions whose cause has gone; returns those closed (a concurrent close wins). */
async function autoClose(tx: Queryable, closes: { actionId: number; reason: string }[], now: Date,
  refs: ReadonlyMap<string, string>): Promise<{ closed: AutoClosedAction[]; audit: AuditRecord[] }> {
  if (closes.length === 0) return { closed: [], audit: [] };
  const sorted = [...closes].sort((a, b) => a.actionId - b.actionId);
  const at = now.toISOString();
  const rows = rowsOf<Row>(await tx.execute(sql`
    WITH target AS (
      SELECT a.id, a.status AS old_status, u.reason
      FROM actions a JOIN unnest(${sql.param(sorted.map((c) => c.actionId))}::bigint[], ${sql.param(sorted.map((c) => c.reason))}::text[])
        AS u(id, reason) ON u.id = a.id
      WHERE a.status IN ('open', 'claimed')
      ORDER BY a.id
      FOR UPDATE OF a
    )
    UPDATE actions a SET status = 'closed', outcome = 'auto_resolved', closed_reason = target.reason,
      closed_at = ${at}::timestamptz, updated_at = ${at}::timestamptz, version = a.version + 1
    FROM target WHERE a.id = target.id AND a.status IN ('open', 'claimed')
    RETURNING a.id, a.kind, a.patient_id, target.old_status, target.reason`));
  rows.sort((a, b) => Number(a.id) - Number(b.id));
  const closed = rows.map((r) => ({
    id: Number(r.id), kind: r.kind as ActionKind, patientRef: refs.get(r.patient_id as string) ?? '', reason: r.reason as string,
  }));
  const audit = rows.map((r, i): AuditRecord => ({
    verb: 'action.auto_closed', entityType: 'action', entityId: actionRef(closed[i]!.id), patientRef: closed[i]!.patientRef,
    before: { status: r.old_status }, after: { status: 'closed', outcome: 'auto_resolved' }, reason: closed[i]!.reason,
  }));
  return { closed, audit };
}

/** Brings live overdue actions' facts up to date (a concurrent close wins: closed ones are left alone). */
async function refreshCauses(tx: Queryable, refreshes: PlannedRefresh[], now: Date, refs: ReadonlyMap<string, string>): Promise<AuditRecord[]> {
  if (refreshes.length === 0) return [];
  const sorted = [...refreshes].sort((a, b) => a.actionId - b.actionId);
  const at = now.toISOString();
  const rows = rowsOf<Row>(await tx.execute(sql`
    UPDATE actions a SET cause = u.cause::jsonb, priority = u.priority, updated_at = ${at}::timestamptz, version = a.version + 1
    FROM unnest(${sql.param(sorted.map((r) => r.actionId))}::bigint[], ${sql.param(sorted.map((r) => JSON.stringify(r.cause)))}::text[],
      ${sql.param(sorted.map((r) => r.priority))}::text[]) AS u(id, cause, priority)
    WHERE a.id = u.id AND a.status IN ('open', 'claimed')
    RETURNING a.id, a.patient_id`));
  const byId = new Map(sorted.map((r) => [r.actionId, r]));
  return rows.map((r) => Number(r.id)).sort((a, b) => a - b).map((id): AuditRecord => {
    const refresh = byId.get(id)!;
    const row = rows.find((r) => Number(r.id) === id)!;
    return {
      verb: 'action.refreshed', entityType: 'action', entityId: actionRef(id), patientRef: refs.get(row.patient_id as string) ?? null,
      before: refresh.before, after: { ...refresh.after, priority: refresh.priority }, reason: `now due ${String(refresh.after.dueOn)}`,
    };
  });
}

/** Writes planned actions: parents first, then the actions that point at a parent created here. */
async function writeCreates(tx: Queryable, planned: PlannedAction[], now: Date): Promise<CreatedAction[]> {
  const toSpec = (p: PlannedAction, parentId: number | null): NewAction => ({
    kind: p.kind, patientId: p.patientId, teamId: p.teamId, causeKey: p.causeKey, cause: p.cause, priority: p.priority,
    dueAt: p.dueAt, assignedRole: p.assignedRole ?? null, parentId,
  });
  const first = planned.filter((p) => !p.parent || 'id' in p.parent);
  const second = planned.filter((p) => p.parent && 'causeKey' in p.parent);
  const created = await insertActions(tx, first.map((p) => toSpec(p, p.parent && 'id' in p.parent ? p.parent.id : null)), now);
  if (second.length === 0) return created;

  const parentIds = new Map(created.map((c) => [c.causeKey, c.id]));
  // A parent another sync created first: find it, so the child still points at the live parent.
  const missing = [...new Set(second.map((p) => (p.parent as { causeKey: string }).causeKey))].filter((k) => !parentIds.has(k));
  if (missing.length > 0) {
    const rows = rowsOf<Row>(await tx.execute(sql`SELECT id, cause_key FROM actions
      WHERE cause_key = ANY(${sql.param(missing)}::text[]) AND status IN ('open', 'claimed')`));
    for (const r of rows) parentIds.set(r.cause_key as string, Number(r.id));
  }
  const children = second.flatMap((p) => {
    const parentId = parentIds.get((p.parent as { causeKey: string }).causeKey);
    return parentId === undefined ? [] : [toSpec(p, parentId)];
  });
  return [...created, ...await insertActions(tx, children, now)];
}

/** Plans and writes; the audit records are returned for the caller to append last. */
export async function applyPlans(tx: Queryable, plans: PatientPlan[], patients: ScopedPatient[], now: Date, correlationId: string):
  Promise<Omit<GenerationOutcome, 'evaluations'>> {
  const refs = new Map(patients.map((p) => [p.id, p.patientRef]));
  // Row locks before inserts, both in a fixed order, and the audit chain's lock last.
  const { closed, audit: closeAudit } = await autoClose(tx, plans.flatMap((p) => p.closes), now, refs);
  const refreshAudit = await refreshCauses(tx, plans.flatMap((p) => p.refreshes), now, refs);
  const planned = plans.flatMap((p) => p.creates).sort((a, b) => (a.causeKey < b.causeKey ? -1 : a.causeKey > b.causeKey ? 1 : 0));
  const created = await writeCreates(tx, planned, now);
  // Red results' cards go to the team's channels in the transaction that creates them, so a red
  // result is never created without its post, nor posted about when its creation rolls back.
  const postNow = new Set(planned.filter((p) => p.postNow).map((p) => p.causeKey));
  const posted = await queueTeamChannelPosts(tx, created.filter((c) => postNow.has(c.causeKey)).map((c) => c.id), correlationId);
  return {
    created,
    posted: posted.length,
    escalationsHeld: plans.reduce((n, p) => n + p.escalationsHeld, 0),
    autoClosed: closed,
    unchanged: plans.reduce((n, p) => n + p.unchanged, 0),
    skippedTooOld: {
      amber: plans.reduce((n, p) => n + p.skippedTooOld.amber, 0),
      red: plans.reduce((n, p) => n + p.skippedTooOld.red, 0),
    },
    audit: [...creationAuditRecords(created), ...closeAudit, ...refreshAudit],
  };
}

/** Generates these patients' actions in the caller's transaction (audit records returned, not written). */
export async function generateForPatients(tx: Queryable, ruleSet: RuleSet, patients: ScopedPatient[], options: GenerateWriteOptions):
  Promise<GenerationOutcome> {
  const { snapshots, evaluations } = await loadSnapshots(tx, ruleSet, patients, options);
  const includeEventIds = new Set(options.includeEventIds ?? []);
  const plans = snapshots.map((s) => planPatientActions(s, {
    asOf: options.asOf, now: options.now, settings: options.config, includeEventIds, dnaReasons: options.dnaReasons,
  }));
  return { ...await applyPlans(tx, plans, patients, options.now, options.correlationId), evaluations };
}
