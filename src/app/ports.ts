/**
 * The command core's ports: everything it needs from storage, by concern, shaped by what the
 * commands do rather than by the tables. The core reaches the database only through these, so it
 * can run on an in-memory fake (test/support/fake-stores.ts) and the SQL lives in src/stores.
 *
 * Transactions stay behind the ports. A change to an action is `actions.change(id, decide, …)`:
 * the store reads the action, calls `decide` (the pure state machine, through the command that
 * asked) and writes the change with its audit event and channel post, re-reading and re-deciding
 * when someone else changed the action first. How it does that atomically is the store's concern.
 */
import type { WorkflowConfig } from '../config/workflow.js';
import type { ActionSpec } from '../domain/actions/generation-model.js';
import type { ActionQuery, ActionRecord, CreatedAction } from '../domain/actions/records.js';
export type { ActionQuery } from '../domain/actions/records.js';
import type { ActionPatch } from '../domain/actions/transitions.js';
import type { AuditActor, AuditRecord, TimelineEntry, TimelineFilter, Via } from '../domain/audit.js';
import type { IsoDate } from '../domain/dates.js';
import type { PeriodKind, PeriodReport, ReportChart } from '../domain/digest/metrics.js';
import type { AccountKey, PlatformAccount, Resolution, StaffMember } from '../domain/identity.js';
import type { Failure, Outcome } from '../domain/outcome.js';
import type { PatientState } from '../domain/register.js';
import type { Rating } from '../domain/results.js';
import type { RuleSet } from '../domain/rules/schema.js';
import type { ChannelRef, CoreResponse } from './request.js';

export type { ChannelRef, CoreResponse } from './request.js';

// ---------------------------------------------------------------------------------------------
// Actions


/** A write that must commit with the change that calls for it. */
export type ChangeEffect =
  | { kind: 'waiver'; patientId: string; drug: string | null; test: string; reason: string; until: IsoDate; createdBy: string; audit: AuditRecord }
  | { kind: 'escalation'; spec: ActionSpec & { parentId: number } };

/** What a command does to an action, decided from the action as it was read. */
export interface ActionChange {
  patch: ActionPatch;
  /** e.g. "action.claimed": the verb of the action's own audit event. */
  auditVerb: string;
  reason: string | null;
  /** Any effect makes the change lock the action and write everything in one transaction. */
  effects: ChangeEffect[];
}

/** Called with the action as read, and again each time it is re-read; must be pure. */
export type DecideChange = (action: ActionRecord) => Outcome<ActionChange>;

export interface ChangeContext {
  /** Who, for every audit event the change writes; its correlation id goes on the channel post. */
  actor: AuditActor;
  now: Date;
  /** The channel whose team sees the change (the action's card is queued with it), or null. */
  postTo: ChannelRef | null;
  /**
   * The action as already read (started while the delivery was checked), used as the first read.
   * It may be stale by the time it is used: the write is guarded by its version, so a stale read
   * costs only a re-read.
   */
  firstRead?: Promise<ActionRecord | null>;
}

export type ChangeResult =
  | { status: 'applied'; action: ActionRecord; auditVerb: string; created: CreatedAction[] }
  | { status: 'refused'; failure: Failure }
  | { status: 'not_found' }
  /** Someone else kept changing it: every re-read and re-decision lost the race. */
  | { status: 'conflict' };

export interface ActionStore {
  load(id: number): Promise<ActionRecord | null>;
  /** Open and claimed actions matching a list filter, most urgent first, with the total count. */
  list(query: ActionQuery): Promise<{ actions: ActionRecord[]; total: number }>;
  /** One patient's open and claimed actions. */
  openForPatient(patientId: string): Promise<ActionRecord[]>;
  change(id: number, decide: DecideChange, context: ChangeContext): Promise<ChangeResult>;
}

// ---------------------------------------------------------------------------------------------
// Deliveries, channels, people

export type ReceiptClaim = { first: true } | { first: false; response: CoreResponse | null };

/** A platform's delivery ids, so a retried delivery is answered once. */
export interface ReceiptStore {
  /** The first claim of a key wins; later ones get the first one's saved response (null while it runs). */
  claim(key: string): Promise<ReceiptClaim>;
  /**
   * Claims the key and reads the action a button press changes, in one round trip. Optional: a
   * store without it has the claim and the read run side by side.
   */
  claimReadingAction?(key: string, actionId: number): Promise<{ claim: ReceiptClaim; action: ActionRecord | null }>;
  save(key: string, response: CoreResponse): Promise<void>;
  /** Lets a retry of the delivery run again (its first run committed nothing). */
  forget(key: string): Promise<void>;
}

export type ChannelPurpose = 'mdt' | 'managers';

export interface BindRequest {
  channel: ChannelRef;
  teamName: string;
  purpose: ChannelPurpose;
  boundBy: string;
  actor: AuditActor;
  now: Date;
}

export interface ChannelStore {
  /** The team a channel is bound to, or null. */
  boundTeam(channel: ChannelRef): Promise<{ teamId: string; teamName: string } | null>;
  /** Binds it (audited); `changed` is false when it was already bound so. */
  bind(request: BindRequest): Promise<Outcome<{ changed: boolean }, 'TEAM.NOT_FOUND'>>;
}

export interface IdentityContext {
  now: Date;
  via: Via;
  channel: string | null;
  correlationId: string;
}

export interface StaffStore {
  /** Who an account is; links it on the spot (audited) when its verified email is a staff email. */
  resolve(account: PlatformAccount, context: IdentityContext): Promise<Resolution>;
  findByEmail(email: string): Promise<StaffMember | null>;
  findByAccount(account: AccountKey): Promise<StaffMember | null>;
  /** Active members of a team, by name. */
  teamMembers(teamId: string): Promise<StaffMember[]>;
  /** An admin links an account to the member of staff with `email` (audited). */
  link(admin: StaffMember, account: AccountKey, email: string, context: IdentityContext & { actorIdentity: string }):
    Promise<Outcome<StaffMember, 'STAFF.NOT_FOUND' | 'IDENTITY.ALREADY_LINKED' | 'AUTH.FORBIDDEN'>>;
}

export interface PatientSummary {
  id: string;
  patientRef: string;
  displayLabel: string;
  teamId: string;
  teamName: string;
  timeZone: string;
  gpPractice: string;
}

export interface PatientStore {
  /** The patient with this reference (any case) if they are in one of the teams, else null. */
  findInTeams(ref: string, teamIds: readonly string[]): Promise<PatientSummary | null>;
}

// ---------------------------------------------------------------------------------------------
// Recording events, and reading the register and the audit trail

export interface RecordContext {
  actor: AuditActor & { staffId: string; postTo: ChannelRef | null };
  now: Date;
  ruleSet: RuleSet;
  workflow: WorkflowConfig;
}

export type RecordError = 'PATIENT.NOT_FOUND' | 'TEST.UNKNOWN' | 'TEST.TAKES_NO_VALUE' | 'UNIT.INVALID' | 'VALUE.INVALID' | 'VALUE.OUT_OF_RANGE'
  | 'DATE.INVALID' | 'DATE.OUT_OF_RANGE' | 'INPUT.INVALID';

export interface RecordedEvent {
  /** The result's rating (results only). */
  evaluation?: { flag: Rating; reason: string };
  /** What the loop opened because of it. */
  created: CreatedAction[];
  /** The same event was already recorded: nothing changed. */
  duplicate: boolean;
}

/** Each records the event, its audit event and the actions it opens, all or nothing. */
export interface RecordStore {
  /** `value` as typed or received: the store checks it and records it exactly as given. */
  result(input: { patientRef: string; test: string; value: string | number; unit?: string; takenOn: IsoDate }, context: RecordContext): Promise<Outcome<RecordedEvent, RecordError>>;
  dna(input: { patientRef: string; test: string; takenOn: IsoDate; reason?: string }, context: RecordContext): Promise<Outcome<RecordedEvent, RecordError>>;
  discharge(input: { patientRef: string; dischargedOn: IsoDate }, context: RecordContext): Promise<Outcome<RecordedEvent, RecordError>>;
}

export interface AuditReader {
  /** The latest 50 events for an entity or a patient, oldest first. */
  timeline(filter: TimelineFilter): Promise<TimelineEntry[]>;
}

export interface RegisterReader {
  /** A patient's register state on a day, for the due engine. */
  patientState(patientId: string, asOf: IsoDate, ruleSet: RuleSet): Promise<PatientState | null>;
}

// ---------------------------------------------------------------------------------------------
// Reports: the weekly and monthly figures

export interface PeriodReportRequest {
  teamId: string;
  kind: PeriodKind;
  now: Date;
  ruleSet: RuleSet;
}

export interface ReportReader {
  /** The names of these teams (a person's own), so a team typed by name can be found among them. */
  teams(teamIds: readonly string[]): Promise<{ teamId: string; teamName: string }[]>;
  /**
   * The team's last complete week or month in its own time zone, with the weekly chart stored
   * when the service has a public address to show it from; null when the team no longer exists.
   */
  lastPeriod(request: PeriodReportRequest): Promise<{ report: PeriodReport; chart: ReportChart | null } | null>;
}

export interface Stores {
  actions: ActionStore;
  receipts: ReceiptStore;
  channels: ChannelStore;
  staff: StaffStore;
  patients: PatientStore;
  records: RecordStore;
  audit: AuditReader;
  register: RegisterReader;
  reports: ReportReader;
}
