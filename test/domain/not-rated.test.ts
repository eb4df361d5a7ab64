/**
 * Issue 11, "Wrong clinical output", item 2: a result no threshold applies to is "not rated" with
 * the reason, never GREEN in any wording or style; and a sample cannot be dated in the future or
 * long before the patient's first prescription. Reproduces the defects first: a lithium level of
 * a clozapine-only patient was rated GREEN ("no threshold is configured"), and so was a sample
 * dated 1951.
 */
import { describe, expect, it } from 'vitest';
import type { ActionRecord } from '../../src/domain/actions/records.js';
import { evaluateResult } from '../../src/domain/results.js';
import { checkSampleDate, sampleDateRange } from '../../src/domain/sample-dates.js';
import { describeCause, actionCard } from '../../src/views/action-views.js';
import { resultRecordedView } from '../../src/views/record-views.js';
import { renderText } from '../../src/views/render-text.js';
import { defaultRules } from '../support/rules.js';

const rules = defaultRules();
const patient = { patientRef: 'NR-001', displayLabel: 'Fictional patient' };

describe('not rated is not green', () => {
  it('a lithium level of a clozapine-only patient is not rated, with the reason', () => {
    const evaluation = evaluateResult({ analyte: 'lithium_level', value: 0.7, unit: 'mmol/L', takenOn: '2026-11-20', history: [], ruleIds: ['clozapine'] }, rules);
    expect(evaluation.flag).toBe('not_rated');
    expect(evaluation.reason).toBe("lithium_level 0.7 mmol/L: not rated, because no threshold for lithium_level applies to clozapine. Review it against the patient's current treatment");
  });

  it('a result taken while the patient was on no monitored medicine is not rated, saying so', () => {
    const evaluation = evaluateResult({ analyte: 'neutrophils', value: 3.1, unit: '10^9/L', takenOn: '1951-03-01', history: [], ruleIds: [] }, rules);
    expect(evaluation).toMatchObject({ flag: 'not_rated', reason: expect.stringContaining('the patient was on no monitored medicine on 1951-03-01') });
  });

  it('a trend rule with history to compare still rates a value green; without history it is not rated', () => {
    const history = [{ value: 84, takenOn: '2026-10-01' }];
    const checked = evaluateResult({ analyte: 'weight', value: 85, unit: 'kg', takenOn: '2026-11-20', history, ruleIds: ['antipsychotic'] }, rules);
    expect(checked).toMatchObject({ flag: 'green', reason: expect.stringContaining('compared with 84 on 2026-10-01') });
    const unchecked = evaluateResult({ analyte: 'weight', value: 85, unit: 'kg', takenOn: '2026-11-20', history: [], ruleIds: ['antipsychotic'] }, rules);
    expect(unchecked.flag).toBe('not_rated');
  });

  it('the reply says NOT RATED and never uses the green (success) style', () => {
    const evaluation = { flag: 'not_rated' as const, reason: 'lithium_level 0.7 mmol/L: not rated, because no threshold applies' };
    const view = resultRecordedView(patient, { test: 'lithium_level', value: '0.7', unit: 'mmol/L', takenOn: '2026-11-20' }, evaluation, [], false);
    expect(view.tone).not.toBe('success');
    expect(renderText(view)).toContain('NOT RATED: lithium_level 0.7 mmol/L: not rated');
    expect(renderText(view)).not.toMatch(/GREEN|✓/);
    const green = resultRecordedView(patient, { test: 'lithium_level', value: '0.7', unit: 'mmol/L', takenOn: '2026-11-20' }, { flag: 'green', reason: 'in range' }, [], false);
    expect(green.tone).toBe('success');
  });

  it('an action card about a not-rated result (a clozapine sign-off) says NOT RATED', () => {
    const cause = { test: 'neutrophils', value: 3.1, unit: '10^9/L', takenOn: '2026-11-20', flag: 'not_rated', reason: 'not rated, because …', signOff: true };
    expect(describeCause('result_review', cause)).toBe('neutrophils 3.1 10^9/L on 2026-11-20: NOT RATED (not rated, because …)');
    const action = {
      id: 7, kind: 'result_review', status: 'open', priority: 'routine', teamId: 't', assigneeId: null, assigneeName: null, assignedRole: null,
      claimedAt: null, version: 1, teamName: 'Team', timeZone: 'Europe/London', patientId: 'p', patientRef: 'NR-001', displayLabel: '',
      cause, dueAt: new Date('2026-11-29T12:00:00Z'), createdAt: new Date('2026-11-22T12:00:00Z'), closedAt: null, outcome: null,
      outcomeDetail: null, closedReason: null, parentId: null,
    } satisfies ActionRecord;
    const card = actionCard(action, new Date('2026-11-22T12:00:00Z'));
    expect(card.tone).not.toBe('success');
    expect(card.fallbackText).toContain('NOT RATED');
  });
});

describe('sample dates', () => {
  const bounds = { today: '2026-11-22', firstPrescription: '2020-01-01', baselineWindowDays: 90 };

  it('refuses a sample dated 1951 for a patient first prescribed in 2020, naming the allowed range', () => {
    const checked = checkSampleDate('1951-03-01', bounds);
    expect(checked).toEqual({
      ok: false, code: 'DATE.OUT_OF_RANGE', field: 'date',
      message: '1951-03-01 is too early for this patient: a sample date must be from 2019-10-03 (90 days before the first prescription, 2020-01-01) to 2026-11-22 (today). Check the date the sample was taken.',
    });
  });

  it('refuses a future sample date; accepts both ends of the range', () => {
    expect(checkSampleDate('2026-11-23', bounds)).toMatchObject({ ok: false, code: 'DATE.OUT_OF_RANGE', message: expect.stringContaining('is in the future') });
    expect(checkSampleDate('2026-11-22', bounds).ok).toBe(true);
    expect(checkSampleDate('2019-10-03', bounds).ok).toBe(true);
    expect(checkSampleDate('2019-10-02', bounds).ok).toBe(false);
  });

  it('a patient with no prescription is bounded by today and 1900 only', () => {
    expect(sampleDateRange({ ...bounds, firstPrescription: null })).toEqual({ from: '1900-01-01', to: '2026-11-22' });
  });
});
