/**
 * The due list: register state from the database, run through the pure due engine.
 */
import { asc, eq } from 'drizzle-orm';
import type { Queryable } from '../db/database.js';
import { teams } from '../db/schema.js';
import type { IsoDate } from '../domain/dates.js';
import { collectDue, computeDue, indexRulesByDrug, sortDueItems, type DueItem, type DueStatus } from '../domain/due.js';
import type { PatientState } from '../domain/register.js';
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
  if (teamId !== undefined) {
    return ok(computeDue(await loadPatientStates(db, { teamId, asOf: options.asOf }, ruleSet), ruleSet, options.asOf, FILTERS[options.status]));
  }
  return ok(await dueForAllTeams(db, ruleSet, options.asOf, FILTERS[options.status]));
}

/**
 * A whole organisation is computed in a few chunks of teams: each chunk's register state becomes
 * due items and is dropped before the next arrives (the next chunk loads meanwhile), so memory
 * holds a quarter of the organisation rather than all of it. Team by team halved peak memory but
 * cost a fifth more time in per-query overhead; four chunks keep most of the saving at no cost.
 */
const CHUNKS = 4;

async function dueForAllTeams(db: Queryable, ruleSet: RuleSet, asOf: IsoDate, wanted: ReadonlySet<DueStatus>): Promise<DueItem[]> {
  const ids = (await db.select({ id: teams.id }).from(teams).orderBy(asc(teams.name))).map((t) => t.id);
  const size = Math.max(1, Math.ceil(ids.length / CHUNKS));
  const chunks: string[][] = [];
  for (let i = 0; i < ids.length; i += size) chunks.push(ids.slice(i, i + size));
  const rulesByDrug = indexRulesByDrug(ruleSet);
  const load = (i: number): Promise<PatientState[]> | undefined => (i < chunks.length ? loadPatientStates(db, { teamIds: chunks[i], asOf }, ruleSet) : undefined);
  const items: DueItem[] = [];
  let next = load(0);
  for (let i = 0; i < chunks.length; i++) {
    const states = await next!;
    next = load(i + 1);
    collectDue(states, ruleSet, asOf, wanted, items, rulesByDrug);
  }
  return sortDueItems(items);
}
