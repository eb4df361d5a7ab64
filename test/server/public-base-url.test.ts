/**
 * PUBLIC_BASE_URL (src/config/env.ts): the address Teams fetches chart images from. It must be
 * https; plain http only for this machine and never in production; nothing that would make
 * `${PUBLIC_BASE_URL}/charts/<token>.png` mean something else (credentials, a query, a fragment).
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env.js';

const load = (env: Record<string, string>) => loadConfig({ DEMO_DATA: 'false', ...env });

describe('PUBLIC_BASE_URL', () => {
  it('is optional', () => {
    const result = load({});
    expect(result.ok && result.config.publicBaseUrl).toBeUndefined();
  });

  it('takes an https address, with or without a path prefix, and drops a trailing slash', () => {
    for (const [given, kept] of [
      ['https://closedloop.example.nhs.uk', 'https://closedloop.example.nhs.uk'],
      ['https://closedloop.example.nhs.uk/', 'https://closedloop.example.nhs.uk'],
      ['https://apps.example.nhs.uk/closedloop/', 'https://apps.example.nhs.uk/closedloop'],
      [' https://closedloop.example.nhs.uk:8443 ', 'https://closedloop.example.nhs.uk:8443'],
    ]) {
      const result = load({ PUBLIC_BASE_URL: given!, NODE_ENV: 'production' });
      expect(result.ok ? result.config.publicBaseUrl : result.message).toBe(kept);
    }
  });

  it('takes http only for this machine, and not with NODE_ENV=production', () => {
    for (const local of ['http://localhost:3000', 'http://127.0.0.1:3000/', 'http://[::1]:3000']) {
      const result = load({ PUBLIC_BASE_URL: local });
      expect(result.ok, local).toBe(true);
      const production = load({ PUBLIC_BASE_URL: local, NODE_ENV: 'production' });
      expect(production.ok ? 'accepted' : production.message).toContain('PUBLIC_BASE_URL: must be the https:// address');
      expect(production.ok ? '' : production.message).toContain('NODE_ENV=production');
    }
  });

  it('refuses anything else, naming the variable without repeating the value', () => {
    for (const bad of [
      'http://chat.example.org', 'ftp://chat.example.org', 'chat.example.org', 'https://?',
      'https://user:secret@chat.example.org', 'https://chat.example.org/?a=1', 'https://chat.example.org/#top',
      'javascript:alert(1)',
    ]) {
      const result = load({ PUBLIC_BASE_URL: bad });
      expect(result.ok, bad).toBe(false);
      const message = result.ok ? '' : result.message;
      expect(message).toMatch(/^\s+PUBLIC_BASE_URL: must be the https:\/\/ address/m);
      expect(message).not.toContain('secret');
      expect(message.includes(` (got `)).toBe(false);
    }
  });
});
