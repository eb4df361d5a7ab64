/**
 * Creatinine clearance for DOAC monitoring. UK laboratories report creatinine and eGFR, rarely a
 * CrCl, yet SPS and the MHRA (Drug Safety Update, October 2019) ask for CrCl by Cockcroft–Gault
 * for DOACs, because eGFR overestimates renal function and leads to overdosing. So where no CrCl
 * is recorded it is estimated here from the latest creatinine, the patient's recorded weight
 * (actual body weight, as in the DOAC trials and SmPCs) and age, and sex: the rule set's
 * `crclEstimate` names these choices and cites them.
 */
import { ageOn, type IsoDate } from './dates.js';
import type { ValuePoint } from './register.js';

export type Sex = 'female' | 'male';

/**
 * The UK SI form of Cockcroft–Gault, with creatinine in µmol/L (MHRA Drug Safety Update 2019;
 * BNF): CrCl (mL/min) = (140 − age) × weight (kg) × constant ÷ creatinine, the constant 1.23 for
 * men and 1.04 for women (the original equation's × 0.85 for women: 1.23 × 0.85 ≈ 1.04).
 */
export const CG_CONSTANT: Record<Sex, number> = { male: 1.23, female: 1.04 };

export function cockcroftGault(input: { ageYears: number; weightKg: number; creatinineUmolPerL: number; sex: Sex }): number {
  // Past 140 the equation turns negative; no clearance is the honest floor.
  return Math.max(0, ((140 - input.ageYears) * input.weightKg * CG_CONSTANT[input.sex]) / input.creatinineUmolPerL);
}

/** What an estimate can draw on: each analyte's results newest first, up to the evaluation date. */
export interface RenalFacts {
  creatinine: readonly ValuePoint[];
  weight: readonly ValuePoint[];
  /** Laboratory-reported CrCl, if any. */
  crcl: readonly ValuePoint[];
  dateOfBirth: IsoDate | null;
  /** Unknown until the register records it: the female (lower) estimate is then used. */
  sex?: Sex | null;
}

export type CrclValue =
  | { kind: 'recorded'; value: number; takenOn: IsoDate }
  | { kind: 'estimated'; value: number; takenOn: IsoDate; creatinine: ValuePoint; weight: ValuePoint; age: number; sex: Sex; sexRecorded: boolean };

/** `missing` names what to record: "weight", "date of birth", "creatinine result". */
export type CrclFinding = CrclValue | { kind: 'unavailable'; missing: string[] };

/**
 * The weight to use for a creatinine taken on `date`: the latest recorded on or before it, else
 * the first recorded after it (a weight taken at the next visit still describes the patient).
 */
export function weightFor(date: IsoDate, weights: readonly ValuePoint[]): ValuePoint | undefined {
  return weights.find((w) => w.takenOn <= date) ?? weights[weights.length - 1];
}

/** The Cockcroft–Gault estimate for one creatinine result, or what is missing for it. */
export function estimateFromCreatinine(creatinine: ValuePoint, facts: RenalFacts): CrclFinding {
  const weight = weightFor(creatinine.takenOn, facts.weight);
  const missing = [...(weight ? [] : ['weight']), ...(facts.dateOfBirth ? [] : ['date of birth'])];
  if (!weight || !facts.dateOfBirth) return { kind: 'unavailable', missing };
  const age = ageOn(facts.dateOfBirth, creatinine.takenOn);
  const sex = facts.sex ?? 'female';
  const value = cockcroftGault({ ageYears: age, weightKg: weight.value, creatinineUmolPerL: creatinine.value, sex });
  return { kind: 'estimated', value, takenOn: creatinine.takenOn, creatinine, weight, age, sex, sexRecorded: facts.sex != null };
}

/**
 * The patient's CrCl on `date`: a recorded CrCl unless a later creatinine exists, in which case
 * the estimate from that creatinine (renal function may have changed since). Without an
 * estimate, an older recorded CrCl is not used: it predates the latest creatinine.
 */
export function crclOn(date: IsoDate, facts: RenalFacts, estimate: boolean): CrclFinding {
  const recorded = facts.crcl.find((p) => p.takenOn <= date);
  const creatinine = estimate ? facts.creatinine.find((p) => p.takenOn <= date) : undefined;
  if (recorded && (!creatinine || recorded.takenOn >= creatinine.takenOn)) return { kind: 'recorded', value: recorded.value, takenOn: recorded.takenOn };
  if (!creatinine) return { kind: 'unavailable', missing: estimate ? ['creatinine result'] : ['recorded CrCl'] };
  return estimateFromCreatinine(creatinine, facts);
}

const round1 = (n: number) => String(Math.round(n * 10) / 10);

/** "CrCl 58.7 mL/min, Cockcroft–Gault from creatinine 110 µmol/L (2026-01-10), actual body weight 75 kg (2026-01-02), age 70, male" */
export function describeCrcl(c: CrclFinding): string {
  switch (c.kind) {
    case 'recorded': return `CrCl ${round1(c.value)} mL/min (recorded ${c.takenOn})`;
    case 'estimated': {
      const sex = c.sexRecorded ? c.sex : 'sex not recorded, so the lower (female) estimate';
      return `CrCl ${round1(c.value)} mL/min, Cockcroft–Gault from creatinine ${round1(c.creatinine.value)} µmol/L (${c.creatinine.takenOn}), `
        + `actual body weight ${round1(c.weight.value)} kg (${c.weight.takenOn}), age ${c.age}, ${sex}`;
    }
    case 'unavailable': return `CrCl could not be estimated by Cockcroft–Gault: no ${c.missing.join(' or ')} recorded`;
  }
}
