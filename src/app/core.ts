/**
 * The command core's one entry point. Every adapter (Slack, Teams, console) and the scheduler
 * call `handle(request)` and render the effects it returns:
 *
 *   validate request → de-duplicate delivery → read text, or check a submission's fields →
 *   help needs no account → resolve the person (auto-link by verified email) → open a form, or
 *   run the command → effects (reply or replace the pressed card; a refused form comes back
 *   with its errors; posts were queued in the change's transaction)
 *
 * Expected failures come back as replies with a code; anything thrown is logged with a reference
 * that the person is shown, and nothing half-done is committed (each change is one transaction).
 */
import type { AuditActor } from '../domain/audit.js';
import { identityLabel, unlinkedMessage, type PlatformAccount, type StaffMember } from '../domain/identity.js';
import { fail } from '../domain/outcome.js';
import { helpView, messageView, unexpectedView } from '../views/common-views.js';
import { runActionCommand } from './commands/action-commands.js';
import { runBind, runLink } from './commands/admin-commands.js';
import { runDigest } from './commands/digest-commands.js';
import { runRecord } from './commands/record-commands.js';
import { runAudit, runHome, runList, runPatient } from './commands/view-commands.js';
import { refused, type ActionRead, type CommandContext, type CoreDeps, type Reply } from './context.js';
import { deliveryReceipts } from './delivery-receipts.js';
import { formAgain, openForm } from './forms.js';
import type { IdentityContext, ReceiptClaim } from './ports.js';
import { parseCommand, stripInvocation, type Command } from './grammar.js';
import { parseActionRef } from '../domain/actions/kinds.js';
import { coreRequestSchema, type CoreRequest, type CoreRequestParsed, type CoreResponse, type Effect } from './request.js';
import { commandFromSubmission } from './submission.js';

export type { CoreDeps } from './context.js';

/** Commands that only read: everything else changes the register, the workflow or a link. */
const READ_ONLY = new Set<Command['name']>(['help', 'mine', 'home', 'list', 'patient', 'audit', 'digest']);

/** Commands that change one action, named by its id. */
const CHANGES_AN_ACTION = new Set<Command['name']>(['claim', 'release', 'close', 'handoff', 'escalate', 'note']);

interface Understood {
  submission: CoreRequestParsed['submission'];
  parsed: ReturnType<typeof parseCommand> | ReturnType<typeof commandFromSubmission>;
  actionRead?: ActionRead;
}

export interface Core {
  handle(request: CoreRequest): Promise<CoreResponse>;
  /** Waits for writes still finishing after their reply was given (receipts); call before closing the database. */
  settle?(): Promise<void>;
}

function dispatch(ctx: CommandContext, command: Exclude<Command, { name: 'help' }>): Promise<Reply> {
  switch (command.name) {
    case 'home': return runHome(ctx);
    case 'mine':
    case 'list': return runList(ctx, command);
    case 'patient': return runPatient(ctx, command);
    case 'audit': return runAudit(ctx, command);
    case 'digest': return runDigest(ctx, command);
    case 'result':
    case 'dna':
    case 'discharge': return runRecord(ctx, command);
    case 'link': return runLink(ctx, command);
    case 'bind': return runBind(ctx, command);
    default: return runActionCommand(ctx, command);
  }
}

/**
 * Linked accounts are remembered for a few seconds: at a busy moment (a digest everyone acts on)
 * the identity lookup was a fifth of each request's database round trips. A change to someone's
 * roles, teams or link takes effect within IDENTITY_TTL_MS; unlinked results are never cached.
 */
const IDENTITY_TTL_MS = 5_000;
const IDENTITY_CACHE_MAX = 5_000;

function identityCache(now: () => number) {
  const entries = new Map<string, { member: StaffMember; until: number }>();
  return {
    get(key: string): StaffMember | null {
      const hit = entries.get(key);
      if (!hit) return null;
      if (hit.until > now()) return hit.member;
      entries.delete(key);
      return null;
    },
    set(key: string, member: StaffMember): void {
      if (entries.size >= IDENTITY_CACHE_MAX) entries.clear();
      entries.set(key, { member, until: now() + IDENTITY_TTL_MS });
    },
    clear: () => entries.clear(),
  };
}

/**
 * The core on the given ports. Production wires it to the SQL stores (`createCore` in
 * src/create-core.ts); a test may pass an in-memory fake.
 */
export function createCommandCore(deps: CoreDeps): Core {
  const { stores } = deps;
  // The cache runs on the process clock, not deps.now: tests fix deps.now for the domain.
  const identities = identityCache(() => performance.now());
  const receipts = deliveryReceipts(stores.receipts, deps.logger, () => performance.now());

  /** The request read as a command, and the action it changes (if it changes one). */
  function understand(request: CoreRequestParsed): Understood & { changes?: number } {
    // "close A-1042" with nothing more asks for the form, as the Close… button does.
    const submission = request.submission ?? formRequestFromText(request.text ?? '');
    const parsed = submission ? commandFromSubmission(submission) : parseCommand(request.text ?? '');
    if (!parsed.ok || submission?.openForm || !CHANGES_AN_ACTION.has(parsed.value.name)) return { submission, parsed };
    return { submission, parsed, changes: (parsed.value as { actionId: number }).actionId };
  }

  /**
   * Starts, before the delivery is known to be new, the reads a request needs first: the
   * receipt's claim, and the action it changes, in one round trip when there are both. A button
   * press's reply then waits for two round trips (that, then the change), not three. The action
   * read is only a first guess: the store writes only if the action's version is still the one
   * read, and otherwise reads again. Nothing changes before the delivery is known to be new.
   */
  function startReads(deliveryKey: string | null, actionId: number | undefined): { claim?: Promise<ReceiptClaim>; actionRead?: ActionRead } {
    if (actionId === undefined) return deliveryKey ? { claim: receipts.claim(deliveryKey) } : {};
    const load = (id: number) => stores.actions.load(id);
    const started = deliveryKey ? receipts.claimReading(deliveryKey, actionId, load) : { claim: undefined, action: load(actionId) };
    // Observed here so a request that ends early (a repeat, an unlinked person) leaves no unhandled rejection.
    started.action.catch(() => undefined);
    return { claim: started.claim, actionRead: { id: actionId, read: started.action } };
  }
  async function resolve(account: PlatformAccount, context: IdentityContext): Promise<StaffMember | null> {
    const key = identityLabel(account);
    const cached = identities.get(key);
    if (cached) return cached;
    const resolved = await stores.staff.resolve(account, context);
    if (resolved.status !== 'linked') return null;
    identities.set(key, resolved.member);
    return resolved.member;
  }

  async function run(request: CoreRequestParsed, { submission, parsed, actionRead }: Understood): Promise<CoreResponse> {
    if (parsed.ok && parsed.value.name === 'help') return { ok: true, effects: [{ type: 'reply', view: helpView(parsed.value.topic) }] };
    if (!parsed.ok && !submission) return answer(request, refused(parsed));

    const now = deps.now();
    const account: PlatformAccount = { platform: request.actor.platform, tenant: request.actor.tenant, userId: request.actor.userId, verifiedEmail: request.actor.verifiedEmail };
    const channel = `${request.actor.platform}:${request.channel.id}`;
    const member = await resolve(account, { now, via: request.via, channel, correlationId: request.correlationId });
    if (!member) return answer(request, refused(fail('IDENTITY.UNLINKED', unlinkedMessage(account))));
    const auditActor: AuditActor = { id: member.staffId, name: member.name, identity: identityLabel(account), via: request.via, channel, correlationId: request.correlationId };
    // Changes are shown to the team on a card in the channel; the console and direct messages have no team to show.
    const postTo = request.channel.kind === 'channel' && request.actor.platform !== 'console'
      ? { platform: request.actor.platform, tenant: request.actor.tenant, channelId: request.channel.id } : null;
    const ctx: CommandContext = { deps, member, account, channelId: request.channel.id, auditActor, now, postTo, actionRead };

    if (submission?.openForm) return openForm(ctx, submission);
    if (!parsed.ok) {
      // A form submitted with bad values: show the same form again with the problems beside the fields.
      const again = 'errors' in parsed ? await formAgain(ctx, submission!, parsed.errors) : null;
      return again ?? answer(request, refused(parsed));
    }
    const command = parsed.value as Exclude<Command, { name: 'help' }>;
    const reply = await dispatch(ctx, command);
    // A link made here changes who an account is: forget what was remembered.
    if (command.name === 'link' && reply.ok) identities.clear();
    if (reply.ok && !READ_ONLY.has(command.name)) return { ...answer(request, reply), changed: true };
    if (!reply.ok && submission && reply.field) {
      const again = await formAgain(ctx, submission, { [reply.field]: reply.view.fallbackText });
      if (again) return { ...again, code: reply.code };
    }
    return answer(request, reply);
  }

  return {
    async handle(input: CoreRequest): Promise<CoreResponse> {
      const checked = coreRequestSchema.safeParse(input);
      if (!checked.success) {
        // An adapter bug, not a person's typo: log the shape problem (never the payload) and say so.
        const ref = deps.logger.unexpected(new Error(`invalid core request: ${checked.error.issues.map((i) => i.path.join('.')).join(', ')}`));
        return { ok: false, code: 'REQUEST.INVALID', effects: [{ type: 'reply', view: unexpectedView(ref) }] };
      }
      const request = checked.data;
      // A delivery seen before gets its first reply back; the first one claims the key.
      const deliveryKey = request.deliveryId ? `${request.actor.platform}:${request.actor.tenant}:${request.deliveryId}` : null;
      try {
        const { changes, ...understood } = understand(request);
        const { claim, actionRead } = startReads(deliveryKey, changes);
        if (claim) {
          const claimed = await claim;
          if (!claimed.first) {
            const again: CoreResponse = claimed.response ?? { ok: true, effects: [{ type: 'reply', view: messageView('Already received', 'This request is already being handled; its reply will follow.') }] };
            return { ...again, duplicate: true };
          }
        }
        const result = await run(request, { ...understood, ...(actionRead ? { actionRead } : {}) });
        if (deliveryKey) receipts.remember(deliveryKey, result);
        if (result.changed) deps.afterChange?.();
        return result;
      } catch (err) {
        const ref = deps.logger.unexpected(err, { via: request.via, correlationId: request.correlationId });
        // Let a retry of the same delivery run again: nothing was committed.
        if (deliveryKey) await receipts.forget(deliveryKey).catch((cleanup: unknown) => {
          deps.logger.warn('receipt_cleanup_failed', { ref, error: cleanup instanceof Error ? cleanup.message : 'unknown' });
        });
        return { ok: false, code: 'UNEXPECTED', effects: [{ type: 'reply', view: unexpectedView(ref) }] };
      }
    },
    settle: () => receipts.settle(),
  };
}

/** Typed "close|handoff|escalate ID" and nothing else: the form for it, as a submission that opens it. */
function formRequestFromText(text: string): CoreRequestParsed['submission'] {
  const words = stripInvocation(text).split(/\s+/).filter(Boolean);
  if (words.length !== 2 || !['close', 'handoff', 'escalate'].includes(words[0]!.toLowerCase())) return undefined;
  const actionId = parseActionRef(words[1]!);
  return actionId === null ? undefined : { command: words[0]!.toLowerCase(), fields: { actionId }, openForm: true };
}

/**
 * The effects of a handler's reply: the view goes to the person, or replaces the card whose
 * button was pressed; any posts it queued follow.
 */
function answer(request: CoreRequestParsed, reply: Reply): CoreResponse {
  const replaces = Boolean(reply.ok && request.submission?.refreshesSource && reply.view.subject);
  const first: Effect = replaces ? { type: 'replaceSource', view: reply.view } : { type: 'reply', view: reply.view };
  return { ok: reply.ok, ...(reply.code ? { code: reply.code } : {}), effects: [first, ...(reply.effects ?? [])] };
}
