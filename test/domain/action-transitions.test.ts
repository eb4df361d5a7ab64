/**
 * The action state machine as a full matrix: every kind × status × command × role gives the
 * state the issue specifies or the error code, checked against an expectation written here from
 * the specification rather than read from the implementation's tables.
 */
import { describe, expect, it } from 'vitest';
import { ACTION_KINDS, ROLES, type ActionKind, type ActionStatus, type Role } from '../../src/domain/actions/kinds.js';
import { decide, escalationTarget, type ActionCommand, type ActionSnapshot, type Actor } from '../../src/domain/actions/transitions.js';

const TEAM = 'team-1';
const NOW = new Date('2026-11-22T09:30:00Z');
const CLAIMED_AT = new Date('2026-11-22T08:05:00Z');

/** From the issue: who works each kind (claims, releases, hands off, closes). */
const SPEC_WORKERS: Record<ActionKind, Role[]> = {
  overdue_monitoring: ['technician', 'nurse', 'care_coordinator', 'pharmacist', 'duty_lead'],
  result_review: ['pharmacist', 'prescriber', 'gp'],
  dna_followup: ['technician', 'nurse', 'care_coordinator', 'duty_lead'],
  reconciliation: ['pharmacist', 'prescriber', 'gp'],
  escalation: ['duty_lead', 'manager', 'pharmacist', 'prescriber', 'gp'],
  clinical_decision: ['prescriber', 'gp'],
};
/** Only pharmacists and prescribers (a GP prescribes in primary care) make clinical decisions. */
const SPEC_CLINICAL: Role[] = ['pharmacist', 'prescriber', 'gp'];
const SPEC_REASSIGN: Role[] = ['duty_lead', 'manager'];
const SPEC_NOTE_ESCALATE: Role[] = ['technician', 'pharmacist', 'prescriber', 'gp', 'nurse', 'care_coordinator', 'duty_lead', 'manager'];

/** An outcome of each kind that needs no clinical sign-off (if any) and one that does (if any), with details filled in. */
const OUTCOME_SAMPLES: Record<ActionKind, { plain?: ActionCommand; clinical?: ActionCommand }> = {
  overdue_monitoring: { plain: { verb: 'close', outcome: 'test_booked', date: '2026-11-29' } },
  result_review: { clinical: { verb: 'close', outcome: 'in_range_no_action' } },
  dna_followup: { plain: { verb: 'close', outcome: 'rebooked', date: '2026-11-25', adjustments: ['transport'] } },
  reconciliation: { clinical: { verb: 'close', outcome: 'reconciled_no_change' } },
  escalation: { plain: { verb: 'close', outcome: 'resolved', note: 'spoke to the patient' } },
  clinical_decision: { clinical: { verb: 'close', outcome: 'pause_dose', note: 'until review' } },
};

type Holder = 'nobody' | 'me' | 'other';
const STATES: { status: ActionStatus; holder: Holder }[] = [
  { status: 'open', holder: 'nobody' }, { status: 'claimed', holder: 'me' }, { status: 'claimed', holder: 'other' },
  { status: 'closed', holder: 'other' }, { status: 'cancelled', holder: 'nobody' },
];

const me = (role: Role, teamIds = [TEAM]): Actor => ({ staffId: 'me', name: 'Me Example', roles: [role], teamIds });
const colleague = (role: Role): Actor => ({ staffId: 'colleague', name: 'Colleague Example', roles: [role], teamIds: [TEAM] });

function action(kind: ActionKind, status: ActionStatus, holder: Holder): ActionSnapshot {
  const held = holder === 'me' ? { assigneeId: 'me', assigneeName: 'Me Example' } : holder === 'other' ? { assigneeId: 'other', assigneeName: 'Ola Other' } : { assigneeId: null, assigneeName: null };
  return { id: 1042, kind, status, priority: 'amber', teamId: TEAM, ...held, assignedRole: kind === 'escalation' ? 'duty_lead' : null, claimedAt: holder === 'nobody' ? null : CLAIMED_AT, version: 3 };
}

/** The specification of one cell: the resulting status, or the error code. */
function expected(kind: ActionKind, status: ActionStatus, holder: Holder, command: ActionCommand, role: Role): string {
  const finished = status === 'closed' || status === 'cancelled';
  const works = SPEC_WORKERS[kind].includes(role);
  const reassigns = SPEC_REASSIGN.includes(role);
  switch (command.verb) {
    case 'note': return SPEC_NOTE_ESCALATE.includes(role) ? status : 'AUTH.FORBIDDEN';
    case 'escalate':
      if (finished) return 'ACTION.FINISHED';
      return SPEC_NOTE_ESCALATE.includes(role) ? status : 'AUTH.FORBIDDEN';
    case 'claim':
      if (finished) return 'ACTION.FINISHED';
      if (holder === 'me') return 'ACTION.ALREADY_YOURS';
      if (holder === 'other') return 'ACTION.ALREADY_CLAIMED';
      return works ? 'claimed' : 'AUTH.FORBIDDEN';
    case 'release':
      if (finished) return 'ACTION.FINISHED';
      if (status === 'open') return 'ACTION.NOT_CLAIMED';
      return holder === 'me' || reassigns ? 'open' : 'ACTION.NOT_YOURS';
    case 'close': {
      if (finished) return 'ACTION.FINISHED';
      if (holder === 'other' && !reassigns) return 'ACTION.ALREADY_CLAIMED';
      if (!works && !(reassigns && holder === 'other')) return 'AUTH.FORBIDDEN';
      const clinical = OUTCOME_SAMPLES[kind].clinical === command;
      if (clinical && !SPEC_CLINICAL.includes(role)) return 'AUTH.FORBIDDEN';
      return 'closed';
    }
    case 'handoff': {
      if (finished) return 'ACTION.FINISHED';
      if (holder !== 'me' && !reassigns) return 'ACTION.NOT_YOURS';
      if ('role' in command.to) return 'open';
      return 'claimed';
    }
  }
}

function commandsFor(kind: ActionKind): ActionCommand[] {
  const worker = SPEC_WORKERS[kind][0]!;
  return [
    { verb: 'claim' }, { verb: 'release' },
    ...[OUTCOME_SAMPLES[kind].plain, OUTCOME_SAMPLES[kind].clinical].filter((c): c is ActionCommand => c !== undefined),
    { verb: 'handoff', to: { role: worker }, reason: 'cover' },
    { verb: 'handoff', to: { person: colleague(worker) }, reason: 'cover' },
    { verb: 'escalate', reason: 'worried' },
    { verb: 'note', text: 'phoned' },
  ];
}

describe('action state machine: kind × status × command × role', () => {
  let cells = 0;
  for (const kind of ACTION_KINDS) {
    for (const { status, holder } of STATES) {
      for (const command of commandsFor(kind)) {
        for (const role of ROLES) {
          const label = `${kind} ${status}${holder === 'nobody' ? '' : `(${holder})`} ${command.verb}${command.verb === 'close' ? `:${command.outcome}` : ''}${command.verb === 'handoff' ? ('role' in command.to ? ':role' : ':person') : ''} by ${role}`;
          cells += 1;
          it(label, () => {
            const result = decide(action(kind, status, holder), command, me(role), NOW, 'Europe/London');
            const got = result.ok ? (result.value.patch.status ?? status) : result.code;
            expect(got).toBe(expected(kind, status, holder, command, role));
            if (!result.ok) expect(result.message.length).toBeGreaterThan(20);
          });
        }
      }
    }
  }
  it('covers every cell: 6 kinds × 5 states × 7 commands × 9 roles', () => {
    expect(cells).toBe(ACTION_KINDS.length * STATES.length * 7 * ROLES.length);
  });
});

describe('action state machine: details', () => {
  const review = action('result_review', 'open', 'nobody');

  it('nobody acts on another team\'s action, whatever their roles', () => {
    for (const role of ROLES) {
      const result = decide(review, { verb: 'claim' }, me(role, ['team-2']), NOW, 'Europe/London');
      expect(result.ok ? 'ok' : result.code).toBe('ACTION.OTHER_TEAM');
    }
  });

  it('says who holds a claimed action and since when, in the team\'s time zone', () => {
    const result = decide(action('overdue_monitoring', 'claimed', 'other'), { verb: 'claim' }, me('technician'), NOW, 'Europe/London');
    expect(result.ok ? '' : result.message).toBe('A-1042 is already claimed by Ola Other at 08:05.');
    const summer = decide({ ...action('overdue_monitoring', 'claimed', 'other'), claimedAt: new Date('2026-07-01T08:05:00Z') }, { verb: 'claim' }, me('technician'), NOW, 'Europe/London');
    expect(summer.ok ? '' : summer.message).toContain('at 09:05'); // BST
  });

  it('an unknown outcome lists the valid outcomes for that kind', () => {
    const result = decide(review, { verb: 'close', outcome: 'fine' }, me('pharmacist'), NOW, 'Europe/London');
    expect(result.ok ? '' : result.code).toBe('OUTCOME.UNKNOWN');
    expect(result.ok ? '' : result.message).toContain('Valid outcomes: in_range_no_action, repeat_test_booked, dose_adjusted_within_scope, escalated_to_prescriber, stop_and_refer');
  });

  it('an outcome missing its detail says what to type', () => {
    const cases: [ActionKind, ActionCommand, string][] = [
      ['overdue_monitoring', { verb: 'close', outcome: 'not_required', note: 'under hospital clinic' }, 'the date it is not required until'],
      ['overdue_monitoring', { verb: 'close', outcome: 'unable_to_contact', attempts: 1, note: 'phoned' }, 'at least 2 recorded contact attempts'],
      ['dna_followup', { verb: 'close', outcome: 'rebooked', date: '2026-11-25' }, 'the reasonable adjustments offered'],
      ['reconciliation', { verb: 'close', outcome: 'reconciled_changes' }, 'a note'],
    ];
    for (const [kind, command, missing] of cases) {
      // A waiver (not_required) is a clinical sign-off now, so a pharmacist asks for it.
      const clinical = kind === 'reconciliation' || (command.verb === 'close' && command.outcome === 'not_required');
      const result = decide(action(kind, 'claimed', 'me'), command, me(clinical ? 'pharmacist' : 'technician'), NOW, 'Europe/London');
      expect(result.ok ? '' : result.code).toBe('OUTCOME.DETAIL_MISSING');
      expect(result.ok ? '' : result.message).toContain(missing);
      expect(result.ok ? '' : result.message).toContain('Type: close A-1042');
    }
  });

  it('not_required creates a waiver and escalated_to_prescriber opens an escalation', () => {
    // Signed off by a pharmacist: a technician may no longer waive a test (see action-outcome-bounds.test.ts).
    const waived = decide(action('overdue_monitoring', 'claimed', 'me'), { verb: 'close', outcome: 'not_required', date: '2027-05-01', note: 'monitored by hospital clinic' }, me('pharmacist'), NOW, 'Europe/London');
    expect(waived.ok && waived.value.effects).toEqual([{ kind: 'create_waiver', until: '2027-05-01', reason: 'monitored by hospital clinic' }]);
    const escalated = decide(action('result_review', 'claimed', 'me'), { verb: 'close', outcome: 'escalated_to_prescriber', note: 'ALT three times normal' }, me('pharmacist'), NOW, 'Europe/London');
    expect(escalated.ok && escalated.value.effects).toEqual([{ kind: 'open_escalation', role: 'prescriber', reason: 'ALT three times normal' }]);
  });

  it('hands off only to someone in the team who can work the kind', () => {
    const held = action('result_review', 'claimed', 'me');
    const outsider = decide(held, { verb: 'handoff', to: { person: { ...colleague('pharmacist'), teamIds: ['team-2'] } }, reason: 'x' }, me('pharmacist'), NOW, 'Europe/London');
    expect(outsider.ok ? '' : outsider.code).toBe('HANDOFF.TARGET_OTHER_TEAM');
    const technician = decide(held, { verb: 'handoff', to: { person: colleague('technician') }, reason: 'x' }, me('pharmacist'), NOW, 'Europe/London');
    expect(technician.ok ? '' : technician.code).toBe('HANDOFF.TARGET_CANNOT_WORK');
    const role = decide(held, { verb: 'handoff', to: { role: 'technician' }, reason: 'x' }, me('pharmacist'), NOW, 'Europe/London');
    expect(role.ok ? '' : role.code).toBe('HANDOFF.TARGET_CANNOT_WORK');
    const self = decide(held, { verb: 'handoff', to: { person: { ...colleague('pharmacist'), staffId: 'me' } }, reason: 'x' }, me('pharmacist'), NOW, 'Europe/London');
    expect(self.ok ? '' : self.code).toBe('HANDOFF.SAME_PERSON');
  });

  it('escalates clinical questions to the prescriber, the rest to the duty lead, then up the chain to the manager', () => {
    expect(escalationTarget({ kind: 'result_review', assignedRole: null })).toBe('prescriber');
    expect(escalationTarget({ kind: 'overdue_monitoring', assignedRole: null })).toBe('duty_lead');
    expect(escalationTarget({ kind: 'escalation', assignedRole: 'duty_lead' })).toBe('prescriber');
    expect(escalationTarget({ kind: 'escalation', assignedRole: 'prescriber' })).toBe('manager');
    expect(escalationTarget({ kind: 'escalation', assignedRole: 'manager' })).toBeNull();
    const top = decide({ ...action('escalation', 'open', 'nobody'), assignedRole: 'manager' }, { verb: 'escalate', reason: 'x' }, me('manager'), NOW, 'Europe/London');
    expect(top.ok ? '' : top.code).toBe('ESCALATION.TOP');
  });
});
