/**
 * The forms behind the Close…, Hand off… and Escalate… buttons. Which outcomes, which people and
 * which roles a form offers come from the domain tables (outcomes per kind, clinical roles, who
 * may work a kind), so a form never offers what the core would then refuse.
 */
import { MAX_TEXT } from '../domain/text-limits.js';
import { OUTCOMES, REASONABLE_ADJUSTMENTS, actionRef, type Role } from '../domain/actions/kinds.js';
import { WORK_ROLES, mayDecideClinically, mayWork } from '../domain/actions/permissions.js';
import { escalationTarget } from '../domain/actions/transitions.js';
import { todayIn } from '../domain/dates.js';
import type { ActionRecord } from '../domain/actions/records.js';
import { KIND_LABEL, describeCause, patientLabel } from './action-views.js';
import type { FormField, FormView } from './model.js';

export interface TeamMember {
  email: string;
  name: string;
  roles: readonly Role[];
}

const words = (code: string) => code.replace(/_/g, ' ');
const needs = (outcomes: string[]) => `Needed for: ${outcomes.map(words).join(', ')}.`;

function intro(action: ActionRecord, now: Date): string {
  const about = describeCause(action.kind, action.cause, todayIn(action.timeZone, now));
  return `${actionRef(action.id)} · ${KIND_LABEL[action.kind]} · ${patientLabel(action.patientRef, action.displayLabel)}: ${about}`;
}

/** The outcomes this person may choose for this action, or none (then the form is not offered). */
export function closableOutcomes(action: ActionRecord, roles: readonly Role[]): string[] {
  return Object.entries(OUTCOMES[action.kind])
    .filter(([, spec]) => !spec.clinical || mayDecideClinically(roles, action.kind))
    .map(([name]) => name);
}

export function closeForm(action: ActionRecord, roles: readonly Role[], now: Date): FormView {
  const allowed = closableOutcomes(action, roles);
  const specs = allowed.map((name) => [name, OUTCOMES[action.kind][name]!] as const);
  const which = (test: (spec: (typeof specs)[number][1]) => boolean) => specs.filter(([, spec]) => test(spec)).map(([name]) => name);
  const fields: FormField[] = [{
    kind: 'choice', name: 'outcome', label: 'Outcome', required: true,
    options: specs.map(([name, spec]) => ({ value: name, label: words(name), hint: spec.summary })),
  }];
  const dated = which((spec) => Boolean(spec.date));
  if (dated.length) fields.push({ kind: 'date', name: 'date', label: 'Date', required: false, hint: `The booked date, or the date it is not required until. ${needs(dated)}` });
  const attempts = which((spec) => Boolean(spec.minAttempts));
  if (attempts.length) fields.push({ kind: 'number', name: 'attempts', label: 'Contact attempts', required: false, min: 0, max: 100, hint: needs(attempts) });
  const adjusted = which((spec) => Boolean(spec.adjustments));
  if (adjusted.length) {
    fields.push({
      kind: 'multiChoice', name: 'adjustments', label: 'Reasonable adjustments offered', required: false, hint: needs(adjusted),
      options: REASONABLE_ADJUSTMENTS.map((a) => ({ value: a, label: words(a) })),
    });
  }
  const noted = which((spec) => Boolean(spec.note));
  fields.push({
    kind: 'text', name: 'note', label: 'Note', required: false, multiline: true, maxLength: MAX_TEXT,
    hint: noted.length ? `What was done or decided. ${needs(noted)}` : 'What was done or decided.',
  });
  return { title: `Close ${actionRef(action.id)}`, intro: intro(action, now), fields, submit: { label: 'Close', command: 'close', fields: { actionId: action.id } } };
}

/** People in the action's team who may work it (not the person handing off), and the roles that may. */
export function handoffForm(action: ActionRecord, team: readonly TeamMember[], actorEmail: string, now: Date): FormView {
  const people = team.filter((m) => m.email !== actorEmail && mayWork(m.roles, action.kind))
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((m) => ({ value: m.email, label: m.name }));
  const fields: FormField[] = [];
  if (people.length) fields.push({ kind: 'person', name: 'person', label: 'To a person', required: false, options: people, hint: 'Choose a person or a role.' });
  fields.push({ kind: 'choice', name: 'role', label: 'Or to a role', required: false, options: WORK_ROLES[action.kind].map((r) => ({ value: r, label: words(r) })) });
  fields.push({ kind: 'text', name: 'reason', label: 'Reason', required: true, multiline: true, maxLength: MAX_TEXT, placeholder: 'Why it is being handed off' });
  return { title: `Hand off ${actionRef(action.id)}`, intro: intro(action, now), fields, submit: { label: 'Hand off', command: 'handoff', fields: { actionId: action.id } } };
}

export function escalateForm(action: ActionRecord, now: Date): FormView {
  const next = escalationTarget(action);
  const to = next ? ` It will go to the ${words(next)}.` : '';
  return {
    title: `Escalate ${actionRef(action.id)}`, intro: `${intro(action, now)}.${to}`,
    fields: [{ kind: 'text', name: 'reason', label: 'Reason', required: true, multiline: true, maxLength: MAX_TEXT, placeholder: 'What needs a decision, and why now' }],
    submit: { label: 'Escalate', command: 'escalate', fields: { actionId: action.id } },
  };
}

/** A form shown again after a refused submission: the person's input kept, the problems beside the fields. */
export function withErrors(form: FormView, values: FormView['values'], errors: Record<string, string>, formError?: string): FormView {
  const names = new Set(form.fields.map((f) => f.name));
  const onFields = Object.fromEntries(Object.entries(errors).filter(([name]) => names.has(name)));
  const elsewhere = Object.entries(errors).filter(([name]) => !names.has(name)).map(([, message]) => message);
  const general = [formError, ...elsewhere].filter(Boolean).join(' ');
  return { ...form, values, errors: onFields, ...(general ? { formError: general } : {}) };
}
