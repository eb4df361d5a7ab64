/**
 * The conditions a single result or a due date can be judged with that depend only on who the
 * patient is (clinical-attributes.ts): a recorded flag, the recorded sex, and limits written
 * relative to the patient's INR target. Shared by the due engine's modifiers and by result rating,
 * so a BEN patient's clozapine FBC is both rated and scheduled by the BEN ranges.
 */
import { inrTargetOf, type PatientAttributes } from './clinical-attributes.js';
import type { Limit, ModifierCondition } from './rules/schema.js';

type AttributeCondition = Extract<ModifierCondition, { kind: 'patient_flag' | 'sex' }>;

export function attributeConditionHolds(c: AttributeCondition, patient: PatientAttributes): boolean {
  if (c.kind === 'sex') return c.in.includes(patient.sex ?? 'unknown');
  const recorded = c.flag === 'ben' ? patient.flags.ben === true
    : c.flag === 'pregnancy_possible' ? patient.flags.pregnancyPossible === true
      : patient.flags.inrTarget !== undefined;
  return recorded === c.present;
}

/** A limit as a number for this patient (a relative one from their INR target, or the usual 2.5). */
export function resolveLimit(limit: Limit, patient: PatientAttributes): number {
  return typeof limit === 'number' ? limit : inrTargetOf(patient.flags) + limit.fromInrTarget;
}

const signed = (n: number) => (n < 0 ? `− ${-n}` : `+ ${n}`);

/** How a limit reads in rules and reasons: "3", or "target + 0.5" (with the patient's figure when known). */
export function describeLimit(limit: Limit, patient?: PatientAttributes): string {
  if (typeof limit === 'number') return formatNumber(limit);
  const relative = `INR target ${signed(limit.fromInrTarget)}`;
  return patient ? `${formatNumber(resolveLimit(limit, patient))} (target ${formatNumber(inrTargetOf(patient.flags))} ${signed(limit.fromInrTarget)})` : relative;
}

export function formatNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Math.round(n * 100) / 100);
}

export function describeAttributeCondition(c: AttributeCondition): string {
  if (c.kind === 'sex') return `recorded sex ${c.in.map((s) => (s === 'unknown' ? 'not recorded' : s)).join(' or ')}`;
  const name = c.flag === 'ben' ? 'benign ethnic neutropenia (flag ben)'
    : c.flag === 'pregnancy_possible' ? 'could become pregnant (flag pregnancy_possible)' : 'an INR target recorded (flag inr_target)';
  return c.present ? name : `not ${name}`;
}
