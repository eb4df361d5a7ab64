/**
 * Risk modifiers: the conditions that shorten a test's interval on the as-of date (age, an
 * interacting drug, a latest result, a fall, no CrCl to be had) and the cap each one sets,
 * including the intervals derived from a value (DOACs: CrCl ÷ 10 months, in days).
 */
import { NO_ATTRIBUTES, type PatientAttributes } from './clinical-attributes.js';
import { crclOn, describeCrcl, type CrclFinding } from './creatinine-clearance.js';
import type { IsoDate } from './dates.js';
import { addDuration, parseDuration, type ParsedDuration } from './durations.js';
import { attributeConditionHolds, resolveLimit } from './patient-conditions.js';
import type { PatientState, PrescriptionState, ValuePoint } from './register.js';
import { conditionsOf, type Modifier, type ModifierCondition, type RuleSet } from './rules/schema.js';
import type { TestKey } from './test-keys.js';

export function isActiveOn(p: PrescriptionState, date: IsoDate): boolean {
  return p.startDate <= date && (p.stoppedOn === null || p.stoppedOn > date);
}

/**
 * A modifier's cap on the interval; `detail` says where a value-derived interval came from (a
 * function: the words are built only for the cap that sets the due date, not for every candidate).
 */
export interface Cap { modifier: Modifier; every: ParsedDuration; everyText: string; detail?: () => string }

/** Days in an average month (365.25 ÷ 12), for intervals derived from a value (CrCl ÷ 10 months). */
const DAYS_PER_MONTH = 365.25 / 12;

/**
 * What modifiers read about one patient on the as-of date, worked out at most once per patient:
 * the age, and the CrCl (recorded, or estimated by Cockcroft–Gault from the latest creatinine,
 * weight and age when the rule set has `crclEstimate`).
 */
export class PatientFacts {
  private crclFinding: CrclFinding | undefined;
  /** Sex and clinical flags, as the conditions and limits read them. */
  readonly attributes: PatientAttributes;
  constructor(readonly patient: PatientState, readonly asOf: IsoDate, readonly age: number | null, private readonly ruleSet: RuleSet) {
    this.attributes = patient.sex || patient.flags ? { sex: patient.sex ?? null, flags: patient.flags ?? {} } : NO_ATTRIBUTES;
  }

  crcl(): CrclFinding {
    const v = this.patient.recentValues;
    this.crclFinding ??= crclOn(this.asOf, {
      creatinine: v.creatinine ?? [], weight: v.weight ?? [], crcl: v.crcl ?? [], dateOfBirth: this.patient.dateOfBirth, sex: this.patient.sex ?? null,
    }, this.ruleSet.crclEstimate !== undefined);
    return this.crclFinding;
  }

  /** The newest value of an analyte; for crcl, the recorded or estimated CrCl. */
  latest(analyte: TestKey): ValuePoint | undefined {
    if (analyte !== 'crcl') return this.patient.recentValues[analyte]?.[0];
    const crcl = this.crcl();
    return crcl.kind === 'unavailable' ? undefined : { value: crcl.value, takenOn: crcl.takenOn };
  }
}

/** Whether every condition holds for this prescription on the as-of date (an empty list holds). */
export function allConditionsHold(conditions: readonly ModifierCondition[], facts: PatientFacts, prescription: PrescriptionState): boolean {
  for (const c of conditions) if (!conditionHolds(c, facts, prescription)) return false;
  return true;
}

export function modifierCaps(modifiers: Modifier[], facts: PatientFacts, prescription: PrescriptionState): Cap[] {
  const caps: Cap[] = [];
  for (const modifier of modifiers) {
    const conditions = conditionsOf(modifier);
    // Plain loops: this runs for every patient's monitored tests, and closures here showed in profiles.
    let holds = true;
    let noCrcl = false;
    for (const c of conditions) {
      if (!conditionHolds(c, facts, prescription)) { holds = false; break; }
      if (c.kind === 'crcl_unavailable') noCrcl = true;
    }
    if (!holds) continue;
    // A cap that holds because no CrCl could be had says what is missing (record a weight).
    const missing = noCrcl ? () => describeCrcl(facts.crcl()) : null;
    if (modifier.maxEvery) caps.push({ modifier, every: parseDuration(modifier.maxEvery), everyText: modifier.maxEvery, ...(missing ? { detail: missing } : {}) });
    else if (modifier.everyMonthsFromValue) {
      const { analyte, divisor, minMonths } = modifier.everyMonthsFromValue;
      const latest = facts.latest(analyte);
      if (!latest) continue;
      // Months as the source states them (CrCl ÷ 10), then whole days, rounded down (the safer
      // end): CrCl 45 is 4.5 months, 136 days, not 4 months.
      const months = Math.max(minMonths, latest.value / divisor);
      const days = Math.floor(months * DAYS_PER_MONTH);
      const detail = () => {
        const source = analyte === 'crcl' ? describeCrcl(facts.crcl()) : `${analyte} ${round2(latest.value)} (${latest.takenOn})`;
        return `${round2(latest.value)} ÷ ${divisor} = ${round2(months)} months; ${source}${missing ? `; ${missing()}` : ''}`;
      };
      caps.push({ modifier, every: { unit: 'days', count: days }, everyText: `${days}d`, detail });
    }
  }
  return caps;
}

const round2 = (n: number) => String(Math.round(n * 100) / 100);

function conditionHolds(when: ModifierCondition, facts: PatientFacts, prescription: PrescriptionState): boolean {
  const { patient, asOf, age } = facts;
  switch (when.kind) {
    case 'age_at_least':
      return age !== null && age >= when.years;
    case 'age_below':
      return age !== null && age < when.years;
    case 'co_prescribed':
      return patient.prescriptions.some((other) => when.drugs.includes(other.drug) && isActiveOn(other, asOf)
        // The combination began when the later of the two was started.
        && (when.withinFirst === undefined || asOf < addDuration(laterDate(prescription.startDate, other.startDate), when.withinFirst)));
    case 'started_within': {
      const startedRecently = (p: PrescriptionState) => isActiveOn(p, asOf) && asOf < addDuration(p.startDate, when.within);
      return when.drugs === undefined ? startedRecently(prescription)
        : patient.prescriptions.some((other) => when.drugs!.includes(other.drug) && startedRecently(other));
    }
    case 'latest_value': {
      const latest = facts.latest(when.analyte);
      return latest !== undefined && compare(latest.value, when.op, resolveLimit(when.value, facts.attributes));
    }
    case 'falling': {
      const series = patient.recentValues[when.analyte] ?? [];
      if (series.length < when.tests) return false;
      for (let i = 0; i < when.tests - 1; i++) if (!(series[i]!.value < series[i + 1]!.value)) return false;
      return series[when.tests - 1]!.value - series[0]!.value > when.minDrop;
    }
    case 'crcl_unavailable':
      return facts.crcl().kind === 'unavailable';
    case 'patient_flag':
    case 'sex':
      return attributeConditionHolds(when, facts.attributes);
  }
}

const laterDate = (a: IsoDate, b: IsoDate): IsoDate => (a > b ? a : b);

export function compare(value: number, op: '<' | '<=' | '>' | '>=', limit: number): boolean {
  switch (op) {
    case '<': return value < limit;
    case '<=': return value <= limit;
    case '>': return value > limit;
    case '>=': return value >= limit;
  }
}
