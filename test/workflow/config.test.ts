/** Workflow timings: defaults, environment overrides, and a clear error for a bad value. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env.js';
import { defaultWorkflowConfig, loadWorkflowConfig } from '../../src/config/workflow.js';

describe('workflow configuration', () => {
  it('has the documented defaults', () => {
    expect(defaultWorkflowConfig).toEqual({
      redReviewHours: 4, amberReviewDays: 3, routineReviewDays: 7, overdueActionDays: 7, overdueEscalationDays: 28,
      dnaRebookDays: 7, dnaRepeatWindowDays: 90, reconciliationHours: 72, resultLookbackDays: 14, recheckAfterDays: 28,
      bookingMaxDays: 90, waiverMaxMonths: 12,
    });
    expect(loadWorkflowConfig({})).toEqual({ ok: true, value: defaultWorkflowConfig });
  });

  it('takes overrides from the environment, ignoring empty values', () => {
    const loaded = loadWorkflowConfig({ RED_REVIEW_HOURS: '2', RECONCILIATION_HOURS: '48', RESULT_LOOKBACK_DAYS: ' 30 ', DNA_REBOOK_DAYS: '' });
    expect(loaded).toEqual({ ok: true, value: { ...defaultWorkflowConfig, redReviewHours: 2, reconciliationHours: 48, resultLookbackDays: 30 } });
  });

  it.each(['47', '73', '60.5', 'three days'])('RECONCILIATION_HOURS=%s is a configuration error naming the variable', (value) => {
    const loaded = loadWorkflowConfig({ RECONCILIATION_HOURS: value });
    expect(loaded).toMatchObject({ ok: false, code: 'CONFIG.INVALID' });
    if (!loaded.ok) expect(loaded.message).toMatch(new RegExp(`RECONCILIATION_HOURS: .*(48|number).*got "${value}"`));
  });

  it('accepts 72 hours, and the app configuration carries the workflow settings and their errors', () => {
    expect(loadWorkflowConfig({ RECONCILIATION_HOURS: '72' }).ok).toBe(true);
    const app = loadConfig({ OVERDUE_ESCALATION_DAYS: '14' });
    expect(app.ok && app.config.workflow.overdueEscalationDays).toBe(14);
    const bad = loadConfig({ PORT: 'eighty', OVERDUE_ACTION_DAYS: '0' });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.message).toMatch(/PORT:.*\n.*OVERDUE_ACTION_DAYS: must be at least 1/s);
  });
});
