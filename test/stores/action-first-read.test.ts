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
import { createStores } from '../../src/stores/create-stores.js';
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
});
