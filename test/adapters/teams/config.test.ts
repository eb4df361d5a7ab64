/** Teams configuration: off, complete, partial, and the unauthenticated local mode that production refuses. */
import { describe, expect, it } from 'vitest';
import { loadTeamsConfig } from '../../../adapters/teams/config.js';

const APP = '6f1c0f0e-1c7b-4a6e-9d2a-0b8f3c2d1e4f';
const TENANT = '0d9f2c1b-8e7a-4b6c-9d5e-1f2a3b4c5d6e';
const refused = (env: NodeJS.ProcessEnv) => {
  const result = loadTeamsConfig(env);
  if (result.ok) throw new Error('expected a refusal');
  return result.message;
};

describe('Teams configuration', () => {
  it('no Teams variable: Teams is off', () => {
    expect(loadTeamsConfig({ PATH: '/usr/bin', NODE_ENV: 'production' })).toEqual({ ok: true, config: null });
  });

  it('a complete single-tenant app, with an allowlist of tenants', () => {
    const result = loadTeamsConfig({ MicrosoftAppId: APP, MicrosoftAppPassword: 's3cret', MicrosoftAppTenantId: TENANT, TEAMS_ALLOWED_TENANTS: `${TENANT}, ${APP}` });
    expect(result).toEqual({ ok: true, config: expect.objectContaining({ appId: APP, appType: 'SingleTenant', tenantId: TENANT, allowedTenants: [TENANT, APP], unauthenticated: false }) });
  });

  it('a partial set is refused, naming what is missing', () => {
    expect(refused({ MicrosoftAppId: APP })).toMatch(/MicrosoftAppPassword: missing[\s\S]*MicrosoftAppTenantId: missing/);
    expect(refused({ MicrosoftAppPassword: 'x' })).toMatch(/MicrosoftAppId: missing/);
    expect(refused({ MicrosoftAppId: 'not-a-guid', MicrosoftAppPassword: 'x' })).toMatch(/MicrosoftAppId: must be a GUID/);
    expect(refused({ TEAMS_ALLOWED_TENANTS: 'acme' })).toMatch(/TEAMS_ALLOWED_TENANTS/);
  });

  it('unauthenticated local mode must be asked for, and is refused in production', () => {
    expect(loadTeamsConfig({ TEAMS_UNAUTHENTICATED_LOCAL: 'true' })).toEqual({ ok: true, config: expect.objectContaining({ unauthenticated: true, appId: undefined }) });
    expect(refused({ TEAMS_UNAUTHENTICATED_LOCAL: 'true', NODE_ENV: 'production' })).toMatch(/refused with NODE_ENV=production/);
    expect(refused({ TEAMS_UNAUTHENTICATED_LOCAL: 'true', MicrosoftAppId: APP, MicrosoftAppPassword: 'x', MicrosoftAppType: 'MultiTenant' })).toMatch(/cannot be used with MicrosoftAppId/);
  });
});
