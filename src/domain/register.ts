/**
 * The register as the due engine sees it: plain data, no database handles, no clock.
 * Repositories build these from SQL; tests build them by hand.
 */
import type { ClinicalFlags, Sex } from './clinical-attributes.js';
import type { IsoDate } from './dates.js';
import type { OrgType } from './rules/schema.js';
import type { TestKey } from './test-keys.js';

export type EventOutcome = 'result' | 'done' | 'dna' | 'declined';

export interface PrescriptionState {
  /** Register drug key (generic), e.g. "lithium", "apixaban". */
  drug: string;
  startDate: IsoDate;
  lastDoseChange: IsoDate | null;
  stoppedOn: IsoDate | null;
}

export interface ResponsibilityState {
  drug: string;
  /** A requirement key, or "*" for every test of the drug not named separately. */
  test: TestKey | '*';
  orgType: OrgType;
  orgName: string | null;
  staff: string | null;
}

export interface WaiverState {
  /** Null waives the test whichever drug needs it. */
  drug: string | null;
  test: TestKey;
  reason: string;
  /** Inclusive: the waiver covers this date. */
  waivedUntil: IsoDate;
}

export interface ValuePoint {
  value: number;
  takenOn: IsoDate;
}

export interface PatientState {
  patientRef: string;
  displayLabel: string;
  team: string;
  gpPractice: string;
  dateOfBirth: IsoDate | null;
  /**
   * Recorded sex, where the register has it (Cockcroft–Gault). Unknown (absent or null) means
   * the lower, female estimate of CrCl is used, the safer end.
   */
  sex?: Sex | null;
  /** Clinical flags from the register (clinical-attributes.ts); absent means none. */
  flags?: ClinicalFlags;
  prescriptions: PrescriptionState[];
  responsibilities: ResponsibilityState[];
  waivers: WaiverState[];
  /** Latest date each requirement key was done (a result or "done"), at or before the as-of date. */
  lastDone: Partial<Record<TestKey, IsoDate>>;
  /**
   * Numeric results per analyte at or before the as-of date, newest first (canonical units): the
   * last RECENT_VALUES_DEPTH of each.
   */
  recentValues: Partial<Record<TestKey, ValuePoint[]>>;
}

/** One recorded event, as imported (values already in canonical units). */
export interface MonitoringEvent {
  test: TestKey;
  outcome: EventOutcome;
  value: number | null;
  unit: string | null;
  takenOn: IsoDate;
}

export { RECENT_VALUES_DEPTH } from './test-keys.js';
