/**
 * People to notify and charts on Teams cards (adapters/teams/render-card.ts): a linked person is
 * `<at>Name</at>` in a TextBlock under the title with a matching `msteams.entities` mention (Teams
 * notifies only then), anyone else their escaped name; a chart is an Image fetched from its URL,
 * or, without one, a line saying it needs PUBLIC_BASE_URL and the chart's alt text.
 */
import { describe, expect, it } from 'vitest';
import { renderCard } from '../../../adapters/teams/render-card.js';
import type { MessageView, ViewMention } from '../../../src/index.js';
import { cardProblems, ofType } from './card-check.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;
const j = (value: unknown) => value as Json;

/** An AAD object id: what platform_identities holds for a Teams account. */
const PRIYA: ViewMention = { staffId: '11111111-1111-4111-8111-111111111111', name: 'Priya Shah', userId: '6a1c9e4e-2d3b-4f6e-9a7b-1c2d3e4f5a6b' };
const SAM: ViewMention = { staffId: '22222222-2222-4222-8222-222222222222', name: 'Sam Okafor' };

const redResult: MessageView = {
  title: 'A-2001 · Result review · red', fallbackText: 'Red result: lithium 1.6 mmol/L for PAT-7 (J.S.)', tone: 'urgent',
  subject: { kind: 'action', actionId: 2001 },
  blocks: [{ kind: 'fields', fields: [{ label: 'Patient', value: 'PAT-7 (J.S.)' }, { label: 'Result', value: 'Lithium 1.6 mmol/L' }] }],
  buttons: [{ label: 'Claim', command: 'claim', fields: { actionId: 2001 }, style: 'primary', refreshesSource: true }],
  mentions: [PRIYA, SAM],
};

const ALT = 'Compliance by drug group over the last 12 weeks: lithium 90% to 94%, clozapine 98% throughout.';
const weekly = (url?: string): MessageView => ({
  title: 'Weekly digest · North CMHT', fallbackText: 'Weekly digest for North CMHT: compliance 92%',
  blocks: [{ kind: 'text', text: 'Monitoring compliance 92% (up 3 points)' }],
  image: { token: 'a'.repeat(32), title: 'Compliance by drug group', width: 800, height: 400, alt: ALT, ...(url ? { url } : {}) },
});

describe('renderCard: mentions', () => {
  it('names the people to notify under the title, with a mention entity for each linked account', () => {
    const card = renderCard(redResult);
    expect(j(card.body[1])).toEqual({ type: 'TextBlock', text: '<at>Priya Shah</at>, Sam Okafor', wrap: true });
    expect(card.msteams).toEqual({
      width: 'Full',
      entities: [{ type: 'mention', text: '<at>Priya Shah</at>', mentioned: { id: PRIYA.userId, name: 'Priya Shah' } }],
    });
    expect(cardProblems(card)).toEqual([]);
    expect(card).toMatchSnapshot();
  });

  it('keeps a name from breaking its tag or formatting, and escapes names shown as text', () => {
    const card = renderCard({
      ...redResult,
      mentions: [
        { staffId: 'a', name: "Siobhán O'Neill</at><at>Everyone", userId: '29:1abcDEF' },
        { staffId: 'b', name: '**Bold** [link](https://x.example)', userId: 'bad id with spaces' },
        { staffId: 'c', name: '<at>Everyone</at>' },
      ],
    });
    const line = String(j(card.body[1]).text);
    expect(line).toBe("<at>Siobhán O'NeillatatEveryone</at>, \\*\\*Bold\\*\\* \\[link\\](https://x.example), <\u2060at>Everyone<\u2060/at>");
    expect(card.msteams.entities).toEqual([
      { type: 'mention', text: "<at>Siobhán O'NeillatatEveryone</at>", mentioned: { id: '29:1abcDEF', name: "Siobhán O'Neill</at><at>Everyone" } },
    ]);
    expect(cardProblems(card)).toEqual([]);
  });

  it('names each person once, and adds no line or entities when there is nobody to notify', () => {
    const twice = renderCard({ ...redResult, mentions: [PRIYA, SAM, { ...PRIYA }] });
    expect(twice.msteams.entities).toHaveLength(1);
    const none = renderCard({ ...redResult, mentions: [] });
    expect(none.msteams).toEqual({ width: 'Full' });
    expect(none.body).toHaveLength(2);
    expect(renderCard({ ...redResult, mentions: undefined })).toEqual(none);
  });

  it('keeps the mentions and their entities when a long list is cut to fit 28,000 bytes', () => {
    const items = Array.from({ length: 300 }, (_, i) => ({ text: `A-${3000 + i} RED · Overdue monitoring · PAT-${i}: FBC overdue`, meta: 'open, unclaimed' }));
    const card = renderCard({ ...redResult, blocks: [{ kind: 'list', items }] });
    expect(Buffer.byteLength(JSON.stringify(card))).toBeLessThanOrEqual(28_000);
    expect(j(card.body[1]).text).toBe('<at>Priya Shah</at>, Sam Okafor');
    expect(card.msteams.entities).toHaveLength(1);
    expect(cardProblems(card)).toEqual([]);
  });
});

describe('renderCard: charts', () => {
  it('shows a chart with a URL as an Image after the body, with its alt text, expandable', () => {
    const card = renderCard(weekly('https://closedloop.example.nhs.uk/charts/abc.png'));
    const [image] = ofType(card, 'Image');
    expect(image).toEqual({ type: 'Image', url: 'https://closedloop.example.nhs.uk/charts/abc.png', altText: ALT, msteams: { allowExpand: true } });
    expect(card.body.map((e) => e.type)).toEqual(['TextBlock', 'TextBlock', 'TextBlock', 'Image']);
    expect(j(card.body[2]).text).toBe('Compliance by drug group');
    expect(cardProblems(card)).toEqual([]);
    expect(card).toMatchSnapshot();
  });

  it('says the chart needs PUBLIC_BASE_URL and gives its alt text when there is no URL (or not a web one)', () => {
    for (const view of [weekly(), weekly('javascript:alert(1)')]) {
      const card = renderCard(view);
      expect(ofType(card, 'Image')).toEqual([]);
      const texts = ofType(card, 'TextBlock').map((t) => String(t.text));
      expect(texts.some((t) => t.includes('PUBLIC\\_BASE\\_URL'))).toBe(true);
      expect(texts.at(-1)).toBe(ALT);
      expect(cardProblems(card)).toEqual([]);
    }
  });

  it('never sends the PNG bytes in the card', () => {
    const view = weekly('https://closedloop.example.nhs.uk/charts/abc.png');
    const card = renderCard({ ...view, image: { ...view.image!, png: new Uint8Array([137, 80, 78, 71]) } });
    expect(card).toEqual(renderCard(view));
  });
});
