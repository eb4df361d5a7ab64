/**
 * One rating window: which drugs' monitoring covers a result's sample date. A result is rated
 * against every drug that was active that day, still in its post-stop monitoring period for that
 * test (clozapine FBC for 4 weeks, amiodarone TFT for 12 months: `continueAfterStop`), or about
 * to start within the baseline window (a baseline taken before the first dose). The due list
 * already chases tests in those periods; rating their results the same way means a neutropenic
 * count after clozapine stops raises a review instead of passing unrated. Review actions and
 * sign-off use the same set.
 */
import { addDays, dayNumber, type IsoDate } from './dates.js';
import { addDuration, describeDuration } from './durations.js';
import type { PrescriptionState } from './register.js';
import type { MonitoringRule } from './rules/schema.js';
import { requirementKeyOf, type TestKey } from './test-keys.js';

export type CoverBasis =
  | { kind: 'active' }
  | { kind: 'after_stop'; stoppedOn: IsoDate; continueAfterStop: string }
  | { kind: 'before_start'; startDate: IsoDate };

export interface Cover {
  ruleId: string;
  drug: string;
  basis: CoverBasis;
}

const PREFERENCE: Record<CoverBasis['kind'], number> = { active: 0, after_stop: 1, before_start: 2 };

function basisOn(p: PrescriptionState, rule: MonitoringRule, requirement: TestKey, takenOn: IsoDate, baselineWindowDays: number): CoverBasis | null {
  if (takenOn < p.startDate) {
    return takenOn >= addDays(p.startDate, -baselineWindowDays) ? { kind: 'before_start', startDate: p.startDate } : null;
  }
  if (p.stoppedOn === null || takenOn < p.stoppedOn) return { kind: 'active' };
  const continueAfterStop = rule.tests.find((t) => t.test === requirement)?.continueAfterStop;
  if (continueAfterStop && takenOn < addDuration(p.stoppedOn, continueAfterStop)) return { kind: 'after_stop', stoppedOn: p.stoppedOn, continueAfterStop };
  return null;
}

/**
 * The drugs whose monitoring covers a result of `test` taken on `takenOn`, one entry per drug
 * (a restarted drug counts once, by its most direct cover: active, then after a stop, then
 * before a start). Drugs without a rule (interacting drugs) cover nothing.
 */
export function coverOn(prescriptions: readonly PrescriptionState[], test: TestKey, takenOn: IsoDate,
  rulesByDrug: ReadonlyMap<string, MonitoringRule>, baselineWindowDays: number): Cover[] {
  const requirement = requirementKeyOf(test);
  const byDrug = new Map<string, Cover>();
  for (const p of prescriptions) {
    const rule = rulesByDrug.get(p.drug);
    if (!rule) continue;
    const basis = basisOn(p, rule, requirement, takenOn, baselineWindowDays);
    if (!basis) continue;
    const seen = byDrug.get(p.drug);
    if (!seen || PREFERENCE[basis.kind] < PREFERENCE[seen.basis.kind]) byDrug.set(p.drug, { ruleId: rule.id, drug: p.drug, basis });
  }
  return [...byDrug.values()];
}

/** Rule ids and drug keys of the cover: what thresholds' `appliesTo` and sign-off are matched against. */
export function coverIds(cover: readonly Cover[]): string[] {
  return [...new Set(cover.flatMap((c) => [c.ruleId, c.drug]))];
}

function days(n: number): string {
  return `${n} day${n === 1 ? '' : 's'}`;
}

/** Why a drug that was not being taken that day still rates the result, or null when it was taken. */
export function describeCover(cover: Cover, takenOn: IsoDate): string | null {
  const { basis } = cover;
  if (basis.kind === 'active') return null;
  if (basis.kind === 'after_stop') {
    const since = dayNumber(takenOn) - dayNumber(basis.stoppedOn);
    const when = since === 0 ? 'on the day of this sample' : `${days(since)} before this sample`;
    return `${cover.drug} stopped ${when} (${basis.stoppedOn}); monitoring continues ${describeDuration(basis.continueAfterStop)} after stopping`;
  }
  const until = dayNumber(basis.startDate) - dayNumber(takenOn);
  return `${cover.drug} starts ${days(until)} after this sample (${basis.startDate}): rated as its baseline`;
}
