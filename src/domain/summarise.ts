/**
 * Folds a patient's recorded events into what the due engine needs: the last date each
 * requirement was done and recent values per analyte, all at or before the as-of date. The SQL
 * repository computes the same thing with aggregates; this pure form serves tests and small sets.
 */
import type { IsoDate } from './dates.js';
import type { MonitoringEvent, PatientState, ValuePoint } from './register.js';
import { RECENT_VALUES_DEPTH, requirementKeyOf, type TestKey } from './test-keys.js';

export function summariseEvents(events: MonitoringEvent[], asOf: IsoDate): Pick<PatientState, 'lastDone' | 'recentValues'> {
  const lastDone: Partial<Record<TestKey, IsoDate>> = {};
  const recentValues: Partial<Record<TestKey, ValuePoint[]>> = {};
  for (const event of events) {
    if (event.takenOn > asOf) continue;
    // A missed appointment or a refusal is recorded, but the test was not done.
    if (event.outcome !== 'result' && event.outcome !== 'done') continue;
    const requirement = requirementKeyOf(event.test);
    const previous = lastDone[requirement];
    if (!previous || event.takenOn > previous) lastDone[requirement] = event.takenOn;
    if (event.outcome === 'result' && event.value !== null) {
      (recentValues[event.test] ??= []).push({ value: event.value, takenOn: event.takenOn });
    }
  }
  for (const key of Object.keys(recentValues) as TestKey[]) {
    recentValues[key] = recentValues[key]!.sort((a, b) => b.takenOn.localeCompare(a.takenOn)).slice(0, RECENT_VALUES_DEPTH);
  }
  return { lastDone, recentValues };
}
