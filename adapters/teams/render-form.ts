/**
 * A FormView as an Adaptive Card of inputs (Teams has no modal for a bot's own forms short of a
 * dialog), and its submission read back (readCardSubmission, card-actions.ts).
 *
 * Each field is an input whose `id` is the field's name, so Teams sends its value back under that
 * name. The submit button is an Action.Execute with `verb` = the form's command and `data` =
 * { c: command, f: the form's fixed fields, s: 1, m: multi-select ids, n: number ids } and
 * `associatedInputs: 'auto'`; Cancel is verb `cancel` with `associatedInputs: 'none'` (so Teams
 * neither checks nor sends the inputs). Fixed fields win over inputs when read back, so editing
 * what the client sends cannot retarget the form at another action.
 *
 * Errors: a refused field's error is its input's `errorMessage` AND an attention-coloured line
 * under the input, because Teams shows `errorMessage` only when its own validation fails (a
 * required input left empty), never for a card the bot sends back. `formError` is an attention
 * line under the title. A required input with no error of its own gets "<label> is required."
 * as its `errorMessage`, for Teams' own check.
 *
 * Choices: `choice` is a drop-down, `person` a type-ahead (`style: filtered`), `multiChoice` a
 * multi-select (checkboxes up to 10 options, a drop-down beyond); an option's hint follows its
 * label. At most 100 options are offered (the core sorts people by name). A multi-select's value
 * travels comma-joined, so an option value may not contain a comma.
 */
import type { FormField, FormOption, FormView } from '../../src/index.js';
import { CANCEL_VERB, INPUT_ID_PATTERN, RESERVED_DATA_KEYS, actionTitle } from './card-actions.js';
import { CARD_SCHEMA, CARD_VERSION, cardBytes, type AdaptiveCard, type CardActionData, type CardElement, type CardInput, type InputChoiceSet, type TextBlock } from './card-types.js';
import { cardText, escapeMarkdown, orDash, truncate, truncateEscaped } from './escape.js';
import { TEAMS_LIMITS } from './limits.js';

export { readCardSubmission, type CardSubmission } from './card-actions.js';

/** Options shown as checkboxes (all visible at once) up to this many; a drop-down beyond. */
const EXPANDED_MULTI_OPTIONS = 10;

function line(raw: string, extra: Omit<Partial<TextBlock>, 'type' | 'text'>): TextBlock {
  return { type: 'TextBlock', text: cardText(raw, TEAMS_LIMITS.textBlock), wrap: true, ...extra };
}

/** The previous value as strings, for matching against options. */
function previous(form: FormView, name: string): string[] {
  const value = form.values?.[name];
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [String(value)];
}

function choices(field: FormField & { options: FormOption[] }): InputChoiceSet['choices'] {
  return field.options.slice(0, TEAMS_LIMITS.choiceOptions).map((o) => ({
    title: truncate(o.hint ? `${orDash(o.label || o.value)} — ${o.hint}` : orDash(o.label || o.value), TEAMS_LIMITS.choiceTitle),
    value: o.value,
  }));
}

/** What every input has: its id, label, and what Teams checks. */
type InputCore = Pick<CardInput, 'id' | 'label' | 'isRequired' | 'errorMessage'>;

function input(field: FormField, prior: string[], core: InputCore): CardInput {
  const [first] = prior;
  switch (field.kind) {
    case 'choice':
    case 'person': {
      const options = choices(field);
      const initial = options.find((o) => o.value === first);
      return {
        ...core, type: 'Input.ChoiceSet', choices: options, style: field.kind === 'person' ? 'filtered' : 'compact', wrap: true,
        ...(initial ? { value: initial.value } : {}),
      };
    }
    case 'multiChoice': {
      const options = choices(field);
      const bad = options.find((o) => o.value.includes(','));
      if (bad) throw new Error(`Teams form field "${field.name}" has an option value with a comma ("${bad.value.slice(0, 40)}"), which a multi-select cannot return`);
      const initial = options.filter((o) => prior.includes(o.value)).map((o) => o.value);
      return {
        ...core, type: 'Input.ChoiceSet', choices: options, isMultiSelect: true, wrap: true,
        style: options.length <= EXPANDED_MULTI_OPTIONS ? 'expanded' : 'compact',
        ...(initial.length ? { value: initial.join(',') } : {}),
      };
    }
    case 'text':
      return {
        ...core, type: 'Input.Text', isMultiline: field.multiline, maxLength: field.maxLength,
        ...(field.placeholder ? { placeholder: truncate(field.placeholder, TEAMS_LIMITS.placeholder) } : {}),
        ...(first ? { value: first.slice(0, field.maxLength) } : {}),
      };
    case 'date':
      return {
        ...core, type: 'Input.Date',
        ...(field.min ? { min: field.min } : {}),
        ...(field.max ? { max: field.max } : {}),
        ...(first && /^\d{4}-\d{2}-\d{2}$/.test(first) ? { value: first } : {}),
      };
    case 'number':
      return {
        ...core, type: 'Input.Number', min: field.min, max: field.max,
        ...(first && /^-?\d+$/.test(first.trim()) ? { value: Number(first) } : {}),
      };
  }
}

function fieldElements(form: FormView, field: FormField): CardElement[] {
  if (!INPUT_ID_PATTERN.test(field.name) || RESERVED_DATA_KEYS.includes(field.name)) {
    throw new Error(`Teams form field name "${field.name.slice(0, 40)}" cannot be an input id (letters, digits and _, not one of ${RESERVED_DATA_KEYS.join(' ')})`);
  }
  const label = truncate(orDash(field.label || field.name), TEAMS_LIMITS.inputLabel);
  const error = form.errors?.[field.name]?.trim();
  const errorMessage = error ?? (field.required ? `${label} is required.` : undefined);
  const core: InputCore = {
    id: field.name,
    label,
    isRequired: field.required,
    ...(errorMessage ? { errorMessage: truncate(errorMessage, TEAMS_LIMITS.errorMessage) } : {}),
  };
  const elements: CardElement[] = [input(field, previous(form, field.name), core)];
  if (error) elements.push(line(error, { color: 'attention', spacing: 'small' }));
  if (field.hint?.trim()) elements.push(line(field.hint, { isSubtle: true, size: 'small', spacing: error ? 'none' : 'small' }));
  return elements;
}

/** The form as a card of inputs, with its submit and Cancel buttons. */
export function renderFormCard(form: FormView): AdaptiveCard {
  const body: CardElement[] = [
    { type: 'TextBlock', text: cardText(form.title, TEAMS_LIMITS.titleText), wrap: true, weight: 'bolder', size: 'medium', style: 'heading' },
  ];
  if (form.formError?.trim()) body.push(line(form.formError, { color: 'attention', weight: 'bolder' }));
  if (form.intro?.trim()) body.push(line(form.intro, {}));
  for (const field of form.fields) body.push(...fieldElements(form, field));

  const ids = (kind: FormField['kind']) => form.fields.filter((f) => f.kind === kind).map((f) => f.name);
  const multi = ids('multiChoice');
  const numeric = ids('number');
  const data: CardActionData = {
    c: form.submit.command,
    f: form.submit.fields,
    s: 1,
    ...(multi.length ? { m: multi } : {}),
    ...(numeric.length ? { n: numeric } : {}),
  };
  const hasFixed = Object.keys(form.submit.fields).length > 0;
  const card: AdaptiveCard = {
    type: 'AdaptiveCard',
    $schema: CARD_SCHEMA,
    version: CARD_VERSION,
    fallbackText: truncateEscaped(escapeMarkdown(orDash(form.intro?.trim() ? `${form.title}: ${form.intro}` : form.title)), TEAMS_LIMITS.fallbackText),
    body,
    actions: [
      { type: 'Action.Execute', title: actionTitle(form.submit.label), verb: form.submit.command, data, associatedInputs: 'auto', style: 'positive' },
      { type: 'Action.Execute', title: 'Cancel', verb: CANCEL_VERB, data: { c: CANCEL_VERB, ...(hasFixed ? { f: form.submit.fields } : {}) }, associatedInputs: 'none' },
    ],
    msteams: { width: 'Full' },
  };
  const size = cardBytes(card);
  if (size > TEAMS_LIMITS.cardBytes) throw new Error(`Teams form "${form.title.slice(0, 40)}" is ${size} bytes (limit ${TEAMS_LIMITS.cardBytes})`);
  return card;
}
