/**
 * Every command, as the grammar reads it, checked with zod before anything runs: ids are whole
 * numbers, dates are real dates, free text has a length a chat message can carry, and names and
 * codes use the characters they can contain. The grammar decides what the words mean; this
 * decides whether the values are acceptable, so every adapter gets the same limits.
 */
import { z } from 'zod';
import { isIsoDate } from '../domain/dates.js';
import { patientRefProblem } from '../domain/patient-ref.js';
import { MAX_TEXT } from '../domain/text-limits.js';
import { unsafeTextProblem, type AllowedWhitespace } from '../domain/text-safety.js';
import { LIST_FILTERS, REASONABLE_ADJUSTMENTS, ROLES } from '../domain/actions/kinds.js';

export { MAX_TEXT };

/**
 * Every message here is read by a person (after "The <field> "), so each check carries our own
 * words: the validator's defaults ("Too small: expected number to be >0") are not for people.
 */
const ACTION_ID = 'must be an action id such as A-1042';

/**
 * Control characters and bidirectional overrides are refused, never silently stripped: a clinical
 * note must be recorded exactly as written, and a character the person cannot see is almost never
 * meant, so they are asked to type it again. A form's free text may hold line breaks and tabs.
 */
function safe(allow: AllowedWhitespace) {
  return (value: string, ctx: z.RefinementCtx) => {
    const problem = unsafeTextProblem(value, allow);
    if (problem !== null) ctx.addIssue({ code: 'custom', message: `${problem}; type it again without it` });
  };
}

const actionId = z.number({ error: ACTION_ID }).int(ACTION_ID).min(1, ACTION_ID).max(Number.MAX_SAFE_INTEGER, ACTION_ID);
const text = z.string({ error: 'is missing' }).trim().min(1, 'is missing').max(MAX_TEXT, `must be at most ${MAX_TEXT} characters`)
  .superRefine(safe({ newline: true, tab: true }));
const isoDate = z.string({ error: 'must be a real date as YYYY-MM-DD' }).refine(isIsoDate, 'must be a real date as YYYY-MM-DD');
const patientRef = z.string({ error: 'is missing' }).superRefine((value, ctx) => {
  const problem = patientRefProblem(value);
  if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
});
const WORD = 'must be one word of letters, digits and _ . : / -';
const word = z.string({ error: WORD }).min(1, WORD).max(60, 'must be at most 60 characters').regex(/^[A-Za-z0-9_.:/-]+$/, WORD);
const EMAIL = 'must be an email address such as ana.example@nhs.net';
const ATTEMPTS = 'must be a whole number from 0 to 100, for example attempts=3';
const ADJUSTMENTS = `must be chosen from: ${REASONABLE_ADJUSTMENTS.join(', ')}`;
const UNIT = 'must be a unit of 1 to 30 characters, such as mmol/L';
const target = z.union([
  z.object({ role: z.enum(ROLES) }),
  z.object({ email: z.email(EMAIL) }),
  z.object({ mention: z.string().min(1).max(200).superRefine(safe({})) }),
], { error: `must be @someone, their email, or a role: ${ROLES.join(', ')}` });

export const commandSchema = z.discriminatedUnion('name', [
  z.object({ name: z.literal('help'), topic: word.optional() }),
  z.object({ name: z.literal('mine') }),
  z.object({ name: z.literal('home') }),
  z.object({ name: z.literal('list'), filter: z.enum(LIST_FILTERS as [string, ...string[]], `must be one of: ${LIST_FILTERS.join(', ')}`) }),
  z.object({ name: z.enum(['claim', 'release']), actionId }),
  z.object({
    name: z.literal('close'), actionId, outcome: word, date: isoDate.optional(), attempts: z.number({ error: ATTEMPTS }).int(ATTEMPTS).min(0, ATTEMPTS).max(100, ATTEMPTS).optional(),
    adjustments: z.array(z.enum(REASONABLE_ADJUSTMENTS, ADJUSTMENTS), { error: ADJUSTMENTS }).max(REASONABLE_ADJUSTMENTS.length, ADJUSTMENTS).optional(), note: text.optional(),
  }),
  z.object({ name: z.literal('handoff'), actionId, target, reason: text }),
  z.object({ name: z.literal('escalate'), actionId, reason: text }),
  z.object({ name: z.literal('note'), actionId, text }),
  z.object({ name: z.literal('patient'), patientRef }),
  z.object({ name: z.literal('result'), patientRef, test: word, value: z.string({ error: 'must be a number such as 0.7' }).trim().min(1, 'must be a number such as 0.7').max(40, 'must be a number of at most 40 characters'), unit: z.string().min(1, UNIT).max(30, UNIT).superRefine(safe({})).optional(), date: isoDate.optional() }),
  z.object({ name: z.literal('dna'), patientRef, test: word, reason: text.optional() }),
  z.object({ name: z.literal('discharge'), patientRef, date: isoDate.optional() }),
  z.object({ name: z.literal('audit'), target: z.union([z.object({ actionId }), z.object({ patientRef })], { error: 'must be an action id (A-1042) or a patient reference' }) }),
  z.object({
    name: z.literal('digest'), period: z.enum(['weekly', 'monthly'], 'must be weekly or monthly'),
    team: z.string().trim().min(1, 'is missing').max(200, 'must be at most 200 characters').superRefine(safe({})).optional(),
  }),
  z.object({ name: z.literal('link'), target, email: z.email(EMAIL) }),
  z.object({ name: z.literal('bind'), team: z.string().trim().min(1, 'is missing').max(200, 'must be at most 200 characters').superRefine(safe({})), purpose: z.enum(['mdt', 'managers']).default('mdt') }),
]);
