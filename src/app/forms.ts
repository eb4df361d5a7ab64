/**
 * Opening the form behind a Close…, Hand off… or Escalate… button, and showing it again with its
 * errors when a submission is refused. Opening a form changes nothing; the submission runs the
 * command like any other request.
 */
import { actionRef, parseActionRef } from '../domain/actions/kinds.js';
import type { ActionRecord } from '../domain/actions/records.js';
import { fail, type Failure } from '../domain/outcome.js';
import { errorView } from '../views/common-views.js';
import { closableOutcomes, closeForm, escalateForm, handoffForm, withErrors } from '../views/forms.js';
import type { FormView, SubmissionFields } from '../views/model.js';
import { refused, type CommandContext } from './context.js';
import type { CoreResponse, Submission } from './request.js';

const FORM_COMMANDS = ['close', 'handoff', 'escalate'] as const;
type FormCommand = (typeof FORM_COMMANDS)[number];

const isFormCommand = (command: string): command is FormCommand => (FORM_COMMANDS as readonly string[]).includes(command);

/** The action a form is for: 1042 from a button, or "A-1042" as typed. */
function actionIdOf(fields: SubmissionFields): number | null {
  const raw = fields.actionId;
  if (typeof raw === 'number') return Number.isSafeInteger(raw) && raw > 0 ? raw : null;
  return typeof raw === 'string' ? parseActionRef(raw) : null;
}

async function buildForm(ctx: CommandContext, command: FormCommand, action: ActionRecord): Promise<FormView | Failure> {
  const ref = actionRef(action.id);
  if (action.status === 'closed' || action.status === 'cancelled') return fail('ACTION.FINISHED', `${ref} is already ${action.status}. Type "list" to see what is open.`);
  switch (command) {
    case 'close':
      if (closableOutcomes(action, ctx.member.roles).length === 0) {
        return fail('AUTH.FORBIDDEN', `Every outcome for ${ref} is a clinical decision your roles cannot make. Hand it to a clinician: handoff ${ref} pharmacist REASON`);
      }
      return closeForm(action, ctx.member.roles, ctx.now);
    case 'handoff': return handoffForm(action, await ctx.deps.stores.staff.teamMembers(action.teamId), ctx.member.email, ctx.now);
    case 'escalate': return escalateForm(action, ctx.now);
  }
}

async function formFor(ctx: CommandContext, command: string, fields: SubmissionFields): Promise<FormView | Failure> {
  if (!isFormCommand(command)) return fail('FORM.UNKNOWN', `"${command}" has no form. Type "help ${command}" to see how to use it.`);
  const id = actionIdOf(fields);
  const action = id === null ? null : await ctx.deps.stores.actions.load(id);
  // Another team's action is "not found", as everywhere: its existence is not for this person.
  if (!action || !ctx.member.teamIds.includes(action.teamId)) {
    return fail('ACTION.NOT_FOUND', `There is no action ${id === null ? '' : actionRef(id)} in your teams. Type "list" to see your team's actions.`.replace('  ', ' '));
  }
  return buildForm(ctx, command, action);
}

/** The form a button asks for, or why it cannot be offered. */
export async function openForm(ctx: CommandContext, submission: Submission): Promise<CoreResponse> {
  const form = await formFor(ctx, submission.command.toLowerCase(), submission.fields);
  if ('ok' in form) return { ok: false, code: form.code, effects: [{ type: 'reply', view: refused(form).view }] };
  return { ok: true, effects: [{ type: 'openForm', form }] };
}

/**
 * The same form again, with what was submitted and the problems beside the fields; null when
 * the submission did not come from a form (then the refusal is an ordinary reply).
 */
export async function formAgain(ctx: CommandContext, submission: Submission, errors: Record<string, string>): Promise<CoreResponse | null> {
  const command = submission.command.toLowerCase();
  if (!isFormCommand(command) || actionIdOf(submission.fields) === null) return null;
  const form = await formFor(ctx, command, submission.fields);
  if ('ok' in form) return { ok: false, code: form.code, effects: [{ type: 'reply', view: errorView(form.code, form.message) }] };
  return { ok: false, code: 'FORM.INVALID', effects: [{ type: 'openForm', form: withErrors(form, submission.fields, errors) }] };
}
