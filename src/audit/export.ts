/**
 * Exports the audit trail for an inspection, streamed in chain order so an export of years of
 * events never sits in memory.
 *
 * Every hashed field is included (actor_id too, which the hash covers), with prev_hash and hash,
 * so an inspector can re-verify the rows independently: for each row,
 *   hash = sha256_hex(prev_hash + "|" + seq + "|" + canonical_json(content))
 * where content is the row's fields in camelCase (at, actorId, actorName, identity, via, channel,
 * verb, entityType, entityId, patientRef, before, after, reason, correlationId) and canonical JSON
 * sorts keys at every depth (src/audit/chain.ts). A filtered export re-verifies row by row; only
 * an unfiltered one also shows that nothing is missing between rows.
 *
 * In the CSV, a text cell that starts with = + - @, a tab or a carriage return is written with a
 * leading apostrophe, so a spreadsheet cannot run it as a formula (src/output/csv.ts); an inspector
 * re-hashing from the CSV drops that one apostrophe first. The JSON export holds the text exactly.
 */
import { sql, type SQL } from 'drizzle-orm';
import { rowsOf } from '../db/client.js';
import type { Queryable } from '../db/database.js';
import type { IsoDate } from '../domain/dates.js';
import { csvRows, type CsvCell } from '../output/csv.js';
import { canonicalJson } from './chain.js';
import { STORED_AUDIT_COLUMNS, storedContent, type StoredAuditRow } from './verify.js';

export interface AuditExportFilter {
  /** First calendar day included, in Europe/London. */
  from?: IsoDate;
  /** Last calendar day included, in Europe/London. */
  to?: IsoDate;
  patientRef?: string;
}

export type AuditExportFormat = 'csv' | 'json';

export const AUDIT_EXPORT_COLUMNS = [
  'seq', 'at', 'actor_id', 'actor_name', 'identity', 'via', 'channel', 'verb', 'entity_type', 'entity_id', 'patient_ref',
  'before', 'after', 'reason', 'correlation_id', 'prev_hash', 'hash',
] as const;

type ExportRecord = Record<(typeof AUDIT_EXPORT_COLUMNS)[number], unknown>;

/** Events are stamped in UTC; the register's days are UK days, so a day starts at London midnight. */
const ZONE = 'Europe/London';

function filterSql(filter: AuditExportFilter): SQL[] {
  const conditions: SQL[] = [];
  if (filter.from !== undefined) conditions.push(sql`at >= (${filter.from}::date::timestamp AT TIME ZONE ${ZONE})`);
  if (filter.to !== undefined) conditions.push(sql`at < ((${filter.to}::date + 1)::timestamp AT TIME ZONE ${ZONE})`);
  if (filter.patientRef !== undefined) conditions.push(sql`patient_ref = ${filter.patientRef}`);
  return conditions;
}

function recordOf(row: StoredAuditRow): ExportRecord {
  const content = storedContent(row);
  return {
    seq: Number(row.seq), at: content.at, actor_id: content.actorId, actor_name: content.actorName,
    identity: content.identity, via: content.via, channel: content.channel, verb: content.verb,
    entity_type: content.entityType, entity_id: content.entityId, patient_ref: content.patientRef,
    before: content.before, after: content.after, reason: content.reason, correlation_id: content.correlationId,
    prev_hash: row.prev_hash, hash: row.hash,
  };
}

/** One row's cells: the JSON columns as canonical JSON, the rest as text (seq as a number). */
function csvCells(record: ExportRecord): CsvCell[] {
  return AUDIT_EXPORT_COLUMNS.map((column) => {
    const value = record[column];
    if (value === null || value === undefined) return null;
    if (column === 'before' || column === 'after') return canonicalJson(value);
    return typeof value === 'number' ? value : String(value);
  });
}

/** Writes rows as they arrive; every chunk ends with a newline, so a line-based sink can take it as is. */
interface ExportWriter {
  start(): string;
  rows(records: ExportRecord[]): string;
  end(): string;
}

/** Through the product's one CSV writer: RFC 4180 quoting, and formulas neutralised (see src/output/csv.ts). */
function csvWriter(): ExportWriter {
  return {
    start: () => csvRows([AUDIT_EXPORT_COLUMNS]),
    rows: (records) => csvRows(records.map(csvCells)),
    end: () => '',
  };
}

/**
 * JSON.stringify escapes C0 control characters but writes DEL, C1 controls and bidirectional
 * overrides as they are; escaping them too keeps the export safe to print to a terminal, and is
 * the same JSON to any reader (the strings, and so the hashes, are unchanged).
 */
const JSON_UNSAFE = /[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
function safeJson(value: unknown): string {
  return JSON.stringify(value).replace(JSON_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * A JSON array with one event per line. The comma after a row is only known once the next row
 * arrives, so the last row of each batch is held back until then; no rows at all gives "[]".
 */
function jsonWriter(): ExportWriter {
  let held: string | undefined;
  return {
    start: () => '',
    rows(records) {
      let out = '';
      for (const record of records) {
        out += held === undefined ? '[\n' : `${held},\n`;
        held = safeJson(record);
      }
      return out;
    },
    end: () => (held === undefined ? '[]\n' : `${held}\n]\n`),
  };
}

export async function exportAudit(
  db: Queryable,
  filter: AuditExportFilter,
  format: AuditExportFormat,
  write: (chunk: string) => void | Promise<void>,
  options: { batchSize?: number } = {},
): Promise<{ rows: number }> {
  const batchSize = options.batchSize ?? 5_000;
  const writer = format === 'csv' ? csvWriter() : jsonWriter();
  const conditions = filterSql(filter);
  let rows = 0;
  let afterSeq = 0;
  const head = writer.start();
  if (head !== '') await write(head);
  for (;;) {
    const where = sql.join([sql`seq > ${afterSeq}`, ...conditions], sql` AND `);
    const batch = rowsOf<StoredAuditRow>(await db.execute(
      sql`SELECT ${STORED_AUDIT_COLUMNS} FROM audit_events WHERE ${where} ORDER BY seq LIMIT ${batchSize}`));
    if (batch.length === 0) break;
    const chunk = writer.rows(batch.map(recordOf));
    if (chunk !== '') await write(chunk);
    rows += batch.length;
    afterSeq = Number(batch[batch.length - 1]!.seq);
    if (batch.length < batchSize) break;
  }
  const tail = writer.end();
  if (tail !== '') await write(tail);
  return { rows };
}
