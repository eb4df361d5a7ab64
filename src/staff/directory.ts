/**
 * The identity directory: which member of staff a chat account is, and linking accounts to staff.
 *
 * Nothing in closedloop is done anonymously. A Slack, Teams or console account acts only once it
 * is linked to an active member of staff, either automatically (the platform's verified email is
 * a staff email) or by an admin. Every link is written to the audit trail in the same
 * transaction. Staff marked inactive (leavers) resolve to nobody, and cannot be found as a handoff
 * target or linked, even if their accounts were linked before.
 */
import { sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { appendAudit, type AuditActor, type Via } from '../audit/append.js';
import { rowsOf } from '../db/client.js';
import type { Database, Queryable } from '../db/database.js';
import { ROLES, type Role } from '../domain/actions/kinds.js';
import { mayAdmin } from '../domain/actions/permissions.js';
import { identityLabel, PLATFORM_NAMES, type AccountKey, type PlatformAccount, type Resolution, type StaffMember } from '../domain/identity.js';
import { fail, ok, type Outcome } from '../domain/outcome.js';

export { identityLabel, unlinkedMessage, type AccountKey, type PlatformAccount, type Resolution, type StaffMember } from '../domain/identity.js';

export interface ResolveContext {
  now: Date;
  via: Via;
  channel: string | null;
  correlationId: string;
}

export interface LinkContext extends ResolveContext {
  /** The admin's own account label (identityLabel of the account they typed from). */
  actorIdentity: string;
}

const emailSchema = z.email();

/** The email in the form staff emails are stored (trimmed, lower-case), or null if it is not one. */
export function normaliseEmail(text: string): string | null {
  const email = text.trim().toLowerCase();
  return emailSchema.safeParse(email).success ? email : null;
}

// ---------------------------------------------------------------------------------------------
// Reading

interface MemberRow { id: string; name: string; email: string; roles: string; active: boolean; team_ids: string }

/** Staff rows with their roles and teams; both as delimited text so both drivers agree. */
async function selectMembers(db: Queryable, from: SQL, where: SQL): Promise<MemberRow[]> {
  return rowsOf<MemberRow>(await db.execute(sql`
    SELECT s.id::text AS id, s.name, s.email, array_to_string(s.roles, ';') AS roles, s.active,
      COALESCE((SELECT string_agg(st.team_id::text, ',' ORDER BY st.team_id) FROM staff_teams st WHERE st.staff_id = s.id), '') AS team_ids
    FROM ${from} WHERE ${where}`));
}

function toMember(row: MemberRow): StaffMember {
  const known = new Set<string>(ROLES);
  return {
    staffId: row.id,
    name: row.name,
    email: row.email,
    roles: row.roles.split(';').filter((r): r is Role => known.has(r)),
    teamIds: row.team_ids === '' ? [] : row.team_ids.split(','),
  };
}

const accountWhere = (a: AccountKey) =>
  sql`pi.platform = ${a.platform} AND pi.tenant = ${a.tenant} AND pi.external_id = ${a.userId}`;

async function rowByAccount(db: Queryable, account: AccountKey): Promise<MemberRow | undefined> {
  const [row] = await selectMembers(db, sql`platform_identities pi JOIN staff s ON s.id = pi.staff_id`, accountWhere(account));
  return row;
}

async function rowByEmail(db: Queryable, email: string): Promise<MemberRow | undefined> {
  const [row] = await selectMembers(db, sql`staff s`, sql`s.email = ${email}`);
  return row;
}

/** The active member of staff with this email (any case), or null. */
export async function findStaffByEmail(db: Queryable, email: string): Promise<StaffMember | null> {
  const normalised = normaliseEmail(email);
  const row = normalised === null ? undefined : await rowByEmail(db, normalised);
  return row?.active ? toMember(row) : null;
}

/** The active member of staff this chat account is linked to, or null. */
export async function findStaffByAccount(db: Queryable, account: AccountKey): Promise<StaffMember | null> {
  const row = await rowByAccount(db, account);
  return row?.active ? toMember(row) : null;
}

/** The active member of staff with this id, or null. */
export async function loadStaffMember(db: Queryable, staffId: string): Promise<StaffMember | null> {
  if (!z.uuid().safeParse(staffId).success) return null;
  const [row] = await selectMembers(db, sql`staff s`, sql`s.id = ${staffId}::uuid`);
  return row?.active ? toMember(row) : null;
}

/** The active members of a team, by name (the hand-off form's person picker). */
export async function teamMembers(db: Queryable, teamId: string): Promise<StaffMember[]> {
  const rows = await selectMembers(db, sql`staff s`, sql`s.active AND EXISTS (SELECT 1 FROM staff_teams st WHERE st.staff_id = s.id AND st.team_id = ${teamId}::uuid) ORDER BY s.name`);
  return rows.map(toMember);
}

// ---------------------------------------------------------------------------------------------
// Resolving and linking

/**
 * Who is typing. A linked account resolves to its member of staff; an unlinked one whose
 * platform-verified email is an active staff email is linked on the spot (audited), so most
 * people never need an admin. Safe under concurrent first requests from the same account: the
 * unique account key lets one insert win, and the other reads what it wrote.
 */
export async function resolveAccount(db: Database, account: PlatformAccount, context: ResolveContext): Promise<Resolution> {
  const linked = await rowByAccount(db, account);
  if (linked) return linked.active ? { status: 'linked', member: toMember(linked), linkedNow: false } : { status: 'unlinked', reason: 'inactive' };

  const email = account.verifiedEmail === undefined ? null : normaliseEmail(account.verifiedEmail);
  if (email === null) return { status: 'unlinked', reason: 'no_identity' };
  const candidate = await rowByEmail(db, email);
  if (!candidate) return { status: 'unlinked', reason: 'no_identity' };
  if (!candidate.active) return { status: 'unlinked', reason: 'inactive' };

  const member = toMember(candidate);
  const linkedNow = await db.transaction(async (tx) => {
    // Re-checks `active` in the insert itself, so a leaver marked inactive meanwhile is not linked.
    const inserted = rowsOf(await tx.execute(sql`
      INSERT INTO platform_identities (platform, tenant, external_id, staff_id, linked_by)
      SELECT ${account.platform}, ${account.tenant}, ${account.userId}, s.id, 'verified_email' FROM staff s
      WHERE s.id = ${member.staffId}::uuid AND s.active
      ON CONFLICT (platform, tenant, external_id) DO NOTHING
      RETURNING id`));
    if (inserted.length === 0) return false;
    const actor: AuditActor = { id: member.staffId, name: member.name, identity: identityLabel(account), via: context.via, channel: context.channel, correlationId: context.correlationId };
    await appendAudit(tx, actor, {
      verb: 'identity.linked', entityType: 'platform_identity', entityId: identityLabel(account),
      after: { staffId: member.staffId, email: member.email, linkedBy: 'verified_email' },
    }, context.now);
    return true;
  });
  if (linkedNow) return { status: 'linked', member, linkedNow: true };
  // Another request linked the account first (or the person was just made inactive): read what is there.
  const again = await rowByAccount(db, account);
  if (!again) return { status: 'unlinked', reason: 'inactive' };
  return again.active ? { status: 'linked', member: toMember(again), linkedNow: false } : { status: 'unlinked', reason: 'inactive' };
}

/**
 * An admin links a chat account to the member of staff with `email`. Linking the same account to
 * the same person again changes nothing; an account linked to somebody else is refused, because
 * re-pointing it would let one person's account act as another's.
 */
export async function linkAccount(db: Database, admin: StaffMember, account: AccountKey, email: string,
  context: LinkContext): Promise<Outcome<StaffMember, 'STAFF.NOT_FOUND' | 'IDENTITY.ALREADY_LINKED' | 'AUTH.FORBIDDEN'>> {
  if (!mayAdmin(admin.roles, 'link_identity')) {
    return fail('AUTH.FORBIDDEN', 'Only an admin can link chat accounts to staff. Ask an admin to type: link @user EMAIL');
  }
  const normalised = normaliseEmail(email);
  const row = normalised === null ? undefined : await rowByEmail(db, normalised);
  if (!row) {
    return fail('STAFF.NOT_FOUND', `Nobody on the staff list has the email ${email.trim()}. Check the spelling, or add them to staff.csv and run: closedloop staff import staff.csv`);
  }
  if (!row.active) {
    return fail('STAFF.NOT_FOUND', `${row.name} (${row.email}) is marked inactive on the staff list, so their account cannot be linked. If they are back, set active to yes in staff.csv and run: closedloop staff import staff.csv`);
  }
  const member = toMember(row);
  const label = identityLabel(account);
  return db.transaction(async (tx) => {
    const inserted = rowsOf(await tx.execute(sql`
      INSERT INTO platform_identities (platform, tenant, external_id, staff_id, linked_by)
      VALUES (${account.platform}, ${account.tenant}, ${account.userId}, ${member.staffId}::uuid, 'admin')
      ON CONFLICT (platform, tenant, external_id) DO NOTHING
      RETURNING id`));
    if (inserted.length === 0) {
      const holder = await rowByAccount(tx, account);
      if (holder && holder.id !== member.staffId) {
        return fail('IDENTITY.ALREADY_LINKED', `That ${PLATFORM_NAMES[account.platform]} account is already linked to ${holder.name} (${holder.email}); nothing was changed. ` +
          'Check you mentioned the right person. An account is never moved from one person to another from chat; ' +
          'if the existing link is wrong, ask whoever runs closedloop to remove it, then link again.');
      }
      return ok(member);
    }
    const actor: AuditActor = { id: admin.staffId, name: admin.name, identity: context.actorIdentity, via: context.via, channel: context.channel, correlationId: context.correlationId };
    await appendAudit(tx, actor, {
      verb: 'identity.linked', entityType: 'platform_identity', entityId: label,
      after: { staffId: member.staffId, email: member.email, linkedBy: 'admin' },
    }, context.now);
    return ok(member);
  });
}
