/**
 * What people type and submit, at the boundary: control characters and bidirectional overrides are
 * refused before anything is recorded, an over-long chat line is refused with its limit (not an
 * unexpected error), and every refusal is in our words, not the validator's. Runs on the in-memory
 * stores: nothing here needs a database.
 */
import { describe, expect, it } from 'vitest';
import { createCommandCore } from '../../src/app/core.js';
import { parseCommand } from '../../src/app/grammar.js';
import type { CoreRequest, CoreResponse } from '../../src/app/request.js';
import { commandFromSubmission } from '../../src/app/submission.js';
import { defaultWorkflowConfig } from '../../src/config/workflow.js';
import type { ActionRecord } from '../../src/domain/actions/records.js';
import type { RuleSet } from '../../src/domain/rules/schema.js';
import { createLogger } from '../../src/logging/logger.js';
import { shownView } from '../support/effects.js';
import { fakeStores } from '../support/fake-stores.js';

const NOW = new Date('2026-11-22T09:30:00Z');
const ESC_CLEAR = '\u001b[2J';
const RLO = '\u202e';

function action(id: number): ActionRecord {
  return {
    id, kind: 'overdue_monitoring', status: 'open', priority: 'routine', teamId: 'north', teamName: 'North CMHT', timeZone: 'Europe/London',
    patientId: `p-${id}`, patientRef: `RX-000${id}`, displayLabel: `Patient ${id}`, cause: { test: 'fbc', drug: 'clozapine', dueOn: '2026-11-01', lastDone: '2026-10-01' },
    assigneeId: null, assigneeName: null, assignedRole: null, claimedAt: null, dueAt: new Date('2026-11-29T17:00:00Z'), createdAt: NOW,
    closedAt: null, outcome: null, outcomeDetail: null, closedReason: null, parentId: null, version: 1,
  };
}

function world() {
  const logged: string[] = [];
  const fake = fakeStores({
    staff: [{ staffId: 's-ana', name: 'Ana Technician', email: 'ana@example.invalid', roles: ['technician'], teamIds: ['north'] }],
    teams: new Map([['north', 'North CMHT']]),
    actions: new Map([[1, action(1)]]),
  });
  const core = createCommandCore({ stores: fake.stores, ruleSet: {} as RuleSet, workflow: defaultWorkflowConfig, logger: createLogger('debug', (line) => logged.push(line)), now: () => NOW });
  let n = 0;
  const ask = (input: Pick<CoreRequest, 'text' | 'submission'>): Promise<CoreResponse> => core.handle({
    ...input, actor: { platform: 'console', tenant: 'local', userId: 'ana@example.invalid', verifiedEmail: 'ana@example.invalid' },
    channel: { id: 'console', kind: 'direct' }, via: 'console', correlationId: `corr-${++n}`,
  });
  return { ...fake, ask, logged };
}

describe('free text typed in chat', () => {
  it.each([
    ['an escape sequence', `note A-1 called ${ESC_CLEAR}back`, /control character \(U\+001B, escape\)/],
    ['a right-to-left override', `note A-1 lithium ${RLO}7.0 mmol/L`, /bidirectional control character \(U\+202E, right-to-left override\)/],
    ['a C1 control', 'escalate A-1 unwell \u009b2J', /control character \(U\+009B/],
    ['DEL', 'handoff A-1 @pharmacist cover\u007f', /control character \(U\+007F, delete\)/],
  ])('with %s is refused as VALUE.INVALID and never reaches the audit trail', async (_what, text, reason) => {
    const { ask, state } = world();
    const reply = await ask({ text });
    expect(reply.code).toBe('VALUE.INVALID');
    const shown = shownView(reply).fallbackText;
    expect(shown).toMatch(reason);
    expect(shown).toMatch(/type it again without it/);
    // The reply itself carries nothing a terminal would act on.
    // eslint-disable-next-line no-control-regex
    expect(shown).not.toMatch(/[\u001b\u202e\u009b\u007f]/);
    expect(state.audit).toEqual([]);
  });

  it('tabs and line breaks in a typed line are only spaces between words', () => {
    expect(parseCommand('note A-1 left\ta\r\nvoicemail')).toEqual({ ok: true, value: { name: 'note', actionId: 1, text: 'left a voicemail' } });
  });

  it('a line over 4,000 characters is refused as VALUE.INVALID with the limit, not as an unexpected error', async () => {
    const { ask, logged } = world();
    const reply = await ask({ text: `note A-1 ${'x'.repeat(5_000)}` });
    expect(reply.code).toBe('VALUE.INVALID');
    expect(shownView(reply).fallbackText).toMatch(/5,009 characters long; the limit is 4,000/);
    expect(logged.join('\n')).not.toMatch(/unexpected|ERR-/);
  });

  it('a line of exactly 4,000 characters is read (and its note refused for its own limit)', () => {
    const text = `note A-1 ${'x'.repeat(4_000 - 9)}`;
    expect(text).toHaveLength(4_000);
    const result = parseCommand(text);
    expect(!result.ok && result.message).toMatch(/at most 1000 characters/);
  });
});

describe('submitted forms', () => {
  it('refuse a control character in a note, beside the field, and keep line breaks', () => {
    const bad = commandFromSubmission({ command: 'close', fields: { actionId: 1, outcome: 'declined', note: `said no${ESC_CLEAR}` } });
    expect(!bad.ok && 'errors' in bad && bad.errors).toEqual({ note: 'Remove the control character (U+001B, escape) and submit again.' });
    const rlo = commandFromSubmission({ command: 'escalate', fields: { actionId: 1, reason: `${RLO}unwell` } });
    expect(!rlo.ok && 'errors' in rlo && rlo.errors.reason).toMatch(/^Remove the bidirectional control character \(U\+202E/);
    const lines = commandFromSubmission({ command: 'note', fields: { actionId: 1, text: 'line one\nline two\tindented' } });
    expect(lines).toEqual({ ok: true, value: { name: 'note', actionId: 1, text: 'line one\nline two\tindented' } });
  });
});

describe('validation wording is ours, not the validator\'s', () => {
  const ZOD_WORDS = /Too small|Too big|expected (number|string)|Invalid input|received|>0|>=|<=/;

  it('claim A-0 says what an action id looks like', () => {
    const result = parseCommand('claim A-0');
    expect(result).toMatchObject({ ok: false, code: 'ACTION.BAD_ID' });
    expect(!result.ok && result.message).toMatch(/"A-0" is not an action id\. Action ids look like A-1042/);
  });

  it.each([
    'claim A-0', 'release 0', 'close A-0 declined', 'note A-0 hello', 'audit A-0', `patient ${'R'.repeat(101)}`,
    'result DEMO-1 lithium_level 0.9 mmol/L/with/a/unit/longer/than/thirty', `bind ${'T'.repeat(201)}`, 'help <b>',
    `dna DEMO-1 fbc ${'y'.repeat(1_001)}`, 'handoff A-1 <@U1|x> ', 'close A-1 declined attempts=101',
  ])('%j', (text) => {
    const result = parseCommand(text);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).not.toMatch(ZOD_WORDS);
  });

  it('a submitted action id of 0 or a bad patient ref is refused in our words', () => {
    const zero = commandFromSubmission({ command: 'claim', fields: { actionId: 0 } });
    expect(!zero.ok && 'errors' in zero && zero.errors).toEqual({ actionId: 'That is not an action id (they look like A-1042).' });
    const ref = commandFromSubmission({ command: 'result', fields: { patientRef: 'has space', test: 'inr', value: 2 } });
    expect(!ref.ok && 'errors' in ref && ref.errors.patientRef).toMatch(/letters, digits and _ \. \/ -/);
  });
});

describe('patient references', () => {
  it('one definition: anything the register import accepts can be typed, up to 100 characters', () => {
    const longest = `R${'9'.repeat(99)}`;
    expect(parseCommand(`patient ${longest}`)).toEqual({ ok: true, value: { name: 'patient', patientRef: longest } });
    expect(parseCommand('patient A.b/c_d-9')).toMatchObject({ ok: true });
    const tooLong = parseCommand(`patient R${'9'.repeat(100)}`);
    expect(!tooLong.ok && tooLong.message).toMatch(/at most 100/);
  });
});
