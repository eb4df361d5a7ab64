/**
 * The core starts reading the action a button press changes while it checks the delivery, and
 * hands that read to the store as its first read. By the time it is used someone else may have
 * changed the action: the store must then notice (the version guard), read again and decide again,
 * never apply a decision made on the stale copy.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleRequest } from '../../adapters/console/console.js';
import type { DecideChange } from '../../src/app/ports.js';
import { rowsOf } from '../../src/db/client.js';
import { decide } from '../../src/domain/actions/transitions.js';
import type { StaffMember } from '../../src/domain/identity.js';
import { ok } from '../../src/domain/outcome.js';
import { defaultWorkflowConfig } from '../../src/config/workflow.js';
import { createCore } from '../../src/create-core.js';
import { createLogger } from '../../src/logging/logger.js';
import { createStores } from '../../src/stores/create-stores.js';
import { defaultRules } from '../support/rules.js';
import { engines } from '../support/databases.js';
import { createWorld, NOW, USERS, type World } from '../contract/world.js';

const claimBy = (member: StaffMember): DecideChange => (action) => {
  const decision = decide(action, { verb: 'claim' }, member, NOW, action.timeZone);
  return decision.ok ? ok({ ...decision.value, effects: [] }) : decision;
};

describe.each(engines)('a first read taken before someone else changed the action [%s]', (engine) => {
  let world: World;
  beforeAll(async () => { world = await createWorld(engine); }, 60_000);
  afterAll(async () => world?.close());

  async function openAction(): Promise<number> {
    const [row] = rowsOf<{ id: number }>(await world.db.execute(sql`SELECT a.id FROM actions a JOIN teams t ON t.id = a.team_id
      WHERE a.kind = 'overdue_monitoring' AND a.status = 'open' AND t.name = 'North CMHT (demo)' ORDER BY a.id DESC LIMIT 1`));
    return Number(row!.id);
  }

  it('is read again: the second claimer is told who holds it, and one claim is recorded', async () => {
    const stores = createStores(world.db);
    const id = await openAction();
    const stale = await stores.actions.load(id);
    expect(stale?.status).toBe('open');

    const first = await world.core.handle(consoleRequest(USERS.technician.email, `claim A-${id}`));
    expect(first.ok).toBe(true);

    const pharmacist = await stores.staff.findByEmail(USERS.pharmacist.email);
    const actor = { id: pharmacist!.staffId, name: pharmacist!.name, identity: 'test', via: 'cli' as const, channel: null, correlationId: 'first-read' };
    const result = await stores.actions.change(id, claimBy(pharmacist!), { actor, now: NOW, postTo: null, firstRead: Promise.resolve(stale) });

    expect(result.status).toBe('refused');
    if (result.status !== 'refused') return;
    expect(result.failure.code).toBe('ACTION.ALREADY_CLAIMED');
    expect(result.failure.message).toContain(USERS.technician.name);
    const [claims] = rowsOf<{ n: number }>(await world.db.execute(sql`SELECT count(*)::int AS n FROM audit_events
      WHERE entity_id = ${`A-${id}`} AND verb = 'action.claimed'`));
    expect(claims!.n).toBe(1);
  });

  it('is used when it is still current: the change applies once, at the next version', async () => {
    const stores = createStores(world.db);
    const id = await openAction();
    const current = await stores.actions.load(id);
    const technician = await stores.staff.findByEmail(USERS.technician.email);
    const actor = { id: technician!.staffId, name: technician!.name, identity: 'test', via: 'cli' as const, channel: null, correlationId: 'first-read-2' };
    const result = await stores.actions.change(id, claimBy(technician!), { actor, now: NOW, postTo: null, firstRead: Promise.resolve(current) });

    expect(result.status).toBe('applied');
    const after = await stores.actions.load(id);
    expect(after?.status).toBe('claimed');
    expect(after?.assigneeName).toBe(technician!.name);
    expect(after?.version).toBe(current!.version + 1);
  });

  it('comes with the delivery\'s receipt in one statement: the first claim of a key gets the action, a repeat gets the saved reply', async () => {
    const stores = createStores(world.db);
    const id = await openAction();
    const key = `test:first-read:${id}`;
    const first = await stores.receipts.claimReadingAction!(key, id);
    expect(first.claim).toEqual({ first: true });
    expect(first.action).toEqual(await stores.actions.load(id));

    const saved = { ok: true, effects: [] };
    await stores.receipts.save(key, saved);
    const repeat = await stores.receipts.claimReadingAction!(key, id);
    expect(repeat.claim).toEqual({ first: false, response: saved });
    expect(repeat.action?.id).toBe(id);

    const missing = await stores.receipts.claimReadingAction!(`${key}:missing`, 987_654_321);
    expect(missing).toEqual({ claim: { first: true }, action: null });
  });

  it('a press delivered twice is claimed once, whether the repeat reaches this instance or another', async () => {
    const id = await openAction();
    const press = consoleRequest(USERS.technician.email, `claim A-${id}`, `press-${id}`);
    const first = await world.core.handle(press);
    const again = await world.core.handle(press);
    expect(first.ok).toBe(true);
    expect(again).toEqual({ ...first, duplicate: true });
    // Another instance knows the delivery only from its receipt row, written after the reply.
    await world.core.settle?.();
    const elsewhere = createCore({ db: world.db, ruleSet: defaultRules(), workflow: defaultWorkflowConfig, now: () => NOW, logger: createLogger('error', () => {}) });
    expect(await elsewhere.handle(press)).toEqual({ ...first, duplicate: true });
    const [claims] = rowsOf<{ n: number }>(await world.db.execute(sql`SELECT count(*)::int AS n FROM audit_events
      WHERE entity_id = ${`A-${id}`} AND verb = 'action.claimed'`));
    expect(claims!.n).toBe(1);
  });
});
