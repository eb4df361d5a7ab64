/**
 * What every command handler receives, and what it returns. Handlers return replies (views) and
 * expected failures as values; anything thrown is unexpected and becomes an error reference.
 */
import type { AuditActor } from '../audit/append.js';
import type { WorkflowConfig } from '../config/workflow.js';
import type { Database } from '../db/database.js';
import type { RuleSet } from '../domain/rules/schema.js';
import type { Logger } from '../logging/logger.js';
import type { PlatformAccount, StaffMember } from '../staff/directory.js';
import type { MessageView } from '../views/model.js';
import { errorView } from '../views/common-views.js';
import type { Failure } from '../domain/outcome.js';

export interface CoreDeps {
  db: Database;
  ruleSet: RuleSet;
  workflow: WorkflowConfig;
  logger: Logger;
  now: () => Date;
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
}

export interface Reply {
  ok: boolean;
  code?: string;
  view: MessageView;
  visibility: 'ephemeral' | 'channel';
}

/** A successful reply. Changes are shown to the channel (the team sees who took what); reads only to the asker. */
export function replied(view: MessageView, visibility: Reply['visibility'] = 'ephemeral'): Reply {
  return { ok: true, view, visibility };
}

/** An expected failure, shown only to the person who typed it. */
export function refused(failure: Failure): Reply {
  return { ok: false, code: failure.code, view: errorView(failure.code, failure.message), visibility: 'ephemeral' };
}
