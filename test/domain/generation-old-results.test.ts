/**
 * Issue 11, "Wrong clinical output", item 4: a red result raises its review whatever its age,
 * unless a later result of the same test exists; what is left unraised because of its age is
 * counted by flag. Reproduces the defect first: a red result older than RESULT_LOOKBACK_DAYS
 * raised nothing, and nothing said so.
 */
import { describe, expect, it } from 'vitest';
import { defaultWorkflowConfig } from '../../src/config/workflow.js';
import { planPatientActions, type ExistingAction, type GenerationContext, type PatientSnapshot, type ResultFact } from '../../src/domain/actions/generation.js';

const NOW = new Date('2026-11-22T10:00:00Z');
const ctx = (over: Partial<GenerationContext> = {}): GenerationContext => ({ asOf: '2026-11-22', now: NOW, settings: defaultWorkflowConfig, ...over });
const snapshot = (results: ResultFact[], actions: ExistingAction[] = []): PatientSnapshot => ({
  patientId: 'p-1', patientRef: 'OLD-1', teamId: 't-1', timeZone: 'Europe/London', due: [], lastDone: {}, results, dnas: [], discharges: [], actions, escalate: true,
});
const result = (over: Partial<ResultFact>): ResultFact => ({
  eventId: 1, test: 'lithium_level', value: 1.7, unit: 'mmol/L', takenOn: '2025-01-10', flag: 'red', reason: 'possible toxicity', signOff: false, ...over,
});

describe('old results', () => {
  it('a red result older than the look-back still raises its review and the prescriber escalation', () => {
    const plan = planPatientActions(snapshot([result({ eventId: 5 })]), ctx());
    expect(plan.creates.map((c) => [c.kind, c.causeKey, c.priority])).toEqual([
      ['result_review', 'result:5', 'red'], ['escalation', 'escalation:result:5', 'red'],
    ]);
    expect(plan.skippedTooOld).toEqual({ amber: 0, red: 0 });
  });

  it('is not raised when a later result of the same test exists, and is counted as skipped', () => {
    const later = result({ eventId: 6, value: 0.7, flag: 'green', takenOn: '2025-02-01', reason: 'in range' });
    const plan = planPatientActions(snapshot([result({ eventId: 5 }), later]), ctx());
    expect(plan.creates).toEqual([]);
    expect(plan.skippedTooOld).toEqual({ amber: 0, red: 1 });
    // A later result of a different test does not supersede it.
    const other = result({ eventId: 7, test: 'egfr', value: 70, unit: 'mL/min/1.73m2', flag: 'green', takenOn: '2025-02-01' });
    expect(planPatientActions(snapshot([result({ eventId: 5 }), other]), ctx()).creates.map((c) => c.causeKey)).toContain('result:5');
  });

  it('an old amber result opens nothing but is counted; one already reviewed is neither raised nor counted', () => {
    const amber = result({ eventId: 8, value: 1.2, flag: 'amber' });
    const plan = planPatientActions(snapshot([amber]), ctx());
    expect(plan.creates).toEqual([]);
    expect(plan.skippedTooOld).toEqual({ amber: 1, red: 0 });
    const reviewed: ExistingAction = { id: 1, kind: 'result_review', causeKey: 'result:5', status: 'closed', cause: {}, outcome: 'in_range_no_action', outcomeDetail: null, closedAt: NOW, parentId: null };
    const again = planPatientActions(snapshot([result({ eventId: 5 })], [reviewed]), ctx());
    expect(again.creates).toEqual([]);
    expect(again.skippedTooOld).toEqual({ amber: 0, red: 0 });
  });

  it('results inside the look-back behave as before; green and not-rated old results are not counted', () => {
    expect(planPatientActions(snapshot([result({ eventId: 9, flag: 'amber', takenOn: '2026-11-08' })]), ctx()).creates).toHaveLength(1);
    const quiet = planPatientActions(snapshot([result({ eventId: 10, flag: 'green' }), result({ eventId: 11, test: 'tsh', flag: 'not_rated' })]), ctx());
    expect(quiet).toMatchObject({ creates: [], skippedTooOld: { amber: 0, red: 0 } });
  });
});
