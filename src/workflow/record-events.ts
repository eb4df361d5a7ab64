/**
 * Recording a result, a missed test (DNA) or a discharge from chat. Checked with the same rules
 * as the events import (test names and codes, units, plausible values, real dates not in the
 * future, samples not long before the patient's first prescription); then the
 * event, its audit event and the patient's resulting actions (a review, a follow-up, a
 * reconciliation, or an overdue action closing itself) are written in ONE transaction. Recording
 * the same thing twice changes nothing and says so.
 */
import { sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { appendAuditBatch, type AuditActor, type AuditRecord } from '../audit/append.js';
import type { WorkflowConfig } from '../config/workflow.js';
import { rowsOf } from '../db/client.js';
import type { Database, Queryable } from '../db/database.js';
import { isIsoDate, todayIn, type IsoDate } from '../domain/dates.js';
import { fail, ok, type Outcome } from '../domain/outcome.js';
import type { Rating } from '../domain/results.js';
import type { RuleSet } from '../domain/rules/schema.js';
import { checkSampleDate } from '../domain/sample-dates.js';
import { requirementKeyOf, resolveTestKey, TEST_KEYS, type TestKey } from '../domain/test-keys.js';
import { canonicalUnit, readResultValue, takesValue, type ValueProblem } from '../domain/units.js';
import { queueActionPosts, type ChannelTarget } from './channel-posts.js';
import type { CreatedAction } from './create-actions.js';
import { generateForPatients, loadSnapshots, TEAM_ESCALATES, type AutoClosedAction, type ScopedPatient } from './generate.js';

/** Who records it; `postTo` is the channel whose team should see the actions it opens (cards queued in the same transaction). */
export type RecordActor = AuditActor & { staffId: string; postTo?: ChannelTarget | null };

export type RecordError = 'PATIENT.NOT_FOUND' | 'TEST.UNKNOWN' | 'TEST.TAKES_NO_VALUE' | 'UNIT.INVALID' | 'VALUE.INVALID' | 'VALUE.OUT_OF_RANGE'
  | 'DATE.INVALID' | 'DATE.OUT_OF_RANGE' | 'INPUT.INVALID';

export interface Recorded {
  patientRef: string;
  /** The result's rating (results only). */
  evaluation?: { flag: Rating; reason: string };
  created: CreatedAction[];
  autoClosed: AutoClosedAction[];
  /** The same event was already recorded: nothing was changed. */
  duplicate: boolean;
}

const EARLIEST = '1900-01-01';

const resultInput = z.object({
  patientRef: z.string().trim().min(1),
  test: z.string().trim().min(1),
  // As typed or received: readResultValue checks it (our wording, with the plausible range).
  value: z.union([z.string(), z.number()]),
  unit: z.string().trim().optional(),
  takenOn: z.string().trim(),
});
const dnaInput = z.object({
  patientRef: z.string().trim().min(1),
  test: z.string().trim().min(1),
  takenOn: z.string().trim(),
  reason: z.string().trim().max(500).optional(),
});
const dischargeInput = z.object({ patientRef: z.string().trim().min(1), dischargedOn: z.string().trim() });

function parse<T>(schema: z.ZodType<T>, input: unknown, usage: string): Outcome<T, 'INPUT.INVALID'> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return ok(parsed.data);
  return fail('INPUT.INVALID', `${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}. Type: ${usage}`);
}

/** The patient, with the start of their first prescription (the earliest a sample may be dated from). */
type FoundPatient = ScopedPatient & { firstPrescription: IsoDate | null };

async function findPatient(db: Queryable, ref: string): Promise<Outcome<FoundPatient, 'PATIENT.NOT_FOUND'>> {
  const lookup = async (where: SQL) => rowsOf<Record<string, unknown>>(await db.execute(sql`SELECT p.id::text AS id,
      p.patient_ref, p.team_id::text AS team_id, t.time_zone, ${TEAM_ESCALATES} AS escalate,
      (SELECT min(r.start_date)::text FROM prescriptions r WHERE r.patient_id = p.id) AS first_prescription
    FROM patients p JOIN teams t ON t.id = p.team_id WHERE ${where} LIMIT 2`));
  // The exact reference uses the unique index; a different case is accepted only when it is unambiguous.
  let rows = await lookup(sql`p.patient_ref = ${ref}`);
  if (rows.length === 0) rows = await lookup(sql`upper(p.patient_ref) = upper(${ref})`);
  const [row] = rows.length === 1 ? rows : [];
  if (!row) {
    return fail('PATIENT.NOT_FOUND', `No patient has the reference "${ref}". Check the reference with: patient ${ref}`);
  }
  return ok({
    id: row.id as string, patientRef: row.patient_ref as string, teamId: row.team_id as string, timeZone: row.time_zone as string,
    escalate: row.escalate === true,
    firstPrescription: (row.first_prescription as string | null) ?? null,
  });
}

function resolveTest(raw: string, forValue: boolean, usage: string): Outcome<TestKey, 'TEST.UNKNOWN'> {
  const test = resolveTestKey(raw);
  if (test) return ok(test);
  const valid = TEST_KEYS.filter((k) => !forValue || takesValue(k));
  return fail('TEST.UNKNOWN', `"${raw}" is not a test I know. Use one of: ${valid.join(', ')} (or a LOINC, SNOMED CT or Read code). Type: ${usage}`);
}

/** A real date, not after today (results are bounded further by checkSampleDate). */
function checkDate(raw: string, today: IsoDate, what: string, usage: string, checkFuture = true): Outcome<IsoDate, 'DATE.INVALID'> {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(raw) || !isIsoDate(raw)) return fail('DATE.INVALID', `"${raw}" is not a real date; write the ${what} as YYYY-MM-DD, for example ${today}. Type: ${usage}`, 'date');
  if (checkFuture && raw > today) return fail('DATE.INVALID', `${raw} is in the future (today is ${today}); give the date the ${what.replace(/^the /, '')} happened. Type: ${usage}`, 'date');
  if (raw < EARLIEST) return fail('DATE.INVALID', `${raw} is before ${EARLIEST}; check the ${what}. Type: ${usage}`, 'date');
  return ok(raw);
}

interface Recording {
  patient: ScopedPatient;
  /** Inserts the event; returns its id, or null when it was already recorded. */
  insert(tx: Queryable): Promise<number | null>;
  audit(eventId: number, evaluation: Recorded['evaluation']): AuditRecord;
  /** Chat-recorded results and DNAs generate actions whatever their date. */
  includeEvent: boolean;
  dnaReason?: string;
}

async function record(db: Database, ruleSet: RuleSet, recording: Recording, actor: RecordActor, now: Date,
  config: WorkflowConfig, findExisting?: (tx: Queryable) => Promise<number | null>): Promise<Recorded> {
  const { patient } = recording;
  const asOf = todayIn(patient.timeZone, now);
  return db.transaction(async (tx) => {
    const eventId = await recording.insert(tx);
    if (eventId === null) {
      const existing = findExisting ? await findExisting(tx) : null;
      const evaluation = existing === null ? undefined
        : (await loadSnapshots(tx, ruleSet, [patient], { asOf, now, config, includeEventIds: [existing] })).evaluations.get(existing);
      return { patientRef: patient.patientRef, evaluation, created: [], autoClosed: [], duplicate: true };
    }
    // A red result's card is queued here for every MDT channel of the patient's team. The card for
    // the channel it was recorded in (postTo, below) is then already queued there, and the
    // one-live-card rule (channel-posts.ts) keeps it to one.
    const generated = await generateForPatients(tx, ruleSet, [patient], {
      asOf, now, config, correlationId: actor.correlationId,
      includeEventIds: recording.includeEvent ? [eventId] : [],
      dnaReasons: recording.dnaReason ? new Map([[eventId, recording.dnaReason]]) : undefined,
    });
    const evaluation = generated.evaluations.get(eventId);
    if (actor.postTo && generated.created.length) await queueActionPosts(tx, actor.postTo, generated.created.map((c) => c.id), actor.correlationId);
    await appendAuditBatch(tx, actor, [recording.audit(eventId, evaluation), ...generated.audit], now);
    return { patientRef: patient.patientRef, evaluation, created: generated.created, autoClosed: generated.autoClosed, duplicate: false };
  });
}

const RESULT_USAGE = 'result REF TEST VALUE [UNIT] [DATE]';

const VALUE_CODES: Record<ValueProblem, RecordError> = {
  test: 'TEST.TAKES_NO_VALUE', unit: 'UNIT.INVALID', value: 'VALUE.INVALID', range: 'VALUE.OUT_OF_RANGE',
};

export async function recordResult(db: Database, ruleSet: RuleSet,
  input: { patientRef: string; test: string; value: string | number; unit?: string; takenOn: IsoDate },
  actor: RecordActor, now: Date, config: WorkflowConfig): Promise<Outcome<Recorded, RecordError>> {
  const parsed = parse(resultInput, input, RESULT_USAGE);
  if (!parsed.ok) return parsed;
  const { patientRef, value, unit } = parsed.value;
  const test = resolveTest(parsed.value.test, true, RESULT_USAGE);
  if (!test.ok) return test;
  const patient = await findPatient(db, patientRef);
  if (!patient.ok) return patient;
  const today = todayIn(patient.value.timeZone, now);
  const takenOn = checkDate(parsed.value.takenOn, today, 'date the sample was taken', RESULT_USAGE, false);
  if (!takenOn.ok) return takenOn;
  const inRange = checkSampleDate(takenOn.value, { today, firstPrescription: patient.value.firstPrescription, baselineWindowDays: ruleSet.baselineWindowDays });
  if (!inRange.ok) return inRange;
  const received = typeof value === 'number' ? String(value) : value.trim();
  const normalised = readResultValue(test.value, received, unit);
  if (!normalised.ok) {
    const example = `result ${patient.value.patientRef} ${test.value} ${normalised.problem === 'unit' ? received : 'VALUE'} ${canonicalUnit(test.value) ?? ''}`.trimEnd();
    return normalised.problem === 'test'
      ? fail('TEST.TAKES_NO_VALUE', `${normalised.message}.`)
      : fail(VALUE_CODES[normalised.problem], `${normalised.message}. Type: ${RESULT_USAGE}, for example: ${example}`, normalised.problem === 'unit' ? 'unit' : 'value');
  }
  const row = {
    patientId: patient.value.id, test: test.value, requirement: requirementKeyOf(test.value),
    value: normalised.value, unit: normalised.unit, takenOn: takenOn.value,
  };
  const recorded = await record(db, ruleSet, {
    patient: patient.value,
    includeEvent: true,
    insert: (tx) => insertEvent(tx, { ...row, outcome: 'result' }),
    audit: (eventId, evaluation) => ({
      verb: 'result.recorded', entityType: 'patient', entityId: patient.value.patientRef, patientRef: patient.value.patientRef,
      after: {
        event: eventId, test: row.test, value: row.value, unit: row.unit,
        // Exactly what the person typed or the feed sent, beside the value as stored.
        received: { value: received, unit: unit ?? null },
        takenOn: row.takenOn, flag: evaluation?.flag ?? null, flagReason: evaluation?.reason ?? null,
      },
    }),
  }, actor, now, config, (tx) => findEvent(tx, { ...row, outcome: 'result' }));
  return ok(recorded);
}

const DNA_USAGE = 'dna REF TEST [REASON]';

export async function recordDna(db: Database, ruleSet: RuleSet,
  input: { patientRef: string; test: string; takenOn: IsoDate; reason?: string },
  actor: RecordActor, now: Date, config: WorkflowConfig): Promise<Outcome<Recorded, RecordError>> {
  const parsed = parse(dnaInput, input, DNA_USAGE);
  if (!parsed.ok) return parsed;
  const test = resolveTest(parsed.value.test, false, DNA_USAGE);
  if (!test.ok) return test;
  const patient = await findPatient(db, parsed.value.patientRef);
  if (!patient.ok) return patient;
  const takenOn = checkDate(parsed.value.takenOn, todayIn(patient.value.timeZone, now), 'date of the missed appointment', DNA_USAGE);
  if (!takenOn.ok) return takenOn;
  const reason = parsed.value.reason || undefined;
  const row = { patientId: patient.value.id, test: test.value, requirement: requirementKeyOf(test.value), value: null, unit: null, takenOn: takenOn.value };
  const recorded = await record(db, ruleSet, {
    patient: patient.value,
    includeEvent: true,
    dnaReason: reason,
    insert: (tx) => insertEvent(tx, { ...row, outcome: 'dna' }),
    audit: (eventId) => ({
      verb: 'dna.recorded', entityType: 'patient', entityId: patient.value.patientRef, patientRef: patient.value.patientRef,
      after: { event: eventId, test: row.test, takenOn: row.takenOn }, reason: reason ?? null,
    }),
  }, actor, now, config);
  return ok(recorded);
}

const DISCHARGE_USAGE = 'discharge REF [DATE]';

export async function recordDischarge(db: Database, ruleSet: RuleSet, input: { patientRef: string; dischargedOn: IsoDate },
  actor: RecordActor, now: Date, config: WorkflowConfig): Promise<Outcome<Recorded, RecordError>> {
  const parsed = parse(dischargeInput, input, DISCHARGE_USAGE);
  if (!parsed.ok) return parsed;
  const patient = await findPatient(db, parsed.value.patientRef);
  if (!patient.ok) return patient;
  const dischargedOn = checkDate(parsed.value.dischargedOn, todayIn(patient.value.timeZone, now), 'discharge date', DISCHARGE_USAGE);
  if (!dischargedOn.ok) return dischargedOn;
  const recorded = await record(db, ruleSet, {
    patient: patient.value,
    includeEvent: false,
    insert: async (tx) => {
      const rows = rowsOf<{ id: number | string }>(await tx.execute(sql`INSERT INTO discharges (patient_id, discharged_on, source, recorded_by)
        VALUES (${patient.value.id}::uuid, ${dischargedOn.value}::date, 'chat', ${actor.staffId}::uuid)
        ON CONFLICT (patient_id, discharged_on) DO NOTHING RETURNING id`));
      return rows[0] ? Number(rows[0].id) : null;
    },
    audit: (dischargeId) => ({
      verb: 'discharge.recorded', entityType: 'patient', entityId: patient.value.patientRef, patientRef: patient.value.patientRef,
      after: { discharge: dischargeId, dischargedOn: dischargedOn.value },
    }),
  }, actor, now, config);
  return ok(recorded);
}

interface EventRow {
  patientId: string;
  test: TestKey;
  requirement: TestKey;
  outcome: 'result' | 'dna';
  value: number | null;
  unit: string | null;
  takenOn: IsoDate;
}

async function insertEvent(tx: Queryable, e: EventRow): Promise<number | null> {
  // The natural unique key (patient, test, date, outcome, value, unit) makes a repeat a no-op.
  const rows = rowsOf<{ id: number | string }>(await tx.execute(sql`INSERT INTO monitoring_events
      (patient_id, test, requirement, outcome, value, unit, taken_on, source)
    VALUES (${e.patientId}::uuid, ${e.test}, ${e.requirement}, ${e.outcome}, ${e.value}::float8, ${e.unit}, ${e.takenOn}::date, 'chat')
    ON CONFLICT DO NOTHING RETURNING id`));
  return rows[0] ? Number(rows[0].id) : null;
}

async function findEvent(tx: Queryable, e: EventRow): Promise<number | null> {
  const rows = rowsOf<{ id: number | string }>(await tx.execute(sql`SELECT id FROM monitoring_events
    WHERE patient_id = ${e.patientId}::uuid AND test = ${e.test} AND taken_on = ${e.takenOn}::date AND outcome = ${e.outcome}
      AND value IS NOT DISTINCT FROM ${e.value}::float8 AND unit IS NOT DISTINCT FROM ${e.unit}::text`));
  return rows[0] ? Number(rows[0].id) : null;
}
