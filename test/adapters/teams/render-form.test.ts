import { describe, expect, it } from 'vitest';
import { readCardSubmission, renderFormCard } from '../../../adapters/teams/render-form.js';
import type { FormField, FormView } from '../../../src/index.js';
import { cardProblems, markdownTexts, ofType } from './card-check.js';

// The assertions read rendered JSON by path; walking the card's element unions by type would bury the intent.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

const outcomes = [
  { value: 'test_booked', label: 'test booked', hint: 'A blood test is booked for a named date' },
  { value: 'result_reviewed', label: 'result reviewed' },
  { value: 'not_required', label: 'not required', hint: 'x'.repeat(200) },
];
const adjustments = (n: number) => Array.from({ length: n }, (_, i) => ({ value: `adj_${i}`, label: `adjustment ${i}` }));
const people = (n: number) => Array.from({ length: n }, (_, i) => ({ value: `p${i}@nhs.net`, label: `Person ${i}` }));

const fields: FormField[] = [
  { kind: 'choice', name: 'outcome', label: 'Outcome', required: true, options: outcomes },
  { kind: 'date', name: 'date', label: 'Date', required: false, min: '2026-01-01', max: '2026-12-31', hint: 'The booked date. Needed for: test booked.' },
  { kind: 'number', name: 'attempts', label: 'Contact attempts', required: false, min: 0, max: 100 },
  { kind: 'multiChoice', name: 'adjustments', label: 'Reasonable adjustments offered', required: false, options: adjustments(4) },
  { kind: 'multiChoice', name: 'many', label: 'Many', required: false, options: adjustments(30) },
  { kind: 'text', name: 'note', label: 'Note', required: false, multiline: true, maxLength: 1000, placeholder: 'What was done' },
  { kind: 'person', name: 'person', label: 'To a person', required: true, options: people(150) },
];

const form: FormView = {
  title: 'Close A-1042',
  intro: 'A-1042 · Overdue monitoring · PAT-7 **urgent** <at>Everyone</at>',
  fields,
  submit: { label: 'Close', command: 'close', fields: { actionId: 1042 } },
};

const card = renderFormCard(form);
const input = (id: string) => [...ofType(card, 'Input.ChoiceSet'), ...ofType(card, 'Input.Text'), ...ofType(card, 'Input.Date'), ...ofType(card, 'Input.Number')].find((i) => i.id === id) as Json;

/** What Teams sends as `value.action.data` when the submit button is pressed: its data plus the inputs by id. */
function submitted(c: typeof card, inputs: Record<string, string>): unknown {
  return { ...(c.actions?.[0] as Json).data, ...inputs };
}

describe('renderFormCard', () => {
  it('is a full-width card 1.5 that Teams would accept, opening with the title and the escaped intro', () => {
    expect(cardProblems(card)).toEqual([]);
    expect(card.body[0]).toEqual({ type: 'TextBlock', text: 'Close A-1042', wrap: true, weight: 'bolder', size: 'medium', style: 'heading' });
    expect((card.body[1] as Json).text).toBe('A-1042 · Overdue monitoring · PAT-7 \\*\\*urgent\\*\\* <\u2060at>Everyone<\u2060/at>');
    for (const text of markdownTexts(card)) expect(text).not.toMatch(/<\/?at>/i);
  });

  it('makes each field an input named after it, of the type its kind calls for', () => {
    const inputs = card.body.filter((e) => e.type.startsWith('Input.')) as Json[];
    expect(inputs.map((i) => [i.type, i.id, i.label, i.isRequired, i.style, i.isMultiSelect])).toEqual([
      ['Input.ChoiceSet', 'outcome', 'Outcome', true, 'compact', undefined],
      ['Input.Date', 'date', 'Date', false, undefined, undefined],
      ['Input.Number', 'attempts', 'Contact attempts', false, undefined, undefined],
      ['Input.ChoiceSet', 'adjustments', 'Reasonable adjustments offered', false, 'expanded', true],
      ['Input.ChoiceSet', 'many', 'Many', false, 'compact', true],
      ['Input.Text', 'note', 'Note', false, undefined, undefined],
      ['Input.ChoiceSet', 'person', 'To a person', true, 'filtered', undefined],
    ]);
  });

  it('carries each kind\'s settings: ranges, text length, placeholder, option hints, at most 100 options', () => {
    expect(input('date')).toMatchObject({ min: '2026-01-01', max: '2026-12-31' });
    expect(input('attempts')).toMatchObject({ min: 0, max: 100 });
    expect(input('note')).toMatchObject({ isMultiline: true, maxLength: 1000, placeholder: 'What was done' });
    expect(input('outcome').choices[0]).toEqual({ title: 'test booked — A blood test is booked for a named date', value: 'test_booked' });
    expect(input('outcome').choices[1]).toEqual({ title: 'result reviewed', value: 'result_reviewed' });
    expect(input('outcome').choices[2].title.length).toBeLessThanOrEqual(150);
    expect(input('person').choices).toHaveLength(100);
  });

  it('shows a field\'s hint under its input, subtle', () => {
    const i = card.body.findIndex((e) => (e as Json).id === 'date');
    expect(card.body[i + 1]).toEqual({ type: 'TextBlock', text: 'The booked date. Needed for: test booked.', wrap: true, isSubtle: true, size: 'small', spacing: 'small' });
  });

  it('gives required inputs an errorMessage for Teams\' own check', () => {
    expect(input('outcome').errorMessage).toBe('Outcome is required.');
    expect(input('note').errorMessage).toBeUndefined();
  });

  it('submits with the form\'s command as verb, its fixed fields, and which inputs are lists and numbers', () => {
    expect(card.actions).toEqual([
      {
        type: 'Action.Execute', title: 'Close', verb: 'close', style: 'positive', associatedInputs: 'auto',
        data: { c: 'close', f: { actionId: 1042 }, s: 1, m: ['adjustments', 'many'], n: ['attempts'] },
      },
      { type: 'Action.Execute', title: 'Cancel', verb: 'cancel', associatedInputs: 'none', data: { c: 'cancel', f: { actionId: 1042 } } },
    ]);
  });

  it('refuses a field name that would collide with the data keys, and a multi-select value with a comma', () => {
    const bad = (field: FormField) => () => renderFormCard({ ...form, fields: [field] });
    expect(bad({ kind: 'text', name: 'c', label: 'C', required: false, multiline: false, maxLength: 10 })).toThrow(/cannot be an input id/);
    expect(bad({ kind: 'text', name: 'a b', label: 'AB', required: false, multiline: false, maxLength: 10 })).toThrow(/cannot be an input id/);
    expect(bad({ kind: 'multiChoice', name: 'x', label: 'X', required: false, options: [{ value: 'a,b', label: 'AB' }] })).toThrow(/comma/);
  });
});

describe('renderFormCard: shown again with errors', () => {
  const again = renderFormCard({
    ...form,
    errors: { date: 'A booked test needs its date.', outcome: 'Choose an outcome.', nonsense: 'ignored' },
    formError: 'A-1042 was closed by someone else.',
    values: { outcome: 'test_booked', date: '2026-03-04', attempts: 2, adjustments: ['adj_1', 'adj_3', 'gone'], note: 'Called twice', person: 'p3@nhs.net' },
  });

  it('puts the form error in attention colour at the top', () => {
    expect(again.body[1]).toEqual({ type: 'TextBlock', text: 'A-1042 was closed by someone else.', wrap: true, color: 'attention', weight: 'bolder' });
  });

  it('sets each refused field\'s errorMessage and shows the error under its input, before its hint', () => {
    const i = again.body.findIndex((e) => (e as Json).id === 'date');
    expect((again.body[i] as Json).errorMessage).toBe('A booked test needs its date.');
    expect(again.body[i + 1]).toEqual({ type: 'TextBlock', text: 'A booked test needs its date.', wrap: true, color: 'attention', spacing: 'small' });
    expect((again.body[i + 2] as Json)).toMatchObject({ isSubtle: true, spacing: 'none' });
    const o = again.body.findIndex((e) => (e as Json).id === 'outcome');
    expect((again.body[o] as Json).errorMessage).toBe('Choose an outcome.');
    expect((again.body[o + 1] as Json).text).toBe('Choose an outcome.');
    expect(JSON.stringify(again)).not.toContain('ignored');
  });

  it('keeps what the person entered as initial values', () => {
    const values = Object.fromEntries(again.body.filter((e) => e.type.startsWith('Input.')).map((e) => [(e as Json).id, (e as Json).value]));
    expect(values).toEqual({
      outcome: 'test_booked', date: '2026-03-04', attempts: 2, adjustments: 'adj_1,adj_3', many: undefined, note: 'Called twice', person: 'p3@nhs.net',
    });
  });
});

describe('readCardSubmission', () => {
  it('merges the inputs under the fixed fields, so a submission cannot be pointed at another action', () => {
    const data = submitted(card, { outcome: 'test_booked', date: '2026-03-04', actionId: '9999', note: 'Booked' });
    expect(readCardSubmission(data)).toEqual({
      command: 'close', fields: { actionId: 1042, outcome: 'test_booked', date: '2026-03-04', note: 'Booked' }, isForm: true,
    });
  });

  it('splits multi-selects, reads whole numbers as numbers, and drops what was left empty', () => {
    const data = submitted(card, { outcome: 'result_reviewed', adjustments: 'adj_0,adj_2', many: '', attempts: '3', date: '', note: '   ', person: 'p1@nhs.net' });
    expect(readCardSubmission(data)).toEqual({
      command: 'close', fields: { actionId: 1042, outcome: 'result_reviewed', adjustments: ['adj_0', 'adj_2'], attempts: 3, person: 'p1@nhs.net' }, isForm: true,
    });
    expect(readCardSubmission(submitted(card, { attempts: 'three', adjustments: 'adj_5' }))?.fields).toEqual({ actionId: 1042, attempts: 'three', adjustments: ['adj_5'] });
  });

  it('ignores anything but the fixed fields on a button press', () => {
    expect(readCardSubmission({ c: 'claim', f: { actionId: 7 }, r: 1, outcome: 'x' })).toEqual({ command: 'claim', fields: { actionId: 7 }, refreshesSource: true, isForm: false });
  });

  it('reads Cancel and refresh', () => {
    expect(readCardSubmission((card.actions?.[1] as Json).data)).toEqual({ command: 'cancel', fields: { actionId: 1042 }, isForm: false });
    expect(readCardSubmission({ c: 'refresh' })).toEqual({ command: 'refresh', fields: {}, isForm: false });
  });

  it('rejects data these renderers did not make', () => {
    // The data of a real Action.Execute from another bot (fixtures/teams/teams-net-captured).
    expect(readCardSubmission({ feedback: 'test invokes' })).toBeNull();
    expect(readCardSubmission(null)).toBeNull();
    expect(readCardSubmission('{"c":"claim"}')).toBeNull();
    expect(readCardSubmission({ c: '' })).toBeNull();
    expect(readCardSubmission({ c: 'claim', f: 'actionId=1' })).toBeNull();
    expect(readCardSubmission({ c: 'claim', o: true })).toBeNull();
    expect(readCardSubmission({ c: 'close', s: 1, f: {}, outcome: { nested: true } })).toBeNull();
  });
});
