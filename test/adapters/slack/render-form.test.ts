import { describe, expect, it } from 'vitest';
import { INPUT_ACTION_ID, MODAL_CALLBACK_ID, decodeButtonValue, encodeModalMetadata, formErrors, readModalSubmission, renderModal } from '../../../adapters/slack/render-form.js';
import type { FormField, FormView } from '../../../src/index.js';
import { blockKitProblems, unescapedAngles } from './block-kit-check.js';

// The assertions read rendered JSON by path; walking Slack's element unions by type would bury the intent.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

const outcomes = [
  { value: 'test_booked', label: 'test booked', hint: 'A blood test is booked for a named date' },
  { value: 'result_reviewed', label: 'result reviewed' },
  { value: 'not_required', label: 'not required', hint: 'x'.repeat(120) },
];
const adjustments = (n: number) => Array.from({ length: n }, (_, i) => ({ value: `adj_${i}`, label: `adjustment ${i}` }));

const fields: FormField[] = [
  { kind: 'choice', name: 'outcome', label: 'Outcome', required: true, options: outcomes },
  { kind: 'date', name: 'date', label: 'Date', required: false, hint: 'The booked date. Needed for: test booked.' },
  { kind: 'number', name: 'attempts', label: 'Contact attempts', required: false, min: 0, max: 100 },
  { kind: 'multiChoice', name: 'adjustments', label: 'Reasonable adjustments offered', required: false, options: adjustments(4) },
  { kind: 'multiChoice', name: 'many', label: 'Many', required: false, options: adjustments(30) },
  { kind: 'text', name: 'note', label: 'Note', required: false, multiline: true, maxLength: 1000, placeholder: 'What was done' },
  { kind: 'person', name: 'person', label: 'To a person', required: false, options: [{ value: 'a@nhs.net', label: 'Ann' }, { value: 'b@nhs.net', label: 'Bob' }] },
];

const form: FormView = {
  title: 'Close A-1042 · Overdue monitoring',
  intro: 'A-1042 · Overdue monitoring · PAT-7 <@U999> & co',
  fields,
  submit: { label: 'Close this action now please', command: 'close', fields: { actionId: 1042 } },
};

const metadata = encodeModalMetadata(form, { channel: 'C123', ts: '1700000000.000100' });
const modal = renderModal(form, metadata);
const block = (name: string) => modal.blocks.find((b) => (b as Json).block_id === name) as Json;

describe('renderModal', () => {
  it('is a closedloop modal with short title and buttons', () => {
    expect(modal.type).toBe('modal');
    expect(modal.callback_id).toBe(MODAL_CALLBACK_ID);
    expect(modal.title.text.length).toBeLessThanOrEqual(24);
    expect(modal.title.text).toBe('Close A-1042 · Overdue …');
    expect(modal.submit!.text.length).toBeLessThanOrEqual(24);
    expect(modal.close!.text).toBe('Cancel');
    expect(modal.private_metadata).toBe(metadata);
    expect(blockKitProblems(modal.blocks, 100)).toEqual([]);
  });

  it('opens with the intro, escaped', () => {
    expect(modal.blocks[0]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: 'A-1042 · Overdue monitoring · PAT-7 &lt;@U999&gt; &amp; co', verbatim: true } });
    expect(unescapedAngles(modal.blocks)).toEqual([]);
  });

  it('makes each field an input block named after it, with the element its kind calls for', () => {
    const inputs = modal.blocks.slice(1) as Json[];
    expect(inputs.map((b) => [b.type, b.block_id, b.element.type, b.element.action_id, b.optional])).toEqual([
      ['input', 'outcome', 'static_select', INPUT_ACTION_ID, false],
      ['input', 'date', 'datepicker', INPUT_ACTION_ID, true],
      ['input', 'attempts', 'number_input', INPUT_ACTION_ID, true],
      ['input', 'adjustments', 'checkboxes', INPUT_ACTION_ID, true],
      ['input', 'many', 'multi_static_select', INPUT_ACTION_ID, true],
      ['input', 'note', 'plain_text_input', INPUT_ACTION_ID, true],
      ['input', 'person', 'static_select', INPUT_ACTION_ID, true],
    ]);
  });

  it('shows option hints as descriptions within 75 characters', () => {
    const options = block('outcome').element.options as Json[];
    expect(options[0]).toEqual({
      text: { type: 'plain_text', text: 'test booked', emoji: true },
      value: 'test_booked',
      description: { type: 'plain_text', text: 'A blood test is booked for a named date', emoji: true },
    });
    expect(options[1]!.description).toBeUndefined();
    expect(options[2]!.description.text.length).toBeLessThanOrEqual(75);
  });

  it('carries each kind\'s settings: hint, number range, text length and placeholder', () => {
    expect(block('date').hint).toEqual({ type: 'plain_text', text: 'The booked date. Needed for: test booked.', emoji: true });
    expect(block('attempts').element).toEqual({ type: 'number_input', action_id: 'value', is_decimal_allowed: false, min_value: '0', max_value: '100' });
    expect(block('note').element).toEqual({ type: 'plain_text_input', action_id: 'value', multiline: true, max_length: 1000, placeholder: { type: 'plain_text', text: 'What was done', emoji: true } });
  });

  it('cuts a select to 100 options and a text input to 3000 characters', () => {
    const big = renderModal({ ...form, fields: [
      { kind: 'person', name: 'person', label: 'Person', required: true, options: adjustments(150) },
      { kind: 'text', name: 'note', label: 'Note', required: true, multiline: false, maxLength: 10_000 },
    ] }, '{}');
    expect((big.blocks[1] as Json).element.options).toHaveLength(100);
    expect((big.blocks[2] as Json).element.max_length).toBe(3000);
  });

  it('keeps the previous values as initial values', () => {
    const again = renderModal({ ...form, values: { outcome: 'result_reviewed', date: '2026-03-04', attempts: 2, adjustments: ['adj_1', 'adj_3'], note: 'Rang twice', person: 'b@nhs.net' } }, metadata);
    const find = (name: string) => (again.blocks.find((b) => (b as Json).block_id === name) as Json).element;
    expect(find('outcome').initial_option).toEqual({ text: { type: 'plain_text', text: 'result reviewed', emoji: true }, value: 'result_reviewed' });
    expect(find('date').initial_date).toBe('2026-03-04');
    expect(find('attempts').initial_value).toBe('2');
    expect(find('adjustments').initial_options.map((o: Json) => o.value)).toEqual(['adj_1', 'adj_3']);
    expect(find('note').initial_value).toBe('Rang twice');
    expect(find('person').initial_option.value).toBe('b@nhs.net');
    expect(find('many').initial_options).toBeUndefined();
  });

  it('ignores a previous value that is not one of the options or not a date', () => {
    const again = renderModal({ ...form, values: { outcome: 'made_up', date: 'next week' } }, metadata);
    const find = (name: string) => (again.blocks.find((b) => (b as Json).block_id === name) as Json).element;
    expect(find('outcome').initial_option).toBeUndefined();
    expect(find('date').initial_date).toBeUndefined();
  });

  it('shows a refusal at the top and each field\'s problem in its hint', () => {
    const refused = renderModal({ ...form, formError: 'A-1042 was closed by <@U1> meanwhile', errors: { date: 'Give the booked date', note: 'Say what was done' } }, metadata);
    expect(refused.blocks[0]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: '❌ A-1042 was closed by &lt;@U1&gt; meanwhile', verbatim: true } });
    const find = (name: string) => refused.blocks.find((b) => (b as Json).block_id === name) as Json;
    expect(find('date').hint.text).toBe('❌ Give the booked date The booked date. Needed for: test booked.');
    expect(find('note').hint.text).toBe('❌ Say what was done');
  });

  it('refuses private_metadata longer than Slack keeps', () => {
    expect(() => renderModal(form, 'x'.repeat(3001))).toThrow(/private_metadata/);
    expect(() => encodeModalMetadata(form, { big: 'x'.repeat(3000) })).toThrow(/private_metadata/);
  });
});

describe('formErrors', () => {
  it('maps the refused fields to their block ids, leaving out names the modal does not have', () => {
    expect(formErrors({ ...form, errors: { date: 'Give the booked date', ghost: 'nowhere' } })).toEqual({ date: 'Give the booked date' });
    expect(formErrors(form)).toEqual({});
  });
});

/** The view of a view_submission payload, as in bolt-python's view_submission.modal_input fixture. */
function submitted(values: Record<string, Record<string, unknown>>, privateMetadata = metadata) {
  return { private_metadata: privateMetadata, state: { values } };
}

describe('readModalSubmission', () => {
  it('reads every kind of input by block id, merged under the fixed fields, with the context', () => {
    const result = readModalSubmission(submitted({
      outcome: { value: { type: 'static_select', selected_option: { text: { type: 'plain_text', text: 'test booked' }, value: 'test_booked' } } },
      date: { value: { type: 'datepicker', selected_date: '2026-03-04' } },
      attempts: { value: { type: 'number_input', value: '3' } },
      adjustments: { value: { type: 'checkboxes', selected_options: [{ value: 'adj_0' }, { value: 'adj_2' }] } },
      many: { value: { type: 'multi_static_select', selected_options: [{ value: 'adj_20' }] } },
      note: { value: { type: 'plain_text_input', value: 'Booked for Tuesday' } },
      person: { value: { type: 'static_select', selected_option: { value: 'a@nhs.net' } } },
    }));
    expect(result).toEqual({
      command: 'close',
      fields: { actionId: 1042, outcome: 'test_booked', date: '2026-03-04', attempts: 3, adjustments: ['adj_0', 'adj_2'], many: ['adj_20'], note: 'Booked for Tuesday', person: 'a@nhs.net' },
      context: { channel: 'C123', ts: '1700000000.000100' },
    });
  });

  it('leaves out inputs the person left empty', () => {
    const result = readModalSubmission(submitted({
      outcome: { value: { type: 'static_select', selected_option: null } },
      date: { value: { type: 'datepicker', selected_date: null } },
      attempts: { value: { type: 'number_input', value: null } },
      adjustments: { value: { type: 'checkboxes', selected_options: [] } },
      note: { value: { type: 'plain_text_input', value: '   ' } },
    }));
    expect(result.fields).toEqual({ actionId: 1042 });
  });

  it('lets the form\'s fixed fields win over submitted state', () => {
    const result = readModalSubmission(submitted({ actionId: { value: { type: 'plain_text_input', value: '999' } } }));
    expect(result.fields).toEqual({ actionId: 1042 });
  });

  it('passes a number that is not whole through as typed, for the core to refuse', () => {
    expect(readModalSubmission(submitted({ attempts: { value: { type: 'number_input', value: '2.5' } } })).fields.attempts).toBe('2.5');
  });

  it('reads back what renderModal drew (same block ids and action ids)', () => {
    const values = Object.fromEntries(modal.blocks.filter((b) => b.type === 'input').map((b) => [(b as Json).block_id, { [(b as Json).element.action_id]: { type: (b as Json).element.type } }]));
    expect(readModalSubmission(submitted(values))).toEqual({ command: 'close', fields: { actionId: 1042 }, context: { channel: 'C123', ts: '1700000000.000100' } });
  });

  it('ignores inputs that are not closedloop fields', () => {
    expect(readModalSubmission(submitted({ hspI: { maBWU: { type: 'plain_text_input', value: 'test' } } })).fields).toEqual({ actionId: 1042 });
  });

  it('refuses malformed or foreign metadata with a clear error', () => {
    expect(() => readModalSubmission(submitted({}, 'This is for you!'))).toThrow(/not JSON/);
    expect(() => readModalSubmission(submitted({}, '{"f":{}}'))).toThrow(/not a closedloop form/);
    expect(() => readModalSubmission(submitted({}, '{"c":"close","f":{"actionId":{"nested":1}}}'))).toThrow(/not a closedloop form/);
    expect(() => readModalSubmission(submitted({}, '{"c":"close","f":{},"extra":1}'))).toThrow(/not a closedloop form/);
    expect(() => readModalSubmission(submitted({}, '[]'))).toThrow(/not a closedloop form/);
  });

  it('refuses an input type closedloop never draws', () => {
    expect(() => readModalSubmission(submitted({ when: { value: { type: 'timepicker', selected_time: '10:00' } } }))).toThrow(/timepicker/);
  });
});

describe('decodeButtonValue', () => {
  it('decodes what a button carries', () => {
    expect(decodeButtonValue('{"c":"close","f":{"actionId":7,"tags":["a"]},"o":1,"r":1}')).toEqual({ command: 'close', fields: { actionId: 7, tags: ['a'] }, openForm: true, refreshesSource: true });
  });

  it('returns null for anything it did not make', () => {
    for (const value of ['', 'claim A-1', '{}', 'null', '[]', '{"c":"","f":{}}', '{"c":"x","f":{},"z":1}', '{"c":"x","f":{},"o":true}', '{"c":"x","f":{"a":{"b":1}}}', '{"action":"approve"}']) {
      expect(decodeButtonValue(value)).toBeNull();
    }
  });
});
