/**
 * Per-patient clinical attributes that change which cited rule applies: recorded sex (QTc limits,
 * Cockcroft–Gault) and flags from register.csv's `flags` column, `;`-separated:
 *
 * - `ben`: benign ethnic neutropenia (Duffy-null / ACKR1), agreed with a haematologist: the
 *   clozapine BEN ranges apply instead of the standard ones;
 * - `inr_target=3.5`: an INR target other than the usual 2.5; warfarin's range is target ± 0.5;
 * - `pregnancy_possible`: could become pregnant: valproate's Pregnancy Prevention Programme
 *   annual review applies.
 *
 * Each flag changes only the rules that name it (rules/schema.ts, `patient_flag` and
 * `fromInrTarget`). Parsing is pure and strict: an unknown flag is an error, never ignored, since a
 * misspelt `ben` silently rating a BEN patient against the standard ranges would stop clozapine.
 */
export type Sex = 'female' | 'male';

export interface ClinicalFlags {
  ben?: true;
  inrTarget?: number;
  pregnancyPossible?: true;
}

export const FLAG_NAMES = ['ben', 'inr_target', 'pregnancy_possible'] as const;
export type FlagName = (typeof FLAG_NAMES)[number];

/** The usual INR target (BSH): warfarin's range is 2.0–3.0 unless the patient's target differs. */
export const DEFAULT_INR_TARGET = 2.5;
/** INR targets accepted from a register: BSH uses 2.5 and 3.5; older bands went to 3.0 and 4.0. */
export const INR_TARGET_RANGE = { min: 2.0, max: 4.0 } as const;

export type ParsedFlags = { ok: true; flags: ClinicalFlags } | { ok: false; message: string };

/** Parses a `flags` cell ("ben; inr_target=3.5"). Blank means no flags. */
export function parseClinicalFlags(text: string): ParsedFlags {
  const flags: ClinicalFlags = {};
  const seen = new Set<string>();
  for (const raw of text.split(';')) {
    const item = raw.trim();
    if (item === '') continue;
    const [nameRaw, ...rest] = item.split('=');
    const name = nameRaw!.trim().toLowerCase();
    const value = rest.length > 0 ? rest.join('=').trim() : null;
    if (seen.has(name)) return { ok: false, message: `names ${name} twice` };
    seen.add(name);
    switch (name) {
      case 'ben':
      case 'pregnancy_possible':
        if (value !== null) return { ok: false, message: `${name} takes no value (write "${name}", not "${item}")` };
        if (name === 'ben') flags.ben = true;
        else flags.pregnancyPossible = true;
        break;
      case 'inr_target': {
        const target = value !== null && /^\d(\.\d)?$/.test(value) ? Number(value) : NaN;
        if (!(target >= INR_TARGET_RANGE.min && target <= INR_TARGET_RANGE.max)) {
          return { ok: false, message: `inr_target needs a target from ${INR_TARGET_RANGE.min.toFixed(1)} to ${INR_TARGET_RANGE.max.toFixed(1)} with at most one decimal, for example inr_target=3.5 (got "${item}")` };
        }
        if (target !== DEFAULT_INR_TARGET) flags.inrTarget = target;
        break;
      }
      default:
        return { ok: false, message: `has an unknown flag "${item}"; the flags are ${FLAG_NAMES.join(', ')} (inr_target=3.5), separated by ";"` };
    }
  }
  return { ok: true, flags };
}

/** The flags as a register cell, in a fixed order ("" for none): parse(format(f)) equals f. */
export function formatClinicalFlags(flags: ClinicalFlags | null | undefined): string {
  if (!flags) return '';
  const parts: string[] = [];
  if (flags.ben) parts.push('ben');
  if (flags.inrTarget !== undefined) parts.push(`inr_target=${flags.inrTarget.toFixed(1)}`);
  if (flags.pregnancyPossible) parts.push('pregnancy_possible');
  return parts.join(';');
}

const SEX_SPELLINGS: Record<string, Sex> = { f: 'female', female: 'female', m: 'male', male: 'male' };

export type ParsedSex = { ok: true; sex: Sex | null } | { ok: false; message: string };

/**
 * Parses a `sex` cell: F/female or M/male, any case; blank (or "unknown", "U") is not recorded,
 * and the rules then take the safer end (Cockcroft–Gault's lower, female estimate; QTc's lower limit).
 */
export function parseSex(text: string): ParsedSex {
  const key = text.trim().toLowerCase();
  if (key === '' || key === 'u' || key === 'unknown') return { ok: true, sex: null };
  const sex = SEX_SPELLINGS[key];
  return sex ? { ok: true, sex } : { ok: false, message: `must be F, M or blank (female, male or not recorded); got "${text.trim()}"` };
}

/** The patient's INR target: recorded, or the usual 2.5. */
export function inrTargetOf(flags: ClinicalFlags | null | undefined): number {
  return flags?.inrTarget ?? DEFAULT_INR_TARGET;
}

/** What a rating or a due date may need to know about the patient beyond the result itself. */
export interface PatientAttributes {
  sex: Sex | null;
  flags: ClinicalFlags;
}

export const NO_ATTRIBUTES: PatientAttributes = Object.freeze({ sex: null, flags: Object.freeze({}) });

/** The flags in words for a patient card ("" for none): why a different range or review applies. */
export function describeClinicalFlags(flags: ClinicalFlags | null | undefined): string {
  if (!flags) return '';
  const parts: string[] = [];
  if (flags.ben) parts.push('benign ethnic neutropenia (clozapine BEN ranges)');
  if (flags.inrTarget !== undefined) parts.push(`INR target ${flags.inrTarget.toFixed(1)} (range ${(flags.inrTarget - 0.5).toFixed(1)}–${(flags.inrTarget + 0.5).toFixed(1)})`);
  if (flags.pregnancyPossible) parts.push('could become pregnant (valproate Pregnancy Prevention Programme)');
  return parts.join('; ');
}
