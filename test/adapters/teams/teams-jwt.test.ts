/**
 * Bot Framework JWT checks on our /api/messages route with an app id, against the real core and
 * database (PGlite): the fake OpenID issuer is injected through the adapter's `auth` override.
 * A refused request runs nothing (no audit event, nothing sent to the connector); a valid one runs
 * the command, and the bot's outbound calls carry its own bearer token.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi, type MockInstance } from 'vitest';
import { createTeamsAdapter } from '../../../adapters/teams/app.js';
import { rowsOf } from '../../../src/db/client.js';
import { createConversationStore } from '../../../src/index.js';
import { createLogger } from '../../../src/logging/logger.js';
import { USERS, createWorld, type World } from '../../contract/world.js';
import { FAKE_OUTBOUND_TOKEN, FixedTokenCredentialsFactory, generateSigningKey, jwtAuthConfig, startFakeBotFrameworkIssuer, type FakeBotFrameworkIssuer } from '../../support/bot-jwt.js';
import { startFakeConnector, type FakeConnector } from '../../support/fake-connector.js';
import { BOT, CHANNEL, TENANT_ID } from '../../support/teams-harness.js';

const APP_ID = '00000000-0000-4000-8000-00000000a11d';
const FROM = { id: '29:user-jwt', aadObjectId: '00000000-0000-4000-a000-00000000a11d', name: 'Person JWT' };

let world: World;
let fake: FakeConnector;
let issuer: FakeBotFrameworkIssuer;
let server: Server;
let url: string;
let errors: MockInstance;

const count = async (query: ReturnType<typeof sql>) => Number(rowsOf<{ n: number }>(await world.db.execute(query))[0]?.n ?? 0);
const auditEvents = () => count(sql`SELECT count(*)::int AS n FROM audit_events`);
const activity = (text: string) => ({
  type: 'message', id: `jwt-${Date.now()}-${Math.floor(Math.random() * 1000)}`, text: `<at>closedloop</at> ${text}`, textFormat: 'plain',
  channelId: 'msteams', serviceUrl: fake.serviceUrl, from: FROM, recipient: BOT, timestamp: new Date().toISOString(),
  conversation: { id: CHANNEL, conversationType: 'channel', isGroup: true, tenantId: TENANT_ID },
  channelData: { tenant: { id: TENANT_ID }, team: { id: '19:team@thread.tacv2' }, channel: { id: CHANNEL } },
  entities: [{ type: 'mention', text: '<at>closedloop</at>', mentioned: BOT }],
});
const post = async (body: unknown, authorization?: string) => (await fetch(url, {
  method: 'POST', headers: { 'content-type': 'application/json', ...(authorization ? { authorization: `Bearer ${authorization}` } : {}) }, body: JSON.stringify(body),
})).status;

beforeAll(async () => {
  world = await createWorld('pglite');
  fake = await startFakeConnector({ tenantId: TENANT_ID });
  fake.members[FROM.id] = { ...FROM, email: USERS.technician.email, tenantId: TENANT_ID };
  issuer = await startFakeBotFrameworkIssuer([generateSigningKey('published-key')]);
  const bot = createTeamsAdapter({
    core: world.core, logger: createLogger('error', () => {}), conversations: createConversationStore(world.db),
    config: { appId: APP_ID, appPassword: 'secret', appType: 'MultiTenant', tenantId: undefined, allowedTenants: [TENANT_ID], connectorAllowlist: [fake.serviceUrl], unauthenticated: false },
    auth: { config: jwtAuthConfig(APP_ID, issuer.metadataUrl), credentialsFactory: new FixedTokenCredentialsFactory(APP_ID) },
  });
  expect(bot.mode).toBe('authenticated');
  server = createServer((req, res) => { if (!bot.route(req, res)) res.writeHead(404).end(); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/messages`;
  // botbuilder logs each refused token with console.error.
  errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
}, 60_000);
afterAll(async () => {
  errors?.mockRestore();
  if (server) await new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); });
  await issuer?.close();
  await fake?.close();
  await world?.close();
});

describe('Teams with an app id: JWTs on /api/messages', () => {
  it('401 and nothing run without a token, with an expired one, or one signed by a key the issuer never published; a valid one runs the claim', async () => {
    const [open] = rowsOf<{ id: number }>(await world.db.execute(sql`SELECT id FROM actions WHERE kind = 'overdue_monitoring' AND status = 'open' ORDER BY id LIMIT 1`));
    expect(open).toBeDefined();
    const ref = `A-${open!.id}`;
    const claim = activity(`claim ${ref}`);
    const eventsBefore = await auditEvents();

    const stranger = generateSigningKey('never-published');
    const refused = {
      missing: await post(claim),
      // Older than botbuilder's 5-minute clock tolerance.
      expired: await post(claim, issuer.signBotToken({ appId: APP_ID, serviceUrl: fake.serviceUrl, expiresInSeconds: -10 * 60 })),
      unknownKey: await post(claim, issuer.signBotToken({ appId: APP_ID, serviceUrl: fake.serviceUrl, key: stranger.privateKey, kid: stranger.kid })),
    };
    expect(refused).toEqual({ missing: 401, expired: 401, unknownKey: 401 });
    // Refused before any turn: the core never ran, nothing reached the connector.
    await new Promise((r) => setTimeout(r, 200));
    expect(await auditEvents()).toBe(eventsBefore);
    expect(fake.calls).toEqual([]);
    expect(await count(sql`SELECT count(*)::int AS n FROM actions WHERE id = ${open!.id} AND status = 'open'`)).toBe(1);
    expect(await count(sql`SELECT count(*)::int AS n FROM conversations WHERE channel_id = ${CHANNEL}`)).toBe(0);

    // The issuer was consulted: the SDK checked the tokens against our keys, not Microsoft's.
    expect(issuer.fetches.some((f) => f.path === '/v1/keys')).toBe(true);

    expect(await post(claim, issuer.signBotToken({ appId: APP_ID, serviceUrl: fake.serviceUrl }))).toBe(200);
    await expect.poll(() => count(sql`SELECT count(*)::int AS n FROM audit_events WHERE verb = 'action.claimed' AND entity_id = ${ref}`)).toBe(1);
    expect(await count(sql`SELECT count(*)::int AS n FROM actions WHERE id = ${open!.id} AND status = 'claimed'`)).toBe(1);
    // The answer goes to the person's own chat with the bot, signed with the bot's token.
    const answer = await fake.waitFor((f) => f.calls.find((c) => c.kind === 'reply' || c.kind === 'send'));
    expect(answer.headers.authorization).toBe(`Bearer ${FAKE_OUTBOUND_TOKEN}`);
    expect(JSON.stringify(answer.body)).toContain(ref);
    expect(fake.calls.every((c) => c.headers.authorization === `Bearer ${FAKE_OUTBOUND_TOKEN}`)).toBe(true);
  });
});
