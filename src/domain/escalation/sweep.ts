/**
 * Which escalations a sweep should raise now, as a pure function of a team's live actions, its
 * settings, the steps already raised and `now`. The sweep (src/digests/sweeps.ts) writes them;
 * the database's (action_id, level) key makes each one happen at most once, whoever runs it.
 *
 * The rungs (issue 9 §3; the limits are the team's settings, src/domain/digest/settings.ts):
 *
 * - `red_duty_lead`: a red result review nobody has claimed `redUnclaimedMinutes` (default 60)
 *   after it was raised goes to the duty lead, as an escalation action posted in the channel.
 * - `unclaimed_duty_lead`, then `unclaimed_manager`: an open, unclaimed action older than its
 *   priority's `unclaimedLimitHours`, then twice that, climbs the chain (duty lead, then manager).
 *   A red result review's duty-lead rung is `red_duty_lead`, which comes first; an escalation
 *   (or clinical decision) already held by a role only climbs to roles above it, so an
 *   escalation for the manager, the top of the chain, is never re-escalated.
 * - `stale_reminder:<claimed at>`: a claimed action with no change for `staleClaimHours` reminds
 *   its holder, once per claim (a new claim starts a new clock and may be reminded again).
 *
 * Closed and cancelled actions never escalate. No clock runs before `clockStartsAt` (the team's
 * first digest): until then the team has not seen its list, so nothing it holds is "ignored".
 */
import type { DigestAction } from '../digest/digest-action.js';
import type { TeamSettings } from '../digest/settings.js';
import type { Role } from '../actions/kinds.js';
import { ESCALATION_CHAIN } from '../actions/transitions.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export type SweepLevelKind = 'red_duty_lead' | 'unclaimed_duty_lead' | 'unclaimed_manager' | 'stale_reminder';

export interface SweepStep {
  action: DigestAction;
  /** What escalation_steps stores: the kind, and for a stale reminder the claim it is about. */
  level: string;
  kind: SweepLevelKind;
  /** Who is told: a role of the team's chain, or the action's holder. */
  target: { role: Extract<Role, 'duty_lead' | 'manager'> } | { holderId: string; holderName: string };
  /** The moment the rung became due (its clock's start plus the limit). */
  dueSince: Date;
}

/** The key of an (action, level) pair in `alreadyRaised`. */
export function stepKey(actionId: number, level: string): string {
  return `${actionId}:${level}`;
}

export function staleLevel(claimedAt: Date): string {
  return `stale_reminder:${claimedAt.toISOString()}`;
}

/** True when the action is already held by this role or one above it in the chain (duty lead → prescriber → manager). */
function alreadyAtOrAbove(action: DigestAction, role: Role): boolean {
  if (action.kind !== 'escalation' && action.kind !== 'clinical_decision') return false;
  const held = ESCALATION_CHAIN.indexOf(action.assignedRole ?? 'duty_lead');
  return held >= ESCALATION_CHAIN.indexOf(role);
}

const later = (a: Date, b: Date | undefined) => (b && b.getTime() > a.getTime() ? b : a);

/**
 * The steps due now and not yet raised, in a stable order (by action id, then rung), so two
 * sweeps writing the same steps take their row locks in the same order.
 */
export function dueEscalations(actions: readonly DigestAction[], settings: TeamSettings, alreadyRaised: ReadonlySet<string>,
  now: Date, clockStartsAt?: Date): SweepStep[] {
  const steps: SweepStep[] = [];
  const add = (action: DigestAction, kind: SweepLevelKind, level: string, target: SweepStep['target'], dueSince: Date) => {
    if (dueSince.getTime() > now.getTime() || alreadyRaised.has(stepKey(action.id, level))) return;
    steps.push({ action, kind, level, target, dueSince });
  };
  for (const action of [...actions].sort((a, b) => a.id - b.id)) {
    if (action.status === 'open' && action.assigneeId === null) {
      const start = later(action.createdAt, clockStartsAt).getTime();
      const isRedReview = action.kind === 'result_review' && action.priority === 'red';
      if (isRedReview) {
        add(action, 'red_duty_lead', 'red_duty_lead', { role: 'duty_lead' }, new Date(start + settings.redUnclaimedMinutes * MINUTE));
      }
      const limit = settings.unclaimedLimitHours[action.priority] * HOUR;
      if (!isRedReview && !alreadyAtOrAbove(action, 'duty_lead')) {
        add(action, 'unclaimed_duty_lead', 'unclaimed_duty_lead', { role: 'duty_lead' }, new Date(start + limit));
      }
      if (!alreadyAtOrAbove(action, 'manager')) {
        add(action, 'unclaimed_manager', 'unclaimed_manager', { role: 'manager' }, new Date(start + 2 * limit));
      }
    } else if (action.status === 'claimed' && action.assigneeId !== null && action.claimedAt !== null) {
      const untouchedSince = later(action.updatedAt, clockStartsAt).getTime();
      add(action, 'stale_reminder', staleLevel(action.claimedAt),
        { holderId: action.assigneeId, holderName: action.assigneeName ?? 'the holder' },
        new Date(untouchedSince + settings.staleClaimHours * HOUR));
    }
  }
  return steps;
}
