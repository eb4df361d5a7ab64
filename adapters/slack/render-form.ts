/**
 * A FormView as a Slack modal, and a modal submission read back into the core's structured fields.
 *
 * Each field is an `input` block whose `block_id` is the field's name and whose element's
 * `action_id` is always "value", so a submission is read by name without a lookup table, and
 * `response_action: "errors"` (keyed by block_id) can point at the same fields the core names.
 *
 * What submitting runs travels in `private_metadata` as JSON `{c, f, x}`: `c` the command, `f` the
 * fields the form fixes (e.g. the action id), `x` whatever the Slack app needs to finish the job
 * (channel, source message), opaque here. Fixed fields win over anything in the submitted state,
 * so editing the modal cannot retarget it at another action.
 *
 * Choices: a `choice` or `person` field is a static_select; a `multiChoice` field is checkboxes
 * when it has at most 10 options (all visible at once, each with its hint underneath; Slack allows
 * 10) and a multi_static_select otherwise. Selects hold 100 options: a longer list is cut to its
 * first 100 (the core sorts people by name), since Slack would refuse the whole modal otherwise.
 */
import type { Checkboxes, Datepicker, InputBlockElement, ModalView, MultiStaticSelect, NumberInput, PlainTextInput, PlainTextOption, StaticSelect } from '@slack/web-api';
import { z } from 'zod';
import type { FormField, FormOption, FormView, SubmissionFields } from '../../src/index.js';
import { plain } from './buttons.js';
import { safeMrkdwn, truncate } from './escape.js';
import { SLACK_LIMITS } from './limits.js';
import { mrkdwn, type SlackBlock } from './render-message.js';

/** Decoding a button press belongs with reading a submission; it lives beside its encoder. */
export { decodeButtonValue } from './buttons.js';

/** The `callback_id` of every closedloop modal (for Bolt's `app.view`). */
export const MODAL_CALLBACK_ID = 'cl_form';
/** The `action_id` of every input element: the block_id carries the field name. */
export const INPUT_ACTION_ID = 'value';

/** The modal's `private_metadata`: what submitting runs, and the app's own context. */
export function encodeModalMetadata(form: FormView, context: unknown): string {
  const metadata = JSON.stringify({ c: form.submit.command, f: form.submit.fields, x: context });
  if (metadata.length > SLACK_LIMITS.privateMetadata) throw new Error(`Slack private_metadata for "${form.submit.command}" is ${metadata.length} characters (limit ${SLACK_LIMITS.privateMetadata})`);
  return metadata;
}

function option(o: FormOption): PlainTextOption {
  if (o.value.length > SLACK_LIMITS.optionValue) throw new Error(`Slack option value longer than ${SLACK_LIMITS.optionValue} characters: "${o.value.slice(0, 40)}…"`);
  return {
    text: plain(o.label || o.value, SLACK_LIMITS.optionText),
    value: o.value,
    ...(o.hint ? { description: plain(o.hint, SLACK_LIMITS.optionDescription) } : {}),
  };
}

/** The previous value as strings, for matching against options. */
function previous(form: FormView, name: string): string[] {
  const value = form.values?.[name];
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [String(value)];
}

function select(field: FormField & { options: FormOption[] }, prior: string[]): StaticSelect {
  const options = field.options.slice(0, SLACK_LIMITS.selectOptions).map(option);
  const initial = options.find((o) => o.value === prior[0]);
  return { type: 'static_select', action_id: INPUT_ACTION_ID, options, ...(initial ? { initial_option: initial } : {}) };
}

function multi(field: FormField & { options: FormOption[] }, prior: string[]): Checkboxes | MultiStaticSelect {
  const options = field.options.slice(0, SLACK_LIMITS.selectOptions).map(option);
  const initial = options.filter((o) => prior.includes(o.value!));
  const initialOptions = initial.length ? { initial_options: initial } : {};
  if (options.length <= SLACK_LIMITS.checkboxOptions) return { type: 'checkboxes', action_id: INPUT_ACTION_ID, options, ...initialOptions };
  return { type: 'multi_static_select', action_id: INPUT_ACTION_ID, options, ...initialOptions };
}

function element(field: FormField, prior: string[]): InputBlockElement {
  const [first] = prior;
  switch (field.kind) {
    case 'choice':
    case 'person':
      return select(field, prior);
    case 'multiChoice':
      return multi(field, prior);
    case 'text': {
      const input: PlainTextInput = {
        type: 'plain_text_input', action_id: INPUT_ACTION_ID, multiline: field.multiline,
        max_length: Math.min(field.maxLength, SLACK_LIMITS.textInputMaxLength),
      };
      if (field.placeholder) input.placeholder = plain(field.placeholder, SLACK_LIMITS.placeholder);
      if (first) input.initial_value = truncate(first, input.max_length!);
      return input;
    }
    case 'date': {
      // Slack's datepicker has no minimum or maximum: the core checks the range on submission.
      const picker: Datepicker = { type: 'datepicker', action_id: INPUT_ACTION_ID };
      if (first && /^\d{4}-\d{2}-\d{2}$/.test(first)) picker.initial_date = first;
      return picker;
    }
    case 'number': {
      const input: NumberInput = {
        type: 'number_input', action_id: INPUT_ACTION_ID, is_decimal_allowed: false,
        min_value: String(field.min), max_value: String(field.max),
      };
      if (first && /^-?\d+$/.test(first)) input.initial_value = first;
      return input;
    }
  }
}

/** A refused field's problem leads its hint, so it shows even when the modal is redrawn whole. */
function hint(field: FormField, error: string | undefined): string | undefined {
  if (!error) return field.hint;
  return field.hint ? `❌ ${error} ${field.hint}` : `❌ ${error}`;
}

export function renderModal(form: FormView, privateMetadata: string): ModalView {
  if (privateMetadata.length > SLACK_LIMITS.privateMetadata) throw new Error(`Slack private_metadata is ${privateMetadata.length} characters (limit ${SLACK_LIMITS.privateMetadata})`);
  const blocks: SlackBlock[] = [];
  const section = (text: string): SlackBlock => ({ type: 'section', text: mrkdwn(safeMrkdwn(text, SLACK_LIMITS.sectionText)) });
  if (form.formError) blocks.push(section(`❌ ${form.formError}`));
  if (form.intro) blocks.push(section(form.intro));
  for (const field of form.fields) {
    const text = hint(field, form.errors?.[field.name]);
    blocks.push({
      type: 'input',
      block_id: field.name,
      label: plain(field.label || field.name, SLACK_LIMITS.inputLabel),
      optional: !field.required,
      element: element(field, previous(form, field.name)),
      ...(text ? { hint: plain(text, SLACK_LIMITS.inputHint) } : {}),
    });
  }
  if (blocks.length > SLACK_LIMITS.viewBlocks) throw new Error(`Slack modal "${form.title}" needs ${blocks.length} blocks (limit ${SLACK_LIMITS.viewBlocks})`);
  return {
    type: 'modal',
    callback_id: MODAL_CALLBACK_ID,
    title: plain(form.title, SLACK_LIMITS.modalTitle),
    submit: plain(form.submit.label, SLACK_LIMITS.modalButton),
    close: plain('Cancel', SLACK_LIMITS.modalButton),
    private_metadata: privateMetadata,
    blocks,
  };
}

/**
 * The refused fields for `response_action: "errors"`, keyed by block_id (the field name). Slack
 * shows each under its input and keeps what the person typed. Only fields on the form: Slack
 * refuses the whole response if a key names no block.
 */
export function formErrors(form: FormView): Record<string, string> {
  const names = new Set(form.fields.map((f) => f.name));
  return Object.fromEntries(Object.entries(form.errors ?? {}).filter(([name]) => names.has(name)));
}

const fieldValue = z.union([z.string(), z.number().finite(), z.array(z.string())]);

const metadataSchema = z.strictObject({
  c: z.string().min(1).max(40),
  f: z.record(z.string().max(40), fieldValue),
  x: z.unknown(),
});

/** One input's state as Slack sends it in `view.state.values[block_id][action_id]`. */
const inputStateSchema = z.looseObject({
  type: z.string(),
  value: z.string().nullish(),
  selected_option: z.looseObject({ value: z.string() }).nullish(),
  selected_options: z.array(z.looseObject({ value: z.string() })).nullish(),
  selected_date: z.string().nullish(),
});

const stateSchema = z.record(z.string(), z.record(z.string(), z.unknown()));

export interface ModalSubmission {
  command: string;
  fields: SubmissionFields;
  /** The `x` the Slack app put in the metadata, untouched. */
  context: unknown;
}

/** An input's value as a submission field, or undefined when the person left it empty. */
function inputValue(blockId: string, raw: unknown): SubmissionFields[string] | undefined {
  const parsed = inputStateSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`Slack modal input "${blockId}" has an unreadable state`);
  const state = parsed.data;
  switch (state.type) {
    case 'static_select':
      return state.selected_option?.value || undefined;
    case 'multi_static_select':
    case 'checkboxes': {
      const values = (state.selected_options ?? []).map((o) => o.value);
      return values.length ? values : undefined;
    }
    case 'plain_text_input':
      return state.value?.trim() ? state.value : undefined;
    case 'datepicker':
      return state.selected_date || undefined;
    case 'number_input': {
      const text = state.value?.trim();
      if (!text) return undefined;
      // A whole number as a number; anything else as typed, for the core to refuse by name.
      return /^-?\d+$/.test(text) ? Number(text) : text;
    }
    default:
      throw new Error(`Slack modal input "${blockId}" is a ${state.type}, which closedloop forms never contain`);
  }
}

/**
 * A `view_submission`'s view as the core's submission: the inputs by field name (empty ones left
 * out, so an optional field is simply absent) merged under the fields the form fixed.
 */
export function readModalSubmission(view: { private_metadata: string; state: { values: Record<string, Record<string, unknown>> } }): ModalSubmission {
  let raw: unknown;
  try {
    raw = JSON.parse(view.private_metadata);
  } catch {
    throw new Error('Slack modal private_metadata is not JSON: not a closedloop form');
  }
  const metadata = metadataSchema.safeParse(raw);
  if (!metadata.success) throw new Error(`Slack modal private_metadata is not a closedloop form: ${z.prettifyError(metadata.error)}`);
  const state = stateSchema.safeParse(view.state?.values);
  if (!state.success) throw new Error('Slack modal state.values is malformed');

  const entered: SubmissionFields = {};
  for (const [blockId, actions] of Object.entries(state.data).sort(([a], [b]) => a.localeCompare(b))) {
    if (!(INPUT_ACTION_ID in actions)) continue;
    const value = inputValue(blockId, actions[INPUT_ACTION_ID]);
    if (value !== undefined) entered[blockId] = value;
  }
  return { command: metadata.data.c, fields: { ...entered, ...metadata.data.f }, context: metadata.data.x };
}
