/**
 * The audit trail's vocabulary: who did something and from where, what they did, and an event as
 * a timeline shows it. Plain data, so the command core and views can speak of audit events while
 * only src/audit writes and reads them.
 */

/** Where a change came from; `demo` marks the fictional demo data loaded into an empty database. */
export type Via = 'slack' | 'teams' | 'console' | 'scheduler' | 'cli' | 'demo';

/** Who did it, from where: the same for every event a request writes. */
export interface AuditActor {
  /** Staff id; null for the system (scheduler, imports run from the CLI). */
  id: string | null;
  name: string;
  /** The platform identity, e.g. "slack:T0001:U0002", "console:local:ana@example.nhs.uk", "system". */
  identity: string;
  via: Via;
  channel: string | null;
  correlationId: string;
}

/** What happened. `before` and `after` are the changed fields only, as plain JSON. */
export interface AuditRecord {
  verb: string;
  entityType: string;
  entityId: string;
  patientRef?: string | null;
  before?: unknown;
  after?: unknown;
  reason?: string | null;
}

export interface TimelineEntry {
  seq: number;
  /** ISO 8601 UTC with milliseconds. */
  at: string;
  actorName: string;
  via: string;
  verb: string;
  entityType: string;
  entityId: string;
  before: unknown;
  after: unknown;
  reason: string | null;
}

export type TimelineFilter = { entityType: string; entityId: string } | { patientRef: string };
