/**
 * What an import reports back. Problems are values, not exceptions: a file with thirty bad rows
 * must come back with thirty problems (line, column, what is wrong), so whoever fixes the export
 * can fix it in one go instead of re-running the import once per error.
 */
import { z } from 'zod';
import { isIsoDate } from '../domain/dates.js';
import { PATIENT_REF_MAX_LENGTH, patientRefProblem } from '../domain/patient-ref.js';

export interface ImportProblem {
  /** File line (header = line 1); 0 for a problem with the file as a whole. */
  line: number;
  /** Header name of the offending column, or null when the problem is the whole row or file. */
  column: string | null;
  message: string;
}

export type ImportErrorCode = 'IMPORT.INVALID_ROWS' | 'IMPORT.BAD_HEADER' | 'IMPORT.EMPTY' | 'IMPORT.NOT_FOUND';

/** Inserted / updated / unchanged counts for one kind of register row. */
export interface UpsertCounts {
  inserted: number;
  updated: number;
  unchanged: number;
}

export interface RegisterImportSummary {
  kind: 'register';
  /** Data rows read (blank lines excluded). */
  rows: number;
  teamsCreated: number;
  patients: UpsertCounts;
  prescriptions: UpsertCounts;
  /** `removed`: assignments a filled-in cell no longer names (the cell replaces the drug's set). */
  responsibilities: UpsertCounts & { removed: number };
}

export interface EventsImportSummary {
  kind: 'events';
  /** Data rows read (blank lines excluded). */
  rows: number;
  inserted: number;
  /** Rows identical to an event already stored (or to an earlier row of the same file). */
  alreadyPresent: number;
}

export type ImportSummary = RegisterImportSummary | EventsImportSummary;

export type ImportFailure = { ok: false; code: ImportErrorCode; message: string; problems: ImportProblem[] };
export type ImportResult<S extends ImportSummary = ImportSummary> = { ok: true; summary: S } | ImportFailure;

/**
 * Progress for long imports: rows done so far, the total once known (it is known only after the
 * validating pass has read the whole file), and which pass is running.
 */
export type ImportProgress = (done: number, total?: number, phase?: 'validating' | 'writing') => void;

/**
 * Problems kept per import. Every bad row is reported up to this many; past it (a file whose
 * every row has the wrong date format, say) the rest are counted, not listed, so a
 * 2M-row mistake cannot exhaust memory or bury the first useful lines of the report.
 */
export const DEFAULT_MAX_PROBLEMS = 100_000;

/** Collects problems, counting (not storing) those past the cap. */
export class ProblemList {
  readonly problems: ImportProblem[] = [];
  private readonly badLines = new Set<number>();
  private overflowLines = 0;
  private lastOverflowLine = -1;
  /** Every problem added, listed or not. */
  total = 0;

  constructor(private readonly max: number = DEFAULT_MAX_PROBLEMS) {}

  add(line: number, column: string | null, message: string): void {
    this.total += 1;
    if (this.problems.length < this.max) {
      this.problems.push({ line, column, message });
      this.badLines.add(line);
    } else if (line !== this.lastOverflowLine && !this.badLines.has(line)) {
      this.overflowLines += 1;
      this.lastOverflowLine = line;
    }
  }

  /** Number of distinct rows with at least one problem. */
  get badRowCount(): number {
    return this.badLines.size + this.overflowLines;
  }

  /** The problems in file order, with a closing note when some were counted but not listed. */
  finish(): ImportProblem[] {
    const sorted = [...this.problems].sort((a, b) => a.line - b.line);
    if (this.overflowLines > 0) {
      sorted.push({ line: 0, column: null, message: `${this.overflowLines} further row(s) also have problems; only the first ${this.max} problems are listed` });
    }
    return sorted;
  }
}

export function failure(code: ImportErrorCode, message: string, problems: ImportProblem[] = []): ImportFailure {
  return { ok: false, code, message, problems };
}

/** `events.csv line 14, column value: "abc" is not a number` */
export function formatProblem(problem: ImportProblem, fileLabel: string): string {
  if (problem.line <= 0) return `${fileLabel}: ${problem.message}`;
  const where = problem.column === null ? `line ${problem.line}` : `line ${problem.line}, column ${problem.column}`;
  return `${fileLabel} ${where}: ${problem.message}`;
}

export function formatProblems(problems: readonly ImportProblem[], fileLabel: string): string[] {
  return problems.map((p) => formatProblem(p, fileLabel));
}

/** What to do next after a refused import, for what went wrong: only a file with bad rows has "rows above". */
const NEXT_STEP: Record<ImportErrorCode, string> = {
  'IMPORT.NOT_FOUND': 'Check the file name and that you may read the file, then run the import again.',
  'IMPORT.EMPTY': 'Check it is the file you meant to import: it needs the header row and at least one data row (docs/import-formats.md).',
  'IMPORT.BAD_HEADER': 'Correct the header row (docs/import-formats.md lists the columns) and run the import again.',
  'IMPORT.INVALID_ROWS': 'Correct the rows above and run the import again.',
};

function nextStep(result: ImportFailure): string {
  return result.code === 'IMPORT.INVALID_ROWS' && result.problems.length === 0 ? 'Run the import again.' : NEXT_STEP[result.code];
}

/** The whole report of a refused import, line by line: the summary, each problem, and what to do next. */
export function failureReport(result: ImportFailure, fileLabel: string): string[] {
  return [result.message, ...formatProblems(result.problems, fileLabel), `Nothing was imported. ${nextStep(result)}`];
}

/**
 * The report of an import of several files together that was refused: each refused file's
 * summary and problems, the files not checked, then one closing line for all of them.
 */
export function filesFailureReport(failures: readonly { file: string; failure: ImportFailure }[], unchecked: readonly string[], files: readonly string[]): string[] {
  const lines = failures.flatMap(({ file, failure: f }) => [f.message, ...formatProblems(f.problems, file)]);
  for (const file of unchecked) lines.push(`${file} was not checked: its rows name the register's patients, so it is checked once the register can be read.`);
  const next = [...new Set(failures.map(({ failure: f }) => nextStep(f)))].join(' ');
  return [...lines, `Nothing was imported from ${files.join(' or ')}. ${next}`];
}

/**
 * Quotes a value from the file for a message, shortened so one huge cell cannot flood the report.
 * Reports are printed to a terminal: JSON escapes C0 control characters, and DEL, C1 controls and
 * bidirectional overrides are escaped the same way (\u202e), so a cell cannot act on the screen.
 */
export function quote(value: string): string {
  const shown = value.length > 60 ? `${value.slice(0, 57)}...` : value;
  return JSON.stringify(shown).replace(/[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Why a patient_ref cell is not a reference (the one definition, src/domain/patient-ref.ts), or null. */
export function patientRefCellProblem(value: string): string | null {
  const problem = patientRefProblem(value);
  // The value is quoted when it helps find it; a blank or an over-long one is described instead.
  return problem === null || value === '' || value.length > PATIENT_REF_MAX_LENGTH ? problem : `${quote(value)} ${problem}`;
}

/**
 * Options every import takes. Invalid options are a programming error (the CLI computes `today`),
 * so they throw; only problems with the file are returned as values.
 */
const importOptionsSchema = z.object({
  today: z.string().refine(isIsoDate, 'today must be a real date in YYYY-MM-DD form'),
  // Large batches amortise what each statement costs regardless of its size: a round trip, and the
  // per-statement trigger that folds inserted events into patient_state (measured on 2M
  // events: 5k rows per batch 18k/s, 20k rows 25k/s).
  batchSize: z.number().int().min(1).max(100_000).default(20_000),
  maxProblems: z.number().int().min(1).default(DEFAULT_MAX_PROBLEMS),
});
export type ImportOptions = z.output<typeof importOptionsSchema>;

export function parseImportOptions(options: z.input<typeof importOptionsSchema>): ImportOptions {
  const parsed = importOptionsSchema.safeParse(options);
  if (!parsed.success) throw new TypeError(`import options: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}
