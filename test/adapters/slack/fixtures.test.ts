/**
 * The recorded Slack payloads in test/fixtures/slack are what the Slack adapter tests replay. This
 * checks two things. First, they are still the upstream bytes listed in SOURCES.md, because a
 * hand-edited fixture would test our assumptions and not Slack's. Second, they parse the way they
 * arrive on the wire and carry every field the adapter reads. If Slack's shapes and ours drift
 * apart, this should fail before the adapter tests do.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { interactionBody } from '../../support/slack-signing.js';

const root = new URL('../../fixtures/slack/', import.meta.url);
const text = (file: string): string => readFileSync(new URL(file, root), 'utf8');
// Fixtures are untyped JSON. `any` keeps the field assertions readable, and each one is checked anyway.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const json = (file: string): any => JSON.parse(text(file));

describe('Slack fixture provenance', () => {
  const listed = new Map(
    [...text('SOURCES.md').matchAll(/^\| `([^`]+)` \|.*\| `([0-9a-f]{16})` \|$/gm)].map((m) => [m[1], m[2]]),
  );
  const onDisk = readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name !== 'SOURCES.md')
    .map((entry) => path.relative(fileURLToPath(root), path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .sort();

  it('lists every fixture file in SOURCES.md, and nothing that is not there', () => {
    expect(onDisk.length).toBeGreaterThanOrEqual(23);
    expect([...listed.keys()].sort()).toEqual(onDisk);
  });

  it.each(onDisk)('%s still has the bytes recorded in SOURCES.md', (file) => {
    const digest = createHash('sha256').update(readFileSync(new URL(file, root))).digest('hex');
    expect(digest.slice(0, 16)).toBe(listed.get(file));
  });

  it('every JSON fixture parses', () => {
    for (const file of onDisk.filter((f) => f.endsWith('.json'))) expect(() => json(file), file).not.toThrow();
  });
});

describe('Slack payloads carry what the adapter reads', () => {
  it('slash command (form body): command, text, user, team, channel, response_url, trigger_id', () => {
    const form = new URLSearchParams(text('bolt-python-payloads/slash_command.form-urlencoded.txt'));
    expect(Object.fromEntries(form)).toMatchObject({
      command: '/hello-world', text: 'Hi', user_id: 'W111', team_id: 'T111', channel_id: 'C111',
      response_url: 'https://hooks.slack.com/commands/T111/111/xxxxx', trigger_id: '111.111.xxx',
    });

    // Slack's signing example is a real-world slash command too, with empty text (a bare `/cmd`).
    const docs = new URLSearchParams(text('signing/slack_docs_signature_example.body.txt'));
    expect(docs.get('command')).toBe('/webhook-collect');
    expect(docs.get('text')).toBe('');
    for (const field of ['user_id', 'team_id', 'channel_id', 'response_url', 'trigger_id']) {
      expect(docs.get(field), field).toBeTruthy();
    }

    // The Slapp-era command predates trigger_id, so the adapter must not require it.
    const legacy = json('legacy-slapp-fixtures/command.json').body;
    expect(legacy).toMatchObject({ command: '/joke', user_id: 'UXXXXXXXX', team_id: 'TXXXXXXXX', channel_id: 'DXXXXXXXX' });
    expect(legacy.response_url).toMatch(/^https:\/\/hooks\.slack\.com\/commands\//);
    expect(legacy.trigger_id).toBeUndefined();
  });

  it('block_actions: actions[0].action_id/value, user.id, team.id and the container message', () => {
    const body = json('bolt-python-payloads/block_actions.button.json');
    expect(body.type).toBe('block_actions');
    expect(body.actions[0]).toMatchObject({ action_id: 'a', block_id: 'b', value: 'click_me_123', type: 'button' });
    expect(body.user.id).toBe('W111');
    expect(body.team.id).toBe('T111');
    expect(body.container).toEqual({ type: 'message', message_ts: '111.222', channel_id: 'C111', is_ephemeral: true });
    expect(body.response_url).toMatch(/^https:\/\/hooks\.slack\.com\/actions\//);
    expect(body.trigger_id).toBeTruthy();

    // On the wire it is one `payload` form field. The round trip through that encoding is lossless.
    const form = new URLSearchParams(interactionBody(body));
    expect(JSON.parse(form.get('payload') ?? '')).toEqual(body);
  });

  it('view_submission: view.state.values, view.private_metadata, view.callback_id, user.id', () => {
    const body = json('bolt-python-payloads/view_submission.modal_input.json');
    expect(body.type).toBe('view_submission');
    expect(body.user.id).toBe('W111');
    expect(body.view.callback_id).toBe('view-id');
    expect(body.view.private_metadata).toBe('This is for you!');
    // values[block_id][action_id] is how the adapter reads a modal field.
    expect(body.view.state.values.hspI.maBWU).toEqual({ type: 'plain_text_input', value: 'test' });

    // With response_url_enabled, Slack sends response_urls, and Bolt's respond() uses the first.
    const withUrls = json('bolt-python-payloads/view_submission.response_urls.json');
    expect(withUrls.response_urls[0]).toMatchObject({ channel_id: 'C111', response_url: expect.any(String) });
    // A modal with no inputs may arrive with `state: {}` and no `values` key, so the adapter must cope.
    expect(withUrls.view.state).toEqual({});
  });

  it('view_closed: the view and user, with empty state', () => {
    const body = json('bolt-python-payloads/view_closed.json');
    expect(body.type).toBe('view_closed');
    expect(body.user.id).toBe('W111');
    expect(body.view).toMatchObject({
      id: 'V111', callback_id: 'view-id', private_metadata: 'This is for you!', state: { values: {} },
    });
  });

  it('url_verification has a challenge to echo', () => {
    const files = ['bolt-python-payloads/events.url_verification.json', 'events-api/python-slack-events-api.url_challenge.json'];
    for (const file of files) {
      const body = json(file);
      expect(body.type, file).toBe('url_verification');
      expect(typeof body.challenge, file).toBe('string');
      expect(body.challenge.length, file).toBeGreaterThan(0);
    }
  });

  it('event_callback envelopes carry event_id (our dedupe key), team_id and the event', () => {
    const mention = json('bolt-python-payloads/events.app_mention.json');
    expect(mention).toMatchObject({ type: 'event_callback', event_id: 'Ev111', team_id: 'T111' });
    expect(mention.event).toMatchObject({ type: 'app_mention', user: 'W222', channel: 'C111', text: '<@W111> Hi there!' });
    expect(mention.event.ts).toMatch(/^\d+\.\d{6}$/);

    const message = json('bolt-python-payloads/events.message.json');
    expect(message.event)
      .toMatchObject({ type: 'message', user: 'W111', channel: 'C111', channel_type: 'channel', text: 'Hello World!' });

    // Older envelopes have no event_id, so the adapter needs a fallback key (e.g. team + event_ts).
    const legacy = json('events-api/python-slack-events-api.reaction_added.json');
    expect(legacy.event_id).toBeUndefined();
    expect(legacy.event).toMatchObject({ type: 'reaction_added', event_ts: '1477958240.864741' });
  });

  it('the Slapp-era action is a legacy interactive_message, not block_actions', () => {
    const body = json('legacy-slapp-fixtures/action.json').body;
    expect(body.type).toBeUndefined();
    expect(body.callback_id).toBe('in_or_out_callback');
    expect(body.actions[0]).toEqual({ name: 'answer', value: 'in' });
    expect(body.actions[0].action_id).toBeUndefined();
  });
});
