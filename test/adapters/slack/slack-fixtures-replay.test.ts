/**
 * Payloads recorded by Slack's own projects (test/fixtures/slack, see SOURCES.md), replayed through
 * our real endpoint, signed as Slack signs them. They were written by other people for other apps,
 * so they test that we accept Slack's real shapes and that nothing we do not own gets executed:
 * every one must be answered without crashing, and only the slash command may run anything.
 *
 * Every `response_url` is pointed at the fake Slack, so a reply, had we sent one, is recorded
 * instead of going to hooks.slack.com. Nothing else in the payloads is changed but the command name.
 */
import { readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../../src/db/client.js';
import { createWorld, type World } from '../../contract/world.js';
import { engines } from '../../support/databases.js';
import { SIGNING_SECRET, startSlackHarness, type SlackHarness } from '../../support/slack-harness.js';
import { interactionBody, postSigned, type SignedResponse } from '../../support/slack-signing.js';

const fixtures = new URL('../../fixtures/slack/bolt-python-payloads/', import.meta.url);
const text = (file: string) => readFileSync(new URL(file, fixtures), 'utf8');
const json = (file: string) => JSON.parse(text(file)) as Record<string, unknown>;

describe.each(engines)('recorded Slack payloads replayed through /slack/events [%s]', (engine) => {
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

  const auditEvents = async () => Number(rowsOf<{ n: number }>(await world.db.execute(sql`SELECT count(*)::int AS n FROM audit_events`))[0]?.n ?? 0);
  const outboxRows = async () => Number(rowsOf<{ n: number }>(await world.db.execute(sql`SELECT count(*)::int AS n FROM outbox`))[0]?.n ?? 0);

  /** What one replay did: Web API methods called (Bolt's token check aside), replies sent, rows written. */
  async function effectsOf(send: () => Promise<SignedResponse>, expectedReplies = 0) {
    const before = { calls: h.fake.calls.length, responses: h.fake.responses.length, audit: await auditEvents(), outbox: await outboxRows() };
    const response = await send();
    if (expectedReplies > 0) await h.fake.waitFor((f) => f.responses.length >= before.responses + expectedReplies, 5_000);
    await h.settle();
    return {
      response,
      methods: h.fake.calls.slice(before.calls).map((c) => c.method).filter((m) => m !== 'auth.test'),
      replies: h.fake.responses.slice(before.responses),
      auditAdded: (await auditEvents()) - before.audit,
      outboxAdded: (await outboxRows()) - before.outbox,
    };
  }
  const form = (body: string) => postSigned(h.url, SIGNING_SECRET, body, { contentType: 'application/x-www-form-urlencoded' });
  const event = (body: string) => postSigned(h.url, SIGNING_SECRET, body, { contentType: 'application/json' });
  const interaction = (payload: Record<string, unknown>) => form(interactionBody(payload));

  /**
   * The bolt-python slash command with only `command` and `response_url` rewritten, in place. A
   * second invocation (`another`) also gets its own text and trigger_id, as Slack gives each one:
   * the adapter keys a command's delivery by its trigger_id, so a repeated one is a replay and
   * gets the first answer again.
   */
  function slashFixture(replyId: string, another?: { text: string; triggerId: string }): string {
    const original = text('slash_command.form-urlencoded.txt');
    let body = original
      .replace('command=%2Fhello-world', 'command=%2Fclosedloop')
      .replace(/response_url=[^&]+/, `response_url=${encodeURIComponent(`${h.fake.baseUrl}commands/T111/111/${replyId}`)}`);
    if (another) body = body.replace('&text=Hi&', `&text=${encodeURIComponent(another.text)}&`).replace('trigger_id=111.111.xxx', `trigger_id=${another.triggerId}`);
    expect(body.split('&').filter((field) => !original.split('&').includes(field)).map((f) => f.split('=')[0])).toEqual(
      ['command', ...(another ? ['text'] : []), 'response_url', ...(another ? ['trigger_id'] : [])]);
    return body;
  }

  it('slash command from bolt-python as recorded ("Hi"), renamed to /closedloop: acknowledged and answered that it is not a command', async () => {
    const seen = await effectsOf(() => form(slashFixture('hi')), 1);
    expect(seen.response.status).toBe(200);
    // The core reads the words before it looks the person up (typing errors and help need no
    // identity), so an unknown person typing "Hi" learns what to type, and nothing is recorded.
    // The adapter asks users.info for a verified email first, as it does for every command.
    expect(seen.methods).toEqual(['users.info']);
    expect(seen.replies.map((r) => r.id)).toEqual(['commands/T111/111/hi']);
    const reply = seen.replies[0]!.body as { response_type: string; text: string };
    expect(reply.response_type).toBe('ephemeral');
    expect(reply.text).toContain('"Hi" is not a command. Type "help"');
    expect([seen.auditAdded, seen.outboxAdded]).toEqual([0, 0]);
  });

  it('the same slash command with a real command ("mine"): the unknown user is told how to get linked', async () => {
    const seen = await effectsOf(() => form(slashFixture('mine', { text: 'mine', triggerId: '111.112.yyy' })), 1);
    expect(seen.response.status).toBe(200);
    // W111 is nobody on our staff list and users.info does not know them (user_not_found): the
    // core will not act for an unnamed person, and explains the two ways to get linked.
    expect(seen.methods).toEqual(['users.info']);
    expect(seen.replies.map((r) => r.id)).toEqual(['commands/T111/111/mine']);
    const reply = seen.replies[0]!.body as { response_type: string; text: string };
    expect(reply.response_type).toBe('ephemeral');
    expect(reply.text).toContain('is not linked to anyone on the staff list');
    expect(reply.text).toContain('To get linked');
    expect([seen.auditAdded, seen.outboxAdded]).toEqual([0, 0]);
  });

  it('block_actions for a button that is not ours: acknowledged (200) and ignored', async () => {
    // action_id "a" with value "click_me_123" was drawn by another app. Slack shows the person an
    // error unless every interaction is acknowledged, so we acknowledge it, then run nothing: the
    // button carries no submission of ours.
    const payload = { ...json('block_actions.button.json'), response_url: h.fake.responseUrl('foreign-button') };
    const seen = await effectsOf(() => interaction(payload));
    expect(seen.response.status).toBe(200);
    // Not even users.info: nobody is looked up for a button we did not draw.
    expect(seen.methods).toEqual([]);
    expect(seen.replies).toEqual([]);
    expect([seen.auditAdded, seen.outboxAdded]).toEqual([0, 0]);
    expect(h.logLines.some((l) => l.includes('"slack_unknown_button"') && l.includes('"actionId":"a"'))).toBe(true);
  });

  it('view_submission of a modal that is not ours: acknowledged at once, nothing run, nothing crashes', async () => {
    // callback_id "view-id" is not our form's: the catch-all acknowledges it (so Slack shows the
    // person no failure) and logs its callback id only. The submitted "test" is never read.
    const seen = await effectsOf(() => interaction(json('view_submission.modal_input.json')));
    expect(seen.response.status).toBe(200);
    expect(h.logLines.some((l) => l.includes('"slack_unknown_modal"'))).toBe(true);
    expect(seen.methods).toEqual([]);
    expect(seen.replies).toEqual([]);
    expect([seen.auditAdded, seen.outboxAdded]).toEqual([0, 0]);
    expect(h.logLines.filter((l) => l.includes('"unexpected_error"'))).toEqual([]);
    // The service still answers afterwards.
    expect((await fetch(h.url.replace('/slack/events', '/healthz'))).status).toBe(200);
  });

  it('url_verification: the challenge is echoed (Slack checks the Request URL this way)', async () => {
    const { challenge } = json('events.url_verification.json') as { challenge: string };
    const seen = await effectsOf(() => event(text('events.url_verification.json')));
    expect(seen.response.status).toBe(200);
    expect(JSON.parse(seen.response.body)).toEqual({ challenge });
    expect(seen.methods).toEqual([]);
    expect([seen.auditAdded, seen.outboxAdded]).toEqual([0, 0]);
  });

  it('app_mention event: acknowledged (200), nothing run (we listen for app_home_opened only)', async () => {
    // Bolt acknowledges every Events API request before its listeners run, so Slack does not retry it.
    const seen = await effectsOf(() => event(text('events.app_mention.json')));
    expect(seen.response.status).toBe(200);
    expect(seen.methods).toEqual([]);
    expect(seen.replies).toEqual([]);
    expect([seen.auditAdded, seen.outboxAdded]).toEqual([0, 0]);
  });

  it('logs none of the payloads’ content', () => {
    expect(h.logLines.filter((l) => /click_me_123|This is for you|Hi there|primary-owner|3eZbrw1aBm2rZg/.test(l))).toEqual([]);
  });
});
