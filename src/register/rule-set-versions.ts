/**
 * Records each distinct rule set the service has run with, so any due list can be traced to the
 * exact rules (and sign-off) in force. A rule set not seen before is a change to how patients are
 * monitored, so it is recorded in the audit trail in the same transaction, with the version it
 * replaced.
 */
import { desc } from 'drizzle-orm';
import { appendAudit, type AuditActor } from '../audit/append.js';
import type { Database } from '../db/database.js';
import { ruleSetVersions } from '../db/schema.js';
import type { RuleSet } from '../domain/rules/schema.js';

const SYSTEM: Omit<AuditActor, 'correlationId'> = { id: null, name: 'closedloop', identity: 'system', via: 'cli', channel: null };

/** Returns true when this rule set had not been seen before. */
export async function recordRuleSetVersion(db: Database, ruleSet: RuleSet, hash: string, now: Date = new Date()): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [previous] = await tx.select({ version: ruleSetVersions.version, contentHash: ruleSetVersions.contentHash })
      .from(ruleSetVersions).orderBy(desc(ruleSetVersions.id)).limit(1);
    const inserted = await tx.insert(ruleSetVersions)
      .values({ version: ruleSet.version, contentHash: hash, content: ruleSet })
      .onConflictDoNothing({ target: ruleSetVersions.contentHash })
      .returning({ id: ruleSetVersions.id });
    if (inserted.length === 0) return false;
    await appendAudit(tx, { ...SYSTEM, correlationId: `rules-${hash.slice(0, 12)}` }, {
      verb: 'rules.changed', entityType: 'rule_set', entityId: ruleSet.version,
      before: previous ? { version: previous.version, contentHash: previous.contentHash } : null,
      after: { version: ruleSet.version, contentHash: hash, signedOff: Boolean(ruleSet.signOff) },
      reason: previous ? `rules ${previous.version} replaced by ${ruleSet.version}` : 'first rule set loaded',
    }, now);
    return true;
  });
}
