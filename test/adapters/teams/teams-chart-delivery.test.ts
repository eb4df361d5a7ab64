/**
 * A post that mentions people and carries a chart, delivered to Teams through the outbox on both
 * engines: the real worker prepares the view (each mention's AAD object id from its linked Teams
 * identity), botbuilder's real connector client sends the card to a fake Bot Connector over HTTP,
 * and the card carries a mention entity Teams notifies on and an Image Teams fetches by URL.
 */
import crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import { TeamsAdapter } from '@microsoft/teams-ai';
import { TurnContext, type Activity } from 'botbuilder';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { createTeamsDeliverer } from '../../../adapters/teams/deliver.js';
import { chartImages, platformIdentities } from '../../../src/db/schema.js';
import { createOutboxWorker } from '../../../src/delivery/worker.js';
import type { ChannelRef, MessageView, StoredConversation } from '../../../src/index.js';
import { addStaffMember, capturingLogger, outboxRow, queuePost } from '../../delivery/support.js';
import { describeEachEngine } from '../../support/databases.js';
import { startFakeConnector, type FakeConnector } from '../../support/fake-connector.js';
import { cardProblems, ofType } from './card-check.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;
const HOUR = 3_600_000;
const ALT = 'Compliance by drug group over the last 12 weeks: lithium 90% to 94%, clozapine 98% throughout.';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const recorded = (): any => JSON.parse(readFileSync(new URL('../../fixtures/teams/botbuilder-js-integrationBot-recordings/requests/20191021205338231-request-integrationBot.json', import.meta.url), 'utf8')).body;

let fake: FakeConnector;
beforeAll(async () => { fake = await startFakeConnector(); });
afterEach(() => fake.reset());
afterAll(async () => fake?.close());

describeEachEngine('Teams: mentions and charts through the outbox', (getDb) => {
  const activity = (): Activity => ({ ...recorded(), serviceUrl: fake.serviceUrl });
  const stored = (): StoredConversation => ({
    platform: 'teams', tenant: activity().conversation.tenantId!, channelId: activity().conversation.id, kind: 'personal', userId: null,
    reference: JSON.parse(JSON.stringify(TurnContext.getConversationReference(activity()))),
  });
  const channel = (): ChannelRef => ({ platform: 'teams', tenant: stored().tenant, channelId: stored().channelId });

  function setup() {
    const { logger } = capturingLogger();
    const deliverer = createTeamsDeliverer({
      adapter: new TeamsAdapter({}), appId: undefined,
      conversations: { find: async (_p, tenant, channelId) => (tenant === stored().tenant && channelId === stored().channelId ? stored() : null) },
    });
    return createOutboxWorker({ db: getDb(), deliverers: [deliverer], logger, channelIntervalMs: 0, random: () => 0 });
  }

  /** Queues a digest naming a pharmacist linked in Teams and a duty lead who is not; returns the outbox id and the AAD id. */
  async function queueDigest(image: Partial<NonNullable<MessageView['image']>> & { expiresInMs: number }): Promise<{ outboxId: number; aadId: string; token: string }> {
    const db = getDb();
    const token = crypto.randomBytes(16).toString('base64url');
    await db.insert(chartImages).values({ token, pngBase64: Buffer.from('png').toString('base64'), width: 800, height: 400, expiresAt: new Date(Date.now() + image.expiresInMs) });
    const pharmacist = await addStaffMember(db, 'Priya Shah');
    const lead = await addStaffMember(db, 'Sam Okafor');
    const aadId = crypto.randomUUID();
    await db.insert(platformIdentities).values({ platform: 'teams', tenant: channel().tenant, externalId: aadId, staffId: pharmacist, linkedBy: 'verified_email' });
    const view: MessageView = {
      title: 'Weekly digest · North CMHT', fallbackText: 'Weekly digest for North CMHT: compliance 92%',
      blocks: [{ kind: 'text', text: 'Monitoring compliance 92% (up 3 points)' }],
      image: { token, title: 'Compliance by drug group', alt: ALT, width: 800, height: 400, ...(image.url ? { url: image.url } : {}) },
      mentions: [{ staffId: pharmacist, name: 'Priya Shah' }, { staffId: lead, name: 'Sam Okafor' }],
    };
    return { outboxId: await queuePost(db, channel(), { view }), aadId, token };
  }

  const sentCard = (): Json => {
    const sent = fake.calls.find((c) => c.kind === 'send' || c.kind === 'reply');
    if (!sent) throw new Error(`no card sent: ${JSON.stringify(fake.calls.map((c) => [c.kind, c.status]))}`);
    return (sent!.body as Json).attachments[0].content as Json;
  };

  it('sends a card that mentions the linked pharmacist by AAD id and shows the chart from its URL', async () => {
    const worker = setup();
    const url = 'https://closedloop.example.nhs.uk/charts/weekly.png';
    const { outboxId, aadId } = await queueDigest({ url, expiresInMs: 24 * HOUR });

    expect(await worker.drainOnce()).toBe(1);
    const card = sentCard();
    expect(card.msteams.entities).toEqual([{ type: 'mention', text: '<at>Priya Shah</at>', mentioned: { id: aadId, name: 'Priya Shah' } }]);
    expect(card.body[1]).toMatchObject({ type: 'TextBlock', text: '<at>Priya Shah</at>, Sam Okafor' });
    expect(ofType(card, 'Image')).toEqual([{ type: 'Image', url, altText: ALT, msteams: { allowExpand: true } }]);
    expect(cardProblems(card)).toEqual([]);
    expect(await outboxRow(getDb(), outboxId)).toMatchObject({ status: 'delivered', attempts: 1 });
  });

  it('says the chart needs PUBLIC_BASE_URL when it has no URL, and gives its alt text', async () => {
    const worker = setup();
    await queueDigest({ expiresInMs: HOUR });
    await worker.drainOnce();
    const card = sentCard();
    expect(ofType(card, 'Image')).toEqual([]);
    const texts = ofType(card, 'TextBlock').map((t) => String(t.text));
    expect(texts.some((t) => t.includes('PUBLIC\\_BASE\\_URL'))).toBe(true);
    expect(texts).toContain(ALT);
  });

  it('drops an expired chart, keeping its alt text, so the card never points at an image that will not load', async () => {
    const worker = setup();
    await queueDigest({ url: 'https://closedloop.example.nhs.uk/charts/old.png', expiresInMs: -1 });
    await worker.drainOnce();
    const card = sentCard();
    expect(ofType(card, 'Image')).toEqual([]);
    expect(JSON.stringify(card)).not.toContain('charts/old.png');
    expect(ofType(card, 'TextBlock').map((t) => String(t.text))).toContain(ALT);
    expect(card.msteams.entities).toHaveLength(1);
  });
});
