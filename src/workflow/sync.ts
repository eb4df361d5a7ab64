/**
 * `sync`: brings the actions in line with the register. Patients are processed in batches, one
 * transaction each, so a 100,000-patient register never holds one giant transaction; within a
 * batch every action is created (or closed) in the same transaction as its audit event. Running
 * it again creates nothing and writes no audit events, and two syncs at once create each action
 * once (the live-cause unique index).
 *
 * A sync as of a future date would raise real actions for what is not yet overdue, which staff
 * would then work: it is refused (syncActions throws; the CLI refuses first), and previewSync
 * shows what it would change without writing anything.
 */
import { sql } from 'drizzle-orm';
import { appendAuditBatch, type AuditActor } from '../audit/append.js';
import type { WorkflowConfig } from '../config/workflow.js';
import { rowsOf } from '../db/client.js';
import type { Database } from '../db/database.js';
import { pgErrorCode } from '../db/errors.js';
import { planPatientActions, type PatientPlan, type SkippedResults } from '../domain/actions/generation.js';
import { ACTION_KINDS, type ActionKind } from '../domain/actions/kinds.js';
import { todayIn, type IsoDate } from '../domain/dates.js';
import type { RuleSet } from '../domain/rules/schema.js';
import { generateForPatients, loadSnapshots, TEAM_ESCALATES, type ScopedPatient } from './generate.js';

export interface SyncOptions {
  asOf: IsoDate;
  now: Date;
  actor: AuditActor;
  config: WorkflowConfig;
  /** Only these patients (by id); omit for the whole register. */
  patientIds?: string[];
  /**
   * Only these teams' patients (by id), e.g. a team whose first digest was just queued, so its held
   * escalations are raised without waiting for the next whole-register sync.
   */
  teamIds?: string[];
  /** Called after each batch with patients done so far and the total. */
  onProgress?: (done: number, total: number) => void;
  /** Patients per transaction (default 1,000). */
  batchSize?: number;
}

export interface SyncSummary {
  asOf: IsoDate;
  created: Record<ActionKind, number>;
  createdTotal: number;
  autoClosed: number;
  /** Live actions kept as they are. */
  unchanged: number;
  patients: number;
  tookMs: number;
  /** Amber and red results older than the look-back that opened nothing (the latest of each test only). */
  skippedTooOld: SkippedResults;
  /** The look-back in force, for the summary's wording. */
  lookbackDays: number;
  /** Escalations held back because their team is onboarding (its first digest not yet queued). */
  escalationsHeld: number;
  /** Red results' cards queued for their teams' MDT channels. */
  posted: number;
}

/**
 * True when `asOf` is after today everywhere a team could be (UTC+14 is the earliest zone to
 * reach a date): a sync as of it would act on the future.
 */
export function isFutureAsOf(asOf: IsoDate, now: Date): boolean {
  return asOf > todayIn('Pacific/Kiritimati', now);
}

const DEFAULT_BATCH = 1_000;
/** Deadlock or serialisation failure: the batch is retried whole, in a fresh transaction. */
const RETRYABLE = new Set(['40P01', '40001']);
const ATTEMPTS = 3;

type Row = Record<string, unknown>;

/**
 * Patients in scope with their team, its time zone and whether it escalates yet (not while it is
 * onboarding), in a fixed order (id). Read once per sync: a team whose first digest is queued
 * during a long sync escalates from the next one.
 */
export async function scopedPatients(db: Database, patientIds?: string[], teamIds?: string[]): Promise<ScopedPatient[]> {
  const where = sql`WHERE TRUE ${patientIds ? sql`AND p.id = ANY(${sql.param(patientIds)}::uuid[])` : sql``}
    ${teamIds ? sql`AND p.team_id = ANY(${sql.param(teamIds)}::uuid[])` : sql``}`;
  const rows = rowsOf<Row>(await db.execute(sql`SELECT p.id::text AS id, p.patient_ref, p.team_id::text AS team_id, t.time_zone,
      ${TEAM_ESCALATES} AS escalate
    FROM patients p JOIN teams t ON t.id = p.team_id ${where} ORDER BY p.id`));
  // A whole-register sync holds every patient in scope for its whole run, and V8 lets the heap grow
  // to a multiple of what is held: each team's id and time zone are kept once, not once per
  // patient (issue 11: 14 MB less for 169,000 patients in 40 teams).
  const perTeam = new Map<string, string>();
  const once = (value: string) => {
    const held = perTeam.get(value);
    if (held !== undefined) return held;
    perTeam.set(value, value);
    return value;
  };
  return rows.map((r) => ({
    id: r.id as string, patientRef: r.patient_ref as string, teamId: once(r.team_id as string), timeZone: once(r.time_zone as string),
    escalate: r.escalate === true,
  }));
}

export async function syncActions(db: Database, ruleSet: RuleSet, options: SyncOptions): Promise<SyncSummary> {
  // Callers refuse a future as-of as a value first (the CLI's --dry-run previews it instead); reaching here is a bug.
  if (isFutureAsOf(options.asOf, options.now)) throw new Error(`syncActions: as-of ${options.asOf} is in the future; preview it with previewSync instead`);
  const started = Date.now();
  const patients = await scopedPatients(db, options.patientIds, options.teamIds);
  const created = Object.fromEntries(ACTION_KINDS.map((k) => [k, 0])) as Record<ActionKind, number>;
  let autoClosed = 0;
  let unchanged = 0;
  let escalationsHeld = 0;
  let posted = 0;
  const skippedTooOld: SkippedResults = { amber: 0, red: 0 };
  const size = Math.max(1, options.batchSize ?? DEFAULT_BATCH);
  for (let i = 0; i < patients.length; i += size) {
    const batch = patients.slice(i, i + size);
    const outcome = await withRetry(() => db.transaction(async (tx) => {
      const generated = await generateForPatients(tx, ruleSet, batch, {
        asOf: options.asOf, now: options.now, config: options.config, correlationId: options.actor.correlationId,
      });
      await appendAuditBatch(tx, options.actor, generated.audit, options.now);
      return generated;
    }));
    for (const action of outcome.created) created[action.kind] += 1;
    autoClosed += outcome.autoClosed.length;
    unchanged += outcome.unchanged;
    skippedTooOld.amber += outcome.skippedTooOld.amber;
    skippedTooOld.red += outcome.skippedTooOld.red;
    escalationsHeld += outcome.escalationsHeld;
    posted += outcome.posted;
    options.onProgress?.(Math.min(i + size, patients.length), patients.length);
  }
  // A whole-organisation sync (daily) also forgets delivery receipts: platforms retry within
  // minutes, so a day is ample, and the table would otherwise grow with every request.
  if (!options.patientIds && !options.teamIds) await db.execute(sql`DELETE FROM request_receipts WHERE created_at < now() - interval '1 day'`);
  return {
    asOf: options.asOf,
    created,
    createdTotal: Object.values(created).reduce((a, b) => a + b, 0),
    autoClosed,
    unchanged,
    patients: patients.length,
    tookMs: Date.now() - started,
    skippedTooOld,
    lookbackDays: options.config.resultLookbackDays,
    escalationsHeld,
    posted,
  };
}

async function withRetry<T>(run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (err) {
      const code = pgErrorCode(err);
      if (attempt >= ATTEMPTS || code === undefined || !RETRYABLE.has(code)) throw err;
    }
  }
}

/** "3 overdue monitoring, 2 result review". */
function describeKinds(created: Record<ActionKind, number>): string {
  return ACTION_KINDS.filter((k) => created[k] > 0).map((k) => `${created[k]} ${k.replace(/_/g, ' ')}`).join(', ');
}

/** The results left unraised because of their age, or nothing when there were none. */
export function describeSkipped(skipped: SkippedResults, lookbackDays: number): string {
  if (skipped.amber + skipped.red === 0) return '';
  return ` Not raised, older than the ${lookbackDays}-day look-back (RESULT_LOOKBACK_DAYS): ${skipped.amber} amber and ${skipped.red} red `
    + 'result(s), each the latest of its test; see them with "closedloop results --flagged --days N".';
}

/** The escalations held for onboarding teams, or nothing when there were none. */
export function describeHeld(held: number): string {
  if (held === 0) return '';
  return ` ${held} escalation${held === 1 ? '' : 's'} held back: ${held === 1 ? 'its team has' : 'their teams have'} not had a first daily digest yet `
    + '(onboarding); the first sync after it raises those still due.';
}

/** One line for people: "Actions as of 2026-11-22: 5 created (3 overdue monitoring, 2 result review), …". */
export function describeSyncSummary(summary: SyncSummary): string {
  const made = summary.createdTotal === 0 ? 'none created' : `${summary.createdTotal} created (${describeKinds(summary.created)})`;
  const posted = summary.posted === 0 ? '' : ` ${summary.posted} red result card${summary.posted === 1 ? '' : 's'} queued for the teams' channels.`;
  return `Actions as of ${summary.asOf}: ${made}, ${summary.autoClosed} closed automatically, ${summary.unchanged} open unchanged; `
    + `${summary.patients} patient${summary.patients === 1 ? '' : 's'} checked in ${(summary.tookMs / 1000).toFixed(1)} s.`
    + posted + describeHeld(summary.escalationsHeld) + describeSkipped(summary.skippedTooOld, summary.lookbackDays);
}

// ---------------------------------------------------------------------------------------------
// Dry run

/** One change a sync would make, for a person to read. */
export type PreviewChange =
  | { change: 'create'; patientRef: string; kind: ActionKind; priority: string; cause: Record<string, unknown> }
  | { change: 'close'; patientRef: string; actionId: number; reason: string };

export interface SyncPreview {
  asOf: IsoDate;
  created: Record<ActionKind, number>;
  createdTotal: number;
  autoClosed: number;
  refreshed: number;
  unchanged: number;
  patients: number;
  skippedTooOld: SkippedResults;
  lookbackDays: number;
  escalationsHeld: number;
  /** The changes themselves, up to `limit`; the counts above cover all of them. */
  changes: PreviewChange[];
}

/** What a sync as of `asOf` would change, read without writing anything (no transaction is committed, no id is used). */
export async function previewSync(db: Database, ruleSet: RuleSet,
  options: Omit<SyncOptions, 'actor' | 'onProgress'> & { limit?: number }): Promise<SyncPreview> {
  const patients = await scopedPatients(db, options.patientIds, options.teamIds);
  const created = Object.fromEntries(ACTION_KINDS.map((k) => [k, 0])) as Record<ActionKind, number>;
  const preview: SyncPreview = {
    asOf: options.asOf, created, createdTotal: 0, autoClosed: 0, refreshed: 0, unchanged: 0, patients: patients.length,
    skippedTooOld: { amber: 0, red: 0 }, lookbackDays: options.config.resultLookbackDays, escalationsHeld: 0, changes: [],
  };
  const limit = options.limit ?? 50;
  const size = Math.max(1, options.batchSize ?? DEFAULT_BATCH);
  for (let i = 0; i < patients.length; i += size) {
    const batch = patients.slice(i, i + size);
    const { snapshots } = await loadSnapshots(db, ruleSet, batch, { asOf: options.asOf, now: options.now, config: options.config });
    for (const snapshot of snapshots) {
      const plan: PatientPlan = planPatientActions(snapshot, { asOf: options.asOf, now: options.now, settings: options.config });
      for (const c of plan.creates) {
        created[c.kind] += 1;
        if (preview.changes.length < limit) preview.changes.push({ change: 'create', patientRef: snapshot.patientRef, kind: c.kind, priority: c.priority, cause: c.cause });
      }
      for (const c of plan.closes) {
        if (preview.changes.length < limit) preview.changes.push({ change: 'close', patientRef: snapshot.patientRef, actionId: c.actionId, reason: c.reason });
      }
      preview.createdTotal += plan.creates.length;
      preview.autoClosed += plan.closes.length;
      preview.refreshed += plan.refreshes.length;
      preview.unchanged += plan.unchanged;
      preview.skippedTooOld.amber += plan.skippedTooOld.amber;
      preview.skippedTooOld.red += plan.skippedTooOld.red;
      preview.escalationsHeld += plan.escalationsHeld;
    }
  }
  return preview;
}

/** The preview's headline: what would change, and that nothing was written. */
export function describeSyncPreview(preview: SyncPreview): string {
  const made = preview.createdTotal === 0 ? 'no new actions' : `${preview.createdTotal} new actions (${describeKinds(preview.created)})`;
  return `Dry run, nothing written. A sync as of ${preview.asOf} would open ${made}, `
    + `close ${preview.autoClosed} automatically, refresh ${preview.refreshed} and leave ${preview.unchanged} open unchanged; `
    + `${preview.patients} patient${preview.patients === 1 ? '' : 's'} checked.${describeHeld(preview.escalationsHeld)}`
    + describeSkipped(preview.skippedTooOld, preview.lookbackDays);
}
