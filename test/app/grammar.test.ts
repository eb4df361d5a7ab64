/**
 * The command grammar: what each typed line becomes, and for every way of typing it wrong, the
 * code and the hint the person is shown.
 */
import { describe, expect, it } from 'vitest';
import { parseCommand, stripInvocation, suggestCommand } from '../../src/app/grammar.js';

const parsed = (text: string) => {
  const result = parseCommand(text);
  if (!result.ok) throw new Error(`${text}: ${result.code} ${result.message}`);
  return result.value;
};
const failure = (text: string) => {
  const result = parseCommand(text);
  if (result.ok) throw new Error(`${text} parsed`);
  return result;
};

describe('command grammar', () => {
  it('reads the same with or without the invocation', () => {
    for (const text of ['/closedloop claim A-1042', 'closedloop claim A-1042', '@closedloop: claim a-1042', '  claim 1042 ']) {
      expect(parsed(text)).toEqual({ name: 'claim', actionId: 1042 });
    }
    expect(stripInvocation('/closedloop')).toBe('');
  });

  it('parses every command', () => {
    expect(parsed('help close')).toEqual({ name: 'help', topic: 'close' });
    expect(parsed('mine')).toEqual({ name: 'mine' });
    expect(parsed('list')).toEqual({ name: 'list', filter: 'open' });
    expect(parsed('LIST Red')).toEqual({ name: 'list', filter: 'red' });
    expect(parsed('list result_review')).toEqual({ name: 'list', filter: 'result_review' });
    expect(parsed('release A-7')).toEqual({ name: 'release', actionId: 7 });
    expect(parsed('close A-7 test_booked 2026-12-01 at the surgery')).toEqual({ name: 'close', actionId: 7, outcome: 'test_booked', date: '2026-12-01', note: 'at the surgery' });
    expect(parsed('close A-7 rebooked 2026-12-01 adjustments=transport,easy-read phoned mum')).toEqual({
      name: 'close', actionId: 7, outcome: 'rebooked', date: '2026-12-01', adjustments: ['transport', 'easy_read'], note: 'phoned mum',
    });
    expect(parsed('close A-7 unable_to_contact attempts=3 phone and letter')).toMatchObject({ attempts: 3, note: 'phone and letter' });
    expect(parsed('handoff A-7 @pharmacist covering leave')).toEqual({ name: 'handoff', actionId: 7, target: { role: 'pharmacist' }, reason: 'covering leave' });
    expect(parsed('handoff A-7 duty-lead over to you')).toMatchObject({ target: { role: 'duty_lead' } });
    expect(parsed('handoff A-7 <@U0123|ana> over to you')).toMatchObject({ target: { mention: 'U0123' } });
    expect(parsed('handoff A-7 Ana.Example@Example.nhs.uk cover')).toMatchObject({ target: { email: 'ana.example@example.nhs.uk' } });
    expect(parsed('escalate A-7 patient unwell')).toEqual({ name: 'escalate', actionId: 7, reason: 'patient unwell' });
    expect(parsed('note A-7 left a voicemail')).toEqual({ name: 'note', actionId: 7, text: 'left a voicemail' });
    expect(parsed('patient DEMO-001')).toEqual({ name: 'patient', patientRef: 'DEMO-001' });
    // The value stays as typed: the domain reads it (readResultValue) and the audit trail keeps the text.
    expect(parsed('result DEMO-001 lithium_level 0.9 mmol/L 2026-11-20')).toEqual({ name: 'result', patientRef: 'DEMO-001', test: 'lithium_level', value: '0.9', unit: 'mmol/L', date: '2026-11-20' });
    expect(parsed('result DEMO-001 lithium_level 0.9 2026-11-20')).toEqual({ name: 'result', patientRef: 'DEMO-001', test: 'lithium_level', value: '0.9', unit: undefined, date: '2026-11-20' });
    expect(parsed('dna DEMO-001 fbc no transport')).toEqual({ name: 'dna', patientRef: 'DEMO-001', test: 'fbc', reason: 'no transport' });
    expect(parsed('discharge DEMO-001 2026-11-21')).toEqual({ name: 'discharge', patientRef: 'DEMO-001', date: '2026-11-21' });
    expect(parsed('audit A-7')).toEqual({ name: 'audit', target: { actionId: 7 } });
    expect(parsed('audit DEMO-001')).toEqual({ name: 'audit', target: { patientRef: 'DEMO-001' } });
    expect(parsed('link <@U0999> new.nurse@example.nhs.uk')).toEqual({ name: 'link', target: { mention: 'U0999' }, email: 'new.nurse@example.nhs.uk' });
    expect(parsed('bind North CMHT (demo)')).toEqual({ name: 'bind', team: 'North CMHT (demo)', purpose: 'mdt' });
    expect(parsed('bind North CMHT (demo) managers')).toEqual({ name: 'bind', team: 'North CMHT (demo)', purpose: 'managers' });
  });

  it.each([
    ['', 'COMMAND.EMPTY', 'Type "help"'],
    ['/closedloop', 'COMMAND.EMPTY', 'list overdue'],
    ['clam A-1', 'COMMAND.UNKNOWN', 'Did you mean "claim"?'],
    ['frobnicate', 'COMMAND.UNKNOWN', 'Type "help"'],
    ['list everything', 'LIST.UNKNOWN_FILTER', 'Try: open, overdue, unclaimed, red'],
    ['claim', 'COMMAND.USAGE', 'Type: claim ID'],
    ['claim patient-7', 'ACTION.BAD_ID', 'Action ids look like A-1042'],
    ['close A-1', 'COMMAND.USAGE', '"help close" lists the outcomes'],
    ['close A-1 rebooked adjustments=taxi', 'VALUE.INVALID', 'Choose from: accompaniment, transport'],
    ['close A-1 unable_to_contact attempts=lots', 'VALUE.INVALID', 'attempts=3'],
    ['handoff A-1', 'COMMAND.USAGE', 'Type: handoff ID @person|ROLE REASON'],
    ['handoff A-1 @pharmacist', 'COMMAND.USAGE', 'REASON'],
    ['handoff A-1 the-pharmacy cover', 'TARGET.INVALID', 'Use @someone, their email, or a role'],
    ['escalate A-1', 'COMMAND.USAGE', 'a reason'],
    ['note A-1', 'COMMAND.USAGE', 'some text'],
    ['patient', 'COMMAND.USAGE', 'Type: patient REF'],
    ['result DEMO-1 lithium_level', 'COMMAND.USAGE', 'for example: result RX-0001 lithium_level 0.7 mmol/L'],
    ['result DEMO-1 lithium_level 0.9 mmol/L 21/11/2026', 'DATE.INVALID', 'Use YYYY-MM-DD'],
    ['dna DEMO-1', 'COMMAND.USAGE', 'Type: dna REF TEST'],
    ['discharge DEMO-1 yesterday', 'DATE.INVALID', 'Use YYYY-MM-DD'],
    ['audit', 'COMMAND.USAGE', 'Type: audit ID|REF'],
    ['audit <script>', 'COMMAND.USAGE', 'neither an action id nor a patient reference'],
    ['link @U1', 'COMMAND.USAGE', 'Type: link @user EMAIL'],
    ['link @U1 not-an-email', 'VALUE.INVALID', 'is not an email address'],
    ['bind', 'COMMAND.USAGE', 'Type: bind TEAM [managers]'],
    [`note A-1 ${'x'.repeat(1_001)}`, 'VALUE.INVALID', 'The text must be at most 1000 characters. Type: note ID TEXT'],
    [`escalate A-1 ${'y '.repeat(600)}`, 'VALUE.INVALID', 'The reason must be at most 1000 characters'],
    ['result DEMO-1 lithium<level> 0.9', 'VALUE.INVALID', 'The test must be one word of letters, digits'],
    ['close A-1 test_booked! 2026-12-01', 'VALUE.INVALID', 'The outcome must be one word'],
    ['claim A-99999999999999999', 'ACTION.BAD_ID', 'Action ids look like A-1042'],
  ])('%j fails with %s and says what to type', (text, code, hint) => {
    const result = failure(text);
    expect(result.code).toBe(code);
    expect(result.message).toContain(hint);
  });

  it('suggests only near misses', () => {
    expect(suggestCommand('relase')).toBe('release');
    expect(suggestCommand('xyzzyq')).toBeNull();
  });
});
