/**
 * Who may do what: one declarative table, read by the state machine, the help text and the full
 * permission-matrix test. Team scoping is separate and absolute: nobody acts on another team's
 * actions, whatever their roles.
 *
 * Clinical sign-off (closing a result review or reconciliation with a clinical outcome, waiving an
 * overdue test, deciding after repeated missed tests) is limited to pharmacists and prescribers; a GP is the prescriber
 * in primary care, so `gp` counts as one. Technicians chase tests; duty leads and managers may
 * reassign anything in their team; admins bind channels and link identities but make no clinical
 * decisions.
 */
import type { ActionKind, Role } from './kinds.js';

const PRESCRIBERS: Role[] = ['prescriber', 'gp'];

/** Roles that may claim, release, hand off and close (with a non-clinical outcome) each kind. */
export const WORK_ROLES: Record<ActionKind, readonly Role[]> = {
  overdue_monitoring: ['technician', 'nurse', 'care_coordinator', 'pharmacist', 'duty_lead'],
  result_review: ['pharmacist', ...PRESCRIBERS],
  dna_followup: ['technician', 'nurse', 'care_coordinator', 'duty_lead'],
  reconciliation: ['pharmacist', ...PRESCRIBERS],
  escalation: ['duty_lead', 'manager', 'pharmacist', ...PRESCRIBERS],
  clinical_decision: [...PRESCRIBERS],
};

/** Roles that may close with an outcome marked `clinical` in OUTCOMES. */
export const CLINICAL_ROLES: Record<ActionKind, readonly Role[]> = {
  // Waiving a test (not_required) is a clinical sign-off; among those who work overdue tests, only
  // the pharmacist may give it (a technician is refused and told to hand it to one).
  overdue_monitoring: ['pharmacist', ...PRESCRIBERS],
  result_review: ['pharmacist', ...PRESCRIBERS],
  dna_followup: [],
  reconciliation: ['pharmacist', ...PRESCRIBERS],
  escalation: ['pharmacist', ...PRESCRIBERS],
  clinical_decision: [...PRESCRIBERS],
};

const CLINICAL_STAFF: Role[] = ['technician', 'pharmacist', 'prescriber', 'gp', 'nurse', 'care_coordinator', 'duty_lead'];

/** Permissions that do not depend on the action's kind. */
export const TEAM_PERMISSIONS = {
  /** Add a note to any action in the team. */
  note: [...CLINICAL_STAFF, 'manager'],
  /** Raise an escalation on any action in the team. */
  escalate: [...CLINICAL_STAFF, 'manager'],
  /** Release, hand off or close an action somebody else holds. */
  reassign: ['duty_lead', 'manager'],
  /** See the team's actions, patients and timelines. */
  view: [...CLINICAL_STAFF, 'manager', 'admin'],
  /** Record a result, a missed appointment or a discharge. */
  record_event: CLINICAL_STAFF,
  /** Pull the weekly digest. */
  weekly_digest: ['manager', 'duty_lead'],
  /** Export audit evidence for the team. */
  audit_export: ['manager', 'admin'],
} as const satisfies Record<string, readonly Role[]>;

/** Permissions over the whole installation, not one team. */
export const ADMIN_PERMISSIONS = {
  link_identity: ['admin'],
  bind_channel: ['admin'],
} as const satisfies Record<string, readonly Role[]>;

export type TeamPermission = keyof typeof TEAM_PERMISSIONS;
export type AdminPermission = keyof typeof ADMIN_PERMISSIONS;

const hasAny = (roles: readonly Role[], allowed: readonly Role[]) => roles.some((r) => allowed.includes(r));

export function mayWork(roles: readonly Role[], kind: ActionKind): boolean {
  return hasAny(roles, WORK_ROLES[kind]);
}

export function mayDecideClinically(roles: readonly Role[], kind: ActionKind): boolean {
  return hasAny(roles, CLINICAL_ROLES[kind]);
}

export function mayInTeam(roles: readonly Role[], permission: TeamPermission): boolean {
  return hasAny(roles, TEAM_PERMISSIONS[permission]);
}

export function mayAdmin(roles: readonly Role[], permission: AdminPermission): boolean {
  return hasAny(roles, ADMIN_PERMISSIONS[permission]);
}

/** Roles, in wording for a "you need to be a … to do this" hint. */
export function describeRoles(roles: readonly Role[]): string {
  const names = roles.map((r) => r.replace(/_/g, ' '));
  if (names.length <= 1) return names[0] ?? 'nobody';
  return `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
}
