/**
 * What every command handler receives, and what it returns. Handlers return replies (views) and
 * expected failures as values; anything thrown is unexpected and becomes an error reference.
 */
import type { WorkflowConfig } from '../config/workflow.js';
import type { ActionRecord } from '../domain/actions/records.js';
import type { AuditActor } from '../domain/audit.js';
import type { PlatformAccount, StaffMember } from '../domain/identity.js';
import type { Failure } from '../domain/outcome.js';
import type { RuleSet } from '../domain/rules/schema.js';
import type { Logger } from '../logging/logger.js';
import { errorView } from '../views/common-views.js';
import type { MessageView } from '../views/model.js';
import type { Stores } from './ports.js';
import type { ChannelRef, Effect } from './request.js';

export interface CoreDeps {
  /** Storage, through the ports only: SQL in production (src/stores), in memory in some tests. */
  stores: Stores;
  ruleSet: RuleSet;
  workflow: WorkflowConfig;
  logger: Logger;
  now: () => Date;
  /** Called after a change commits, so the delivery worker sends what it queued at once. */
  afterChange?: () => void;
}

export interface CommandContext {
  deps: CoreDeps;
  member: StaffMember;
  account: PlatformAccount;
  /** The channel as the platform names it, e.g. "C0123" or "console". */
  channelId: string;
  /** Who did it and from where, for every audit event this request writes. */
  auditActor: AuditActor;
  /** One instant per request: every decision and timestamp in it agrees. */
  now: Date;
  /**
   * Where changes are posted for the team to see (the request's channel on Slack or Teams), or
   * null (the console, a direct message): then the reply alone tells the person.
   */
  postTo: ChannelRef | null;
  /** The action this request changes, already being read (see `understand` in core.ts). */
  actionRead?: ActionRead;
}

/** A read of one action started before the command ran; the store treats it as its first read. */
export interface ActionRead {
  id: number;
  read: Promise<ActionRecord | null>;
}

/** A handler's result: the view for the person, and any effects beyond it (posts it queued). */
export interface Reply {
  ok: boolean;
  code?: string;
  view: MessageView;
  /** The form field a refusal is about, so a form can show it beside that input. */
  field?: string;
  effects?: Effect[];
}

export function replied(view: MessageView, effects: Effect[] = []): Reply {
  return { ok: true, view, effects };
}

/** An expected failure, shown only to the person who asked. */
export function refused(failure: Failure): Reply {
  return { ok: false, code: failure.code, view: errorView(failure.code, failure.message), ...(failure.field ? { field: failure.field } : {}) };
}
