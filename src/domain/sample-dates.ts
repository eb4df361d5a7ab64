/**
 * When a result's sample can have been taken: not after today, and not long before the patient's
 * treatment began. A sample dated before the first prescription by more than the baseline window
 * belongs to no prescription, so no threshold could rate it (a lithium level "from 1951" would
 * otherwise be shown as unrated history at best, or mislead at worst); it is almost always a
 * mistyped year. Import and chat both check dates here.
 */
import { addDays, type IsoDate } from './dates.js';
import { fail, ok, type Outcome } from './outcome.js';

export interface SampleDateBounds {
  /** Today in the team's (or the import's) time zone. */
  today: IsoDate;
  /** The earliest start of any of the patient's prescriptions, stopped ones included; null if none. */
  firstPrescription: IsoDate | null;
  /** The rule set's baseline window: a baseline test counts this many days before the start. */
  baselineWindowDays: number;
}

/** The earliest date accepted when a patient has no prescription to measure from. */
export const EARLIEST_SAMPLE = '1900-01-01';

/** The first and last date a sample may be dated, both inclusive. */
export function sampleDateRange(bounds: SampleDateBounds): { from: IsoDate; to: IsoDate } {
  const fromPrescription = bounds.firstPrescription === null ? EARLIEST_SAMPLE : addDays(bounds.firstPrescription, -bounds.baselineWindowDays);
  return { from: fromPrescription > EARLIEST_SAMPLE ? fromPrescription : EARLIEST_SAMPLE, to: bounds.today };
}

/** The allowed range in words, naming where each end comes from. */
export function describeSampleDateRange(bounds: SampleDateBounds): string {
  const { from, to } = sampleDateRange(bounds);
  const start = bounds.firstPrescription === null
    ? from
    : `${from} (${bounds.baselineWindowDays} days before the first prescription, ${bounds.firstPrescription})`;
  return `from ${start} to ${to} (today)`;
}

/** The sample date if it is in range, else DATE.OUT_OF_RANGE with the allowed range. `takenOn` must be a real date. */
export function checkSampleDate(takenOn: IsoDate, bounds: SampleDateBounds): Outcome<IsoDate, 'DATE.OUT_OF_RANGE'> {
  const { from, to } = sampleDateRange(bounds);
  if (takenOn >= from && takenOn <= to) return ok(takenOn);
  const why = takenOn > to ? 'is in the future' : 'is too early for this patient';
  return fail('DATE.OUT_OF_RANGE', `${takenOn} ${why}: a sample date must be ${describeSampleDateRange(bounds)}. Check the date the sample was taken.`, 'date');
}
