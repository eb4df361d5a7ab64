import { readFileSync } from 'node:fs';
import { TeamsAdapter } from '@microsoft/teams-ai';
import { TurnContext, type Activity } from 'botbuilder';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTeamsDeliverer, toDeliveryError } from '../../../adapters/teams/deliver.js';
import { DeliveryError, type MessageView, type StoredConversation } from '../../../src/index.js';
import { startFakeConnector, type FakeConnector } from '../../support/fake-connector.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const personal = (): any => JSON.parse(readFileSync(new URL('../../fixtures/teams/botbuilder-js-integrationBot-recordings/requests/20191021205338231-request-integrationBot.json', import.meta.url), 'utf8')).body;
const VIEW: MessageView = { title: 'Action 12', fallbackText: 'Action 12: claimed', blocks: [{ kind: 'text', text: 'Claimed by Dr A' }] };

let fake: FakeConnector;
beforeAll(async () => { fake = await startFakeConnector(); });
afterEach(() => fake.reset());
afterAll(async () => fake?.close());

describe('createTeamsDeliverer', () => {
  const activity = (): Activity => ({ ...personal(), serviceUrl: fake.serviceUrl });
  const stored = (): StoredConversation => ({
    platform: 'teams', tenant: activity().conversation.tenantId!, channelId: activity().conversation.id, kind: 'personal', userId: null,
    reference: JSON.parse(JSON.stringify(TurnContext.getConversationReference(activity()))),
  });
  const make = () => createTeamsDeliverer({
    adapter: new TeamsAdapter({}), appId: undefined,
    conversations: { find: async (_p, tenant, channelId) => (tenant === stored().tenant && channelId === stored().channelId ? stored() : null) },
  });
  const channel = () => ({ platform: 'teams' as const, tenant: stored().tenant, channelId: stored().channelId });

  it('posts the card to the stored conversation and returns its activity id; updates it with a PUT', async () => {
    const { messageId } = await make().post(channel(), VIEW);
    const sent = fake.calls.at(-1);
    expect(sent?.conversationId).toBe(channel().channelId);
    expect(sent?.body).toMatchObject({ type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive' }] });
    expect(messageId).toBeTruthy();
    await make().update({ ...channel(), messageId }, VIEW);
    expect(fake.callsTo('update')[0]).toMatchObject({ method: 'PUT', activityId: messageId });
  });

  it('no stored reference is permanent; 412 is transient; 404 permanent', async () => {
    await expect(make().post({ ...channel(), channelId: 'a:unknown' }, VIEW)).rejects.toMatchObject({ kind: 'permanent', code: 'no_conversation_reference' });
    fake.failNext('update', 1, { status: 412 });
    await expect(make().update({ ...channel(), messageId: '1' }, VIEW)).rejects.toMatchObject({ kind: 'transient', code: 'precondition_failed' });
    fake.failNext('update', 1, { status: 404 });
    await expect(make().update({ ...channel(), messageId: '1' }, VIEW)).rejects.toMatchObject({ kind: 'permanent', code: 'http_404' });
  });

  it('maps SDK errors by status', () => {
    expect(toDeliveryError({ statusCode: 429 })).toMatchObject({ kind: 'rate_limited', retryAfterMs: 1000 });
    expect(toDeliveryError({ statusCode: 429, response: { headers: { get: () => '3' } } })).toMatchObject({ retryAfterMs: 3000 });
    expect(toDeliveryError({ statusCode: 503 })).toMatchObject({ kind: 'transient', code: 'http_503' });
    expect(toDeliveryError({ statusCode: 401 })).toMatchObject({ kind: 'permanent' });
    expect(toDeliveryError(new Error('socket hang up'))).toMatchObject({ kind: 'transient', code: 'network_error' });
    expect(toDeliveryError(new DeliveryError('permanent', 'x')).code).toBe('x');
  });
});
