/**
 * `closedloop outbox [--failed]` and `closedloop outbox retry ID`: what the service still has to
 * post or update in Slack and Teams, what it gave up on, and sending a dead letter again. Lists
 * where and how each row stands, never what it shows (no view content, no patient data).
 */
import { z } from 'zod';
import { listOutbox, retryDead, type OutboxListing } from '../delivery/outbox-store.js';
import type { CliContext } from './context.js';
import { renderTable } from './format.js';
import { commandInfo } from './command-info.js';
import type { CommandSpec } from './registry.js';
import { cliSystemActor } from './workflow-commands.js';

const USAGE = commandInfo('outbox').usage;

const LIMIT = 'use a whole number from 1 to 10000';

const outboxOptions = z.object({
  failed: z.boolean().default(false),
  limit: z.coerce.number({ error: LIMIT }).int(LIMIT).min(1, LIMIT).max(10_000, LIMIT).default(100),
  format: z.enum(['table', 'json'], 'use table or json').default('table'),
});

type OutboxOptions = z.infer<typeof outboxOptions>;

/** "2026-11-22 12:00:05Z": UTC to the second, as the service logs it. */
const when = (d: Date) => `${d.toISOString().slice(0, 19).replace('T', ' ')}Z`;

function listingJson(r: OutboxListing) {
  return {
    id: r.id, platform: r.platform, tenant: r.tenant, channel: r.channelId, kind: r.kind, status: r.status, attempts: r.attempts,
    next_attempt_at: r.status === 'pending' ? r.nextAttemptAt.toISOString() : null, last_error: r.lastError, created_at: r.createdAt.toISOString(),
  };
}

async function list(ctx: CliContext, opts: OutboxOptions): Promise<number> {
  const { db } = await ctx.database();
  const { rows, total } = await listOutbox(db, { failed: opts.failed, limit: opts.limit });
  if (opts.format === 'json') {
    ctx.io.out(JSON.stringify(rows.map(listingJson), null, 2));
    return 0;
  }
  if (rows.length === 0) {
    ctx.io.out(opts.failed ? 'No failed deliveries: nothing is waiting in the dead letters.' : 'The outbox is empty: everything queued has been delivered.');
    return 0;
  }
  const table = renderTable(
    ['id', 'platform', 'channel', 'kind', 'status', 'attempts', 'next_attempt', 'last_error', 'created'],
    rows.map((r) => [r.id, r.platform, `${r.tenant}/${r.channelId}`, r.kind, r.status, r.attempts,
      r.status === 'pending' ? when(r.nextAttemptAt) : '', r.lastError, when(r.createdAt)]),
  );
  const more = total > rows.length ? ` (showing the oldest ${rows.length}; --limit N shows more)` : '';
  const hint = opts.failed
    ? 'Fix the cause shown under last_error (e.g. invite the bot to the channel), then: closedloop outbox retry ID'
    : 'The service sends these (times are UTC); "closedloop outbox --failed" lists the dead letters.';
  ctx.io.out(`${table}\n\n${total} ${opts.failed ? 'dead letter' : 'row'}${total === 1 ? '' : 's'}${more}. ${hint}`);
  return 0;
}

async function retry(ctx: CliContext, id: number): Promise<number> {
  const { db } = await ctx.database();
  const result = await retryDead(db, id, cliSystemActor(), ctx.now());
  if (!result.ok) {
    ctx.io.err(`${result.message}\n(${result.code})`);
    return 1;
  }
  ctx.io.out(result.value.queuedAs === id
    ? `Outbox row ${id} is queued again; the service sends it within a few seconds.`
    : `Outbox row ${id} was an update of a message that already has a newer update queued (row ${result.value.queuedAs}); that one will show the current state.`);
  return 0;
}

export const outboxCommand: CommandSpec = {
  ...commandInfo('outbox'),
  options: { failed: { type: 'boolean' }, limit: { type: 'string' }, format: { type: 'string' } },
  schema: outboxOptions,
  async run(ctx, { positionals, values }) {
    const opts = outboxOptions.parse(values);
    if (positionals.length === 0) return list(ctx, opts);
    const [sub, idText, ...extra] = positionals;
    if (sub === 'retry' && idText !== undefined && extra.length === 0) {
      const given = Object.keys(values).filter((k) => values[k] !== undefined);
      if (given.length > 0) {
        ctx.io.err(`"outbox retry" takes no options (got --${given.join(', --')}).\nUsage: closedloop ${USAGE}`);
        return 2;
      }
      if (!/^\d{1,15}$/.test(idText) || Number(idText) < 1) {
        ctx.io.err(`"${idText}" is not an outbox id: give the number in the id column of "closedloop outbox --failed".\nUsage: closedloop ${USAGE}`);
        return 2;
      }
      return retry(ctx, Number(idText));
    }
    ctx.io.err(`Usage: closedloop ${USAGE}\n"outbox" lists what is waiting to be delivered; "outbox retry ID" sends a dead letter again.`);
    return 2;
  },
};
