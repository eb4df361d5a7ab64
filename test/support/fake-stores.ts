/**
 * The command core's ports in memory: enough to run claims, lists, forms, links, bindings and
 * timelines without a database, so a core test can be a plain function test. Changes are
 * serialised by JavaScript's single thread, so the fake has no retry loop; the SQL stores' own
 * concurrency is tested against real databases (test/app/concurrent-claims.test.ts).
 * Recording results and reading register state are not faked: they are the due engine's and the
 * generator's work, tested in test/workflow. Reports are the pure figures over the fake's actions
 * (test/reports covers the SQL loader, compliance and charts).
 */
import type { ActionQuery, ChangeResult, PatientSummary, Stores } from '../../src/app/ports.js';
import type { CoreResponse } from '../../src/app/request.js';
import type { ActionRecord, CreatedAction } from '../../src/domain/actions/records.js';
import type { AuditActor, AuditRecord, TimelineEntry } from '../../src/domain/audit.js';
import { todayIn } from '../../src/domain/dates.js';
import { computePeriodMetrics, lastCompletePeriod, type MetricsAction } from '../../src/domain/digest/metrics.js';
import { DEFAULT_TEAM_SETTINGS } from '../../src/domain/digest/settings.js';
import { identityLabel, type AccountKey, type StaffMember } from '../../src/domain/identity.js';
import { fail, ok } from '../../src/domain/outcome.js';

export interface FakeState {
  staff: StaffMember[];
  /** identityLabel(account) → staff id. */
  links: Map<string, string>;
  actions: Map<number, ActionRecord>;
  teams: Map<string, string>;
  patients: PatientSummary[];
  /** "platform:tenant:channel" → team id. */
  channels: Map<string, string>;
  receipts: Map<string, CoreResponse | null>;
  audit: Array<{ actor: AuditActor; record: AuditRecord; at: Date }>;
  /** Cards queued for channels, as the outbox would hold them. */
  posts: Array<{ channel: string; actionId: number; correlationId: string }>;
  waivers: Array<{ patientId: string; test: string; until: string }>;
}

const PRIORITY_RANK = { red: 0, amber: 1, routine: 2 } as const;
const LIVE = new Set(['open', 'claimed']);

function matches(a: ActionRecord, q: ActionQuery): boolean {
  if (!LIVE.has(a.status)) return false;
  if (q.filter === 'mine' ? a.assigneeId !== q.staffId : !q.teamIds.includes(a.teamId)) return false;
  if (q.filter === 'overdue' && a.kind !== 'overdue_monitoring' && a.dueAt >= q.now) return false;
  if ((q.filter === 'unclaimed' || q.unclaimedOnly) && a.status !== 'open') return false;
  if (q.filter === 'red' && a.priority !== 'red') return false;
  return ['open', 'mine', 'overdue', 'unclaimed', 'red'].includes(q.filter) || a.kind === q.filter;
}

const byUrgency = (a: ActionRecord, b: ActionRecord) =>
  PRIORITY_RANK[a.priority] - PRIORITY_RANK[b.priority] || a.dueAt.getTime() - b.dueAt.getTime() || a.id - b.id;

export function fakeStores(seed: Partial<FakeState> = {}): { stores: Stores; state: FakeState } {
  // Copies of the seed's collections: a test may change its state without touching another's seed.
  const state: FakeState = {
    staff: [...seed.staff ?? []], links: new Map(seed.links), actions: new Map(seed.actions), teams: new Map(seed.teams),
    patients: [...seed.patients ?? []], channels: new Map(seed.channels), receipts: new Map(seed.receipts),
    audit: [...seed.audit ?? []], posts: [...seed.posts ?? []], waivers: [...seed.waivers ?? []],
  };
  const byId = (id: string) => state.staff.find((s) => s.staffId === id) ?? null;
  const byEmail = (email: string) => state.staff.find((s) => s.email === email.trim().toLowerCase()) ?? null;
  const byAccount = (account: AccountKey) => byId(state.links.get(identityLabel(account)) ?? '');
  const audit = (actor: AuditActor, record: AuditRecord, at: Date) => state.audit.push({ actor, record, at });
  // The cause key of each action the fake created: one live action per cause, as the unique index keeps it.
  const causes = new Map<number, string>();
  const live = (causeKey: string) => [...causes].some(([id, key]) => key === causeKey && LIVE.has(state.actions.get(id)!.status));

  const stores: Stores = {
    actions: {
      load: async (id) => state.actions.get(id) ?? null,
      async list(query) {
        const found = [...state.actions.values()].filter((a) => matches(a, query)).sort(byUrgency);
        return { actions: found.slice(0, query.limit), total: found.length };
      },
      openForPatient: async (patientId) => [...state.actions.values()].filter((a) => a.patientId === patientId && LIVE.has(a.status)).sort(byUrgency),
      async change(id, decide, { actor, now, postTo }): Promise<ChangeResult> {
        const action = state.actions.get(id);
        if (!action) return { status: 'not_found' };
        const decision = decide(action);
        if (!decision.ok) return { status: 'refused', failure: decision };
        const { patch, auditVerb, reason, effects } = decision.value;
        const created: CreatedAction[] = [];
        for (const effect of effects) {
          if (effect.kind === 'waiver') {
            state.waivers.push({ patientId: effect.patientId, test: effect.test, until: effect.until });
            audit(actor, effect.audit, now);
          } else if (!live(effect.spec.causeKey)) {
            const newId = Math.max(0, ...state.actions.keys()) + 1;
            const { causeKey, assignedRole = null, ...spec } = effect.spec;
            state.actions.set(newId, {
              ...action, ...spec, id: newId, status: 'open', assigneeId: null, assigneeName: null, assignedRole, claimedAt: null,
              createdAt: now, closedAt: null, outcome: null, outcomeDetail: null, closedReason: null, version: 1,
            });
            causes.set(newId, causeKey);
            created.push({ ...spec, id: newId, causeKey, assignedRole, patientRef: action.patientRef });
          }
        }
        const changed = Object.keys(patch).length > 0;
        const after: ActionRecord = { ...action, ...patch, version: changed ? action.version + 1 : action.version } as ActionRecord;
        state.actions.set(id, after);
        if (postTo && (changed || created.length)) {
          for (const actionId of [id, ...created.map((c) => c.id)]) {
            state.posts.push({ channel: `${postTo.platform}:${postTo.tenant}:${postTo.channelId}`, actionId, correlationId: actor.correlationId });
          }
        }
        audit(actor, { verb: auditVerb, entityType: 'action', entityId: `A-${id}`, patientRef: action.patientRef, after: patch, reason }, now);
        return { status: 'applied', action: after, auditVerb, created };
      },
    },
    receipts: {
      async claim(key) {
        if (!state.receipts.has(key)) {
          state.receipts.set(key, null);
          return { first: true };
        }
        return { first: false, response: state.receipts.get(key) ?? null };
      },
      save: async (key, response) => void state.receipts.set(key, structuredClone(response)),
      forget: async (key) => void state.receipts.delete(key),
    },
    channels: {
      async boundTeam({ platform, tenant, channelId }) {
        const teamId = state.channels.get(`${platform}:${tenant}:${channelId}`);
        return teamId ? { teamId, teamName: state.teams.get(teamId)! } : null;
      },
      async bind({ channel, teamName, actor, now }) {
        const teamId = [...state.teams].find(([, name]) => name === teamName)?.[0];
        if (!teamId) return fail('TEAM.NOT_FOUND', `No team is called "${teamName}".`);
        const key = `${channel.platform}:${channel.tenant}:${channel.channelId}`;
        if (state.channels.get(key) === teamId) return ok({ changed: false });
        state.channels.set(key, teamId);
        audit(actor, { verb: 'channel.bound', entityType: 'channel', entityId: key, after: { teamId } }, now);
        return ok({ changed: true });
      },
    },
    staff: {
      async resolve(account) {
        const linked = byAccount(account);
        if (linked) return { status: 'linked', member: linked, linkedNow: false };
        const member = account.verifiedEmail ? byEmail(account.verifiedEmail) : null;
        if (!member) return { status: 'unlinked', reason: 'no_identity' };
        state.links.set(identityLabel(account), member.staffId);
        return { status: 'linked', member, linkedNow: true };
      },
      findByEmail: async (email) => byEmail(email),
      findByAccount: async (account) => byAccount(account),
      teamMembers: async (teamId) => state.staff.filter((s) => s.teamIds.includes(teamId)).sort((a, b) => a.name.localeCompare(b.name)),
      async link(_admin, account, email) {
        const member = byEmail(email);
        if (!member) return fail('STAFF.NOT_FOUND', `Nobody on the staff list has the email ${email}.`);
        state.links.set(identityLabel(account), member.staffId);
        return ok(member);
      },
    },
    patients: {
      findInTeams: async (ref, teamIds) => state.patients.find((p) => p.patientRef.toLowerCase() === ref.toLowerCase() && teamIds.includes(p.teamId)) ?? null,
    },
    records: {
      result: () => Promise.reject(new Error('recording events is not faked')),
      dna: () => Promise.reject(new Error('recording events is not faked')),
      discharge: () => Promise.reject(new Error('recording events is not faked')),
    },
    audit: {
      async timeline(filter) {
        const wanted = state.audit.filter(({ record }) => ('patientRef' in filter
          ? record.patientRef === filter.patientRef
          : record.entityType === filter.entityType && record.entityId === filter.entityId));
        return wanted.slice(-50).map(({ actor, record, at }, i): TimelineEntry => ({
          seq: i + 1, at: at.toISOString(), actorName: actor.name, via: actor.via, verb: record.verb, entityType: record.entityType,
          entityId: record.entityId, before: record.before ?? null, after: record.after ?? null, reason: record.reason ?? null,
        }));
      },
    },
    register: { patientState: async () => null },
    reports: {
      teams: async (teamIds) => [...state.teams].filter(([id]) => teamIds.includes(id)).map(([teamId, teamName]) => ({ teamId, teamName }))
        .sort((a, b) => a.teamName.localeCompare(b.teamName)),
      // The figures of the team's in-memory actions, with holders from the fake's audit trail; no
      // register here, so compliance is not measured and there is no chart.
      async lastPeriod({ teamId, kind, now, ruleSet }) {
        const teamName = state.teams.get(teamId);
        if (teamName === undefined) return null;
        const timeZone = 'Europe/London';
        const period = lastCompletePeriod(kind, todayIn(timeZone, now));
        const actions = [...state.actions.values()].filter((a) => a.teamId === teamId).map((a): MetricsAction => ({
          id: a.id, kind: a.kind, priority: a.priority, status: a.status, createdAt: a.createdAt, dueAt: a.dueAt, closedAt: a.closedAt, outcome: a.outcome,
          holds: state.audit.filter(({ record }) => record.entityType === 'action' && record.entityId === `A-${a.id}`)
            .flatMap(({ record, at }) => {
              const after = (record.after ?? {}) as Record<string, unknown>;
              return 'claimedAt' in after ? [{ at, held: after.claimedAt !== null }] : [];
            }),
        }));
        const metrics = computePeriodMetrics({ period, timeZone, now, actions, snapshots: [], unclaimedLimitHours: DEFAULT_TEAM_SETTINGS.unclaimedLimitHours });
        return { report: { team: { id: teamId, name: teamName, timeZone }, metrics, series: [], groupNames: {}, rulesVersion: ruleSet.version }, chart: null };
      },
    },
  };
  return { stores, state };
}
