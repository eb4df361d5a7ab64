/**
 * The command core on an in-memory fake of its ports (test/support/fake-stores.ts): no database,
 * no SQL, no I/O. Claims, lists and forms run through the same `handle` as in production, which
 * shows the core depends on the ports alone; the SQL stores behind them are tested on PGlite and
 * PostgreSQL by the contract suite and test/app/concurrent-claims.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { createCommandCore } from '../../src/app/core.js';
import type { CoreRequest, CoreResponse } from '../../src/app/request.js';
import { defaultWorkflowConfig } from '../../src/config/workflow.js';
import type { ActionRecord } from '../../src/domain/actions/records.js';
import type { RuleSet } from '../../src/domain/rules/schema.js';
import { createLogger } from '../../src/logging/logger.js';
import { fakeStores } from '../support/fake-stores.js';
import { shownView } from '../support/effects.js';

const NOW = new Date('2026-11-22T09:30:00Z');
const NORTH = 'team-north';
const SOUTH = 'team-south';

const staff = [
  { staffId: 's-ana', name: 'Ana Technician', email: 'ana@example.invalid', roles: ['technician' as const], teamIds: [NORTH] },
  { staffId: 's-ben', name: 'Ben Technician', email: 'ben@example.invalid', roles: ['technician' as const], teamIds: [NORTH] },
  { staffId: 's-cy', name: 'Cy Pharmacist', email: 'cy@example.invalid', roles: ['pharmacist' as const], teamIds: [NORTH] },
  { staffId: 's-fay', name: 'Fay Prescriber', email: 'fay@example.invalid', roles: ['prescriber' as const], teamIds: [NORTH] },
  { staffId: 's-dee', name: 'Dee Elsewhere', email: 'dee@example.invalid', roles: ['technician' as const], teamIds: [SOUTH] },
];

function action(id: number, over: Partial<ActionRecord> = {}): ActionRecord {
  return {
    id, kind: 'overdue_monitoring', status: 'open', priority: 'routine', teamId: NORTH, teamName: 'North CMHT', timeZone: 'Europe/London',
    patientId: `p-${id}`, patientRef: `RX-000${id}`, displayLabel: `Patient ${id}`, cause: { test: 'fbc', drug: 'clozapine', dueOn: '2026-11-01', lastDone: '2026-10-01' },
    assigneeId: null, assigneeName: null, assignedRole: null, claimedAt: null, dueAt: new Date('2026-11-29T17:00:00Z'), createdAt: NOW,
    closedAt: null, outcome: null, outcomeDetail: null, closedReason: null, parentId: null, version: 1, ...over,
  };
}

function world() {
  const fake = fakeStores({
    staff,
    teams: new Map([[NORTH, 'North CMHT'], [SOUTH, 'South CMHT']]),
    actions: new Map([
      [1, action(1)],
      [2, action(2, { priority: 'red', kind: 'result_review', cause: { test: 'fbc', value: 1.2, unit: '10^9/L', takenOn: '2026-11-21', flag: 'red' } })],
      [3, action(3, { teamId: SOUTH, teamName: 'South CMHT' })],
    ]),
  });
  // The rule set is the due engine's; claims, lists and forms never read it.
  const core = createCommandCore({ stores: fake.stores, ruleSet: {} as RuleSet, workflow: defaultWorkflowConfig, logger: createLogger('error', () => {}), now: () => NOW });
  let n = 0;
  const ask = (email: string, input: Pick<CoreRequest, 'text' | 'submission'>, deliveryId?: string): Promise<CoreResponse> => core.handle({
    ...input, actor: { platform: 'slack', tenant: 'T1', userId: `U-${email}`, verifiedEmail: email },
    channel: { id: 'C1', kind: 'channel' }, via: 'slack', correlationId: `corr-${++n}`, deliveryId,
  });
  return { ...fake, ask };
}

const text = (response: CoreResponse) => shownView(response).fallbackText;

describe('the command core on in-memory stores', () => {
  it('claims once: the second claimant is told who holds it, and one claim is audited and posted', async () => {
    const { ask, state } = world();
    const first = await ask('ana@example.invalid', { text: 'claim A-1' });
    expect(first).toMatchObject({ ok: true, changed: true });
    expect(text(first)).toContain('Ana Technician claimed A-1.');
    expect(state.actions.get(1)).toMatchObject({ status: 'claimed', assigneeId: 's-ana', version: 2 });

    const second = await ask('ben@example.invalid', { text: 'claim A-1' });
    expect(second.code).toBe('ACTION.ALREADY_CLAIMED');
    expect(text(second)).toBe('A-1 is already claimed by Ana Technician at 09:30.');
    expect(state.audit.filter((e) => e.record.verb === 'action.claimed')).toHaveLength(1);
    expect(state.posts).toEqual([{ channel: 'slack:T1:C1', actionId: 1, correlationId: 'corr-1' }]);
    // The first request linked the account by its verified email; the link is the store's to keep.
    expect(state.links.get('slack:T1:U-ana@example.invalid')).toBe('s-ana');
  });

  it('refuses another team\'s action, and does not find an unknown one', async () => {
    const { ask } = world();
    expect((await ask('ana@example.invalid', { text: 'claim A-3' })).code).toBe('ACTION.OTHER_TEAM');
    expect((await ask('ana@example.invalid', { text: 'claim A-99' })).code).toBe('ACTION.NOT_FOUND');
  });

  it('escalates: the decision\'s effect reaches the store as an escalation to create, posted with the change', async () => {
    const { ask, state } = world();
    const response = await ask('ana@example.invalid', { text: 'escalate A-1 patient unreachable for a week' });
    expect(text(response)).toContain('Ana Technician escalated A-1. Opened A-4 (escalation to a duty lead).');
    expect(state.actions.get(4)).toMatchObject({ kind: 'escalation', assignedRole: 'duty_lead', parentId: 1, status: 'open' });
    expect(state.posts.map((p) => p.actionId)).toEqual([1, 4]);
    const again = await ask('ana@example.invalid', { text: 'escalate A-1 still unreachable' });
    expect(text(again)).toContain('An escalation for that role is already open.');
  });

  it('lists the team\'s open actions, most urgent first, and "mine" after a claim', async () => {
    const { ask } = world();
    const list = await ask('ana@example.invalid', { text: 'list' });
    expect(text(list)).toMatch(/^Open actions for your team: 2 actions\. A-2 RED .*; A-1 ROUTINE/);
    expect(text(list)).not.toContain('A-3');
    expect(text(await ask('ana@example.invalid', { text: 'mine' }))).toContain('You hold no open actions.');
    await ask('ana@example.invalid', { text: 'claim A-1' });
    expect(text(await ask('ana@example.invalid', { text: 'mine' }))).toMatch(/^Your actions: 1 action\. A-1 /);
  });

  it('lists only the bound team in a channel bound to one of the person\'s teams', async () => {
    const { ask, state } = world();
    state.staff.push({ staffId: 's-eve', name: 'Eve Both', email: 'eve@example.invalid', roles: ['technician'], teamIds: [NORTH, SOUTH] });
    expect(text(await ask('eve@example.invalid', { text: 'list' }))).toContain('for your teams: 3 actions');
    state.channels.set('slack:T1:C1', SOUTH);
    expect(text(await ask('eve@example.invalid', { text: 'list' }))).toMatch(/^Open actions for South CMHT: 1 action\. A-3 /);
  });

  it('opens the hand-off form with the team\'s people from the staff store, and changes nothing', async () => {
    const { ask, state } = world();
    const response = await ask('ana@example.invalid', { submission: { command: 'handoff', fields: { actionId: 1 }, openForm: true } });
    const effect = response.effects[0];
    expect(effect?.type).toBe('openForm');
    if (effect?.type !== 'openForm') return;
    expect(effect.form.title).toBe('Hand off A-1');
    const people = effect.form.fields.find((f) => f.name === 'person');
    // Ana is offered the colleagues who may work the action: not herself, not the prescriber, not the other team.
    expect(people && 'options' in people ? people.options?.map((o) => o.label) : []).toEqual(['Ben Technician', 'Cy Pharmacist']);
    expect(state.audit).toEqual([]);
  });

  it('answers a repeated delivery from the receipt store without running it again', async () => {
    const { ask, state } = world();
    const first = await ask('ana@example.invalid', { text: 'claim A-1' }, 'delivery-1');
    const again = await ask('ana@example.invalid', { text: 'claim A-1' }, 'delivery-1');
    expect(again).toEqual({ ...first, duplicate: true });
    expect(state.audit).toHaveLength(1);
  });
});
