import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ACTION_ID_PATTERN, decodeButtonValue } from '../../../adapters/slack/buttons.js';
import { renderHome } from '../../../adapters/slack/render-home.js';
import { renderMessage, type SlackBlock } from '../../../adapters/slack/render-message.js';
import type { MessageView, ViewBlock, ViewButton } from '../../../src/index.js';
import { blockKitProblems, interactive, mrkdwnTexts, unescapedAngles } from './block-kit-check.js';

// The assertions read rendered JSON by path; walking Slack's element unions by type would bury the intent.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;
const j = (block: SlackBlock | undefined) => block as unknown as Json;

const claim = (id: number): ViewButton => ({ label: 'Claim', command: 'claim', fields: { actionId: id }, style: 'primary', refreshesSource: true });

/** The shape src/views/action-views.ts gives an open red action. */
const actionCard: MessageView = {
  title: 'A-1042 · Overdue monitoring · red',
  fallbackText: 'A-1042 · Overdue monitoring · red: PAT-7 (J.S.), FBC for clozapine overdue by 3 days. open, unclaimed, overdue by 2 h.',
  tone: 'urgent',
  subject: { kind: 'action', actionId: 1042 },
  blocks: [
    { kind: 'fields', fields: [
      { label: 'Patient', value: 'PAT-7 (J.S.)' },
      { label: 'About', value: 'FBC for clozapine overdue by 3 days (due 2026-03-01, never done)' },
      { label: 'Team', value: 'North CMHT' },
      { label: 'Status', value: 'open, unclaimed' },
      { label: 'Due', value: 'overdue by 2 h' },
    ] },
    { kind: 'text', text: 'Outcomes: test_booked, result_reviewed, not_required', emphasis: 'muted' },
  ],
  buttons: [
    claim(1042),
    { label: 'Close…', command: 'close', fields: { actionId: 1042 }, opensForm: true, refreshesSource: true },
    { label: 'Waive', command: 'close', fields: { actionId: 1042, outcome: 'not_required' }, style: 'danger', refreshesSource: true,
      confirm: { title: 'Waive A-1042?', text: 'The monitoring will be recorded as not required.', confirm: 'Waive', deny: 'Keep open' } },
    { label: 'Timeline', command: 'audit', fields: { actionId: 1042 } },
  ],
};

function listView(n: number, more = 0): MessageView {
  const items = Array.from({ length: n }, (_, i) => ({
    text: `A-${1000 + i} RED · Overdue monitoring · PAT-${i}: FBC overdue`,
    meta: `due in 3 h · open, unclaimed`,
    buttons: [claim(1000 + i)],
  }));
  return { title: 'Open actions', fallbackText: `Open actions: ${n + more} actions.`, blocks: [{ kind: 'list', items, more }], tone: 'urgent' };
}

describe('renderMessage: an action card', () => {
  const message = renderMessage(actionCard);

  it('matches the golden rendering', () => {
    expect(message).toMatchSnapshot();
  });

  it('leads with the title as a header marked with the tone', () => {
    expect(j(message.blocks[0])).toEqual({ type: 'header', text: { type: 'plain_text', text: '🔴 A-1042 · Overdue monitoring · red', emoji: true } });
  });

  it('lays fields out as label and value, muted text as context, buttons as one actions block', () => {
    expect(message.blocks.map((b) => b.type)).toEqual(['header', 'section', 'context', 'actions']);
    const fields = j(message.blocks[1]).fields as Json[];
    expect(fields).toHaveLength(5);
    expect(fields[0]).toEqual({ type: 'mrkdwn', text: '*Patient*\nPAT-7 (J.S.)', verbatim: true });
    expect(j(message.blocks[2]).elements[0].text).toBe('Outcomes: test_booked, result_reviewed, not_required');
    const buttons = j(message.blocks[3]).elements as Json[];
    expect(buttons.map((b) => b.action_id)).toEqual(['cl:claim:0', 'cl:close:1', 'cl:close:2', 'cl:audit:3']);
    expect(buttons.every((b) => ACTION_ID_PATTERN.test(b.action_id))).toBe(true);
    expect(buttons.map((b) => b.style)).toEqual(['primary', undefined, 'danger', undefined]);
  });

  it('maps a confirm to a Slack confirmation dialog, red when the button is', () => {
    const waive = (j(message.blocks[3]).elements as Json[])[2]!;
    expect(waive.confirm).toEqual({
      title: { type: 'plain_text', text: 'Waive A-1042?', emoji: true },
      text: { type: 'plain_text', text: 'The monitoring will be recorded as not required.', emoji: true },
      confirm: { type: 'plain_text', text: 'Waive', emoji: true },
      deny: { type: 'plain_text', text: 'Keep open', emoji: true },
      style: 'danger',
    });
  });

  it('carries each button\'s submission in its value, which decodes back exactly', () => {
    const values = (j(message.blocks[3]).elements as Json[]).map((b) => decodeButtonValue(b.value as string));
    expect(values).toEqual([
      { command: 'claim', fields: { actionId: 1042 }, refreshesSource: true },
      { command: 'close', fields: { actionId: 1042 }, openForm: true, refreshesSource: true },
      { command: 'close', fields: { actionId: 1042, outcome: 'not_required' }, refreshesSource: true },
      { command: 'audit', fields: { actionId: 1042 } },
    ]);
  });

  it('uses the fallback text as the notification text', () => {
    expect(message.text).toBe(actionCard.fallbackText);
  });

  it('is deterministic', () => {
    expect(JSON.stringify(renderMessage(actionCard))).toBe(JSON.stringify(message));
  });
});

describe('renderMessage: lists within 50 blocks', () => {
  it('shows a short list with meta as context under each item and the button beside it', () => {
    const { blocks } = renderMessage(listView(3, 4));
    expect(blocks.map((b) => b.type)).toEqual(['header', 'section', 'context', 'section', 'context', 'section', 'context', 'context']);
    expect(j(blocks[1]).accessory).toMatchObject({ type: 'button', action_id: 'cl:claim:0', style: 'primary' });
    expect(j(blocks[2]).elements[0].text).toBe('due in 3 h · open, unclaimed');
    expect(j(blocks.at(-1)).elements[0].text).toBe('… and 4 more');
  });

  it('fits a whole 25-item list by moving meta into the item', () => {
    const { blocks } = renderMessage(listView(25));
    expect(blocks).toHaveLength(26);
    expect(j(blocks[1]).text.text).toBe('A-1000 RED · Overdue monitoring · PAT-0: FBC overdue\ndue in 3 h · open, unclaimed');
    expect(blockKitProblems(blocks, 50)).toEqual([]);
  });

  it('cuts a 200-item list to 50 blocks, counting the rest and pointing to `list`', () => {
    const view = listView(200, 40);
    const message = renderMessage(view);
    expect(message.blocks.length).toBeLessThanOrEqual(50);
    expect(blockKitProblems(message.blocks, 50)).toEqual([]);
    const shown = message.blocks.filter((b) => b.type === 'section').length;
    const notice = j(message.blocks.at(-1));
    expect(notice.type).toBe('context');
    expect(notice.elements[0].text).toBe(`${200 - shown + 40} more not shown. Type \`list\` to see them.`);
    expect(message.blocks.some((b) => JSON.stringify(b).includes('… and 40 more'))).toBe(false);
    expect(message.text).toBe('Open actions: 240 actions.');
  });

  it('keeps the view buttons and text after a cut list', () => {
    const view: MessageView = { ...listView(200), blocks: [...listView(200).blocks, { kind: 'text', text: 'Narrow the list: list red.', emphasis: 'muted' }], buttons: [claim(1)] };
    const { blocks } = renderMessage(view);
    expect(blocks.length).toBeLessThanOrEqual(50);
    expect(blocks.map((b) => b.type).slice(-3)).toEqual(['context', 'context', 'actions']);
    expect(j(blocks.at(-3)).elements[0].text).toMatch(/^\d+ more not shown\. Type `list` to see them\.$/);
    expect(j(blocks.at(-2)).elements[0].text).toBe('Narrow the list: list red.');
    // Buttons are numbered in the order they are shown: the list's first, the view's last.
    const ids = interactive(blocks).map((e) => Number(String(e.action_id).split(':')[2]));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
  });

  it('puts several buttons on an item in an overflow menu beside it, so each item is one block', () => {
    const view: MessageView = { title: 'T', fallbackText: 'T', blocks: [{ kind: 'list', items: [{ text: 'one', buttons: [claim(1), { label: 'Timeline', command: 'audit', fields: { actionId: 1 } }] }] }] };
    const { blocks } = renderMessage(view);
    expect(blocks.map((b) => b.type)).toEqual(['header', 'section']);
    const menu = j(blocks[1]).accessory;
    expect(menu.type).toBe('overflow');
    expect(menu.options.map((o: { text: { text: string } }) => o.text.text)).toEqual(['Claim', 'Timeline']);
    expect(decodeButtonValue(menu.options[1].value)).toEqual({ command: 'audit', fields: { actionId: 1 } });
  });

  it('falls back to an actions row when an item button needs a confirmation', () => {
    const confirm = { title: 'Sure?', text: 'Really', confirm: 'Yes', deny: 'No' };
    const view: MessageView = { title: 'T', fallbackText: 'T', blocks: [{ kind: 'list', items: [{ text: 'one', buttons: [claim(1), { label: 'Waive', command: 'close', fields: { actionId: 1 }, confirm }] }] }] };
    const { blocks } = renderMessage(view);
    expect(blocks.map((b) => b.type)).toEqual(['header', 'section', 'actions']);
    expect(j(blocks[1]).accessory).toBeUndefined();
  });
});

describe('renderMessage: lengths', () => {
  it('cuts a 5000-character text to fit a section', () => {
    const { blocks } = renderMessage({ title: 'Long', fallbackText: 'x'.repeat(5000), blocks: [{ kind: 'text', text: 'y'.repeat(5000) }] });
    const text = j(blocks[1]).text.text as string;
    expect(text.length).toBeLessThanOrEqual(3000);
    expect(text.endsWith('…')).toBe(true);
  });

  it('keeps the fallback text short', () => {
    expect(renderMessage({ title: 'Long', fallbackText: 'x'.repeat(50_000), blocks: [] }).text.length).toBeLessThanOrEqual(3000);
  });

  it('cuts button labels to 75 and a title to 150', () => {
    const { blocks } = renderMessage({ title: 't'.repeat(400), fallbackText: 'f', blocks: [], buttons: [{ label: 'L'.repeat(200), command: 'claim', fields: { actionId: 1 } }] });
    expect(j(blocks[0]).text.text.length).toBeLessThanOrEqual(150);
    expect(j(blocks[1]).elements[0].text.text.length).toBeLessThanOrEqual(75);
  });

  it('splits more than 10 fields across sections', () => {
    const fields = Array.from({ length: 23 }, (_, i) => ({ label: `F${i}`, value: `v${i}` }));
    const { blocks } = renderMessage({ title: 'T', fallbackText: 'T', blocks: [{ kind: 'fields', fields }] });
    expect(blocks.slice(1).map((b) => (j(b).fields as unknown[]).length)).toEqual([10, 10, 3]);
  });

  it('refuses a button whose value would not fit, rather than send a message Slack rejects', () => {
    const button: ViewButton = { label: 'Big', command: 'close', fields: { note: 'n'.repeat(2100) } };
    expect(() => renderMessage({ title: 'T', fallbackText: 'T', blocks: [], buttons: [button] })).toThrow(/button value/);
  });
});

describe('renderMessage: escaping', () => {
  const hostile = 'Call <!channel> & <@U123> now: <https://evil.example|click> or <#C1> @here';
  const view: MessageView = {
    title: hostile, fallbackText: hostile, tone: 'warning',
    blocks: [
      { kind: 'text', text: hostile },
      { kind: 'text', text: hostile, emphasis: 'strong' },
      { kind: 'text', text: hostile, emphasis: 'muted' },
      { kind: 'fields', fields: [{ label: hostile, value: hostile }] },
      { kind: 'list', items: [{ text: hostile, meta: hostile }] },
    ],
    links: [{ label: hostile, url: 'https://closedloop.example/a/1042' }, { label: 'bad', url: 'javascript:alert(1)' }],
  };
  const message = renderMessage(view);

  it('leaves no < or > in any mrkdwn but the links it writes itself', () => {
    expect(unescapedAngles(message.blocks)).toEqual([]);
    const texts = mrkdwnTexts(message.blocks);
    expect(texts.filter((t) => t.includes('&lt;!channel&gt; &amp; &lt;@U123&gt;'))).toHaveLength(7);
    // The bare broadcast is broken by an invisible word joiner: it reads the same, pings nobody.
    expect(texts.some((t) => t.includes('@here'))).toBe(false);
    expect(texts.filter((t) => t.includes('@\u2060here'))).toHaveLength(7);
  });

  it('escapes the fallback text too', () => {
    expect(message.text).not.toMatch(/[<>]/);
    expect(message.text).toContain('&lt;!channel&gt; &amp; &lt;@U123&gt;');
  });

  it('writes our own link with an escaped label, and none for a non-web URL', () => {
    const links = j(message.blocks.at(-1));
    expect(links.type).toBe('context');
    expect(links.elements[0].text).toBe(`<https://closedloop.example/a/1042|${'Call &lt;!channel&gt; &amp; &lt;@U123&gt; now: &lt;https://evil.example|click&gt; or &lt;#C1&gt; @\u2060here'}>`);
    expect(links.elements[1].text).toBe('bad');
  });

  it('sets verbatim on every mrkdwn object so Slack adds no links or mentions of its own', () => {
    const objects = JSON.stringify(message.blocks).match(/"type":"mrkdwn"/g) ?? [];
    const verbatim = JSON.stringify(message.blocks).match(/"type":"mrkdwn","text":"(?:[^"\\]|\\.)*","verbatim":true/g) ?? [];
    expect(verbatim).toHaveLength(objects.length);
  });
});

describe('renderMessage: any view stays within Slack limits', () => {
  const text = fc.string({ maxLength: 400, unit: 'grapheme' });
  const button = fc.record({ label: fc.string({ maxLength: 120 }), command: fc.constantFrom('claim', 'close', 'audit'), fields: fc.dictionary(fc.string({ minLength: 1, maxLength: 10 }), fc.oneof(fc.string({ maxLength: 30 }), fc.integer())), style: fc.constantFrom(undefined, 'primary' as const, 'danger' as const) });
  const block: fc.Arbitrary<ViewBlock> = fc.oneof(
    fc.record({ kind: fc.constant('text' as const), text, emphasis: fc.constantFrom(undefined, 'muted' as const, 'strong' as const) }),
    fc.record({ kind: fc.constant('fields' as const), fields: fc.array(fc.record({ label: text, value: text }), { maxLength: 25 }) }),
    fc.record({ kind: fc.constant('list' as const), items: fc.array(fc.record({ text, meta: fc.option(text, { nil: undefined }), buttons: fc.array(button, { maxLength: 3 }) }), { maxLength: 120 }), more: fc.nat(500) }),
    fc.constant({ kind: 'divider' as const }),
  );
  const view = fc.record({ title: text, fallbackText: text, blocks: fc.array(block, { maxLength: 8 }), buttons: fc.array(button, { maxLength: 5 }) });

  it('never exceeds a limit, never repeats an action_id and never leaves an unescaped <', () => {
    fc.assert(fc.property(view, (v) => {
      const { blocks, text: fallback } = renderMessage(v);
      expect(blockKitProblems(blocks, 50)).toEqual([]);
      expect(unescapedAngles(blocks)).toEqual([]);
      expect(fallback.length).toBeLessThanOrEqual(3000);
    }), { numRuns: 150 });
  });
});

describe('renderHome', () => {
  it('divides the views, numbers buttons across all of them and keeps within 100 blocks', () => {
    const home = renderHome([listView(3), listView(200), listView(200), listView(5)]);
    expect(home.type).toBe('home');
    expect(home.blocks.length).toBeLessThanOrEqual(100);
    expect(blockKitProblems(home.blocks, 100)).toEqual([]);
    const ids = interactive(home.blocks).map((e) => e.action_id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(j(home.blocks[7])).toEqual({ type: 'divider' });
    expect(j(home.blocks.at(-1)).elements[0].text).toMatch(/^\d more not shown\.$/);
  });

  it('shows every view when they fit', () => {
    const home = renderHome([actionCard, listView(2)]);
    expect(home.blocks.map((b) => b.type)).toEqual(['header', 'section', 'context', 'actions', 'divider', 'header', 'section', 'context', 'section', 'context']);
  });
});
