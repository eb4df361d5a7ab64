/**
 * The monitoring rule set, as data. Every rule, test schedule, modifier and threshold cites where
 * it came from, so a clinical safety officer can check each value against its source at sign-off
 * (DCB0129/DCB0160). Organisations override rules with their own file (local shared-care protocol).
 */
import { z } from 'zod';
import { RECENT_VALUES_DEPTH, REQUIREMENT_KEYS, TEST_KEYS, type TestKey } from '../test-keys.js';

/** "3m", "12w", "28d", "1y": calendar months/years or exact weeks/days. */
export const DURATION_PATTERN = /^([1-9]\d{0,3})([dwmy])$/;
export type Duration = string;

const duration = z.string().regex(DURATION_PATTERN, 'use a number and a unit, for example "28d", "2w", "3m" or "1y"');

export const sourceSchema = z.object({
  /** Document or page, e.g. "SPS: Lithium monitoring". */
  title: z.string().min(3),
  /** Section, table or statement, e.g. "Maintenance monitoring". */
  section: z.string().min(1).optional(),
  url: z.string().url().optional(),
  /** Version or date of the source as read. */
  version: z.string().min(1).optional(),
}).strict();
export type Source = z.infer<typeof sourceSchema>;

const sources = z.array(sourceSchema).min(1, 'cite at least one source');

const testKey = z.string().refine((k): k is TestKey => (TEST_KEYS as readonly string[]).includes(k), {
  message: `must be one of: ${TEST_KEYS.join(', ')}`,
});
const requirementKey = z.string().refine((k): k is TestKey => (REQUIREMENT_KEYS as readonly string[]).includes(k), {
  message: `must be a panel or stand-alone test: ${REQUIREMENT_KEYS.join(', ')}`,
});

const identifier = z.string().regex(/^[a-z][a-z0-9_]*$/, 'use lower-case letters, digits and underscores');

/**
 * One phase of a schedule, measured from the prescription start (or, for `afterDoseChange`,
 * from the last dose change). `every: null` means no routine monitoring in this phase
 * (sulfasalazine bloods stop after the first year).
 */
export const phaseSchema = z.object({
  until: duration.optional(),
  every: duration.nullable(),
  /**
   * Said with the interval wherever it is the basis of a due date: where a source gives a range,
   * which end was taken and why ("SPS: every 2–3 months; the safer end").
   */
  note: z.string().min(3).optional(),
}).strict();
export type Phase = z.infer<typeof phaseSchema>;

const comparison = z.enum(['<', '<=', '>', '>=']);
export type Comparison = z.infer<typeof comparison>;

/**
 * A limit: a value in the analyte's canonical unit, or one relative to the patient's INR target
 * (the usual 2.5 unless the register records another: `{ "fromInrTarget": 0.5 }` is target + 0.5),
 * since warfarin's range is "target ± 0.5" whatever the target (BSH).
 */
export const limitSchema = z.union([z.number(), z.object({ fromInrTarget: z.number().min(-3).max(3) }).strict()]);
export type Limit = z.infer<typeof limitSchema>;

/**
 * No creatinine clearance can be had: none recorded, and none estimable by Cockcroft–Gault (no
 * creatinine, no weight or no date of birth; see crclEstimate). eGFR then stands in (DOACs).
 */
const crclUnavailableSchema = z.object({ kind: z.literal('crcl_unavailable') }).strict();

/** A clinical flag from the register (clinical-attributes.ts) is recorded, or (present: false) is not. */
const patientFlagSchema = z.object({
  kind: z.literal('patient_flag'), flag: z.enum(['ben', 'pregnancy_possible', 'inr_target']), present: z.boolean().default(true),
}).strict();

/** The recorded sex is one of these ("unknown": not recorded; rules then take the safer end). */
const sexSchema = z.object({ kind: z.literal('sex'), in: z.array(z.enum(['female', 'male', 'unknown'])).min(1) }).strict();

/** When a risk modifier (or a conditional schedule) applies to a patient, as of the evaluation date. */
export const modifierConditionSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('age_at_least'), years: z.number().int().min(0).max(130) }).strict(),
  /** Younger than `years` (an unknown age does not count: record the date of birth). */
  z.object({ kind: z.literal('age_below'), years: z.number().int().min(1).max(130) }).strict(),
  /**
   * Any active prescription of these drugs (register drug keys). With `withinFirst`, only for that
   * long after the combination began: the later of the two start dates (methotrexate with
   * leflunomide: monthly for the first 12 months).
   */
  z.object({ kind: z.literal('co_prescribed'), drugs: z.array(identifier).min(1), withinFirst: duration.optional() }).strict(),
  /**
   * A drug started within `within` before the evaluation date and is still taken: the monitored
   * drug itself, or any of `drugs` (amiodarone started in someone on warfarin).
   */
  z.object({ kind: z.literal('started_within'), within: duration, drugs: z.array(identifier).min(1).optional() }).strict(),
  /**
   * The latest result of an analyte compares with a limit (in its canonical unit). For crcl the
   * latest value is the recorded one or the Cockcroft–Gault estimate, whichever is newer.
   */
  z.object({ kind: z.literal('latest_value'), analyte: testKey, op: comparison, value: limitSchema }).strict(),
  /**
   * A fall across `tests` results (2: the latest is lower than the one before; 3: each of the last
   * three is lower than the one before it), by more than `minDrop` in all. The register state keeps
   * the last RECENT_VALUES_DEPTH results of each analyte, so `tests` is at most that.
   */
  z.object({
    kind: z.literal('falling'), analyte: testKey, minDrop: z.number().min(0).default(0),
    tests: z.number().int().min(2).max(RECENT_VALUES_DEPTH).default(2),
  }).strict(),
  crclUnavailableSchema,
  patientFlagSchema,
  sexSchema,
]);
export type ModifierCondition = z.infer<typeof modifierConditionSchema>;

/** One condition, or a list that must all hold. */
const conditions = z.union([modifierConditionSchema, z.array(modifierConditionSchema).min(1)]);

const singleConditions = new WeakMap<ModifierCondition, readonly ModifierCondition[]>();

/** A modifier's (or a schedule's) conditions as a list (a single `when` is a list of one, made once: the due engine asks per patient). */
export function conditionsOf(holder: { when?: ModifierCondition | ModifierCondition[] | undefined }): readonly ModifierCondition[] {
  const when = holder.when;
  if (when === undefined) return [];
  if (Array.isArray(when)) return when;
  let list = singleConditions.get(when);
  if (!list) singleConditions.set(when, (list = [when]));
  return list;
}

export const modifierSchema = z.object({
  id: identifier,
  description: z.string().min(3),
  when: conditions,
  /** Cap the interval at this duration while the condition holds. */
  maxEvery: duration.optional(),
  /**
   * Derive the interval from a result: value ÷ divisor months, converted to days (a month of
   * 365.25 ÷ 12 days, rounded down to whole days, not down to whole months), at least `minMonths`
   * (DOACs: renal function every CrCl ÷ 10 months when CrCl < 60 mL/min).
   */
  everyMonthsFromValue: z.object({ analyte: testKey, divisor: z.number().positive(), minMonths: z.number().int().min(1).default(1) }).strict().optional(),
  sources,
}).strict().refine((m) => (m.maxEvery === undefined) !== (m.everyMonthsFromValue === undefined), {
  message: 'give exactly one of maxEvery or everyMonthsFromValue',
});
export type Modifier = z.infer<typeof modifierSchema>;

export const testScheduleSchema = z.object({
  test: requirementKey,
  /**
   * The schedule applies only while these hold (under-18s on antipsychotics: prolactin every 6
   * months; valproate's Pregnancy Prevention Programme review for anyone who could become
   * pregnant). A rule may schedule a test twice only if one of the schedules is conditional; the
   * earlier due date wins.
   */
  when: conditions.optional(),
  /** Needed before (or at) the start of treatment. */
  baseline: z.boolean().default(false),
  /** Routine schedule from the start date; empty means baseline only. */
  phases: z.array(phaseSchema).default([]),
  /** Extra monitoring after a dose change, on top of the routine schedule. */
  afterDoseChange: z.array(phaseSchema).default([]),
  /** Keep monitoring for this long after the drug is stopped (amiodarone thyroid function). */
  continueAfterStop: duration.optional(),
  modifiers: z.array(modifierSchema).default([]),
  /**
   * Every result of this test needs a pharmacist's sign-off, green ones included (each clozapine
   * FBC decides whether the next supply goes ahead). Not the rule set's own `signOff` (DCB0160).
   */
  signOff: z.boolean().optional(),
  sources,
  note: z.string().optional(),
}).strict().superRefine((t, ctx) => {
  t.phases.forEach((p, i) => {
    const last = i === t.phases.length - 1;
    if (!last && p.until === undefined) ctx.addIssue({ code: 'custom', path: ['phases', i, 'until'], message: 'only the last phase may be open-ended; give "until"' });
  });
  if (t.phases.length === 0 && !t.baseline) ctx.addIssue({ code: 'custom', path: ['phases'], message: 'a test needs phases, or baseline: true' });
  t.afterDoseChange.forEach((p, i) => {
    if (p.until === undefined) ctx.addIssue({ code: 'custom', path: ['afterDoseChange', i, 'until'], message: 'dose-change monitoring must end; give "until"' });
  });
});
export type TestSchedule = z.infer<typeof testScheduleSchema>;

export const drugSchema = z.object({
  /** Register key (generic name), e.g. "apixaban". */
  key: identifier,
  /** Other generic spellings and salts, matched case-insensitively. */
  names: z.array(z.string().min(2)).default([]),
  /** UK brand names, matched case-insensitively. */
  brands: z.array(z.string().min(2)).default([]),
}).strict();
export type Drug = z.infer<typeof drugSchema>;

export const orgTypeSchema = z.enum(['gp_practice', 'mh_trust', 'hospital_clinic']);
export type OrgType = z.infer<typeof orgTypeSchema>;

export const monitoringRuleSchema = z.object({
  id: identifier,
  name: z.string().min(2),
  drugs: z.array(drugSchema).min(1),
  tests: z.array(testScheduleSchema),
  /** Who usually holds each test under shared care when the register does not say. */
  defaultResponsible: orgTypeSchema.optional(),
  sources,
  note: z.string().optional(),
}).strict();
export type MonitoringRule = z.infer<typeof monitoringRuleSchema>;

/** Drugs that matter only as co-prescriptions (they change another drug's schedule). */
export const interactingDrugSchema = z.object({
  key: identifier,
  group: z.string().min(2),
  names: z.array(z.string().min(2)).default([]),
  brands: z.array(z.string().min(2)).default([]),
}).strict();

export const flagSchema = z.enum(['green', 'amber', 'red']);
export type Flag = z.infer<typeof flagSchema>;

export const bandSchema = z.object({
  flag: z.enum(['amber', 'red']),
  op: comparison,
  value: limitSchema,
  reason: z.string().min(3),
}).strict();
export type Band = z.infer<typeof bandSchema>;

/**
 * Who a threshold or trend applies to: rule ids (drug groups, such as "doac"), drug keys (one drug
 * of a group, such as "dabigatran", where the guidance differs by drug), or "all".
 */
const appliesTo = z.union([z.literal('all'), z.array(identifier).min(1)]);

/** Conditions a threshold can be limited to (only those a single result can be judged with). */
export const thresholdConditionSchema = z.discriminatedUnion('kind', [crclUnavailableSchema, patientFlagSchema, sexSchema]);
export type ThresholdCondition = z.infer<typeof thresholdConditionSchema>;

export const thresholdSchema = z.object({
  id: identifier,
  analyte: testKey,
  appliesTo,
  /** Only while all of these hold on the sample date (eGFR judged for DOACs only without a CrCl). */
  when: z.array(thresholdConditionSchema).min(1).optional(),
  /** Canonical unit the band values are written in (checked against the analyte). */
  unit: z.string().min(1),
  bands: z.array(bandSchema).min(1),
  /** Shown when no band is breached. */
  inRange: z.string().min(3),
  sources,
}).strict();
export type Threshold = z.infer<typeof thresholdSchema>;

/**
 * How creatinine clearance is estimated when a laboratory reports creatinine but no CrCl: the
 * Cockcroft–Gault equation, as SPS and the MHRA ask for DOACs. The fields state the choices the
 * estimate makes, so they are reviewed with the rule set: which weight, and the sex assumed when
 * none is recorded (female, the lower estimate, is the safer end).
 */
export const crclEstimateSchema = z.object({
  method: z.literal('cockcroft_gault'),
  weight: z.literal('actual_body_weight'),
  sexUnknown: z.literal('female'),
  sources,
  note: z.string().optional(),
}).strict();
export type CrclEstimate = z.infer<typeof crclEstimateSchema>;

export const trendRuleSchema = z.discriminatedUnion('kind', [
  /** Rise of more than `percent` above the earliest result within `withinMonths` before this one. */
  z.object({ kind: z.literal('rise_from_baseline'), id: identifier, analyte: testKey, appliesTo, percent: z.number().positive(), withinMonths: z.number().int().positive(), flag: z.enum(['amber', 'red']), reason: z.string().min(3), sources }).strict(),
  /** Rise of more than `amount` (canonical unit) above the earliest result within `withinMonths`. */
  z.object({ kind: z.literal('rise_by_amount'), id: identifier, analyte: testKey, appliesTo, amount: z.number().positive(), withinMonths: z.number().int().positive(), flag: z.enum(['amber', 'red']), reason: z.string().min(3), sources }).strict(),
  /** `count` consecutive results each higher than the one before (this one included). */
  z.object({ kind: z.literal('successive_rise'), id: identifier, analyte: testKey, appliesTo, count: z.number().int().min(2), flag: z.enum(['amber', 'red']), reason: z.string().min(3), sources }).strict(),
  /** `count` consecutive results each lower than the one before (this one included), by more than `minDrop` in all. */
  z.object({ kind: z.literal('successive_fall'), id: identifier, analyte: testKey, appliesTo, count: z.number().int().min(2), minDrop: z.number().min(0).default(0), flag: z.enum(['amber', 'red']), reason: z.string().min(3), sources }).strict(),
]);
export type TrendRule = z.infer<typeof trendRuleSchema>;

export const ruleSetSchema = z.object({
  /** Version of this rule set, recorded with every computed due list. */
  version: z.string().min(1),
  effectiveFrom: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  /** Who signed it off, when (DCB0160); empty until a deploying organisation does. */
  signOff: z.object({ by: z.string().min(2), role: z.string().min(2), on: z.string().regex(/^\d{4}-\d{2}-\d{2}$/) }).strict().optional(),
  /** Days before the due date when a test shows as due soon (capped at a quarter of its interval). */
  dueSoonDays: z.number().int().min(0).max(90).default(14),
  /** How long before the start date a test still counts as the baseline. */
  baselineWindowDays: z.number().int().min(0).max(365).default(90),
  rules: z.array(monitoringRuleSchema).min(1),
  interactingDrugs: z.array(interactingDrugSchema).default([]),
  thresholds: z.array(thresholdSchema).default([]),
  trends: z.array(trendRuleSchema).default([]),
  /** Estimate CrCl from creatinine where none is recorded; absent, only a recorded CrCl counts. */
  crclEstimate: crclEstimateSchema.optional(),
}).strict();
export type RuleSet = z.infer<typeof ruleSetSchema>;
export type RuleSetInput = z.input<typeof ruleSetSchema>;

/**
 * An organisation's override file: replaces whole rules, thresholds and trend rules by id, adds
 * new ones, or disables them. Partial edits inside a rule are deliberately not supported: a
 * local protocol replaces a national rule as a whole, with its own citation.
 */
export const ruleOverrideSchema = z.object({
  version: z.string().min(1),
  effectiveFrom: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
  signOff: ruleSetSchema.shape.signOff,
  dueSoonDays: z.number().int().min(0).max(90).optional(),
  baselineWindowDays: z.number().int().min(0).max(365).optional(),
  rules: z.array(monitoringRuleSchema).default([]),
  interactingDrugs: z.array(interactingDrugSchema).default([]),
  thresholds: z.array(thresholdSchema).default([]),
  trends: z.array(trendRuleSchema).default([]),
  /** Replaces the default's crclEstimate (with the organisation's citation). */
  crclEstimate: crclEstimateSchema.optional(),
  disable: z.object({
    rules: z.array(identifier).default([]),
    thresholds: z.array(identifier).default([]),
    trends: z.array(identifier).default([]),
  }).strict().default({ rules: [], thresholds: [], trends: [] }),
}).strict();
export type RuleOverride = z.infer<typeof ruleOverrideSchema>;
