import { describe, expect, it } from 'vitest';
import { buildDailyDigest, digestSelection as select, type DailyDigest, type DigestSectionKey } from '../../../src/domain/digest/daily.js';
import type { DigestAction } from '../../../src/domain/digest/digest-action.js';
import { DEFAULT_TEAM_SETTINGS, teamSettingsSchema } from '../../../src/domain/digest/settings.js';
import { DRUG_GROUPS, NOW, TEAM, TODAY, claimed, digestAction, hoursFromNow, overdue, resultReview } from './daily-fixtures.js';

function build(actions: DigestAction[], extra: Partial<Parameters<typeof buildDailyDigest>[0]> = {}): DailyDigest {
  return buildDailyDigest({
    team: TEAM, settings: DEFAULT_TEAM_SETTINGS, localDate: TODAY, now: NOW, actions, drugGroups: DRUG_GROUPS,
    late: false, summarised: false, ...extra,
  });
}

const sectionOf = (digest: DailyDigest, key: DigestSectionKey) => digest.sections.find((s) => s.key === key)!;
/** How many items each section shows. */
const digestSelection = (digest: DailyDigest) => new Map(select(digest).map((s) => [s.section.key, s.items.length]));
const ids = (digest: DailyDigest, key: DigestSectionKey) => sectionOf(digest, key).items.map((i) => i.action.id);

describe('an empty team', () => {
  it('is all clear, with every section present and empty', () => {
    const digest = build([]);
    expect(digest.allClear).toBe(true);
    expect(digest.total).toBe(0);
    expect(digest.sections.map((s) => [s.key, s.count])).toEqual([
      ['results_unclaimed', 0], ['escalations', 0], ['reconciliations', 0], ['dna', 0], ['results_claimed', 0], ['stale', 0], ['overdue', 0],
    ]);
  });

  it('closed and cancelled actions are not due', () => {
    const digest = build([
      overdue('lithium', 'lithium_level', '2026-11-01', { status: 'closed' }),
      resultReview('red', { status: 'cancelled' }),
    ]);
    expect(digest.allClear).toBe(true);
  });
});

describe('overdue monitoring', () => {
  it('counts lateness from the due date on the digest date, grouped by drug group and band', () => {
    const digest = build([
      overdue('lithium', 'lithium_level', '2026-12-01'), // 1 day late
      overdue('lithium', 'renal', '2026-11-25'), // 7 days
      overdue('apixaban', 'renal', '2026-11-24'), // 8 days
      overdue('rivaroxaban', 'fbc', '2026-11-04'), // 28 days
      overdue('methotrexate', 'fbc', '2026-11-03'), // 29 days
      overdue('unmapped_drug', 'lft', '2025-12-02'), // a year
    ]);
    const s = sectionOf(digest, 'overdue');
    expect(s.count).toBe(6);
    expect(s.overdue!.bands).toEqual([{ from: 1, to: 7 }, { from: 8, to: 28 }, { from: 29, to: null }]);
    expect(s.overdue!.byBand).toEqual([2, 2, 2]);
    expect(s.overdue!.groups).toEqual([
      { label: 'DOACs', count: 2, byBand: [0, 2, 0] },
      { label: 'Lithium', count: 2, byBand: [2, 0, 0] },
      { label: 'DMARDs', count: 1, byBand: [0, 0, 1] },
      { label: 'unmapped_drug', count: 1, byBand: [0, 0, 1] },
    ]);
    expect(s.items.map((i) => i.daysLate)).toEqual([365, 29, 28, 8, 7, 1]);
  });

  it('falls back to the stored days overdue when the cause has no due date', () => {
    const digest = build([digestAction({ kind: 'overdue_monitoring', cause: { drug: 'lithium', test: 'tft', daysOverdue: 40 } })]);
    expect(sectionOf(digest, 'overdue').items[0]).toMatchObject({ daysLate: 40, band: 2, group: 'Lithium' });
  });

  it('bands can be configured', () => {
    const digest = build([overdue('lithium', 'tft', '2026-11-20'), overdue('lithium', 'tft', '2026-10-01')], { overdueBands: [14] });
    expect(sectionOf(digest, 'overdue').overdue).toMatchObject({ bands: [{ from: 1, to: 14 }, { from: 15, to: null }], byBand: [1, 1] });
  });

  it('orders amber (already escalated) before routine, then the longest late, then the earliest due', () => {
    const a = overdue('lithium', 'tft', '2026-11-30', { id: 1, priority: 'amber' });
    const b = overdue('lithium', 'tft', '2026-10-01', { id: 2 });
    const c = overdue('lithium', 'fbc', '2026-11-20', { id: 3, dueAt: hoursFromNow(5) });
    const d = overdue('lithium', 'lft', '2026-11-20', { id: 4, dueAt: hoursFromNow(2) });
    expect(ids(build([d, c, b, a]), 'overdue')).toEqual([1, 2, 4, 3]);
  });

  it('2,000 overdue items: every count exact', () => {
    const actions = Array.from({ length: 2000 }, (_, i) => overdue(i % 4 === 0 ? 'lithium' : 'clozapine', i % 2 ? 'fbc' : 'lithium_level', i < 500 ? '2026-11-28' : i < 800 ? '2026-11-10' : '2026-06-01'));
    const digest = build(actions);
    const s = sectionOf(digest, 'overdue');
    expect(digest.total).toBe(2000);
    expect(s.count).toBe(2000);
    expect(s.items).toHaveLength(2000);
    expect(s.overdue!.byBand).toEqual([500, 300, 1200]);
    expect(s.overdue!.groups.map((g) => [g.label, g.count])).toEqual([['Clozapine', 1500], ['Lithium', 500]]);
    expect(digestSelection(digest).get('overdue')).toBe(25);
  });
});

describe('result reviews', () => {
  it('red and amber only, split unclaimed and claimed but open, red first', () => {
    const redOpen = resultReview('red', { id: 11 });
    const amberOpen = resultReview('amber', { id: 12, dueAt: hoursFromNow(1) });
    const redClaimed = resultReview('red', { id: 13, ...claimed('Priya Shah', 1) });
    const routineSignOff = resultReview('routine', { id: 14 });
    const digest = build([amberOpen, routineSignOff, redClaimed, redOpen]);
    expect(ids(digest, 'results_unclaimed')).toEqual([11, 12]);
    expect(ids(digest, 'results_claimed')).toEqual([13]);
    expect(sectionOf(digest, 'results_unclaimed').byPriority).toEqual({ red: 1, amber: 1, routine: 0 });
    expect(digest.total).toBe(3);
  });
});

describe('missed-appointment follow-ups', () => {
  it('those due by the end of today, overdue ones included and marked; not those due later', () => {
    const yesterday = digestAction({ id: 21, kind: 'dna_followup', dueAt: new Date('2026-12-01T23:59:59.999Z') });
    const tonight = digestAction({ id: 22, kind: 'dna_followup', dueAt: new Date('2026-12-02T23:59:59.999Z') });
    const tomorrow = digestAction({ id: 23, kind: 'dna_followup', dueAt: new Date('2026-12-03T04:00:00Z') });
    const digest = build([tomorrow, tonight, yesterday]);
    const s = sectionOf(digest, 'dna');
    expect(s.items.map((i) => [i.action.id, i.pastDue])).toEqual([[21, true], [22, false]]);
    expect(s.pastDue).toBe(1);
  });

  it("the end of today is the team's: 23:30Z in summer is already tomorrow in London", () => {
    const summerNow = new Date('2026-07-01T08:30:00Z');
    const lateEvening = digestAction({ kind: 'dna_followup', dueAt: new Date('2026-07-01T23:30:00Z') });
    const digest = build([lateEvening], { localDate: '2026-07-01', now: summerNow });
    expect(sectionOf(digest, 'dna').count).toBe(0);
  });
});

describe('reconciliations', () => {
  it('due within 24 hours of now, overdue ones included and marked', () => {
    const late = digestAction({ id: 31, kind: 'reconciliation', priority: 'amber', dueAt: hoursFromNow(-3) });
    const soon = digestAction({ id: 32, kind: 'reconciliation', priority: 'amber', dueAt: hoursFromNow(24) });
    const later = digestAction({ id: 33, kind: 'reconciliation', priority: 'amber', dueAt: hoursFromNow(25) });
    const s = sectionOf(build([later, soon, late]), 'reconciliations');
    expect(s.items.map((i) => [i.action.id, i.pastDue])).toEqual([[31, true], [32, false]]);
  });
});

describe('escalations', () => {
  it('open escalations and clinical decisions, claimed or not, red first', () => {
    const amber = digestAction({ id: 41, kind: 'escalation', priority: 'amber', assignedRole: 'duty_lead', dueAt: hoursFromNow(1) });
    const decision = digestAction({ id: 42, kind: 'clinical_decision', priority: 'amber', dueAt: hoursFromNow(2), ...claimed('Dr Rao', 2) });
    const red = digestAction({ id: 43, kind: 'escalation', priority: 'red', assignedRole: 'prescriber', dueAt: hoursFromNow(3) });
    expect(ids(build([amber, decision, red]), 'escalations')).toEqual([43, 41, 42]);
  });
});

describe('stale claims', () => {
  it("claimed and unchanged for the team's stale limit (default 72 hours), longest untouched first", () => {
    const stale = overdue('lithium', 'tft', '2026-11-01', { id: 51, ...claimed('Sam Lee', 72) });
    const staler = digestAction({ id: 52, kind: 'dna_followup', dueAt: hoursFromNow(-80), ...claimed('Sam Lee', 100) });
    const fresh = overdue('lithium', 'fbc', '2026-11-01', { id: 53, ...claimed('Sam Lee', 71) });
    const openOld = overdue('lithium', 'lft', '2026-11-01', { id: 54, updatedAt: hoursFromNow(-500) });
    const digest = build([stale, staler, fresh, openOld]);
    expect(ids(digest, 'stale')).toEqual([52, 51]);
    // Each stays in its own section too, and counts once in the total.
    expect(ids(digest, 'overdue')).toEqual(expect.arrayContaining([51, 53, 54]));
    expect(ids(digest, 'dna')).toEqual([52]);
    expect(digest.total).toBe(4);
  });

  it('follows the team setting', () => {
    const settings = teamSettingsSchema.parse({ staleClaimHours: 24 });
    const digest = build([overdue('lithium', 'tft', '2026-11-01', { ...claimed('Sam Lee', 25) })], { settings });
    expect(sectionOf(digest, 'stale').count).toBe(1);
  });
});

describe('summarised (the first digest after an import)', () => {
  it('counts overdue tests by drug and test instead of listing them; other sections are unchanged', () => {
    const actions = [
      ...Array.from({ length: 412 }, () => overdue('lithium', 'lithium_level', '2026-06-01')),
      ...Array.from({ length: 30 }, () => overdue('lithium', 'renal', '2026-11-30')),
      ...Array.from({ length: 30 }, () => overdue('clozapine', 'fbc', '2026-11-30')),
      resultReview('red', { id: 61 }),
    ];
    const digest = build(actions, { summarised: true });
    const s = sectionOf(digest, 'overdue');
    expect(s.count).toBe(472);
    expect(s.items).toEqual([]);
    expect(s.overdue!.summary).toEqual([
      { drug: 'lithium', test: 'lithium_level', count: 412 },
      { drug: 'clozapine', test: 'fbc', count: 30 },
      { drug: 'lithium', test: 'renal', count: 30 },
    ]);
    expect(s.overdue!.groups.map((g) => [g.label, g.count])).toEqual([['Lithium', 442], ['Clozapine', 30]]);
    expect(ids(digest, 'results_unclaimed')).toEqual([61]);
    expect(digest.total).toBe(473);
  });
});

describe('which items are shown (at most 25 across the digest)', () => {
  it('red items first, then every section in turn, so a long section crowds out none', () => {
    const actions = [
      ...Array.from({ length: 2000 }, () => overdue('lithium', 'tft', '2026-10-01')),
      ...Array.from({ length: 3 }, () => resultReview('red')),
      ...Array.from({ length: 10 }, () => resultReview('amber')),
      digestAction({ kind: 'reconciliation', priority: 'amber', dueAt: hoursFromNow(5) }),
      ...Array.from({ length: 6 }, () => digestAction({ kind: 'escalation', priority: 'amber', dueAt: hoursFromNow(5) })),
      ...Array.from({ length: 8 }, () => digestAction({ kind: 'dna_followup', dueAt: hoursFromNow(10) })),
    ];
    const shown = digestSelection(build(actions));
    // Red: the 3 red results. Then one each in turn: results, escalations, reconciliations, dna, overdue...
    expect(Object.fromEntries(shown)).toEqual({
      results_unclaimed: 3 + 6, escalations: 5, reconciliations: 1, dna: 5, results_claimed: 0, stale: 0, overdue: 5,
    });
    expect([...shown.values()].reduce((a, b) => a + b, 0)).toBe(25);
  });

  it('as many red items as fit, before anything else', () => {
    const actions = [...Array.from({ length: 30 }, () => resultReview('red')), digestAction({ kind: 'escalation', priority: 'amber' })];
    expect(Object.fromEntries(digestSelection(build(actions)))).toMatchObject({ results_unclaimed: 25, escalations: 0 });
  });

  it('shows an action once, counting it as shown elsewhere in its other section', () => {
    const staleReviews = Array.from({ length: 3 }, () => resultReview('amber', claimed('Priya Shah', 80)));
    const staleDna = digestAction({ kind: 'dna_followup', dueAt: hoursFromNow(-60), ...claimed('Sam Lee', 90) });
    const staleLater = digestAction({ kind: 'reconciliation', priority: 'amber', dueAt: hoursFromNow(48), ...claimed('Sam Lee', 75) });
    const selection = select(build([...staleReviews, staleDna, staleLater]));
    const shown = selection.flatMap((s) => s.items.map((i) => i.action.id));
    expect(new Set(shown).size).toBe(shown.length);
    expect(shown.sort()).toEqual([...staleReviews, staleDna, staleLater].map((a) => a.id).sort());
    const stale = selection.find((s) => s.section.key === 'stale')!;
    expect(stale.section.count).toBe(5);
    // The reconciliation (due in 48 h) is in no other section; the rest are shown in theirs.
    expect(stale.items.length + stale.elsewhere).toBe(5);
    expect(stale.items.map((i) => i.action.id)).toContain(staleLater.id);
    expect(stale.more).toBe(0);
  });

  it('everything when it fits', () => {
    const actions = [overdue('lithium', 'tft', '2026-11-01'), resultReview('amber')];
    expect(Object.fromEntries(digestSelection(build(actions)))).toMatchObject({ results_unclaimed: 1, overdue: 1 });
  });
});
