/**
 * Imports monitoring events (results, tests done, missed appointments, refusals) from events.csv.
 *
 * Built for ~2M rows at ≥20k rows/s in ≤1 GB, all-or-nothing:
 * - pass 1 streams the file and validates every row against the register (patient refs loaded
 *   once into a Map), keeping only the problems, never the rows;
 * - pass 2, only when pass 1 found nothing wrong, streams the file again and inserts inside one
 *   transaction, one `INSERT … SELECT FROM unnest(arrays) ON CONFLICT DO NOTHING` per batch: eight
 *   array parameters instead of 8 × 20,000 scalars, and the same SQL text every batch, so
 *   postgres.js prepares it once. The natural unique key makes re-importing a file a no-op.
 * The next batch is parsed while the previous one is being inserted (postgres.js pipelines on
 * the transaction's connection), which overlaps Node's parsing with PostgreSQL's index work.
 * checkEvents and writeCheckedEvents are the two passes apart, so a register and its events can
 * be checked first and then written in one transaction (register-with-events.ts).
 */
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterBulkLoad } from './after-bulk-load.js';
import { rowsOf } from '../db/client.js';
import type { Database, Transaction } from '../db/database.js';
import { isIsoDate } from '../domain/dates.js';
import type { EventOutcome } from '../domain/register.js';
import { requirementKeyOf, resolveTestKey, type TestKey } from '../domain/test-keys.js';
import { describeSampleDateRange, sampleDateRange } from '../domain/sample-dates.js';
import { readResultValue } from '../domain/units.js';
import { openCsv, rowCells, type ColumnIndex, type CsvRecord, type HeaderSpec } from './csv.js';
import {
  failure, parseImportOptions, patientRefCellProblem, ProblemList, quote,
  type EventsImportSummary, type ImportFailure, type ImportProgress, type ImportResult,
} from './problems.js';

export interface EventsImportOptions {
  /** Today's date (YYYY-MM-DD): events dated later are refused. Injected so tests are deterministic. */
  today: string;
  /**
   * The rule set's baseline window (default 90 days, the default rules'): a result dated more than
   * this before the patient's first prescription is refused, since no threshold could rate it.
   */
  baselineWindowDays?: number;
  onProgress?: ImportProgress;
  /** Rows per INSERT (default 20,000). */
  batchSize?: number;
  /** Problems listed before the rest are only counted (default 100,000). */
  maxProblems?: number;
  /** Vacuum and analyse after inserting at least this many rows (default 10,000): see after-bulk-load.ts. */
  analyzeAfterRows?: number;
}

type Column = 'patient_ref' | 'test' | 'outcome' | 'value' | 'unit' | 'taken_on';
const COLUMNS: HeaderSpec<Column> = { required: ['patient_ref', 'test', 'outcome', 'taken_on'], optional: ['value', 'unit'] };
const OUTCOMES: readonly EventOutcome[] = ['result', 'done', 'dna', 'declined'];
const PROGRESS_EVERY = 100_000;
const EARLIEST = '1900-01-01';
/** The default rule set's baseline window, for callers that do not pass their rule set's. */
const DEFAULT_BASELINE_WINDOW_DAYS = 90;

/** A register patient as the validator needs them: id, and the earliest date a result of theirs may have. */
interface PatientEntry {
  /** Null for a patient in a register file being imported with these events: known once it is written. */
  id: string | null;
  firstPrescription: string | null;
  earliestSample: string;
}

/** A row ready to insert: value and unit already canonical. */
interface EventRow {
  patientId: string;
  test: TestKey;
  requirement: TestKey;
  outcome: EventOutcome;
  value: number | null;
  unit: string | null;
  takenOn: string;
}

/** Thrown inside the write transaction to roll it back when the file changed between passes. */
export class EventsFileChangedError extends Error {}

/** An events file that passed every check (pass 1), ready for pass 2. */
export interface CheckedEvents {
  label: string;
  filePath: string;
  rows: number;
  batchSize: number;
  validator: EventValidator;
  progress: ImportProgress;
}

/**
 * Pass 1: reads and checks the whole file against the register; writes nothing.
 * `registerPatients` are the patients of a register file imported in the same transaction (not
 * stored yet), by reference, with their earliest start date in that file.
 */
export async function checkEvents(db: Database, filePath: string, options: EventsImportOptions & { registerPatients?: ReadonlyMap<string, string | null> }):
  Promise<{ ok: true; checked: CheckedEvents } | ImportFailure> {
  const { today, batchSize, maxProblems } = parseImportOptions(options);
  const label = path.basename(filePath);
  const progress = options.onProgress ?? (() => {});

  const patients = new Map<string, PatientEntry>();
  const bounds = { today, baselineWindowDays: options.baselineWindowDays ?? DEFAULT_BASELINE_WINDOW_DAYS };
  const entry = (id: string | null, firstPrescription: string | null): PatientEntry => ({
    id, firstPrescription, earliestSample: sampleDateRange({ ...bounds, firstPrescription }).from,
  });
  for (const row of rowsOf<{ patient_ref: string; id: string; first_prescription: string | null }>(await db.execute(sql`SELECT p.patient_ref,
      p.id::text AS id, (SELECT min(r.start_date)::text FROM prescriptions r WHERE r.patient_id = p.id) AS first_prescription
    FROM patients p`))) {
    patients.set(row.patient_ref, entry(row.id, row.first_prescription ?? null));
  }
  // A register import only adds prescriptions, so a patient's first one is the earlier of both.
  for (const [ref, start] of options.registerPatients ?? []) {
    const stored = patients.get(ref);
    const first = [stored?.firstPrescription ?? null, start].filter((d): d is string => d !== null).sort()[0] ?? null;
    patients.set(ref, entry(stored?.id ?? null, first));
  }
  const validator = new EventValidator(patients, bounds);

  const opened = await openCsv(filePath, label, COLUMNS);
  if (!opened.ok) return opened;
  const problems = new ProblemList(maxProblems);
  let rows = 0;
  for await (const chunk of opened.csv.rows) {
    for (const record of chunk) {
      rows += 1;
      validator.check(record, opened.csv.columns, opened.csv.width, problems);
      if (rows % PROGRESS_EVERY === 0) progress(rows, undefined, 'validating');
    }
  }
  progress(rows, rows, 'validating');
  if (rows === 0) return failure('IMPORT.EMPTY', `${label} has a header but no data rows`);
  if (problems.total > 0) {
    return failure('IMPORT.INVALID_ROWS', `${label}: ${problems.badRowCount} of ${rows} row(s) have problems; nothing was imported`, problems.finish());
  }
  return { ok: true, checked: { label, filePath, rows, batchSize, validator, progress } };
}

/**
 * Pass 2: the same rows again, inserted inside the caller's transaction; returns how many were
 * new. Throws EventsFileChangedError (roll back) when the file no longer reads as it did.
 */
export async function writeCheckedEvents(tx: Transaction, checked: CheckedEvents): Promise<number> {
  const { label, rows, batchSize, validator, progress } = checked;
  await validator.resolvePendingIds(tx);
  const reopened = await openCsv(checked.filePath, label, COLUMNS);
  if (!reopened.ok) throw new EventsFileChangedError();
  const source = `import:${label}`;
  let written = 0;
  let insertedCount = 0;
  let pending: Promise<void> = Promise.resolve();
  let batch: EventRow[] = [];
  const flush = async () => {
    const rowsToWrite = batch;
    batch = [];
    await pending;
    const sent = insertBatch(tx, rowsToWrite, source).then((n) => {
      insertedCount += n;
      written += rowsToWrite.length;
      progress(written, rows, 'writing');
    });
    sent.catch(() => {}); // handled when awaited; stops an unhandled-rejection crash meanwhile
    pending = sent;
  };
  const recheck = new ProblemList(1);
  try {
    for await (const chunk of reopened.csv.rows) {
      for (const record of chunk) {
        const row = validator.check(record, reopened.csv.columns, reopened.csv.width, recheck);
        if (row === null || row.patientId === null) throw new EventsFileChangedError();
        batch.push({ ...row, patientId: row.patientId });
        if (batch.length >= batchSize) await flush();
      }
    }
    if (batch.length > 0) await flush();
    await pending;
  } finally {
    // Never leave an insert in flight behind a rollback.
    await pending.catch(() => {});
  }
  if (written !== rows) throw new EventsFileChangedError();
  return insertedCount;
}

/** What a refused second pass reports. */
export function fileChangedFailure(label: string): ImportFailure {
  return failure('IMPORT.INVALID_ROWS', `${label} changed while it was being imported; nothing was imported, run the import again`);
}

export async function importEvents(db: Database, filePath: string, options: EventsImportOptions): Promise<ImportResult<EventsImportSummary>> {
  const checked = await checkEvents(db, filePath, options);
  if (!checked.ok) return checked;
  try {
    const inserted = await db.transaction((tx) => writeCheckedEvents(tx, checked.checked));
    await afterBulkLoad(db, inserted, options.analyzeAfterRows);
    const { rows } = checked.checked;
    return { ok: true, summary: { kind: 'events', rows, inserted, alreadyPresent: rows - inserted } };
  } catch (err) {
    if (err instanceof EventsFileChangedError) return fileChangedFailure(checked.checked.label);
    throw err;
  }
}

/** Inserts one batch; returns how many rows were new (the rest matched the natural key). */
async function insertBatch(tx: Transaction, batch: EventRow[], source: string): Promise<number> {
  // Dates travel as text[] and are cast per element: drizzle's postgres.js driver passes date
  // arrays through unserialised, which postgres.js then rejects.
  const result = await tx.execute(sql`
    WITH inserted AS (
      INSERT INTO monitoring_events (patient_id, test, requirement, outcome, value, unit, taken_on, source)
      SELECT u.patient_id, u.test, u.requirement, u.outcome, u.value, u.unit, u.taken_on::date, ${source}
      FROM unnest(
        ${sql.param(batch.map((r) => r.patientId))}::uuid[],
        ${sql.param(batch.map((r) => r.test))}::text[],
        ${sql.param(batch.map((r) => r.requirement))}::text[],
        ${sql.param(batch.map((r) => r.outcome))}::text[],
        ${sql.param(batch.map((r) => r.value))}::float8[],
        ${sql.param(batch.map((r) => r.unit))}::text[],
        ${sql.param(batch.map((r) => r.takenOn))}::text[]
      ) AS u(patient_id, test, requirement, outcome, value, unit, taken_on)
      ON CONFLICT DO NOTHING
      RETURNING 1
    )
    SELECT count(*)::int AS n FROM inserted`);
  return rowsOf<{ n: number }>(result)[0]?.n ?? 0;
}

/**
 * Checks one row by hand rather than with zod: at 2M rows × 2 passes a schema parse per row is
 * the largest cost of the import. Lookups that repeat (test names, dates) are memoised.
 */
export class EventValidator {
  private readonly tests = new Map<string, TestKey | null>();
  private readonly dates = new Map<string, string | null>();

  constructor(
    private readonly patients: ReadonlyMap<string, PatientEntry>,
    private readonly bounds: { today: string; baselineWindowDays: number },
  ) {}

  /**
   * Fills in the ids of the patients that were pending (in a register written earlier in the
   * same transaction). One query, for those patients only.
   */
  async resolvePendingIds(tx: Transaction): Promise<void> {
    const pending = [...this.patients].filter(([, p]) => p.id === null).map(([ref]) => ref);
    if (pending.length === 0) return;
    const rows = rowsOf<{ patient_ref: string; id: string }>(await tx.execute(sql`SELECT patient_ref, id::text AS id
      FROM patients WHERE patient_ref = ANY(${sql.param(pending)}::text[])`));
    for (const row of rows) {
      const entry = this.patients.get(row.patient_ref);
      if (entry) entry.id = row.id;
    }
  }

  /** The row ready to insert (its patient id null while pending), or null after adding its problems to `problems`. */
  check(record: CsvRecord, col: ColumnIndex<Column>, width: number, problems: ProblemList): (Omit<EventRow, 'patientId'> & { patientId: string | null }) | null {
    const { line } = record;
    const cell = rowCells(record, col, width, (l, c, m) => problems.add(l, c, m));
    if (cell === null) return null;
    const before = problems.total;

    const ref = cell('patient_ref');
    const patient = ref === '' ? undefined : this.patients.get(ref);
    // A reference that cannot be one (src/domain/patient-ref.ts) is said to be so, not just missing.
    const refProblem = patient === undefined ? patientRefCellProblem(ref) : null;
    if (refProblem !== null) problems.add(line, 'patient_ref', refProblem);
    else if (patient === undefined) problems.add(line, 'patient_ref', `${quote(ref)} is not in the register; import the register first or correct the reference`);

    const rawTest = cell('test');
    const test = this.resolveTest(rawTest);
    if (rawTest === '') problems.add(line, 'test', 'is blank');
    else if (test === null) problems.add(line, 'test', `${quote(rawTest)} is not a known test key, label, or LOINC/SNOMED/Read code`);

    const rawOutcome = cell('outcome');
    const outcome = rawOutcome.toLowerCase() as EventOutcome;
    if (!OUTCOMES.includes(outcome)) problems.add(line, 'outcome', `${quote(rawOutcome)} is not an outcome; use ${OUTCOMES.join(', ')}`);

    const takenOn = cell('taken_on');
    const dateProblem = this.checkDate(takenOn);
    if (dateProblem !== null) problems.add(line, 'taken_on', dateProblem);
    else if (outcome === 'result' && patient !== undefined && takenOn < patient.earliestSample) {
      const range = describeSampleDateRange({ ...this.bounds, firstPrescription: patient.firstPrescription });
      problems.add(line, 'taken_on', `${takenOn} is too early for ${ref}: a result's sample date must be ${range}`);
    }

    const rawValue = cell('value');
    const rawUnit = cell('unit');
    let value: number | null = null;
    let unit: string | null = null;
    if (outcome === 'result') {
      if (rawValue === '') {
        problems.add(line, 'value', 'outcome result needs a value (use outcome done for a test done without a result)');
      } else if (test !== null) {
        // The same check as chat: a number as labs write it, inside the analyte's plausible range.
        const normalised = readResultValue(test, rawValue, rawUnit);
        if (normalised.ok) {
          value = normalised.value;
          unit = normalised.unit;
        } else {
          problems.add(line, normalised.problem === 'range' ? 'value' : normalised.problem, normalised.message);
        }
      }
    } else if (rawValue !== '' && OUTCOMES.includes(outcome)) {
      // A unit alone is ignored for these outcomes: exports often fill the unit column regardless.
      problems.add(line, 'value', `outcome ${outcome} takes no value; leave value blank, or use outcome result`);
    }

    if (problems.total > before || patient === undefined || test === null) return null;
    return { patientId: patient.id, test, requirement: requirementKeyOf(test), outcome, value, unit, takenOn };
  }

  private resolveTest(raw: string): TestKey | null {
    let key = this.tests.get(raw);
    if (key === undefined) {
      key = raw === '' ? null : resolveTestKey(raw);
      this.tests.set(raw, key);
    }
    return key;
  }

  private checkDate(raw: string): string | null {
    let problem = this.dates.get(raw);
    if (problem === undefined) {
      problem = dateProblem(raw, this.bounds.today);
      if (this.dates.size < 100_000) this.dates.set(raw, problem);
    }
    return problem;
  }
}

function dateProblem(raw: string, today: string): string | null {
  if (raw === '') return 'is blank';
  if (!/^\d{4}-\d{2}-\d{2}$/.test(raw)) return `${quote(raw)} is not a date in YYYY-MM-DD form`;
  if (!isIsoDate(raw)) return `${quote(raw)} is not a real date`;
  if (raw > today) return `${raw} is in the future (today is ${today})`;
  if (raw < EARLIEST) return `${raw} is before ${EARLIEST}`;
  return null;
}
