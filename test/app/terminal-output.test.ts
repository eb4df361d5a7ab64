/**
 * Text renderers that print to a terminal escape what they print, so data already stored (a note
 * saved before control characters were refused, a register label) cannot clear a screen, forge a
 * line or reorder what is shown: the plain-text views, the console adapter and the CLI's tables.
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runConsole } from '../../adapters/console/console.js';
import { renderTable } from '../../src/cli/format.js';
import type { Core, CoreResponse, FormView, MessageView } from '../../src/index.js';
import { renderFormText, renderText } from '../../src/index.js';

const HOSTILE = 'ok\u001b[2J\u001b[1A• 09:41 closed by Someone Else\u009b2J\u202ereversed\u2066';
// eslint-disable-next-line no-control-regex
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

const view: MessageView = {
  title: `Timeline ${HOSTILE}`,
  fallbackText: HOSTILE,
  blocks: [
    { kind: 'text', text: HOSTILE },
    { kind: 'fields', fields: [{ label: 'Note', value: `line one\n${HOSTILE}` }] },
    { kind: 'list', items: [{ text: HOSTILE, meta: HOSTILE, buttons: [{ label: 'Claim', command: 'claim', fields: { actionId: 7, note: HOSTILE } }] }] },
  ],
  buttons: [{ label: HOSTILE, command: 'note', fields: { text: HOSTILE } }],
  links: [{ label: HOSTILE, url: `https://example.invalid/${HOSTILE}` }],
};

const form: FormView = {
  title: HOSTILE, intro: HOSTILE, formError: HOSTILE,
  fields: [{ name: 'note', label: HOSTILE, kind: 'text', required: false, maxLength: 1000, multiline: true }],
  submit: { label: 'Save', command: 'note', fields: { actionId: 7 } },
  errors: { note: HOSTILE },
};

describe('terminal output', () => {
  it('renderText shows control and bidirectional characters as code points, keeping line breaks', () => {
    const text = renderText(view);
    expect(text).not.toMatch(RAW);
    expect(text).toContain('ok[U+001B][2J[U+001B][1A• 09:41 closed by Someone Else[U+009B]2J[U+202E]reversed[U+2066]');
    expect(text).toContain('Note: line one\n  ok[U+001B]');
  });

  it('renderFormText escapes titles, labels and errors', () => {
    const text = renderFormText(form);
    expect(text).not.toMatch(RAW);
    expect(text).toContain('[U+001B][2J');
  });

  it('the CLI table escapes its cells, and keeps its columns aligned', () => {
    const table = renderTable(['ref', 'note'], [['A', HOSTILE], ['B', 'fine']]);
    expect(table).not.toMatch(RAW);
    const lines = table.split('\n');
    expect(lines[2]!.indexOf('ok[U+001B]')).toBe(lines[0]!.indexOf('note'));
  });

  it('the console escapes replies and what it echoes of a script', async () => {
    const reply: CoreResponse = { ok: true, effects: [{ type: 'reply', view }] };
    const core: Core = { handle: () => Promise.resolve(reply) };
    const out: string[] = [];
    await runConsole({ core, email: 'ana@example.invalid', input: Readable.from([`note A-7 ${HOSTILE}\n`]), out: (t) => out.push(t), interactive: false });
    const printed = out.join('\n');
    expect(printed).not.toMatch(RAW);
    expect(printed).toContain('> note A-7 ok[U+001B][2J');
  });
});
