/** Plain renderers for CLI output: aligned tables for people, CSV and JSON for programs. */
import { escapeForTerminal } from '../domain/text-safety.js';
import { csvDocument } from '../output/csv.js';

export type Cell = string | number | null | undefined;

/**
 * An aligned table for a terminal. Cells are escaped (src/domain/text-safety.ts) before widths are
 * measured: they hold stored text (names, refs, errors) that must not act on the terminal, and an
 * escape shown as "[U+001B]" takes the columns it is measured at.
 */
export function renderTable(headers: string[], rows: Cell[][]): string {
  const text = rows.map((row) => row.map((c) => escapeForTerminal(c === null || c === undefined ? '' : String(c))));
  const widths = headers.map((h, i) => Math.max(h.length, ...text.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...text.map(line)].join('\n');
}

/** CSV through the product's one writer (formulas neutralised), without the last line break: io.out adds one. */
export function renderCsv(headers: string[], rows: Cell[][]): string {
  return csvDocument(headers, rows).slice(0, -1);
}
