/**
 * How the actions workflow times things: when a result must be reviewed, how long a technician has
 * to contact and book, when a missed test escalates, how long a discharge may wait for medicines
 * reconciliation, how far ahead a booking or a waiver may run. Defaults suit a UK MDT; each can be
 * changed with an environment variable.
 */
import { z } from 'zod';
import type { GenerationSettings } from '../domain/actions/generation.js';
import { DEFAULT_OUTCOME_DATE_LIMITS, type OutcomeDateLimits } from '../domain/actions/transitions.js';
import { fail, ok, type Outcome } from '../domain/outcome.js';

/** The timings and limits themselves are domain facts (generation and the state machine read them); this module loads them. */
export type WorkflowConfig = GenerationSettings & OutcomeDateLimits;

/** Environment variable for each setting, as documented in the README's configuration table. */
export const WORKFLOW_ENV: Record<keyof WorkflowConfig, string> = {
  redReviewHours: 'RED_REVIEW_HOURS',
  amberReviewDays: 'AMBER_REVIEW_DAYS',
  routineReviewDays: 'ROUTINE_REVIEW_DAYS',
  overdueActionDays: 'OVERDUE_ACTION_DAYS',
  overdueEscalationDays: 'OVERDUE_ESCALATION_DAYS',
  dnaRebookDays: 'DNA_REBOOK_DAYS',
  dnaRepeatWindowDays: 'DNA_REPEAT_WINDOW_DAYS',
  reconciliationHours: 'RECONCILIATION_HOURS',
  resultLookbackDays: 'RESULT_LOOKBACK_DAYS',
  recheckAfterDays: 'RECHECK_AFTER_DAYS',
  bookingMaxDays: 'BOOKING_MAX_DAYS',
  waiverMaxMonths: 'WAIVER_MAX_MONTHS',
};

const whole = (min: number, max: number) => z.coerce.number().int(`must be a whole number from ${min} to ${max}`)
  .min(min, `must be at least ${min}`).max(max, `must be at most ${max}`);

export const workflowConfigSchema = z.object({
  redReviewHours: whole(1, 72).default(4),
  amberReviewDays: whole(1, 30).default(3),
  routineReviewDays: whole(1, 60).default(7),
  overdueActionDays: whole(1, 60).default(7),
  overdueEscalationDays: whole(1, 365).default(28),
  dnaRebookDays: whole(1, 60).default(7),
  dnaRepeatWindowDays: whole(7, 730).default(90),
  // NHS medicines reconciliation standard: within 48–72 hours of discharge; outside that range is
  // a misconfiguration, not a local preference.
  reconciliationHours: z.coerce.number().int('must be a whole number of hours from 48 to 72')
    .min(48, 'must be from 48 to 72 hours (medicines reconciliation is due within 48–72 hours of discharge)')
    .max(72, 'must be from 48 to 72 hours (medicines reconciliation is due within 48–72 hours of discharge)')
    .default(72),
  resultLookbackDays: whole(1, 365).default(14),
  recheckAfterDays: whole(1, 365).default(28),
  bookingMaxDays: whole(1, 365).default(DEFAULT_OUTCOME_DATE_LIMITS.bookingMaxDays),
  waiverMaxMonths: whole(1, 36).default(DEFAULT_OUTCOME_DATE_LIMITS.waiverMaxMonths),
}).strict();

export const defaultWorkflowConfig: WorkflowConfig = Object.freeze(workflowConfigSchema.parse({}));

/** Reads the workflow settings from the environment; unset or empty variables take the default. */
export function loadWorkflowConfig(env: NodeJS.ProcessEnv = process.env): Outcome<WorkflowConfig, 'CONFIG.INVALID'> {
  const input: Partial<Record<keyof WorkflowConfig, string>> = {};
  for (const [key, name] of Object.entries(WORKFLOW_ENV) as [keyof WorkflowConfig, string][]) {
    const value = env[name]?.trim();
    if (value !== undefined && value !== '') input[key] = value;
  }
  const parsed = workflowConfigSchema.safeParse(input);
  if (parsed.success) return ok(parsed.data);
  const lines = parsed.error.issues.map((issue) => {
    const key = issue.path[0] as keyof WorkflowConfig | undefined;
    const name = key ? WORKFLOW_ENV[key] : 'workflow settings';
    return `  ${name}: ${issue.message} (got "${key ? input[key] : ''}")`;
  });
  return fail('CONFIG.INVALID', `Configuration error in environment variables:\n${lines.join('\n')}`);
}
