/**
 * The fake Slack Web API, driven by the real WebClient. The Slack adapter tests trust what the
 * fake records, and the outbox worker's retry logic relies on the error shapes asserted here
 * (documented in test/support/fake-slack.ts). A WebClient upgrade that changes them fails here
 * first.
 */
import {
  ErrorCode, WebClient, type WebAPIHTTPError, type WebAPIPlatformError, type WebAPIRateLimitedError, type WebAPIRequestError,
} from '@slack/web-api';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSlack, type FakeSlack } from '../../support/fake-slack.js';
import { slashCommandBody } from '../../support/slack-signing.js';

const TOKEN = 'xoxb-test-token';

describe('fake Slack Web API', () => {
  let fake: FakeSlack;
  let client: WebClient;
  beforeAll(async () => {
    fake = await startFakeSlack({ users: { U0PHARMACIST: { email: 'pharmacist@nhs.test', name: 'Pat Pharmacist' } } });
    client = new WebClient(TOKEN, { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true });
  });
  afterEach(() => fake.reset());
  afterAll(async () => fake?.close());

  /** The rejection of `promise`, failing the test if it resolves. */
  async function rejection<E>(promise: Promise<unknown>): Promise<E> {
    const outcome = await promise.then(() => undefined, (err: unknown) => ({ err }));
    if (!outcome) throw new Error('expected the call to be rejected');
    return outcome.err as E;
  }

  it('answers auth.test with the bot identity, as Bolt needs at start-up', async () => {
    const auth = await client.auth.test();
    expect(auth).toMatchObject({ ok: true, team_id: 'T0CLOSED1', user_id: 'U0CLOSEDBOT', bot_id: 'B0CLOSEDBOT' });
  });

  it('records chat.postMessage from WebClient with blocks decoded and the bot token in the header', async () => {
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*Lithium level* due for PAT-42' } }];
    const first = await client.chat.postMessage({ channel: 'C0MDTCLINIC', text: 'Lithium level due', blocks });
    const second = await client.chat.postMessage({ channel: 'C0MDTCLINIC', text: 'again' });

    const [call] = fake.callsTo('chat.postMessage');
    expect(call?.body).toMatchObject({ channel: 'C0MDTCLINIC', text: 'Lithium level due', blocks });
    expect(call?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(call?.status).toBe(200);
    expect(call?.failed).toBeUndefined();
    expect(first).toMatchObject({ ok: true, channel: 'C0MDTCLINIC', message: { text: 'Lithium level due', blocks } });
    // Slack-shaped, unique and increasing: chat.update addresses a message by this ts.
    expect(first.ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(Number(second.ts)).toBeGreaterThan(Number(first.ts));
  });

  it('answers chat.update, postEphemeral and the views methods; views get an id', async () => {
    expect(await client.chat.update({ channel: 'C1', ts: '1700000000.000200', text: 'Released' }))
      .toMatchObject({ ok: true, channel: 'C1', ts: '1700000000.000200' });
    expect((await client.chat.postEphemeral({ channel: 'C1', user: 'U1', text: 'only you' })).message_ts).toMatch(/^\d+\.\d{6}$/);
    const title = { type: 'plain_text' as const, text: 'Claim' };
    const view = { type: 'modal' as const, callback_id: 'claim_modal', title, blocks: [] };
    const opened = await client.views.open({ trigger_id: '1.2.3', view });
    expect(opened.view).toMatchObject({ callback_id: 'claim_modal', id: expect.stringMatching(/^V/) });
    expect(fake.callsTo('views.open')[0]?.body.view).toEqual(view);
    const viewId = opened.view?.id ?? '';
    expect((await client.views.update({ view_id: viewId, view })).view?.id).toBe(viewId);
    expect((await client.conversations.info({ channel: 'C1' })).ok).toBe(true);
  });

  it('looks up a user e-mail with users.info; an unknown user is user_not_found', async () => {
    const found = await client.users.info({ user: 'U0PHARMACIST' });
    expect(found.user?.profile?.email).toBe('pharmacist@nhs.test');
    expect(found.user?.deleted).toBe(false);

    const err = await rejection<WebAPIPlatformError>(client.users.info({ user: 'U0NOBODY' }));
    expect(err.code).toBe(ErrorCode.PlatformError);
    expect(err.data.error).toBe('user_not_found');
  });

  it('answers 429 with Retry-After as scripted; WebClient rejects with retryAfter in seconds', async () => {
    fake.failNext('chat.postMessage', 1, { status: 429, retryAfter: 2 });
    const err = await rejection<WebAPIRateLimitedError>(client.chat.postMessage({ channel: 'C1', text: 'x' }));

    expect(err.code).toBe('slack_webapi_rate_limited_error');
    expect(err.retryAfter).toBe(2);
    expect(err.name).toBe('WebAPIRateLimitedError');
    expect(err.message).toBe('A rate-limit has been reached, you may retry this request in 2 seconds');
    expect(fake.callsTo('chat.postMessage')).toEqual([expect.objectContaining({ status: 429, failed: true })]);

    // Only the scripted call fails.
    expect((await client.chat.postMessage({ channel: 'C1', text: 'x' })).ok).toBe(true);
  });

  it('a 429 without Retry-After surfaces as a plain Error with no code', async () => {
    fake.failNext('chat.postMessage', 1, { status: 429 });
    const err = await rejection<Error & { code?: string }>(client.chat.postMessage({ channel: 'C1', text: 'x' }));
    expect(err.code).toBeUndefined();
    expect(err.message)
      .toBe(`Retry header did not contain a valid timeout (url: ${fake.apiUrl}chat.postMessage, retry-after header: null)`);
  });

  it('without rejectRateLimitedCalls, a 429 surfaces as a request error with no retryAfter field', async () => {
    const sleepy = new WebClient(TOKEN, { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } });
    // Retry-After 0: the client sleeps for Retry-After itself, and 0 keeps the test fast.
    fake.failNext('chat.postMessage', 1, { status: 429, retryAfter: 0 });
    const call = sleepy.chat.postMessage({ channel: 'C1', text: 'x' });
    const err = await rejection<WebAPIRequestError & { retryAfter?: number }>(call);
    expect(err.code).toBe('slack_webapi_request_error');
    expect(err.retryAfter).toBeUndefined();
    expect(err.message)
      .toBe(`A request error occurred: A rate limit was exceeded (url: ${fake.apiUrl}chat.postMessage, retry-after: 0)`);
    expect(err.original.message).toMatch(/^A rate limit was exceeded/);
  });

  it('answers ok:false as scripted; WebClient rejects with a platform error carrying data.error', async () => {
    fake.failNext('chat.postMessage', 2, { error: 'channel_not_found' });
    for (let i = 0; i < 2; i++) {
      const err = await rejection<WebAPIPlatformError>(client.chat.postMessage({ channel: 'C0GONE', text: 'x' }));
      expect(err.code).toBe('slack_webapi_platform_error');
      expect(err.data).toMatchObject({ ok: false, error: 'channel_not_found' });
      expect(err.message).toBe('An API error occurred: channel_not_found');
    }
    expect(fake.callsTo('chat.postMessage').map((c) => [c.status, c.failed])).toEqual([[200, true], [200, true]]);
    expect((await client.chat.postMessage({ channel: 'C1', text: 'x' })).ok).toBe(true);
  });

  it('answers HTTP 500 as scripted; WebClient rejects with an HTTP error carrying statusCode', async () => {
    fake.failNext('chat.update', 1, { status: 500 });
    const err = await rejection<WebAPIHTTPError>(client.chat.update({ channel: 'C1', ts: '1.2', text: 'x' }));
    expect(err.code).toBe('slack_webapi_http_error');
    expect(err.statusCode).toBe(500);
    expect(err.statusMessage).toBe('Internal Server Error');
    expect(err.message).toBe('An HTTP protocol error occurred: statusCode = 500');
    expect(err.body).toBe('fake slack: scripted HTTP 500');
    expect(err.headers['content-type']).toBe('text/plain');
  });

  it('fails every call with failAlways until clearFailures; unknown methods are recorded', async () => {
    fake.failAlways('*', { error: 'invalid_auth' });
    await expect(client.auth.test()).rejects.toMatchObject({ data: { error: 'invalid_auth' } });
    await expect(client.chat.postMessage({ channel: 'C1', text: 'x' }))
      .rejects.toMatchObject({ data: { error: 'invalid_auth' } });
    fake.clearFailures();
    expect((await client.auth.test()).ok).toBe(true);

    await expect(client.apiCall('bookmarks.add', { channel_id: 'C1' })).rejects.toMatchObject({
      code: ErrorCode.PlatformError, data: { error: 'unknown_method' },
    });
    expect(fake.callsTo('bookmarks.add')).toHaveLength(1);
  });

  it('delays a method by the configured latency and records arrival time', async () => {
    fake.setDelay('chat.postMessage', 150);
    const started = Date.now();
    await client.chat.postMessage({ channel: 'C1', text: 'x' });
    const finished = Date.now();
    const at = fake.calls[0]?.at ?? Number.NaN;
    // `at` is the arrival time, so the delay falls between arrival and the answer.
    expect(at).toBeGreaterThanOrEqual(started);
    expect(finished - at).toBeGreaterThanOrEqual(140);
  });

  it('records response_url POSTs, including a slash command response_url built on the fake', async () => {
    // The same request Bolt's respond() makes.
    const post = (url: string, body: unknown) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post(fake.responseUrl('cmd-1'), { response_type: 'ephemeral', text: 'done' })).status).toBe(200);

    const command = new URLSearchParams(slashCommandBody({ text: 'mine' }, { responseUrlBase: fake.baseUrl }));
    await post(command.get('response_url') ?? '', { text: 'second' });

    expect(fake.responses.map((r) => [r.id, r.body])).toEqual([
      ['cmd-1', { response_type: 'ephemeral', text: 'done' }],
      [expect.stringMatching(/^commands\/T0CLOSED1\//), { text: 'second' }],
    ]);

    // Slack answers an expired response_url with 404, which Bolt's respond() turns into a RespondError.
    fake.failNext('response_url', 1, { status: 404 });
    expect((await post(fake.responseUrl('late'), { text: 'x' })).status).toBe(404);
    expect(fake.responses.at(-1)).toMatchObject({ id: 'late', failed: true, status: 404 });
  });

  it('takes a files.uploadV2 through its three requests: an upload URL, the bytes, the completion in the thread', async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0x10, 0x80]);
    const result = await client.files.uploadV2({
      channel_id: 'C0MDTCLINIC', thread_ts: '1700000000.000100', file: png, filename: 'weekly.png', title: 'Weekly compliance', alt_text: 'Compliance by drug group',
    });
    expect(fake.calls.map((c) => c.method)).toEqual(['files.getUploadURLExternal', 'upload', 'files.completeUploadExternal']);
    const [asked, sent, completed] = fake.calls;
    expect(asked?.body).toMatchObject({ filename: 'weekly.png', length: String(png.length), alt_text: 'Compliance by drug group' });
    // The bytes arrive intact (binary, not text) at the URL the fake handed out.
    expect(fake.uploads).toHaveLength(1);
    expect(fake.uploads[0]!.bytes.equals(png)).toBe(true);
    expect(sent?.body.fileId).toBe(fake.uploads[0]!.fileId);
    expect(completed?.body).toMatchObject({ channel_id: 'C0MDTCLINIC', thread_ts: '1700000000.000100', files: [{ id: fake.uploads[0]!.fileId, title: 'Weekly compliance' }] });
    expect(result).toMatchObject({ ok: true });
  });

  it('fails an upload POST as scripted: WebClient rejects with an HTTP error and nothing is completed', async () => {
    fake.failNext('upload', 1, { status: 500 });
    const err = await rejection<WebAPIHTTPError>(client.files.uploadV2({ channel_id: 'C0MDTCLINIC', file: Buffer.from('png'), filename: 'x.png' }));
    expect(err).toMatchObject({ code: ErrorCode.HTTPError, statusCode: 500 });
    expect(fake.calls.map((c) => [c.method, c.status])).toEqual([['files.getUploadURLExternal', 200], ['upload', 500]]);
    expect(fake.uploads).toEqual([]);
  });

  it('waitFor resolves on a later call and times out naming what arrived', async () => {
    const waiting = fake.waitFor((f) => f.callsTo('chat.postMessage')[0], 1_000);
    await client.auth.test();
    await client.chat.postMessage({ channel: 'C1', text: 'late' });
    expect((await waiting).body.text).toBe('late');

    await expect(fake.waitFor((f) => f.callsTo('views.open').length > 0, 50))
      .rejects.toThrow(/timed out after 50 ms; recorded: \[auth.test, chat.postMessage\]/);
  });
});
