/** Fictional live actions for the daily digest tests: explicit dates, pseudonymous patients. */
import type { DigestAction } from '../../../src/domain/digest/digest-action.js';

export const TEAM = { id: '00000000-0000-4000-8000-000000000001', name: 'North CMHT', timeZone: 'Europe/London' };

/** Wednesday 2 December 2026, 08:30 in London (GMT, so also 08:30Z): the default digest time. */
export const NOW = new Date('2026-12-02T08:30:00Z');
export const TODAY = '2026-12-02';

const HOUR = 3_600_000;
export const hoursFromNow = (h: number) => new Date(NOW.getTime() + h * HOUR);

let nextId = 1000;

export function digestAction(overrides: Partial<DigestAction> & Pick<DigestAction, 'kind'>): DigestAction {
  const id = overrides.id ?? nextId++;
  return {
    id,
    status: 'open',
    priority: 'routine',
    teamId: TEAM.id,
    assigneeId: null,
    assigneeName: null,
    assignedRole: null,
    claimedAt: null,
    version: 1,
    teamName: TEAM.name,
    timeZone: TEAM.timeZone,
    patientId: `p-${id}`,
    patientRef: `PT-${id}`,
    displayLabel: 'Fictional patient',
    cause: {},
    dueAt: hoursFromNow(24 * 7),
    createdAt: hoursFromNow(-24 * 30),
    closedAt: null,
    outcome: null,
    outcomeDetail: null,
    closedReason: null,
    parentId: null,
    updatedAt: hoursFromNow(-1),
    ...overrides,
  };
}

/** An overdue monitoring action as generation.ts writes its cause. */
export function overdue(drug: string, test: string, dueOn: string, overrides: Partial<DigestAction> = {}): DigestAction {
  return digestAction({
    kind: 'overdue_monitoring',
    cause: { drug, test, dueOn, daysOverdue: 1, lastDone: '2026-06-01', responsible: null },
    ...overrides,
  });
}

export function resultReview(priority: 'red' | 'amber' | 'routine', overrides: Partial<DigestAction> = {}): DigestAction {
  const flag = priority === 'routine' ? 'green' : priority;
  return digestAction({
    kind: 'result_review', priority,
    cause: { test: 'lithium_level', value: priority === 'red' ? 1.6 : 1.1, unit: 'mmol/L', takenOn: '2026-12-01', flag, reason: 'above the range' },
    dueAt: hoursFromNow(priority === 'red' ? 4 : 72),
    ...overrides,
  });
}

export function claimed(by: string, hoursAgo: number): Partial<DigestAction> {
  return { status: 'claimed', assigneeId: `s-${by}`, assigneeName: by, claimedAt: hoursFromNow(-hoursAgo), updatedAt: hoursFromNow(-hoursAgo) };
}

export const DRUG_GROUPS: Record<string, string> = {
  lithium: 'Lithium', clozapine: 'Clozapine', methotrexate: 'DMARDs', apixaban: 'DOACs', rivaroxaban: 'DOACs',
};
