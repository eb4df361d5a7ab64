/**
 * Preparing a rendered view for the platform it is sent to (src/delivery/prepare-view.ts), on
 * both engines: mentions get the person's account on the row's platform and tenant, or stay a
 * name; a chart gets its PNG for a post, or is replaced by its alt text once it has expired or
 * is missing, so the post still says what the chart showed.
 */
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { chartImages, platformIdentities } from '../../src/db/schema.js';
import { chartImageUrl, findChartImage } from '../../src/charts/chart-store.js';
import { prepareViewForDelivery } from '../../src/delivery/prepare-view.js';
import type { OutboxRow } from '../../src/delivery/outbox-store.js';
import type { MessageView } from '../../src/views/model.js';
import { describeEachEngine } from '../support/databases.js';
import { addStaffMember } from './support.js';

const NOW = new Date('2026-11-23T09:00:00Z');
const HOUR = 3_600_000;
/** Some bytes standing for a PNG: what matters is that they come back exactly. */
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x01, 0xfe, 0xff]);

function row(kind: 'post' | 'update', platform: OutboxRow['platform'] = 'slack', tenant = 'T0PREP'): OutboxRow {
  return {
    id: 1, platform, tenant, channelId: 'C0PREP', kind, messageRowId: kind === 'update' ? 1 : null, messageId: kind === 'update' ? '1.0' : null,
    subject: null, view: null, attempts: 1, correlationId: null,
  };
}

const token = () => crypto.randomBytes(16).toString('hex');

async function storeChart(db: Database, expiresAt: Date): Promise<string> {
  const t = token();
  await db.insert(chartImages).values({ token: t, pngBase64: PNG.toString('base64'), width: 800, height: 400, expiresAt });
  return t;
}

async function link(db: Database, staffId: string, platform: 'slack' | 'teams', tenant: string, externalId: string, createdAt?: Date): Promise<void> {
  await db.insert(platformIdentities).values({ platform, tenant, externalId, staffId, linkedBy: 'admin', ...(createdAt ? { createdAt } : {}) });
}

function chartView(chartToken: string, extra: Partial<MessageView> = {}): MessageView {
  return {
    title: 'Weekly digest', fallbackText: 'Weekly digest for North CMHT', blocks: [{ kind: 'text', text: 'Compliance 92%' }],
    image: { token: chartToken, alt: 'Compliance by drug group, last 12 weeks: lithium 90% to 94%.', title: 'Compliance by drug group', width: 800, height: 400 },
    ...extra,
  };
}

describeEachEngine('prepareViewForDelivery', (getDb) => {
  describe('mentions', () => {
    it('gives each person their account on the row\'s platform and tenant, and leaves the unlinked as names', async () => {
      const db = getDb();
      const pharmacist = await addStaffMember(db, 'Priya Shah');
      const lead = await addStaffMember(db, 'Sam Okafor');
      const elsewhere = await addStaffMember(db, 'Alex Teams-Only');
      await link(db, pharmacist, 'slack', 'T0PREP', 'U0PRIYA');
      await link(db, pharmacist, 'teams', 'tenant-1', '6a1c9e4e-2d3b-4f6e-9a7b-1c2d3e4f5a6b');
      await link(db, lead, 'slack', 'T0OTHER', 'U0SAMOTHER');
      await link(db, elsewhere, 'teams', 'tenant-1', '0f0e0d0c-0b0a-4908-8706-050403020100');
      const view: MessageView = {
        title: 'Red result', fallbackText: 'Red result', blocks: [],
        mentions: [{ staffId: pharmacist, name: 'Priya Shah' }, { staffId: lead, name: 'Sam Okafor' }, { staffId: elsewhere, name: 'Alex Teams-Only' }],
      };

      const slack = await prepareViewForDelivery(db, row('post', 'slack', 'T0PREP'), view, NOW);
      expect(slack.mentions).toEqual([
        { staffId: pharmacist, name: 'Priya Shah', userId: 'U0PRIYA' },
        { staffId: lead, name: 'Sam Okafor' },
        { staffId: elsewhere, name: 'Alex Teams-Only' },
      ]);
      const teams = await prepareViewForDelivery(db, row('post', 'teams', 'tenant-1'), view, NOW);
      expect(teams.mentions).toEqual([
        { staffId: pharmacist, name: 'Priya Shah', userId: '6a1c9e4e-2d3b-4f6e-9a7b-1c2d3e4f5a6b' },
        { staffId: lead, name: 'Sam Okafor' },
        { staffId: elsewhere, name: 'Alex Teams-Only', userId: '0f0e0d0c-0b0a-4908-8706-050403020100' },
      ]);
      // The view that was rendered is not changed in place (a frozen view is reused on a retry).
      expect(view.mentions?.every((m) => m.userId === undefined)).toBe(true);
    });

    it('replaces a userId the view already carried, uses the newest of two links, and ignores a staff id that is not one', async () => {
      const db = getDb();
      const nurse = await addStaffMember(db, 'Jo Bloggs');
      await link(db, nurse, 'slack', 'T0NEWEST', 'U0OLDACCOUNT', new Date('2026-01-01T00:00:00Z'));
      await link(db, nurse, 'slack', 'T0NEWEST', 'U0NEWACCOUNT', new Date('2026-06-01T00:00:00Z'));
      const view: MessageView = {
        title: 'Stale claim', fallbackText: 'Stale claim', blocks: [],
        mentions: [{ staffId: nurse, name: 'Jo Bloggs', userId: 'U0FROMELSEWHERE' }, { staffId: 'not-a-uuid', name: 'Nobody', userId: 'U0INJECTED' }],
      };
      const prepared = await prepareViewForDelivery(db, row('post', 'slack', 'T0NEWEST'), view, NOW);
      expect(prepared.mentions).toEqual([{ staffId: nurse, name: 'Jo Bloggs', userId: 'U0NEWACCOUNT' }, { staffId: 'not-a-uuid', name: 'Nobody' }]);
    });

    it('returns a view with neither mentions nor an image as it was', async () => {
      const view: MessageView = { title: 'Notice', fallbackText: 'Notice', blocks: [{ kind: 'text', text: 'Nothing to resolve' }] };
      expect(await prepareViewForDelivery(getDb(), row('post'), view, NOW)).toEqual(view);
    });
  });

  describe('charts', () => {
    it('attaches the stored PNG to a post, keeping what the view says about it', async () => {
      const db = getDb();
      const t = await storeChart(db, new Date(NOW.getTime() + 24 * HOUR));
      const view = chartView(t);
      const prepared = await prepareViewForDelivery(db, row('post'), view, NOW);
      expect(prepared.image).toMatchObject({ token: t, alt: view.image!.alt, title: view.image!.title, width: 800, height: 400 });
      expect(Buffer.from(prepared.image!.png!).equals(PNG)).toBe(true);
      expect(prepared.blocks).toEqual(view.blocks);
      // The bytes live in memory only: the rendered view itself is untouched.
      expect(view.image!.png).toBeUndefined();
    });

    it('does not load the bytes for an update (nothing is uploaded again), but keeps the image', async () => {
      const db = getDb();
      const t = await storeChart(db, new Date(NOW.getTime() + HOUR));
      const prepared = await prepareViewForDelivery(db, row('update'), chartView(t, { image: { ...chartView(t).image!, url: 'https://closedloop.example.nhs.uk/charts/x.png' } }), NOW);
      expect(prepared.image).toMatchObject({ token: t, url: 'https://closedloop.example.nhs.uk/charts/x.png' });
      expect(prepared.image!.png).toBeUndefined();
    });

    it('gives a chart its public address when PUBLIC_BASE_URL is set and the view has none', async () => {
      const db = getDb();
      const t = await storeChart(db, new Date(NOW.getTime() + HOUR));
      const prepared = await prepareViewForDelivery(db, row('post', 'teams', 'tenant-1'), chartView(t), NOW, { publicBaseUrl: 'https://closedloop.example.nhs.uk/' });
      expect(prepared.image!.url).toBe(`https://closedloop.example.nhs.uk/charts/${t}.png`);
      expect(chartImageUrl('https://x.example/base', 'abc')).toBe('https://x.example/base/charts/abc.png');
    });

    it('replaces an expired, missing or malformed chart by its alt text, at the end of the view', async () => {
      const db = getDb();
      const expired = await storeChart(db, new Date(NOW.getTime() - 1));
      const atTheInstant = await storeChart(db, NOW);
      for (const t of [expired, atTheInstant, token(), '../../etc/passwd', "x' OR '1'='1"]) {
        const view = chartView(t, { mentions: [] });
        const prepared = await prepareViewForDelivery(db, row('post'), view, NOW);
        expect(prepared.image, t).toBeUndefined();
        expect(prepared.blocks).toEqual([...view.blocks, { kind: 'text', text: view.image!.alt }]);
        expect(prepared.title).toBe(view.title);
      }
    });

    it('finds a chart by its exact token only, and only while it has not expired', async () => {
      const db = getDb();
      const t = await storeChart(db, new Date(NOW.getTime() + HOUR));
      expect(await findChartImage(db, t, NOW, { withPng: false })).toMatchObject({ token: t, width: 800, height: 400, expiresAt: new Date(NOW.getTime() + HOUR) });
      expect((await findChartImage(db, t, NOW, { withPng: false }))!.png).toBeUndefined();
      expect(await findChartImage(db, t.toUpperCase(), NOW, { withPng: true })).toBeNull();
      expect(await findChartImage(db, t.slice(0, -1), NOW, { withPng: true })).toBeNull();
      expect(await findChartImage(db, t, new Date(NOW.getTime() + HOUR), { withPng: true })).toBeNull();
    });
  });
});
