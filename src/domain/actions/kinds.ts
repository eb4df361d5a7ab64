/**
 * Action kinds, their outcomes, and what each outcome must record. Pure data: the state machine,
 * the command parser, the help text and the views all read this table, so a new outcome is one
 * entry here.
 */

export const ACTION_KINDS = [
  'overdue_monitoring', 'result_review', 'dna_followup', 'reconciliation', 'escalation', 'clinical_decision',
] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];

/** What `list` can show: all open work, or a slice of it. */
export type ListFilter = 'open' | 'overdue' | 'unclaimed' | 'red' | ActionKind;
export const LIST_FILTERS: readonly ListFilter[] = ['open', 'overdue', 'unclaimed', 'red', ...ACTION_KINDS];

export const ACTION_STATUSES = ['open', 'claimed', 'closed', 'cancelled'] as const;
export type ActionStatus = (typeof ACTION_STATUSES)[number];

export const PRIORITIES = ['routine', 'amber', 'red'] as const;
export type Priority = (typeof PRIORITIES)[number];

export const ROLES = [
  'technician', 'pharmacist', 'prescriber', 'gp', 'nurse', 'care_coordinator', 'duty_lead', 'manager', 'admin',
] as const;
export type Role = (typeof ROLES)[number];

/** Reasonable adjustments a DNA follow-up can record as offered (NHS England DNA guidance; Equality Act 2010 s.20). */
export const REASONABLE_ADJUSTMENTS = [
  'accompaniment', 'transport', 'quieter_time', 'interpreter', 'easy_read', 'home_visit',
] as const;
export type ReasonableAdjustment = (typeof REASONABLE_ADJUSTMENTS)[number];

/** What an outcome needs besides its name. */
export interface OutcomeSpec {
  /** Shown in help and in the "valid outcomes" hint. */
  summary: string;
  /** A date (YYYY-MM-DD) is required: the booked date, or the date a waiver runs until. */
  date?: 'booked_for' | 'waive_until';
  /** A free-text note is required (a reason, what changed, who was contacted). */
  note?: boolean;
  /** The reasonable adjustments offered must be listed (`adjustments=transport,interpreter`). */
  adjustments?: boolean;
  /** A number of contact attempts must be given (`attempts=N`), at least this many. */
  minAttempts?: number;
  /** Closing with this outcome is a clinical decision: only these roles may choose it. */
  clinical?: boolean;
  /** Side effect the workflow applies when the action closes this way. */
  effect?: 'create_waiver' | 'escalate_to_prescriber';
}

export const OUTCOMES: Record<ActionKind, Record<string, OutcomeSpec>> = {
  overdue_monitoring: {
    test_booked: { summary: 'test booked (give the date)', date: 'booked_for' },
    declined: { summary: 'patient declined the test (give the reason)', note: true },
    // A waiver stops the monitoring a prescriber asked for: a clinical decision, not a chasing one.
    not_required: { summary: 'not required until a date: a clinical sign-off (give the end date and reason; creates a waiver)', date: 'waive_until', note: true, clinical: true, effect: 'create_waiver' },
    unable_to_contact: { summary: 'could not reach the patient (attempts=N, at least 2, and what was tried)', minAttempts: 2, note: true },
  },
  result_review: {
    in_range_no_action: { summary: 'reviewed, no action needed', clinical: true },
    repeat_test_booked: { summary: 'repeat test booked (give the date)', date: 'booked_for', clinical: true },
    dose_adjusted_within_scope: { summary: 'dose adjusted within your scope (say what changed)', note: true, clinical: true },
    escalated_to_prescriber: { summary: 'escalated to the GP or prescriber (say why; opens an escalation)', note: true, clinical: true, effect: 'escalate_to_prescriber' },
    stop_and_refer: { summary: 'stop the medicine and refer (say to whom)', note: true, clinical: true },
  },
  dna_followup: {
    rebooked: { summary: 'rebooked (give the date and adjustments=… offered)', date: 'booked_for', adjustments: true },
    unable_to_contact: { summary: 'could not reach the patient (attempts=N, at least 2, and what was tried)', minAttempts: 2, note: true },
    declined: { summary: 'patient declined a new appointment (give the reason)', note: true },
  },
  reconciliation: {
    reconciled_no_change: { summary: 'list confirmed against the discharge summary, nothing changed', clinical: true },
    reconciled_changes: { summary: 'list confirmed, changes made (say what changed, prompts updated, side effects to watch)', note: true, clinical: true },
  },
  escalation: {
    resolved: { summary: 'dealt with (say how)', note: true },
    referred_on: { summary: 'referred on (say to whom)', note: true },
  },
  clinical_decision: {
    continue_with_caveats: { summary: 'continue, with caveats (say which)', note: true, clinical: true },
    pause_dose: { summary: 'pause the medicine (say until when or what)', note: true, clinical: true },
    refer: { summary: 'refer (say to whom)', note: true, clinical: true },
  },
};

export function outcomesFor(kind: ActionKind): string[] {
  return Object.keys(OUTCOMES[kind]);
}

/** The human id shown in chat. */
export function actionRef(id: number): string {
  return `A-${id}`;
}

/** Parses "A-1042" (any case, with or without the prefix); null if it is not an action id. */
export function parseActionRef(text: string): number | null {
  const match = /^(?:a-?)?(\d{1,12})$/i.exec(text.trim());
  return match ? Number(match[1]) : null;
}
