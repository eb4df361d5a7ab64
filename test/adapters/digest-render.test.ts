/**
 * The daily digest through the real Slack and Teams renderers: within every platform limit, the
 * counts shown, and (by the view's design, not by the renderers cutting it) all 25 items kept.
 */
import { describe, expect, it } from 'vitest';
import { renderMessage } from '../../adapters/slack/render-message.js';
import { renderCard } from '../../adapters/teams/render-card.js';
import { buildDailyDigest, type DailyDigestInput } from '../../src/domain/digest/daily.js';
import type { DigestAction } from '../../src/domain/digest/digest-action.js';
import { DEFAULT_TEAM_SETTINGS } from '../../src/domain/digest/settings.js';
import type { MessageView } from '../../src/index.js';
import { dailyDigestView } from '../../src/views/digest-views.js';
import { DRUG_GROUPS, NOW, TEAM, TODAY, claimed, digestAction, hoursFromNow, overdue, resultReview } from '../domain/digest/daily-fixtures.js';
import { blockKitProblems, mrkdwnTexts, unescapedAngles } from './slack/block-kit-check.js';
import { cardProblems, markdownTexts, ofType } from './teams/card-check.js';

function view(actions: DigestAction[], extra: Partial<DailyDigestInput> = {}): MessageView {
  const digest = buildDailyDigest({
    team: TEAM, settings: DEFAULT_TEAM_SETTINGS, localDate: TODAY, now: NOW, actions, drugGroups: DRUG_GROUPS,
    late: false, summarised: false, ...extra,
  });
  return dailyDigestView(digest, NOW);
}

const DRUGS = ['lithium', 'clozapine', 'methotrexate', 'apixaban', 'rivaroxaban', 'valproate', 'amiodarone', 'carbimazole'];

/** 2,000 overdue tests across eight drugs and three lateness bands. */
const twoThousand = () => Array.from({ length: 2000 }, (_, i) => overdue(
  DRUGS[i % DRUGS.length]!, ['fbc', 'lft', 'renal', 'lithium_level'][i % 4]!,
  i % 3 === 0 ? '2026-11-29' : i % 3 === 1 ? '2026-11-10' : '2026-03-01',
));

/**
 * A busy morning with the longest text the register allows: 100-character patient references,
 * long display labels, escalation reasons of 1,000 characters with Markdown and mention lookalikes,
 * every section full, late.
 */
function busyMorning(): DigestAction[] {
  const ref = (i: number) => `NR-${String(i).padStart(4, '0')}-${'a1_b2.c3/d4'.repeat(9)}`.slice(0, 100);
  const long = { displayLabel: 'Bartholomew-Fitzwilliam *Long* _Label_ <!channel> [x](https://e.example)'.repeat(2) };
  const reason = `escalated: ${'**urgent** <at>Everyone</at> '.repeat(40)}`.slice(0, 1000);
  let n = 0;
  const who = () => ({ patientRef: ref(n++), ...long });
  return [
    ...twoThousand().map((a) => ({ ...a, ...who() })),
    ...Array.from({ length: 12 }, () => resultReview('red', who())),
    ...Array.from({ length: 20 }, () => resultReview('amber', who())),
    ...Array.from({ length: 15 }, () => resultReview('amber', { ...who(), ...claimed('Priya Shah', 90) })),
    ...Array.from({ length: 10 }, () => digestAction({ kind: 'escalation', priority: 'red', cause: { reason }, ...who() })),
    ...Array.from({ length: 10 }, () => digestAction({ kind: 'clinical_decision', priority: 'amber', cause: { test: 'fbc', misses: 3 }, ...who() })),
    ...Array.from({ length: 10 }, () => digestAction({ kind: 'reconciliation', priority: 'amber', dueAt: hoursFromNow(-30), cause: { dischargedOn: '2026-11-28' }, ...who() })),
    ...Array.from({ length: 10 }, () => digestAction({ kind: 'dna_followup', dueAt: hoursFromNow(-20), cause: { test: 'lithium_level', takenOn: '2026-12-01', rebookBy: '2026-12-08' }, ...who() })),
    ...Array.from({ length: 10 }, () => digestAction({ kind: 'dna_followup', dueAt: hoursFromNow(-20), cause: { test: 'fbc', takenOn: '2026-11-25' }, ...who(), ...claimed('Sam Lee', 200) })),
  ];
}

const cases: [string, () => MessageView][] = [
  ['2,000 overdue tests', () => view(twoThousand())],
  ['a busy morning, posted late, at the longest text allowed', () => view(busyMorning(), { late: true })],
  ['the summarised first digest after an import', () => view([...twoThousand(), ...busyMorning().slice(2000, 2040)], { summarised: true })],
  ['an empty team', () => view([])],
];

describe.each(cases)('the daily digest in Slack: %s', (_, make) => {
  const digest = make();
  const message = renderMessage(digest);

  it('is within every Block Kit limit, with nothing unescaped', () => {
    expect(blockKitProblems(message.blocks, 50)).toEqual([]);
    expect(unescapedAngles(message.blocks)).toEqual([]);
    expect(message.text.length).toBeLessThanOrEqual(3000);
  });

  it('keeps every item the view shows: the renderer had nothing to cut', () => {
    const shown = digest.blocks.flatMap((b) => (b.kind === 'list' ? b.items : [])).length;
    const itemSections = message.blocks.filter((b) => b.type === 'section' && 'accessory' in b && b.accessory);
    expect(itemSections).toHaveLength(shown);
    expect(mrkdwnTexts(message.blocks).some((t) => /more not shown/.test(t))).toBe(false);
  });

  it('shows the counts in the preview and leads the message with them', () => {
    const lead = (digest.blocks[0] as { text: string }).text;
    expect(message.text).toContain(lead.replace(/[<>&]/g, '').slice(0, 40));
    expect(mrkdwnTexts(message.blocks.slice(1, 2))[0]).toContain(lead.slice(0, 40));
  });
});

describe.each(cases)('the daily digest in Teams: %s', (_, make) => {
  const digest = make();
  const card = renderCard(digest);

  it('is within the card budget and every Teams rule', () => {
    expect(cardProblems(card)).toEqual([]);
    expect(Buffer.byteLength(JSON.stringify(card), 'utf8')).toBeLessThanOrEqual(28_000);
  });

  it('keeps every item the view shows: the renderer had nothing to cut', () => {
    const shown = digest.blocks.flatMap((b) => (b.kind === 'list' ? b.items : [])).length;
    expect(ofType(card, 'Container')).toHaveLength(shown);
    expect(markdownTexts(card).some((t) => /more not shown/.test(t))).toBe(false);
  });

  it('shows the counts in the preview and leads the card with them', () => {
    const lead = (digest.blocks[0] as { text: string }).text;
    expect(card.fallbackText).toContain(lead.slice(0, 40));
    expect(markdownTexts(card)[1]).toContain(lead.slice(0, 40));
  });
});

describe('the figures the tests above rely on', () => {
  it('2,000 overdue tests: 25 items shown and the total counted', () => {
    const digest = view(twoThousand());
    expect(digest.blocks.flatMap((b) => (b.kind === 'list' ? b.items : []))).toHaveLength(25);
    expect(renderMessage(digest).text).toContain('2,000 items to act on');
    expect(renderCard(digest).fallbackText).toContain('2,000 items to act on');
  });

  it('the busy morning fills all 25 places', () => {
    expect(view(busyMorning(), { late: true }).blocks.flatMap((b) => (b.kind === 'list' ? b.items : []))).toHaveLength(25);
  });
});
