/**
 * The Teams adapter end to end on our HTTP route: recorded activities, Action.Execute presses
 * (and their redelivery), authentication with an app id, and the outbox posting to and updating
 * cards in a bound channel through the fake Bot Connector.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTeamsAdapter } from '../../../adapters/teams/app.js';
import { rowsOf } from '../../../src/db/client.js';
import { createConversationStore, type Core } from '../../../src/index.js';
import { createLogger } from '../../../src/logging/logger.js';
import { USERS, createWorld, type World } from '../../contract/world.js';
import { FixedTokenCredentialsFactory, generateSigningKey, jwtAuthConfig, startFakeBotFrameworkIssuer } from '../../support/bot-jwt.js';
import { CHANNEL, readCard, shownSince, startTeamsHarness, type TeamsHarness } from '../../support/teams-harness.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const recorded = (stamp: string): any => JSON.parse(readFileSync(new URL(`../../fixtures/teams/botbuilder-js-integrationBot-recordings/requests/${stamp}-request-integrationBot.json`, import.meta.url), 'utf8')).body;
const APP_ID = '00000000-0000-4000-8000-00000000b07a';

let world: World;
let h: TeamsHarness;
const post = async (url: string, activity: unknown, authorization?: string) => {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) }, body: JSON.stringify(activity) });
  const text = await res.text();
  return { status: res.status, text };
};
const count = async (query: ReturnType<typeof sql>) => Number(rowsOf<{ n: number }>(await world.db.execute(query))[0]?.n ?? 0);

beforeAll(async () => {
  world = await createWorld('pglite');
  h = await startTeamsHarness(world.core, world.db, { config: { allowedTenants: null } });
}, 60_000);
afterAll(async () => { await h?.close(); await world?.close(); });

describe('recorded Teams activities on /api/messages', () => {
  it('an install stores the conversation reference once; a channel @mention runs a command; an unknown invoke is answered 501', async () => {
    const install = { ...recorded('20191019181214767'), serviceUrl: h.fake.serviceUrl };
    install.membersAdded = [install.recipient];
    expect((await post(h.url, install)).status).toBe(200);
    expect((await post(h.url, install)).status).toBe(200);
    expect(await count(sql`SELECT count(*)::int AS n FROM conversations WHERE channel_id = ${install.conversation.id}`)).toBe(1);
    expect(await count(sql`SELECT count(*)::int AS n FROM audit_events WHERE verb = 'conversation.installed' AND entity_id LIKE ${`teams:%:${install.conversation.id}`}`)).toBe(1);

    const before = h.fake.calls.length;
    const mention = { ...recorded('20191020025610932'), serviceUrl: h.fake.serviceUrl, text: '<at>My Combined</at>help\n' };
    expect((await post(h.url, mention)).status).toBe(200);
    await h.settle();
    // Not in the channel: the answer goes to the person's own chat with the bot.
    expect(h.fake.callsTo('createConversation').length).toBeGreaterThan(0);
    expect(shownSince(h.fake, before).text).toMatch(/claim/);
    expect(h.fake.calls.slice(before).some((c) => c.conversationId === mention.conversation.id && c.kind !== 'getMember')).toBe(false);

    const unknown = await post(h.url, { ...recorded('20191020020654953'), serviceUrl: h.fake.serviceUrl });
    expect(unknown.status).toBe(501);
    expect(h.logLines.join('\n')).not.toContain('"key"');
  });
});

describe('a bound channel', () => {
  const { technician, admin } = USERS;
  it('a typed claim posts the channel card; a console release updates it; its claim button, pressed twice (one invoke redelivered), claims once', async () => {
    expect((await h.message(h.accountFor(admin.email), 'bind North CMHT (demo)')).status).toBe(200);
    await h.settle();
    const at = h.fake.calls.length;
    await h.message(h.accountFor(technician.email), 'list overdue_monitoring');
    await h.settle();
    const listed = shownSince(h.fake, at).buttons.find((b) => b.command === 'claim');
    expect(listed).toBeDefined();
    const ref = `A-${listed!.actionId}`;
    const claimedAt = h.fake.calls.length;
    await h.message(h.accountFor(technician.email), `claim ${ref}`);
    await h.settle();
    const posted = h.fake.calls.slice(claimedAt).filter((c) => c.conversationId === CHANNEL && (c.kind === 'reply' || c.kind === 'send'));
    expect(posted).toHaveLength(1);

    const released = await world.core.handle({
      text: `release ${ref}`, actor: { platform: 'console', tenant: 'local', userId: technician.email, verifiedEmail: technician.email }, channel: { id: 'console', kind: 'direct' },
      via: 'console', correlationId: 'console-release',
    });
    expect(released.ok).toBe(true);
    await h.settle();
    const update = h.fake.callsTo('update').filter((c) => c.conversationId === CHANNEL).at(-1);
    expect(update).toMatchObject({ method: 'PUT' });
    const card = readCard((update?.body as { attachments: { content: unknown }[] }).attachments[0]?.content, { messageId: update!.activityId!, conversationId: CHANNEL });
    expect(card.text).toContain(ref);
    const claim = card.buttons.find((b) => b.command === 'claim');
    expect(claim).toBeDefined();

    const claimsBefore = await count(sql`SELECT count(*)::int AS n FROM audit_events WHERE entity_id = ${ref} AND verb = 'action.claimed'`);
    const updatesBefore = h.fake.callsTo('update').length;
    const id = 'f:press-twice';
    const answers = [await h.invoke(h.accountFor(technician.email), claim!, { id }), await h.invoke(h.accountFor(technician.email), claim!, { id })];
    await h.settle();
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      const body = answer.body as { type: string; value: unknown };
      expect(body.type).toBe('application/vnd.microsoft.card.adaptive');
      expect(readCard(body.value, { messageId: '', conversationId: '' }).text).toContain(technician.name);
    }
    expect(await count(sql`SELECT count(*)::int AS n FROM audit_events WHERE entity_id = ${ref} AND verb = 'action.claimed'`)).toBe(claimsBefore + 1);
    // The channel card is updated for everyone once, through the outbox.
    expect(h.fake.callsTo('update').slice(updatesBefore).filter((c) => c.conversationId === CHANNEL && c.activityId === update!.activityId)).toHaveLength(1);
  });
});

describe('the tenant allowlist', () => {
  it('refuses a tenant not listed: a short refusal, nothing run, only the tenant id logged', async () => {
    const core: Core = { handle: vi.fn(async () => ({ ok: true, effects: [] })) };
    const lines: string[] = [];
    const bot = createTeamsAdapter({
      core, logger: createLogger('debug', (line) => lines.push(line)), conversations: createConversationStore(world.db),
      config: { appId: undefined, appPassword: undefined, appType: 'SingleTenant', tenantId: undefined, allowedTenants: ['11111111-1111-4111-8111-111111111111'], connectorAllowlist: [h.fake.serviceUrl], unauthenticated: true },
    });
    const server = createServer((req, res) => { if (!bot.route(req, res)) res.writeHead(404).end(); });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/messages`;
    try {
      const before = h.fake.calls.length;
      const activity = { ...recorded('20191021205338231'), serviceUrl: h.fake.serviceUrl };
      expect((await post(url, activity)).status).toBe(200);
      expect(core.handle).not.toHaveBeenCalled();
      expect(shownSince(h.fake, before).text).toContain('not set up');
      expect(lines.join('\n')).toContain('teams_unauthenticated');
      const refused = lines.find((l) => l.includes('teams_tenant_refused'));
      expect(refused).toContain(activity.conversation.tenantId);
      expect(refused).not.toContain('Tien');
      // A serviceUrl that is neither Microsoft's nor listed: nothing is sent there at all.
      const calls = h.fake.calls.length;
      expect((await post(url, { ...activity, serviceUrl: 'http://127.0.0.1:9/' })).status).toBe(200);
      expect(h.fake.calls.length).toBe(calls);
      expect(lines.some((l) => l.includes('teams_connector_refused'))).toBe(true);
    } finally {
      await new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); });
    }
  });
});

describe('with an app id', () => {
  it('refuses a request without a valid JWT with 401, and runs nothing', async () => {
    const issuer = await startFakeBotFrameworkIssuer([generateSigningKey('teams-key')]);
    const core: Core = { handle: vi.fn(async () => ({ ok: true, effects: [] })) };
    const bot = createTeamsAdapter({
      core, logger: createLogger('error', () => {}), conversations: createConversationStore(world.db),
      config: { appId: APP_ID, appPassword: 'secret', appType: 'SingleTenant', tenantId: APP_ID, allowedTenants: null, connectorAllowlist: [h.fake.serviceUrl], unauthenticated: false },
      auth: { config: jwtAuthConfig(APP_ID, issuer.metadataUrl), credentialsFactory: new FixedTokenCredentialsFactory(APP_ID) },
    });
    const server = createServer((req, res) => { if (!bot.route(req, res)) res.writeHead(404).end(); });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/messages`;
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const activity = { ...recorded('20191021205338231'), serviceUrl: h.fake.serviceUrl };
      expect((await post(url, activity)).status).toBe(401);
      const stranger = generateSigningKey('stranger');
      const forged = issuer.signBotToken({ appId: APP_ID, serviceUrl: h.fake.serviceUrl, key: stranger.privateKey, kid: stranger.kid });
      expect((await post(url, activity, `Bearer ${forged}`)).status).toBe(401);
      expect(core.handle).not.toHaveBeenCalled();
      expect((await post(url, activity, `Bearer ${issuer.signBotToken({ appId: APP_ID, serviceUrl: h.fake.serviceUrl })}`)).status).toBe(200);
      expect(core.handle).toHaveBeenCalledTimes(1);
    } finally {
      errors.mockRestore();
      await new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); });
      await issuer.close();
    }
  });
});
