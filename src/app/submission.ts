/**
 * A button press or form submission → a command, validated directly by the command schema (the
 * same one typed commands pass), never joined into a string and parsed again. A refused
 * submission says which field is wrong, so a form can show the problem beside the input.
 */
import { parseActionRef, REASONABLE_ADJUSTMENTS, ROLES } from '../domain/actions/kinds.js';
import { fail, ok, type Outcome } from '../domain/outcome.js';
import { patientRefProblem } from '../domain/patient-ref.js';
import { describeUnsafeChar, findUnsafeChar } from '../domain/text-safety.js';
import { COMMAND_NAMES } from '../views/command-help.js';
import type { SubmissionFields } from '../views/model.js';
import { commandSchema } from './command-schema.js';
import { suggestCommand, type Command } from './grammar.js';

export interface SubmissionFailure {
  ok: false;
  code: string;
  message: string;
  /** Field name → what is wrong with it. */
  errors: Record<string, string>;
}

const text = (value: SubmissionFields[string] | undefined): string | undefined => {
  if (value === undefined) return undefined;
  const s = Array.isArray(value) ? value.join(',') : String(value);
  return s.trim() === '' ? undefined : s.trim();
};

const list = (value: SubmissionFields[string] | undefined): string[] | undefined => {
  if (value === undefined) return undefined;
  const items = (Array.isArray(value) ? value : String(value).split(',')).map((v) => v.trim().toLowerCase().replace(/-/g, '_')).filter(Boolean);
  return items.length ? items : undefined;
};

/** An action id from a field: 1042, "1042" or "A-1042". Unreadable ids stay as they are, for the schema to refuse. */
function actionIdOf(value: SubmissionFields[string] | undefined): number | string | undefined {
  if (typeof value === 'number') return value;
  const s = text(value);
  if (s === undefined) return undefined;
  return parseActionRef(s) ?? s;
}

function numberOf(value: SubmissionFields[string] | undefined): number | string | undefined {
  const s = text(value);
  if (s === undefined) return undefined;
  return /^-?\d+(\.\d+)?$/.test(s) ? Number(s) : s;
}

/** Handoff and link name a person (email or mention) or a role; a form has one input for each. */
function targetOf(fields: SubmissionFields): Record<string, string> | undefined {
  const person = text(fields.person);
  const role = text(fields.role)?.toLowerCase();
  if (person) return person.includes('@') && !person.startsWith('@') ? { email: person.toLowerCase() } : { mention: person.replace(/^@/, '') };
  if (role) return { role };
  return undefined;
}

/** The command object the schema checks, from named fields. */
function rawCommand(command: string, f: SubmissionFields): Record<string, unknown> {
  const actionId = actionIdOf(f.actionId);
  switch (command) {
    case 'close':
      return { name: command, actionId, outcome: text(f.outcome)?.toLowerCase(), date: text(f.date), attempts: numberOf(f.attempts), adjustments: list(f.adjustments), note: text(f.note) };
    case 'handoff': return { name: command, actionId, target: targetOf(f), reason: text(f.reason) };
    case 'escalate': return { name: command, actionId, reason: text(f.reason) };
    case 'note': return { name: command, actionId, text: text(f.text) ?? text(f.note) };
    case 'audit': return { name: command, target: actionId !== undefined ? { actionId } : { patientRef: text(f.patientRef) } };
    case 'list': return { name: command, filter: text(f.filter)?.toLowerCase() ?? 'open' };
    case 'result': return { name: command, patientRef: text(f.patientRef), test: text(f.test)?.toLowerCase(), value: text(f.value), unit: text(f.unit), date: text(f.date) };
    case 'link': return { name: command, target: targetOf(f), email: text(f.email)?.toLowerCase() };
    default: {
      const fields: Record<string, unknown> = { name: command };
      for (const [key, value] of Object.entries(f)) fields[key] = key === 'actionId' ? actionId : text(value);
      return fields;
    }
  }
}

/** Our own words for a field the schema refused; the validator's wording is not for people. */
function fieldProblem(field: string, received: unknown): string {
  const unsafe = unsafeCharIn(received);
  if (unsafe !== null) return `Remove ${describeUnsafeChar(unsafe).replace(/^a /, 'the ')} and submit again.`;
  if (field === 'patientRef' && typeof received === 'string') {
    const problem = patientRefProblem(received);
    if (problem !== null) return `This ${problem.replace(/^is not a patient reference: use/, 'is not a patient reference. Use')}.`;
  }
  if (received === undefined) {
    const what: Record<string, string> = {
      outcome: 'Choose an outcome.', person: 'Choose a person or a role.', reason: 'Give a reason.', text: 'Write the note.',
      actionId: 'The action is missing: press the button on the action again.',
    };
    return what[field] ?? 'This is required.';
  }
  const wrong: Record<string, string> = {
    actionId: 'That is not an action id (they look like A-1042).',
    date: 'Use a real date (YYYY-MM-DD).',
    attempts: 'Give a whole number of attempts, 0 to 100.',
    adjustments: `Choose from: ${REASONABLE_ADJUSTMENTS.join(', ')}.`,
    note: 'Keep it to 1,000 characters.', reason: 'Keep it to 1,000 characters.', text: 'Keep it to 1,000 characters.',
    person: `Choose a person, or one of the roles: ${ROLES.join(', ')}.`,
    outcome: 'Choose one of the outcomes offered.',
  };
  return wrong[field] ?? 'This value is not accepted.';
}

/** A control or bidirectional character in a submitted value (or in a target's fields); line breaks and tabs are allowed. */
function unsafeCharIn(value: unknown): ReturnType<typeof findUnsafeChar> {
  if (typeof value === 'string') return findUnsafeChar(value, { newline: true, tab: true });
  if (Array.isArray(value) || (typeof value === 'object' && value !== null)) {
    for (const inner of Object.values(value)) {
      const found = unsafeCharIn(inner);
      if (found !== null) return found;
    }
  }
  return null;
}

export function commandFromSubmission(submission: { command: string; fields: SubmissionFields }): Outcome<Command, string> | SubmissionFailure {
  const name = submission.command.toLowerCase();
  if (!(COMMAND_NAMES as readonly string[]).includes(name)) {
    const suggestion = suggestCommand(name);
    return fail('COMMAND.UNKNOWN', `"${submission.command}" is not a command.${suggestion ? ` Did you mean "${suggestion}"?` : ''} Type "help" to see what you can type.`);
  }
  const raw = rawCommand(name, submission.fields);
  const checked = commandSchema.safeParse(raw);
  if (checked.success) return ok(checked.data as Command);
  const errors: Record<string, string> = {};
  for (const issue of checked.error.issues) {
    const top = String(issue.path[0] ?? 'form');
    const field = top === 'target' ? 'person' : top;
    errors[field] ??= fieldProblem(field, raw[top]);
  }
  const summary = Object.entries(errors).map(([field, problem]) => `${field}: ${problem}`).join(' ');
  return { ok: false, code: 'VALUE.INVALID', message: `Some details need correcting. ${summary}`, errors };
}
