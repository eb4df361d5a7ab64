/**
 * The Slack adapter as it runs in the service, for tests: real Bolt on our HTTP server, the
 * outbox worker delivering through the real Web API client, and a fake Slack Web API on
 * loopback that records every call. Requests are signed as Slack signs them.
 *
 * `collect` turns what Slack would show a person (response_url messages, ephemerals, channel
 * posts and updates, modals) back into text and pressable buttons.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import { createSlackAdapter, type SlackAdapter } from '../../adapters/slack/app.js';
import { decodeButtonValue } from '../../adapters/slack/buttons.js';
import { rowsOf } from '../../src/db/client.js';
import type { Database } from '../../src/db/database.js';
import { createOutboxWorker, type OutboxWorker } from '../../src/delivery/worker.js';
import type { Core } from '../../src/index.js';
import { createLogger, type Logger } from '../../src/logging/logger.js';
import { createHttpServer } from '../../src/server/http.js';
import { startFakeSlack, type FakeSlack, type RecordedCall } from './fake-slack.js';
import { interactionBody, postSigned, slashCommandBody, type SignedResponse } from './slack-signing.js';

export const SIGNING_SECRET = '8f742231b10e8888abcd99yyyzzz85a5'.replace(/[yz]/g, 'e');
export const TEAM_ID = 'T0CLOSED1';
export const CHANNEL_ID = 'C0MDTCLINIC';

export interface SeenSlackButton {
  label: string;
  command: string;
  actionId?: number;
  opensForm: boolean;
  value: string;
  action_id: string;
  /** Where the button was: a channel message's ts, or an ephemeral one. */
  container: { type: 'message'; channel_id: string; message_ts: string; is_ephemeral: boolean };
}

export interface SlackHarness {
  fake: FakeSlack;
  adapter: SlackAdapter;
  worker: OutboxWorker;
  url: string;
  logLines: string[];
  /** Slack user id for a staff email (the fake's users.info answers with that email). */
  userFor(email: string): string;
  slash(userId: string, text: string, extra?: { headers?: Record<string, string>; body?: string; channelId?: string }): Promise<{ http: SignedResponse; body: string }>;
  press(userId: string, button: SeenSlackButton): Promise<SignedResponse>;
  submitView(userId: string, view: { id: string; private_metadata: string }, values: Record<string, Record<string, unknown>>): Promise<SignedResponse>;
  /** Waits until the worker has nothing left to send and the fake has stopped receiving calls. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

let actionSeq = 0;

export interface SlackHarnessOptions {
  users?: Record<string, string>;
  channelIntervalMs?: number;
  logger?: Logger;
  /** The worker's tries before a dead letter (its default is 8: minutes of backoff). */
  maxAttempts?: number;
  /** The worker's jitter source: `() => 0` makes the backoff exactly 1 s, 2 s, 4 s … */
  random?: () => number;
}

export async function startSlackHarness(core: Core, db: Database, options: SlackHarnessOptions = {}): Promise<SlackHarness> {
  const logLines: string[] = [];
  const logger = options.logger ?? createLogger('debug', (line) => logLines.push(line));
  const userIds = new Map<string, string>();
  const fakeUsers: Record<string, { email: string }> = {};
  for (const [email, id] of Object.entries(options.users ?? {})) {
    userIds.set(email, id);
    fakeUsers[id] = { email };
  }
  const fake = await startFakeSlack({ users: fakeUsers, teamId: TEAM_ID });
  // Requests still open or still in the core, so settle() does not mistake a slow one (a loaded
  // machine) for a finished one: the reply only reaches the fake after the core has answered.
  let handling = 0;
  let lastHandled = 0;
  const trackedCore: Core = {
    async handle(request) {
      handling += 1;
      try {
        return await core.handle(request);
      } finally {
        handling -= 1;
        lastHandled = Date.now();
      }
    },
  };
  const adapter = createSlackAdapter({ core: trackedCore, logger, config: { botToken: 'xoxb-test-token', signingSecret: SIGNING_SECRET, appToken: undefined, command: '/closedloop', apiUrl: fake.apiUrl } });
  const route = (req: http.IncomingMessage, res: http.ServerResponse): boolean => {
    if (!adapter.route!(req, res)) return false;
    handling += 1;
    res.once('close', () => {
      handling -= 1;
      lastHandled = Date.now();
    });
    return true;
  };
  const server = createHttpServer(db, { driver: 'pglite', rulesVersion: 'test', startedAt: new Date() }, logger, [route]);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
  const worker = createOutboxWorker({
    db, deliverers: [adapter.deliverer], logger, pollMs: 20, channelIntervalMs: options.channelIntervalMs ?? 0, maxAttempts: options.maxAttempts, random: options.random,
  });
  worker.start();

  const form = 'application/x-www-form-urlencoded';
  async function settle(): Promise<void> {
    const deadline = Date.now() + 10_000;
    let quietSince = Date.now();
    let quietPolls = 0;
    let lastCount = -1;
    while (Date.now() < deadline) {
      const [row] = rowsOf<{ n: number }>(await db.execute(sql`SELECT count(*)::int AS n FROM outbox WHERE status IN ('pending', 'sending') AND next_attempt_at <= now()`));
      const count = fake.calls.length + fake.responses.length;
      quietPolls += 1;
      if (count !== lastCount || handling > 0) {
        lastCount = count;
        quietSince = Date.now();
        quietPolls = 0;
      }
      // Nothing due in the outbox, no request open or in the core, and no call to the fake for a
      // moment: the adapter has finished. The moment is counted in polls as well as in time, so a
      // process starved of CPU for 120 ms (a loaded machine) still gives pending I/O its turns.
      if (Number(row?.n ?? 0) === 0 && handling === 0 && quietPolls >= 5 && Date.now() - Math.max(quietSince, lastHandled) > 120) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error('the Slack adapter did not settle within 10 s');
  }

  return {
    fake, adapter, worker, url, logLines,
    userFor(email) {
      let id = userIds.get(email);
      if (!id) {
        id = `U${String(userIds.size + 1).padStart(4, '0')}${email.replace(/[^a-z]/gi, '').slice(0, 6).toUpperCase()}`;
        userIds.set(email, id);
        fake.users[id] = { email };
      }
      return id;
    },
    async slash(userId, text, extra = {}) {
      const body = extra.body ?? slashCommandBody({ user_id: userId, text, team_id: TEAM_ID, channel_id: extra.channelId ?? CHANNEL_ID }, { responseUrlBase: fake.baseUrl });
      const response = await postSigned(url, SIGNING_SECRET, body, { contentType: form, headers: extra.headers ?? {} });
      return { http: response, body };
    },
    async press(userId, button) {
      actionSeq += 1;
      const payload = {
        type: 'block_actions', user: { id: userId, team_id: TEAM_ID }, team: { id: TEAM_ID }, api_app_id: 'A0CLOSEDLOOP',
        trigger_id: `press.${actionSeq}`, response_url: fake.responseUrl(`press-${actionSeq}`),
        container: button.container, channel: { id: button.container.channel_id },
        actions: [button.action_id.startsWith('cl:menu:')
          ? { type: 'overflow', action_id: button.action_id, block_id: 'b', selected_option: { value: button.value, text: { type: 'plain_text', text: button.label } }, action_ts: `${Date.now()}.${actionSeq}` }
          : { type: 'button', action_id: button.action_id, block_id: 'b', value: button.value, action_ts: `${Date.now()}.${actionSeq}` }],
      };
      return postSigned(url, SIGNING_SECRET, interactionBody(payload), { contentType: form });
    },
    async submitView(userId, view, values) {
      const payload = {
        type: 'view_submission', user: { id: userId, team_id: TEAM_ID }, team: { id: TEAM_ID }, api_app_id: 'A0CLOSEDLOOP',
        view: { id: view.id, type: 'modal', callback_id: 'cl_form', private_metadata: view.private_metadata, state: { values } },
      };
      return postSigned(url, SIGNING_SECRET, interactionBody(payload), { contentType: form });
    },
    settle,
    async close() {
      await adapter.stop();
      await worker.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections?.();
      await fake.close();
    },
  };
}

/* ------------------------------------------------------------------------------------------------
 * Reading Block Kit back as a person would see it.
 * ---------------------------------------------------------------------------------------------- */

type Json = Record<string, unknown>;
const unescape = (text: string) => text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** The words of a message (mrkdwn bold markers dropped, entities decoded) and its buttons. */
export function readBlocks(blocks: unknown, where: SeenSlackButton['container']): { text: string; buttons: SeenSlackButton[] } {
  const lines: string[] = [];
  const buttons: SeenSlackButton[] = [];
  const seeButton = (element: Json) => {
    if (element.type === 'button') addButton(String((element.text as Json).text), String(element.value), String(element.action_id));
    if (element.type === 'overflow') for (const option of element.options as Json[]) addButton(String((option.text as Json).text), String(option.value), String(element.action_id));
  };
  const addButton = (label: string, value: string, actionId: string) => {
    const decoded = decodeButtonValue(value);
    if (!decoded) return;
    const id = decoded.fields.actionId;
    buttons.push({ label, command: decoded.command, actionId: typeof id === 'number' ? id : undefined, opensForm: Boolean(decoded.openForm), value, action_id: actionId, container: where });
  };
  for (const block of (Array.isArray(blocks) ? blocks : []) as Json[]) {
    const text = block.text as Json | undefined;
    if (text?.text) lines.push(unescape(String(text.text)).replace(/\*/g, ''));
    for (const field of (block.fields as Json[] | undefined) ?? []) lines.push(unescape(String(field.text)).replace(/\*/g, '').replace('\n', ': '));
    for (const element of (block.elements as Json[] | undefined) ?? []) {
      if (element.text !== undefined && typeof element.text === 'string') lines.push(unescape(element.text));
      seeButton(element);
    }
    if (block.accessory) seeButton(block.accessory as Json);
  }
  return { text: lines.join('\n'), buttons };
}

/** What one request showed: messages to the person and the channel posts and updates it caused. */
export function shownSince(fake: FakeSlack, callsBefore: number, responsesBefore: number): { text: string; buttons: SeenSlackButton[]; calls: RecordedCall[] } {
  const parts: { text: string; buttons: SeenSlackButton[] }[] = [];
  for (const response of fake.responses.slice(responsesBefore)) {
    const body = response.body as Json;
    parts.push(readBlocks(body.blocks, { type: 'message', channel_id: CHANNEL_ID, message_ts: `eph.${response.id}`, is_ephemeral: true }));
  }
  const calls = fake.calls.slice(callsBefore);
  for (const call of calls) {
    if (!['chat.postMessage', 'chat.update', 'chat.postEphemeral'].includes(call.method)) continue;
    const channel = String(call.body.channel);
    const ts = call.method === 'chat.update' ? String(call.body.ts) : `posted.${call.at}`;
    parts.push(readBlocks(call.body.blocks, { type: 'message', channel_id: channel, message_ts: ts, is_ephemeral: call.method === 'chat.postEphemeral' }));
  }
  return { text: parts.map((p) => p.text).join('\n'), buttons: parts.flatMap((p) => p.buttons), calls };
}

export { http };
