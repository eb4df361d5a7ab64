/**
 * Every failure `handle` can return, with its code and the hint the person sees: what to type or
 * whom to ask instead. Parser failures are covered in grammar.test.ts and the state machine's in
 * test/domain/action-transitions.test.ts; these are the ones that need the database or identity.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleRequest } from '../../adapters/console/console.js';
import { createCore, type CoreRequest } from '../../src/index.js';
import { defaultWorkflowConfig } from '../../src/config/workflow.js';
import { rowsOf } from '../../src/db/client.js';
import { createLogger } from '../../src/logging/logger.js';
import { engines } from '../support/databases.js';
import { defaultRules } from '../support/rules.js';
import { NOW, USERS, createWorld, type World } from '../contract/world.js';
import { shownView } from '../support/effects.js';

describe.each(engines)('handle: failures and their hints [%s]', (engine) => {
  let world: World;
  const ask = (email: string, text: string) => world.core.handle(consoleRequest(email, text));
  const openOf = async (kind: string) => {
    const [row] = rowsOf<{ id: number }>(await world.db.execute(sql`SELECT id FROM actions WHERE kind = ${kind} AND status = 'open' ORDER BY id LIMIT 1`));
    return `A-${row!.id}`;
  };

  beforeAll(async () => {
    world = await createWorld(engine);
    await world.db.execute(sql`INSERT INTO staff (name, email, roles) VALUES ('Teamless Nurse', 'teamless.nurse@example.invalid', ARRAY['nurse'])`);
  }, 60_000);
  afterAll(async () => world?.close());

  it.each([
    ['IDENTITY.UNLINKED', 'nobody@example.invalid', 'list', /console --as your\.email@nhs\.net/],
    ['ACTION.NOT_FOUND', USERS.technician.email, 'claim A-999999', /There is no action A-999999\. Type "list"/],
    ['PATIENT.NOT_FOUND', USERS.pharmacist.email, 'patient NOPE-1', /No patient NOPE-1 in your teams\. Check the reference/],
    ['STAFF.NO_TEAM', 'teamless.nurse@example.invalid', 'list', /not a member of any team/],
    ['TEAM.NOT_FOUND', USERS.admin.email, 'bind No Such Team', /No team is called "No Such Team"\. Teams: /],
    ['AUTH.FORBIDDEN', USERS.technician.email, 'bind North CMHT (demo)', /Only an admin/],
    ['AUTH.FORBIDDEN', USERS.admin.email, 'result DEMO-001 lithium_level 0.5', /for clinical staff/],
    ['TARGET.INVALID', USERS.admin.email, 'link pharmacist x@example.invalid', /needs a person, not a role/],
  ])('%s: %s types "%s"', async (code, email, text, hint) => {
    const reply = await ask(email, text);
    expect(reply.ok).toBe(false);
    expect(reply.code).toBe(code);
    expect(shownView(reply).fallbackText).toMatch(hint);
    expect(reply.effects.map((e) => e.type)).toEqual(['reply']);
  });

  it('STAFF.NOT_FOUND: a handoff to someone not on the staff list suggests a role or a link', async () => {
    const ref = await openOf('overdue_monitoring');
    await ask(USERS.technician.email, `claim ${ref}`);
    const reply = await ask(USERS.technician.email, `handoff ${ref} @ghost@example.invalid away`);
    expect(reply.code).toBe('STAFF.NOT_FOUND');
    expect(shownView(reply).fallbackText).toContain('Hand off to a role instead');
  });

  it('PATIENT.NOT_FOUND: a patient of another team is not revealed', async () => {
    const reply = await ask(USERS.outsider.email, 'patient DEMO-001');
    expect(reply.code).toBe('PATIENT.NOT_FOUND');
    expect(shownView(reply).fallbackText).not.toContain('Fictional');
  });

  it('ACTION.NOT_FOUND: the timeline of another team\'s action is not shown', async () => {
    const reply = await ask(USERS.outsider.email, `audit ${await openOf('overdue_monitoring')}`);
    expect(reply.code).toBe('ACTION.NOT_FOUND');
  });

  it('IDENTITY.ALREADY_LINKED: an account linked to one person cannot be linked to another', async () => {
    const reply = await ask(USERS.admin.email, `link @${USERS.technician.email} ${USERS.pharmacist.email}`);
    expect(reply.code).toBe('IDENTITY.ALREADY_LINKED');
    expect(shownView(reply).fallbackText).toContain(USERS.technician.name);
  });

  it('REQUEST.INVALID: a malformed request from an adapter gets a reference, not a crash', async () => {
    const reply = await world.core.handle({ ...consoleRequest(USERS.technician.email, 'list'), submission: { command: 'list', fields: {} } } as CoreRequest);
    expect(reply.code).toBe('REQUEST.INVALID');
    expect(shownView(reply).fallbackText).toMatch(/reference ERR-[0-9A-F]{8}/);
  });

  it('UNEXPECTED: a database failure is logged with a reference the person is shown, and no patient data is logged', async () => {
    const logged: string[] = [];
    const broken = createCore({
      // A database whose every query fails, as an outage would.
      db: new Proxy(world.db, { get: (target, key) => (key === 'execute' || key === 'transaction' ? () => Promise.reject(new Error('connection lost')) : Reflect.get(target, key)) }),
      ruleSet: defaultRules(), workflow: defaultWorkflowConfig, now: () => NOW, logger: createLogger('error', (line) => logged.push(line)),
    });
    const reply = await broken.handle(consoleRequest(USERS.pharmacist.email, 'patient DEMO-001'));
    expect(reply.code).toBe('UNEXPECTED');
    const ref = /reference (ERR-[0-9A-F]{8})/.exec(shownView(reply).fallbackText)?.[1];
    expect(ref).toBeDefined();
    expect(logged.join('\n')).toContain(ref);
    expect(logged.join('\n')).not.toContain('DEMO-001');
  });
});
