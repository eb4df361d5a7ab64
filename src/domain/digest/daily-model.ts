/**
 * The daily MDT digest as data (issue 9 §1): what is due for a team today, section by section,
 * with every count exact. Built by buildDailyDigest (daily.ts) from the register and `now`;
 * worded by src/views/digest-views.ts, which shows at most DIGEST_ITEM_LIMIT items and counts
 * the rest.
 */
import type { IsoDate } from '../dates.js';
import type { Priority } from '../actions/kinds.js';
import type { DigestAction } from './digest-action.js';
import type { TeamSettings } from './settings.js';

/**
 * The sections, in the order they are shown and given room: time-critical clinical work first
 * (an unclaimed red result has hours), the long tail of overdue tests last (days to weeks).
 */
export const DIGEST_SECTIONS = [
  'results_unclaimed', 'escalations', 'reconciliations', 'dna', 'results_claimed', 'stale', 'overdue',
] as const;
export type DigestSectionKey = (typeof DIGEST_SECTIONS)[number];

/** Most items a digest shows across all its sections (the views' LIST_LIMIT: both platforms fit it). */
export const DIGEST_ITEM_LIMIT = 25;

export interface DigestItem {
  action: DigestAction;
  /** Past its due time at `now` (a DNA follow-up from yesterday, a reconciliation already late). */
  pastDue: boolean;
  /** Overdue monitoring: whole days late on the digest's date. */
  daysLate?: number;
  /** Overdue monitoring: the drug group label, and the index of its lateness band. */
  group?: string;
  band?: number;
}

/** A lateness band in whole days late: 1–7 is { from: 1, to: 7 }; the last band has no end. */
export interface OverdueBand {
  from: number;
  to: number | null;
}

export interface OverdueGroup {
  label: string;
  count: number;
  /** Count per band, in the order of `OverdueBreakdown.bands`. */
  byBand: number[];
}

/** Overdue tests of one drug and test (the summarised onboarding digest counts these, not items). */
export interface OverdueCount {
  drug: string;
  test: string;
  count: number;
}

export interface OverdueBreakdown {
  bands: OverdueBand[];
  byBand: number[];
  /** Drug groups, largest first. */
  groups: OverdueGroup[];
  /** Only on a summarised digest: counts by drug and test, largest first, in place of items. */
  summary?: OverdueCount[];
}

export interface DigestSection {
  key: DigestSectionKey;
  /** Every action in the section, shown or not. */
  count: number;
  byPriority: Record<Priority, number>;
  /** Items past their due time. */
  pastDue: number;
  /** Every item, most urgent first (empty for a summarised overdue section). */
  items: DigestItem[];
  /** The overdue section only. */
  overdue?: OverdueBreakdown;
}

export interface DailyDigest {
  team: { id: string; name: string; timeZone: string };
  localDate: IsoDate;
  now: Date;
  /** Posted after its time (the service was down or the platform held it back). */
  late: boolean;
  /** The team's first digest after an import: overdue tests counted by drug and test. */
  summarised: boolean;
  /** The settings the wording needs. */
  dailyDigestTime: string;
  staleClaimHours: number;
  /** Every section, in DIGEST_SECTIONS order, empty ones included. */
  sections: DigestSection[];
  /** Distinct actions due (an action in two sections, a stale claim on a DNA follow-up, counts once). */
  total: number;
  allClear: boolean;
}

export interface DailyDigestInput {
  team: { id: string; name: string; timeZone: string };
  settings: TeamSettings;
  localDate: IsoDate;
  now: Date;
  /** Every live (open or claimed) action of the team; others are ignored. */
  actions: DigestAction[];
  /** Drug key (cause.drug) → group label, e.g. lithium → "Lithium", apixaban → "DOACs". */
  drugGroups: Readonly<Record<string, string>>;
  late: boolean;
  summarised: boolean;
  /** Upper ends of the lateness bands in days (default [7, 28]: 1–7, 8–28, over 28 days late). */
  overdueBands?: readonly number[];
}
