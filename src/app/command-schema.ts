/**
 * Every command, as the grammar reads it, checked with zod before anything runs: ids are whole
 * numbers, dates are real dates, free text has a length a chat message can carry, and names and
 * codes use the characters they can contain. The grammar decides what the words mean; this
 * decides whether the values are acceptable, so every adapter gets the same limits.
 */
import { z } from 'zod';
import { isIsoDate } from '../domain/dates.js';
import { MAX_TEXT } from '../domain/text-limits.js';
import { LIST_FILTERS, REASONABLE_ADJUSTMENTS, ROLES } from '../domain/actions/kinds.js';

export { MAX_TEXT };

const actionId = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const text = z.string().trim().min(1).max(MAX_TEXT, `must be at most ${MAX_TEXT} characters`);
const isoDate = z.string().refine(isIsoDate, 'must be a real date as YYYY-MM-DD');
const patientRef = z.string().min(1).max(100).regex(/^[A-Za-z0-9][A-Za-z0-9_./-]*$/, 'must be a patient reference such as DEMO-001');
const word = z.string().min(1).max(60).regex(/^[A-Za-z0-9_.:/-]+$/, 'must be one word of letters, digits and _ . : / -');
const target = z.union([
  z.object({ role: z.enum(ROLES) }),
  z.object({ email: z.email() }),
  z.object({ mention: z.string().min(1).max(200) }),
]);

export const commandSchema = z.discriminatedUnion('name', [
  z.object({ name: z.literal('help'), topic: word.optional() }),
  z.object({ name: z.literal('mine') }),
  z.object({ name: z.literal('home') }),
  z.object({ name: z.literal('list'), filter: z.enum(LIST_FILTERS as [string, ...string[]]) }),
  z.object({ name: z.enum(['claim', 'release']), actionId }),
  z.object({
    name: z.literal('close'), actionId, outcome: word, date: isoDate.optional(), attempts: z.number().int().min(0).max(100).optional(),
    adjustments: z.array(z.enum(REASONABLE_ADJUSTMENTS)).max(REASONABLE_ADJUSTMENTS.length).optional(), note: text.optional(),
  }),
  z.object({ name: z.literal('handoff'), actionId, target, reason: text }),
  z.object({ name: z.literal('escalate'), actionId, reason: text }),
  z.object({ name: z.literal('note'), actionId, text }),
  z.object({ name: z.literal('patient'), patientRef }),
  z.object({ name: z.literal('result'), patientRef, test: word, value: z.number().finite(), unit: z.string().min(1).max(30).optional(), date: isoDate.optional() }),
  z.object({ name: z.literal('dna'), patientRef, test: word, reason: text.optional() }),
  z.object({ name: z.literal('discharge'), patientRef, date: isoDate.optional() }),
  z.object({ name: z.literal('audit'), target: z.union([z.object({ actionId }), z.object({ patientRef })]) }),
  z.object({ name: z.literal('link'), target, email: z.email() }),
  z.object({ name: z.literal('bind'), team: z.string().trim().min(1).max(200), purpose: z.enum(['mdt', 'managers']).default('mdt') }),
]);
