/**
 * The vocabulary of monitoring tests.
 *
 * A *panel* is what a rule asks for ("FBC every 4 weeks"); an *analyte* is what a laboratory
 * reports ("neutrophils 1.8"). A result for any analyte of a panel counts as that panel done,
 * so an ALT result satisfies an LFT requirement.
 */

/**
 * Results kept per analyte in the register state (patient_state.recent_values, migration 0014):
 * enough for a fall across three tests. Here, with the vocabulary, so the rule schema can bound
 * `falling.tests` without importing the register types.
 */
export const RECENT_VALUES_DEPTH = 3;

export const PANELS = [
  'fbc', 'lft', 'renal', 'tft', 'lipids', 'lithium_level', 'inr', 'hba1c', 'weight', 'bp', 'ecg', 'calcium',
  'medication_review',
] as const;
export type Panel = (typeof PANELS)[number];

/** Analytes that are reported as numbers; those that also name a panel stand for themselves. */
export const ANALYTES = [
  'wbc', 'neutrophils', 'eosinophils', 'platelets', 'hb', 'mcv',
  'alt', 'ast', 'albumin',
  'creatinine', 'egfr', 'crcl', 'sodium', 'potassium', 'urea',
  'tsh', 'ft4',
  'cholesterol', 'hdl', 'triglycerides',
  'bmi', 'bp_systolic', 'bp_diastolic', 'qtc', 'prolactin', 'clozapine_level',
] as const;
export type Analyte = (typeof ANALYTES)[number];

/** Everything a rule, an event or a threshold may name. */
export type TestKey = Panel | Analyte;
export const TEST_KEYS: readonly TestKey[] = [...PANELS, ...ANALYTES];

const PANEL_OF_ANALYTE: Record<Analyte, Panel | null> = {
  wbc: 'fbc', neutrophils: 'fbc', eosinophils: 'fbc', platelets: 'fbc', hb: 'fbc', mcv: 'fbc',
  alt: 'lft', ast: 'lft', albumin: 'lft',
  creatinine: 'renal', egfr: 'renal', crcl: 'renal', sodium: 'renal', potassium: 'renal', urea: 'renal',
  tsh: 'tft', ft4: 'tft',
  cholesterol: 'lipids', hdl: 'lipids', triglycerides: 'lipids',
  bmi: 'weight', bp_systolic: 'bp', bp_diastolic: 'bp', qtc: 'ecg',
  // Prolactin and clozapine levels are requested on their own, so each is its own requirement key.
  prolactin: null, clozapine_level: null,
};

export function isTestKey(value: string): value is TestKey {
  return (TEST_KEYS as readonly string[]).includes(value);
}

/** The requirement key a recorded test satisfies: its panel, or itself when it stands alone. */
export function requirementKeyOf(test: TestKey): TestKey {
  if ((PANELS as readonly string[]).includes(test)) return test;
  return PANEL_OF_ANALYTE[test as Analyte] ?? test;
}

/** Keys that can be named as a monitoring requirement in a rule. */
export const REQUIREMENT_KEYS: readonly TestKey[] = TEST_KEYS.filter((k) => requirementKeyOf(k) === k);

/**
 * LOINC, SNOMED CT and Read v2 codes accepted in imports, from docs/clinical-rules-reference.md §3
 * (OpenSAFELY/PINCER code lists, NHS GP Connect and EDIFACT test data, HL7 value sets).
 * LOINC 3053-6 is deliberately absent: one public mapping labels it FT4 and another "T3, total".
 */
const CODES: Record<string, TestKey> = {
  // Lithium level (LOINC; PINCER lith_lev SNOMED)
  '14334-7': 'lithium_level', '1006681000000100': 'lithium_level', '269871000': 'lithium_level',
  '166956002': 'lithium_level', '166957006': 'lithium_level', '166958001': 'lithium_level', '442174001': 'lithium_level',
  // FBC and components
  '58410-2': 'fbc', '1022441000000101': 'fbc',
  '6690-2': 'wbc', '1022541000000102': 'wbc', '42H..': 'wbc',
  '751-8': 'neutrophils', '1022551000000104': 'neutrophils', '42J..': 'neutrophils',
  '777-3': 'platelets', '1022651000000100': 'platelets', '42P..': 'platelets',
  '787-2': 'mcv',
  // LFT
  '1031081000000108': 'lft',
  '1742-6': 'alt', '1018251000000107': 'alt', '1013211000000103': 'alt',
  '1920-8': 'ast', '1000881000000102': 'ast',
  '1751-7': 'albumin', '1000821000000103': 'albumin', '1105861000000106': 'albumin',
  // Renal
  '1000971000000107': 'renal',
  '14682-9': 'creatinine', '2160-0': 'creatinine', '1000731000000107': 'creatinine', '44J3.': 'creatinine',
  '62238-1': 'egfr', '33914-3': 'egfr', '1011481000000105': 'egfr', '1020291000000106': 'egfr',
  '442407001': 'crcl',
  '2951-2': 'sodium', '1000661000000107': 'sodium', '44I5.': 'sodium',
  '2823-3': 'potassium', '1000651000000109': 'potassium', '44I4.': 'potassium',
  // Thyroid
  '1016851000000107': 'tft',
  '3016-3': 'tsh', '1022791000000101': 'tsh', '442X.': 'tsh', '442W.': 'tsh',
  '3024-7': 'ft4', '1016971000000106': 'ft4', '442c.': 'ft4',
  // Calcium, HbA1c, lipids, INR, prolactin
  '17861-6': 'calcium', '29265-6': 'calcium',
  '4548-4': 'hba1c', '59261-8': 'hba1c', '999791000000106': 'hba1c', '1049321000000109': 'hba1c', '1049301000000100': 'hba1c',
  '2093-3': 'cholesterol', '14647-2': 'cholesterol',
  '2085-9': 'hdl', '14646-4': 'hdl',
  '2571-8': 'triglycerides', '14927-8': 'triglycerides',
  '6301-6': 'inr', '165581004': 'inr', '42QE.': 'inr', '42QE.00': 'inr',
  '2842-3': 'prolactin',
};

/**
 * Resolves what an import names as the test: a key (`alt`), a common label (`ALT`, `U&E`), or a
 * LOINC / SNOMED CT / Read code. Returns null when it is not recognised.
 */
export function resolveTestKey(raw: string): TestKey | null {
  const trimmed = raw.trim();
  if (trimmed in CODES) return CODES[trimmed]!;
  const key = trimmed.toLowerCase().replace(/[\s-]+/g, '_');
  if (isTestKey(key)) return key;
  return LABELS[key] ?? null;
}

const LABELS: Record<string, TestKey> = {
  full_blood_count: 'fbc', cbc: 'fbc', wcc: 'wbc', white_cell_count: 'wbc', anc: 'neutrophils', eos: 'eosinophils', eosinophil_count: 'eosinophils', plt: 'platelets',
  haemoglobin: 'hb', lfts: 'lft', liver_function_tests: 'lft', 'u&e': 'renal', 'u&es': 'renal', ue: 'renal',
  renal_function: 'renal', thyroid_function_tests: 'tft', tfts: 'tft', free_t4: 'ft4', lithium: 'lithium_level',
  serum_lithium: 'lithium_level', li: 'lithium_level', lipid_profile: 'lipids', total_cholesterol: 'cholesterol',
  blood_pressure: 'bp', systolic_bp: 'bp_systolic', diastolic_bp: 'bp_diastolic', qtc_interval: 'qtc',
  review: 'medication_review', med_review: 'medication_review', adjusted_calcium: 'calcium', clozapine: 'clozapine_level',
  creatinine_clearance: 'crcl', gfr: 'egfr',
};
