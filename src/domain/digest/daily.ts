/**
 * The daily MDT digest builder (issue 9 §1): a pure function of the team's live actions, its
 * settings and `now`. Sections:
 *
 * - overdue monitoring, grouped by drug group and by how late (1–7, 8–28, over 28 days);
 * - red and amber result reviews, unclaimed, and claimed but still open;
 * - missed-appointment (DNA) follow-ups due by the end of today, overdue ones included;
 * - discharge reconciliations due within 24 hours, overdue ones included;
 * - open escalations and clinical decisions;
 * - claimed actions gone stale (no change for the team's staleClaimHours).
 *
 * Lateness is counted from the cause's due date on the digest's date, as the action cards do:
 * a stored count of days overdue is a day staler every day.
 */
import { dayNumber, endOfDayIn, isIsoDate, type IsoDate } from '../dates.js';
import type { Priority } from '../actions/kinds.js';
import type { DigestAction } from './digest-action.js';
import {
  DIGEST_ITEM_LIMIT, DIGEST_SECTIONS,
  type DailyDigest, type DailyDigestInput, type DigestItem, type DigestSection, type DigestSectionKey,
  type OverdueBand, type OverdueBreakdown, type OverdueCount, type OverdueGroup,
} from './daily-model.js';

export * from './daily-model.js';

const HOUR_MS = 3_600_000;
/** Reconciliations due within this of now are in the digest (issue 9 §1). */
const RECONCILIATION_WINDOW_MS = 24 * HOUR_MS;
const DEFAULT_BAND_ENDS = [7, 28] as const;

const PRIORITY_RANK: Record<Priority, number> = { red: 0, amber: 1, routine: 2 };

/**
 * The order within a section as a number (smaller first) after priority: longest late first for
 * overdue tests, longest untouched first for stale claims, nothing for the rest.
 */
type SectionKeyOf = (item: DigestItem) => number;
const noKey: SectionKeyOf = () => 0;
const longestLate: SectionKeyOf = (item) => -(item.daysLate ?? 0);
const longestUntouched: SectionKeyOf = (item) => item.action.updatedAt.getTime();

/**
 * Most urgent first: red before amber before routine, then the section's own key, then earliest
 * due, then id. Keys are computed once per item and compared as numbers: with a comparator
 * reading Dates on every comparison (and due dates parsed per action) a 2,000-item digest took
 * 11 to 17 ms to build, against a budget of 20 ms for everything (issue 9's bench: 500 teams in
 * 10 s); with keys and the due-date memo below it takes about 1.5 ms.
 */
function mostUrgentFirst(items: DigestItem[], sectionKey: SectionKeyOf): DigestItem[] {
  const keyed = items.map((item) => ({
    item, rank: PRIORITY_RANK[item.action.priority], key: sectionKey(item), due: item.action.dueAt.getTime(), id: item.action.id,
  }));
  keyed.sort((a, b) => a.rank - b.rank || a.key - b.key || a.due - b.due || a.id - b.id);
  return keyed.map((k) => k.item);
}

function bandsFrom(ends: readonly number[]): OverdueBand[] {
  const sorted = [...new Set(ends.filter((n) => Number.isInteger(n) && n >= 1))].sort((a, b) => a - b);
  const bands: OverdueBand[] = [];
  let from = 1;
  for (const to of sorted) {
    bands.push({ from, to });
    from = to + 1;
  }
  bands.push({ from, to: null });
  return bands;
}

function bandOf(daysLate: number, bands: OverdueBand[]): number {
  const index = bands.findIndex((band) => band.to !== null && daysLate <= band.to);
  return index === -1 ? bands.length - 1 : index;
}

/** Whole days late on `localDate`: from the cause's due date, else its stored count (never negative). */
export function daysLateOn(action: DigestAction, localDate: IsoDate): number {
  return lateness(localDate)(action);
}

/** daysLateOn for one digest date, remembering each due date's day number (a register shares a few hundred). */
function lateness(localDate: IsoDate): (action: DigestAction) => number {
  const today = dayNumber(localDate);
  const dueDays = new Map<string, number | null>();
  return (action) => {
    const dueOn = action.cause.dueOn;
    if (typeof dueOn === 'string') {
      let due = dueDays.get(dueOn);
      if (due === undefined) {
        due = isIsoDate(dueOn) ? dayNumber(dueOn) : null;
        dueDays.set(dueOn, due);
      }
      if (due !== null) return Math.max(0, today - due);
    }
    const stored = action.cause.daysOverdue;
    return typeof stored === 'number' && Number.isFinite(stored) ? Math.max(0, Math.floor(stored)) : 0;
  };
}

const textOf = (value: unknown, fallback: string) => (typeof value === 'string' && value.trim() ? value : fallback);

function overdueBreakdown(items: DigestItem[], bands: OverdueBand[], summarised: boolean): OverdueBreakdown {
  const byBand = bands.map(() => 0);
  const groups = new Map<string, OverdueGroup>();
  const pairs = new Map<string, OverdueCount>();
  for (const item of items) {
    const band = item.band ?? 0;
    byBand[band]! += 1;
    const label = item.group ?? 'Other';
    const group = groups.get(label) ?? { label, count: 0, byBand: bands.map(() => 0) };
    group.count += 1;
    group.byBand[band]! += 1;
    groups.set(label, group);
    if (summarised) {
      const drug = textOf(item.action.cause.drug, 'unknown drug');
      const test = textOf(item.action.cause.test, 'unknown test');
      const key = `${drug}\u0000${test}`;
      const pair = pairs.get(key) ?? { drug, test, count: 0 };
      pair.count += 1;
      pairs.set(key, pair);
    }
  }
  const largestFirst = <T extends { count: number }>(label: (t: T) => string) => (a: T, b: T) => b.count - a.count || label(a).localeCompare(label(b));
  return {
    bands, byBand,
    groups: [...groups.values()].sort(largestFirst((g) => g.label)),
    ...(summarised ? { summary: [...pairs.values()].sort(largestFirst((p) => `${p.drug} ${p.test}`)) } : {}),
  };
}

function section(key: DigestSectionKey, items: DigestItem[], order: SectionKeyOf, overdue?: OverdueBreakdown, hideItems = false): DigestSection {
  const byPriority: Record<Priority, number> = { red: 0, amber: 0, routine: 0 };
  for (const item of items) byPriority[item.action.priority] += 1;
  return {
    key, count: items.length, byPriority,
    pastDue: items.filter((i) => i.pastDue).length,
    items: hideItems ? [] : mostUrgentFirst(items, order),
    ...(overdue ? { overdue } : {}),
  };
}

export function buildDailyDigest(input: DailyDigestInput): DailyDigest {
  const { team, settings, localDate, now } = input;
  const nowMs = now.getTime();
  const bands = bandsFrom(input.overdueBands ?? DEFAULT_BAND_ENDS);
  const endOfToday = endOfDayIn(localDate, team.timeZone).getTime();
  const staleBefore = nowMs - settings.staleClaimHours * HOUR_MS;
  const daysLateOf = lateness(localDate);

  const members: Record<DigestSectionKey, DigestItem[]> = {
    results_unclaimed: [], escalations: [], reconciliations: [], dna: [], results_claimed: [], stale: [], overdue: [],
  };
  for (const action of input.actions) {
    if (action.status !== 'open' && action.status !== 'claimed') continue;
    const pastDue = action.dueAt.getTime() < nowMs;
    let item: DigestItem = { action, pastDue };
    switch (action.kind) {
      case 'overdue_monitoring': {
        const daysLate = daysLateOf(action);
        const drug = textOf(action.cause.drug, '');
        item = { action, pastDue, daysLate, band: bandOf(daysLate, bands), group: input.drugGroups[drug] ?? (drug || 'Other') };
        members.overdue.push(item);
        break;
      }
      case 'result_review':
        if (action.priority === 'red' || action.priority === 'amber') {
          (action.status === 'open' ? members.results_unclaimed : members.results_claimed).push(item);
        }
        break;
      case 'dna_followup':
        if (action.dueAt.getTime() <= endOfToday) members.dna.push(item);
        break;
      case 'reconciliation':
        if (action.dueAt.getTime() <= nowMs + RECONCILIATION_WINDOW_MS) members.reconciliations.push(item);
        break;
      case 'escalation':
      case 'clinical_decision':
        members.escalations.push(item);
        break;
    }
    // Stale is about the claim, whatever the work: it may also sit in one of the sections above.
    if (action.status === 'claimed' && action.updatedAt.getTime() <= staleBefore) members.stale.push(item);
  }

  const orders: Record<DigestSectionKey, SectionKeyOf> = {
    results_unclaimed: noKey, escalations: noKey, reconciliations: noKey, dna: noKey, results_claimed: noKey,
    stale: longestUntouched, overdue: longestLate,
  };
  const sections = DIGEST_SECTIONS.map((key) => key === 'overdue'
    ? section(key, members.overdue, orders.overdue, overdueBreakdown(members.overdue, bands, input.summarised), input.summarised)
    : section(key, members[key], orders[key]));
  const total = new Set(DIGEST_SECTIONS.flatMap((key) => members[key].map((i) => i.action.id))).size;
  return {
    team, localDate, now, late: input.late, summarised: input.summarised,
    dailyDigestTime: settings.dailyDigestTime, staleClaimHours: settings.staleClaimHours,
    sections, total, allClear: total === 0,
  };
}

/** A section's share of the digest's items (see digestSelection). */
export interface SectionShown {
  section: DigestSection;
  /** The section's items shown under it, most urgent first. */
  items: DigestItem[];
  /** Its items shown under another section instead (a stale claim that is also a result to review). */
  elsewhere: number;
  /** Its items not shown anywhere. */
  more: number;
}

/**
 * Which items the digest shows, within `limit` across all its sections. Red items get room first,
 * then the rest; in each pass the sections take one item in turn, in DIGEST_SECTIONS order, so
 * no section with work in it is crowded out by a long one (2,000 overdue tests do not hide
 * today's reconciliation). An action is shown once: where it belongs to two sections, the other
 * counts it as shown elsewhere rather than spending a second place on it.
 */
export function digestSelection(digest: DailyDigest, limit = DIGEST_ITEM_LIMIT): SectionShown[] {
  const chosen = new Map<DigestSectionKey, DigestItem[]>(digest.sections.map((s) => [s.key, []]));
  const cursor = new Map<DigestSectionKey, number>(digest.sections.map((s) => [s.key, 0]));
  const shownIds = new Set<number>();
  let left = limit;
  const pass = (eligible: (item: DigestItem) => boolean) => {
    let progress = true;
    while (left > 0 && progress) {
      progress = false;
      for (const s of digest.sections) {
        if (left === 0) break;
        let at = cursor.get(s.key)!;
        while (at < s.items.length && shownIds.has(s.items[at]!.action.id)) at += 1;
        const next = s.items[at];
        cursor.set(s.key, at);
        if (!next || !eligible(next)) continue;
        chosen.get(s.key)!.push(next);
        shownIds.add(next.action.id);
        cursor.set(s.key, at + 1);
        left -= 1;
        progress = true;
      }
    }
  };
  // Items are sorted red first, so the red pass takes each section's red prefix.
  pass((item) => item.action.priority === 'red');
  pass(() => true);
  return digest.sections.map((section) => {
    const items = chosen.get(section.key)!;
    const elsewhere = section.items.filter((i) => shownIds.has(i.action.id)).length - items.length;
    return { section, items, elsewhere, more: section.count - items.length - elsewhere };
  });
}
