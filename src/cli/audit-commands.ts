/**
 * `closedloop audit verify | anchor | export`: re-checking the audit trail's hash chain (against a
 * signed anchor too, with --anchor), signing its head to keep outside the database, and exporting
 * it for an inspection (with the hashes, so the inspector can re-check it too).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { formatAnchor, readAnchor, signAnchor, type AuditAnchor } from '../audit/anchor.js';
import { exportAudit, type AuditExportFilter } from '../audit/export.js';
import { readChainHead, verifyAuditChain, type AuditVerification } from '../audit/verify.js';
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
  force: z.boolean().default(false),
  anchor: z.string().min(1, 'give the anchor file, e.g. --anchor anchor.json').optional(),
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

const NO_KEY = 'AUDIT_KEY is not set. It is the secret that signs audit anchors: keep it outside the database and ' +
  'the service\'s environment (a password manager or secrets store), and set it only to run "audit anchor" or ' +
  '"audit verify --anchor". Generate one with "openssl rand -hex 32".';

/** The anchor in `file`, authenticated with AUDIT_KEY; prints why not and returns null if it cannot be trusted. */
async function trustedAnchor(ctx: CliContext, file: string): Promise<AuditAnchor | null> {
  const key = ctx.config.auditKey;
  if (!key) {
    ctx.io.err(NO_KEY);
    return null;
  }
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    ctx.io.err(`Cannot read the anchor ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}.`);
    return null;
  }
  const reading = readAnchor(text, key);
  if (!reading.ok) {
    ctx.io.err(`The anchor ${file} cannot be trusted: ${reading.problem}. Nothing was checked against it.\n` +
      'Use an anchor written by "closedloop audit anchor" with this AUDIT_KEY, and keep it where the database\'s users cannot change it.');
    return null;
  }
  return reading.anchor;
}

async function verify(ctx: CliContext, anchorFile: string | undefined): Promise<number> {
  const anchor = anchorFile === undefined ? undefined : await trustedAnchor(ctx, anchorFile);
  if (anchor === null) return 1;
  const { db } = await ctx.database();
  const progress = progressPrinter(ctx.io, 'audit verify', 'events');
  const result = await verifyAuditChain(db, {
    onProgress: (checked, total) => { if (total >= PROGRESS_THRESHOLD) progress(checked, total, 'validating'); },
    anchor,
  });
  if (!result.ok) {
    ctx.io.err(brokenMessage(result));
    return 1;
  }
  ctx.io.out(`Audit trail intact: ${result.checked} events, chain head at seq ${result.headSeq}.` +
    (anchor ? ` It matches the anchor of ${anchor.anchoredAt} at seq ${anchor.seq}.` : ''));
  return 0;
}

/** Signs the current head, once the chain up to it verifies, and prints the anchor to keep. */
async function anchorCommand(ctx: CliContext): Promise<number> {
  const key = ctx.config.auditKey;
  if (!key) {
    ctx.io.err(NO_KEY);
    return 1;
  }
  const { db } = await ctx.database();
  const head = await readChainHead(db);
  // Never sign a head that does not verify: the anchor would vouch for the tampering.
  const result = await verifyAuditChain(db, { anchor: head });
  if (!result.ok) {
    ctx.io.err(`${brokenMessage(result)}\nNo anchor was written.`);
    return 1;
  }
  ctx.io.out(formatAnchor(signAnchor(key, head, ctx.now())));
  ctx.io.err(`Anchored the audit trail at seq ${head.seq}. Keep this anchor outside the database (e.g. with your ` +
    'information governance lead); "closedloop audit verify --anchor FILE" checks the trail against it.');
  return 0;
}

function describeFilter(filter: AuditExportFilter): string {
  const parts = [
    filter.from && `from ${filter.from}`, filter.to && `to ${filter.to}`, filter.patientRef && `for patient ${filter.patientRef}`,
  ].filter(Boolean);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

/** True when `out` exists; an export for an inspection must not silently replace an earlier one. */
async function exists(out: string): Promise<boolean> {
  return fs.stat(out).then(() => true, () => false);
}

const EXISTS = (out: string) => `${out} already exists. Choose another file name, or add --force to replace it.`;

async function exportToFile(ctx: CliContext, opts: AuditOptions, filter: AuditExportFilter, out: string): Promise<number> {
  if (!opts.force && await exists(out)) {
    ctx.io.err(EXISTS(out));
    return 1;
  }
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
    // Checked again: the file may have appeared while the export ran.
    if (!opts.force && await exists(out)) {
      await fs.rm(partial, { force: true });
      ctx.io.err(EXISTS(out));
      return 1;
    }
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
  options: {
    from: { type: 'string' }, to: { type: 'string' }, patient: { type: 'string' }, format: { type: 'string' }, out: { type: 'string' },
    anchor: { type: 'string' }, force: { type: 'boolean' },
  },
  schema: auditOptions,
  async run(ctx, { positionals, values }) {
    const [sub, ...extra] = positionals;
    const opts = auditOptions.parse(values);
    const given = Object.keys(values).filter((k) => values[k] !== undefined);
    if ((sub === 'verify' || sub === 'anchor') && extra.length === 0) {
      const allowed = sub === 'verify' ? ['anchor'] : [];
      const others = given.filter((k) => !allowed.includes(k));
      if (others.length > 0) {
        ctx.io.err(`"audit ${sub}" takes ${sub === 'verify' ? 'only --anchor FILE' : 'no options'} (got --${others.join(', --')}); ` +
          `it always checks the whole trail.\nUsage: closedloop ${USAGE}`);
        return 2;
      }
      return sub === 'verify' ? verify(ctx, opts.anchor) : anchorCommand(ctx);
    }
    if (sub === 'export' && opts.anchor !== undefined) {
      ctx.io.err(`--anchor is for "audit verify".\nUsage: closedloop ${USAGE}`);
      return 2;
    }
    if (sub === 'export' && opts.force && opts.out === undefined) {
      ctx.io.err(`--force replaces the file named by --out; without --out the export goes to the screen.\nUsage: closedloop ${USAGE}`);
      return 2;
    }
    if (sub === 'export' && extra.length === 0) return exportCommand(ctx, opts);
    ctx.io.err(`Usage: closedloop ${USAGE}\n"audit verify" checks every event's hash (and, with --anchor FILE, that the trail still ` +
      'matches a signed anchor); "audit anchor" prints a signed anchor of the chain head to keep outside the database; ' +
      '"audit export" writes the trail (default CSV to the screen).');
    return 2;
  },
};
