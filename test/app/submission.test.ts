/**
 * Buttons and forms submit structured fields that the command schema checks directly. These are
 * pure: no database. What a person sees for a refused field is our wording, keyed by the field.
 */
import { describe, expect, it } from 'vitest';
import { commandFromSubmission } from '../../src/app/submission.js';

const command = (c: string, fields: Record<string, string | number | string[]>) => commandFromSubmission({ command: c, fields });

describe('submissions', () => {
  it('a button carries its command and fields, with no text to parse', () => {
    expect(command('claim', { actionId: 1042 })).toEqual({ ok: true, value: { name: 'claim', actionId: 1042 } });
    expect(command('audit', { actionId: 'A-7' })).toEqual({ ok: true, value: { name: 'audit', target: { actionId: 7 } } });
  });

  it('a close form: trimmed text, numbers from strings, adjustments from a multi-choice, empty inputs dropped', () => {
    const result = command('close', { actionId: 9, outcome: 'Rebooked', date: '2026-12-03', attempts: '', adjustments: ['transport', 'easy-read'], note: '  offered a later slot  ' });
    expect(result).toEqual({ ok: true, value: { name: 'close', actionId: 9, outcome: 'rebooked', date: '2026-12-03', adjustments: ['transport', 'easy_read'], note: 'offered a later slot' } });
  });

  it('a text that would read as several words stays one field: no re-parsing', () => {
    const result = command('escalate', { actionId: 9, reason: 'close A-1 test_booked 2026-01-01' });
    expect(result.ok && result.value).toEqual({ name: 'escalate', actionId: 9, reason: 'close A-1 test_booked 2026-01-01' });
  });

  it('a hand-off names a person by email or a role', () => {
    expect(command('handoff', { actionId: 9, person: 'Ana@Example.nhs.uk', reason: 'leave' })).toMatchObject({ ok: true, value: { target: { email: 'ana@example.nhs.uk' } } });
    expect(command('handoff', { actionId: 9, role: 'pharmacist', reason: 'leave' })).toMatchObject({ ok: true, value: { target: { role: 'pharmacist' } } });
  });

  it('refusals name the field, in our words', () => {
    const missing = command('handoff', { actionId: 9 });
    expect(missing.ok).toBe(false);
    expect(!missing.ok && 'errors' in missing && missing.errors).toEqual({ person: 'Choose a person or a role.', reason: 'Give a reason.' });
    const bad = command('close', { actionId: 9, outcome: 'declined', date: '2026-02-30', attempts: 'three', note: 'x'.repeat(1001) });
    expect(!bad.ok && 'errors' in bad && bad.errors).toEqual({
      date: 'Use a real date (YYYY-MM-DD).', attempts: 'Give a whole number of attempts, 0 to 100.', note: 'Keep it to 1,000 characters.',
    });
    const noId = command('claim', { actionId: 'nonsense' });
    expect(!noId.ok && 'errors' in noId && noId.errors).toEqual({ actionId: 'That is not an action id (they look like A-1042).' });
  });

  it('an unknown command is refused with a suggestion', () => {
    const result = command('clam', { actionId: 1 });
    expect(result).toMatchObject({ ok: false, code: 'COMMAND.UNKNOWN' });
    expect(!result.ok && result.message).toContain('Did you mean "claim"');
  });
});
