/**
 * The two-role configuration, engine-free: DATABASE_OWNER_URL and AUDIT_KEY are validated at
 * start-up with messages naming them, and the embedded database says it has one role.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env.js';
import { openDatabase } from '../../src/db/client.js';

const messageOf = (env: NodeJS.ProcessEnv) => {
  const loaded = loadConfig(env);
  return loaded.ok ? '' : loaded.message;
};

describe('database roles: configuration', () => {
  it('DATABASE_OWNER_URL needs DATABASE_URL, and a PostgreSQL URL', () => {
    expect(messageOf({ DATABASE_OWNER_URL: 'postgres://owner:pw@db/closedloop' })).toMatch(/DATABASE_OWNER_URL: needs DATABASE_URL too/);
    expect(messageOf({ DATABASE_URL: 'postgres://app:pw@db/closedloop', DATABASE_OWNER_URL: 'mysql://owner@db/x' }))
      .toMatch(/DATABASE_OWNER_URL: must start with postgres:\/\//);
    const both = loadConfig({ DATABASE_URL: 'postgres://app:pw@db/closedloop', DATABASE_OWNER_URL: 'postgres://owner:pw@db/closedloop' });
    expect(both.ok && both.config.databaseOwnerUrl).toBe('postgres://owner:pw@db/closedloop');
  });

  it('AUDIT_KEY is optional, at least 32 characters when given, and never echoed', () => {
    const none = loadConfig({});
    expect(none.ok && none.config.auditKey).toBeUndefined();
    const message = messageOf({ AUDIT_KEY: 'secret-but-short' });
    expect(message).toMatch(/AUDIT_KEY: must be at least 32 characters/);
    expect(message).not.toContain('secret-but-short');
    const key = 'a'.repeat(64);
    const given = loadConfig({ AUDIT_KEY: key });
    expect(given.ok && given.config.auditKey).toBe(key);
  });

  it('the embedded database logs at start-up that it has one role', async () => {
    const logged: string[] = [];
    const handle = await openDatabase({ inMemory: true, log: (msg) => logged.push(msg) });
    await handle.close();
    expect(logged).toContainEqual(expect.stringMatching(/PGlite has one database role, which owns every table/));
  });
});
