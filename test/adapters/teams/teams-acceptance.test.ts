/**
 * Teams acceptance, end to end over our /api/messages route and the fake Bot Connector, on both
 * engines: closing an action through its channel card's form (a refused submission changes
 * nothing), a claim made through Slack updating the Teams card (both adapters and both outbox
 * workers on one core and database), and a red result posted proactively to the bound channel.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../../src/db/client.js';
import { USERS, createWorld, type World } from '../../contract/world.js';
import { engines } from '../../support/databases.js';
import { shownSince as slackShownSince, startSlackHarness, type SlackHarness } from '../../support/slack-harness.js';
import { CHANNEL, readCard, shownSince, startTeamsHarness, type TeamsHarness } from '../../support/teams-harness.js';
import type { RecordedConnectorCall } from '../../support/fake-connector.js';

type Json = Record<string, unknown>;
const { technician, pharmacist, admin } = USERS;

/** Every node of a card, depth first (to find inputs and the form's submit action). */
function nodes(card: unknown): Json[] {
  const out: Json[] = [];
  const walk = (n: unknown): void => {
    if (Array.isArray(n)) { n.forEach(walk); return; }
    if (typeof n !== 'object' || n === null) return;
    out.push(n as Json);
    for (const v of Object.values(n as Json)) walk(v);
  };
  walk(card);
  return out;
}
const cardOf = (call: RecordedConnectorCall | undefined): unknown => (call?.body as { attachments?: { content: unknown }[] } | undefined)?.attachments?.[0]?.content;
const textOf = (call: RecordedConnectorCall | undefined) => readCard(cardOf(call), { messageId: call?.activityId ?? '', conversationId: call?.conversationId ?? '' }).text;

describe.each(engines)('Teams acceptance [%s]', (engine) => {
  let world: World;
  let h: TeamsHarness;
  let slack: SlackHarness;

  const count = async (query: ReturnType<typeof sql>) => Number(rowsOf<{ n: number }>(await world.db.execute(query))[0]?.n ?? 0);
  const statusOf = async (id: number) => rowsOf<{ status: string; outcome: string | null }>(await world.db.execute(sql`SELECT status, outcome FROM actions WHERE id = ${id}`))[0];
  /** The Teams activity id of the channel card showing the action. */
  async function teamsMessageId(actionId: number): Promise<string> {
    const [row] = rowsOf<{ message_id: string }>(await world.db.execute(sql`SELECT m.message_id FROM messages m
      JOIN message_actions ma ON ma.message_row_id = m.id WHERE ma.action_id = ${actionId} AND m.platform = 'teams' AND m.channel_id = ${CHANNEL}`));
    if (!row) throw new Error(`A-${actionId} has no Teams channel card`);
    return row.message_id;
  }
  /** A Teams user claims the first unclaimed overdue action by typing in the bound channel; its card is posted there. */
  async function claimInTeams({ email, name }: { email: string; name: string }): Promise<{ id: number; ref: string; post: RecordedConnectorCall }> {
    const at = h.fake.calls.length;
    await h.message(h.accountFor(email), 'list overdue_monitoring');
    await h.settle();
    const listed = shownSince(h.fake, at).buttons.find((b) => b.command === 'claim');
    if (!listed?.actionId) throw new Error('no unclaimed overdue action left');
    const ref = `A-${listed.actionId}`;
    const claimedAt = h.fake.calls.length;
    expect((await h.message(h.accountFor(email), `claim ${ref}`)).status).toBe(200);
    await h.settle();
    const posts = h.fake.calls.slice(claimedAt).filter((c) => c.conversationId === CHANNEL && (c.kind === 'send' || c.kind === 'reply'));
    expect(posts).toHaveLength(1);
    expect(textOf(posts[0])).toContain(`claimed by ${name}`);
    return { id: listed.actionId, ref, post: posts[0]! };
  }

  beforeAll(async () => {
    world = await createWorld(engine);
    h = await startTeamsHarness(world.core, world.db);
    slack = await startSlackHarness(world.core, world.db);
    expect((await h.message(h.accountFor(admin.email), 'bind North CMHT (demo)')).status).toBe(200);
    await h.settle();
    expect(await count(sql`SELECT count(*)::int AS n FROM channels WHERE platform = 'teams' AND channel_id = ${CHANNEL}`)).toBe(1);
  }, 60_000);
  afterAll(async () => {
    await slack?.close();
    await h?.close();
    await world?.close();
  });

  it('Close… on the channel card → form → missing date refused in the form, nothing changed → corrected → closed, channel card updated', async () => {
    const { id, ref, post } = await claimInTeams(technician);
    const messageId = await teamsMessageId(id);
    const close = readCard(cardOf(post), { messageId, conversationId: CHANNEL }).buttons.find((b) => b.command === 'close' && b.opensForm);
    expect(close).toBeDefined();
    expect(close!.data.o).toBe(1);

    const who = h.accountFor(technician.email);
    const opened = await h.invoke(who, close!);
    expect(opened.status).toBe(200);
    const form = (opened.body as { type: string; value: unknown });
    expect(form.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(readCard(form.value, { messageId, conversationId: CHANNEL }).inputs.map((i) => i.id)).toEqual(expect.arrayContaining(['outcome', 'date', 'note']));
    const submit = nodes(form.value).find((n) => n.type === 'Action.Execute' && (n.data as Json | undefined)?.s === 1);
    expect(submit).toMatchObject({ verb: 'close', data: { c: 'close', f: { actionId: id } } });
    const send = (inputs: Json) => h.invoke(who, { verb: String(submit!.verb), data: { ...(submit!.data as Json), ...inputs }, messageId, conversationId: CHANNEL });

    const eventsBefore = await count(sql`SELECT count(*)::int AS n FROM audit_events`);
    const updatesBefore = h.fake.callsTo('update').length;
    const refused = await send({ outcome: 'test_booked', note: 'booked by phone', date: '' });
    expect(refused.status).toBe(200);
    const again = (refused.body as { value: unknown }).value;
    const date = readCard(again, { messageId, conversationId: CHANNEL }).inputs.find((i) => i.id === 'date');
    expect(date?.error).toMatch(/needs the booked date/);
    expect(nodes(again).find((n) => n.id === 'date')?.errorMessage).toMatch(/needs the booked date/);
    await h.settle();
    expect(await statusOf(id)).toMatchObject({ status: 'claimed' });
    expect(await count(sql`SELECT count(*)::int AS n FROM audit_events WHERE verb = 'action.closed' AND entity_id = ${ref}`)).toBe(0);
    expect(await count(sql`SELECT count(*)::int AS n FROM audit_events`)).toBe(eventsBefore);
    expect(h.fake.callsTo('update').length).toBe(updatesBefore);

    const done = await send({ outcome: 'test_booked', note: 'booked by phone', date: '2026-11-30' });
    expect(done.status).toBe(200);
    expect(readCard((done.body as { value: unknown }).value, { messageId, conversationId: CHANNEL }).text).toContain('closed: test_booked');
    await h.settle();
    expect(await statusOf(id)).toEqual({ status: 'closed', outcome: 'test_booked' });
    expect(await count(sql`SELECT count(*)::int AS n FROM audit_events WHERE verb = 'action.closed' AND entity_id = ${ref}`)).toBe(1);
    const updates = h.fake.callsTo('update').slice(updatesBefore).filter((c) => c.conversationId === CHANNEL && c.activityId === messageId);
    expect(updates).toHaveLength(1);
    expect(updates[0]!.method).toBe('PUT');
    expect(textOf(updates[0])).toContain(`closed: test_booked by ${technician.name}`);
  });

  it('a claim made through Slack updates the Teams channel card showing that action', async () => {
    const { id, ref } = await claimInTeams(technician);
    await h.message(h.accountFor(technician.email), `release ${ref}`);
    await h.settle();
    const messageId = await teamsMessageId(id);
    expect(await statusOf(id)).toMatchObject({ status: 'open' });
    const teamsUpdatesBefore = h.fake.callsTo('update').length;
    const teamsSendsBefore = h.fake.callsTo('send').length;
    const before = { calls: slack.fake.calls.length, responses: slack.fake.responses.length };

    const sent = await slack.slash(slack.userFor(pharmacist.email), `claim ${ref}`);
    expect(sent.http.status).toBe(200);
    await slack.settle();
    await h.settle();
    expect(slackShownSince(slack.fake, before.calls, before.responses).text).toContain('claimed');
    expect(await statusOf(id)).toMatchObject({ status: 'claimed' });
    const [claimedBy] = rowsOf<{ via: string; actor_name: string }>(await world.db.execute(sql`SELECT via, actor_name FROM audit_events WHERE entity_id = ${ref} AND verb = 'action.claimed' ORDER BY id DESC LIMIT 1`));
    expect(claimedBy).toEqual({ via: 'slack', actor_name: pharmacist.name });
    const update = h.fake.callsTo('update').slice(teamsUpdatesBefore).filter((c) => c.conversationId === CHANNEL && c.activityId === messageId);
    expect(update).toHaveLength(1);
    expect(update[0]!.method).toBe('PUT');
    expect(textOf(update[0])).toContain(`claimed by ${pharmacist.name}`);
    // Updated in place: no new Teams card for the action.
    expect(h.fake.callsTo('send').slice(teamsSendsBefore).filter((c) => textOf(c).includes(`${ref} `))).toHaveLength(0);
    // Each worker delivered only its own platform's rows; none is left over.
    expect(await count(sql`SELECT count(*)::int AS n FROM outbox WHERE status <> 'delivered'`)).toBe(0);
  });

  it('a red result recorded from Teams posts its review card proactively to the bound channel, and stores it', async () => {
    const storedBefore = await count(sql`SELECT count(*)::int AS n FROM messages WHERE platform = 'teams' AND channel_id = ${CHANNEL}`);
    const at = h.fake.calls.length;
    expect((await h.message(h.accountFor(pharmacist.email), 'result DEMO-010 lithium_level 1.6 mmol/L')).status).toBe(200);
    await h.settle();
    expect(shownSince(h.fake, at).text).toContain('RED');
    const [review] = rowsOf<{ id: number }>(await world.db.execute(sql`SELECT id FROM actions WHERE kind = 'result_review' ORDER BY id DESC LIMIT 1`));
    expect(review).toBeDefined();
    // Proactive, through the stored channel reference: botbuilder sends it as a POST to the channel
    // conversation (with a made-up replyToId, so the fake records it as a reply), not to anybody's chat.
    const posted = h.fake.calls.slice(at).filter((c) => c.conversationId === CHANNEL && (c.kind === 'send' || c.kind === 'reply') && textOf(c).includes(`A-${review!.id} `));
    expect(posted).toHaveLength(1);
    expect(posted[0]!.method).toBe('POST');
    expect(posted[0]!.path.startsWith(`/v3/conversations/${CHANNEL}/activities`)).toBe(true);
    const attachment = (posted[0]!.body as { attachments: { contentType: string }[] }).attachments[0];
    expect(attachment?.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(textOf(posted[0])).toMatch(/Result review · red[\s\S]*DEMO-010[\s\S]*lithium_level 1\.6 mmol\/L/);
    expect(await count(sql`SELECT count(*)::int AS n FROM messages m JOIN message_actions ma ON ma.message_row_id = m.id
      WHERE ma.action_id = ${review!.id} AND m.platform = 'teams' AND m.channel_id = ${CHANNEL}`)).toBe(1);
    expect(await count(sql`SELECT count(*)::int AS n FROM messages WHERE platform = 'teams' AND channel_id = ${CHANNEL}`)).toBeGreaterThan(storedBefore);
  });
});
