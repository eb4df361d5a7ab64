/**
 * The daily MDT digest as a message (issue 9 §1). It leads with the counts, says "All clear" when
 * nothing is due and "late" when it went out after its time, and shows at most LIST_LIMIT items
 * across all sections, each with its buttons; every section says how many it does not show and
 * which `list` shows them. So it fits Slack's 50 blocks and Teams' card budget by construction,
 * whatever the register holds (test/adapters/digest-render.test.ts renders 2,000 overdue items).
 *
 * Wording of each action comes from action-views.ts, so a digest line reads like a list line.
 */
import { actionRef } from '../domain/actions/kinds.js';
import { weekdayOf } from '../domain/digest/calendar.js';
import { digestSelection, type DailyDigest, type DigestItem, type DigestSection, type DigestSectionKey, type OverdueBand, type SectionShown } from '../domain/digest/daily.js';
import { KIND_LABEL, actionButtons, describeCause, describeDue, describeStatus, patientLabel } from './action-views.js';
import { LIST_LIMIT, type MessageView, type ViewBlock } from './model.js';
import { truncate } from './text.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "Wed 2 Dec". */
export function shortDate(date: string): string {
  const weekday = weekdayOf(date);
  return `${weekday[0]!.toUpperCase()}${weekday.slice(1)} ${Number(date.slice(8, 10))} ${MONTHS[Number(date.slice(5, 7)) - 1]}`;
}

/** 1975 → "1,975". */
export function count(n: number): string {
  return n.toLocaleString('en-GB');
}

const plural = (n: number, one: string, many = `${one}s`) => `${count(n)} ${n === 1 ? one : many}`;

interface SectionWords {
  heading: string;
  /** In the lead line of counts. */
  counted: (n: number) => string;
  /** The list command that shows the section's actions, and whether its count is the section's exactly. */
  list: string;
  exact: boolean;
  /** Items of one kind need no kind label. */
  mixedKinds: boolean;
}

const SECTION: Record<DigestSectionKey, SectionWords> = {
  results_unclaimed: {
    heading: 'Red and amber results to review, unclaimed', counted: (n) => plural(n, 'result unclaimed', 'results unclaimed'),
    list: 'list result_review', exact: false, mixedKinds: false,
  },
  escalations: {
    heading: 'Open escalations and clinical decisions', counted: (n) => plural(n, 'escalation'),
    list: 'list escalation', exact: false, mixedKinds: true,
  },
  reconciliations: {
    heading: 'Discharge reconciliations due within 24 hours', counted: (n) => plural(n, 'reconciliation'),
    list: 'list reconciliation', exact: false, mixedKinds: false,
  },
  dna: {
    heading: 'Missed-appointment follow-ups due today', counted: (n) => plural(n, 'missed-appointment follow-up'),
    list: 'list dna_followup', exact: false, mixedKinds: false,
  },
  results_claimed: {
    heading: 'Red and amber results claimed but not closed', counted: (n) => plural(n, 'result claimed and open', 'results claimed and open'),
    list: 'list result_review', exact: false, mixedKinds: false,
  },
  stale: {
    heading: 'Claimed but untouched', counted: (n) => plural(n, 'stale claim'),
    list: 'list open', exact: false, mixedKinds: true,
  },
  overdue: {
    heading: 'Overdue monitoring', counted: (n) => plural(n, 'overdue test'),
    list: 'list overdue_monitoring', exact: true, mixedKinds: false,
  },
};

function bandLabel(band: OverdueBand): string {
  if (band.to === null) return `over ${band.from - 1} days`;
  return band.from === band.to ? `${band.from} day${band.from === 1 ? '' : 's'}` : `${band.from}–${band.to} days`;
}

/** "3 red, 2 amber" and "1 overdue": what a heading adds to the count. */
function headingDetail(s: DigestSection): string {
  const parts: string[] = [];
  if (s.key !== 'overdue' && (s.byPriority.red || s.byPriority.amber)) {
    if (s.byPriority.red) parts.push(`${count(s.byPriority.red)} red`);
    if (s.byPriority.amber) parts.push(`${count(s.byPriority.amber)} amber`);
    if (s.byPriority.routine) parts.push(`${count(s.byPriority.routine)} routine`);
  }
  if ((s.key === 'dna' || s.key === 'reconciliations') && s.pastDue) parts.push(`${count(s.pastDue)} overdue`);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

function heading(s: DigestSection, digest: DailyDigest): string {
  const words = s.key === 'stale' ? `${SECTION.stale.heading} for ${plural(digest.staleClaimHours, 'hour')} or more` : SECTION[s.key].heading;
  return `${words}: ${count(s.count)}${headingDetail(s)}`;
}

/** The lead line: the total and each section's count, most urgent first. */
function countsLine(digest: DailyDigest): string {
  const parts = digest.sections.filter((s) => s.count > 0).map((s) => SECTION[s.key].counted(s.count));
  return `${plural(digest.total, 'item')} to act on: ${parts.join(' · ')}.`;
}

function overdueLines(s: DigestSection): string {
  const o = s.overdue!;
  const bands = (byBand: number[]) => o.bands.map((band, i) => `${bandLabel(band)} ${count(byBand[i] ?? 0)}`).join(' · ');
  const lines = [`By how late: ${bands(o.byBand)}`];
  // Drug groups are few (one per monitored drug family); the cap keeps a misconfigured map from swamping the message.
  const groups = o.groups.slice(0, 12);
  for (const g of groups) lines.push(`${g.label} ${count(g.count)}: ${bands(g.byBand)}`);
  if (o.groups.length > groups.length) lines.push(`and ${plural(o.groups.length - groups.length, 'more drug group')}`);
  return lines.join('\n');
}

const SUMMARY_LINES = 30;

function summaryLines(s: DigestSection): string {
  const summary = s.overdue?.summary ?? [];
  const lines = summary.slice(0, SUMMARY_LINES).map((p) => `${p.drug} · ${p.test.replace(/_/g, ' ')}: ${count(p.count)}`);
  if (summary.length > SUMMARY_LINES) lines.push(`and ${plural(summary.length - SUMMARY_LINES, 'more drug and test pair')}`);
  return lines.join('\n');
}

/**
 * An item's line and meta are cut to these lengths (a stored escalation reason may be 1,000
 * characters), so 25 items with their buttons always fit a Teams card's 28,000 bytes.
 */
const ITEM_TEXT_MAX = 200;
const ITEM_META_MAX = 160;

function itemLine(item: DigestItem, s: DigestSection, digest: DailyDigest & { staleIds: ReadonlySet<number> }): { text: string; meta: string; buttons: ReturnType<typeof actionButtons> } {
  const a = item.action;
  const kind = SECTION[s.key].mixedKinds ? ` · ${KIND_LABEL[a.kind]}` : '';
  const text = `${actionRef(a.id)} ${a.priority.toUpperCase()}${kind} · ${patientLabel(a.patientRef, a.displayLabel)}: ${describeCause(a.kind, a.cause, digest.localDate)}`;
  const meta: string[] = [];
  if (s.key === 'overdue' && item.group) meta.push(item.group);
  if (digest.staleIds.has(a.id)) meta.push(`no change for ${untouchedFor(a.updatedAt, digest.now)}`);
  meta.push(describeDue(a.dueAt, digest.now), describeStatus(a));
  return { text: truncate(text, ITEM_TEXT_MAX), meta: truncate(meta.join(' · '), ITEM_META_MAX), buttons: actionButtons(a, false) };
}

/** "30 h", "4 days": how long a claim has sat untouched. */
function untouchedFor(since: Date, now: Date): string {
  const hours = Math.max(0, (now.getTime() - since.getTime()) / 3_600_000);
  return hours < 48 ? `${Math.floor(hours)} h` : `${Math.floor(hours / 24)} days`;
}

/** "1,950 more: type "list overdue_monitoring" to see all 1,975." */
function pointer(shown: SectionShown): string {
  const { list, exact } = SECTION[shown.section.key];
  const parts: string[] = [];
  if (shown.elsewhere) parts.push(`${count(shown.elsewhere)} listed under another heading`);
  if (shown.more) {
    const more = `${count(shown.more)} ${shown.items.length || shown.elsewhere ? 'more' : 'not shown here'}`;
    parts.push(exact ? `${more}: type "${list}" to see all ${count(shown.section.count)}` : `${more}: type "${list}" for the full list`);
  }
  return `${parts.join('; ')}.`;
}

export function dailyDigestView(digest: DailyDigest, now: Date): MessageView {
  const title = `Daily digest · ${digest.team.name} · ${shortDate(digest.localDate)}`;
  const lateLine = digest.late ? `Posted late: this digest was due at ${digest.dailyDigestTime}.` : '';
  if (digest.allClear) {
    const text = 'All clear: nothing is due today. Every loop is closed.';
    const blocks: ViewBlock[] = [{ kind: 'text', text, emphasis: 'strong' }];
    if (lateLine) blocks.push({ kind: 'text', text: lateLine, emphasis: 'muted' });
    return { title, fallbackText: [`${title}:`, text, lateLine].filter(Boolean).join(' '), blocks, tone: 'success' };
  }
  const selection = digestSelection(digest, LIST_LIMIT);
  // Due times are worded at `now`, when the message is (re)rendered; a stale claim is marked wherever it is shown.
  const stale = selection.find((s) => s.section.key === 'stale')!.section;
  const at = { ...digest, now, staleIds: new Set(stale.items.map((i) => i.action.id)) };
  const lead = countsLine(digest);
  const blocks: ViewBlock[] = [{ kind: 'text', text: lead, emphasis: 'strong' }];
  if (lateLine) blocks.push({ kind: 'text', text: lateLine, emphasis: 'muted' });
  if (digest.summarised) {
    blocks.push({ kind: 'text', text: "First digest since this team's register was imported: overdue tests are counted by drug and test rather than listed one by one.", emphasis: 'muted' });
  }
  for (const shown of selection) {
    const s = shown.section;
    if (s.count === 0) continue;
    blocks.push({ kind: 'text', text: heading(s, digest), emphasis: 'strong' });
    if (s.key === 'overdue') blocks.push({ kind: 'text', text: digest.summarised ? summaryLines(s) : overdueLines(s) });
    if (shown.items.length) blocks.push({ kind: 'list', items: shown.items.map((item) => itemLine(item, s, at)) });
    if (shown.more || shown.elsewhere) blocks.push({ kind: 'text', text: pointer(shown), emphasis: 'muted' });
  }
  const red = digest.sections.some((s) => s.byPriority.red > 0);
  return {
    title,
    fallbackText: [`${title}:`, lead, lateLine].filter(Boolean).join(' '),
    blocks,
    tone: red ? 'urgent' : digest.late ? 'warning' : 'info',
  };
}

/**
 * The action ids a digest shows, in order and once each: the caller links them to the posted
 * message (message_actions) so it re-renders when any of them changes.
 */
export function digestItemIds(source: DailyDigest | MessageView): number[] {
  if ('sections' in source) return digestSelection(source, LIST_LIMIT).flatMap((s) => s.items.map((i) => i.action.id));
  const ids = source.blocks.flatMap((block) => block.kind === 'list'
    ? block.items.flatMap((item) => (item.buttons ?? []).map((b) => b.fields.actionId))
    : []);
  return [...new Set(ids.filter((id): id is number => typeof id === 'number'))];
}
