/**
 * Builds and sends requests the way Slack does. Each body is signed with the app's signing secret
 * (HMAC-SHA256 over `v0:<timestamp>:<raw body>`), so the real Bolt receiver accepts it. That
 * lets a test go through signature checks, body parsing and ack timing instead of calling
 * handlers directly.
 *
 * Bolt rejects a timestamp more than 5 minutes older than its clock (`Date.now()`). A test that
 * fakes `Date` must pass the same faked time as `timestamp`.
 */
import { createHmac } from 'node:crypto';

export interface SlackSignatureHeaders {
  'x-slack-signature': string;
  'x-slack-request-timestamp': string;
}

/** The signing headers Slack would send with `rawBody` at `timestampSeconds` (default: now). */
export function signSlackBody(
  secret: string,
  rawBody: string,
  timestampSeconds: number = nowSeconds(),
): SlackSignatureHeaders {
  const digest = createHmac('sha256', secret).update(`v0:${timestampSeconds}:${rawBody}`).digest('hex');
  return { 'x-slack-signature': `v0=${digest}`, 'x-slack-request-timestamp': String(timestampSeconds) };
}

/** The form fields of a slash-command request, as Slack names them. */
export interface SlashCommandFields {
  token?: string;
  team_id?: string;
  team_domain?: string;
  enterprise_id?: string;
  channel_id?: string;
  channel_name?: string;
  user_id?: string;
  user_name?: string;
  command?: string;
  text?: string;
  api_app_id?: string;
  response_url?: string;
  trigger_id?: string;
  [field: string]: string | undefined;
}

export interface SlashCommandOptions {
  /**
   * Where response_url points when `response_url` itself is not given, e.g. the fake's
   * `baseUrl`. The path mimics Slack's (`/commands/<team>/<n>/<secret>`), and the fake Slack
   * server records POSTs to it. Default: https://hooks.slack.com.
   */
  responseUrlBase?: string;
}

let sequence = 0;

/**
 * A slash-command body (application/x-www-form-urlencoded) for `/closedloop`. Unspecified
 * fields get consistent placeholder IDs. Each call gets a fresh trigger_id and response_url,
 * as with Slack, so two commands in one test can be told apart.
 */
export function slashCommandBody(fields: SlashCommandFields = {}, options: SlashCommandOptions = {}): string {
  sequence += 1;
  const teamId = fields.team_id ?? 'T0CLOSED1';
  const base = (options.responseUrlBase ?? 'https://hooks.slack.com').replace(/\/+$/, '');
  const defaults: Record<string, string> = {
    token: 'deprecated-verification-token',
    team_id: teamId,
    team_domain: 'closedloop-test',
    channel_id: 'C0MDTCLINIC',
    channel_name: 'mdt-clinic',
    user_id: 'U0PHARMACIST',
    user_name: 'pharmacist',
    command: '/closedloop',
    text: '',
    api_app_id: 'A0CLOSEDLOOP',
    response_url: `${base}/commands/${teamId}/${1000 + sequence}/resp${sequence}`,
    trigger_id: `${sequence}.${1000 + sequence}.trigger${sequence}`,
  };
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries({ ...defaults, ...fields })) {
    if (value !== undefined) params.set(key, value);
  }
  return params.toString();
}

/**
 * An interaction body (block_actions, view_submission, shortcuts): one form field, `payload`,
 * holding the JSON. That is how Slack sends interactions, and Bolt's receiver expects it.
 */
export function interactionBody(payload: object): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

export interface PostSignedOptions {
  /** Default application/x-www-form-urlencoded. Use application/json for Events API envelopes. */
  contentType?: string;
  /**
   * Extra headers, applied after signing. They can therefore replace the signature or timestamp
   * (a test of rejection) or add X-Slack-Retry-Num / X-Slack-Retry-Reason. Names are case-insensitive.
   */
  headers?: Record<string, string>;
  /** Signing timestamp in seconds (default: now). */
  timestamp?: number;
}

export interface SignedResponse {
  status: number;
  body: string;
  headers: Headers;
  /** Wall-clock time from sending to having read the whole response. Bolt must ack within 3 s. */
  ms: number;
}

/** POSTs `rawBody` to `url` signed with `secret`, as Slack would, and reads the whole response. */
export async function postSigned(
  url: string,
  secret: string,
  rawBody: string,
  options: PostSignedOptions = {},
): Promise<SignedResponse> {
  const headers = {
    'content-type': options.contentType ?? 'application/x-www-form-urlencoded',
    ...signSlackBody(secret, rawBody, options.timestamp ?? nowSeconds()),
    // Lower-cased so that an override replaces the signed header instead of joining it.
    ...Object.fromEntries(Object.entries(options.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
  };
  const started = performance.now();
  const response = await fetch(url, { method: 'POST', body: rawBody, headers });
  const body = await response.text();
  return { status: response.status, body, headers: response.headers, ms: performance.now() - started };
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
