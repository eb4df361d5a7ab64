/**
 * The Slack adapter end to end over real HTTP: real Bolt on our HTTP server, the outbox worker
 * delivering through the real Web API client, and a fake Slack Web API on loopback. On both
 * engines. Counts audit events and actions to show what changed, and what did not.
 */
import { Readable } from 'node:stream';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runConsole } from '../../../adapters/console/console.js';
import { rowsOf } from '../../../src/db/client.js';
import { USERS, createWorld, type World } from '../../contract/world.js';
import { engines } from '../../support/databases.js';
import { CHANNEL_ID, SIGNING_SECRET, shownSince, startSlackHarness, type SeenSlackButton, type SlackHarness } from '../../support/slack-harness.js';
import { postSigned, signSlackBody, slashCommandBody } from '../../support/slack-signing.js';

const { technician, pharmacist, admin } = USERS;

async function count(world: World, query: ReturnType<typeof sql>): Promise<number> {
  return Number(rowsOf<{ n: number }>(await world.db.execute(query))[0]?.n ?? 0);
}
const auditEvents = (world: World) => count(world, sql`SELECT count(*)::int AS n FROM audit_events`);

describe.each(engines)('Slack over HTTP [%s]', (engine) => {
  let world: World;
  let h: SlackHarness;

  beforeAll(async () => {
    world = await createWorld(engine);
    h = await startSlackHarness(world.core, world.db);
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    await world?.close();
  });

  /** Claims the first unclaimed overdue action through Slack; its card is then posted in the channel. */
  async function claimOne(email: string): Promise<{ ref: string; id: number }> {
    const before = { calls: h.fake.calls.length, responses: h.fake.responses.length };
    const list = await h.slash(h.userFor(email), 'list overdue_monitoring');
    await h.settle();
    expect(list.http.status).toBe(200);
    const claim = shownSince(h.fake, before.calls, before.responses).buttons.find((b) => b.command === 'claim');
    if (!claim) throw new Error('no unclaimed overdue action left to claim');
    await h.slash(h.userFor(email), `claim A-${claim.actionId}`);
    await h.settle();
    return { ref: `A-${claim.actionId}`, id: claim.actionId! };
  }

  async function messageTs(actionId: number): Promise<string> {
    const [row] = rowsOf<{ message_id: string }>(await world.db.execute(sql`SELECT m.message_id FROM messages m
      JOIN message_actions ma ON ma.message_row_id = m.id WHERE ma.action_id = ${actionId} AND m.channel_id = ${CHANNEL_ID}`));
    if (!row) throw new Error(`A-${actionId} has no posted message`);
    return row.message_id;
  }

  it('answers 401 and runs nothing for a bad signature, missing headers or a 6-minute-old timestamp', async () => {
    const eventsBefore = await auditEvents(world);
    const callsBefore = h.fake.calls.length;
    const body = slashCommandBody({ user_id: h.userFor(technician.email), text: 'list' }, { responseUrlBase: h.fake.baseUrl });
    const bad = await postSigned(h.url, 'not-the-secret-0000000000000000', body);
    const stale = await postSigned(h.url, SIGNING_SECRET, body, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 });
    const bare = await fetch(h.url, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    const signedOtherBody = signSlackBody(SIGNING_SECRET, body.replace('list', 'mine'));
    const swapped = await fetch(h.url, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded', ...signedOtherBody } });
    expect([bad.status, stale.status, bare.status, swapped.status]).toEqual([401, 401, 401, 401]);
    await new Promise((r) => setTimeout(r, 200));
    // Bolt may check its token (auth.test) once, lazily; nothing else may reach Slack.
    expect(h.fake.calls.slice(callsBefore).map((c) => c.method).filter((m) => m !== 'auth.test')).toEqual([]);
    expect(h.fake.responses.filter((r) => JSON.stringify(r.body).includes('Open actions'))).toHaveLength(0);
    expect(await auditEvents(world)).toBe(eventsBefore);
  });

  it('acknowledges a slash command (Bolt answers 404 at 3 s if not) and replies through response_url', async () => {
    const before = h.fake.responses.length;
    const sent = await h.slash(h.userFor(technician.email), 'mine');
    expect(sent.http.status).toBe(200);
    await h.settle();
    const reply = h.fake.responses.slice(before).at(-1)!.body as Record<string, unknown>;
    expect(reply.response_type).toBe('ephemeral');
    expect(String(reply.text)).toMatch(/Your actions|You hold no open actions/);
  });

  it('runs every command from a signed slash command, with the Web API calls and database changes each calls for', async () => {
    const tech = h.userFor(technician.email);
    const pharm = h.userFor(pharmacist.email);
    const run = async (user: string, text: string) => {
      const before = { calls: h.fake.calls.length, responses: h.fake.responses.length };
      const sent = await h.slash(user, text);
      await h.settle();
      expect(sent.http.status).toBe(200);
      return shownSince(h.fake, before.calls, before.responses);
    };
    const { ref, id } = await claimOne(technician.email);
    for (const [user, text, expected] of [
      [tech, 'help', /closedloop commands/], [tech, 'mine', new RegExp(ref)], [tech, 'home', /Your open actions/],
      [tech, 'list overdue', /Overdue tests/], [tech, `audit ${ref}`, /claimed/], [pharm, 'patient DEMO-001', /DEMO-001/],
    ] as const) expect((await run(user, text)).text).toMatch(expected);
    const claimsBefore = await count(world, sql`SELECT count(*)::int AS n FROM audit_events WHERE verb LIKE 'action.%'`);
    expect((await run(tech, `note ${ref} rang the surgery`)).text).toContain('added a note');
    expect((await run(tech, `release ${ref}`)).text).toContain('open again');
    expect((await run(tech, `claim ${ref}`)).text).toContain('claimed');
    expect((await run(tech, `handoff ${ref} technician covering`)).text).toContain('handed off');
    const escalated = await run(tech, `escalate ${ref} the surgery is not answering`);
    expect(escalated.text).toMatch(/Opened A-\d+ \(escalation to a duty lead\)/);
    // The escalation is a new action: its card goes to the channel through the outbox.
    expect(escalated.calls.some((c) => c.method === 'chat.postMessage' && c.body.channel === CHANNEL_ID)).toBe(true);
    expect((await run(tech, `claim ${ref}`)).text).toContain('claimed');
    expect((await run(tech, `close ${ref} declined patient prefers to wait`)).text).toContain('closed: declined');
    expect(await count(world, sql`SELECT count(*)::int AS n FROM audit_events WHERE verb LIKE 'action.%'`)).toBeGreaterThanOrEqual(claimsBefore + 7);
    const recorded = await run(pharm, 'result DEMO-010 lithium_level 1.6 mmol/L');
    expect(recorded.text).toContain('RED');
    expect(recorded.calls.filter((c) => c.method === 'chat.postMessage' && c.body.channel === CHANNEL_ID).length).toBeGreaterThan(0);
    expect((await run(tech, 'dna DEMO-005 hba1c no transport')).text).toMatch(/Missed appointment follow-up/);
    expect((await run(pharm, 'discharge DEMO-008')).text).toMatch(/Discharge reconciliation/);
    expect((await run(h.userFor(admin.email), `link <@U0LATER> ${technician.email}`)).text).toContain('Account linked');
    expect((await run(h.userFor(admin.email), 'bind North CMHT (demo) managers')).text).toContain("managers' channel");
    const [bound] = rowsOf<{ purpose: string }>(await world.db.execute(sql`SELECT purpose FROM channels WHERE channel_id = ${CHANNEL_ID}`));
    expect(bound?.purpose).toBe('managers');
    expect((await run(h.userFor(admin.email), 'bind North CMHT (demo)')).text).toContain("North CMHT (demo)'s channel");
    expect(id).toBeGreaterThan(0);
  }, 60_000);

  it('button → modal → a missing field shown in the modal → corrected → closed, and the channel card is updated', async () => {
    const { id } = await claimOne(technician.email);
    const ts = await messageTs(id);
    const posted = h.fake.callsTo('chat.postMessage').find((c) => JSON.stringify(c.body.blocks).includes(`A-${id} `))!;
    const card = shownSince({ ...h.fake, calls: [posted], responses: [] } as unknown as typeof h.fake, 0, 0);
    const close = card.buttons.find((b) => b.command === 'close' && b.opensForm) as SeenSlackButton;
    expect(close).toBeDefined();
    close.container = { type: 'message', channel_id: CHANNEL_ID, message_ts: ts, is_ephemeral: false };

    const opensBefore = h.fake.callsTo('views.open').length;
    await h.press(h.userFor(technician.email), close);
    await h.settle();
    const open = h.fake.callsTo('views.open')[opensBefore]!;
    const view = open.body.view as { private_metadata: string; blocks: { block_id?: string; type: string }[] };
    expect(view.blocks.filter((b) => b.type === 'input').map((b) => b.block_id)).toEqual(expect.arrayContaining(['outcome', 'date', 'note']));

    const select = (value: string) => ({ value: { type: 'static_select', selected_option: { value } } });
    const missing = await h.submitView(h.userFor(technician.email), { id: 'V1', private_metadata: view.private_metadata }, {
      outcome: select('test_booked'), note: { value: { type: 'plain_text_input', value: 'booked by phone' } },
    });
    expect(JSON.parse(missing.body)).toMatchObject({ response_action: 'errors', errors: { date: expect.stringContaining('needs the booked date') } });
    const [stillClaimed] = rowsOf<{ status: string }>(await world.db.execute(sql`SELECT status FROM actions WHERE id = ${id}`));
    expect(stillClaimed?.status).toBe('claimed');

    const updatesBefore = h.fake.callsTo('chat.update').length;
    const done = await h.submitView(h.userFor(technician.email), { id: 'V1', private_metadata: view.private_metadata }, {
      outcome: select('test_booked'), date: { value: { type: 'datepicker', selected_date: '2026-11-30' } },
      note: { value: { type: 'plain_text_input', value: 'booked by phone' } },
    });
    expect(done.status).toBe(200);
    expect(done.body).toBe('');
    await h.settle();
    const [closed] = rowsOf<{ status: string; outcome: string }>(await world.db.execute(sql`SELECT status, outcome FROM actions WHERE id = ${id}`));
    expect(closed).toEqual({ status: 'closed', outcome: 'test_booked' });
    const update = h.fake.callsTo('chat.update').slice(updatesBefore).find((c) => c.body.ts === ts);
    expect(update?.body.channel).toBe(CHANNEL_ID);
    expect(JSON.stringify(update?.body.blocks)).toContain(`closed: test_booked by ${technician.name}`);
  });

  it('a claim made in the console updates the Slack card showing that action', async () => {
    const { id, ref } = await claimOne(technician.email);
    await h.slash(h.userFor(technician.email), `release ${ref}`);
    await h.settle();
    const ts = await messageTs(id);
    const updatesBefore = h.fake.callsTo('chat.update').length;
    const postsBefore = h.fake.callsTo('chat.postMessage').length;
    const printed: string[] = [];
    await runConsole({ core: world.core, email: pharmacist.email, input: Readable.from([`claim ${ref}\n`]), out: (t) => printed.push(t), interactive: false });
    expect(printed.join('\n')).toContain(`${pharmacist.name} claimed ${ref}`);
    await h.settle();
    const update = h.fake.callsTo('chat.update').slice(updatesBefore).find((c) => c.body.ts === ts);
    expect(update).toBeDefined();
    expect(JSON.stringify(update!.body.blocks)).toContain(`claimed by ${pharmacist.name} at`);
    // One card per action per channel: the console's claim updated it, it posted nothing new.
    expect(h.fake.callsTo('chat.postMessage').slice(postsBefore).filter((c) => JSON.stringify(c.body.blocks).includes(`${ref} `))).toHaveLength(0);
  });

  it('publishes App Home on app_home_opened, and again after my change', async () => {
    const user = h.userFor(technician.email);
    const before = h.fake.callsTo('views.publish').length;
    const event = { token: 'x', team_id: 'T0CLOSED1', api_app_id: 'A0CLOSEDLOOP', type: 'event_callback', event_id: `Ev${Date.now()}`, event_time: 1, event: { type: 'app_home_opened', user, channel: 'D0HOME', tab: 'home' } };
    const sent = await postSigned(h.url, SIGNING_SECRET, JSON.stringify(event), { contentType: 'application/json' });
    expect(sent.status).toBe(200);
    await h.settle();
    const published = h.fake.callsTo('views.publish').slice(before);
    expect(published).toHaveLength(1);
    expect(published[0]!.body.user_id).toBe(user);
    expect(JSON.stringify(published[0]!.body.view)).toContain('Your open actions');
    await claimOne(technician.email);
    // Refreshed within a second of the change (changes in that second are re-rendered once).
    await expect.poll(() => h.fake.callsTo('views.publish').length, { timeout: 5_000 }).toBeGreaterThan(before + 1);
  });

  it('links an unlinked Slack user automatically by the verified email users.info gives', async () => {
    const user = 'U0AUTOLINK';
    h.fake.users[user] = { email: USERS.dutyLead.email.toUpperCase() };
    await h.slash(user, 'mine');
    await h.settle();
    const [linked] = rowsOf<{ linked_by: string }>(await world.db.execute(sql`SELECT linked_by FROM platform_identities WHERE platform = 'slack' AND external_id = ${user}`));
    expect(linked?.linked_by).toBe('verified_email');
    expect(h.fake.callsTo('users.info').some((c) => c.body.user === user)).toBe(true);
  });

  it('never writes patient references, labels or typed text to the log', () => {
    const leaks = h.logLines.filter((line) => /DEMO-0\d\d|Fictional patient|rang the surgery|booked by phone|lithium_level/.test(line));
    expect(leaks).toEqual([]);
  });
});
