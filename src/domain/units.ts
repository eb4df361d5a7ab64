/**
 * Unit handling for results. Thresholds are written in UK SI units; results arriving in other
 * units (US labs report creatinine in mg/dL and HbA1c in %) are converted before comparison, and a
 * unit that does not fit the analyte is refused rather than guessed.
 */
import type { TestKey } from './test-keys.js';

type Conversion = { factor: number; offset?: number };

interface UnitSpec {
  canonical: string;
  /** Accepted spellings (lower-case, spaces removed) mapped to a conversion into the canonical unit. */
  accepts: Record<string, Conversion>;
  /** True when a result without a unit is unambiguous (a ratio). */
  unitless?: boolean;
  /** Decimal places kept after conversion (HbA1c is reported in whole mmol/mol). */
  decimals?: number;
}

const SAME: Conversion = { factor: 1 };
const CELLS = { '10*9/l': SAME, '10^9/l': SAME, 'x10^9/l': SAME, '×10⁹/l': SAME, 'x10*9/l': SAME, '10⁹/l': SAME, 'giga/l': SAME, '10*3/ul': SAME, '10^3/ul': SAME, 'k/ul': SAME };
const MMOL = { 'mmol/l': SAME };

// Conversion factors: creatinine 88.42 µmol per mg/dL; cholesterol 38.67 and triglycerides 88.57 mg/dL per mmol/L;
// calcium 4.008 mg/dL per mmol/L; HbA1c IFCC = (NGSP% − 2.15) × 10.929 (IFCC–NGSP master equation);
// prolactin 21.2 mIU/L per ng/mL (WHO 84/500 standard).
const SPECS: Partial<Record<TestKey, UnitSpec>> = {
  wbc: { canonical: '10^9/L', accepts: CELLS },
  neutrophils: { canonical: '10^9/L', accepts: CELLS },
  platelets: { canonical: '10^9/L', accepts: CELLS },
  hb: { canonical: 'g/L', accepts: { 'g/l': SAME, 'g/dl': { factor: 10 } } },
  mcv: { canonical: 'fL', accepts: { fl: SAME } },
  alt: { canonical: 'U/L', accepts: { 'u/l': SAME, 'iu/l': SAME } },
  ast: { canonical: 'U/L', accepts: { 'u/l': SAME, 'iu/l': SAME } },
  albumin: { canonical: 'g/L', accepts: { 'g/l': SAME, 'g/dl': { factor: 10 } } },
  creatinine: { canonical: 'µmol/L', accepts: { 'µmol/l': SAME, 'umol/l': SAME, 'μmol/l': SAME, 'mg/dl': { factor: 88.42 } } },
  egfr: { canonical: 'mL/min/1.73m2', accepts: { 'ml/min/1.73m2': SAME, 'ml/min/1.73m²': SAME, 'ml/min/{1.73_m2}': SAME, 'ml/min/1.73_m2': SAME, 'ml/min': SAME } },
  crcl: { canonical: 'mL/min', accepts: { 'ml/min': SAME } },
  sodium: { canonical: 'mmol/L', accepts: { ...MMOL, 'meq/l': SAME } },
  potassium: { canonical: 'mmol/L', accepts: { ...MMOL, 'meq/l': SAME } },
  urea: { canonical: 'mmol/L', accepts: MMOL },
  tsh: { canonical: 'mU/L', accepts: { 'mu/l': SAME, 'miu/l': SAME, 'uiu/ml': SAME, 'µiu/ml': SAME } },
  ft4: { canonical: 'pmol/L', accepts: { 'pmol/l': SAME } },
  cholesterol: { canonical: 'mmol/L', accepts: { ...MMOL, 'mg/dl': { factor: 1 / 38.67 } } },
  hdl: { canonical: 'mmol/L', accepts: { ...MMOL, 'mg/dl': { factor: 1 / 38.67 } } },
  triglycerides: { canonical: 'mmol/L', accepts: { ...MMOL, 'mg/dl': { factor: 1 / 88.57 } } },
  lithium_level: { canonical: 'mmol/L', accepts: { ...MMOL, 'meq/l': SAME } },
  inr: { canonical: 'ratio', accepts: { ratio: SAME, '{inr}': SAME, '{ratio}': SAME, inr: SAME }, unitless: true },
  hba1c: { canonical: 'mmol/mol', accepts: { 'mmol/mol': SAME, '%': { factor: 10.929, offset: -2.15 * 10.929 } }, decimals: 0 },
  weight: { canonical: 'kg', accepts: { kg: SAME } },
  bmi: { canonical: 'kg/m2', accepts: { 'kg/m2': SAME, 'kg/m²': SAME } },
  bp_systolic: { canonical: 'mmHg', accepts: { mmhg: SAME, 'mm[hg]': SAME } },
  bp_diastolic: { canonical: 'mmHg', accepts: { mmhg: SAME, 'mm[hg]': SAME } },
  qtc: { canonical: 'ms', accepts: { ms: SAME, msec: SAME } },
  calcium: { canonical: 'mmol/L', accepts: { ...MMOL, 'mg/dl': { factor: 1 / 4.008 } } },
  prolactin: { canonical: 'mIU/L', accepts: { 'miu/l': SAME, 'mu/l': SAME, 'ng/ml': { factor: 21.2 }, 'µg/l': { factor: 21.2 }, 'ug/l': { factor: 21.2 } } },
  clozapine_level: { canonical: 'mg/L', accepts: { 'mg/l': SAME, 'µg/l': { factor: 0.001 }, 'ug/l': { factor: 0.001 }, 'ng/ml': { factor: 0.001 } } },
};

export function canonicalUnit(test: TestKey): string | null {
  return SPECS[test]?.canonical ?? null;
}

/** True when the test can carry a numeric value (panels such as `fbc` and `lft` cannot). */
export function takesValue(test: TestKey): boolean {
  return SPECS[test] !== undefined;
}

export type Normalised = { ok: true; value: number; unit: string } | { ok: false; message: string };

/** Converts a value into the analyte's canonical unit, or explains why it cannot. */
export function normaliseValue(test: TestKey, value: number, unit: string | null | undefined): Normalised {
  const spec = SPECS[test];
  if (!spec) return { ok: false, message: `${test} is a panel or review and takes no value; record its analytes (for example alt for lft) or use outcome "done"` };
  const raw = (unit ?? '').trim();
  if (raw === '') {
    if (spec.unitless) return { ok: true, value, unit: spec.canonical };
    return { ok: false, message: `a unit is required for ${test} (for example ${spec.canonical})` };
  }
  const key = raw.toLowerCase().replace(/\s+/g, '');
  const canonicalKey = spec.canonical.toLowerCase().replace(/\s+/g, '');
  const conversion = key === canonicalKey ? SAME : spec.accepts[key];
  if (!conversion) {
    const accepted = [spec.canonical, ...Object.keys(spec.accepts).filter((k) => k !== canonicalKey)].slice(0, 6).join(', ');
    return { ok: false, message: `unit "${raw}" is not valid for ${test}; use ${accepted}` };
  }
  const converted = value * conversion.factor + (conversion.offset ?? 0);
  const scale = 10 ** (conversion === SAME ? 3 : (spec.decimals ?? 3));
  return { ok: true, value: Math.round(converted * scale) / scale, unit: spec.canonical };
}
