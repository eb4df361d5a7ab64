/**
 * Records each distinct rule set the service has run with, so any due list can be traced to the
 * exact rules (and sign-off) in force.
 */
import type { Database } from '../db/database.js';
import { ruleSetVersions } from '../db/schema.js';
import type { RuleSet } from '../domain/rules/schema.js';

/** Returns true when this rule set had not been seen before. */
export async function recordRuleSetVersion(db: Database, ruleSet: RuleSet, hash: string): Promise<boolean> {
  const inserted = await db.insert(ruleSetVersions)
    .values({ version: ruleSet.version, contentHash: hash, content: ruleSet })
    .onConflictDoNothing({ target: ruleSetVersions.contentHash })
    .returning({ id: ruleSetVersions.id });
  return inserted.length > 0;
}
