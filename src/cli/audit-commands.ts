/**
 * `closedloop audit verify | export`: re-checking the audit trail's hash chain, and exporting it
 * for an inspection (with the hashes, so the inspector can re-check it too).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { exportAudit, type AuditExportFilter } from '../audit/export.js';
import { verifyAuditChain, type AuditVerification } from '../audit/verify.js';
import { isIsoDate } from '../domain/dates.js';
import { commandInfo } from './command-info.js';
import type { CliContext } from './context.js';
import { progressPrinter } from './progress.js';
import type { CommandSpec } from './registry.js';

const USAGE = commandInfo('audit').usage;

/** Below this many events verification takes a moment, and progress lines would only be noise. */
const PROGRESS_THRESHOLD = 50_000;

const isoDate = z.string().refine(isIsoDate, 'use a real date written YYYY-MM-DD, e.g. 2026-04-01');

const auditOptions = z.object({
  from: isoDate.optional(),
  to: isoDate.optional(),
  patient: z.string().trim().min(1, 'give the patient reference, e.g. --patient P-000123').optional(),
  format: z.enum(['csv', 'json'], 'use csv or json').default('csv'),
  out: z.string().min(1, 'give a file name, e.g. --out audit.csv').optional(),
}).refine((o) => o.from === undefined || o.to === undefined || o.from <= o.to, {
  path: ['to'], message: 'must be on or after --from (both days are included)',
});

type AuditOptions = z.infer<typeof auditOptions>;

function brokenMessage(result: Extract<AuditVerification, { ok: false }>): string {
  const { broken } = result;
  const event = broken.id === 0
    ? 'no longer stored'
    : `id ${broken.id}, ${broken.at}, ${broken.verb}, ${broken.entityType} ${broken.entityId}`;
  return [
    `Audit trail BROKEN at event seq ${broken.seq} (${event}): ${result.problem}. Events before it verified: ${result.checked}.`,
    'Leave the database as it is and tell your information governance lead; ' +
      '"closedloop audit export --out FILE" saves a copy of the trail, with its hashes, for them.',
  ].join('\n');
}

async function verify(ctx: CliContext): Promise<number> {
  const { db } = await ctx.database();
  const progress = progressPrinter(ctx.io, 'audit verify');
  const result = await verifyAuditChain(db, {
    onProgress: (checked, total) => { if (total >= PROGRESS_THRESHOLD) progress(checked, total, 'validating'); },
  });
  if (!result.ok) {
    ctx.io.err(brokenMessage(result));
    return 1;
  }
  ctx.io.out(`Audit trail intact: ${result.checked} events, chain head at seq ${result.headSeq}.`);
  return 0;
}

function describeFilter(filter: AuditExportFilter): string {
  const parts = [
    filter.from && `from ${filter.from}`, filter.to && `to ${filter.to}`, filter.patientRef && `for patient ${filter.patientRef}`,
  ].filter(Boolean);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

async function exportToFile(ctx: CliContext, opts: AuditOptions, filter: AuditExportFilter, out: string): Promise<number> {
  const { db } = await ctx.database();
  // Written aside and renamed at the end, so a failed export never leaves a partial file that
  // looks complete to whoever picks it up.
  const partial = `${out}.partial`;
  let file: fs.FileHandle;
  try {
    file = await fs.open(partial, 'w');
  } catch (err) {
    ctx.io.err(`Cannot write ${out}: ${(err as NodeJS.ErrnoException).code ?? String(err)}. Check the folder exists and you may write to it.`);
    return 1;
  }
  let rows: number;
  try {
    ({ rows } = await exportAudit(db, filter, opts.format, async (chunk) => { await file.write(chunk); }));
    await file.close();
    await fs.rename(partial, out);
  } catch (err) {
    await file.close().catch(() => {});
    await fs.rm(partial, { force: true });
    throw err;
  }
  ctx.io.out(`Exported ${rows} audit event${rows === 1 ? '' : 's'}${describeFilter(filter)} to ${path.resolve(out)} as ${opts.format.toUpperCase()}.`);
  return 0;
}

async function exportCommand(ctx: CliContext, opts: AuditOptions): Promise<number> {
  const filter: AuditExportFilter = { from: opts.from, to: opts.to, patientRef: opts.patient };
  if (opts.out !== undefined) return exportToFile(ctx, opts, filter, opts.out);
  const { db } = await ctx.database();
  // Every chunk ends with a newline and io.out adds one, so drop it to keep the output exact.
  await exportAudit(db, filter, opts.format, (chunk) => { ctx.io.out(chunk.endsWith('\n') ? chunk.slice(0, -1) : chunk); });
  return 0;
}

export const auditCommand: CommandSpec = {
  ...commandInfo('audit'),
  options: { from: { type: 'string' }, to: { type: 'string' }, patient: { type: 'string' }, format: { type: 'string' }, out: { type: 'string' } },
  schema: auditOptions,
  async run(ctx, { positionals, values }) {
    const [sub, ...extra] = positionals;
    const opts = auditOptions.parse(values);
    if (sub === 'verify' && extra.length === 0) {
      const given = Object.keys(values).filter((k) => values[k] !== undefined);
      if (given.length > 0) {
        ctx.io.err(`"audit verify" takes no options (got --${given.join(', --')}); it always checks the whole trail.\nUsage: closedloop ${USAGE}`);
        return 2;
      }
      return verify(ctx);
    }
    if (sub === 'export' && extra.length === 0) return exportCommand(ctx, opts);
    ctx.io.err(`Usage: closedloop ${USAGE}\n"audit verify" checks every event's hash; "audit export" writes the trail (default CSV to the screen).`);
    return 2;
  },
};
