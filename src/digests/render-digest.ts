/**
 * A digest run as a message, rendered when the outbox sends it and again whenever an action it
 * covers changes (the message's update is queued by the trigger on `actions`): the same run, the
 * same local date, the register as it stands at that moment.
 */
import { sql } from 'drizzle-orm';
import { rowsOf } from '../db/client.js';
import type { Queryable } from '../db/database.js';
import { buildDailyDigest } from '../domain/digest/daily.js';
import { lastCompletePeriod } from '../domain/digest/metrics.js';
import type { DigestKind } from '../domain/digest/schedule.js';
import type { RuleSet } from '../domain/rules/schema.js';
import { periodDigestView } from '../reports/digest-report.js';
import { loadRuleSet } from '../rules/load.js';
import { dailyDigestView, digestItemIds } from '../views/digest-views.js';
import type { MessageView } from '../views/model.js';
import { addShownDetails, loadDigestFacts, loadDigestTeam } from './team-data.js';

export interface DigestRenderOptions {
  /** The rule set in force (drug groups, compliance); the national default when not given. */
  ruleSet?: RuleSet;
  /** Where the service is reached from outside, for chart image URLs (Teams). */
  publicBaseUrl?: string;
}

export interface DigestRun {
  id: number;
  teamId: string;
  kind: DigestKind;
  periodStart: string;
  late: boolean;
  summarised: boolean;
}

export async function loadDigestRun(db: Queryable, runId: number): Promise<DigestRun | null> {
  const [row] = rowsOf<Record<string, unknown>>(await db.execute(sql`SELECT id, team_id, kind, period_start::text AS period_start, late, summarised
    FROM digest_runs WHERE id = ${runId}`));
  if (!row) return null;
  return {
    id: Number(row.id), teamId: row.team_id as string, kind: row.kind as DigestKind, periodStart: String(row.period_start),
    late: Boolean(row.late), summarised: Boolean(row.summarised),
  };
}

const groupsByRuleSet = new WeakMap<RuleSet, Readonly<Record<string, string>>>();

/** Drug key → the name of its rule ("Lithium", "DOACs"): how the digest groups overdue tests. */
export function drugGroupsOf(ruleSet: RuleSet): Readonly<Record<string, string>> {
  let groups = groupsByRuleSet.get(ruleSet);
  if (!groups) {
    groups = Object.freeze(Object.fromEntries(ruleSet.rules.flatMap((rule) => rule.drugs.map((drug) => [drug.key, rule.name]))));
    groupsByRuleSet.set(ruleSet, groups);
  }
  return groups;
}

let defaultRuleSet: RuleSet | undefined;
function ruleSetOf(options: DigestRenderOptions): RuleSet {
  if (options.ruleSet) return options.ruleSet;
  // The service always passes its rule set; this serves callers that have none (the outbox CLI's tests).
  if (!defaultRuleSet) {
    const loaded = loadRuleSet();
    if (!loaded.ok) throw new Error(`the default rule set does not load (${loaded.code})`);
    defaultRuleSet = loaded.ruleSet;
  }
  return defaultRuleSet;
}

/** Builds the view of a daily digest run from the register now (also `digest run --print`). */
export async function dailyDigestFor(db: Queryable, run: Pick<DigestRun, 'teamId' | 'periodStart' | 'late' | 'summarised'>, now: Date,
  options: DigestRenderOptions): Promise<MessageView | null> {
  const team = await loadDigestTeam(db, run.teamId);
  if (!team) return null;
  const teamRef = { id: team.id, name: team.name, timeZone: team.timeZone };
  const actions = await loadDigestFacts(db, teamRef);
  const digest = buildDailyDigest({
    team: teamRef, settings: team.settings, localDate: run.periodStart, now, actions,
    drugGroups: drugGroupsOf(ruleSetOf(options)), late: run.late, summarised: run.summarised,
  });
  // The builder decided on every action; the lines shown need their patients and holders too.
  await addShownDetails(db, actions, digestItemIds(digest));
  return dailyDigestView(digest, now);
}

/**
 * The weekly digest or monthly summary of a run: the figures of the period that ended as the run's
 * began (a Monday's digest reports the week before it; the month's, the month before it).
 */
export async function periodDigestFor(db: Queryable, run: Pick<DigestRun, 'teamId' | 'periodStart'> & { kind: 'weekly' | 'monthly' }, now: Date,
  options: DigestRenderOptions): Promise<MessageView | null> {
  return periodDigestView(db, {
    teamId: run.teamId, kind: run.kind, periodStart: lastCompletePeriod(run.kind, run.periodStart).start, now, ruleSet: ruleSetOf(options),
    ...(options.publicBaseUrl ? { publicBaseUrl: options.publicBaseUrl } : {}),
  });
}

/** The view of any digest run (daily, weekly or monthly) at `now`, or null when the run or its team is gone. */
export async function renderDigestRun(db: Queryable, runId: number, now: Date, options: DigestRenderOptions): Promise<MessageView | null> {
  const run = await loadDigestRun(db, runId);
  if (!run) return null;
  const view = run.kind === 'daily'
    ? await dailyDigestFor(db, run, now, options)
    : await periodDigestFor(db, { ...run, kind: run.kind }, now, options);
  return view ? { ...view, subject: { kind: 'digest', runId: run.id } } : null;
}
