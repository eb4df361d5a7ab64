/**
 * The world every adapter contract scenario runs in: a test database holding the fictional demo
 * register, the demo staff (one per role) plus a technician from another team, and the actions a
 * sync generates from them. The clock is fixed, so replies are predictable.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createCore, type Core } from '../../src/index.js';
import { defaultWorkflowConfig } from '../../src/config/workflow.js';
import type { Database } from '../../src/db/database.js';
import { teams } from '../../src/db/schema.js';
import { DEMO_TEAMS } from '../../src/demo/demo-register.js';
import { DEMO_STAFF, demoStaffCsv } from '../../src/demo/demo-staff.js';
import { seedDemoRegister } from '../../src/demo/seed.js';
import type { IsoDate } from '../../src/domain/dates.js';
import { createLogger } from '../../src/logging/logger.js';
import { importStaff } from '../../src/staff/staff-import.js';
import { syncActions } from '../../src/workflow/sync.js';
import { createTestDatabase, type EngineName, type TestDatabase } from '../support/databases.js';
import { defaultRules } from '../support/rules.js';

export const TODAY: IsoDate = '2026-11-22';
export const NOW = new Date('2026-11-22T09:30:00Z');

const byRole = (role: string) => DEMO_STAFF.find((s) => (s.roles as readonly string[]).includes(role))!;

export const USERS = {
  technician: byRole('technician'),
  pharmacist: byRole('pharmacist'),
  prescriber: byRole('prescriber'),
  dutyLead: byRole('duty_lead'),
  manager: byRole('manager'),
  admin: byRole('admin'),
  outsider: { name: 'Other Team Technician', email: 'other.technician@example.invalid', roles: ['technician'] },
} as const;

export const OTHER_TEAM = 'Elsewhere CMHT (test)';

export interface World {
  db: Database;
  core: Core;
  close(): Promise<void>;
}

export async function createWorld(engine: EngineName): Promise<World> {
  const testDb: TestDatabase = await createTestDatabase(engine);
  const { db } = testDb;
  const ruleSet = defaultRules();
  const seeded = await seedDemoRegister(db, ruleSet, TODAY);
  if (!seeded.ok) throw new Error(seeded.message);
  await db.insert(teams).values({ name: OTHER_TEAM }).onConflictDoNothing();

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'closedloop-world-'));
  try {
    const file = path.join(dir, 'staff.csv');
    const outsider = `"${USERS.outsider.name}","${USERS.outsider.email}","technician","${OTHER_TEAM}"\n`;
    fs.writeFileSync(file, demoStaffCsv(DEMO_TEAMS) + outsider);
    const system = { id: null, name: 'closedloop', identity: 'system', via: 'cli' as const, channel: null, correlationId: 'world-setup' };
    const staff = await importStaff(db, file, { now: NOW, actor: system });
    if (!staff.ok) throw new Error(staff.message);
    await syncActions(db, ruleSet, { asOf: TODAY, now: NOW, actor: system, config: defaultWorkflowConfig });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const core = createCore({
    db, ruleSet, workflow: defaultWorkflowConfig, now: () => NOW,
    // Unexpected errors would fail the scenario through the reply; keep test output quiet.
    logger: createLogger('error', () => {}),
  });
  return {
    db, core,
    close: async () => {
      await core.settle?.();
      await testDb.close();
    },
  };
}
