/**
 * `digest weekly|monthly [TEAM]` through the core's one entry point, on the in-memory ports:
 * only managers and duty leads may pull it (others are told who may), the team is the one named,
 * the channel's or the person's only one, a team the person is not in is refused, and the reply
 * carries the figures of the last complete period.
 */
import { describe, expect, it } from 'vitest';
import { createCommandCore } from '../../src/app/core.js';
import { parseCommand } from '../../src/app/grammar.js';
import type { CoreRequest, CoreResponse } from '../../src/app/request.js';
import { defaultWorkflowConfig } from '../../src/config/workflow.js';
import type { ActionRecord } from '../../src/domain/actions/records.js';
import type { AuditActor } from '../../src/domain/audit.js';
import type { Role } from '../../src/domain/actions/kinds.js';
import type { RuleSet } from '../../src/domain/rules/schema.js';
import { createLogger } from '../../src/logging/logger.js';
import { shownView } from '../support/effects.js';
import { fakeStores } from '../support/fake-stores.js';

// Monday morning: last week is 16–22 November 2026 (GMT).
const NOW = new Date('2026-11-23T09:00:00Z');
const NORTH = 'team-north';
const SOUTH = 'team-south';

const person = (id: string, name: string, roles: Role[], teamIds: string[]) => ({ staffId: id, name, email: `${id}@example.invalid`, roles, teamIds });
const staff = [
  person('mia', 'Mia Manager', ['manager'], [NORTH]),
  person('dan', 'Dan Duty', ['duty_lead', 'nurse'], [NORTH]),
  person('tia', 'Tia Technician', ['technician'], [NORTH]),
  person('max', 'Max Both', ['manager'], [NORTH, SOUTH]),
  person('lone', 'Lone Manager', ['manager'], []),
];

function action(id: number, over: Partial<ActionRecord>): ActionRecord {
  return {
    id, kind: 'result_review', status: 'open', priority: 'amber', teamId: NORTH, teamName: 'North CMHT', timeZone: 'Europe/London',
    patientId: `p-${id}`, patientRef: `RX-000${id}`, displayLabel: `Patient ${id}`, cause: {}, assigneeId: null, assigneeName: null, assignedRole: null,
    claimedAt: null, dueAt: new Date('2026-11-20T09:00:00Z'), createdAt: new Date('2026-11-17T09:00:00Z'), closedAt: null,
    outcome: null, outcomeDetail: null, closedReason: null, parentId: null, version: 1, ...over,
  };
}

const pharmacist: AuditActor = { id: 'phil', name: 'Phil Pharmacist', identity: 'slack:T1:U9', via: 'slack', channel: 'slack:C1', correlationId: 'c-1' };

function world() {
  const fake = fakeStores({
    staff,
    teams: new Map([[NORTH, 'North CMHT'], [SOUTH, 'South CMHT']]),
    actions: new Map([
      // A red review claimed 30 minutes after it arrived and closed within its 4 hours.
      [1, action(1, {
        priority: 'red', status: 'closed', createdAt: new Date('2026-11-16T10:00:00Z'), dueAt: new Date('2026-11-16T14:00:00Z'),
        claimedAt: new Date('2026-11-16T10:30:00Z'), closedAt: new Date('2026-11-16T13:00:00Z'), outcome: 'in_range_no_action',
      })],
      // An amber review due on the 20th, still open: missed.
      [2, action(2, {})],
      [3, action(3, { teamId: SOUTH, teamName: 'South CMHT' })],
    ]),
    audit: [{ actor: pharmacist, record: { verb: 'action.claimed', entityType: 'action', entityId: 'A-1', after: { status: 'claimed', claimedAt: '2026-11-16T10:30:00.000Z' } }, at: new Date('2026-11-16T10:30:00Z') }],
  });
  const core = createCommandCore({
    stores: fake.stores, ruleSet: { version: 'test-rules' } as RuleSet, workflow: defaultWorkflowConfig, logger: createLogger('error', () => {}), now: () => NOW,
  });
  const ask = (who: string, text: string, channel = 'C1'): Promise<CoreResponse> => core.handle({
    text, actor: { platform: 'slack', tenant: 'T1', userId: `U-${who}`, verifiedEmail: `${who}@example.invalid` },
    channel: { id: channel, kind: 'channel' }, via: 'slack', correlationId: `corr-${who}`,
  } satisfies CoreRequest);
  return { ...fake, ask };
}

const text = (response: CoreResponse) => shownView(response).fallbackText;

describe('digest weekly|monthly in chat', () => {
  it('reads the period and an optional team name with spaces', () => {
    expect(parseCommand('digest weekly')).toEqual({ ok: true, value: { name: 'digest', period: 'weekly' } });
    expect(parseCommand('/closedloop digest Monthly North CMHT')).toEqual({ ok: true, value: { name: 'digest', period: 'monthly', team: 'North CMHT' } });
    expect(parseCommand('digest daily')).toMatchObject({ ok: false, code: 'COMMAND.USAGE' });
    expect(parseCommand('digest')).toMatchObject({ ok: false, code: 'COMMAND.USAGE' });
  });

  it('refuses anyone but a manager or duty lead, and says who may', async () => {
    const { ask } = world();
    const response = await ask('tia', 'digest weekly');
    expect(response).toMatchObject({ ok: false, code: 'AUTH.FORBIDDEN' });
    expect(text(response)).toBe('The weekly digest is for a manager or duty lead; your roles: technician. Ask your team\'s manager or duty lead for the figures.');
  });

  it('gives a manager last week\'s figures for their only team, to them alone, changing nothing', async () => {
    const { ask, state } = world();
    const response = await ask('mia', 'digest weekly');
    expect(response.ok).toBe(true);
    expect(response.changed).toBeUndefined();
    expect(response.effects.map((e) => e.type)).toEqual(['reply']);
    const view = shownView(response);
    expect(view.title).toBe('Weekly digest: North CMHT, 16–22 Nov 2026');
    const fields = view.blocks.find((b) => b.kind === 'fields');
    expect(fields?.kind === 'fields' && Object.fromEntries(fields.fields.map((f) => [f.label, f.value]))).toMatchObject({
      'Result reviews closed within their time limit': '50% (1 of 2)',
      'Median time to claim': '30 min (over 1 action)',
      'Median time to close': '3 h (over 1 action)',
      'DNA follow-ups contacted within 24 hours': 'n/a (none were due)',
      // A-2 (amber) has waited since the 17th with nobody holding it.
      'Unclaimed beyond their limit at the end': '1 (amber 1)',
    });
    expect(view.image).toBeUndefined();
    expect(state.audit).toHaveLength(1);
  });

  it('lets a duty lead pull the monthly summary', async () => {
    const { ask } = world();
    const response = await ask('dan', 'digest monthly');
    expect(shownView(response).title).toBe('Monthly summary: North CMHT, October 2026');
  });

  it('uses the channel\'s team for someone in several teams, and asks which team elsewhere', async () => {
    const { ask, state } = world();
    const unbound = await ask('max', 'digest weekly');
    expect(unbound.code).toBe('TEAM.AMBIGUOUS');
    expect(text(unbound)).toBe('You are in 2 teams; say which one: digest weekly TEAM. Your teams: North CMHT, South CMHT.');
    state.channels.set('slack:T1:C1', SOUTH);
    expect(shownView(await ask('max', 'digest weekly')).title).toBe('Weekly digest: South CMHT, 16–22 Nov 2026');
    expect(shownView(await ask('max', 'digest weekly north cmht')).title).toBe('Weekly digest: North CMHT, 16–22 Nov 2026');
  });

  it('refuses a team the person is not in, even a manager, and one with no team at all', async () => {
    const { ask } = world();
    const other = await ask('mia', 'digest weekly South CMHT');
    expect(other.code).toBe('TEAM.NOT_MEMBER');
    expect(text(other)).toBe('You are not in a team called "South CMHT", so you cannot see its weekly digest. Your teams: North CMHT. Type: digest weekly TEAM');
    expect((await ask('lone', 'digest weekly')).code).toBe('STAFF.NO_TEAM');
  });
});
