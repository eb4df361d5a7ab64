/**
 * Actions as the rest of the system reads them: the state machine's snapshot plus what views and
 * forms show. Plain data, defined here rather than beside the SQL that loads it, so views and the
 * command core can use the shape without depending on the database layer.
 */
import type { ActionKind, ListFilter, Priority, Role } from './kinds.js';
import type { ActionSnapshot } from './transitions.js';

export interface ActionRecord extends ActionSnapshot {
  teamName: string;
  timeZone: string;
  patientId: string;
  patientRef: string;
  displayLabel: string;
  cause: Record<string, unknown>;
  dueAt: Date;
  createdAt: Date;
  closedAt: Date | null;
  outcome: string | null;
  outcomeDetail: Record<string, unknown> | null;
  closedReason: string | null;
  parentId: number | null;
}

/** An action just created (by a sync, a recorded event or an escalation). */
export interface CreatedAction {
  id: number;
  kind: ActionKind;
  patientId: string;
  patientRef: string;
  teamId: string;
  causeKey: string;
  cause: Record<string, unknown>;
  priority: Priority;
  dueAt: Date;
  assignedRole: Role | null;
  parentId: number | null;
}

/** Which open and claimed actions a list shows: a team's, filtered, or one person's (`mine`). */
export interface ActionQuery {
  teamIds: readonly string[];
  filter: ListFilter | 'mine';
  staffId: string;
  now: Date;
  limit: number;
  /** Only unclaimed ones (App Home's red items nobody has taken). */
  unclaimedOnly?: boolean;
}
