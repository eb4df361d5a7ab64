/**
 * Imports the medicines register (register.csv): one row per patient × prescription, patient
 * columns repeated on each of a patient's rows.
 *
 * The file is validated completely before anything is written, and then written in one
 * transaction, so a register is never half-imported. Rows are upserted by their natural keys
 * (patient_ref; patient + drug + start_date; patient + drug + test) and compared first, so a
 * re-import of the same file updates nothing, not even `updated_at`. Register rows the file does
 * not mention are left alone: an export from one team must not delete another team's patients,
 * and stopping a drug is recorded with `stopped_on`, not by leaving the row out.
 *
 * The patient columns (sex and flags included) are read, compared and written in
 * register-patients.ts. A register is ~150k rows, so unlike events it is held in memory between
 * the two steps. checkRegister and writeCheckedRegister are the two steps apart, for an import of
 * a register and its events in one transaction (register-with-events.ts).
 */
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterBulkLoad } from './after-bulk-load.js';
import { rowsOf } from '../db/client.js';
import type { Database, Transaction } from '../db/database.js';
import { isIsoDate } from '../domain/dates.js';
import { buildDrugIndex, resolveDrug } from '../domain/rules/drugs.js';
import type { OrgType, RuleSet } from '../domain/rules/schema.js';
import type { TestKey } from '../domain/test-keys.js';
import { freeTextCell, openCsv, rowCells, type ColumnIndex, type CsvRecord, type HeaderSpec } from './csv.js';
import {
  failure, parseImportOptions, patientRefCellProblem, ProblemList, quote,
  type ImportFailure, type ImportProgress, type ImportResult, type RegisterImportSummary,
} from './problems.js';
import { attributeCells, patientColumnsDiffering, writePatients, type PatientPlan } from './register-patients.js';
import { heldText, type HeldText } from './held-text.js';
import { parseResponsibility } from './responsibility-spec.js';
import { param as p, upsert, type Batches } from './upsert.js';

export interface RegisterImportOptions {
  ruleSet: RuleSet;
  /** Today's date (YYYY-MM-DD): dates of birth after it are refused. */
  today: string;
  onProgress?: ImportProgress;
  /** Rows per INSERT/UPDATE statement (default 20,000). */
  batchSize?: number;
  /** Problems listed before the rest are only counted (default 100,000). */
  maxProblems?: number;
  /** Vacuum and analyse after writing at least this many rows (default 10,000): see after-bulk-load.ts. */
  analyzeAfterRows?: number;
}

type Column =
  | 'patient_ref' | 'display_label' | 'team' | 'gp_practice' | 'date_of_birth' | 'sex' | 'flags' | 'drug' | 'start_date'
  | 'last_dose_change' | 'stopped_on' | 'responsible_org' | 'responsible_staff';
const COLUMNS: HeaderSpec<Column> = {
  required: ['patient_ref', 'display_label', 'team', 'gp_practice', 'drug', 'start_date'],
  optional: ['date_of_birth', 'sex', 'flags', 'last_dose_change', 'stopped_on', 'responsible_org', 'responsible_staff'],
};
const EARLIEST = '1900-01-01';
const MAX_TEXT = 200;
/** pg_advisory_xact_lock key: two register imports at once would race on the same inserts. */
const REGISTER_IMPORT_LOCK = 7310309357185172;

interface PrescriptionPlan { line: number; ref: string; drug: string; startDate: string; lastDoseChange: string | null; stoppedOn: string | null }
interface ResponsibilityPlan { line: number; ref: string; drug: string; test: TestKey | '*'; orgType: OrgType; orgName: string | null; staff: string | null }

/** Everything the file says, deduplicated by natural key. */
export interface RegisterPlan {
  patients: Map<string, PatientPlan>;
  prescriptions: Map<string, PrescriptionPlan>;
  responsibilities: Map<string, ResponsibilityPlan>;
}

/** A register file that passed every check, ready to write. */
export interface CheckedRegister {
  label: string;
  /** Data rows read. */
  rows: number;
  plan: RegisterPlan;
  /** Rows per INSERT/UPDATE statement. */
  batchSize: number;
}

export interface RegisterCheck {
  result: { ok: true; checked: CheckedRegister } | ImportFailure;
  /**
   * Every patient the file names with a well-formed reference, with the earliest start_date of
   * their valid rows (null when none is valid), even when other rows are refused: an events file
   * imported with it (`import register FILE --events FILE2`) is checked against these patients,
   * so its rows are not all reported as "not in the register" because of one bad register row.
   */
  patients: ReadonlyMap<string, string | null>;
}

/** Reads and checks the whole file; writes nothing. */
export async function checkRegister(filePath: string, options: RegisterImportOptions): Promise<RegisterCheck> {
  const { today, maxProblems, batchSize } = parseImportOptions(options);
  const label = path.basename(filePath);
  const progress = options.onProgress ?? (() => {});
  const patients = new Map<string, string | null>();
  const opened = await openCsv(filePath, label, COLUMNS);
  if (!opened.ok) return { result: opened, patients };

  const held = heldText();
  const validate = rowValidator(options.ruleSet, today, patients, held);
  const plan: RegisterPlan = { patients: new Map(), prescriptions: new Map(), responsibilities: new Map() };
  const problems = new ProblemList(maxProblems);
  let rows = 0;
  for await (const chunk of opened.csv.rows) {
    for (const record of chunk) {
      rows += 1;
      const row = validate(record, opened.csv.columns, opened.csv.width, problems);
      if (row !== null) addToPlan(plan, row, problems, held);
      if (rows % 50_000 === 0) progress(rows, undefined, 'validating');
    }
  }
  progress(rows, rows, 'validating');
  if (rows === 0) return { result: failure('IMPORT.EMPTY', `${label} has a header but no data rows`), patients };
  if (problems.total > 0) {
    return { result: failure('IMPORT.INVALID_ROWS', `${label}: ${problems.badRowCount} of ${rows} row(s) have problems; nothing was imported`, problems.finish()), patients };
  }
  return { result: { ok: true, checked: { label, rows, plan, batchSize } }, patients };
}

/** Writes a checked register inside the caller's transaction; returns the counts. */
export async function writeCheckedRegister(tx: Transaction, checked: CheckedRegister, onProgress?: ImportProgress):
  Promise<Omit<RegisterImportSummary, 'kind'>> {
  const { rows, plan } = checked;
  const progress = onProgress ?? (() => {});
  // writePlan counts the patients, prescriptions and responsibilities it writes; reported as that
  // share of the file's rows, so the count is in rows like the validating pass, not their sum.
  const writing: ImportProgress = (done, total) => progress(total ? Math.round((rows * done) / total) : rows, rows, 'writing');
  return { rows, ...await writePlan(tx, plan, checked.batchSize, writing) };
}

/** Register rows a summary says were inserted or updated: what decides whether to vacuum afterwards. */
export function registerRowsWritten(summary: Omit<RegisterImportSummary, 'kind' | 'rows'>): number {
  return [summary.patients, summary.prescriptions, summary.responsibilities].reduce((n, c) => n + c.inserted + c.updated, 0);
}

export async function importRegister(db: Database, filePath: string, options: RegisterImportOptions): Promise<ImportResult<RegisterImportSummary>> {
  const written = await checkAndWrite(db, filePath, options);
  if (!written.ok) return written;
  // The plan is unreachable here, so afterBulkLoad's garbage collection frees it before the sync.
  await afterBulkLoad(db, registerRowsWritten(written.summary), options.analyzeAfterRows);
  return { ok: true, summary: { kind: 'register', ...written.summary } };
}

/** Checks the file and writes it in one transaction; the plan lives only as long as this call. */
async function checkAndWrite(db: Database, filePath: string, options: RegisterImportOptions):
  Promise<{ ok: true; summary: Omit<RegisterImportSummary, 'kind'> } | ImportFailure> {
  const { result } = await checkRegister(filePath, options);
  if (!result.ok) return result;
  return { ok: true, summary: await db.transaction((tx) => writeCheckedRegister(tx, result.checked, options.onProgress)) };
}

// ---------------------------------------------------------------------------------------------
// Validation

type Row = PatientPlan & Omit<PrescriptionPlan, 'ref' | 'line'> & { responsibilities: Omit<ResponsibilityPlan, 'line' | 'ref' | 'drug'>[] };

function rowValidator(ruleSet: RuleSet, today: string, named: Map<string, string | null>, held: HeldText) {
  const index = buildDrugIndex(ruleSet);
  const testsOfRule = new Map(ruleSet.rules.map((r) => [r.id, r.tests.map((t) => t.test as TestKey)]));
  return (record: CsvRecord, col: ColumnIndex<Column>, width: number, problems: ProblemList): Row | null => {
    const { line } = record;
    const cell = rowCells(record, col, width, (l, c, m) => problems.add(l, c, m));
    if (cell === null) return null;
    const before = problems.total;
    const text = (c: Column, required: boolean): string | null => {
      const value = cell(c);
      if (value === '') {
        if (required) problems.add(line, c, 'is blank');
        return null;
      }
      if (value.length > MAX_TEXT) {
        problems.add(line, c, `is longer than ${MAX_TEXT} characters`);
        return value;
      }
      // A team name identifies the team (staff.csv and "bind" name it), so it stays on one line.
      const checked = freeTextCell(value, c === 'team' ? { oneLine: 'a team name' } : 'join');
      if ('problem' in checked) problems.add(line, c, checked.problem);
      return 'value' in checked ? checked.value : value;
    };
    const date = (c: Column, required: boolean): string | null => {
      const value = cell(c);
      const problem = value === '' ? (required ? 'is blank' : null) : dateProblem(value);
      if (problem !== null) problems.add(line, c, problem);
      return value === '' || problem !== null ? null : value;
    };

    // One definition of a patient reference, shared with chat (src/domain/patient-ref.ts).
    const refProblem = patientRefCellProblem(cell('patient_ref'));
    if (refProblem !== null) problems.add(line, 'patient_ref', refProblem);
    const ref = refProblem === null ? held.own(cell('patient_ref')) : null;
    const displayLabel = text('display_label', true);
    const team = text('team', true);
    const gpPractice = text('gp_practice', true);
    const dateOfBirth = date('date_of_birth', false);
    if (dateOfBirth !== null && dateOfBirth > today) problems.add(line, 'date_of_birth', `is in the future (today is ${today})`);
    const attributes = attributeCells(cell, (c) => col[c] !== -1, line, (l, c, m) => problems.add(l, c, m));

    const rawDrug = cell('drug');
    const resolved = rawDrug === '' ? null : resolveDrug(index, rawDrug);
    if (rawDrug === '') problems.add(line, 'drug', 'is blank');
    else if (resolved === null) problems.add(line, 'drug', `${quote(rawDrug)} is not a drug in the rule set; use its generic name or a UK brand name`);
    const drug = resolved?.drug ?? null;

    const startDate = date('start_date', true);
    if (ref !== null) {
      const earliest = named.get(ref) ?? null;
      named.set(ref, startDate !== null && (earliest === null || startDate < earliest) ? startDate : earliest);
    }
    const lastDoseChange = date('last_dose_change', false);
    const stoppedOn = date('stopped_on', false);
    if (startDate !== null && lastDoseChange !== null && lastDoseChange < startDate) problems.add(line, 'last_dose_change', `${lastDoseChange} is before start_date ${startDate}`);
    if (startDate !== null && stoppedOn !== null && stoppedOn < startDate) problems.add(line, 'stopped_on', `${stoppedOn} is before start_date ${startDate}`);

    let responsibilities: Row['responsibilities'] = [];
    if (resolved !== null) {
      const drugTests = resolved.kind === 'monitored' ? testsOfRule.get(resolved.ruleId) ?? [] : [];
      const spec = parseResponsibility(cell('responsible_org'), cell('responsible_staff'), drugTests);
      if (spec.ok) responsibilities = spec.entries;
      else for (const p of spec.problems) problems.add(line, p.column, p.message);
    }

    if (problems.total > before || !ref || !displayLabel || !team || !gpPractice || !drug || !startDate) return null;
    return {
      line, ref, display_label: displayLabel, team, gp_practice: gpPractice, date_of_birth: dateOfBirth, ...attributes,
      drug, startDate, lastDoseChange, stoppedOn, responsibilities,
    };
  };
}

function dateProblem(value: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return `${quote(value)} is not a date in YYYY-MM-DD form`;
  if (!isIsoDate(value)) return `${quote(value)} is not a real date`;
  if (value < EARLIEST) return `${value} is before ${EARLIEST}`;
  return null;
}

/** Adds a valid row, or reports where it contradicts an earlier row about the same thing. */
function addToPlan(plan: RegisterPlan, row: Row, problems: ProblemList, held: HeldText): void {
  const { line } = row;
  const patient = plan.patients.get(row.ref);
  // The patient's first row's reference, so that all of a patient's plans share one string.
  const ref = patient?.ref ?? row.ref;
  if (patient === undefined) {
    plan.patients.set(ref, {
      line, ref, display_label: held.own(row.display_label), team: held.shared(row.team), gp_practice: held.shared(row.gp_practice),
      date_of_birth: held.sharedOrNull(row.date_of_birth), sex: row.sex, flags: row.flags,
    });
  } else {
    for (const c of patientColumnsDiffering(patient, row)) {
      // Values are not echoed: labels and dates of birth identify patients, and sex and flags are clinical.
      problems.add(line, c, `differs from line ${patient.line} for the same patient_ref; a patient's columns must be the same on all of their rows`);
    }
  }

  const rxKey = naturalKey(ref, row.drug, row.startDate);
  const rx = plan.prescriptions.get(rxKey);
  if (rx === undefined) {
    plan.prescriptions.set(rxKey, {
      line, ref, drug: row.drug, startDate: held.shared(row.startDate), lastDoseChange: held.sharedOrNull(row.lastDoseChange),
      stoppedOn: held.sharedOrNull(row.stoppedOn),
    });
  } else {
    if (rx.lastDoseChange !== row.lastDoseChange) problems.add(line, 'last_dose_change', `differs from line ${rx.line}, which has the same patient, drug (${row.drug}) and start_date`);
    if (rx.stoppedOn !== row.stoppedOn) problems.add(line, 'stopped_on', `differs from line ${rx.line}, which has the same patient, drug (${row.drug}) and start_date`);
  }

  for (const r of row.responsibilities) {
    const key = naturalKey(ref, row.drug, r.test);
    const had = plan.responsibilities.get(key);
    if (had === undefined) {
      // Spelt out, not spread: a spread object keeps its properties outside the object, 40 bytes more each.
      plan.responsibilities.set(key, {
        line, ref, drug: row.drug, test: held.shared(r.test), orgType: held.shared(r.orgType), orgName: held.sharedOrNull(r.orgName), staff: held.sharedOrNull(r.staff),
      });
    } else if (had.orgType !== r.orgType || had.orgName !== r.orgName) problems.add(line, 'responsible_org', `for ${r.test} differs from line ${had.line} (same patient and drug ${row.drug})`);
    else if (had.staff !== r.staff) problems.add(line, 'responsible_staff', `for ${r.test} differs from line ${had.line} (same patient and drug ${row.drug})`);
  }
}

/** A plan key: one flat string, where a template literal would leave a chain of three ConsStrings (~100 bytes more). */
const naturalKey = (...parts: string[]) => parts.join('\u0000');

// ---------------------------------------------------------------------------------------------
// Writing

type Counts = Omit<RegisterImportSummary, 'kind' | 'rows'>;

async function writePlan(tx: Transaction, plan: RegisterPlan, batchSize: number, progress: ImportProgress): Promise<Counts> {
  await tx.execute(sql`SELECT pg_advisory_xact_lock(${REGISTER_IMPORT_LOCK}::bigint)`);
  const total = plan.patients.size + plan.prescriptions.size + plan.responsibilities.size;
  let done = 0;
  const batches: Batches = async (items, write) => {
    for (let i = 0; i < items.length; i += batchSize) {
      const batch = items.slice(i, i + batchSize);
      await write(batch);
      done += batch.length;
      progress(done, total, 'writing');
    }
  };

  // Teams by name, created when missing (the column default gives Europe/London).
  const teamNames = [...new Set([...plan.patients.values()].map((x) => x.team))];
  const createdTeams = rowsOf(await tx.execute(sql`
    INSERT INTO teams (name) SELECT unnest(${p(teamNames)}::text[]) ON CONFLICT (name) DO NOTHING RETURNING id`));
  const teamIds = new Map(rowsOf<{ id: string; name: string }>(await tx.execute(sql`
    SELECT id::text AS id, name FROM teams WHERE name = ANY(${p(teamNames)}::text[])`)).map((t) => [t.name, t.id]));

  // Patients by patient_ref (register-patients.ts), then everything else by the patients' ids.
  const { counts: patients, ids: patientIds } = await writePatients(tx, plan.patients.values(), [...plan.patients.keys()], (name) => teamIds.get(name)!, batches);
  const pid = (x: { ref: string }) => patientIds.get(x.ref)!;
  const ids = p([...plan.patients.keys()].map((ref) => patientIds.get(ref)!));

  // Prescriptions by (patient, drug, start_date): only the dose-change and stop dates can change.
  // Dates travel as text and are cast in SQL, as for patients (register-patients.ts).
  const storedRx = new Map(rowsOf<{ id: string; patient_id: string; drug: string; start_date: string; last_dose_change: string | null; stopped_on: string | null }>(
    await tx.execute(sql`SELECT id::text AS id, patient_id::text AS patient_id, drug, start_date::text AS start_date,
        last_dose_change::text AS last_dose_change, stopped_on::text AS stopped_on
      FROM prescriptions WHERE patient_id = ANY(${ids}::uuid[])`)).map((s) => [naturalKey(s.patient_id, s.drug, s.start_date), s]));
  const prescriptions = await upsert(plan.prescriptions.values(), storedRx, (x) => naturalKey(pid(x), x.drug, x.startDate),
    (s, x) => s.last_dose_change !== x.lastDoseChange || s.stopped_on !== x.stoppedOn,
    batches,
    (b) => tx.execute(sql`
      INSERT INTO prescriptions (patient_id, drug, start_date, last_dose_change, stopped_on)
      SELECT u.patient_id, u.drug, u.start_date::date, u.ldc::date, u.stopped::date
      FROM unnest(${p(b.map(pid))}::uuid[], ${p(b.map((x) => x.drug))}::text[], ${p(b.map((x) => x.startDate))}::text[],
                  ${p(b.map((x) => x.lastDoseChange))}::text[], ${p(b.map((x) => x.stoppedOn))}::text[]) AS u(patient_id, drug, start_date, ldc, stopped)`),
    (b) => tx.execute(sql`
      UPDATE prescriptions AS t SET last_dose_change = u.ldc::date, stopped_on = u.stopped::date, updated_at = now()
      FROM unnest(${p(b.map((x) => x.id))}::uuid[], ${p(b.map((x) => x.lastDoseChange))}::text[], ${p(b.map((x) => x.stoppedOn))}::text[]) AS u(id, ldc, stopped)
      WHERE t.id = u.id`));

  // Responsibilities by (patient, drug, test).
  const storedResp = new Map(rowsOf<{ id: string; patient_id: string; drug: string; test: string; org_type: string; org_name: string | null; staff: string | null }>(
    await tx.execute(sql`SELECT id::text AS id, patient_id::text AS patient_id, drug, test, org_type, org_name, staff
      FROM responsibilities WHERE patient_id = ANY(${ids}::uuid[])`)).map((s) => [naturalKey(s.patient_id, s.drug, s.test), s]));
  const responsibilities = await upsert(plan.responsibilities.values(), storedResp, (x) => naturalKey(pid(x), x.drug, x.test),
    (s, x) => s.org_type !== x.orgType || s.org_name !== x.orgName || s.staff !== x.staff,
    batches,
    (b) => tx.execute(sql`
      INSERT INTO responsibilities (patient_id, drug, test, org_type, org_name, staff)
      SELECT * FROM unnest(${p(b.map(pid))}::uuid[], ${p(b.map((x) => x.drug))}::text[], ${p(b.map((x) => x.test))}::text[],
                           ${p(b.map((x) => x.orgType))}::text[], ${p(b.map((x) => x.orgName))}::text[], ${p(b.map((x) => x.staff))}::text[])`),
    (b) => tx.execute(sql`
      UPDATE responsibilities AS t SET org_type = u.org_type, org_name = u.org_name, staff = u.staff, updated_at = now()
      FROM unnest(${p(b.map((x) => x.id))}::uuid[], ${p(b.map((x) => x.orgType))}::text[], ${p(b.map((x) => x.orgName))}::text[],
                  ${p(b.map((x) => x.staff))}::text[]) AS u(id, org_type, org_name, staff)
      WHERE t.id = u.id`));

  // A filled-in responsibility cell is the whole truth for that patient and drug: assignments it no
  // longer names are removed, or a reassigned test would still show its old holder. A blank cell
  // states nothing and leaves what is stored.
  // With nothing stored nothing is stale: a first import does not build two sets of every planned row.
  const stale = storedResp.size === 0 ? [] : staleResponsibilities([...plan.responsibilities.values()], storedResp.values(), pid);
  if (stale.length > 0) {
    await batches(stale, (b) => tx.execute(sql`DELETE FROM responsibilities WHERE id = ANY(${p(b.map((s) => s.id))}::uuid[])`));
  }

  return { teamsCreated: createdTeams.length, patients, prescriptions, responsibilities: { ...responsibilities, removed: stale.length } };
}

/** Stored assignments of a patient and drug whose filled-in cell no longer names their test. */
function staleResponsibilities<S extends { patient_id: string; drug: string; test: string }>(planned: ResponsibilityPlan[], stored: Iterable<S>,
  pid: (x: { ref: string }) => string): S[] {
  const stated = new Set(planned.map((x) => naturalKey(pid(x), x.drug)));
  const wanted = new Set(planned.map((x) => naturalKey(pid(x), x.drug, x.test)));
  return [...stored].filter((s) => stated.has(naturalKey(s.patient_id, s.drug)) && !wanted.has(naturalKey(s.patient_id, s.drug, s.test)));
}
