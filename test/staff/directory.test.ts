/**
 * The identity directory on both engines: resolving chat accounts (linked, auto-linked by
 * verified email, unlinked, inactive, concurrent first requests) and admin linking.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { verifyAuditChain } from '../../src/audit/verify.js';
import { rowsOf } from '../../src/db/client.js';
import type { Database } from '../../src/db/database.js';
import {
  findStaffByAccount, findStaffByEmail, identityLabel, linkAccount, loadStaffMember, resolveAccount, unlinkedMessage,
  type LinkContext, type PlatformAccount, type StaffMember,
} from '../../src/staff/directory.js';
import { describeEachEngine } from '../support/databases.js';
import { auditEventsFor, createTeams, csvDir, HEADER, importLines, NOW } from './helpers.js';

const files = csvDir('directory');
afterAll(() => files.remove());

const TEAM = 'Oak CMHT (test)';
const context = { now: NOW, via: 'slack' as const, channel: 'slack:C0TEST', correlationId: 'req-directory' };
const slack = (userId: string, verifiedEmail?: string): PlatformAccount => ({ platform: 'slack', tenant: 'T0TEST', userId, verifiedEmail });

async function identityRows(db: Database, account: PlatformAccount) {
  return rowsOf<{ staff_id: string; linked_by: string }>(await db.execute(sql`SELECT staff_id::text AS staff_id, linked_by FROM platform_identities
    WHERE platform = ${account.platform} AND tenant = ${account.tenant} AND external_id = ${account.userId}`));
}

describeEachEngine('staff directory', (getDb) => {
  let admin: StaffMember;
  const linkContext = (): LinkContext => ({ ...context, actorIdentity: identityLabel(slack('U0ADMIN')) });

  beforeAll(async () => {
    const db = getDb();
    await createTeams(db, [TEAM]);
    await importLines(db, files, [
      `${HEADER},active`,
      `Ana Example,ana.example@example.nhs.uk,pharmacist,${TEAM},`,
      'Ada Admin,ada.admin@example.nhs.uk,admin,,',
      `Ben Example,ben.example@example.nhs.uk,technician,${TEAM},`,
      `Cal Example,cal.example@example.nhs.uk,nurse,${TEAM},`,
      `Dot Example,dot.example@example.nhs.uk,gp,${TEAM},`,
      `Eve Example,eve.example@example.nhs.uk,nurse,${TEAM},`,
      `Lou Leaver,lou.leaver@example.nhs.uk,nurse,${TEAM},no`,
    ]);
    admin = (await findStaffByEmail(db, 'ada.admin@example.nhs.uk'))!;
  });

  it('finds staff by email in any case, by id, and with roles and teams', async () => {
    const db = getDb();
    const ana = await findStaffByEmail(db, ' ANA.Example@example.nhs.uk ');
    expect(ana).toMatchObject({ name: 'Ana Example', email: 'ana.example@example.nhs.uk', roles: ['pharmacist'] });
    expect(ana!.teamIds).toHaveLength(1);
    expect(await loadStaffMember(db, ana!.staffId)).toEqual(ana);
    expect(await loadStaffMember(db, 'not-a-uuid')).toBeNull();
    expect(await findStaffByEmail(db, 'nobody@example.nhs.uk')).toBeNull();
    // Leavers are nobody: work cannot be handed to them.
    expect(await findStaffByEmail(db, 'lou.leaver@example.nhs.uk')).toBeNull();
  });

  it('auto-links by verified email, with an audit event, then resolves by the identity alone', async () => {
    const db = getDb();
    const account = slack('U0ANA', 'Ana.Example@example.nhs.uk');
    const first = await resolveAccount(db, account, context);
    expect(first).toMatchObject({ status: 'linked', linkedNow: true, member: { name: 'Ana Example', email: 'ana.example@example.nhs.uk' } });
    expect(await identityRows(db, account)).toEqual([{ staff_id: first.status === 'linked' ? first.member.staffId : '', linked_by: 'verified_email' }]);
    const events = await auditEventsFor(db, ['slack:T0TEST:U0ANA']);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ verb: 'identity.linked', entity_type: 'platform_identity', actor_name: 'Ana Example', identity: 'slack:T0TEST:U0ANA',
      after: { email: 'ana.example@example.nhs.uk', linkedBy: 'verified_email' } });

    // Later requests need no email: the identity is enough, and nothing more is audited.
    const again = await resolveAccount(db, slack('U0ANA'), context);
    expect(again).toMatchObject({ status: 'linked', linkedNow: false, member: { name: 'Ana Example' } });
    expect(await auditEventsFor(db, ['slack:T0TEST:U0ANA'])).toHaveLength(1);
    expect(await findStaffByAccount(db, slack('U0ANA'))).toMatchObject({ email: 'ana.example@example.nhs.uk' });
  });

  it('leaves an account unlinked without a verified email, or with one that is not on the staff list', async () => {
    const db = getDb();
    expect(await resolveAccount(db, slack('U0NOMAIL'), context)).toEqual({ status: 'unlinked', reason: 'no_identity' });
    expect(await resolveAccount(db, slack('U0STRANGER', 'stranger@example.nhs.uk'), context)).toEqual({ status: 'unlinked', reason: 'no_identity' });
    expect(await resolveAccount(db, slack('U0GARBLED', 'not an email'), context)).toEqual({ status: 'unlinked', reason: 'no_identity' });
    expect(await identityRows(db, slack('U0STRANGER'))).toEqual([]);
    const text = unlinkedMessage(slack('U0STRANGER'));
    expect(text).toMatch(/link @you your\.email@nhs\.net/);
    expect(text).toMatch(/verified work email on your Slack profile/);
    expect(unlinkedMessage({ platform: 'console', tenant: 'local', userId: 'x@example.nhs.uk' })).toMatch(/--as/);
  });

  it('treats inactive staff as unlinked, whether linked before or matched by email', async () => {
    const db = getDb();
    expect(await resolveAccount(db, slack('U0LOU', 'lou.leaver@example.nhs.uk'), context)).toEqual({ status: 'unlinked', reason: 'inactive' });
    expect(await identityRows(db, slack('U0LOU'))).toEqual([]);

    const account = slack('U0EVE', 'eve.example@example.nhs.uk');
    expect(await resolveAccount(db, account, context)).toMatchObject({ status: 'linked', linkedNow: true });
    await importLines(db, files, [`${HEADER},active`, `Eve Example,eve.example@example.nhs.uk,nurse,${TEAM},no`]);
    expect(await resolveAccount(db, account, context)).toEqual({ status: 'unlinked', reason: 'inactive' });
    expect(await findStaffByAccount(db, account)).toBeNull();
  });

  it('resolves concurrent first requests to the same member with one identity row and one audit event', async () => {
    const db = getDb();
    const account = slack('U0BEN', 'ben.example@example.nhs.uk');
    const results = await Promise.all([1, 2, 3].map(() => resolveAccount(db, account, context)));
    for (const r of results) expect(r).toMatchObject({ status: 'linked', member: { email: 'ben.example@example.nhs.uk' } });
    expect(results.filter((r) => r.status === 'linked' && r.linkedNow)).toHaveLength(1);
    expect(await identityRows(db, account)).toHaveLength(1);
    expect(await auditEventsFor(db, ['slack:T0TEST:U0BEN'])).toHaveLength(1);
    expect(await verifyAuditChain(db)).toMatchObject({ ok: true });
  });

  it('lets an admin link an account, once, with the admin as the audited actor', async () => {
    const db = getDb();
    const account = slack('U0CAL');
    const linked = await linkAccount(db, admin, account, 'Cal.Example@example.nhs.uk', linkContext());
    expect(linked).toMatchObject({ ok: true, value: { name: 'Cal Example', email: 'cal.example@example.nhs.uk' } });
    expect(await identityRows(db, account)).toEqual([{ staff_id: linked.ok ? linked.value.staffId : '', linked_by: 'admin' }]);
    expect(await resolveAccount(db, account, context)).toMatchObject({ status: 'linked', member: { name: 'Cal Example' } });

    expect(await linkAccount(db, admin, account, 'cal.example@example.nhs.uk', linkContext())).toMatchObject({ ok: true });
    const events = await auditEventsFor(db, ['slack:T0TEST:U0CAL']);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ verb: 'identity.linked', actor_id: admin.staffId, actor_name: 'Ada Admin', identity: 'slack:T0TEST:U0ADMIN', after: { linkedBy: 'admin' } });
  });

  it('refuses linking by a non-admin, to an unknown email, and an account already linked to someone else', async () => {
    const db = getDb();
    const dot = (await findStaffByEmail(db, 'dot.example@example.nhs.uk'))!;
    const forbidden = await linkAccount(db, dot, slack('U0DOT'), 'dot.example@example.nhs.uk', linkContext());
    expect(forbidden).toMatchObject({ ok: false, code: 'AUTH.FORBIDDEN' });
    expect(await identityRows(db, slack('U0DOT'))).toEqual([]);

    const unknown = await linkAccount(db, admin, slack('U0DOT'), 'nobody@example.nhs.uk', linkContext());
    expect(unknown).toMatchObject({ ok: false, code: 'STAFF.NOT_FOUND' });
    if (!unknown.ok) expect(unknown.message).toMatch(/closedloop staff import/);
    expect(await linkAccount(db, admin, slack('U0DOT'), 'lou.leaver@example.nhs.uk', linkContext())).toMatchObject({ ok: false, code: 'STAFF.NOT_FOUND' });

    await linkAccount(db, admin, slack('U0SHARED'), 'dot.example@example.nhs.uk', linkContext());
    const taken = await linkAccount(db, admin, slack('U0SHARED'), 'ana.example@example.nhs.uk', linkContext());
    expect(taken).toMatchObject({ ok: false, code: 'IDENTITY.ALREADY_LINKED' });
    if (!taken.ok) expect(taken.message).toMatch(/already linked to Dot Example \(dot\.example@example\.nhs\.uk\)/);
    expect(await findStaffByAccount(db, slack('U0SHARED'))).toMatchObject({ name: 'Dot Example' });
  });
});
