/**
 * Fifty people press "claim" on the same action at the same moment: exactly one gets it, the
 * other 49 are told who holds it and since when, and the audit trail records one claim.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleRequest } from '../../adapters/console/console.js';
import { rowsOf } from '../../src/db/client.js';
import { verifyAuditChain } from '../../src/audit/verify.js';
import { engines } from '../support/databases.js';
import { createWorld, type World } from '../contract/world.js';
import { shownView } from '../support/effects.js';

const CLAIMANTS = 50;

// On PGlite the fifty requests queue on its one connection, which checks the same outcome
// without real parallelism; PostgreSQL (CI always runs it) is the real race.
describe.each(engines)('50 concurrent claims [%s]', (engine) => {
  let world: World;
  beforeAll(async () => {
    world = await createWorld(engine);
    // Fifty technicians in the demo team, each with a linked console account.
    await world.db.execute(sql`INSERT INTO staff (name, email, roles)
      SELECT 'Racing Technician ' || n, 'racer' || n || '@example.invalid', ARRAY['technician'] FROM generate_series(1, ${CLAIMANTS}) n`);
    await world.db.execute(sql`INSERT INTO staff_teams (staff_id, team_id)
      SELECT s.id, t.id FROM staff s, teams t WHERE s.email LIKE 'racer%' AND t.name = 'North CMHT (demo)'`);
  }, 60_000);
  afterAll(async () => world?.close());

  it('gives exactly one success, 49 "already claimed by NAME at HH:MM" and one claim event', async () => {
    const [target] = rowsOf<{ id: number }>(await world.db.execute(sql`SELECT a.id FROM actions a JOIN teams t ON t.id = a.team_id
      WHERE a.kind = 'overdue_monitoring' AND a.status = 'open' AND t.name = 'North CMHT (demo)' ORDER BY a.id LIMIT 1`));
    const ref = `A-${target!.id}`;
    const replies = await Promise.all(Array.from({ length: CLAIMANTS }, (_, i) =>
      world.core.handle(consoleRequest(`racer${i + 1}@example.invalid`, `claim ${ref}`))));

    const winners = replies.filter((r) => r.ok);
    expect(winners).toHaveLength(1);
    const winner = /(Racing Technician \d+) claimed/.exec(shownView(winners[0]!).fallbackText)?.[1];
    expect(winner).toBeDefined();
    const losers = replies.filter((r) => !r.ok);
    expect(losers).toHaveLength(CLAIMANTS - 1);
    for (const loser of losers) {
      expect(loser.code).toBe('ACTION.ALREADY_CLAIMED');
      expect(shownView(loser).fallbackText).toBe(`${ref} is already claimed by ${winner} at 09:30.`);
    }
    const [claims] = rowsOf<{ n: number }>(await world.db.execute(sql`SELECT count(*)::int AS n FROM audit_events WHERE entity_id = ${ref} AND verb = 'action.claimed'`));
    expect(claims!.n).toBe(1);
    expect((await verifyAuditChain(world.db)).ok).toBe(true);
  });
});
