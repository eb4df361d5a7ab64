/**
 * What a patient reference may be: one definition for the register import, the events import and
 * the chat grammar, so that every reference that can be imported can also be typed in chat (chat
 * splits a command on spaces, so a reference with a space or a quote could be stored but never
 * looked up).
 */

export const PATIENT_REF_MAX_LENGTH = 100;

/** Starts with a letter or digit: a leading = + - @ would read as a formula in a spreadsheet. */
const PATIENT_REF_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_./-]*$/;

/** For messages and docs. */
export const PATIENT_REF_RULE =
  `letters, digits and _ . / - only, starting with a letter or digit, at most ${PATIENT_REF_MAX_LENGTH} characters (e.g. DEMO-001)`;

export function isPatientRef(value: string): boolean {
  return value.length <= PATIENT_REF_MAX_LENGTH && PATIENT_REF_PATTERN.test(value);
}

/** Why `value` is not a patient reference, in words that say what to do; null when it is one. */
export function patientRefProblem(value: string): string | null {
  if (value === '') return 'is blank';
  if (value.length > PATIENT_REF_MAX_LENGTH) return `is ${value.length} characters long; a patient reference is at most ${PATIENT_REF_MAX_LENGTH}`;
  if (!PATIENT_REF_PATTERN.test(value)) return `is not a patient reference: use ${PATIENT_REF_RULE}`;
  return null;
}
