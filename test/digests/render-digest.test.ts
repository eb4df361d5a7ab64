/**
 * Digests through the outbox (issue 9 §1, §4): a queued run is rendered when it is sent, its
 * message is linked to the team's live actions, and claiming or closing one of them queues an
 * update (the trigger on `actions`) that re-renders the same run, same day, as things stand then.
 * The next day's digest in the channel takes the links over. Weekly digests render through the
 * period report. A red result's card mentions the duty pharmacists, on its post only.
 */
import { sql } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { createOutboxWorker } from '../../src/delivery/worker.js';
import { renderForDelivery } from '../../src/delivery/render-subject.js';
import type { OutboxRow } from '../../src/delivery/outbox-store.js';
import { queueDigestRun } from '../../src/digests/runs.js';
import type { DigestChannel } from '../../src/digests/team-data.js';
import { renderText } from '../../src/views/render-text.js';
import type { MessageView } from '../../src/views/model.js';
import { describeEachEngine } from '../support/databases.js';
import { FakeDeliverer } from '../support/fake-deliverer.js';
import { defaultRules } from '../support/rules.js';
import { testClock } from '../delivery/support.js';
import { SYSTEM, addAction, addPatient, addStaff, addTeam, bindChannel, capturingLogger, selectRows, type TestTeam } from './support.js';

const clock = testClock();
const HOUR = 3_600_000;

describeEachEngine('digests through the outbox', (getDb) => {
  let fake: FakeDeliverer;
  let worker: ReturnType<typeof createOutboxWorker>;
  beforeAll(() => {
    fake = new FakeDeliverer({ now: clock.now });
    worker = createOutboxWorker({ db: getDb(), deliverers: [fake], logger: capturingLogger().logger, now: clock.now, random: () => 0, render: { ruleSet: defaultRules() } });
  });

  async function drainAll(): Promise<void> {
    for (let i = 0; i < 20 && (await worker.drainOnce()) > 0; i++) clock.advance(1_000);
    clock.advance(1_000);
  }

  async function queue(team: TestTeam, channel: DigestChannel, periodStart: string, kind: 'daily' | 'weekly' = 'daily') {
    const result = await queueDigestRun(getDb(), {
      team, channel, kind, periodStart, scheduledFor: null, late: false, forced: false, via: 'scheduler', actor: SYSTEM,
      correlationId: 'render-test', now: clock.now(),
    });
    if (result.status !== 'queued') throw new Error('expected a new run');
    return result.runId;
  }

  const callsTo = (channel: DigestChannel) => fake.calls.filter((c) => c.channelId === channel.channelId && !c.failed);

  it("ends the team's onboarding when its first daily digest is delivered, not when it is queued; a weekly digest does not", async () => {
    const db = getDb();
    const team = await addTeam(db, { firstDigestAt: null });
    const managers = await bindChannel(db, team.id, 'managers');
    const mdt = await bindChannel(db, team.id);
    const firstDigestAt = async () => (await selectRows(db, sql`SELECT first_digest_at FROM teams WHERE id = ${team.id}::uuid`))[0]!.first_digest_at;
    const today = new Date(clock.now()).toISOString().slice(0, 10);
    await queue(team, managers, today, 'weekly');
    await drainAll();
    expect(callsTo(managers)).toHaveLength(1);
    expect(await firstDigestAt()).toBeNull();
    await queue(team, mdt, today);
    expect(await firstDigestAt()).toBeNull();
    await drainAll();
    expect(callsTo(mdt)).toHaveLength(1);
    expect(await firstDigestAt()).not.toBeNull();
  });

  it('posts the daily digest as the register stands, and re-renders it as its items are claimed and closed', async () => {
    const db = getDb();
    const team = await addTeam(db, { firstDigestAt: new Date('2026-11-01T08:30:00Z') });
    const channel = await bindChannel(db, team.id);
    const pharmacist = await addStaff(db, team.id, 'Fictional Pharmacist', ['pharmacist']);
    const patient = await addPatient(db, team.id);
    const created = new Date(clock.now().getTime() - 2 * HOUR);
    const red = await addAction(db, team.id, patient.id, { kind: 'result_review', priority: 'red', createdAt: created, dueAt: new Date(clock.now().getTime() + 2 * HOUR) });
    const overdue = await addAction(db, team.id, patient.id, { createdAt: created });
    const today = new Date(clock.now()).toISOString().slice(0, 10);
    const runId = await queue(team, channel, today);

    await drainAll();
    const [post] = callsTo(channel);
    expect(post).toMatchObject({ op: 'post' });
    expect(post!.view.subject).toEqual({ kind: 'digest', runId });
    expect(post!.view.title).toMatch(new RegExp(`^Daily digest · ${team.name} · `));
    expect(post!.view.fallbackText).toMatch(/2 items to act on: 1 result unclaimed · 1 overdue test/);
    const linked = await selectRows(db, sql`SELECT ma.action_id FROM message_actions ma JOIN messages m ON m.id = ma.message_row_id
      WHERE m.channel_id = ${channel.channelId} ORDER BY ma.action_id`);
    expect(linked.map((r) => Number(r.action_id))).toEqual([red, overdue].sort((a, b) => a - b));

    // Claimed in chat: the trigger queues one update of the digest, rendered from the register now.
    await db.execute(sql`UPDATE actions SET status = 'claimed', assignee_id = ${pharmacist.id}::uuid, claimed_at = now(), version = version + 1 WHERE id = ${red}`);
    const pending = await selectRows(db, sql`SELECT kind, status FROM outbox WHERE channel_id = ${channel.channelId} AND kind = 'update'`);
    expect(pending).toEqual([{ kind: 'update', status: 'pending' }]);
    await drainAll();
    const update = callsTo(channel).find((c) => c.op === 'update')!;
    expect(update.messageId).toBe(post!.messageId);
    expect(update.view.subject).toEqual({ kind: 'digest', runId });
    expect(update.view.title).toBe(post!.view.title);
    expect(update.view.fallbackText).toMatch(/1 result claimed and open · 1 overdue test/);
    expect(renderText(update.view)).toMatch(/claimed by Fictional Pharmacist/);

    await db.execute(sql`UPDATE actions SET status = 'closed', closed_at = now(), outcome = 'in_range_no_action', version = version + 1 WHERE id IN (${red}, ${overdue})`);
    await drainAll();
    const last = callsTo(channel).filter((c) => c.op === 'update').at(-1)!;
    expect(last.view.fallbackText).toMatch(/All clear/);
  });

  it("the next day's digest takes over the links, so only it re-renders", async () => {
    const db = getDb();
    const team = await addTeam(db, { firstDigestAt: new Date('2026-11-01T08:30:00Z') });
    const channel = await bindChannel(db, team.id);
    const patient = await addPatient(db, team.id);
    const action = await addAction(db, team.id, patient.id, { createdAt: new Date(clock.now().getTime() - HOUR) });
    await queue(team, channel, '2026-11-23');
    await drainAll();
    await queue(team, channel, '2026-11-24');
    await drainAll();
    const [first, second] = callsTo(channel).filter((c) => c.op === 'post');
    const links = await selectRows(db, sql`SELECT m.message_id FROM message_actions ma JOIN messages m ON m.id = ma.message_row_id WHERE ma.action_id = ${action}`);
    expect(links.map((r) => r.message_id)).toEqual([second!.messageId]);
    await db.execute(sql`UPDATE actions SET status = 'closed', closed_at = now(), outcome = 'test_booked', version = version + 1 WHERE id = ${action}`);
    await drainAll();
    const updates = callsTo(channel).filter((c) => c.op === 'update');
    expect(updates.map((u) => u.messageId)).toEqual([second!.messageId]);
    expect(first!.messageId).not.toBe(second!.messageId);
  });

  it('renders a weekly digest run through the period report, with the week before the run', async () => {
    const db = getDb();
    const team = await addTeam(db);
    const managers = await bindChannel(db, team.id, 'managers');
    const runId = await queue(team, managers, '2026-11-23', 'weekly');
    await drainAll();
    const [post] = callsTo(managers);
    expect(post!.view.subject).toEqual({ kind: 'digest', runId });
    expect(post!.view.title).toMatch(team.name);
    expect(post!.view.fallbackText).toMatch(/16–22 Nov 2026/);
    // Figures over a finished week are not kept current: nothing links them to actions.
    expect(await selectRows(db, sql`SELECT 1 FROM message_actions ma JOIN messages m ON m.id = ma.message_row_id WHERE m.channel_id = ${managers.channelId}`)).toEqual([]);
  });

  it('a run that no longer exists renders nothing', async () => {
    const row = outboxRow({ kind: 'digest', runId: 987_654_321 });
    expect(await renderForDelivery(getDb(), row, clock.now(), { ruleSet: defaultRules() })).toBeNull();
  });
});

function outboxRow(subject: Record<string, unknown>, kind: 'post' | 'update' = 'post', messageRowId: number | null = null): OutboxRow {
  return { id: 1, platform: 'slack', tenant: 'T-DIGEST', channelId: 'C-NONE', kind, messageRowId, messageId: null, subject, view: null, attempts: 1, correlationId: null };
}

describeEachEngine('who a red result card mentions', (getDb) => {
  const now = new Date('2026-11-23T10:00:00Z');
  const mentionsFor = async (actionId: number) => (await renderForDelivery(getDb(), outboxRow({ kind: 'action', actionId }), now) as MessageView).mentions;

  async function redReview(team: TestTeam): Promise<number> {
    const patient = await addPatient(getDb(), team.id);
    return addAction(getDb(), team.id, patient.id, { kind: 'result_review', priority: 'red', createdAt: now });
  }

  it("the team's duty pharmacists named in its settings, when there are any", async () => {
    const db = getDb();
    const team = await addTeam(db);
    const named = await addStaff(db, team.id, 'Fictional Named Pharmacist', ['pharmacist']);
    await addStaff(db, team.id, 'Fictional Duty Pharmacist', ['pharmacist', 'duty_lead']);
    await db.execute(sql`UPDATE teams SET settings = ${JSON.stringify({ dutyPharmacistEmails: [named.email.toUpperCase()] })}::jsonb WHERE id = ${team.id}::uuid`);
    expect(await mentionsFor(await redReview(team))).toEqual([{ staffId: named.id, name: 'Fictional Named Pharmacist' }]);
  });

  it('else the pharmacists who are also duty leads', async () => {
    const db = getDb();
    const team = await addTeam(db);
    await addStaff(db, team.id, 'Fictional Pharmacist', ['pharmacist']);
    const duty = await addStaff(db, team.id, 'Fictional Duty Pharmacist', ['pharmacist', 'duty_lead']);
    await addStaff(db, team.id, 'Fictional Duty Nurse', ['nurse', 'duty_lead']);
    expect(await mentionsFor(await redReview(team))).toEqual([{ staffId: duty.id, name: 'Fictional Duty Pharmacist' }]);
  });

  it('else every active pharmacist of the team', async () => {
    const db = getDb();
    const team = await addTeam(db);
    const a = await addStaff(db, team.id, 'Fictional Pharmacist A', ['pharmacist']);
    const b = await addStaff(db, team.id, 'Fictional Pharmacist B', ['pharmacist', 'prescriber']);
    await addStaff(db, team.id, 'Fictional Former Pharmacist', ['pharmacist'], { active: false });
    expect(await mentionsFor(await redReview(team))).toEqual([
      { staffId: a.id, name: 'Fictional Pharmacist A' }, { staffId: b.id, name: 'Fictional Pharmacist B' },
    ]);
  });

  it('nobody once the review is claimed, for an amber result, or on an update of the card', async () => {
    const db = getDb();
    const team = await addTeam(db);
    const pharmacist = await addStaff(db, team.id, 'Fictional Pharmacist', ['pharmacist']);
    const patient = await addPatient(db, team.id);
    const claimed = await addAction(db, team.id, patient.id, { kind: 'result_review', priority: 'red', status: 'claimed', assigneeId: pharmacist.id, claimedAt: now, createdAt: now });
    const amber = await addAction(db, team.id, patient.id, { kind: 'result_review', priority: 'amber', createdAt: now });
    expect(await mentionsFor(claimed)).toBeUndefined();
    expect(await mentionsFor(amber)).toBeUndefined();

    const red = await redReview(team);
    const [message] = await selectRows(db, sql`INSERT INTO messages (platform, tenant, channel_id, message_id, subject)
      VALUES ('slack', 'T-DIGEST', 'C-MENTION', '1.000001', ${JSON.stringify({ kind: 'action', actionId: red })}::jsonb) RETURNING id`);
    const update = await renderForDelivery(db, outboxRow({}, 'update', Number(message!.id)), now) as MessageView;
    expect(update.subject).toEqual({ kind: 'action', actionId: red });
    expect(update.mentions).toBeUndefined();
  });
});
