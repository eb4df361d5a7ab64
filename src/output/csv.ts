/**
 * The one CSV writer for everything the product writes as CSV (`due --format csv`, `audit export`),
 * built on csv-stringify so quoting follows RFC 4180 in one well-tested place.
 *
 * Formula injection: a spreadsheet runs a cell that starts with = + - @ (or a tab or carriage return
 * before one) as a formula, so a patient ref, staff name or note could make the reader's spreadsheet
 * call out or run a command. Every such text cell is written with a leading apostrophe ('), which a
 * spreadsheet shows as text; so is the full-width form of those characters, which some spreadsheets
 * normalise. That includes legitimate text starting with "-"; a cell written as a number (a count)
 * is not prefixed, because a number cannot carry a formula. Whoever reads the file with a program
 * must drop that one leading apostrophe from such cells (docs/commands.md says so for the audit
 * export, whose hashes cover the stored text).
 */
import { stringify } from 'csv-stringify/sync';

export type CsvCell = string | number | null | undefined;

const OPTIONS = {
  escape_formulas: true,
  record_delimiter: '\n',
  // csv-stringify quotes a field with a line feed but not one with a lone carriage return, which
  // spreadsheets also read as a line break.
  quoted_match: /\r/,
} as const;

/** The rows as CSV, each ending with a line break; no rows gives "". */
export function csvRows(rows: readonly (readonly CsvCell[])[]): string {
  if (rows.length === 0) return '';
  return stringify(rows.map((row) => row.map((cell) => cell ?? '')), OPTIONS);
}

/** A header line and the rows, each line ending with a line break. */
export function csvDocument(headers: readonly string[], rows: readonly (readonly CsvCell[])[]): string {
  return csvRows([headers, ...rows]);
}
