/**
 * Request signing. Slack's published example must verify with Bolt's own verifier and fail on
 * replay, tampering or a wrong secret. Our signing helper must reproduce the published signature,
 * so every signed request in the adapter tests is one Slack could have sent. A last block sends
 * helper-built requests to a real Bolt App, so the helpers are checked against the receiver
 * itself and not only against the verifier function.
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { App, LogLevel, isValidSlackRequest, verifySlackRequest } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSlack, type FakeSlack } from '../../support/fake-slack.js';
import { interactionBody, postSigned, signSlackBody, slashCommandBody } from '../../support/slack-signing.js';

interface SignatureExample {
  signing_secret: string;
  headers: { 'X-Slack-Request-Timestamp': string; 'X-Slack-Signature': string };
  body: string;
  expected_signature: string;
}

const dir = new URL('../../fixtures/slack/signing/', import.meta.url);
const example = JSON.parse(readFileSync(new URL('slack_docs_signature_example.json', dir), 'utf8')) as SignatureExample;
const rawBody = readFileSync(new URL('slack_docs_signature_example.body.txt', dir), 'utf8');
const timestamp = Number(example.headers['X-Slack-Request-Timestamp']);
const signedAtMs = timestamp * 1000;

/** Bolt's verifier options for the example, with the clock pinned to when Slack signed it. */
function verification(overrides: { body?: string; secret?: string; nowMilliseconds?: number } = {}) {
  return {
    signingSecret: overrides.secret ?? example.signing_secret,
    body: overrides.body ?? rawBody,
    headers: { 'x-slack-signature': example.headers['X-Slack-Signature'], 'x-slack-request-timestamp': timestamp },
    nowMilliseconds: overrides.nowMilliseconds ?? signedAtMs,
  };
}

describe("Slack's published signing example with Bolt's verifier", () => {
  it('is internally consistent: the raw body file is the JSON body, the header is the expected signature', () => {
    expect(rawBody).toBe(example.body);
    expect(example.headers['X-Slack-Signature']).toBe(example.expected_signature);
    expect(timestamp).toBe(1531420618);
  });

  it('verifies at the moment it was signed', () => {
    expect(() => verifySlackRequest(verification())).not.toThrow();
    expect(isValidSlackRequest(verification())).toBe(true);
  });

  it('still verifies 4 minutes later, inside the 5-minute replay window', () => {
    expect(isValidSlackRequest(verification({ nowMilliseconds: signedAtMs + 4 * 60_000 }))).toBe(true);
  });

  it('fails as stale when the clock is 6 minutes later', () => {
    expect(() => verifySlackRequest(verification({ nowMilliseconds: signedAtMs + 6 * 60_000 }))).toThrow(/stale/);
    expect(isValidSlackRequest(verification({ nowMilliseconds: signedAtMs + 6 * 60_000 }))).toBe(false);
  });

  it('only rejects old timestamps: a clock 6 minutes earlier than the signature still verifies', () => {
    // Bolt 5.1 checks staleness in one direction only. If a Bolt upgrade tightens this, review our
    // clock-skew assumptions before changing the test.
    expect(isValidSlackRequest(verification({ nowMilliseconds: signedAtMs - 6 * 60_000 }))).toBe(true);
  });

  it('fails when one byte of the body changes', () => {
    const tampered = rawBody.replace('user_name=roadrunner', 'user_name=roadrunneR');
    expect(tampered).not.toBe(rawBody);
    expect(tampered).toHaveLength(rawBody.length);
    expect(() => verifySlackRequest(verification({ body: tampered }))).toThrow(/signature mismatch/);
    // python-slack-sdk's own negative case for this vector.
    expect(isValidSlackRequest(verification({ body: `${rawBody}------` }))).toBe(false);
  });

  it('fails with a wrong secret', () => {
    const wrong = example.signing_secret.replace(/.$/, '6');
    expect(() => verifySlackRequest(verification({ secret: wrong }))).toThrow(/signature mismatch/);
  });
});

describe('signing helpers', () => {
  it('signSlackBody reproduces the published signature from the published inputs', () => {
    expect(signSlackBody(example.signing_secret, rawBody, timestamp)).toEqual({
      'x-slack-signature': example.expected_signature,
      'x-slack-request-timestamp': '1531420618',
    });
  });

  it('slashCommandBody fills Slack-shaped defaults that callers can override', () => {
    const first = new URLSearchParams(slashCommandBody({ text: 'claim PAT-42', user_id: 'U0NURSE' }));
    expect(first.get('command')).toBe('/closedloop');
    expect(first.get('text')).toBe('claim PAT-42');
    expect(first.get('user_id')).toBe('U0NURSE');
    for (const field of ['team_id', 'channel_id', 'trigger_id']) expect(first.get(field)).toBeTruthy();
    expect(first.get('response_url')).toMatch(/^https:\/\/hooks\.slack\.com\/commands\/T0CLOSED1\//);

    // Each command gets its own trigger and response URL, as from Slack.
    const second = new URLSearchParams(slashCommandBody({}, { responseUrlBase: 'http://127.0.0.1:9/' }));
    expect(second.get('trigger_id')).not.toBe(first.get('trigger_id'));
    expect(second.get('response_url')).toMatch(/^http:\/\/127\.0\.0\.1:9\/commands\//);
  });

  it('interactionBody puts the JSON in a single payload form field', () => {
    const payload = { type: 'block_actions', actions: [{ action_id: 'claim', value: 'PAT-42 & co' }] };
    const form = new URLSearchParams(interactionBody(payload));
    expect([...form.keys()]).toEqual(['payload']);
    expect(JSON.parse(form.get('payload') ?? '')).toEqual(payload);
  });
});

describe('signed requests against a real Bolt receiver', () => {
  const SECRET = 'test-signing-secret';
  let fake: FakeSlack;
  let app: App;
  let url: string;
  const seen: string[] = [];

  beforeAll(async () => {
    fake = await startFakeSlack();
    app = new App({
      token: 'xoxb-test-token', signingSecret: SECRET, logLevel: LogLevel.ERROR,
      clientOptions: { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } },
    });
    app.command('/closedloop', async ({ command, ack, respond }) => {
      seen.push(`command:${command.text}`);
      await ack({ response_type: 'ephemeral', text: `got ${command.text}` });
      await respond({ text: 'done' });
    });
    app.action('claim', async ({ ack, action }) => {
      seen.push(`action:${'value' in action ? String(action.value) : ''}`);
      await ack();
    });
    const server = await app.start({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
  });
  afterAll(async () => {
    await app?.stop();
    await fake?.close();
  });

  it('accepts a signed slash command, returns the ack body, and respond() reaches the fake', async () => {
    const body = slashCommandBody({ text: 'PAT-42' }, { responseUrlBase: fake.baseUrl });
    const res = await postSigned(url, SECRET, body);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ response_type: 'ephemeral', text: 'got PAT-42' });
    const posted = await fake.waitFor((f) => f.responses[0]);
    expect(posted.body).toEqual({ text: 'done' });
  });

  it('accepts a signed block_actions interaction', async () => {
    const payload = {
      type: 'block_actions', user: { id: 'U0PHARMACIST' }, team: { id: 'T0CLOSED1' }, api_app_id: 'A0CLOSEDLOOP',
      token: 'x', trigger_id: '1.2.3', container: { type: 'message', message_ts: '1700000000.000100', channel_id: 'C1' },
      actions: [{ type: 'button', action_id: 'claim', block_id: 'b', value: 'PAT-7', action_ts: '1700000001.000000' }],
    };
    expect((await postSigned(url, SECRET, interactionBody(payload))).status).toBe(200);
    expect(seen).toContain('action:PAT-7');
  });

  it('rejects a wrong secret, a stale timestamp and an overridden signature with 401 before any handler', async () => {
    const before = seen.length;
    const body = slashCommandBody({ text: 'never' });
    expect((await postSigned(url, 'wrong-secret', body)).status).toBe(401);
    expect((await postSigned(url, SECRET, body, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 })).status).toBe(401);
    expect((await postSigned(url, SECRET, body, { headers: { 'X-Slack-Signature': 'v0=00' } })).status).toBe(401);
    expect(seen).toHaveLength(before);
  });
});
