/**
 * Register tables. SQL must run on PostgreSQL 15 in production and on PGlite (PostgreSQL 18)
 * embedded, so nothing newer than 15 is used (NULLS NOT DISTINCT is 15).
 */
import { sql } from 'drizzle-orm';
import {
  bigint, check, date, doublePrecision, index, jsonb, pgTable, text, timestamp, unique, uuid,
} from 'drizzle-orm/pg-core';
import type { ClinicalFlags } from '../domain/clinical-attributes.js';

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow();

/** A multidisciplinary team; digests and "today" are computed in its time zone. */
export const teams = pgTable('teams', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull().unique(),
  timeZone: text('time_zone').notNull().default('Europe/London'),
  /**
   * Digest and escalation settings (digest times, working days, bank holidays, limits), validated
   * by `teamSettingsSchema` (src/domain/digest/settings.ts); `{}` means every default.
   */
  settings: jsonb('settings').$type<Record<string, unknown>>().notNull().default({}),
  /**
   * When the team's first daily digest was queued. Until then no automatic escalations are raised
   * for it, so importing a register does not flood its channel before anyone has seen a digest.
   */
  firstDigestAt: timestamp('first_digest_at', { withTimezone: true }),
  createdAt: createdAt(),
});

/** Patients are held under a pseudonymous reference; the display label is what chat shows. */
export const patients = pgTable('patients', {
  id: uuid('id').primaryKey().defaultRandom(),
  patientRef: text('patient_ref').notNull().unique(),
  displayLabel: text('display_label').notNull(),
  teamId: uuid('team_id').notNull().references(() => teams.id),
  gpPractice: text('gp_practice').notNull(),
  dateOfBirth: date('date_of_birth', { mode: 'string' }),
  /** Recorded sex (QTc limits, Cockcroft–Gault); null is not recorded, and the rules take the safer end. */
  sex: text('sex', { enum: ['female', 'male'] }),
  /**
   * Flags from register.csv's `flags` column as ClinicalFlags ({"ben":true,"inrTarget":3.5,
   * "pregnancyPossible":true}); `{}` is none. Each changes only the rules that name it.
   */
  clinicalFlags: jsonb('clinical_flags').$type<ClinicalFlags>().notNull().default({}),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
}, (t) => [
  index('patients_team_idx').on(t.teamId),
  check('patients_sex_ck', sql`${t.sex} IN ('female', 'male')`),
]);

export const prescriptions = pgTable('prescriptions', {
  id: uuid('id').primaryKey().defaultRandom(),
  patientId: uuid('patient_id').notNull().references(() => patients.id),
  /** Register drug key (generic name), resolved from generic or brand names on import. */
  drug: text('drug').notNull(),
  startDate: date('start_date', { mode: 'string' }).notNull(),
  lastDoseChange: date('last_dose_change', { mode: 'string' }),
  stoppedOn: date('stopped_on', { mode: 'string' }),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
}, (t) => [
  unique('prescriptions_patient_drug_start_uq').on(t.patientId, t.drug, t.startDate),
  check('prescriptions_dates_ck', sql`${t.stoppedOn} IS NULL OR ${t.stoppedOn} >= ${t.startDate}`),
]);

/**
 * Who holds each test of each drug under shared care. `test` is a requirement key or "*" for
 * every test of that drug not named separately.
 */
export const responsibilities = pgTable('responsibilities', {
  id: uuid('id').primaryKey().defaultRandom(),
  patientId: uuid('patient_id').notNull().references(() => patients.id),
  drug: text('drug').notNull(),
  test: text('test').notNull(),
  orgType: text('org_type', { enum: ['gp_practice', 'mh_trust', 'hospital_clinic'] }).notNull(),
  orgName: text('org_name'),
  staff: text('staff'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
}, (t) => [unique('responsibilities_patient_drug_test_uq').on(t.patientId, t.drug, t.test)]);

/**
 * Everything that happened about a test: a result, a test done without a value, a missed
 * appointment or a refusal. `requirement` is the panel the test counts towards (ALT → lft).
 */
export const monitoringEvents = pgTable('monitoring_events', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  patientId: uuid('patient_id').notNull().references(() => patients.id),
  test: text('test').notNull(),
  requirement: text('requirement').notNull(),
  outcome: text('outcome', { enum: ['result', 'done', 'dna', 'declined'] }).notNull(),
  /** In the analyte's canonical unit (converted on import). */
  value: doublePrecision('value'),
  unit: text('unit'),
  takenOn: date('taken_on', { mode: 'string' }).notNull(),
  source: text('source').notNull(),
  createdAt: createdAt(),
}, (t) => [
  // Re-importing the same file must change nothing: identical events collapse onto one row.
  unique('monitoring_events_natural_uq').on(t.patientId, t.test, t.takenOn, t.outcome, t.value, t.unit).nullsNotDistinct(),
  index('monitoring_events_requirement_idx').on(t.patientId, t.requirement, t.takenOn),
  index('monitoring_events_taken_on_idx').on(t.takenOn),
  check('monitoring_events_value_ck', sql`(${t.outcome} = 'result') = (${t.value} IS NOT NULL)`),
]);

/**
 * Each patient's register and monitoring history as one row, derived by statement-level triggers
 * (migration 0001) in the same statement as every change to prescriptions, responsibilities or
 * monitoring_events, so it can never disagree with them. A due list reads one row per patient
 * instead of one per prescription, assignment and event: at a whole organisation's scale the
 * driver's per-row cost outweighed everything else. A due list as of a past date (before some
 * recorded event) aggregates the events instead. Application code never writes this table.
 */
export const patientState = pgTable('patient_state', {
  patientId: uuid('patient_id').primaryKey().references(() => patients.id),
  /**
   * A copy of patients.team_id kept by trigger, so one team's state is one bitmap scan by team
   * rather than two thousand primary-key probes (which measured as most of a team's due list).
   */
  teamId: uuid('team_id').references(() => teams.id),
  /** [[drug, start_date, last_dose_change, stopped_on], …] */
  prescriptions: jsonb('prescriptions').$type<[string, string, string | null, string | null][]>().notNull().default([]),
  /** [[drug, test, org_type, org_name, staff], …] */
  responsibilities: jsonb('responsibilities').$type<[string, string, string, string | null, string | null][]>().notNull().default([]),
  /** { requirement: "YYYY-MM-DD" }: the latest date each requirement was done (a result or "done"). */
  lastDone: jsonb('last_done').$type<Record<string, string>>().notNull().default({}),
  /** { analyte: [[value, "YYYY-MM-DD", eventId], …] }: the RECENT_VALUES_DEPTH (3) most recent numeric results, newest first. */
  recentValues: jsonb('recent_values').$type<Record<string, [number, string, number][]>>().notNull().default({}),
}, (t) => [index('patient_state_team_idx').on(t.teamId)]);

/** A test that is not required for a patient until a date, with the reason recorded. */
export const waivers = pgTable('waivers', {
  id: uuid('id').primaryKey().defaultRandom(),
  patientId: uuid('patient_id').notNull().references(() => patients.id),
  /** Null waives the test for every drug that needs it. */
  drug: text('drug'),
  test: text('test').notNull(),
  reason: text('reason').notNull(),
  waivedUntil: date('waived_until', { mode: 'string' }).notNull(),
  createdBy: text('created_by').notNull(),
  createdAt: createdAt(),
}, (t) => [index('waivers_patient_idx').on(t.patientId)]);

/** Which rule set was loaded, so every computation can be traced to the rules in force. */
export const ruleSetVersions = pgTable('rule_set_versions', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  version: text('version').notNull(),
  contentHash: text('content_hash').notNull().unique(),
  content: jsonb('content').notNull(),
  loadedAt: timestamp('loaded_at', { withTimezone: true }).notNull().defaultNow(),
});
