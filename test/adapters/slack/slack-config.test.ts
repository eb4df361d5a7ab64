/**
 * Slack configuration from the environment: all or nothing, every refusal naming the variable to
 * fix; Socket Mode when an app token is given (no public URL, no signing secret, no route); and the
 * service refusing to start half-configured, before it touches the database.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSlackAdapter } from '../../../adapters/slack/app.js';
import { loadSlackConfig, type SlackConfig } from '../../../adapters/slack/config.js';
import type { Core } from '../../../src/index.js';
import { createLogger } from '../../../src/logging/logger.js';
import { startFakeSlack } from '../../support/fake-slack.js';
import { startService } from './service-process.js';

const BOT = 'xoxb-1111-2222-abcdefghijkl';
const SECRET = '8f742231b10e8888abcd99eeeeee85a5';
const APP = 'xapp-1-A111-3333-abcdef';

function refused(env: NodeJS.ProcessEnv): string {
  const result = loadSlackConfig(env);
  if (result.ok) throw new Error(`expected a refusal, got ${JSON.stringify(result.config)}`);
  return result.message;
}

function accepted(env: NodeJS.ProcessEnv): SlackConfig {
  const result = loadSlackConfig(env);
  if (!result.ok) throw new Error(`expected a configuration, got: ${result.message}`);
  if (!result.config) throw new Error('expected a configuration, got "Slack not configured"');
  return result.config;
}

describe('loadSlackConfig', () => {
  it('no SLACK_* variable (or only empty ones): Slack is simply not configured', () => {
    expect(loadSlackConfig({})).toEqual({ ok: true, config: null });
    expect(loadSlackConfig({ PATH: '/usr/bin', DATABASE_URL: 'postgres://x' })).toEqual({ ok: true, config: null });
    expect(loadSlackConfig({ SLACK_BOT_TOKEN: '', SLACK_SIGNING_SECRET: '' })).toEqual({ ok: true, config: null });
  });

  it('a stray SLACK_COMMAND or SLACK_API_URL alone is a partial set: refused, naming the token and secret', () => {
    for (const env of [{ SLACK_COMMAND: '/closedloop' }, { SLACK_API_URL: 'http://127.0.0.1:9/api/' }]) {
      const result = loadSlackConfig(env);
      expect(result.ok).toBe(false);
      expect(!result.ok && result.message).toMatch(/SLACK_BOT_TOKEN: missing[\s\S]*SLACK_SIGNING_SECRET: missing/);
    }
  });

  it('a bot token alone is refused, naming the signing secret (or Socket Mode) as what is missing', () => {
    const message = refused({ SLACK_BOT_TOKEN: BOT });
    expect(message).toMatch(/SLACK_SIGNING_SECRET: missing/);
    expect(message).toContain('SLACK_APP_TOKEN');
    expect(message).not.toMatch(/SLACK_BOT_TOKEN:/);
    expect(message).toContain('unset all SLACK_* variables');
  });

  it('a signing secret alone is refused, naming the bot token', () => {
    const message = refused({ SLACK_SIGNING_SECRET: SECRET });
    expect(message).toMatch(/SLACK_BOT_TOKEN: missing/);
    expect(message).not.toMatch(/SLACK_SIGNING_SECRET:/);
  });

  it('malformed values are refused with the variable name, and never echoed', () => {
    const userToken = refused({ SLACK_BOT_TOKEN: 'xoxp-user-token-not-bot', SLACK_SIGNING_SECRET: SECRET });
    expect(userToken).toMatch(/SLACK_BOT_TOKEN: must be the bot token, starting xoxb-/);
    expect(userToken).not.toContain('xoxp-user-token-not-bot');
    expect(refused({ SLACK_BOT_TOKEN: BOT, SLACK_SIGNING_SECRET: 'not hex at all' })).toMatch(/SLACK_SIGNING_SECRET: must be the signing secret/);
    expect(refused({ SLACK_BOT_TOKEN: BOT, SLACK_APP_TOKEN: 'xoxb-not-an-app-token' })).toMatch(/SLACK_APP_TOKEN: must be an app-level token/);
    expect(refused({ SLACK_BOT_TOKEN: BOT, SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: 'ftp://slack.example/api' })).toMatch(/SLACK_API_URL: must be an http\(s\) URL/);
  });

  it('bot token and signing secret: HTTP mode with the default command', () => {
    expect(accepted({ SLACK_BOT_TOKEN: BOT, SLACK_SIGNING_SECRET: SECRET })).toEqual({
      botToken: BOT, signingSecret: SECRET, appToken: undefined, command: '/closedloop', apiUrl: undefined,
    });
    // Values pasted with a trailing newline still work.
    expect(accepted({ SLACK_BOT_TOKEN: `${BOT}\n`, SLACK_SIGNING_SECRET: ` ${SECRET}` }).botToken).toBe(BOT);
  });

  it('bot token and app token without a secret: Socket Mode', () => {
    expect(accepted({ SLACK_BOT_TOKEN: BOT, SLACK_APP_TOKEN: APP })).toEqual({
      botToken: BOT, signingSecret: undefined, appToken: APP, command: '/closedloop', apiUrl: undefined,
    });
  });

  it('SLACK_COMMAND: /closedloop by default, another slash command accepted, one without the slash refused', () => {
    const base = { SLACK_BOT_TOKEN: BOT, SLACK_SIGNING_SECRET: SECRET };
    expect(accepted(base).command).toBe('/closedloop');
    expect(accepted({ ...base, SLACK_COMMAND: '/mdt-loop' }).command).toBe('/mdt-loop');
    expect(refused({ ...base, SLACK_COMMAND: 'closedloop' })).toMatch(/SLACK_COMMAND: must be a slash command such as \/closedloop/);
    expect(refused({ ...base, SLACK_COMMAND: '/Closed Loop' })).toMatch(/SLACK_COMMAND:/);
  });

  it('SLACK_API_URL is normalised to end in exactly one slash', () => {
    const base = { SLACK_BOT_TOKEN: BOT, SLACK_SIGNING_SECRET: SECRET };
    expect(accepted({ ...base, SLACK_API_URL: 'http://127.0.0.1:9/api' }).apiUrl).toBe('http://127.0.0.1:9/api/');
    expect(accepted({ ...base, SLACK_API_URL: 'https://slack.com/api/' }).apiUrl).toBe('https://slack.com/api/');
  });
});

describe('createSlackAdapter in Socket Mode', () => {
  it('has no HTTP route and opens no connection until start()', async () => {
    const fake = await startFakeSlack();
    try {
      const core = { handle: () => Promise.reject(new Error('not called')) } as unknown as Core;
      const adapter = createSlackAdapter({ core, logger: createLogger('error', () => {}), config: accepted({ SLACK_BOT_TOKEN: BOT, SLACK_APP_TOKEN: APP, SLACK_API_URL: fake.apiUrl }) });
      expect(adapter.mode).toBe('socket');
      expect(adapter.route).toBeNull();
      expect(typeof adapter.deliverer.post).toBe('function');
      await new Promise((r) => setTimeout(r, 200));
      // No apps.connections.open: the socket is opened by start() only. (Bolt may check its bot
      // token with auth.test as soon as the App exists, as it does in HTTP mode.)
      expect(fake.calls.map((c) => c.method).filter((m) => m !== 'auth.test')).toEqual([]);
    } finally {
      await fake.close();
    }
  });
});

describe('the service with Slack half-configured', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'closedloop-slack-config-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('refuses to start (exit code 1), names SLACK_SIGNING_SECRET, and does not open the database', async () => {
    const dataDir = path.join(dir, 'data');
    const service = startService({ SLACK_BOT_TOKEN: BOT, DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn' });
    const { code } = await service.exited;
    expect(code, service.stderr()).toBe(1);
    expect(service.stderr()).toMatch(/SLACK_SIGNING_SECRET: missing/);
    expect(service.stderr()).not.toContain(BOT);
    expect(service.stdout()).not.toContain('closedloop is running');
    // The Slack settings are checked before the database is opened: the data directory was never created.
    expect(fs.existsSync(dataDir)).toBe(false);
  }, 30_000);
});
