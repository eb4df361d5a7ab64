import { describe, expect, it } from 'vitest';
import { buildDailyDigest, type DailyDigestInput } from '../../src/domain/digest/daily.js';
import type { DigestAction } from '../../src/domain/digest/digest-action.js';
import { DEFAULT_TEAM_SETTINGS } from '../../src/domain/digest/settings.js';
import { dailyDigestView, digestItemIds } from '../../src/views/digest-views.js';
import type { MessageView, ViewBlock } from '../../src/views/model.js';
import { renderText } from '../../src/views/render-text.js';
import { DRUG_GROUPS, NOW, TEAM, TODAY, claimed, digestAction, hoursFromNow, overdue, resultReview } from '../domain/digest/daily-fixtures.js';

function digestOf(actions: DigestAction[], extra: Partial<DailyDigestInput> = {}) {
  return buildDailyDigest({
    team: TEAM, settings: DEFAULT_TEAM_SETTINGS, localDate: TODAY, now: NOW, actions, drugGroups: DRUG_GROUPS,
    late: false, summarised: false, ...extra,
  });
}
const viewOf = (actions: DigestAction[], extra: Partial<DailyDigestInput> = {}) => dailyDigestView(digestOf(actions, extra), NOW);

type ListBlock = Extract<ViewBlock, { kind: 'list' }>;
const lists = (view: MessageView) => view.blocks.filter((b): b is ListBlock => b.kind === 'list');
const items = (view: MessageView) => lists(view).flatMap((l) => l.items);
const texts = (view: MessageView) => view.blocks.flatMap((b) => (b.kind === 'text' ? [b.text] : []));

/** 2,000 overdue tests: 500 due 4 days ago (lithium), 1,500 due on 1 June (clozapine). */
const twoThousand = () => Array.from({ length: 2000 }, (_, i) => (i < 500
  ? overdue('lithium', 'lithium_level', '2026-11-28')
  : overdue('clozapine', 'fbc', '2026-06-01')));

/** Something in every section. */
function busy(): DigestAction[] {
  return [
    ...Array.from({ length: 40 }, () => overdue('apixaban', 'renal', '2026-10-01')),
    resultReview('red', { id: 101 }),
    resultReview('amber', { id: 102 }),
    resultReview('amber', { id: 103, ...claimed('Priya Shah', 2) }),
    digestAction({ id: 104, kind: 'escalation', priority: 'amber', assignedRole: 'duty_lead', cause: { reason: 'renal for apixaban is 62 days overdue (more than 28)' } }),
    digestAction({ id: 105, kind: 'reconciliation', priority: 'amber', dueAt: hoursFromNow(-2), cause: { dischargedOn: '2026-11-29' } }),
    digestAction({ id: 106, kind: 'dna_followup', dueAt: hoursFromNow(15), cause: { test: 'fbc', takenOn: '2026-12-02', rebookBy: '2026-12-09' } }),
    digestAction({ id: 107, kind: 'dna_followup', dueAt: hoursFromNow(-9), ...claimed('Sam Lee', 80), cause: { test: 'lithium_level', takenOn: '2026-12-01', rebookBy: '2026-12-08' } }),
  ];
}

describe('the daily digest view', () => {
  it('is titled with the team and the day', () => {
    expect(viewOf([]).title).toBe('Daily digest · North CMHT · Wed 2 Dec');
  });

  it('an empty team: "All clear", and nothing listed', () => {
    const view = viewOf([]);
    expect(texts(view)[0]).toMatch(/^All clear/);
    expect(view.fallbackText).toContain('All clear');
    expect(lists(view)).toEqual([]);
    expect(view.tone).toBe('success');
  });

  it('says when it is late, in the message and the preview', () => {
    const view = viewOf([overdue('lithium', 'tft', '2026-11-01')], { late: true });
    expect(texts(view)).toContain('Posted late: this digest was due at 08:30.');
    expect(view.fallbackText).toContain('late');
    expect(viewOf([], { late: true }).fallbackText).toContain('late');
    expect(viewOf([overdue('lithium', 'tft', '2026-11-01')]).fallbackText).not.toContain('late');
  });

  it('leads with the counts, in the first block and the fallback text', () => {
    const view = viewOf(busy());
    const lead = '47 items to act on: 2 results unclaimed · 1 escalation · 1 reconciliation · 2 missed-appointment follow-ups · 1 result claimed and open · 1 stale claim · 40 overdue tests.';
    expect(view.blocks[0]).toEqual({ kind: 'text', text: lead, emphasis: 'strong' });
    expect(view.fallbackText).toBe(`Daily digest · North CMHT · Wed 2 Dec: ${lead}`);
  });

  it('2,000 overdue tests: exact counts, 25 items shown, the rest counted with a pointer to list', () => {
    const view = viewOf(twoThousand());
    expect(view.fallbackText).toContain('2,000 items to act on');
    expect(items(view)).toHaveLength(25);
    expect(texts(view)).toContain('Overdue monitoring: 2,000');
    expect(texts(view)).toContain('By how late: 1–7 days 500 · 8–28 days 0 · over 28 days 1,500\n'
      + 'Clozapine 1,500: 1–7 days 0 · 8–28 days 0 · over 28 days 1,500\n'
      + 'Lithium 500: 1–7 days 500 · 8–28 days 0 · over 28 days 0');
    expect(texts(view)).toContain('1,975 more: type "list overdue_monitoring" to see all 2,000.');
    // The longest late first.
    expect(items(view)[0]!.text).toMatch(/: fbc for clozapine overdue by 184 days \(due 2026-06-01, last done 2026-06-01\)$/);
    expect(items(view)[0]!.meta).toBe('Clozapine · due in 7 days · open, unclaimed');
  });

  it('every section of a busy day, the most urgent first, with its own count', () => {
    const headings = viewOf(busy()).blocks.filter((b) => b.kind === 'text' && b.emphasis === 'strong').map((b) => (b as { text: string }).text);
    expect(headings.slice(1)).toEqual([
      'Red and amber results to review, unclaimed: 2 (1 red, 1 amber)',
      'Open escalations and clinical decisions: 1 (1 amber)',
      'Discharge reconciliations due within 24 hours: 1 (1 amber, 1 overdue)',
      'Missed-appointment follow-ups due today: 2 (1 overdue)',
      'Red and amber results claimed but not closed: 1 (1 amber)',
      'Claimed but untouched for 72 hours or more: 1',
      'Overdue monitoring: 40',
    ]);
  });

  it("each item carries its list buttons, which leave the digest in place when pressed", () => {
    const view = viewOf(busy());
    const byRef = (ref: string) => items(view).find((i) => i.text.startsWith(`${ref} `))!;
    expect(byRef('A-101').buttons!.map((b) => `${b.label}:${b.command}`)).toEqual(['Claim:claim', 'Hand off…:handoff', 'Escalate…:escalate', 'Timeline:audit']);
    expect(byRef('A-107').buttons!.map((b) => b.label)).toEqual(['Close…', 'Hand off…', 'Escalate…', 'Timeline']);
    for (const item of items(view)) {
      expect(item.buttons!.length).toBeGreaterThan(0);
      for (const button of item.buttons!) {
        expect(button.refreshesSource).toBeFalsy();
        expect(button.fields.actionId).toBe(Number(item.text.slice(2, item.text.indexOf(' '))));
      }
    }
  });

  it('marks overdue follow-ups and stale claims, and shows a stale claim once', () => {
    const view = viewOf(busy());
    const a107 = items(view).filter((i) => i.text.startsWith('A-107 '));
    expect(a107).toHaveLength(1);
    expect(a107[0]!.meta).toBe('no change for 3 days · overdue by 9 h · claimed by Sam Lee at 00:30');
    expect(texts(view)).toContain('1 listed under another heading.');
    expect(items(view).find((i) => i.text.startsWith('A-105 '))!.meta).toBe('overdue by 2 h · open, unclaimed');
  });

  it('names patients by reference and display label only', () => {
    const view = viewOf([overdue('lithium', 'tft', '2026-11-01', { id: 77, patientRef: 'NR-077', displayLabel: 'J.S.', patientId: 'internal-uuid-77' })]);
    expect(items(view)[0]!.text).toBe('A-77 ROUTINE · NR-077 (J.S.): tft for lithium overdue by 31 days (due 2026-11-01, last done 2026-06-01)');
    expect(JSON.stringify(view)).not.toContain('internal-uuid-77');
  });

  it('cuts long stored text so every item stays short', () => {
    const reason = 'x'.repeat(1000);
    const view = viewOf([digestAction({ kind: 'escalation', priority: 'amber', displayLabel: 'L'.repeat(300), cause: { reason } })]);
    expect(items(view)[0]!.text.length).toBeLessThanOrEqual(200);
    expect(items(view)[0]!.text.endsWith('…')).toBe(true);
  });

  it('the summarised onboarding digest counts overdue tests by drug and test instead of listing them', () => {
    const actions = [
      ...Array.from({ length: 412 }, () => overdue('lithium', 'lithium_level', '2026-06-01')),
      ...Array.from({ length: 88 }, () => overdue('clozapine', 'fbc', '2026-11-30')),
      resultReview('red', { id: 201 }),
    ];
    const view = viewOf(actions, { summarised: true });
    expect(texts(view)).toContain('lithium · lithium level: 412\nclozapine · fbc: 88');
    expect(texts(view).some((t) => t.startsWith('First digest since'))).toBe(true);
    expect(items(view).map((i) => i.text.split(' ')[0])).toEqual(['A-201']);
    expect(texts(view)).toContain('500 not shown here: type "list overdue_monitoring" to see all 500.');
  });

  it('digestItemIds: the actions shown, from the view or from the digest alike', () => {
    const digest = digestOf([...twoThousand(), ...busy()]);
    const view = dailyDigestView(digest, NOW);
    const fromView = digestItemIds(view);
    expect(fromView).toHaveLength(25);
    expect(new Set(fromView).size).toBe(25);
    expect(digestItemIds(digest)).toEqual(fromView);
    expect(digestItemIds(viewOf([]))).toEqual([]);
  });
});

describe('the digest as text (the console and digest run --print)', () => {
  it('reads top to bottom: title, counts, sections, items with the commands to type, pointers', () => {
    const text = renderText(viewOf([...busy(), ...Array.from({ length: 30 }, () => resultReview('amber'))]));
    const lines = text.split('\n');
    expect(lines[0]).toBe('!! Daily digest · North CMHT · Wed 2 Dec');
    expect(lines[1]).toMatch(/^77 items to act on: 32 results unclaimed · /);
    expect(lines[2]).toBe('Red and amber results to review, unclaimed: 32 (1 red, 31 amber)');
    expect(lines[3]).toMatch(/^• A-101 RED · PT-101 \(Fictional patient\): lithium_level 1\.6 mmol\/L on 2026-12-01: .+ {2}\[claim A-101 \| handoff A-101 … \| escalate A-101 … \| audit A-101\]$/);
    expect(lines[4]).toBe('    due in 4 h · open, unclaimed');
    expect(text).toMatch(/\n\d+ more: type "list result_review" for the full list\.\n/);
    expect(text).toContain('\nOverdue monitoring: 40\nBy how late: 1–7 days 0 · 8–28 days 0 · over 28 days 40\nDOACs 40: 1–7 days 0 · 8–28 days 0 · over 28 days 40\n');
  });

  it('an empty team reads as all clear', () => {
    expect(renderText(viewOf([]))).toBe('✓ Daily digest · North CMHT · Wed 2 Dec\nAll clear: nothing is due today. Every loop is closed.');
  });
});
