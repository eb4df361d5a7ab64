/**
 * A patient's clinical attributes (recorded sex and flags: src/domain/clinical-attributes.ts) as
 * the data layer reads them from the patients row (`sex`, `clinical_flags`), and as every rating
 * call passes them on. One reading for the register state and the results list, so the two can
 * never disagree about a patient.
 */
import type { ClinicalFlags, PatientAttributes, Sex } from '../domain/clinical-attributes.js';
import type { PatientState } from '../domain/register.js';

/**
 * The stored flags as ClinicalFlags: only the known keys with their own types are kept. The column
 * is written by the register import alone, but a hand-edited row must not give a rule a flag in a
 * shape it does not expect.
 */
export function flagsFromColumn(value: unknown): ClinicalFlags {
  // Both drivers parse jsonb; a driver configured to return text still works.
  const raw = typeof value === 'string' ? JSON.parse(value) as unknown : value;
  if (raw === null || typeof raw !== 'object') return {};
  const stored = raw as Record<string, unknown>;
  const flags: ClinicalFlags = {};
  if (stored.ben === true) flags.ben = true;
  if (typeof stored.inrTarget === 'number' && Number.isFinite(stored.inrTarget)) flags.inrTarget = stored.inrTarget;
  if (stored.pregnancyPossible === true) flags.pregnancyPossible = true;
  return flags;
}

export function sexFromColumn(value: unknown): Sex | null {
  return value === 'female' || value === 'male' ? value : null;
}

/** Sex and flags from a row that selected `p.sex` and `p.clinical_flags`. */
export function patientAttributesOf(sex: unknown, flags: unknown): PatientAttributes {
  return { sex: sexFromColumn(sex), flags: flagsFromColumn(flags) };
}

/** What a rating needs from a loaded register state (absent sex or flags: none recorded). */
export function attributesOfState(state: Pick<PatientState, 'sex' | 'flags'>): PatientAttributes {
  return { sex: state.sex ?? null, flags: state.flags ?? {} };
}
