/**
 * A post that mentions people and carries a chart, delivered to Slack through the outbox on both
 * engines: the real worker prepares the view (mentions resolved from linked identities, the PNG
 * loaded from chart_images), the real Web API client posts it to a fake Slack over HTTP, then
 * uploads the chart with files.uploadV2 into the post's thread. A failed upload leaves the post
 * delivered once (it is never posted again for a picture), an update never uploads again, and an
 * expired chart is replaced by its alt text.
 */
import crypto from 'node:crypto';
import { WebClient } from '@slack/web-api';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { createSlackDeliverer } from '../../../adapters/slack/deliver.js';
import { rowsOf } from '../../../src/db/client.js';
import type { Database } from '../../../src/db/database.js';
import { chartImages, platformIdentities } from '../../../src/db/schema.js';
import { createOutboxWorker } from '../../../src/delivery/worker.js';
import type { ChannelRef, Deliverer, MessageView } from '../../../src/index.js';
import { describeEachEngine } from '../../support/databases.js';
import { startFakeSlack, type FakeSlack } from '../../support/fake-slack.js';
import { addStaffMember, capturingLogger, freshChannel, outboxRow, queuePost } from '../../delivery/support.js';

const HOUR = 3_600_000;
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), crypto.randomBytes(2_000)]);
const ALT = 'Compliance by drug group over the last 12 weeks: lithium 90% to 94%, clozapine 98% throughout.';

let fake: FakeSlack;
beforeAll(async () => { fake = await startFakeSlack(); });
afterEach(() => fake.reset());
afterAll(async () => fake?.close());

describeEachEngine('Slack: mentions and charts through the outbox', (getDb) => {
  function setup() {
    const { logger, lines } = capturingLogger();
    const client = new WebClient('xoxb-test', { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true });
    const deliverer: Deliverer = createSlackDeliverer(client, logger);
    const worker = createOutboxWorker({ db: getDb(), deliverers: [deliverer], logger, channelIntervalMs: 0, random: () => 0 });
    return { deliverer, worker, lines };
  }

  async function storeChart(db: Database, expiresInMs: number): Promise<string> {
    const token = crypto.randomBytes(16).toString('hex');
    await db.insert(chartImages).values({ token, pngBase64: PNG.toString('base64'), width: 800, height: 400, expiresAt: new Date(Date.now() + expiresInMs) });
    return token;
  }

  /** A weekly digest with its chart, naming a linked pharmacist and an unlinked duty lead. */
  async function digestPost(channel: ChannelRef, token: string): Promise<{ view: MessageView; outboxId: number }> {
    const db = getDb();
    const pharmacist = await addStaffMember(db, 'Priya Shah');
    const lead = await addStaffMember(db, 'Sam Okafor');
    const userId = `U0P${crypto.randomBytes(4).toString('hex').toUpperCase()}`;
    await db.insert(platformIdentities).values({ platform: 'slack', tenant: channel.tenant, externalId: userId, staffId: pharmacist, linkedBy: 'admin' });
    const view: MessageView = {
      title: 'Weekly digest · North CMHT', fallbackText: 'Weekly digest for North CMHT: compliance 92%',
      blocks: [{ kind: 'text', text: 'Monitoring compliance 92% (up 3 points)' }],
      image: { token, title: 'Compliance by drug group', alt: ALT, width: 800, height: 400 },
      mentions: [{ staffId: pharmacist, name: 'Priya Shah' }, { staffId: lead, name: 'Sam Okafor' }],
    };
    return { view: { ...view, mentions: [{ ...view.mentions![0]!, userId }, view.mentions![1]!] }, outboxId: await queuePost(db, channel, { view }) };
  }

  it('posts with <@USERID> on top, then uploads the PNG in three calls into the post\'s thread', async () => {
    const { worker } = setup();
    const channel = freshChannel('slack');
    const { view, outboxId } = await digestPost(channel, await storeChart(getDb(), 24 * HOUR));
    const userId = view.mentions![0]!.userId!;

    expect(await worker.drainOnce()).toBe(1);
    expect(fake.calls.map((c) => c.method)).toEqual(['chat.postMessage', 'files.getUploadURLExternal', 'upload', 'files.completeUploadExternal']);
    const [post, asked, , completed] = fake.calls;
    expect(post!.body.channel).toBe(channel.channelId);
    expect(post!.body.text).toBe(`<@${userId}>, Sam Okafor\nWeekly digest for North CMHT: compliance 92%`);
    const blocks = post!.body.blocks as { type: string; text?: { text: string }; elements?: { text: string }[] }[];
    expect(blocks[0]).toMatchObject({ type: 'section', text: { text: `<@${userId}>, Sam Okafor` } });
    // The post says what the chart shows; the picture itself is the upload, not an image block.
    expect(blocks.some((b) => b.type === 'image')).toBe(false);
    expect(blocks.some((b) => b.elements?.[0]?.text === `*Compliance by drug group*: ${ALT}`)).toBe(true);

    expect(asked!.body).toMatchObject({ filename: 'compliance-by-drug-group.png', length: String(PNG.length), alt_text: ALT });
    expect(fake.uploads).toHaveLength(1);
    expect(fake.uploads[0]!.bytes.equals(PNG)).toBe(true);
    const row = await outboxRow(getDb(), outboxId);
    expect(row).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(completed!.body).toMatchObject({
      channel_id: channel.channelId, thread_ts: row.delivered_message_id, files: [{ id: fake.uploads[0]!.fileId, title: 'Compliance by drug group' }],
    });

    // The bytes were never written to the outbox: the row keeps the view as it was queued.
    const [stored] = rowsOf<{ view: string }>(await getDb().execute(sql`SELECT view::text AS view FROM outbox WHERE id = ${outboxId}`));
    expect(stored!.view).not.toContain(PNG.toString('base64').slice(0, 40));
    expect(stored!.view).not.toContain('"png"');
    expect(stored!.view).not.toContain(userId);
  });

  it('keeps a post whose upload failed for good delivered once, and logs the upload by its code only', async () => {
    const { worker, lines } = setup();
    const channel = freshChannel('slack');
    const { outboxId } = await digestPost(channel, await storeChart(getDb(), HOUR));
    fake.failNext('files.completeUploadExternal', 1, { error: 'not_in_channel' });

    await worker.drainOnce();
    expect(await outboxRow(getDb(), outboxId)).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(fake.callsTo('files.completeUploadExternal').map((c) => c.failed)).toEqual([true]);
    const logged = lines.filter((l) => l.event === 'slack_chart_upload_failed');
    expect(logged).toEqual([expect.objectContaining({ error: 'not_in_channel', kind: 'permanent', attempts: 1 })]);
    expect(JSON.stringify(lines)).not.toContain('Priya');

    // Nothing is sent again: the digest is in the channel, once.
    expect(await worker.drainOnce()).toBe(0);
    expect(fake.callsTo('chat.postMessage')).toHaveLength(1);
  });

  it('tries a transient upload failure once more, and the chart arrives', async () => {
    const { worker, lines } = setup();
    const channel = freshChannel('slack');
    const { outboxId } = await digestPost(channel, await storeChart(getDb(), HOUR));
    fake.failNext('upload', 1, { status: 503 });

    await worker.drainOnce();
    expect(fake.callsTo('upload').map((c) => c.status)).toEqual([503, 200]);
    expect(fake.uploads).toHaveLength(1);
    expect(fake.callsTo('files.completeUploadExternal')).toHaveLength(1);
    expect(fake.callsTo('chat.postMessage')).toHaveLength(1);
    expect(await outboxRow(getDb(), outboxId)).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(lines.filter((l) => l.event === 'slack_chart_upload_failed')).toEqual([]);
  });

  it('replaces an expired chart by its alt text and uploads nothing', async () => {
    const { worker } = setup();
    const channel = freshChannel('slack');
    const { outboxId } = await digestPost(channel, await storeChart(getDb(), -1));

    await worker.drainOnce();
    expect(fake.calls.map((c) => c.method)).toEqual(['chat.postMessage']);
    const blocks = fake.calls[0]!.body.blocks as { type: string; text?: { text: string } }[];
    expect(blocks.filter((b) => b.type === 'section').map((b) => b.text?.text)).toContain(ALT);
    expect(JSON.stringify(blocks)).not.toContain('*Compliance by drug group*');
    expect(await outboxRow(getDb(), outboxId)).toMatchObject({ status: 'delivered' });
  });

  it('updates a posted message without uploading the chart again', async () => {
    const { deliverer } = setup();
    const channel = freshChannel('slack');
    const view: MessageView = {
      title: 'Weekly digest', fallbackText: 'Weekly digest', blocks: [],
      image: { token: 'b'.repeat(32), title: 'Compliance by drug group', alt: ALT, width: 800, height: 400, png: PNG, url: 'https://closedloop.example.nhs.uk/charts/b.png' },
    };
    await deliverer.update({ ...channel, messageId: '1700000000.000100' }, view);
    expect(fake.calls.map((c) => c.method)).toEqual(['chat.update']);
    expect(fake.calls[0]!.body).toMatchObject({ channel: channel.channelId, ts: '1700000000.000100' });
    expect(JSON.stringify(fake.calls[0]!.body.blocks)).not.toContain('"image"');
  });
});
