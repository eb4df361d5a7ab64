/**
 * The Teams adapter as it runs in the service, for tests: the real teams-ai Application and
 * TeamsAdapter behind our /api/messages route (unauthenticated local mode), the outbox worker
 * delivering through the adapter's deliverer, and the fake Bot Connector (test/support/
 * fake-connector.ts) as every activity's serviceUrl, recording what Teams would show.
 *
 * `readCard` turns an Adaptive Card back into what a person reads (TextBlocks, facts) and the
 * buttons they can press (every Action.Execute, with its data).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { createTeamsAdapter, type TeamsBot } from '../../adapters/teams/app.js';
import type { TeamsConfig } from '../../adapters/teams/config.js';
import { rowsOf } from '../../src/db/client.js';
import type { Database } from '../../src/db/database.js';
import { createOutboxWorker, type OutboxWorker } from '../../src/delivery/worker.js';
import { createConversationStore, type Core } from '../../src/index.js';
import { createLogger } from '../../src/logging/logger.js';
import { createHttpServer } from '../../src/server/http.js';
import { startFakeConnector, type FakeConnector, type RecordedConnectorCall } from './fake-connector.js';

export const TENANT_ID = '00000000-0000-4000-8000-0000000c1053';
export const BOT = { id: '28:00000000-0000-4000-8000-00000000b07a', name: 'closedloop' };
export const CHANNEL = '19:mdtclinic@thread.tacv2';

type Json = Record<string, unknown>;

export interface SeenTeamsButton {
  label: string;
  command: string;
  actionId?: number;
  opensForm: boolean;
  verb: string;
  data: Json;
  /** The card's activity id (its replyToId on a press). */
  messageId: string;
  conversationId: string;
}

export interface ReadCard {
  text: string;
  buttons: SeenTeamsButton[];
  inputs: { id: string; label: string; required: boolean; options: string[]; error?: string }[];
  formError?: string;
}

const unescape = (text: string) => text.replace(/\\([\\*_[\]`~#>+\-.)])/g, '$1').replace(/\u2060/g, '').replace(/\n\n/g, '\n');

/** The words and buttons of a card, and its inputs with the errors shown under them. */
export function readCard(card: unknown, where: { messageId: string; conversationId: string }): ReadCard {
  const lines: string[] = [];
  const buttons: SeenTeamsButton[] = [];
  const inputs: ReadCard['inputs'] = [];
  let formError: string | undefined;
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) { node.forEach(walk); return; }
    if (typeof node !== 'object' || node === null) return;
    const o = node as Json;
    if (o.type === 'TextBlock') {
      const text = unescape(String(o.text));
      lines.push(text);
      if (o.color === 'attention') {
        const last = inputs.at(-1);
        if (last && last.error === undefined) last.error = text;
        else formError ??= text;
      }
    } else if (o.type === 'FactSet') {
      for (const f of o.facts as Json[]) lines.push(`${unescape(String(f.title))}: ${unescape(String(f.value))}`);
    } else if (typeof o.type === 'string' && o.type.startsWith('Input.')) {
      inputs.push({ id: String(o.id), label: String(o.label ?? o.id), required: Boolean(o.isRequired), options: ((o.choices as Json[] | undefined) ?? []).map((c) => String(c.value)) });
    } else if (o.type === 'Action.Execute') {
      const data = (o.data ?? {}) as Json;
      const fields = (data.f ?? {}) as Json;
      lines.push(`[${String(o.title)}]`);
      if (typeof data.c === 'string' && data.s === undefined && data.c !== 'cancel') {
        buttons.push({
          label: String(o.title), command: data.c, actionId: typeof fields.actionId === 'number' ? fields.actionId : undefined,
          opensForm: data.o === 1, verb: String(o.verb), data, ...where,
        });
      }
    }
    if (o.type === 'Action.ShowCard') lines.push(`[${String(o.title)}]`);
    for (const key of ['body', 'items', 'columns', 'actions', 'card', 'inlines']) if (key in o) walk(o[key]);
  };
  walk((card as Json | undefined)?.body);
  walk((card as Json | undefined)?.actions);
  return { text: lines.join('\n'), buttons, inputs, ...(formError ? { formError } : {}) };
}

/** What the connector received since a mark: cards and text sent or updated anywhere. */
export function shownSince(fake: FakeConnector, before: number): { text: string; buttons: SeenTeamsButton[]; calls: RecordedConnectorCall[] } {
  const calls = fake.calls.slice(before).filter((c) => ['reply', 'send', 'update'].includes(c.kind) && !c.failed);
  const parts = calls.map((c) => {
    const body = (c.body ?? {}) as Json;
    const attachments = (body.attachments as Json[] | undefined) ?? [];
    const where = { messageId: c.activityId ?? `sent-${c.at}`, conversationId: c.conversationId ?? '' };
    if (!attachments.length) return { text: String(body.text ?? ''), buttons: [] };
    return readCard(attachments[0]?.content, where);
  });
  return { text: parts.map((p) => p.text).join('\n'), buttons: parts.flatMap((p) => p.buttons), calls };
}

export interface TeamsHarness {
  fake: FakeConnector;
  bot: TeamsBot;
  worker: OutboxWorker;
  url: string;
  logLines: string[];
  /** The Teams account (from) for a staff email; the fake connector's member lookup returns the email. */
  accountFor(email: string | null): { id: string; aadObjectId: string; name: string };
  message(from: { id: string; aadObjectId: string; name: string }, text: string, extra?: { id?: string; entities?: Json[]; conversation?: Json }): Promise<{ status: number; body: unknown; activity: Json }>;
  invoke(from: { id: string; aadObjectId: string; name: string }, button: { verb: string; data: Json; messageId: string; conversationId: string }, extra?: { id?: string }): Promise<{ status: number; body: unknown }>;
  settle(): Promise<void>;
  close(): Promise<void>;
}

export async function startTeamsHarness(core: Core, db: Database, options: { config?: Partial<TeamsConfig> } = {}): Promise<TeamsHarness> {
  const logLines: string[] = [];
  const logger = createLogger('debug', (line) => logLines.push(line));
  const fake = await startFakeConnector({ tenantId: TENANT_ID });
  let handling = 0;
  let lastHandled = 0;
  const bot = createTeamsAdapter({
    core, logger, conversations: createConversationStore(db),
    config: { appId: undefined, appPassword: undefined, appType: 'SingleTenant', tenantId: undefined, allowedTenants: [TENANT_ID], connectorAllowlist: [fake.serviceUrl], unauthenticated: true, ...options.config },
  });
  const route = (req: http.IncomingMessage, res: http.ServerResponse): boolean => {
    if (!bot.route(req, res)) return false;
    handling += 1;
    res.once('close', () => { handling -= 1; lastHandled = Date.now(); });
    return true;
  };
  const server = createHttpServer(db, { driver: 'pglite', rulesVersion: 'test', startedAt: new Date() }, logger, [route]);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/messages`;
  const worker = createOutboxWorker({ db, deliverers: [bot.deliverer], logger, pollMs: 20, channelIntervalMs: 0 });
  worker.start();

  const accounts = new Map<string, { id: string; aadObjectId: string; name: string }>();
  const post = async (activity: Json): Promise<{ status: number; body: unknown }> => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity) });
    const text = await res.text();
    let body: unknown = text;
    try { body = JSON.parse(text); } catch { /* text */ }
    return { status: res.status, body };
  };
  const common = (from: Json, conversation?: Json) => ({
    channelId: 'msteams', serviceUrl: fake.serviceUrl, from, recipient: BOT, timestamp: new Date().toISOString(),
    conversation: conversation ?? { id: CHANNEL, conversationType: 'channel', isGroup: true, tenantId: TENANT_ID },
    channelData: { tenant: { id: TENANT_ID }, team: { id: '19:team@thread.tacv2' }, channel: { id: CHANNEL } },
  });

  return {
    fake, bot, worker, url, logLines,
    accountFor(email) {
      const key = email ?? '(unlinked)';
      let account = accounts.get(key);
      if (!account) {
        const n = String(accounts.size + 1).padStart(12, '0');
        account = { id: `29:user-${n}`, aadObjectId: `00000000-0000-4000-a000-${n}`, name: `Person ${n}` };
        accounts.set(key, account);
        fake.members[account.id] = { id: account.id, aadObjectId: account.aadObjectId, name: account.name, ...(email ? { email } : {}), tenantId: TENANT_ID };
      }
      return account;
    },
    async message(from, text, extra = {}) {
      const activity: Json = {
        type: 'message', id: extra.id ?? `${Date.now()}${Math.floor(Math.random() * 1000)}`, text: `<at>closedloop</at> ${text}`, textFormat: 'plain',
        ...common(from, extra.conversation),
        entities: [{ type: 'mention', text: '<at>closedloop</at>', mentioned: BOT }, ...(extra.entities ?? [])],
      };
      return { ...(await post(activity)), activity };
    },
    async invoke(from, button, extra = {}) {
      const conversation = button.conversationId.startsWith('a:')
        ? { id: button.conversationId, conversationType: 'personal', tenantId: TENANT_ID }
        : { id: button.conversationId, conversationType: 'channel', isGroup: true, tenantId: TENANT_ID };
      return post({
        type: 'invoke', name: 'adaptiveCard/action', id: extra.id ?? `f:${randomUUID()}`, replyToId: button.messageId,
        ...common(from, conversation),
        value: { action: { type: 'Action.Execute', verb: button.verb, data: button.data }, trigger: 'manual' },
      });
    },
    async settle() {
      const deadline = Date.now() + 10_000;
      let quietSince = Date.now();
      let quietPolls = 0;
      let lastCount = -1;
      while (Date.now() < deadline) {
        const [row] = rowsOf<{ n: number }>(await db.execute(sql`SELECT count(*)::int AS n FROM outbox WHERE status IN ('pending', 'sending') AND next_attempt_at <= now()`));
        quietPolls += 1;
        if (fake.calls.length !== lastCount || handling > 0) {
          lastCount = fake.calls.length;
          quietSince = Date.now();
          quietPolls = 0;
        }
        if (Number(row?.n ?? 0) === 0 && handling === 0 && quietPolls >= 5 && Date.now() - Math.max(quietSince, lastHandled) > 120) return;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error('the Teams adapter did not settle within 10 s');
    },
    async close() {
      await worker.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections?.();
      await fake.close();
    },
  };
}
