/**
 * A rule set the service has not run with before is recorded, and the change is in the audit
 * trail with the version it replaced; starting again with the same rules records nothing.
 */
import { sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { rowsOf } from '../../src/db/client.js';
import { loadRuleSet } from '../../src/rules/load.js';
import { recordRuleSetVersion } from '../../src/register/rule-set-versions.js';
import { describeEachEngine } from '../support/databases.js';
import { fixturePath } from '../support/rules.js';

describeEachEngine('rule set versions', (getDb) => {
  it('records each new rule set once, with a rules.changed audit event naming the one it replaced', async () => {
    const db = getDb();
    const defaults = loadRuleSet();
    const local = loadRuleSet({ overridePath: fixturePath('rules/pincer-indicators.override.json') });
    if (!defaults.ok || !local.ok) throw new Error('rules did not load');
    const at = new Date('2026-11-22T08:00:00Z');

    expect(await recordRuleSetVersion(db, defaults.ruleSet, defaults.hash, at)).toBe(true);
    expect(await recordRuleSetVersion(db, defaults.ruleSet, defaults.hash, at)).toBe(false);
    expect(await recordRuleSetVersion(db, local.ruleSet, local.hash, at)).toBe(true);

    const events = rowsOf<{ verb: string; before: unknown; after: { contentHash: string }; reason: string }>(await db.execute(sql`
      SELECT verb, before, after, reason FROM audit_events WHERE entity_type = 'rule_set' ORDER BY seq`))
      .map((e) => ({ ...e, before: typeof e.before === 'string' ? JSON.parse(e.before) : e.before, after: typeof e.after === 'string' ? JSON.parse(e.after) : e.after }));
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({ verb: 'rules.changed', before: null, reason: 'first rule set loaded' });
    expect(events[0]!.after.contentHash).toBe(defaults.hash);
    expect(events[1]).toMatchObject({ verb: 'rules.changed', before: { contentHash: defaults.hash } });
    expect(events[1]!.after.contentHash).toBe(local.hash);
  });
});
