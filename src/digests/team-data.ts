/**
 * What digests and sweeps read about a team: the team with its settings, its bound channels by
 * purpose, its live actions (one query, however many), and who to mention.
 */
import { sql } from 'drizzle-orm';
import { rowsOf } from '../db/client.js';
import type { Queryable } from '../db/database.js';
import type { channels } from '../db/schema.js';
import { dateValue, jsonValue } from '../db/values.js';
import type { ActionKind, ActionStatus, Priority, Role } from '../domain/actions/kinds.js';
import type { DigestAction } from '../domain/digest/digest-action.js';
import { readTeamSettings, type TeamSettings } from '../domain/digest/settings.js';
import type { ViewMention } from '../views/model.js';

type Row = Record<string, unknown>;

export interface DigestTeam {
  id: string;
  name: string;
  timeZone: string;
  settings: TeamSettings;
  /** Why the stored settings could not be read (the defaults are used meanwhile); a code-free sentence for the operator. */
  settingsProblem?: string;
  /** When the team's first daily digest was posted; null while it is being onboarded. */
  firstDigestAt: Date | null;
  /**
   * When automatic escalations start for the team: its first digest's posting, or, for a team that
   * never gets one (no channel bound), ONBOARDING_MAX_DAYS after it was created.
   */
  escalatesFrom: Date;
}

/**
 * The longest a team stays onboarding without a digest. A team with no channel (run from the CLI
 * only) is never flooded in chat, and must not lose its escalations for good.
 */
export const ONBOARDING_MAX_DAYS = 7;

export type ChannelPurpose = 'mdt' | 'managers';
/** The chat platforms a channel can be bound on (from the schema: the data layer does not import the core's types). */
export type Platform = typeof channels.$inferSelect['platform'];

/** A bound channel (a `channels` row). */
export interface DigestChannel {
  id: string;
  teamId: string;
  platform: Platform;
  tenant: string;
  channelId: string;
  purpose: ChannelPurpose;
}

function toTeam(r: Row): DigestTeam {
  const read = readTeamSettings(jsonValue(r.settings));
  return {
    id: r.id as string, name: r.name as string, timeZone: r.time_zone as string, settings: read.settings,
    ...(read.problem ? { settingsProblem: read.problem } : {}), firstDigestAt: dateValue(r.first_digest_at),
    escalatesFrom: dateValue(r.first_digest_at) ?? new Date(dateValue(r.created_at)!.getTime() + ONBOARDING_MAX_DAYS * 86_400_000),
  };
}

const TEAM_COLUMNS = sql`id, name, time_zone, settings, first_digest_at, created_at`;

/** Every team, by name. */
export async function loadDigestTeams(db: Queryable): Promise<DigestTeam[]> {
  return rowsOf<Row>(await db.execute(sql`SELECT ${TEAM_COLUMNS} FROM teams ORDER BY name`)).map(toTeam);
}

export async function loadDigestTeam(db: Queryable, teamId: string): Promise<DigestTeam | null> {
  const [row] = rowsOf<Row>(await db.execute(sql`SELECT ${TEAM_COLUMNS} FROM teams WHERE id = ${teamId}::uuid`));
  return row ? toTeam(row) : null;
}

/**
 * The channels bound to these teams that can be posted to, optionally of one purpose, in a stable
 * order. A console binding is left out: nothing delivers to the console (src/workflow/channel-posts.ts).
 */
export async function loadTeamChannels(db: Queryable, teamIds: readonly string[], purpose?: ChannelPurpose): Promise<DigestChannel[]> {
  if (teamIds.length === 0) return [];
  const which = purpose ? sql`AND purpose = ${purpose}` : sql``;
  const rows = rowsOf<Row>(await db.execute(sql`SELECT id, team_id, platform, tenant, channel_id, purpose FROM channels
    WHERE team_id = ANY(${`{${teamIds.join(',')}}`}::uuid[]) AND platform <> 'console' ${which} ORDER BY team_id, platform, tenant, channel_id`));
  return rows.map((r) => ({
    id: r.id as string, teamId: r.team_id as string, platform: r.platform as Platform, tenant: r.tenant as string,
    channelId: r.channel_id as string, purpose: r.purpose as ChannelPurpose,
  }));
}

/**
 * A team's open and claimed actions as digests and sweeps read them: one round trip, whatever the
 * team holds. The team's live actions come from its (team_id, status) index and each one's patient
 * from the primary key. The OFFSET 0 fences keep it that way: as a plain join the planner hashed
 * the whole patients table for every team (19 ms a team at 100,000 patients, against 4 ms with
 * one index probe per action), and every digest of every team paid for it.
 */
export async function loadDigestActions(db: Queryable, team: Pick<DigestTeam, 'id' | 'name' | 'timeZone'>): Promise<DigestAction[]> {
  const rows = rowsOf<Row>(await db.execute(sql`SELECT a.id, a.kind, a.status, a.priority, a.patient_id, p.patient_ref, p.display_label,
      a.cause, a.assignee_id, s.name AS assignee_name, a.assigned_role, a.claimed_at, a.due_at, a.created_at, a.updated_at,
      a.parent_id, a.version
    FROM (SELECT * FROM actions WHERE team_id = ${team.id}::uuid AND status IN ('open', 'claimed') OFFSET 0) a
    CROSS JOIN LATERAL (SELECT patient_ref, display_label FROM patients WHERE id = a.patient_id OFFSET 0) p
    LEFT JOIN staff s ON s.id = a.assignee_id`));
  return rows.map((r) => ({
    id: Number(r.id), kind: r.kind as ActionKind, status: r.status as ActionStatus, priority: r.priority as Priority,
    teamId: team.id, teamName: team.name, timeZone: team.timeZone,
    patientId: r.patient_id as string, patientRef: r.patient_ref as string, displayLabel: r.display_label as string,
    cause: jsonValue<Record<string, unknown>>(r.cause) ?? {},
    assigneeId: (r.assignee_id as string | null) ?? null, assigneeName: (r.assignee_name as string | null) ?? null,
    assignedRole: (r.assigned_role as Role | null) ?? null,
    claimedAt: dateValue(r.claimed_at), dueAt: dateValue(r.due_at)!, createdAt: dateValue(r.created_at)!, updatedAt: dateValue(r.updated_at)!,
    closedAt: null, outcome: null, outcomeDetail: null, closedReason: null,
    parentId: r.parent_id === null || r.parent_id === undefined ? null : Number(r.parent_id), version: Number(r.version),
  }));
}

/**
 * What the daily digest builder decides on, for every live action of the team: kind, status,
 * priority, cause, due time, last change, holder and role (buildDailyDigest reads nothing else).
 * The fields only a shown item needs (patient, holder's name, claim time…) are left empty here and
 * filled for the items the digest shows by `addShownDetails`: a team's digest lists at most 25 of
 * its thousand-odd actions, and reading every patient for the others made the digest ~1.8× slower.
 */
export async function loadDigestFacts(db: Queryable, team: Pick<DigestTeam, 'id' | 'name' | 'timeZone'>): Promise<DigestAction[]> {
  const rows = rowsOf<Row>(await db.execute(sql`SELECT id, kind, status, priority, cause, due_at, updated_at, assignee_id, assigned_role
    FROM actions WHERE team_id = ${team.id}::uuid AND status IN ('open', 'claimed')`));
  return rows.map((r) => {
    const updatedAt = dateValue(r.updated_at)!;
    return {
      id: Number(r.id), kind: r.kind as ActionKind, status: r.status as ActionStatus, priority: r.priority as Priority,
      teamId: team.id, teamName: team.name, timeZone: team.timeZone,
      cause: jsonValue<Record<string, unknown>>(r.cause) ?? {}, dueAt: dateValue(r.due_at)!, updatedAt,
      assigneeId: (r.assignee_id as string | null) ?? null, assignedRole: (r.assigned_role as Role | null) ?? null,
      // Filled by addShownDetails for the items shown.
      patientId: '', patientRef: '', displayLabel: '', assigneeName: null, claimedAt: null, createdAt: updatedAt, parentId: null, version: 0,
      closedAt: null, outcome: null, outcomeDetail: null, closedReason: null,
    };
  });
}

/** Fills in, on the actions with these ids, what a digest line shows: patient, holder's name, claim time. One query. */
export async function addShownDetails(db: Queryable, actions: readonly DigestAction[], ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  // Fenced like loadDigestActions: one index probe per patient, never a scan of the patients table.
  const rows = rowsOf<Row>(await db.execute(sql`SELECT a.id, a.patient_id, p.patient_ref, p.display_label, s.name AS assignee_name,
      a.claimed_at, a.created_at, a.parent_id, a.version
    FROM (SELECT * FROM actions WHERE id = ANY(${`{${ids.join(',')}}`}::bigint[]) OFFSET 0) a
    CROSS JOIN LATERAL (SELECT patient_ref, display_label FROM patients WHERE id = a.patient_id OFFSET 0) p
    LEFT JOIN staff s ON s.id = a.assignee_id`));
  const byId = new Map(actions.map((a) => [a.id, a]));
  for (const r of rows) {
    const action = byId.get(Number(r.id));
    if (!action) continue;
    Object.assign(action, {
      patientId: r.patient_id as string, patientRef: r.patient_ref as string, displayLabel: r.display_label as string,
      assigneeName: (r.assignee_name as string | null) ?? null, claimedAt: dateValue(r.claimed_at), createdAt: dateValue(r.created_at)!,
      parentId: r.parent_id === null || r.parent_id === undefined ? null : Number(r.parent_id), version: Number(r.version),
    });
  }
}

/** Active members of the team holding a role, by name: who an escalation to that role mentions. */
export async function teamMembersWithRole(db: Queryable, teamId: string, role: Role): Promise<ViewMention[]> {
  const rows = rowsOf<{ id: string; name: string }>(await db.execute(sql`SELECT s.id, s.name FROM staff s
    WHERE s.active AND ${role} = ANY(s.roles)
      AND EXISTS (SELECT 1 FROM staff_teams st WHERE st.staff_id = s.id AND st.team_id = ${teamId}::uuid)
    ORDER BY s.name, s.id`));
  return rows.map((r) => ({ staffId: r.id, name: r.name }));
}

/**
 * Who a red result's card mentions (issue 9 §4): the team's duty pharmacists named in its
 * settings; else its pharmacists who are also duty leads; else every pharmacist in the team.
 * Only active staff; a listed email with nobody behind it is skipped.
 */
export async function dutyPharmacists(db: Queryable, teamId: string, settings: TeamSettings): Promise<ViewMention[]> {
  if (settings.dutyPharmacistEmails.length > 0) {
    // Staff emails are stored lower-cased (src/staff/directory.ts); passed as JSON, so no quoting rules apply.
    const emails = JSON.stringify(settings.dutyPharmacistEmails.map((e) => e.toLowerCase()));
    const named = rowsOf<{ id: string; name: string }>(await db.execute(sql`SELECT s.id, s.name FROM staff s
      WHERE s.active AND s.email IN (SELECT jsonb_array_elements_text(${emails}::jsonb)) ORDER BY s.name, s.id`));
    if (named.length > 0) return named.map((r) => ({ staffId: r.id, name: r.name }));
  }
  const rows = rowsOf<{ id: string; name: string; duty: boolean }>(await db.execute(sql`SELECT s.id, s.name, 'duty_lead' = ANY(s.roles) AS duty
    FROM staff s WHERE s.active AND 'pharmacist' = ANY(s.roles)
      AND EXISTS (SELECT 1 FROM staff_teams st WHERE st.staff_id = s.id AND st.team_id = ${teamId}::uuid)
    ORDER BY s.name, s.id`));
  const duty = rows.filter((r) => r.duty);
  return (duty.length > 0 ? duty : rows).map((r) => ({ staffId: r.id, name: r.name }));
}
