/**
 * The Slack app manifest in the repo is what an admin pastes to create the app in one step: it
 * must match what the adapter listens on and cover every Web API method the adapter calls.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SLACK_EVENTS_PATH } from '../../../adapters/slack/app.js';
import { loadSlackConfig } from '../../../adapters/slack/config.js';

const root = path.resolve(import.meta.dirname, '../../..');
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'adapters/slack/manifest.json'), 'utf8'));

/** The bot scope each Web API method needs (Slack's method reference pages). */
const SCOPE_FOR: Record<string, string[]> = {
  'chat.postMessage': ['chat:write'], 'chat.update': ['chat:write'], 'chat.postEphemeral': ['chat:write'],
  'users.info': ['users:read', 'users:read.email'], 'views.open': [], 'views.publish': [], 'views.update': [],
  // files.uploadV2 calls files.getUploadURLExternal and files.completeUploadExternal, both files:write.
  'files.uploadV2': ['files:write'],
};

describe('Slack app manifest', () => {
  it('sends the slash command, interactivity and events to the adapter\'s one URL', () => {
    const urls = [manifest.features.slash_commands[0].url, manifest.settings.interactivity.request_url, manifest.settings.event_subscriptions.request_url];
    for (const url of urls) expect(new URL(url).pathname).toBe(SLACK_EVENTS_PATH);
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
  });

  it('declares the command the service listens for by default, with mentions escaped for hand-offs', () => {
    const defaults = loadSlackConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'abcdef0123456789abcdef' });
    expect(defaults.ok && defaults.config?.command).toBe(manifest.features.slash_commands[0].command);
    // should_escape turns "@ana" into <@U123|ana>, which the grammar reads as a person.
    expect(manifest.features.slash_commands[0].should_escape).toBe(true);
  });

  it('enables App Home and subscribes to app_home_opened', () => {
    expect(manifest.features.app_home.home_tab_enabled).toBe(true);
    expect(manifest.settings.event_subscriptions.bot_events).toContain('app_home_opened');
  });

  it('has a scope for every Web API method the adapter calls, and no more', () => {
    const sources = fs.readdirSync(path.join(root, 'adapters/slack')).filter((f) => f.endsWith('.ts'))
      .map((f) => fs.readFileSync(path.join(root, 'adapters/slack', f), 'utf8')).join('\n');
    const methods = [...new Set([...sources.matchAll(/client\.(chat|files|users|views)\.(\w+)\(/g)].map((m) => `${m[1]}.${m[2]}`))];
    expect(methods.length).toBeGreaterThan(3);
    const needed = new Set(['commands', ...methods.flatMap((m) => {
      expect(SCOPE_FOR, `no scope mapping for ${m}`).toHaveProperty([m]);
      return SCOPE_FOR[m]!;
    })]);
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual([...needed].sort());
  });
});
