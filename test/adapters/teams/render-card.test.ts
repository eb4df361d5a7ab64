import { describe, expect, it } from 'vitest';
import { readCardSubmission } from '../../../adapters/teams/render-form.js';
import { cardToActivityText, renderCard } from '../../../adapters/teams/render-card.js';
import type { MessageView, Tone, ViewButton } from '../../../src/index.js';
import { cardProblems, markdownTexts, ofType } from './card-check.js';

// The assertions read rendered JSON by path; walking the card's element unions by type would bury the intent.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;
const j = (value: unknown) => value as Json;
const bytes = (card: unknown) => Buffer.byteLength(JSON.stringify(card), 'utf8');

const claim = (id: number): ViewButton => ({ label: 'Claim', command: 'claim', fields: { actionId: id }, style: 'primary', refreshesSource: true });
const waive: ViewButton = {
  label: 'Waive', command: 'close', fields: { actionId: 1042, outcome: 'not_required' }, style: 'danger', refreshesSource: true,
  confirm: { title: 'Waive A-1042?', text: 'The monitoring will be recorded as not required.', confirm: 'Waive', deny: 'Keep open' },
};

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
    waive,
    { label: 'Timeline', command: 'audit', fields: { actionId: 1042 } },
  ],
  links: [{ label: 'Protocol', url: 'https://intranet.example.nhs.uk/clozapine' }],
};

const itemButtons = (id: number): ViewButton[] => [
  { label: 'Claim', command: 'claim', fields: { actionId: id }, style: 'primary' },
  { label: 'Hand off…', command: 'handoff', fields: { actionId: id }, opensForm: true },
  { label: 'Escalate…', command: 'escalate', fields: { actionId: id }, opensForm: true },
  { label: 'Timeline', command: 'audit', fields: { actionId: id } },
];

function listView(n: number, more = 0): MessageView {
  const items = Array.from({ length: n }, (_, i) => ({
    text: `A-${1000 + i} RED · Overdue monitoring · PAT-${i}: FBC overdue`,
    meta: 'due in 3 h · open, unclaimed',
    buttons: itemButtons(1000 + i),
  }));
  return { title: 'Open actions', fallbackText: `Open actions: ${n + more} actions.`, blocks: [{ kind: 'list', items, more }], tone: 'urgent' };
}

describe('renderCard: an action card', () => {
  const card = renderCard(actionCard);

  it('matches the golden rendering', () => {
    expect(card).toMatchSnapshot();
  });

  it('is a full-width Adaptive Card 1.5 that Teams would accept', () => {
    expect(card).toMatchObject({ type: 'AdaptiveCard', version: '1.5', msteams: { width: 'Full' } });
    expect(cardProblems(card)).toEqual([]);
  });

  it('leads with the title as a bold medium heading coloured by the tone', () => {
    expect(card.body[0]).toEqual({
      type: 'TextBlock', text: 'A-1042 · Overdue monitoring · red', wrap: true,
      weight: 'bolder', size: 'medium', style: 'heading', color: 'attention',
    });
  });

  it('lays fields out as a FactSet and muted text as a subtle TextBlock', () => {
    expect(card.body.map((e) => e.type)).toEqual(['TextBlock', 'FactSet', 'TextBlock']);
    expect(j(card.body[1]).facts).toHaveLength(5);
    expect(j(card.body[1]).facts[0]).toEqual({ title: 'Patient', value: 'PAT-7 (J.S.)' });
    expect(card.body[2]).toEqual({ type: 'TextBlock', text: 'Outcomes: test\\_booked, result\\_reviewed, not\\_required', wrap: true, isSubtle: true });
  });

  it('makes the buttons Action.Execute with the command as verb and the submission as data, then the links', () => {
    const actions = (card.actions ?? []).map(j);
    expect(actions.map((a) => [a.type, a.title, a.verb, a.style])).toEqual([
      ['Action.Execute', 'Claim', 'claim', 'positive'],
      ['Action.Execute', 'Close…', 'close', undefined],
      ['Action.ShowCard', 'Waive', undefined, 'destructive'],
      ['Action.Execute', 'Timeline', 'audit', undefined],
      ['Action.OpenUrl', 'Protocol', undefined, undefined],
    ]);
    expect(actions[0]!.data).toEqual({ c: 'claim', f: { actionId: 1042 }, r: 1 });
    expect(actions[1]!.data).toEqual({ c: 'close', f: { actionId: 1042 }, o: 1, r: 1 });
    expect(actions[3]!.data).toEqual({ c: 'audit', f: { actionId: 1042 } });
    expect(actions[4]!.url).toBe('https://intranet.example.nhs.uk/clozapine');
  });

  it('asks a confirmation in a card shown under the button, whose Confirm button runs the command', () => {
    const show = j(card.actions?.[2]);
    expect(show.card.body.map((t: Json) => t.text)).toEqual(['Waive A-1042?', 'The monitoring will be recorded as not required.']);
    expect(show.card.actions).toEqual([{
      type: 'Action.Execute', title: 'Waive', verb: 'close', style: 'destructive',
      data: { c: 'close', f: { actionId: 1042, outcome: 'not_required' }, r: 1, k: 1 },
    }]);
  });

  it('carries each button\'s submission in its data, which reads back exactly', () => {
    const data = ofType(card, 'Action.Execute').map((a) => readCardSubmission(a.data));
    expect(data).toEqual([
      { command: 'claim', fields: { actionId: 1042 }, refreshesSource: true, isForm: false },
      { command: 'close', fields: { actionId: 1042 }, openForm: true, refreshesSource: true, isForm: false },
      { command: 'close', fields: { actionId: 1042, outcome: 'not_required' }, refreshesSource: true, confirmed: true, isForm: false },
      { command: 'audit', fields: { actionId: 1042 }, isForm: false },
    ]);
  });

  it('uses the fallback text as the card\'s fallbackText and the activity text', () => {
    expect(card.fallbackText).toBe(actionCard.fallbackText);
    expect(cardToActivityText(actionCard)).toBe(actionCard.fallbackText);
  });

  it('has no refresh unless user ids are given', () => {
    expect(card.refresh).toBeUndefined();
  });

  it('is deterministic', () => {
    expect(JSON.stringify(renderCard(actionCard))).toBe(JSON.stringify(card));
  });
});

describe('renderCard: tone, text and layout', () => {
  it('colours the title by tone', () => {
    const colour = (tone?: Tone) => j(renderCard({ title: 'T', fallbackText: 'T', blocks: [], ...(tone ? { tone } : {}) }).body[0]).color;
    expect([colour('urgent'), colour('error'), colour('warning'), colour('success'), colour('info'), colour()])
      .toEqual(['attention', 'attention', 'warning', 'good', undefined, undefined]);
  });

  it('makes strong text bold, skips empty text, and puts a divider\'s separator on the next element', () => {
    const card = renderCard({ title: 'T', fallbackText: 'T', blocks: [
      { kind: 'text', text: 'Headline', emphasis: 'strong' },
      { kind: 'text', text: '   ' },
      { kind: 'divider' },
      { kind: 'text', text: 'After' },
    ] });
    expect(card.body.slice(1)).toEqual([
      { type: 'TextBlock', text: 'Headline', wrap: true, weight: 'bolder' },
      { type: 'TextBlock', text: 'After', wrap: true, separator: true },
    ]);
  });

  it('renders a list item as a container of its text, subtle meta and buttons, with "… and N more"', () => {
    const card = renderCard(listView(3, 4));
    const [first, second] = ofType(card, 'Container').map(j);
    expect(first!.items.map((e: Json) => e.type)).toEqual(['TextBlock', 'TextBlock', 'ActionSet']);
    expect(first!.items[1]).toEqual({ type: 'TextBlock', text: 'due in 3 h · open, unclaimed', wrap: true, isSubtle: true, spacing: 'none' });
    expect(first!.items[2].actions.map((a: Json) => [a.verb, a.data])).toEqual([
      ['claim', { c: 'claim', f: { actionId: 1000 } }],
      ['handoff', { c: 'handoff', f: { actionId: 1000 }, o: 1 }],
      ['escalate', { c: 'escalate', f: { actionId: 1000 }, o: 1 }],
      ['audit', { c: 'audit', f: { actionId: 1000 } }],
    ]);
    expect(first!.separator).toBeUndefined();
    expect(second!.separator).toBe(true);
    expect(card.body.at(-1)).toEqual({ type: 'TextBlock', text: '… and 4 more', wrap: true, isSubtle: true });
    expect(cardProblems(card)).toEqual([]);
  });

  it('splits more than 6 buttons into rows of 6, in the body when they are the view\'s', () => {
    const buttons = Array.from({ length: 8 }, (_, i) => ({ label: `B${i}`, command: 'audit', fields: { actionId: i } }));
    const card = renderCard({ title: 'T', fallbackText: 'T', blocks: [{ kind: 'list', items: [{ text: 'item', buttons }] }], buttons });
    expect(card.actions).toBeUndefined();
    const rows = ofType(card, 'ActionSet').map((s) => j(s).actions.length);
    expect(rows).toEqual([6, 2, 6, 2]);
    expect(cardProblems(card)).toEqual([]);
  });

  it('shows a link that is not a web or mail address as its label, never as a link', () => {
    const card = renderCard({ title: 'T', fallbackText: 'T', blocks: [], links: [{ label: 'Run', url: 'javascript:alert(1)' }, { label: 'Mail', url: 'mailto:team@nhs.net' }] });
    expect(card.actions).toEqual([{ type: 'Action.OpenUrl', title: 'Mail', url: 'mailto:team@nhs.net' }]);
    expect(card.body.at(-1)).toEqual({ type: 'TextBlock', text: 'Run', wrap: true });
  });

  it('adds a refresh for user-specific views, naming the action shown, with at most 60 users', () => {
    const card = renderCard(actionCard, { userIds: ['29:a', '29:b'] });
    expect(card.refresh).toEqual({
      action: { type: 'Action.Execute', title: 'Refresh', verb: 'refresh', data: { c: 'refresh', f: { actionId: 1042 } } },
      userIds: ['29:a', '29:b'],
    });
    expect(readCardSubmission(card.refresh!.action.data)).toEqual({ command: 'refresh', fields: { actionId: 1042 }, isForm: false });
    const many = renderCard({ title: 'T', fallbackText: 'T', blocks: [] }, { userIds: Array.from({ length: 80 }, (_, i) => `29:${i}`) });
    expect(many.refresh?.userIds).toHaveLength(60);
    expect(many.refresh?.action.data).toEqual({ c: 'refresh' });
  });
});

describe('renderCard: within 28,000 bytes', () => {
  it('keeps a whole 25-item list (the core\'s list limit) with four buttons per item', () => {
    const card = renderCard(listView(25));
    expect(ofType(card, 'Container')).toHaveLength(25);
    expect(bytes(card)).toBeLessThanOrEqual(28_000);
  });

  it('cuts a 300-item list to fit, counting the rest and pointing to `list`', () => {
    const card = renderCard(listView(300, 40));
    expect(bytes(card)).toBeLessThanOrEqual(28_000);
    expect(cardProblems(card)).toEqual([]);
    const shown = ofType(card, 'Container').length;
    expect(shown).toBeGreaterThan(10);
    expect(shown).toBeLessThan(300);
    expect(card.body.at(-1)).toEqual({ type: 'TextBlock', text: `${300 - shown + 40} more not shown. Type **list** to see them.`, wrap: true, isSubtle: true });
    expect(JSON.stringify(card)).not.toContain('… and 40 more');
    expect(card.fallbackText).toBe('Open actions: 340 actions.');
  });

  it('keeps the view\'s text and buttons after a cut list', () => {
    const base = listView(300);
    const card = renderCard({ ...base, blocks: [...base.blocks, { kind: 'text', text: 'Narrow the list: list red.', emphasis: 'muted' }], buttons: [claim(1)] });
    expect(bytes(card)).toBeLessThanOrEqual(28_000);
    expect(card.body.slice(-2).map((t) => j(t).text)).toEqual([expect.stringMatching(/^\d+ more not shown\. Type \*\*list\*\* to see them\.$/), 'Narrow the list: list red.']);
    expect(card.actions?.map((a) => j(a).verb)).toEqual(['claim']);
  });

  it('cuts a 10,000-character note to 3,000 characters', () => {
    const card = renderCard({ title: 'Long', fallbackText: 'x'.repeat(50_000), blocks: [{ kind: 'text', text: 'y'.repeat(10_000) }] });
    const note = j(card.body[1]).text as string;
    expect(note.length).toBeLessThanOrEqual(3000);
    expect(note.endsWith('…')).toBe(true);
    expect(card.fallbackText.length).toBeLessThanOrEqual(2000);
    expect(cardToActivityText({ title: 'Long', fallbackText: 'x'.repeat(50_000), blocks: [] }).length).toBeLessThanOrEqual(2000);
  });

  it('drops other blocks when list items are not enough, and refuses a card whose buttons alone are too big', () => {
    const texts = Array.from({ length: 20 }, (_, i) => ({ kind: 'text' as const, text: `${i} ${'z'.repeat(2900)}` }));
    const card = renderCard({ title: 'T', fallbackText: 'T', blocks: texts });
    expect(bytes(card)).toBeLessThanOrEqual(28_000);
    expect(j(card.body.at(-1)).text).toMatch(/^\d+ more not shown/);
    const huge: ViewButton = { label: 'Big', command: 'note', fields: { text: 'n'.repeat(30_000) } };
    expect(() => renderCard({ title: 'T', fallbackText: 'T', blocks: [], buttons: [huge] })).toThrow(/bytes with its title, buttons and links alone/);
  });

  it('cuts labels to 40 characters and the title to 300', () => {
    const card = renderCard({ title: 't'.repeat(400), fallbackText: 'f', blocks: [], buttons: [{ label: 'L'.repeat(200), command: 'claim', fields: { actionId: 1 } }] });
    expect(j(card.body[0]).text.length).toBeLessThanOrEqual(300);
    expect(j(card.actions?.[0]).title.length).toBeLessThanOrEqual(40);
  });
});

describe('renderCard: escaping user text', () => {
  const hostile = '**bold** [link](https://evil.example) <at>Everyone</at> _x_';
  const view: MessageView = {
    title: hostile, fallbackText: hostile, tone: 'warning',
    blocks: [
      { kind: 'text', text: hostile },
      { kind: 'text', text: `- ${hostile}`, emphasis: 'muted' },
      { kind: 'fields', fields: [{ label: hostile, value: hostile }] },
      { kind: 'list', items: [{ text: hostile, meta: hostile, buttons: [{ label: hostile, command: 'claim', fields: { actionId: 1 } }] }] },
    ],
  };
  const card = renderCard(view);

  it('renders formatting, links and mentions inert in every Markdown string', () => {
    const texts = markdownTexts(card);
    expect(texts.length).toBeGreaterThanOrEqual(7);
    for (const text of texts) {
      expect(text).toContain('\\*\\*bold\\*\\*');
      expect(text).toContain('\\[link\\](https://evil.example)');
      expect(text).not.toMatch(/<\/?at>/i);
      expect(text).toContain('Everyone');
      expect(text).not.toMatch(/(^|[^\\])\*\*/);
    }
    expect(j(card.body[2]).text.startsWith('\\- ')).toBe(true);
  });

  it('escapes the fallback text and activity text too', () => {
    expect(card.fallbackText).toContain('\\[link\\]');
    expect(cardToActivityText(view)).not.toMatch(/<at>/i);
  });

  it('leaves action titles as plain text (Teams does not read them as Markdown)', () => {
    expect(ofType(card, 'Action.Execute')[0]!.title).toBe(hostile.slice(0, 39) + '…');
  });
});
