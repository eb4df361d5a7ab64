/**
 * The real teams-ai TeamsAdapter + Application, on our node:http host (adapters/teams/http.ts),
 * against the fake connector and the fake Bot Framework token issuer. Pins how botbuilder 4.23.3
 * behaves offline: where replies, proactive sends, updates and member lookups go; what invokes
 * answer; how inbound JWTs are checked against an injected OpenID metadata URL; and that outbound
 * calls carry our fixed token and never go to login.microsoftonline.com.
 */
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Application, TeamsAdapter, type AdaptiveCard, type TurnState } from '@microsoft/teams-ai';
import { MemoryStorage, TeamsInfo, TurnContext, type Activity, type ConversationReference } from 'botbuilder';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { processWith } from '../../../adapters/teams/http.js';
import {
  FixedTokenCredentialsFactory, generateSigningKey, jwtAuthConfig, startFakeBotFrameworkIssuer, type FakeBotFrameworkIssuer,
} from '../../support/bot-jwt.js';
import { startFakeConnector, type FakeConnector } from '../../support/fake-connector.js';

// Fixtures are untyped JSON; `any` keeps the field edits readable.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const fixture = (file: string): any => JSON.parse(readFileSync(new URL(`../../fixtures/teams/${file}`, import.meta.url), 'utf8'));
const recorded = (stamp: string): Activity => fixture(`botbuilder-js-integrationBot-recordings/requests/${stamp}-request-integrationBot.json`).body;
const MENTION_SHOW_MEMBERS = '20191020025610932';
const PERSONAL = '20191021205338231';
const CARD_SUBMIT = '20191020020633146';
const UNNAMED_INVOKE = '20191020020654953';
const TEAM_MEMBER_ADDED = '20191019181214767';
const EXECUTE = 'teams-net-captured/invoke.adaptiveCard_action.Action.Execute.personal.json';
const THREAD_REPLY = 'teams-net-captured/message.channel_thread_reply_with_mention.json';
const APP_ID = '00000000-0000-4000-8000-00000000b07a';
const CARD: AdaptiveCard = { type: 'AdaptiveCard', version: '1.4', body: [{ type: 'TextBlock', text: 'Claimed by you' }] };

interface Bot {
  url: string;
  app: Application<TurnState>;
  adapter: TeamsAdapter;
  /** Activities the message handlers saw, to prove a rejected request never ran. */
  handled: Activity[];
  post(activity: unknown, authorization?: string): Promise<{ status: number; body: unknown }>;
  close(): Promise<void>;
}

/** TeamsAdapter + Application behind processWith on 127.0.0.1, with the handlers these tests use. */
async function startBot(adapter: TeamsAdapter): Promise<Bot> {
  const app = new Application<TurnState>({ adapter, storage: new MemoryStorage(), startTypingTimer: false, removeRecipientMention: true });
  const handled: Activity[] = [];
  app.message(/^show members\b/i, async (ctx) => {
    handled.push(ctx.activity);
    await ctx.sendActivity(`members of ${ctx.activity.conversation.id}`);
  });
  // Not app.message(/.*/): teams-ai's message selectors skip activities with no text, which is
  // what a legacy Action.Submit is (a message carrying only `value`).
  app.activity('message', async (ctx) => {
    handled.push(ctx.activity);
    await ctx.sendActivity(ctx.activity.value ? `submitted ${JSON.stringify(ctx.activity.value)}` : `echo: ${ctx.activity.text}`);
  });
  app.adaptiveCards.actionExecute('claim', async () => CARD);
  app.conversationUpdate('membersAdded', async (ctx) => {
    handled.push(ctx.activity);
  });
  const handler = processWith(adapter, (ctx) => app.run(ctx));
  const server: Server = createServer((req, res) => void handler(req, res).catch(() => undefined));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/messages`;
  return {
    url, app, adapter, handled,
    async post(activity, authorization) {
      const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
      if (authorization) headers.authorization = authorization;
      const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(activity) });
      const text = await res.text();
      let body: unknown = text;
      try { body = JSON.parse(text); } catch { /* text body */ }
      return { status: res.status, body };
    },
    close: () => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }),
  };
}

let fake: FakeConnector;
const at = <T extends object>(activity: T): T & { serviceUrl: string } => ({ ...activity, serviceUrl: fake.serviceUrl });
beforeAll(async () => {
  fake = await startFakeConnector({
    members: { '6d415fdd-f97e-4f70-ac45-e69601e4ecb2': { name: 'Tien Suwandy', email: 'tien.suwandy@nhs.test' } },
  });
});
afterEach(() => fake.reset());
afterAll(async () => fake?.close());

describe('Teams with no app id (local testing: no auth)', () => {
  let bot: Bot;
  beforeAll(async () => { bot = await startBot(new TeamsAdapter({})); });
  afterAll(async () => bot?.close());

  it('answers a recorded channel @mention with a reply in the thread, ids decoded, no Authorization', async () => {
    const activity = at(recorded(MENTION_SHOW_MEMBERS));
    expect((await bot.post(activity)).status).toBe(200);
    const [reply] = fake.callsTo('reply');
    expect(reply).toMatchObject({ method: 'POST', conversationId: activity.conversation.id, activityId: activity.id });
    expect(reply?.conversationId).toMatch(/^19:.*@thread\.skype;messageid=\d+$/);
    expect(reply?.body).toMatchObject({ type: 'message', text: `members of ${activity.conversation.id}`, replyToId: activity.id });
    expect(reply?.headers.authorization).toBeUndefined();
    expect(bot.handled.at(-1)?.text).toBe('show members'); // removeRecipientMention stripped <at>…</at>
  });

  it('replies to a modern @thread.tacv2 thread and to a personal chat', async () => {
    const thread = at(fixture(THREAD_REPLY));
    const personal = at(recorded(PERSONAL));
    await bot.post(thread);
    await bot.post(personal);
    expect(fake.callsTo('reply').map((c) => [c.conversationId, c.activityId])).toEqual([
      [thread.conversation.id, thread.id], [personal.conversation.id, personal.id],
    ]);
    expect(fake.calls[0]?.path).toContain(';messageid=');
  });

  it('delivers a legacy card submit (message with value, no text) and a member-added update', async () => {
    await bot.post(at(recorded(CARD_SUBMIT)));
    expect(fake.callsTo('reply')[0]?.body).toMatchObject({ text: 'submitted {"key":"value"}' });
    expect((await bot.post(at(recorded(TEAM_MEMBER_ADDED)))).status).toBe(200);
    expect(bot.handled.at(-1)?.type).toBe('conversationUpdate');
  });

  it('answers Action.Execute in the HTTP body; an unhandled invoke gets 501', async () => {
    const invoke = at(fixture(EXECUTE));
    invoke.value.action.verb = 'claim'; // the capture has no verb; ours always do
    expect(await bot.post(invoke)).toEqual({
      status: 200, body: { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: CARD },
    });
    expect((await bot.post(at(fixture(EXECUTE)))).status).toBe(501); // no verb: no route
    expect((await bot.post(at(recorded(UNNAMED_INVOKE)))).status).toBe(501);
    expect(fake.calls).toEqual([]);
  });

  it('sends proactively from a JSON-stored reference, updates, and creates a personal chat', async () => {
    await bot.post(at(recorded(PERSONAL)));
    const personal = bot.handled.at(-1) as Activity;
    const ref: Partial<ConversationReference> = JSON.parse(JSON.stringify(TurnContext.getConversationReference(personal)));
    fake.reset();
    let sentId = '';
    await bot.adapter.continueConversationAsync('', ref, async (ctx) => {
      sentId = (await ctx.sendActivity('Daily digest'))?.id ?? '';
      await ctx.updateActivity({ type: 'message', id: sentId, text: 'Daily digest (updated)' });
    });
    const [digest] = fake.callsTo('reply'); // botbuilder invents a continuation id, so it is a "reply"
    expect(digest).toMatchObject({ conversationId: personal.conversation.id, body: { text: 'Daily digest' } });
    expect(digest?.activityId).toMatch(/^[0-9a-f-]{36}$/);
    expect(fake.callsTo('update')[0]).toMatchObject({ method: 'PUT', activityId: sentId, body: { text: 'Daily digest (updated)' } });

    const params = { isGroup: false, bot: personal.recipient, members: [personal.from], tenantId: personal.conversation.tenantId,
      channelData: { tenant: { id: personal.conversation.tenantId } } };
    await bot.adapter.createConversationAsync('', 'msteams', fake.serviceUrl, '', params, async (ctx) => {
      await ctx.sendActivity('Hello 1:1');
    });
    const [created] = fake.callsTo('createConversation');
    expect(created?.body).toMatchObject({ members: [{ id: personal.from.id }], tenantId: personal.conversation.tenantId });
    expect(fake.calls.at(-1)?.body).toMatchObject({ text: 'Hello 1:1' });
  });

  it('TeamsInfo.getMember returns the e-mail; an unknown member rejects with statusCode 404', async () => {
    await bot.post(at(recorded(PERSONAL)));
    const ref = TurnContext.getConversationReference(bot.handled.at(-1) as Activity);
    let email: string | undefined;
    let missing: unknown;
    await bot.adapter.continueConversationAsync('', ref, async (ctx) => {
      email = (await TeamsInfo.getMember(ctx, '6d415fdd-f97e-4f70-ac45-e69601e4ecb2')).email;
      missing = await TeamsInfo.getMember(ctx, '29:nobody').catch((err: unknown) => err);
    });
    expect(email).toBe('tien.suwandy@nhs.test');
    expect(missing).toMatchObject({ statusCode: 404 });
    expect(fake.callsTo('getMember')[0]?.memberId).toBe('6d415fdd-f97e-4f70-ac45-e69601e4ecb2');
  });
});

describe('Teams with an app id: JWTs checked against our OpenID metadata, offline outbound token', () => {
  let bot: Bot;
  let issuer: FakeBotFrameworkIssuer;
  const stranger = generateSigningKey('stranger');
  const httpsRequest = vi.spyOn(https, 'request');
  beforeAll(async () => {
    issuer = await startFakeBotFrameworkIssuer([generateSigningKey('teams-key'), generateSigningKey('webchat-only', ['webchat'])]);
    bot = await startBot(new TeamsAdapter(jwtAuthConfig(APP_ID, issuer.metadataUrl), new FixedTokenCredentialsFactory(APP_ID)));
  });
  afterAll(async () => { httpsRequest.mockRestore(); await bot?.close(); await issuer?.close(); });

  const token = (o: Partial<Parameters<FakeBotFrameworkIssuer['signBotToken']>[0]> = {}): string =>
    `Bearer ${issuer.signBotToken({ appId: APP_ID, serviceUrl: fake.serviceUrl, ...o })}`;
  // [case, Authorization header, HTTP status, botbuilder's message (sent as the response body)]
  const rejected: [string, () => string | undefined, number, string][] = [
    ['no Authorization header', () => undefined, 401, 'Unauthorized Access. Request is not authorized'],
    ['a token that expired 10 min ago (5 min tolerance)', () => token({ expiresInSeconds: -600 }), 401, 'The token has expired'],
    ['a token signed by a key we never published', () => token({ key: stranger.privateKey, kid: stranger.kid }), 401,
      'Signing Key could not be retrieved.'],
    ['a token for another app id', () => token({ appId: 'another-app' }), 401, 'Unauthorized. Invalid AppId passed on token: another-app'],
    ['a serviceurl claim that is not the activity\'s', () => token({ serviceUrl: 'https://evil.example/' }), 401,
      'Unauthorized. ServiceUrl claim do not match.'],
    ['a token from another issuer', () => token({ claims: { iss: 'https://evil.example' } }), 401, 'Unauthorized. No valid identity.'],
    ['a key endorsed only for webchat', () => token({ kid: 'webchat-only', key: issuer.keys[1]?.privateKey }), 401,
      'Could not validate endorsement for key: webchat-only with endorsements: webchat'],
    // jsonwebtoken's "invalid signature" is not an AuthenticationError, so botbuilder answers 500.
    ['our kid, signed with another key', () => token({ key: stranger.privateKey }), 500, 'invalid signature'],
  ];

  it.each(rejected)('rejects %s, and nothing runs', async (_name, auth, status, message) => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined); // botbuilder logs every rejection
    const before = bot.handled.length;
    expect(await bot.post(at(recorded(PERSONAL)), auth())).toEqual({ status, body: message });
    expect(bot.handled.length).toBe(before);
    expect(fake.calls).toEqual([]);
    errors.mockRestore();
  });

  it('accepts a valid token, runs the handler, and replies with the fixed token, without https', async () => {
    expect((await bot.post(at(recorded(PERSONAL)), token())).status).toBe(200);
    expect(bot.handled.at(-1)?.text).toBe('file');
    expect(fake.callsTo('reply')[0]?.headers.authorization).toBe('Bearer fake-token');
    expect(issuer.fetches.map((f) => f.path)).toEqual(['/v1/.well-known/openidconfiguration', '/v1/keys']);
    // Every URL in play is http://127.0.0.1; an Entra token or Microsoft's metadata would need https.
    expect(httpsRequest).not.toHaveBeenCalled();
  });

  it('proactive sends need the real app id; they carry the fixed token', async () => {
    const ref = TurnContext.getConversationReference(at(recorded(PERSONAL)));
    await bot.adapter.continueConversationAsync(APP_ID, ref, async (ctx) => { await ctx.sendActivity('Daily digest'); });
    expect(fake.callsTo('reply')[0]?.headers.authorization).toBe('Bearer fake-token');
    await expect(bot.adapter.continueConversationAsync('', ref, async () => undefined)).rejects.toThrow(/Invalid appId/);
  });
});

describe('processWith (adapters/teams/http.ts) on node:http', () => {
  it('answers 405, 400 and 413 itself; a throwing handler is a 500 carrying its message', async () => {
    const adapter = new TeamsAdapter({});
    let ran = 0;
    const handler = processWith(adapter, async () => { ran += 1; throw new Error('handler blew up'); }, { maxBodyBytes: 4096 });
    const server = createServer((req, res) => void handler(req, res).catch(() => undefined));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/messages`;
    const call = async (init: RequestInit): Promise<[number, string]> => {
      const res = await fetch(url, init);
      return [res.status, await res.text()];
    };
    expect((await call({ method: 'GET' }))[0]).toBe(405);
    expect((await call({ method: 'POST', body: '{not json' }))[0]).toBe(400);
    expect((await call({ method: 'POST', body: JSON.stringify({ text: 'x'.repeat(5000) }) }))[0]).toBe(413);
    expect(ran).toBe(0);
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    // botbuilder sends err.message to the caller: handlers must not put patient details in errors.
    expect(await call({ method: 'POST', body: JSON.stringify(at(recorded(PERSONAL))) })).toEqual([500, 'handler blew up']);
    errors.mockRestore();
    expect(ran).toBe(1);
    await new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); });
  });
});

describe('connector failures as botbuilder surfaces them (its pipeline retries first)', () => {
  let bot: Bot;
  beforeAll(async () => { bot = await startBot(new TeamsAdapter({})); });
  afterAll(async () => bot?.close());
  const send = async (): Promise<unknown> => {
    const ref = TurnContext.getConversationReference(at(recorded(PERSONAL)));
    let outcome: unknown = 'sent';
    await bot.adapter.continueConversationAsync('', ref, async (ctx) => {
      outcome = await ctx.sendActivity('x').then(() => 'sent', (err: unknown) => err);
    });
    return outcome;
  };

  it('429 with Retry-After: the SDK waits and retries by itself', async () => {
    fake.failNext('reply', 1, { status: 429, retryAfter: 1 });
    expect(await send()).toBe('sent');
    const [first, second] = fake.callsTo('reply');
    expect([first?.status, second?.status]).toEqual([429, 200]);
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(900);
  });

  it('412 is not retried: RestError with statusCode, and code/message from the error body', async () => {
    fake.failNext('reply', 1, { status: 412 });
    expect(await send()).toMatchObject({ name: 'RestError', statusCode: 412, code: 'PreconditionFailed', message: 'fake connector: scripted HTTP 412' });
    expect(fake.callsTo('reply')).toHaveLength(1);
  });

  it('one 500 is retried after about a second, then succeeds', async () => {
    fake.failNext('reply', 1, { status: 500 });
    expect(await send()).toBe('sent');
    expect(fake.callsTo('reply').map((c) => c.status)).toEqual([500, 200]);
  });
});
