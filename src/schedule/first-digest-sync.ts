/**
 * The end of a team's onboarding. Until its first daily digest is queued, the sync holds back
 * the automatic escalations of its imported backlog (src/domain/actions/generation.ts), so an
 * import does not flood the channel before anyone has seen a digest. When the scheduler queues
 * that first digest, the team is synced at once: the escalations still due are raised now, each
 * once and audited, rather than at the next whole-register sync.
 */
import crypto from 'node:crypto';
import { SYSTEM_ACTOR_NAME } from '../audit/append.js';
import type { WorkflowConfig } from '../config/workflow.js';
import type { Database } from '../db/database.js';
import { todayIn } from '../domain/dates.js';
import type { RuleSet } from '../domain/rules/schema.js';
import { syncActions } from '../workflow/sync.js';

export async function syncOnboardedTeams(db: Database, ruleSet: RuleSet, config: WorkflowConfig, teamIds: string[], now: Date): Promise<number> {
  if (teamIds.length === 0) return 0;
  const summary = await syncActions(db, ruleSet, {
    // The register's dates are UK calendar days, as for `closedloop sync`.
    asOf: todayIn('Europe/London', now), now, config, teamIds,
    actor: { id: null, name: SYSTEM_ACTOR_NAME, identity: 'system', via: 'scheduler', channel: null, correlationId: crypto.randomUUID() },
  });
  return Object.values(summary.created).reduce((a, b) => a + b, 0);
}
