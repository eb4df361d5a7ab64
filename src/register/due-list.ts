/**
 * The due list: register state from the database, run through the pure due engine.
 */
import { asc, eq } from 'drizzle-orm';
import type { Queryable } from '../db/database.js';
import { teams } from '../db/schema.js';
import type { IsoDate } from '../domain/dates.js';
import { computeDue, type DueItem, type DueStatus } from '../domain/due.js';
import { fail, ok, type Outcome } from '../domain/outcome.js';
import type { RuleSet } from '../domain/rules/schema.js';
import { loadPatientStates } from './register-state.js';

export type DueFilter = 'overdue' | 'due' | 'all';

/** Which statuses each `--status` filter shows. "due" is everything that needs doing now or soon. */
const FILTERS: Record<DueFilter, ReadonlySet<DueStatus>> = {
  overdue: new Set(['overdue', 'never_done']),
  due: new Set(['overdue', 'never_done', 'due_soon']),
  all: new Set(['overdue', 'never_done', 'due_soon', 'ok', 'waived']),
};

export async function findTeamId(db: Queryable, name: string): Promise<Outcome<string, 'TEAM.NOT_FOUND'>> {
  const [team] = await db.select({ id: teams.id }).from(teams).where(eq(teams.name, name));
  if (team) return ok(team.id);
  const known = await db.select({ name: teams.name }).from(teams).orderBy(asc(teams.name));
  const list = known.length ? known.map((t) => t.name).join(', ') : 'none yet (import a register first)';
  return fail('TEAM.NOT_FOUND', `No team is called "${name}". Teams: ${list}.`);
}

export async function dueList(db: Queryable, ruleSet: RuleSet, options: { team?: string; asOf: IsoDate; status: DueFilter }):
  Promise<Outcome<DueItem[], 'TEAM.NOT_FOUND'>> {
  let teamId: string | undefined;
  if (options.team !== undefined) {
    const found = await findTeamId(db, options.team);
    if (!found.ok) return found;
    teamId = found.value;
  }
  const states = await loadPatientStates(db, { teamId, asOf: options.asOf }, ruleSet);
  return ok(computeDue(states, ruleSet, options.asOf, FILTERS[options.status]));
}
