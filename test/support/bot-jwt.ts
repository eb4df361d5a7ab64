/**
 * Bot Framework channel authentication, offline. In production the Bot Connector signs every
 * POST to /api/messages with an RS256 JWT (`iss: https://api.botframework.com`, `aud: <app id>`,
 * `serviceurl`), and botbuilder checks it against the keys listed by
 * https://login.botframework.com/v1/.well-known/openidconfiguration. This module stands in for
 * that login service: it makes RSA keys, serves the OpenID metadata and JWKS on 127.0.0.1, and
 * signs tokens the way the connector does, so the real CloudAdapter/TeamsAdapter validation
 * code runs in tests.
 *
 * How botbuilder 4.23.3 is pointed here (see `jwtAuthConfig`): any one of the `ToBot…`/`ToChannel…`/
 * `OAuthUrl`/`CallerId` settings switches BotFrameworkAuthenticationFactory into "parameterized"
 * mode, where EVERY value is taken as given and unset ones stay undefined (an unset
 * ToBotFromChannelTokenIssuer rejects every token). So we set them all.
 *
 * Things the SDK does that tests must allow for:
 * - OpenID metadata is cached process-wide per URL (JwtTokenExtractor.openIdMetadataCache) for 24 h;
 *   an unknown `kid` triggers a refresh at most once an hour. Publish every key before the first
 *   request; `metadataUrl` carries a per-issuer query string so two issuers never share a cache entry.
 * - Expiry is checked with a 5-minute clock tolerance: an "expired" test token must be older than that.
 * - The `serviceurl` claim must equal the activity's `serviceUrl` exactly (trailing slash included).
 * - A key with `endorsements` only validates activities whose `channelId` is listed (`msteams`).
 */
import { createSign, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigurationServiceClientCredentialFactory, type ConfigurationBotFrameworkAuthenticationOptions } from 'botbuilder';

/** `AuthenticationConstants.ToBotFromChannelTokenIssuer` in botframework-connector. */
export const BOT_FRAMEWORK_ISSUER = 'https://api.botframework.com';
/** `AuthenticationConstants.ToChannelFromBotOAuthScope`: the audience of outbound tokens. */
export const BOT_FRAMEWORK_SCOPE = 'https://api.botframework.com';
export const FAKE_OUTBOUND_TOKEN = 'fake-token';

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** Channel ids the key may sign for; botbuilder enforces this against `activity.channelId`. */
  endorsements: string[];
}

export function generateSigningKey(kid = `test-key-${randomUUID()}`, endorsements = ['msteams']): SigningKey {
  // 2048 bits: jsonwebtoken 9 refuses smaller RSA keys.
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid, privateKey, publicKey, endorsements };
}

const b64url = (data: string | Buffer): string => Buffer.from(data).toString('base64url');

/** A compact JWS, RS256, with `kid` in the header. */
export function signJwt(payload: Record<string, unknown>, privateKey: KeyObject, kid: string): string {
  const input = `${b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid }))}.${b64url(JSON.stringify(payload))}`;
  return `${input}.${createSign('RSA-SHA256').update(input).sign(privateKey).toString('base64url')}`;
}

export interface BotTokenOptions {
  appId: string;
  serviceUrl: string;
  /** Seconds from now until `exp`; negative for an expired token. Default 3600. */
  expiresInSeconds?: number;
  /** Sign with this key (e.g. one the issuer never published) instead of the issuer's. */
  key?: KeyObject;
  kid?: string;
  /** Overrides or extra claims, e.g. `{ iss: 'https://evil.example' }`. */
  claims?: Record<string, unknown>;
}

/** The claims the Bot Connector puts in a channel → bot token. */
export function botTokenClaims(options: BotTokenOptions, now = Math.floor(Date.now() / 1000)): Record<string, unknown> {
  return {
    iss: BOT_FRAMEWORK_ISSUER,
    aud: options.appId,
    serviceurl: options.serviceUrl,
    nbf: now - 60,
    iat: now - 60,
    exp: now + (options.expiresInSeconds ?? 3600),
    ...options.claims,
  };
}

export interface FakeBotFrameworkIssuer {
  /** For `ToBotFromChannelOpenIdMetadataUrl`. */
  metadataUrl: string;
  jwksUrl: string;
  /** The first key: what `signBotToken` uses by default. */
  key: SigningKey;
  keys: SigningKey[];
  /** Requests the SDK made to this server, to prove it validated against us. */
  fetches: { path: string; at: number }[];
  signBotToken(options: BotTokenOptions): string;
  close(): Promise<void>;
}

/** Serves `/v1/.well-known/openidconfiguration` and `/v1/keys` for `keys` (default: one msteams key). */
export async function startFakeBotFrameworkIssuer(keys: SigningKey[] = [generateSigningKey()]): Promise<FakeBotFrameworkIssuer> {
  const [first] = keys;
  if (!first) throw new Error('startFakeBotFrameworkIssuer: at least one key');
  const instance = randomUUID();
  const fetches: { path: string; at: number }[] = [];
  let base = '';
  const jwks = (): unknown => ({
    keys: keys.map((k) => ({ ...k.publicKey.export({ format: 'jwk' }), kid: k.kid, use: 'sig', alg: 'RS256', endorsements: k.endorsements })),
  });
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    fetches.push({ path, at: Date.now() });
    const body = path === '/v1/.well-known/openidconfiguration'
      ? { issuer: BOT_FRAMEWORK_ISSUER, authorization_endpoint: `${base}v1/authorize`, jwks_uri: `${base}v1/keys?instance=${instance}`,
          id_token_signing_alg_values_supported: ['RS256'], token_endpoint_auth_methods_supported: ['private_key_jwt'] }
      : path === '/v1/keys' ? jwks() : undefined;
    res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' }).end(JSON.stringify(body ?? { error: 'not found' }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    metadataUrl: `${base}v1/.well-known/openidconfiguration?instance=${instance}`,
    jwksUrl: `${base}v1/keys?instance=${instance}`,
    key: first,
    keys,
    fetches,
    signBotToken: (options) => signJwt(botTokenClaims(options), options.key ?? first.privateKey, options.kid ?? first.kid),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/**
 * The ConfigurationBotFrameworkAuthentication settings that validate inbound JWTs against
 * `metadataUrl` and otherwise match public Azure (botframework-connector AuthenticationConstants).
 * `MicrosoftAppPassword` is never used when the credentials factory is `FixedTokenCredentialsFactory`.
 */
export function jwtAuthConfig(appId: string, metadataUrl: string): ConfigurationBotFrameworkAuthenticationOptions {
  return {
    MicrosoftAppId: appId,
    MicrosoftAppPassword: 'not-used-offline',
    MicrosoftAppType: 'MultiTenant',
    ToBotFromChannelOpenIdMetadataUrl: metadataUrl,
    // Emulator-issued tokens (other issuers) would be checked against this URL: keep it local too.
    ToBotFromEmulatorOpenIdMetadataUrl: metadataUrl,
    ToBotFromChannelTokenIssuer: BOT_FRAMEWORK_ISSUER,
    ToChannelFromBotOAuthScope: BOT_FRAMEWORK_SCOPE,
    ToChannelFromBotLoginUrl: 'https://login.microsoftonline.com/botframework.com',
    OAuthUrl: 'https://api.botframework.com',
    CallerId: 'urn:botframework:azure',
    ValidateAuthority: true,
  };
}

/**
 * The real factory for app-id checks (`isValidAppId`, `isAuthenticationDisabled`, "Invalid appId."
 * for a wrong one), but outbound requests are signed with a fixed bearer token instead of an Entra
 * token from login.microsoftonline.com (MSAL, which needs the network and an https authority).
 */
export class FixedTokenCredentialsFactory extends ConfigurationServiceClientCredentialFactory {
  constructor(private readonly expectedAppId: string, private readonly token = FAKE_OUTBOUND_TOKEN) {
    super({ MicrosoftAppId: expectedAppId, MicrosoftAppPassword: 'not-used-offline', MicrosoftAppType: 'MultiTenant' });
  }

  override async createCredentials(...args: Parameters<ConfigurationServiceClientCredentialFactory['createCredentials']>) {
    if (!(await this.isValidAppId(args[0]))) throw new Error(`Invalid appId: '${args[0]}' (expected '${this.expectedAppId}').`);
    return {
      signRequest: async <R extends { headers: { set(name: string, value: string): void } }>(request: R): Promise<R> => {
        request.headers.set('authorization', `Bearer ${this.token}`);
        return request;
      },
    };
  }
}
