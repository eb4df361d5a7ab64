/**
 * Two database roles on PostgreSQL (issue 11, item 9): migrations run as the owner, and the
 * service's role may read and append to the audit trail and nothing more there. It cannot switch
 * the append-only triggers off, update, delete, truncate or drop the trail, and owns no table,
 * while the whole workflow (demo register, staff, sync, a claim in chat) runs as it.
 *
 * Skipped only without TEST_DATABASE_URL (CI always sets it). The service role is created by
 * .ci/run (closedloop_app, or TEST_SERVICE_ROLE).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleRequest } from '../../adapters/console/console.js';
import { appendAudit } from '../../src/audit/append.js';
import { verifyAuditChain } from '../../src/audit/verify.js';
import { defaultWorkflowConfig } from '../../src/config/workflow.js';
import { DatabaseConnectionError, openDatabase, rowsOf } from '../../src/db/client.js';
import { pgErrorCode } from '../../src/db/errors.js';
import { SINGLE_ROLE_WARNING } from '../../src/db/roles.js';
import { DEMO_TEAMS } from '../../src/demo/demo-register.js';
import { demoStaffCsv } from '../../src/demo/demo-staff.js';
import { seedDemoRegister } from '../../src/demo/seed.js';
import { createCore } from '../../src/index.js';
import { createLogger } from '../../src/logging/logger.js';
import { importStaff } from '../../src/staff/staff-import.js';
import { syncActions } from '../../src/workflow/sync.js';
import { NOW, TODAY, USERS } from '../contract/world.js';
import { rejectionOf, systemActor } from '../audit/helpers.js';
import { createTwoRoleDatabase, TEST_SERVICE_ROLE, type TwoRoleDatabase } from '../support/databases.js';
import { shownView } from '../support/effects.js';
import { defaultRules } from '../support/rules.js';

describe.skipIf(!process.env.TEST_DATABASE_URL)('database roles [postgres]', () => {
  let two: TwoRoleDatabase;
  beforeAll(async () => {
    two = await createTwoRoleDatabase();
  }, 60_000);
  afterAll(async () => two?.close());

  it('the whole workflow runs as the service role: register, staff, sync, a claim in chat, the audit trail', async () => {
    const { db } = two;
    const ruleSet = defaultRules();
    expect((await seedDemoRegister(db, ruleSet, TODAY)).ok).toBe(true);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'closedloop-roles-'));
    try {
      fs.writeFileSync(path.join(dir, 'staff.csv'), demoStaffCsv(DEMO_TEAMS));
      expect((await importStaff(db, path.join(dir, 'staff.csv'), { now: NOW, actor: systemActor() })).ok).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    await syncActions(db, ruleSet, { asOf: TODAY, now: NOW, actor: systemActor(), config: defaultWorkflowConfig });
    const core = createCore({ db, ruleSet, workflow: defaultWorkflowConfig, now: () => NOW, logger: createLogger('error', () => {}) });
    const [open] = rowsOf<{ id: number }>(await db.execute(sql`SELECT id FROM actions WHERE kind = 'overdue_monitoring' AND status = 'open' ORDER BY id LIMIT 1`));
    const reply = await core.handle(consoleRequest(USERS.technician.email, `claim A-${open!.id}`));
    expect(shownView(reply).fallbackText).toContain(`claimed A-${open!.id}`);
    await appendAudit(db, systemActor(), { verb: 'test.appended', entityType: 'test', entityId: 'roles' }, NOW);
    expect(await verifyAuditChain(db)).toMatchObject({ ok: true });
  }, 120_000);

  it('the service role owns nothing and is no superuser', async () => {
    const [role] = rowsOf<{ role: string; superuser: boolean; owned: string | number }>(await two.db.execute(sql`
      SELECT current_user AS role, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser,
        (SELECT count(*) FROM pg_class WHERE pg_has_role(current_user, relowner, 'MEMBER')) AS owned`));
    expect(role).toEqual({ role: TEST_SERVICE_ROLE, superuser: false, owned: expect.anything() });
    expect(Number(role!.owned)).toBe(0);
  });

  it.each([
    ['ALTER TABLE audit_events DISABLE TRIGGER USER'],
    ['ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update'],
    ['UPDATE audit_events SET reason = \'rewritten\' WHERE seq = 1'],
    ['DELETE FROM audit_events WHERE seq = 1'],
    ['TRUNCATE audit_events'],
    ['DROP TABLE audit_events'],
    ['ALTER TABLE audit_events RENAME TO audit_events_old'],
    ['DELETE FROM audit_chain_head'],
    ['CREATE TABLE audit_events_forged (LIKE audit_events)'],
  ])('the service role is refused: %s', async (statement) => {
    const err = await rejectionOf(two.db.execute(sql.raw(statement)));
    expect(pgErrorCode(err)).toBe('42501'); // insufficient_privilege: refused before any trigger runs
  });

  it('the owner, which one-role installs serve as, can switch the triggers off: what role separation removes', async () => {
    const owner = postgres(two.ownerUrl, { max: 1, onnotice: () => {} });
    try {
      // Rolled back by the thrown error: only whether the ALTER is allowed matters here.
      const outcome = owner.begin(async (tx) => {
        await tx`ALTER TABLE audit_events DISABLE TRIGGER USER`;
        throw new Error('allowed, now undone');
      });
      await expect(outcome).rejects.toThrow('allowed, now undone');
    } finally {
      await owner.end({ timeout: 5 });
    }
  });

  it('start-up refuses an owner URL with the same role as the service', async () => {
    const err = await rejectionOf(openDatabase({ url: two.ownerUrl, ownerUrl: two.ownerUrl }));
    expect(err).toBeInstanceOf(DatabaseConnectionError);
    expect((err as Error).message).toMatch(/both connect as role .*Give the service a role of its own/);
  });

  it('with one role (no owner URL) start-up warns that the service role owns the tables', async () => {
    const warnings: string[] = [];
    const handle = await openDatabase({ url: two.ownerUrl, warn: (msg) => warnings.push(msg) });
    await handle.close();
    const owner = decodeURIComponent(new URL(two.ownerUrl).username);
    expect(warnings).toEqual([SINGLE_ROLE_WARNING(owner)]);
  });

  it('a service-role process without the owner URL opens a current database, with no warning', async () => {
    const warnings: string[] = [];
    const handle = await openDatabase({ url: two.url, warn: (msg) => warnings.push(msg) });
    await handle.close();
    expect(warnings).toEqual([]);
  });

  it('a service role alone cannot set up an empty database, and is told to give the owner URL', async () => {
    const admin = postgres(process.env.TEST_DATABASE_URL!, { max: 1, onnotice: () => {} });
    const name = `t_empty_${Date.now().toString(16)}`;
    await admin.unsafe(`CREATE DATABASE "${name}"`);
    try {
      const url = new URL(two.url);
      url.pathname = `/${name}`;
      const err = await rejectionOf(openDatabase({ url: url.toString() }));
      expect(err).toBeInstanceOf(DatabaseConnectionError);
      expect((err as Error).message).toContain(`DATABASE_URL's role "${TEST_SERVICE_ROLE}" may not create closedloop's tables in database "${name}". ` +
        'Set DATABASE_OWNER_URL');
    } finally {
      await admin.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end({ timeout: 5 });
    }
  });

  it('a service role that owns the tables is refused when an owner URL is given', async () => {
    // Roles swapped: the "service" is the role that owns everything.
    const err = await rejectionOf(openDatabase({ url: two.ownerUrl, ownerUrl: two.url, migrate: false }));
    expect(err).toBeInstanceOf(DatabaseConnectionError);
    expect((err as Error).message).toMatch(/owns closedloop's tables .*REASSIGN OWNED BY/);
  });
});
