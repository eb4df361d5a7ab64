/**
 * The fictional demo data is recorded as the demo: every audit event it writes (staff imported,
 * actions raised) says so, so an inspector never reads it as someone's use of the CLI.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultWorkflowConfig } from '../../src/config/workflow.js';
import { rowsOf } from '../../src/db/client.js';
import { seedDemoRegister, seedDemoStaffAndActions } from '../../src/demo/seed.js';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { defaultRules } from '../support/rules.js';

const TODAY = '2026-11-22';

describe.each(engines)('demo seed [%s]', (engine) => {
  let testDb: TestDatabase;
  beforeAll(async () => {
    testDb = await createTestDatabase(engine);
  });
  afterAll(async () => testDb.close());

  it('records its audit events as the demo, not as the CLI', async () => {
    const ruleSet = defaultRules();
    expect(await seedDemoRegister(testDb.db, ruleSet, TODAY)).toMatchObject({ ok: true });
    expect(await seedDemoStaffAndActions(testDb.db, ruleSet, { today: TODAY, now: new Date(`${TODAY}T08:00:00Z`), config: defaultWorkflowConfig })).toMatchObject({ ok: true });
    const events = rowsOf<{ via: string; actor_name: string; n: number }>(await testDb.db.execute(sql`
      SELECT via, actor_name, count(*)::int AS n FROM audit_events GROUP BY via, actor_name`));
    expect(events.reduce((n, e) => n + e.n, 0)).toBeGreaterThan(10);
    expect(events.map((e) => [e.via, e.actor_name])).toEqual([['demo', 'closedloop demo data']]);
  });
});
