/**
 * People to notify and charts in Slack messages (adapters/slack/render-message.ts): a linked
 * person is `<@U…>` at the top of the text and the blocks, anyone else their escaped name; a
 * chart is an image block when shown inline from its URL, or its title and alt text when it is
 * uploaded under the post instead (or cannot be fetched).
 */
import { describe, expect, it } from 'vitest';
import { renderMessage, type SlackBlock } from '../../../adapters/slack/render-message.js';
import type { MessageView, ViewButton, ViewMention } from '../../../src/index.js';
import { blockKitProblems, mrkdwnTexts, unescapedAngles } from './block-kit-check.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;
const j = (block: SlackBlock | undefined) => block as unknown as Json;

const PRIYA: ViewMention = { staffId: '11111111-1111-4111-8111-111111111111', name: 'Priya Shah', userId: 'U0PRIYA' };
const SAM: ViewMention = { staffId: '22222222-2222-4222-8222-222222222222', name: 'Sam Okafor' };

const claim: ViewButton = { label: 'Claim', command: 'claim', fields: { actionId: 2001 }, style: 'primary', refreshesSource: true };

/** A red result card as engineer C's views shape it: the duty pharmacist to notify. */
const redResult: MessageView = {
  title: 'A-2001 · Result review · red', fallbackText: 'Red result: lithium 1.6 mmol/L for PAT-7 (J.S.)', tone: 'urgent',
  subject: { kind: 'action', actionId: 2001 },
  blocks: [{ kind: 'fields', fields: [{ label: 'Patient', value: 'PAT-7 (J.S.)' }, { label: 'Result', value: 'Lithium 1.6 mmol/L' }] }],
  buttons: [claim], mentions: [PRIYA, SAM],
};

const weekly = (url?: string): MessageView => ({
  title: 'Weekly digest · North CMHT', fallbackText: 'Weekly digest for North CMHT: compliance 92%', tone: 'info',
  blocks: [{ kind: 'text', text: 'Monitoring compliance 92% (up 3 points)' }],
  image: {
    token: 'a'.repeat(32), title: 'Compliance by drug group', width: 800, height: 400,
    alt: 'Compliance by drug group over the last 12 weeks: lithium 90% to 94%, clozapine 98% throughout.', ...(url ? { url } : {}),
  },
  links: [{ label: 'Monitoring policy', url: 'https://intranet.example.nhs.uk/monitoring' }],
});

describe('renderMessage: mentions', () => {
  it('opens the text and the blocks with the people to notify, then the header', () => {
    const message = renderMessage(redResult);
    expect(message.text).toBe('<@U0PRIYA>, Sam Okafor\nRed result: lithium 1.6 mmol/L for PAT-7 (J.S.)');
    expect(j(message.blocks[0])).toEqual({ type: 'section', text: { type: 'mrkdwn', text: '<@U0PRIYA>, Sam Okafor', verbatim: true } });
    expect(message.blocks[1]?.type).toBe('header');
    expect(blockKitProblems(message.blocks, 50)).toEqual([]);
    expect(unescapedAngles(message.blocks)).toEqual([]);
  });

  it('matches the golden rendering', () => {
    expect(renderMessage(redResult)).toMatchSnapshot();
  });

  it('escapes a name shown as text, and never writes an id that is not a Slack user id inside <@…>', () => {
    const message = renderMessage({
      ...redResult,
      mentions: [
        { staffId: 'a', name: 'Eve <!channel> @here', userId: 'U1>|<!channel' },
        { staffId: 'b', name: 'Mallory', userId: '<@U0ADMIN>' },
        { staffId: 'c', name: 'Wendy Grid', userId: 'W0GRIDUSER' },
      ],
    });
    const line = mrkdwnTexts(message.blocks[0])[0]!;
    expect(line).toBe('Eve &lt;!channel&gt; @\u2060here, Mallory, <@W0GRIDUSER>');
    expect(message.text.startsWith(`${line}\n`)).toBe(true);
    expect(unescapedAngles(message.blocks)).toEqual([]);
  });

  it('names each person once, and adds nothing when there is nobody to notify', () => {
    const twice = renderMessage({ ...redResult, mentions: [PRIYA, SAM, { ...PRIYA }] });
    expect(mrkdwnTexts(twice.blocks[0])[0]).toBe('<@U0PRIYA>, Sam Okafor');
    const none = renderMessage({ ...redResult, mentions: [] });
    expect(none.blocks[0]?.type).toBe('header');
    expect(none.text).toBe(redResult.fallbackText);
    expect(renderMessage({ ...redResult, mentions: undefined })).toEqual(none);
  });

  it('keeps a long list within 50 blocks with the mentions on top', () => {
    const items = Array.from({ length: 200 }, (_, i) => ({ text: `A-${3000 + i} overdue`, meta: 'open', buttons: [claim] }));
    const message = renderMessage({ ...redResult, blocks: [{ kind: 'list', items }], image: weekly('https://closedloop.example.nhs.uk/charts/a.png').image });
    expect(message.blocks).toHaveLength(50);
    expect(blockKitProblems(message.blocks, 50)).toEqual([]);
    expect(message.blocks[0]?.type).toBe('section');
    expect(message.blocks.some((b) => b.type === 'image')).toBe(true);
  });
});

describe('renderMessage: charts', () => {
  it('shows a chart with a URL inline, as an image block after the body and before the links', () => {
    const message = renderMessage(weekly('https://closedloop.example.nhs.uk/charts/abc.png'));
    const types = message.blocks.map((b) => b.type);
    expect(types).toEqual(['header', 'section', 'image', 'context']);
    expect(j(message.blocks[2])).toEqual({
      type: 'image', image_url: 'https://closedloop.example.nhs.uk/charts/abc.png',
      alt_text: weekly().image!.alt, title: { type: 'plain_text', text: 'Compliance by drug group', emoji: true },
    });
    expect(blockKitProblems(message.blocks, 50)).toEqual([]);
  });

  it('gives an uploaded chart (or one with no URL Slack could fetch) as its title and alt text', () => {
    const attached = renderMessage(weekly('https://closedloop.example.nhs.uk/charts/abc.png'), { image: 'attached' });
    const noUrl = renderMessage(weekly());
    const notWeb = renderMessage(weekly('javascript:alert(1)'));
    for (const message of [attached, noUrl, notWeb]) {
      expect(message.blocks.map((b) => b.type)).toEqual(['header', 'section', 'context', 'context']);
      expect(mrkdwnTexts(message.blocks[2])).toEqual([`*Compliance by drug group*: ${weekly().image!.alt}`]);
      expect(JSON.stringify(message)).not.toContain('charts/abc.png');
    }
    expect(attached).toMatchSnapshot();
  });

  it('escapes a chart\'s title and alt text, and keeps the byte-free view the same whether or not a PNG is attached', () => {
    const view = { ...weekly(), image: { ...weekly().image!, title: 'Chart <!here>', alt: 'A & B <@U0X>' } };
    const message = renderMessage(view, { image: 'attached' });
    expect(mrkdwnTexts(message.blocks[2])).toEqual(['*Chart &lt;!here&gt;*: A &amp; B &lt;@U0X&gt;']);
    const withPng = renderMessage({ ...view, image: { ...view.image, png: new Uint8Array([1, 2, 3]) } }, { image: 'attached' });
    expect(withPng).toEqual(message);
  });
});
