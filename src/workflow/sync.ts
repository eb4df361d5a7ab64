/**
 * `sync`: brings the actions in line with the register. Patients are processed in batches, one
 * transaction each, so a 100,000-patient register never holds one giant transaction; within a
 * batch every action is created (or closed) in the same transaction as its audit event. Running
 * it again creates nothing and writes no audit events, and two syncs at once create each action
 * once (the live-cause unique index).
 */
import { sql } from 'drizzle-orm';
import { appendAuditBatch, type AuditActor } from '../audit/append.js';
import type { WorkflowConfig } from '../config/workflow.js';
import { rowsOf } from '../db/client.js';
import type { Database } from '../db/database.js';
import { pgErrorCode } from '../db/errors.js';
import { ACTION_KINDS, type ActionKind } from '../domain/actions/kinds.js';
import type { IsoDate } from '../domain/dates.js';
import type { RuleSet } from '../domain/rules/schema.js';
import { generateForPatients, type ScopedPatient } from './generate.js';

export interface SyncOptions {
  asOf: IsoDate;
  now: Date;
  actor: AuditActor;
  config: WorkflowConfig;
  /** Only these patients (by id); omit for the whole register. */
  patientIds?: string[];
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
}

const DEFAULT_BATCH = 1_000;
/** Deadlock or serialisation failure: the batch is retried whole, in a fresh transaction. */
const RETRYABLE = new Set(['40P01', '40001']);
const ATTEMPTS = 3;

type Row = Record<string, unknown>;

/** Patients in scope with their team and its time zone, in a fixed order (id). */
export async function scopedPatients(db: Database, patientIds?: string[]): Promise<ScopedPatient[]> {
  const where = patientIds ? sql`WHERE p.id = ANY(${sql.param(patientIds)}::uuid[])` : sql``;
  const rows = rowsOf<Row>(await db.execute(sql`SELECT p.id::text AS id, p.patient_ref, p.team_id::text AS team_id, t.time_zone
    FROM patients p JOIN teams t ON t.id = p.team_id ${where} ORDER BY p.id`));
  return rows.map((r) => ({ id: r.id as string, patientRef: r.patient_ref as string, teamId: r.team_id as string, timeZone: r.time_zone as string }));
}

export async function syncActions(db: Database, ruleSet: RuleSet, options: SyncOptions): Promise<SyncSummary> {
  const started = Date.now();
  const patients = await scopedPatients(db, options.patientIds);
  const created = Object.fromEntries(ACTION_KINDS.map((k) => [k, 0])) as Record<ActionKind, number>;
  let autoClosed = 0;
  let unchanged = 0;
  const size = Math.max(1, options.batchSize ?? DEFAULT_BATCH);
  for (let i = 0; i < patients.length; i += size) {
    const batch = patients.slice(i, i + size);
    const outcome = await withRetry(() => db.transaction(async (tx) => {
      const generated = await generateForPatients(tx, ruleSet, batch, { asOf: options.asOf, now: options.now, config: options.config });
      await appendAuditBatch(tx, options.actor, generated.audit, options.now);
      return generated;
    }));
    for (const action of outcome.created) created[action.kind] += 1;
    autoClosed += outcome.autoClosed.length;
    unchanged += outcome.unchanged;
    options.onProgress?.(Math.min(i + size, patients.length), patients.length);
  }
  // A whole-organisation sync (daily) also forgets delivery receipts: platforms retry within
  // minutes, so a day is ample, and the table would otherwise grow with every request.
  if (!options.patientIds) await db.execute(sql`DELETE FROM request_receipts WHERE created_at < now() - interval '1 day'`);
  return {
    asOf: options.asOf,
    created,
    createdTotal: Object.values(created).reduce((a, b) => a + b, 0),
    autoClosed,
    unchanged,
    patients: patients.length,
    tookMs: Date.now() - started,
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

/** One line for people: "Actions as of 2026-11-22: 5 created (3 overdue monitoring, 2 result review), …". */
export function describeSyncSummary(summary: SyncSummary): string {
  const kinds = ACTION_KINDS.filter((k) => summary.created[k] > 0).map((k) => `${summary.created[k]} ${k.replace(/_/g, ' ')}`);
  const made = summary.createdTotal === 0 ? 'none created' : `${summary.createdTotal} created (${kinds.join(', ')})`;
  return `Actions as of ${summary.asOf}: ${made}, ${summary.autoClosed} closed automatically, ${summary.unchanged} open unchanged; `
    + `${summary.patients} patient${summary.patients === 1 ? '' : 's'} checked in ${(summary.tookMs / 1000).toFixed(1)} s.`;
}
