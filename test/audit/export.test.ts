/**
 * Exporting the audit trail for an inspection: filters by UK calendar day and patient, RFC 4180
 * CSV and a JSON array (both streamed in batches), hashes an inspector can re-check, and the
 * `closedloop audit export` command with its usage errors.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { appendAudit } from '../../src/audit/append.js';
import { canonicalContent, chainHash } from '../../src/audit/chain.js';
import { exportAudit, type AuditExportFilter, type AuditExportFormat } from '../../src/audit/export.js';
import { describeEachEngine } from '../support/databases.js';
import { runAuditCli, staffActor, systemActor } from './helpers.js';

const HEADER = 'seq,at,actor_id,actor_name,identity,via,channel,verb,entity_type,entity_id,patient_ref,before,after,reason,correlation_id,prev_hash,hash';
const AWKWARD_REASON = 'Patient said "no", then, later\nagreed to a blood test';

/** A strict RFC 4180 reader, so the test does not trust the writer's own idea of quoting. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (c === '"') quoted = false; else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; } else if (c === '\n') { row.push(field); rows.push(row); row = []; field = ''; } else field += c;
  }
  expect(field).toBe(''); // every record ends with a newline
  return rows;
}

type ExportRow = Record<string, unknown>;

describeEachEngine('audit export', (getDb, engine) => {
  const collect = async (filter: AuditExportFilter, format: AuditExportFormat, batchSize?: number) => {
    const chunks: string[] = [];
    const { rows } = await exportAudit(getDb(), filter, format, (chunk) => { chunks.push(chunk); }, { batchSize });
    return { rows, text: chunks.join(''), chunks };
  };
  const seqsOf = (json: string) => (JSON.parse(json) as ExportRow[]).map((r) => r.entity_id);
  let dir: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'closedloop-audit-'));
    const db = getDb();
    const record = (n: number, patientRef: string, reason: string | null = null) => ({
      verb: 'action.closed', entityType: 'action', entityId: `A-${n}`, patientRef,
      before: { status: 'claimed' }, after: { status: 'closed', value: 1.5, note: 'naïve, "quoted"' }, reason,
    });
    // British Summer Time: London's 1 July runs from 2026-06-30T23:00Z to 2026-07-01T23:00Z.
    await appendAudit(db, systemActor(), record(1, 'P-EXP-1'), new Date('2026-06-30T22:59:59.999Z'));
    await appendAudit(db, staffActor('Ana Pharmacist'), record(2, 'P-EXP-2', AWKWARD_REASON), new Date('2026-06-30T23:00:00.000Z'));
    await appendAudit(db, staffActor('Ben GP'), record(3, 'P-EXP-1'), new Date('2026-07-01T22:59:59.999Z'));
    await appendAudit(db, systemActor(), record(4, 'P-EXP-1'), new Date('2026-07-01T23:00:00.000Z'));
    // Winter (GMT): 23:30Z on 31 December is still 31 December in London.
    await appendAudit(db, systemActor(), record(5, 'P-EXP-3'), new Date('2026-12-31T23:30:00.000Z'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('filters by inclusive UK calendar days and by patient', async () => {
    expect(seqsOf((await collect({ from: '2026-07-01', to: '2026-07-01' }, 'json')).text)).toEqual(['A-2', 'A-3']);
    expect(seqsOf((await collect({ to: '2026-06-30' }, 'json')).text)).toEqual(['A-1']);
    expect(seqsOf((await collect({ from: '2026-07-02' }, 'json')).text)).toEqual(['A-4', 'A-5']);
    expect(seqsOf((await collect({ from: '2026-12-31', to: '2026-12-31' }, 'json')).text)).toEqual(['A-5']);
    expect(seqsOf((await collect({ patientRef: 'P-EXP-1' }, 'json')).text)).toEqual(['A-1', 'A-3', 'A-4']);
    expect(seqsOf((await collect({ patientRef: 'P-EXP-1', from: '2026-07-01', to: '2026-07-01' }, 'json')).text)).toEqual(['A-3']);
  });

  it('writes CSV with a header and RFC 4180 quoting, JSON columns as compact JSON', async () => {
    const { rows, text } = await collect({ patientRef: 'P-EXP-2' }, 'csv');
    expect(rows).toBe(1);
    expect(text.startsWith(`${HEADER}\n`)).toBe(true);
    expect(text).toContain(`"${AWKWARD_REASON.replace(/"/g, '""')}"`);
    const [header, row, ...rest] = parseCsv(text);
    expect(header?.join(',')).toBe(HEADER);
    expect(rest).toEqual([]);
    const record = Object.fromEntries(header!.map((h, i) => [h, row![i]]));
    expect(record).toMatchObject({
      at: '2026-06-30T23:00:00.000Z', actor_name: 'Ana Pharmacist', via: 'slack', channel: 'C0MHT', verb: 'action.closed',
      entity_type: 'action', entity_id: 'A-2', patient_ref: 'P-EXP-2', reason: AWKWARD_REASON,
      before: '{"status":"claimed"}', after: '{"note":"naïve, \\"quoted\\"","status":"closed","value":1.5}',
    });
    expect(record.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(record.prev_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('writes JSON as one array that an inspector can re-verify row by row, across batches', async () => {
    const whole = await collect({}, 'json');
    const rows = JSON.parse(whole.text) as ExportRow[];
    expect(Array.isArray(rows)).toBe(true);
    expect(rows).toHaveLength(whole.rows);
    expect(rows.map((r) => r.entity_id)).toEqual(['A-1', 'A-2', 'A-3', 'A-4', 'A-5']);
    for (const [i, r] of rows.entries()) {
      const content = {
        at: r.at, actorId: r.actor_id, actorName: r.actor_name, identity: r.identity, via: r.via, channel: r.channel, verb: r.verb,
        entityType: r.entity_type, entityId: r.entity_id, patientRef: r.patient_ref, before: r.before, after: r.after,
        reason: r.reason, correlationId: r.correlation_id,
      } as Parameters<typeof canonicalContent>[0];
      expect(chainHash(r.prev_hash as string, r.seq as number, canonicalContent(content))).toBe(r.hash);
      if (i > 0) expect(r.prev_hash).toBe(rows[i - 1]!.hash);
    }
    for (const batchSize of [1, 2, 3]) {
      const batched = await collect({}, 'json', batchSize);
      expect(batched.text).toBe(whole.text);
      expect(batched.chunks.length).toBeGreaterThan(2);
    }
    expect((await collect({}, 'csv', 2)).text).toBe((await collect({}, 'csv')).text);
  });

  it('with no matching rows, writes a header-only CSV and an empty JSON array', async () => {
    expect(await collect({ patientRef: 'P-NOBODY' }, 'csv')).toMatchObject({ rows: 0, text: `${HEADER}\n` });
    const json = await collect({ from: '2030-01-01' }, 'json');
    expect(json).toMatchObject({ rows: 0, text: '[]\n' });
    expect(JSON.parse(json.text)).toEqual([]);
  });

  it('audit export prints CSV by default and JSON on request', async () => {
    const csv = await runAuditCli(getDb(), engine, 'audit', 'export', '--patient', 'P-EXP-1');
    expect(csv.code).toBe(0);
    const lines = parseCsv(`${csv.out}\n`);
    expect(lines[0]?.join(',')).toBe(HEADER);
    expect(lines.slice(1).map((l) => l[9])).toEqual(['A-1', 'A-3', 'A-4']);
    const json = await runAuditCli(getDb(), engine, 'audit', 'export', '--from', '2026-07-01', '--to', '2026-07-01', '--format', 'json');
    expect(json.code).toBe(0);
    expect(seqsOf(json.out)).toEqual(['A-2', 'A-3']);
  });

  it('audit export --out writes the file and reports the row count', async () => {
    const file = path.join(dir, 'audit.json');
    const run = await runAuditCli(getDb(), engine, 'audit', 'export', '--patient', 'P-EXP-1', '--format', 'json', '--out', file);
    expect(run).toMatchObject({ code: 0, out: `Exported 3 audit events (for patient P-EXP-1) to ${file} as JSON.` });
    expect(seqsOf(fs.readFileSync(file, 'utf8'))).toEqual(['A-1', 'A-3', 'A-4']);
    expect(fs.existsSync(`${file}.partial`)).toBe(false);
    const missing = await runAuditCli(getDb(), engine, 'audit', 'export', '--out', path.join(dir, 'no-such-dir', 'a.csv'));
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/Cannot write .*a\.csv: ENOENT\. Check the folder exists/);
  });

  it.each([
    [['audit', 'export', '--from', '2026-02-30'], /--from: use a real date written YYYY-MM-DD/],
    [['audit', 'export', '--to', '01/07/2026'], /--to: use a real date written YYYY-MM-DD/],
    [['audit', 'export', '--format', 'xml'], /--format: use csv or json/],
    [['audit', 'export', '--from', '2026-07-02', '--to', '2026-07-01'], /--to: must be on or after --from/],
    [['audit', 'verify', '--format', 'json'], /"audit verify" takes only --anchor FILE \(got --format\)/],
    [['audit', 'anchor', '--out', 'a.json'], /"audit anchor" takes no options \(got --out\)/],
    [['audit', 'export', '--anchor', 'a.json'], /--anchor is for "audit verify"/],
    [['audit', 'shred'], /Usage: closedloop audit verify \[--anchor FILE\] \| anchor \| export/],
    [['audit'], /Usage: closedloop audit verify \[--anchor FILE\] \| anchor \| export/],
  ])('%j is a usage error (exit 2) with a hint', async (argv, message) => {
    const run = await runAuditCli(getDb(), engine, ...argv);
    expect(run.code).toBe(2);
    expect(run.err).toMatch(message);
    expect(run.err).toMatch(/Usage: closedloop audit/);
  });
});
