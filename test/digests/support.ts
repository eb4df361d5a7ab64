/**
 * Fixtures for digest, sweep and scheduler tests: fictional teams with bound channels, staff and
 * live actions written straight to the tables (the generator is tested elsewhere), a clock, and
 * readers for what the tests assert on (runs, outbox rows, audit events).
 */
import crypto from 'node:crypto';
import { sql } from 'drizzle-orm';
import { rowsOf } from '../../src/db/client.js';
import type { Database } from '../../src/db/database.js';
import { actions, channels, patients, staff, staffTeams, teams } from '../../src/db/schema.js';
import type { DigestChannel } from '../../src/digests/team-data.js';
import type { ActionKind, ActionStatus, Priority, Role } from '../../src/domain/actions/kinds.js';
import { createLogger, type Logger } from '../../src/logging/logger.js';

export const SYSTEM = { id: null, name: 'closedloop', identity: 'system', via: 'scheduler' as const, channel: null, correlationId: 'digest-test' };

const suffix = () => crypto.randomBytes(4).toString('hex');

export interface TestTeam {
  id: string;
  name: string;
  timeZone: string;
}

export async function addTeam(db: Database, options: { settings?: Record<string, unknown>; firstDigestAt?: Date | null; name?: string } = {}): Promise<TestTeam> {
  const [team] = await db.insert(teams).values({
    name: options.name ?? `Digest team ${suffix()}`, settings: options.settings ?? {}, firstDigestAt: options.firstDigestAt ?? null,
  }).returning();
  return { id: team!.id, name: team!.name, timeZone: team!.timeZone };
}

export async function bindChannel(db: Database, teamId: string, purpose: 'mdt' | 'managers' = 'mdt', platform: 'slack' | 'teams' = 'slack'): Promise<DigestChannel> {
  const channelId = `C${suffix().toUpperCase()}`;
  const [row] = await db.insert(channels).values({ platform, tenant: 'T-DIGEST', channelId, teamId, purpose }).returning();
  return { id: row!.id, teamId, platform, tenant: 'T-DIGEST', channelId, purpose };
}

export async function addStaff(db: Database, teamId: string, name: string, roles: Role[], options: { active?: boolean; email?: string } = {}): Promise<{ id: string; email: string }> {
  const email = options.email ?? `${name.toLowerCase().replace(/\W+/g, '.')}.${suffix()}@example.invalid`;
  const [member] = await db.insert(staff).values({ name, email, roles, active: options.active ?? true }).returning();
  await db.insert(staffTeams).values({ staffId: member!.id, teamId });
  return { id: member!.id, email };
}

export async function addPatient(db: Database, teamId: string): Promise<{ id: string; ref: string }> {
  const ref = `PT-DIG-${suffix()}`;
  const [row] = await db.insert(patients).values({ patientRef: ref, displayLabel: 'Fictional digest patient', teamId, gpPractice: 'Test Surgery' }).returning();
  return { id: row!.id, ref };
}

export interface ActionFixture {
  kind?: ActionKind;
  priority?: Priority;
  status?: ActionStatus;
  createdAt: Date;
  updatedAt?: Date;
  dueAt?: Date;
  assigneeId?: string | null;
  claimedAt?: Date | null;
  assignedRole?: Role | null;
  cause?: Record<string, unknown>;
}

export async function addAction(db: Database, teamId: string, patientId: string, fixture: ActionFixture): Promise<number> {
  const kind = fixture.kind ?? 'overdue_monitoring';
  const [row] = await db.insert(actions).values({
    kind, patientId, teamId, causeKey: `test:${suffix()}`,
    cause: fixture.cause ?? (kind === 'overdue_monitoring'
      ? { drug: 'lithium', test: 'lithium_level', dueOn: '2026-11-01', lastDone: '2026-08-01' }
      : kind === 'result_review' ? { test: 'lithium_level', value: 1.6, unit: 'mmol/L', takenOn: '2026-11-22', flag: fixture.priority ?? 'amber' } : {}),
    priority: fixture.priority ?? 'routine', status: fixture.status ?? 'open',
    assigneeId: fixture.assigneeId ?? null, claimedAt: fixture.claimedAt ?? null, assignedRole: fixture.assignedRole ?? null,
    dueAt: fixture.dueAt ?? new Date(fixture.createdAt.getTime() + 7 * 24 * 3_600_000),
    createdAt: fixture.createdAt, updatedAt: fixture.updatedAt ?? fixture.createdAt,
    ...(fixture.status === 'closed' ? { closedAt: fixture.updatedAt ?? fixture.createdAt, outcome: 'test_booked' } : {}),
  }).returning();
  return row!.id;
}

/** Many open overdue actions for one team in one statement (a backlog), all created at `createdAt`. */
export async function addBacklog(db: Database, teamId: string, count: number, createdAt: Date, priority: Priority = 'routine'): Promise<void> {
  const tag = suffix();
  await db.execute(sql`INSERT INTO patients (patient_ref, display_label, team_id, gp_practice)
    SELECT 'PT-BL-' || ${tag} || '-' || g, 'Fictional backlog patient', ${teamId}::uuid, 'Test Surgery' FROM generate_series(1, ${count}) g`);
  await db.execute(sql`INSERT INTO actions (kind, patient_id, team_id, cause_key, cause, priority, due_at, created_at, updated_at)
    SELECT 'overdue_monitoring', p.id, p.team_id, 'test:bl:' || p.patient_ref,
      jsonb_build_object('drug', 'lithium', 'test', 'lithium_level', 'dueOn', '2026-10-01', 'lastDone', '2026-07-01'),
      ${priority}, ${createdAt.toISOString()}::timestamptz + interval '7 days', ${createdAt.toISOString()}::timestamptz, ${createdAt.toISOString()}::timestamptz
    FROM patients p WHERE p.patient_ref LIKE ${`PT-BL-${tag}-%`}`);
}

export type Row = Record<string, unknown>;

export async function selectRows(db: Database, query: ReturnType<typeof sql>): Promise<Row[]> {
  return rowsOf<Row>(await db.execute(query));
}

export async function digestRuns(db: Database, teamId: string): Promise<Row[]> {
  return selectRows(db, sql`SELECT id, channel_row_id, kind, period_start::text AS period_start, late, forced, summarised, outbox_id, via,
    scheduled_for FROM digest_runs WHERE team_id = ${teamId}::uuid ORDER BY id`);
}

export async function outboxFor(db: Database, channelId: string): Promise<Row[]> {
  return selectRows(db, sql`SELECT id, kind, status, subject, view FROM outbox WHERE channel_id = ${channelId} ORDER BY id`);
}

export async function auditOf(db: Database, verb: string, where = sql`TRUE`): Promise<Row[]> {
  return selectRows(db, sql`SELECT verb, entity_type, entity_id, patient_ref, via, before, after, reason FROM audit_events
    WHERE verb = ${verb} AND ${where} ORDER BY seq`);
}

/** A logger that keeps its lines. */
export function capturingLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  return { logger: createLogger('debug', (line) => lines.push(JSON.parse(line) as Record<string, unknown>)), lines };
}

/** Monday 23 November 2026 (GMT: local time is UTC). */
export const MONDAY = '2026-11-23';
export const at = (iso: string) => new Date(iso);
