/**
 * RFC 4180 CSV reading, streamed so that a two-million-row events file never sits in memory.
 *
 * What real register exports throw at us, and what we do:
 * - UTF-8 byte-order mark (Excel "CSV UTF-8"): dropped.
 * - CRLF or LF line ends, mixed within one file: both end a record.
 * - Quoted fields holding commas, doubled quotes and line breaks: unquoted per the RFC; a line
 *   break inside a quoted field is returned as "\n" whatever the file used.
 * - Blank lines (typically trailing): skipped, but still counted so line numbers match an editor.
 * - A stray quote inside an unquoted field (`O"Brien`): kept literally, as spreadsheets do.
 * - Text after a closing quote (`"ab"c`) or a quote never closed: reported on the record as
 *   `error`, because guessing would silently shift columns. An unclosed quote swallows the rest
 *   of the file, so it ends the parse.
 *
 * `line` is the file line a record starts on (header = line 1), which is what error reports cite.
 */
import fs from 'node:fs';
import { z } from 'zod';
import { describeUnsafeChar, findUnsafeChar } from '../domain/text-safety.js';
import { failure, type ImportFailure, type ImportProblem } from './problems.js';

export interface CsvRecord {
  /** 1-based file line on which the record starts. */
  line: number;
  fields: string[];
  /** Set when the record is malformed; `fields` is then best effort and must not be imported. */
  error?: string;
}

/**
 * A quoted field still open after this many characters is taken to be a stray quote: without a
 * limit one unbalanced quote near the top of a 2M-row file would make us buffer (and re-scan)
 * the whole rest of the file.
 */
const MAX_RECORD_CHARS = 1 << 20;

/** Incremental parser: feed text with `push`, then `finish`; each returns the completed records. */
export class CsvParser {
  private buf = '';
  private pos = 0;
  private line = 1;
  private first = true;
  private done = false;
  /** Index of the next `"` at or after `pos`, or -1 for "none in buf"; recomputed when stale. */
  private nextQuote = -2;

  push(text: string): CsvRecord[] {
    if (this.done) return [];
    if (this.first && text !== '') {
      this.first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    this.buf = this.pos < this.buf.length ? this.buf.slice(this.pos) + text : text;
    this.pos = 0;
    this.nextQuote = -2;
    return this.scan(false);
  }

  finish(): CsvRecord[] {
    if (this.done) return [];
    const out = this.scan(true);
    this.done = true;
    this.buf = '';
    this.pos = 0;
    return out;
  }

  private scan(final: boolean): CsvRecord[] {
    const out: CsvRecord[] = [];
    const buf = this.buf;
    while (this.pos < buf.length && !this.done) {
      const nl = buf.indexOf('\n', this.pos);
      if (nl === -1 && !final) break;
      const end = nl === -1 ? buf.length : nl;
      if (this.nextQuote !== -1 && this.nextQuote < this.pos) this.nextQuote = buf.indexOf('"', this.pos);
      if (this.nextQuote === -1 || this.nextQuote >= end) {
        // Fast path: no quote on this line, so it is one record split on commas.
        const text = buf.charCodeAt(end - 1) === 13 && end > this.pos ? buf.slice(this.pos, end - 1) : buf.slice(this.pos, end);
        const line = this.line;
        this.line += 1;
        this.pos = end + 1;
        if (text !== '') out.push({ line, fields: text.split(',') });
        continue;
      }
      const record = this.parseQuoted(final);
      if (record === null) break;
      out.push(record);
    }
    return out;
  }

  /** Parses one record that contains a quote; null when it runs past the buffered text. */
  private parseQuoted(final: boolean): CsvRecord | null {
    const buf = this.buf;
    const start = this.pos;
    const fields: string[] = [];
    let error: string | undefined;
    let i = start;
    for (;;) {
      let field = '';
      if (buf.charCodeAt(i) === 34) {
        i += 1;
        for (;;) {
          const q = buf.indexOf('"', i);
          if (q === -1 || (q === buf.length - 1 && !final)) {
            if (!final && buf.length - start <= MAX_RECORD_CHARS) return null;
            return this.unclosed();
          }
          field += buf.slice(i, q);
          if (buf.charCodeAt(q + 1) === 34) {
            field += '"';
            i = q + 2;
            continue;
          }
          i = q + 1;
          break;
        }
        field = field.replace(/\r\n/g, '\n');
        // After the closing quote only a delimiter may follow; keep what follows so nothing is lost.
        const stop = delimiterAt(buf, i);
        if (stop === -1 && !final) return null;
        const tailEnd = stop === -1 ? buf.length : stop;
        const tail = stripCr(buf.slice(i, tailEnd), stop !== -1 && buf.charCodeAt(stop) === 10);
        if (tail !== '') {
          error ??= `text after a closing quote in field ${fields.length + 1}; a quoted field must be quoted as a whole`;
          field += tail;
        }
        i = tailEnd;
      } else {
        const stop = delimiterAt(buf, i);
        if (stop === -1 && !final) return null;
        const end = stop === -1 ? buf.length : stop;
        field = stripCr(buf.slice(i, end), stop !== -1 && buf.charCodeAt(stop) === 10);
        i = end;
      }
      fields.push(field);
      if (i < buf.length && buf.charCodeAt(i) === 44) {
        i += 1;
        continue;
      }
      break; // at "\n" or the end of the input
    }
    const line = this.line;
    this.line += countNewlines(buf, start, i) + (i < buf.length ? 1 : 0);
    this.pos = i < buf.length ? i + 1 : i;
    this.nextQuote = -2;
    return error === undefined ? { line, fields } : { line, fields, error };
  }

  private unclosed(): CsvRecord {
    this.done = true;
    return { line: this.line, fields: [], error: `a quoted field starting on line ${this.line} is never closed (check for a stray double quote); reading stopped here` };
  }
}

/** Index of the next `,` or `\n` at or after `from`, or -1. */
function delimiterAt(buf: string, from: number): number {
  const comma = buf.indexOf(',', from);
  const nl = buf.indexOf('\n', from);
  if (comma === -1) return nl;
  if (nl === -1) return comma;
  return comma < nl ? comma : nl;
}

function stripCr(text: string, beforeNewline: boolean): string {
  return beforeNewline && text.charCodeAt(text.length - 1) === 13 ? text.slice(0, -1) : text;
}

function countNewlines(buf: string, from: number, to: number): number {
  let n = 0;
  for (let i = buf.indexOf('\n', from); i !== -1 && i < to; i = buf.indexOf('\n', i + 1)) n += 1;
  return n;
}

const NOT_UTF8 = 'contains characters that are not UTF-8; save the file as "CSV UTF-8"';

/** Parses a whole CSV text (tests and small inputs). */
export function parseCsv(text: string): CsvRecord[] {
  const parser = new CsvParser();
  return [...parser.push(text), ...parser.finish()];
}

/**
 * Streams the records of a UTF-8 CSV file. Records are yielded in arrays per chunk read, which
 * keeps the per-record cost of async iteration off the 2M-row path; `readCsvRecords` flattens them.
 */
export async function* readCsvChunks(path: string): AsyncGenerator<CsvRecord[]> {
  const parser = new CsvParser();
  // 'utf8' decoding goes through a StringDecoder, so a character split across chunks is kept whole.
  const stream = fs.createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 });
  // Bytes that are not UTF-8 decode to U+FFFD. Excel's plain "CSV" on Windows writes Windows-1252,
  // so "£" or "é" would be stored garbled: flag those records instead. Checked only once one is seen.
  let suspect = false;
  const mark = (records: CsvRecord[]) => {
    if (suspect) for (const r of records) if (r.error === undefined && r.fields.some((f) => f.includes('\uFFFD'))) r.error = NOT_UTF8;
    return records;
  };
  try {
    for await (const chunk of stream) {
      suspect ||= (chunk as string).includes('\uFFFD');
      const records = mark(parser.push(chunk as string));
      if (records.length > 0) yield records;
    }
    const rest = mark(parser.finish());
    if (rest.length > 0) yield rest;
  } finally {
    stream.destroy();
  }
}

export async function* readCsvRecords(path: string): AsyncGenerator<CsvRecord> {
  for await (const records of readCsvChunks(path)) yield* records;
}

// ---------------------------------------------------------------------------------------------
// Files with a header row

export interface HeaderSpec<C extends string> {
  required: readonly C[];
  /** Columns that may be left out of the header entirely (their values are then blank). */
  optional: readonly C[];
}

/** Column name → field index, -1 for an optional column the file leaves out. */
export type ColumnIndex<C extends string> = Record<C, number>;

/** `Patient Ref`, ` patient-ref ` and `PATIENT_REF` all name `patient_ref`. */
export function normaliseColumnName(name: string): string {
  return name.trim().toLowerCase().replace(/[\s-]+/g, '_');
}

/** Zod checks the header as a whole, so every missing, unknown and repeated column is reported at once. */
function headerSchema<C extends string>(spec: HeaderSpec<C>) {
  const known: readonly string[] = [...spec.required, ...spec.optional];
  return z.array(z.string()).transform((names, ctx) => {
    const index = Object.fromEntries(known.map((c) => [c, -1])) as ColumnIndex<C>;
    const normalised = names.map(normaliseColumnName);
    const unknown: string[] = [];
    normalised.forEach((name, i) => {
      if (name === '') ctx.addIssue({ code: 'custom', message: `column ${i + 1} has no name (a trailing comma?)` });
      else if (!known.includes(name)) unknown.push(names[i]!.trim());
      else if (index[name as C] !== -1) ctx.addIssue({ code: 'custom', message: `column ${name} appears more than once` });
      else index[name as C] = i;
    });
    if (unknown.length > 0) ctx.addIssue({ code: 'custom', message: `unexpected column(s): ${unknown.join(', ')}; the columns are ${known.join(', ')}` });
    const missing = spec.required.filter((c) => index[c] === -1);
    if (missing.length > 0) ctx.addIssue({ code: 'custom', message: `missing column(s): ${missing.join(', ')}` });
    return index;
  });
}

export interface OpenedCsv<C extends string> {
  columns: ColumnIndex<C>;
  /** Number of header columns; data rows must have as many fields. */
  width: number;
  /** Data records after the header, in arrays per chunk read; blank rows are left out. */
  rows: AsyncGenerator<CsvRecord[]>;
}

/** Opens a CSV file and checks its header; failures are NOT_FOUND, EMPTY or BAD_HEADER. */
export async function openCsv<C extends string>(path: string, label: string, spec: HeaderSpec<C>): Promise<{ ok: true; csv: OpenedCsv<C> } | ImportFailure> {
  try {
    const stat = await fs.promises.stat(path);
    if (!stat.isFile()) return failure('IMPORT.NOT_FOUND', `${label}: ${path} is not a file`);
    await fs.promises.access(path, fs.constants.R_OK);
  } catch (err) {
    const code = (err as { code?: string }).code;
    return failure('IMPORT.NOT_FOUND', code === 'ENOENT' || code === 'ENOTDIR' ? `${label}: no such file ${path}` : `${label}: ${path} cannot be read (${code ?? 'error'})`);
  }
  const chunks = readCsvChunks(path);
  let first: CsvRecord[] = [];
  for (;;) {
    const next = await chunks.next();
    if (next.done) return failure('IMPORT.EMPTY', `${label} is empty: expected a header row and at least one data row`);
    first = next.value.filter((r) => !isBlank(r));
    if (first.length > 0) break;
  }
  const header = first.shift()!;
  const parsed = header.error === undefined ? headerSchema(spec).safeParse(header.fields) : null;
  if (parsed === null || !parsed.success) {
    await chunks.return(undefined);
    const messages = parsed === null ? [header.error!] : parsed.error.issues.map((i) => i.message);
    const problems: ImportProblem[] = messages.map((message) => ({ line: header.line, column: null, message }));
    return failure('IMPORT.BAD_HEADER', `${label}: the header row is not right`, problems);
  }
  async function* rows(): AsyncGenerator<CsvRecord[]> {
    if (first.length > 0) yield first;
    for await (const chunk of chunks) {
      const kept = chunk.filter((r) => !isBlank(r));
      if (kept.length > 0) yield kept;
    }
  }
  return { ok: true, csv: { columns: parsed.data, width: header.fields.length, rows: rows() } };
}

/** A record of nothing but empty cells (`,,,,` rows that spreadsheets leave at the end). */
function isBlank(record: CsvRecord): boolean {
  return record.error === undefined && record.fields.every((f) => f.trim() === '');
}

/**
 * Why a record cannot be read as a row of `width` columns, or null. Extra cells that are all
 * empty are tolerated (spreadsheets pad rows with trailing commas).
 */
export function recordProblem(record: CsvRecord, width: number): string | null {
  if (record.error !== undefined) return record.error;
  const n = record.fields.length;
  if (n < width) return `the row has ${n} field(s) but the header has ${width} columns`;
  for (let i = width; i < n; i++) {
    if (record.fields[i]!.trim() !== '') return `the row has ${n} fields but the header has ${width} columns (an unquoted comma in a value?)`;
  }
  return null;
}

/**
 * The start of every row check: a malformed record is reported whole (and yields null); otherwise
 * a trimmed cell reader for the row's columns (blank for an optional column the header omits).
 */
export function rowCells<C extends string>(record: CsvRecord, col: ColumnIndex<C>, width: number,
  report: (line: number, column: null, message: string) => void): ((c: C) => string) | null {
  const shape = recordProblem(record, width);
  if (shape !== null) {
    report(record.line, null, shape);
    return null;
  }
  return (c: C) => (col[c] === -1 ? '' : record.fields[col[c]]!.trim());
}


/**
 * A free-text cell, checked for the characters text-safety.ts keeps out of the register: imports
 * refuse rather than strip them, because the file is the source of truth and whoever exported it
 * should correct it there (a stripped character would also make the stored text differ silently
 * from the file). A quoted line break (RFC 4180, e.g. an address typed over two lines) is accepted
 * in a column of prose, `join`, and stored with the break and the spaces around it as one space,
 * because a label is shown on one line; in a name that identifies something (a team) it is refused.
 */
export function freeTextCell(value: string, lineBreaks: 'join' | { oneLine: string }): { value: string } | { problem: string } {
  let text = value;
  if (lineBreaks === 'join') text = text.replace(/[ \t]*[\r\n]+\s*/g, ' ');
  else if (/[\r\n]/.test(text)) return { problem: `contains a line break (a quoted value over two lines); ${lineBreaks.oneLine} must be on one line` };
  const unsafe = findUnsafeChar(text);
  if (unsafe === null) return { value: text };
  if (unsafe.codePoint === 0x09) return { problem: 'contains a tab; use spaces instead' };
  return { problem: `contains ${describeUnsafeChar(unsafe)}; remove it` };
}
