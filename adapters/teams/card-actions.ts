/**
 * Buttons as Universal Actions, and a press or form submission read back into the core's
 * structured submission. Like the Slack buttons, an action carries its whole submission in its
 * `data`, so a press needs no lookup and no server-side state; the core validates it again like
 * any request.
 *
 * Every Action.Execute these renderers draw has `verb` = the command (so the app can route on
 * the verb) and `data` = {
 *   c: the command (the same as the verb; what the submission is read from),
 *   f: the fields the button or form fixes, e.g. { actionId: 1042 },
 *   o: 1 when the button opens the command's form instead of running it (ViewButton.opensForm),
 *   r: 1 when the button stands on a view of one action, which it then refreshes (refreshesSource),
 *   s: 1 on a form's submit button: every other top-level key is one of the form's inputs,
 *   k: 1 on the Confirm button of a confirmation: the person has answered the question,
 *   m: a form's multi-select input ids, whose comma-joined values are split into lists,
 *   n: a form's number input ids, whose whole-number values are read as numbers,
 * }. Teams sends `data` back as `value.action.data` of the `adaptiveCard/action` invoke, with the
 * value of each associated input added at the top level under the input's id (so no form field
 * may be named like one of these keys). Two more verbs exist: `refresh` (a card's `refresh`
 * action, data { c: 'refresh', f?: { actionId } }) and `cancel` (a form's Cancel button, data
 * { c: 'cancel', f?: the form's fixed fields }).
 *
 * Confirmations: Adaptive Cards have no confirmation dialog, so a button with a `confirm` is an
 * Action.ShowCard that reveals, in place and without a round trip, the question and one Confirm
 * button (an Action.Execute with the button's own data plus `k: 1`). Pressing the button again
 * hides the question, which is how the person declines; the card stays as it was.
 */
import { z } from 'zod';
import type { SubmissionFields, ViewButton } from '../../src/index.js';
import type { ActionSet, CardAction, CardActionData, ExecuteAction, ShowCardAction } from './card-types.js';
import { cardText, orDash, truncate } from './escape.js';
import { TEAMS_LIMITS } from './limits.js';

/** The keys of `data` that are ours: never input ids. */
export const RESERVED_DATA_KEYS: readonly string[] = ['c', 'f', 'o', 'r', 's', 'k', 'm', 'n'];
/** What a form field's name (an input id) must look like. */
export const INPUT_ID_PATTERN = /^[A-Za-z][A-Za-z0-9_]{0,39}$/;

export const REFRESH_VERB = 'refresh';
export const CANCEL_VERB = 'cancel';

/** An action's title: plain text (titles are not Markdown), cut to fit a button. */
export function actionTitle(label: string): string {
  return truncate(orDash(label), TEAMS_LIMITS.actionTitle);
}

export function buttonData(button: Pick<ViewButton, 'command' | 'fields' | 'opensForm' | 'refreshesSource'>): CardActionData {
  return {
    c: button.command,
    f: button.fields,
    ...(button.opensForm ? { o: 1 as const } : {}),
    ...(button.refreshesSource ? { r: 1 as const } : {}),
  };
}

function buttonStyle(style: ViewButton['style']): Pick<ExecuteAction, 'style'> {
  if (style === 'primary') return { style: 'positive' };
  if (style === 'danger') return { style: 'destructive' };
  return {};
}

function confirmAction(button: ViewButton & { confirm: NonNullable<ViewButton['confirm']> }): ShowCardAction {
  const { confirm } = button;
  return {
    type: 'Action.ShowCard',
    title: actionTitle(button.label),
    ...buttonStyle(button.style),
    card: {
      type: 'AdaptiveCard',
      body: [
        { type: 'TextBlock', text: cardText(confirm.title, TEAMS_LIMITS.titleText), weight: 'bolder', wrap: true },
        { type: 'TextBlock', text: cardText(confirm.text, TEAMS_LIMITS.textBlock), wrap: true },
      ],
      actions: [{
        type: 'Action.Execute',
        title: actionTitle(confirm.confirm),
        verb: button.command,
        data: { ...buttonData(button), k: 1 },
        style: button.style === 'danger' ? 'destructive' : 'positive',
      }],
    },
  };
}

/** A ViewButton as an Action.Execute, or as the Action.ShowCard that asks its question first. */
export function renderButton(button: ViewButton): ExecuteAction | ShowCardAction {
  if (button.confirm) return confirmAction({ ...button, confirm: button.confirm });
  return { type: 'Action.Execute', title: actionTitle(button.label), verb: button.command, data: buttonData(button), ...buttonStyle(button.style) };
}

/** Actions as ActionSets of at most 6 (what Teams shows in one row). */
export function actionRows(actions: CardAction[]): ActionSet[] {
  const rows: ActionSet[] = [];
  for (let i = 0; i < actions.length; i += TEAMS_LIMITS.actionsPerRow) rows.push({ type: 'ActionSet', actions: actions.slice(i, i + TEAMS_LIMITS.actionsPerRow) });
  return rows;
}

/* ------------------------------------------------------------------------------------------------
 * Reading a press or submission back.
 * ---------------------------------------------------------------------------------------------- */

const flag = z.literal(1).optional();
const inputIds = z.array(z.string().min(1).max(40)).max(50).optional();

const dataSchema = z.looseObject({
  c: z.string().min(1).max(40),
  f: z.record(z.string().max(40), z.union([z.string(), z.number().finite(), z.array(z.string())])).optional(),
  o: flag,
  r: flag,
  s: flag,
  k: flag,
  m: inputIds,
  n: inputIds,
});

/** Teams sends every input value as a string; a number is accepted in case a client sends one. */
const inputValueSchema = z.union([z.string(), z.number().finite()]);

export interface CardSubmission {
  command: string;
  fields: SubmissionFields;
  openForm?: boolean;
  refreshesSource?: boolean;
  /** The press came from the Confirm button of a confirmation: never ask again. */
  confirmed?: boolean;
  /** A form's submit button: `fields` include what the person entered. */
  isForm: boolean;
}

/** An input's value as a submission field, or undefined when the person left it empty. */
function inputValue(value: string | number, multi: boolean, numeric: boolean): SubmissionFields[string] | undefined {
  if (typeof value === 'number') return multi ? [String(value)] : value;
  if (multi) {
    const values = value.split(',').map((v) => v.trim()).filter(Boolean);
    return values.length ? values : undefined;
  }
  if (!value.trim()) return undefined;
  // A whole number as a number; anything else as typed, for the core to refuse by name.
  if (numeric) return /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : value;
  return value;
}

/**
 * The submission an `adaptiveCard/action` invoke carries, from its `value.action.data`, or null
 * for data these renderers did not make (another app's card, an old format, a tampered payload).
 * On a form submission (`s: 1`) the inputs are read (empty ones left out, multi-selects split,
 * numbers read as numbers) and merged UNDER the fixed fields, so editing what the client sends
 * cannot point the submission at another action. On a button press other keys are ignored.
 */
export function readCardSubmission(data: unknown): CardSubmission | null {
  const parsed = dataSchema.safeParse(data);
  if (!parsed.success) return null;
  const { c, f, o, r, s, k, m, n } = parsed.data;
  const entered: [string, SubmissionFields[string]][] = [];
  if (s) {
    const multi = new Set(m ?? []);
    const numeric = new Set(n ?? []);
    for (const [id, raw] of Object.entries(parsed.data).sort(([a], [b]) => a.localeCompare(b))) {
      if (RESERVED_DATA_KEYS.includes(id) || !INPUT_ID_PATTERN.test(id)) continue;
      const value = inputValueSchema.safeParse(raw);
      if (!value.success) return null;
      const field = inputValue(value.data, multi.has(id), numeric.has(id));
      if (field !== undefined) entered.push([id, field]);
    }
  }
  return {
    command: c,
    fields: { ...Object.fromEntries(entered), ...(f ?? {}) },
    ...(o ? { openForm: true } : {}),
    ...(r ? { refreshesSource: true } : {}),
    ...(k ? { confirmed: true } : {}),
    isForm: s === 1,
  };
}
