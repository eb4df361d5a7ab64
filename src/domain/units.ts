/**
 * Unit handling for results. Thresholds are written in UK SI units; results arriving in other
 * units (US labs report creatinine in mg/dL and HbA1c in %) are converted before comparison, and a
 * unit that does not fit the analyte is refused rather than guessed. A value must also be a
 * finite number inside the analyte's physically plausible range (RANGES, below): anything else
 * is a typing or export error, and rating it (1e308 neutrophils as "green") would mislead.
 * Every route that records a result (import, chat, later feeds) goes through readResultValue.
 */
import type { TestKey } from './test-keys.js';

type Conversion = { factor: number; offset?: number };

interface UnitSpec {
  canonical: string;
  /**
   * Other spellings laboratories use, as they are written (docs/import-formats.md lists the same
   * ones), each with its conversion into the canonical unit. Matching goes through unitKey, so
   * case, spaces, either micro sign, × or x and ^, * or superscript powers do not matter.
   */
  accepts: readonly (readonly [string, Conversion])[];
  /** True when a result without a unit is unambiguous (a ratio). */
  unitless?: boolean;
  /** Decimal places kept after conversion (HbA1c is reported in whole mmol/mol). */
  decimals?: number;
}

const SAME: Conversion = { factor: 1 };
const same = (...spellings: string[]): [string, Conversion][] => spellings.map((u) => [u, SAME]);
// Cell counts: 10^3/µL (K/µL, US analysers) is the same number as 10^9/L.
const CELLS = same('10*9/L', '10⁹/L', 'x10^9/L', '×10^9/L', 'x10⁹/L', '×10⁹/L', 'giga/L', '10^3/µL', '10*3/uL', '10³/µL', 'K/µL', 'K/uL');

// Conversion factors: creatinine 88.42 µmol per mg/dL; cholesterol 38.67 and triglycerides 88.57 mg/dL per mmol/L;
// calcium 4.008 mg/dL per mmol/L; HbA1c IFCC = (NGSP% − 2.15) × 10.929 (IFCC–NGSP master equation);
// prolactin 21.2 mIU/L per ng/mL (WHO 84/500 standard).
const SPECS = {
  wbc: { canonical: '10^9/L', accepts: CELLS },
  neutrophils: { canonical: '10^9/L', accepts: CELLS },
  eosinophils: { canonical: '10^9/L', accepts: CELLS },
  platelets: { canonical: '10^9/L', accepts: CELLS },
  hb: { canonical: 'g/L', accepts: [['g/dL', { factor: 10 }]] },
  mcv: { canonical: 'fL', accepts: [] },
  alt: { canonical: 'U/L', accepts: same('IU/L') },
  ast: { canonical: 'U/L', accepts: same('IU/L') },
  albumin: { canonical: 'g/L', accepts: [['g/dL', { factor: 10 }]] },
  creatinine: { canonical: 'µmol/L', accepts: [...same('umol/L', 'μmol/L'), ['mg/dL', { factor: 88.42 }]] },
  egfr: { canonical: 'mL/min/1.73m2', accepts: same('mL/min/1.73m²', 'mL/min/{1.73_m2}', 'mL/min/1.73_m2', 'mL/min') },
  crcl: { canonical: 'mL/min', accepts: [] },
  sodium: { canonical: 'mmol/L', accepts: same('mEq/L') },
  potassium: { canonical: 'mmol/L', accepts: same('mEq/L') },
  urea: { canonical: 'mmol/L', accepts: [] },
  tsh: { canonical: 'mU/L', accepts: same('mIU/L', 'µIU/mL', 'uIU/mL') },
  ft4: { canonical: 'pmol/L', accepts: [] },
  cholesterol: { canonical: 'mmol/L', accepts: [['mg/dL', { factor: 1 / 38.67 }]] },
  hdl: { canonical: 'mmol/L', accepts: [['mg/dL', { factor: 1 / 38.67 }]] },
  triglycerides: { canonical: 'mmol/L', accepts: [['mg/dL', { factor: 1 / 88.57 }]] },
  lithium_level: { canonical: 'mmol/L', accepts: same('mEq/L') },
  inr: { canonical: 'ratio', accepts: same('INR', '{INR}', '{ratio}'), unitless: true },
  hba1c: { canonical: 'mmol/mol', accepts: [['%', { factor: 10.929, offset: -2.15 * 10.929 }]], decimals: 0 },
  weight: { canonical: 'kg', accepts: [] },
  bmi: { canonical: 'kg/m2', accepts: same('kg/m²') },
  bp_systolic: { canonical: 'mmHg', accepts: same('mm[Hg]') },
  bp_diastolic: { canonical: 'mmHg', accepts: same('mm[Hg]') },
  qtc: { canonical: 'ms', accepts: same('msec') },
  calcium: { canonical: 'mmol/L', accepts: [['mg/dL', { factor: 1 / 4.008 }]] },
  prolactin: { canonical: 'mIU/L', accepts: [...same('mU/L'), ['ng/mL', { factor: 21.2 }], ['µg/L', { factor: 21.2 }], ['ug/L', { factor: 21.2 }]] },
  clozapine_level: { canonical: 'mg/L', accepts: [['µg/L', { factor: 0.001 }], ['ug/L', { factor: 0.001 }], ['ng/mL', { factor: 0.001 }]] },
} satisfies Partial<Record<TestKey, UnitSpec>>;

/**
 * The form a unit is matched in. NFKC turns superscript digits into plain ones (10⁹ → 109, m² →
 * m2) and the micro sign U+00B5 into Greek mu U+03BC; both mus become u, × becomes x, and the power
 * signs ^ and * are dropped, so 10^9/L, 10*9/L, ×10⁹/L and x10^9/L all read 109/l. Two spellings of
 * one test that read the same must convert the same way (checked when the table is built).
 */
export function unitKey(raw: string): string {
  return raw.normalize('NFKC').toLowerCase().replace(/\s+/g, '').replace(/[\u00b5\u03bc]/g, 'u').replace(/\u00d7/g, 'x')
    .replace(/[\^*]/g, '').replace(/^x(?=\d)/, '');
}

/** Each test's accepted spellings by unitKey, built once. */
const LOOKUP = new Map<TestKey, Map<string, Conversion>>(Object.entries(SPECS).map(([test, spec]) => {
  const byKey = new Map<string, Conversion>([[unitKey(spec.canonical), SAME]]);
  for (const [spelling, conversion] of spec.accepts as UnitSpec['accepts']) {
    const seen = byKey.get(unitKey(spelling));
    // A table mistake, not input: fail at start-up rather than convert one spelling two ways.
    if (seen && (seen.factor !== conversion.factor || seen.offset !== conversion.offset)) throw new Error(`units.ts: ${test} "${spelling}" reads like another spelling with a different conversion`);
    if (!seen) byKey.set(unitKey(spelling), conversion);
  }
  return [test as TestKey, byKey];
}));

/** The spellings a test accepts, canonical first, as written in docs/import-formats.md. */
export function acceptedUnits(test: TestKey): string[] {
  const spec = specOf(test);
  return spec ? [spec.canonical, ...spec.accepts.map(([spelling]) => spelling)] : [];
}

/** A test that carries a numeric value. */
export type ValueTest = keyof typeof SPECS;

/** The smallest and largest value that can be real, in the canonical unit, and why. */
export interface PlausibleRange {
  min: number;
  max: number;
  why: string;
}

/**
 * Physically plausible ranges, in the canonical unit. These are not reference ranges and rate
 * nothing: they only refuse values no patient can have, so each is deliberately wider than the
 * most extreme results reported in survivors. All are local defaults (no national source sets
 * such limits); a clinical safety officer should review them with the rule set.
 */
const RANGES: Record<ValueTest, PlausibleRange> = {
  wbc: { min: 0, max: 1000, why: 'local default: leukaemic hyperleucocytosis can exceed 500 ×10⁹/L' },
  neutrophils: { min: 0, max: 500, why: 'local default: 0 is real (agranulocytosis); counts above a few hundred are leukaemic extremes' },
  eosinophils: { min: 0, max: 200, why: 'local default: 0 is common; hypereosinophilic syndromes and eosinophilic leukaemia can exceed 100 ×10⁹/L' },
  platelets: { min: 0, max: 5000, why: 'local default: essential thrombocythaemia can exceed 2000 ×10⁹/L' },
  hb: { min: 10, max: 300, why: 'local default: wider than the extremes reported in survivors (about 15 and 250 g/L)' },
  mcv: { min: 40, max: 200, why: 'local default: severe microcytosis and megaloblastosis stay within about 50–150 fL' },
  alt: { min: 0, max: 50000, why: 'local default: acute liver failure can exceed 10,000 U/L' },
  ast: { min: 0, max: 50000, why: 'local default: acute liver failure and rhabdomyolysis can exceed 10,000 U/L' },
  albumin: { min: 1, max: 100, why: 'local default: wider than any reported serum albumin (about 5–60 g/L)' },
  creatinine: { min: 5, max: 5000, why: 'local default: untreated end-stage renal failure stays below about 3000 µmol/L' },
  egfr: { min: 0, max: 250, why: 'local default: estimated GFR above 200 mL/min/1.73m² is not physiological' },
  crcl: { min: 0, max: 400, why: 'local default: Cockcroft–Gault estimates above 300 mL/min are implausible' },
  sodium: { min: 80, max: 220, why: 'local default: survivors have been reported at about 100 and 200 mmol/L' },
  potassium: { min: 0.5, max: 15, why: 'local default: wider than the extremes reported in survivors (about 1 and 12 mmol/L)' },
  urea: { min: 0, max: 150, why: 'local default: severe uraemia stays below about 100 mmol/L' },
  tsh: { min: 0, max: 1000, why: 'local default: profound hypothyroidism can exceed 500 mU/L' },
  ft4: { min: 0, max: 300, why: 'local default: thyroid storm stays below about 150 pmol/L' },
  cholesterol: { min: 0, max: 50, why: 'local default: homozygous familial hypercholesterolaemia stays below about 30 mmol/L' },
  hdl: { min: 0, max: 10, why: 'local default: HDL cholesterol above 5 mmol/L is exceptional' },
  triglycerides: { min: 0, max: 200, why: 'local default: chylomicronaemia can exceed 100 mmol/L' },
  lithium_level: { min: 0, max: 20, why: 'local default: fatal overdoses are reported at about 4–10 mmol/L; 0 is an undetectable level' },
  inr: { min: 0.5, max: 30, why: 'local default: analysers report INR up to about 20; below 0.5 is not measurable' },
  hba1c: { min: 5, max: 250, why: 'local default: about 2.6% to 25% NGSP, wider than any reported HbA1c' },
  weight: { min: 0.5, max: 650, why: 'local default: the heaviest recorded person weighed about 635 kg' },
  bmi: { min: 5, max: 250, why: 'local default: wider than the extremes of recorded weight and height' },
  bp_systolic: { min: 20, max: 350, why: 'local default: wider than systolic pressures recorded in living patients' },
  bp_diastolic: { min: 5, max: 250, why: 'local default: wider than diastolic pressures recorded in living patients' },
  qtc: { min: 200, max: 1000, why: 'local default: corrected QT intervals fall within about 300–800 ms' },
  calcium: { min: 0.5, max: 7, why: 'local default: wider than the extremes reported in survivors (about 1 and 5 mmol/L adjusted)' },
  prolactin: { min: 0, max: 500000, why: 'local default: giant prolactinomas can exceed 100,000 mIU/L' },
  clozapine_level: { min: 0, max: 20, why: 'local default: fatal overdoses are reported at about 2–10 mg/L; 0 is undetectable' },
};

/**
 * Most decimal places a value may be written with (local default): laboratories report at most
 * three, so more is an export artefact (1e-300 would otherwise be kept, or stored as 0).
 */
export const MAX_DECIMALS = 4;

function specOf(test: TestKey): UnitSpec | undefined {
  return (SPECS as Partial<Record<TestKey, UnitSpec>>)[test];
}

/** The plausible range of a test that takes a value (in its canonical unit), else null. */
export function plausibleRange(test: TestKey): PlausibleRange | null {
  return (RANGES as Partial<Record<TestKey, PlausibleRange>>)[test] ?? null;
}

export function canonicalUnit(test: TestKey): string | null {
  return specOf(test)?.canonical ?? null;
}

/** True when the test can carry a numeric value (panels such as `fbc` and `lft` cannot). */
export function takesValue(test: TestKey): boolean {
  return specOf(test) !== undefined;
}

/** What is wrong: the test takes no value, the unit does not fit, the value is not a number as labs write them, or it cannot be real. */
export type ValueProblem = 'test' | 'unit' | 'value' | 'range';

export type Normalised = { ok: true; value: number; unit: string } | { ok: false; problem: ValueProblem; message: string };

const refuse = (problem: ValueProblem, message: string): Normalised => ({ ok: false, problem, message });

/** "0 to 500 10^9/L": the range in words, for a refusal. */
export function describeRange(test: TestKey): string {
  const range = plausibleRange(test);
  const unit = canonicalUnit(test) ?? '';
  return range ? `${range.min} to ${range.max}${unit === 'ratio' ? '' : ` ${unit}`}` : 'none (this test takes no value)';
}

/**
 * Converts a value into the analyte's canonical unit, or explains why it cannot. A value in the
 * canonical unit is kept exactly as given; a converted one is rounded to the unit's reporting
 * precision, which cannot overflow because the value is checked against its range first.
 */
export function normaliseValue(test: TestKey, value: number, unit: string | null | undefined, shownAs = String(value)): Normalised {
  const spec = specOf(test);
  if (!spec) return refuse('test', `${test} is a panel or review and takes no value; record its analytes (for example alt for lft) or use outcome "done"`);
  const range = plausibleRange(test)!;
  const raw = (unit ?? '').trim();
  let conversion: Conversion | undefined;
  if (raw === '') {
    if (!spec.unitless) return refuse('unit', `a unit is required for ${test} (for example ${spec.canonical})`);
    conversion = SAME;
  } else {
    conversion = LOOKUP.get(test)!.get(unitKey(raw));
    if (!conversion) return refuse('unit', `unit "${raw}" is not valid for ${test}; use ${acceptedUnits(test).slice(0, 6).join(', ')}`);
  }
  const converted = conversion === SAME ? value : value * conversion.factor + (conversion.offset ?? 0);
  // NaN and ±Infinity fail both comparisons' complement, so test finiteness explicitly.
  if (!Number.isFinite(converted) || converted < range.min || converted > range.max) {
    const shown = conversion === SAME ? '' : ` (${Number.isFinite(converted) ? String(converted) : 'too large to convert'} ${spec.canonical})`;
    return refuse('range', `${test} ${shownAs}${raw ? ` ${raw}` : ''}${shown} is outside the plausible range, ${describeRange(test)}; check the value and its unit as the laboratory reported them`);
  }
  if (conversion === SAME) return { ok: true, value: converted, unit: spec.canonical };
  const scale = 10 ** (spec.decimals ?? 3);
  return { ok: true, value: Math.round(converted * scale) / scale, unit: spec.canonical };
}

const NUMBER_TEXT = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** Decimal places a number written this way carries ("1.50" → 1, "1e-300" → 300), or null if it is not a number. */
function decimalPlaces(text: string): number | null {
  const match = NUMBER_TEXT.exec(text);
  if (!match || (match[2] === '' && (match[3] ?? '') === '')) return null;
  const fraction = (match[3] ?? '').replace(/0+$/, '').length;
  const exponent = Number(match[4] ?? 0);
  return Math.max(0, fraction - exponent);
}

/** True when the text is a plain decimal number (sign, digits, point, exponent): what a result value may look like. */
export function looksNumeric(text: string): boolean {
  return decimalPlaces(text.trim()) !== null;
}

/**
 * A result value as received (the text typed or imported, or a number from a feed) → the value
 * in the canonical unit, or why it cannot be recorded. The one place every route checks values.
 */
export function readResultValue(test: TestKey, received: string | number, unit: string | null | undefined): Normalised {
  const text = typeof received === 'number' ? String(received) : received.trim();
  if (!takesValue(test)) return normaliseValue(test, Number.NaN, unit);
  const shown = JSON.stringify(text.length > 40 ? `${text.slice(0, 37)}...` : text);
  const places = decimalPlaces(text);
  if (places === null) {
    if (typeof received === 'number' || /^[+-]?(infinity|inf)$/i.test(text)) {
      return refuse('range', `${shown} is not a finite number; the plausible range for ${test} is ${describeRange(test)}`);
    }
    const limit = /^[<>]/.test(text) ? ' (a value reported as "<" or ">" a limit must be entered as the number itself)' : '';
    return refuse('value', `${shown} is not a number${limit}; the plausible range for ${test} is ${describeRange(test)}`);
  }
  if (places > MAX_DECIMALS) {
    return refuse('value', `${shown} has more than ${MAX_DECIMALS} decimal places, more than any laboratory reports; give ${test} as reported, within ${describeRange(test)}`);
  }
  return normaliseValue(test, Number(text), unit, text.length > 40 ? `${text.slice(0, 37)}...` : text);
}
