/**
 * Issue 11, "Wrong clinical output", item 3: an outcome's date has bounds. Reproduces the defects
 * first: `close A-… test_booked 2099-12-31` was accepted (the overdue test then went unchased for
 * decades), so was `test_booked 1901-01-01`, and a technician's `not_required 2099-12-31` waived a
 * test until 2099.
 */
import { describe, expect, it } from 'vitest';
import { loadWorkflowConfig } from '../../src/config/workflow.js';
import type { ActionKind, Role } from '../../src/domain/actions/kinds.js';
import type { ActionRecord } from '../../src/domain/actions/records.js';
import { decide, outcomeDateRange, type ActionCommand, type ActionSnapshot, type Actor } from '../../src/domain/actions/transitions.js';
import { describeStatus } from '../../src/views/action-views.js';
import { closeForm } from '../../src/views/forms.js';

const NOW = new Date('2026-11-22T09:30:00Z');
const ZONE = 'Europe/London';
const me = (role: Role): Actor => ({ staffId: 'me', name: 'Me Example', roles: [role], teamIds: ['team-1'] });
const claimed = (kind: ActionKind): ActionSnapshot => ({
  id: 1042, kind, status: 'claimed', priority: 'routine', teamId: 'team-1', assigneeId: 'me', assigneeName: 'Me Example',
  assignedRole: null, claimedAt: NOW, version: 1,
});
const close = (outcome: string, date: string, extra: Partial<Extract<ActionCommand, { verb: 'close' }>> = {}): ActionCommand =>
  ({ verb: 'close', outcome, date, ...extra });

describe('booked dates run from today to the booking limit', () => {
  it.each(['2099-12-31', '1901-01-01', '2026-11-21', '2027-02-21'])('test_booked %s is refused with the allowed range, on the date field', (date) => {
    const result = decide(claimed('overdue_monitoring'), close('test_booked', date), me('technician'), NOW, ZONE);
    expect(result).toEqual({
      ok: false, code: 'DATE.OUT_OF_RANGE', field: 'date',
      message: `${date} is outside the allowed dates. A test is booked for 2026-11-22 (today) to 2027-02-20 (90 days ahead); give the booked date in that range. Type: close A-1042 test_booked YYYY-MM-DD`,
    });
  });

  it('accepts today and the last allowed day', () => {
    expect(decide(claimed('overdue_monitoring'), close('test_booked', '2026-11-22'), me('technician'), NOW, ZONE).ok).toBe(true);
    expect(decide(claimed('overdue_monitoring'), close('test_booked', '2027-02-20'), me('technician'), NOW, ZONE).ok).toBe(true);
  });

  it('uses the team\'s day: just after midnight in London in summer is already the next day', () => {
    const summer = new Date('2026-07-01T23:30:00Z'); // 00:30 on 2 July in London
    expect(decide(claimed('overdue_monitoring'), close('test_booked', '2026-07-01'), me('technician'), summer, ZONE)).toMatchObject({ ok: false, code: 'DATE.OUT_OF_RANGE' });
  });

  it('applies to every booked outcome (repeat_test_booked, rebooked), and follows a configured limit', () => {
    expect(decide(claimed('result_review'), close('repeat_test_booked', '2030-01-01'), me('pharmacist'), NOW, ZONE)).toMatchObject({ ok: false, code: 'DATE.OUT_OF_RANGE' });
    expect(decide(claimed('dna_followup'), close('rebooked', '1999-01-01', { adjustments: ['transport'] }), me('technician'), NOW, ZONE)).toMatchObject({ ok: false, code: 'DATE.OUT_OF_RANGE' });
    const limits = { bookingMaxDays: 14, waiverMaxMonths: 12 };
    expect(decide(claimed('overdue_monitoring'), close('test_booked', '2026-12-06'), me('technician'), NOW, ZONE, limits).ok).toBe(true);
    expect(decide(claimed('overdue_monitoring'), close('test_booked', '2026-12-07'), me('technician'), NOW, ZONE, limits)).toMatchObject({ ok: false, code: 'DATE.OUT_OF_RANGE' });
  });
});

describe('waivers (not_required)', () => {
  it('a technician cannot waive a test, even for a short time: it is a clinical sign-off', () => {
    for (const date of ['2099-12-31', '2026-12-01']) {
      const result = decide(claimed('overdue_monitoring'), close('not_required', date, { note: 'hospital clinic' }), me('technician'), NOW, ZONE);
      expect(result).toMatchObject({ ok: false, code: 'AUTH.FORBIDDEN', field: 'outcome' });
      expect(result.ok ? '' : result.message).toContain('Hand it to one: handoff A-1042 pharmacist');
    }
  });

  it('a pharmacist may waive for at most 12 months (inclusive), and not into the past', () => {
    const waive = (date: string, limits?: { bookingMaxDays: number; waiverMaxMonths: number }) =>
      decide(claimed('overdue_monitoring'), close('not_required', date, { note: 'hospital clinic' }), me('pharmacist'), NOW, ZONE, limits);
    expect(waive('2027-11-22').ok).toBe(true);
    expect(waive('2099-12-31')).toEqual({
      ok: false, code: 'DATE.OUT_OF_RANGE', field: 'date',
      message: '2099-12-31 is outside the allowed dates. A waiver runs from 2026-11-22 (today) to at most 2027-11-22 (12 months); give the date it ends in that range, and review it again then. Type: close A-1042 not_required YYYY-MM-DD NOTE',
    });
    expect(waive('2027-11-23').ok).toBe(false);
    expect(waive('2026-11-21').ok).toBe(false);
    expect(waive('2027-05-23', { bookingMaxDays: 90, waiverMaxMonths: 6 }).ok).toBe(false);
    expect(waive('2027-05-22', { bookingMaxDays: 90, waiverMaxMonths: 6 }).ok).toBe(true);
  });

  it('a technician\'s close form no longer offers it; a pharmacist\'s does', () => {
    const record = { ...claimed('overdue_monitoring'), teamName: 'T', timeZone: ZONE, patientId: 'p', patientRef: 'B-1', displayLabel: '', cause: {},
      dueAt: NOW, createdAt: NOW, closedAt: null, outcome: null, outcomeDetail: null, closedReason: null, parentId: null } satisfies ActionRecord;
    const outcomes = (role: Role) => {
      const field = closeForm(record, [role], NOW).fields.find((f) => f.name === 'outcome');
      return field && 'options' in field ? field.options.map((o) => o.value) : [];
    };
    expect(outcomes('technician')).toEqual(['test_booked', 'declined', 'unable_to_contact']);
    expect(outcomes('pharmacist')).toContain('not_required');
  });

  it('the closed card shows when the waiver expires', () => {
    const closed = {
      ...claimed('overdue_monitoring'), status: 'closed', teamName: 'T', timeZone: ZONE, patientId: 'p', patientRef: 'B-1', displayLabel: '', cause: {},
      dueAt: NOW, createdAt: NOW, closedAt: NOW, outcome: 'not_required', outcomeDetail: { waive_until: '2027-05-01', note: 'hospital clinic' }, closedReason: null, parentId: null,
    } satisfies ActionRecord;
    expect(describeStatus(closed)).toBe('closed: not_required, waived until 2027-05-01 (the waiver expires after that day) by Me Example at 09:30');
  });
});

describe('the limits are workflow settings', () => {
  it('default to 90 days and 12 months, and are read from BOOKING_MAX_DAYS and WAIVER_MAX_MONTHS', () => {
    expect(loadWorkflowConfig({})).toMatchObject({ ok: true, value: { bookingMaxDays: 90, waiverMaxMonths: 12 } });
    expect(loadWorkflowConfig({ BOOKING_MAX_DAYS: '30', WAIVER_MAX_MONTHS: '6' })).toMatchObject({ ok: true, value: { bookingMaxDays: 30, waiverMaxMonths: 6 } });
  });

  it.each([['BOOKING_MAX_DAYS', '0'], ['BOOKING_MAX_DAYS', '366'], ['WAIVER_MAX_MONTHS', '37'], ['WAIVER_MAX_MONTHS', 'a year']])('%s=%s is a configuration error naming the variable', (name, value) => {
    const loaded = loadWorkflowConfig({ [name]: value });
    expect(loaded).toMatchObject({ ok: false, code: 'CONFIG.INVALID' });
    expect(loaded.ok ? '' : loaded.message).toContain(`${name}: `);
  });

  it('the range helper agrees with the state machine', () => {
    expect(outcomeDateRange('booked_for', '2026-11-22', { bookingMaxDays: 90, waiverMaxMonths: 12 })).toEqual({ from: '2026-11-22', to: '2027-02-20' });
    expect(outcomeDateRange('waive_until', '2026-11-30', { bookingMaxDays: 90, waiverMaxMonths: 3 })).toEqual({ from: '2026-11-30', to: '2027-02-28' });
  });
});
