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
 */
import { sql, type SQL } from 'drizzle-orm';
import { rowsOf } from '../db/client.js';
import type { Queryable } from '../db/database.js';
import type { IsoDate } from '../domain/dates.js';
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

/** RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled. */
function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

function csvLine(record: ExportRecord): string {
  return AUDIT_EXPORT_COLUMNS.map((column) => {
    const value = record[column];
    if (value === null || value === undefined) return '';
    if (column === 'before' || column === 'after') return csvField(canonicalJson(value));
    return csvField(String(value));
  }).join(',');
}

/** Writes rows as they arrive; every chunk ends with a newline, so a line-based sink can take it as is. */
interface ExportWriter {
  start(): string;
  rows(records: ExportRecord[]): string;
  end(): string;
}

function csvWriter(): ExportWriter {
  return {
    start: () => `${AUDIT_EXPORT_COLUMNS.join(',')}\n`,
    rows: (records) => records.map((r) => `${csvLine(r)}\n`).join(''),
    end: () => '',
  };
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
        held = JSON.stringify(record);
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
