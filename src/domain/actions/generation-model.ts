/**
 * What action generation reads and what it plans: one patient's facts at a fixed `now` in, the
 * actions to create, close and refresh out. Kept apart from the planning rules (generation.ts).
 */
import type { IsoDate } from '../dates.js';
import type { DueItem } from '../due.js';
import type { Rating } from '../results.js';
import type { TestKey } from '../test-keys.js';
import type { ActionKind, ActionStatus, Priority, Role } from './kinds.js';

/** How the workflow times things; loaded and validated from the environment by src/config/workflow.ts. */
export interface GenerationSettings {
  /** A red result must be reviewed within this many hours. */
  redReviewHours: number;
  /** An amber result must be reviewed within this many days. */
  amberReviewDays: number;
  /** A green result that still needs sign-off (clozapine FBC) must be reviewed within this many days. */
  routineReviewDays: number;
  /** Time a technician has to contact the patient and book an overdue test. */
  overdueActionDays: number;
  /** Overdue by more than this many days also raises an escalation to the duty lead. */
  overdueEscalationDays: number;
  /** A missed test should be rebooked within this many days. */
  dnaRebookDays: number;
  /** Missed tests of the same requirement within this many days count as repeated misses. */
  dnaRepeatWindowDays: number;
  /** Medicines reconciliation is due this many hours after the start of the discharge day (48–72). */
  reconciliationHours: number;
  /**
   * Amber results and missed tests older than this when first seen open no actions (history
   * imports). A red result opens its review whatever its age, unless a later result of the same
   * test has superseded it.
   */
  resultLookbackDays: number;
  /** After a declined or unable-to-contact outcome, an overdue test is chased again after this many days. */
  recheckAfterDays: number;
}

/** An action already stored for the patient: every live one, and closed ones whose key is a candidate. */
export interface ExistingAction {
  id: number;
  kind: ActionKind;
  causeKey: string;
  status: ActionStatus;
  cause: Record<string, unknown>;
  outcome: string | null;
  outcomeDetail: Record<string, unknown> | null;
  closedAt: Date | null;
  parentId: number | null;
}

/** A result with its evaluation, and whether the rule set asks for sign-off of every such result. */
export interface ResultFact {
  eventId: number;
  test: TestKey;
  value: number;
  unit: string;
  takenOn: IsoDate;
  flag: Rating;
  reason: string;
  signOff: boolean;
}

export interface DnaFact {
  eventId: number;
  test: TestKey;
  takenOn: IsoDate;
}

export interface PatientSnapshot {
  patientId: string;
  patientRef: string;
  teamId: string;
  /** The team's IANA zone: "end of the day" and "the discharge day" are the team's days. */
  timeZone: string;
  /** Every due item of the patient as of `asOf`, whatever its status. */
  due: DueItem[];
  /** Latest date each requirement was done, as of `asOf`. */
  lastDone: Partial<Record<TestKey, IsoDate>>;
  /**
   * Results within the look-back (and any just recorded), plus the latest result of each test
   * when that is older than the look-back: a red one still needs its review.
   */
  results: ResultFact[];
  /** Missed tests, reaching back far enough to count repeats within the repeat window. */
  dnas: DnaFact[];
  discharges: { id: number; dischargedOn: IsoDate }[];
  actions: ExistingAction[];
  /**
   * False while the patient's team is being onboarded: its register is in, but no daily digest
   * has been posted yet (`teams.first_digest_at` is null) and it is less than 7 days old. The plan then raises no
   * automatic escalation from the register or imported history (tests long overdue, repeated
   * missed tests), so a first import does not flood the team's channels; the first digest
   * summarises the overdue work instead, and the first sync after it raises the escalations then
   * due (issue 9 §6, "Onboarding"). A red result's escalation is never held (see generation.ts).
   */
  escalate: boolean;
}

export interface GenerationContext {
  asOf: IsoDate;
  now: Date;
  settings: GenerationSettings;
  /**
   * Events recorded just now in chat: they generate actions whatever their date, because a person
   * has deliberately recorded them (the look-back only keeps imported history quiet).
   */
  includeEventIds?: ReadonlySet<number>;
  /** The reason given in chat for a missed test, by event id, copied onto its follow-up. */
  dnaReasons?: ReadonlyMap<number, string>;
}

export type ParentRef = { id: number } | { causeKey: string };

/** An action to create, wherever it comes from (a sync's plan, a person escalating). */
export interface ActionSpec {
  kind: ActionKind;
  patientId: string;
  teamId: string;
  /** What the action came from; at most one live action per key. */
  causeKey: string;
  cause: Record<string, unknown>;
  priority: Priority;
  dueAt: Date;
  /** For escalations and clinical decisions: the role the action is for. */
  assignedRole?: Role | null;
}

export interface PlannedAction extends ActionSpec {
  /** An existing action, or one created earlier in the same plan (resolved when written). */
  parent?: ParentRef;
  /**
   * Post its card to every MDT channel of the team at once, in the transaction that creates it,
   * rather than leaving it to the next digest: a red result's review (issue 9 §4).
   */
  postNow?: true;
}

export interface PlannedClose {
  actionId: number;
  /** In words, for the card and the audit trail: "fbc done on 2026-11-20". */
  reason: string;
}

/**
 * A live overdue action whose facts moved on: the test was done but is already due again, or the
 * schedule changed. Its card must show the current due date and last test, not those of the day
 * it was raised.
 */
export interface PlannedRefresh {
  actionId: number;
  /** Amber while more than overdueEscalationDays late, routine otherwise. */
  priority: Priority;
  before: Record<string, unknown>;
  after: Record<string, unknown>;
  cause: Record<string, unknown>;
}

/** Amber and red results older than the look-back that opened nothing, counted so none is dropped silently. */
export interface SkippedResults {
  amber: number;
  red: number;
}

export interface PatientPlan {
  creates: PlannedAction[];
  closes: PlannedClose[];
  refreshes: PlannedRefresh[];
  /** Live actions kept as they are. */
  unchanged: number;
  /** Results not raised because they are older than the look-back (never reviewed before). */
  skippedTooOld: SkippedResults;
  /** Escalations not raised because the team is being onboarded (`escalate` false): raised by the first sync after its first digest. */
  escalationsHeld: number;
}
