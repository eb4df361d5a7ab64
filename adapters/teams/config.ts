/**
 * Teams configuration from the environment, validated at start-up. No Teams variable: the service
 * runs without Teams. An app id needs its password (client secret) and type; with a single-tenant
 * app, its tenant. Without an app id, requests cannot be authenticated, so that mode must be
 * asked for by name (TEAMS_UNAUTHENTICATED_LOCAL=true), is refused when NODE_ENV=production, and
 * the service logs a prominent warning while it runs.
 */
import { z } from 'zod';

export interface TeamsConfig {
  appId: string | undefined;
  appPassword: string | undefined;
  appType: 'MultiTenant' | 'SingleTenant';
  tenantId: string | undefined;
  /** Tenants whose messages are accepted; null: any tenant the app is installed in. */
  allowedTenants: string[] | null;
  /** Extra service URLs replies may go to besides Microsoft's (tests add a local fake). */
  connectorAllowlist: string[];
  unauthenticated: boolean;
}

export type TeamsConfigResult = { ok: true; config: TeamsConfig | null } | { ok: false; message: string };

const VARIABLES = ['MicrosoftAppId', 'MicrosoftAppPassword', 'MicrosoftAppTenantId', 'MicrosoftAppType', 'TEAMS_ALLOWED_TENANTS', 'BOT_CONNECTOR_URL_ALLOWLIST', 'TEAMS_UNAUTHENTICATED_LOCAL'] as const;
const guid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a GUID (the Azure Bot\'s Microsoft App ID)');
const list = (item: z.ZodString) => z.string().transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean)).pipe(z.array(item).min(1, 'must list at least one value'));

const schema = z.object({
  MicrosoftAppId: guid.optional(),
  MicrosoftAppPassword: z.string().min(1).optional(),
  MicrosoftAppTenantId: guid.optional(),
  MicrosoftAppType: z.enum(['MultiTenant', 'SingleTenant'], { error: 'must be SingleTenant (an NHS tenant\'s own app) or MultiTenant' }).default('SingleTenant'),
  TEAMS_ALLOWED_TENANTS: list(guid).optional(),
  BOT_CONNECTOR_URL_ALLOWLIST: list(z.string().regex(/^https?:\/\/[^\s/]+/, 'each must be an http(s) URL')).optional(),
  TEAMS_UNAUTHENTICATED_LOCAL: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  NODE_ENV: z.string().optional(),
});

export function loadTeamsConfig(env: NodeJS.ProcessEnv): TeamsConfigResult {
  const present = Object.fromEntries([...VARIABLES, 'NODE_ENV'].filter((n) => env[n] !== undefined && env[n] !== '').map((n) => [n, env[n]!.trim()]));
  if (!VARIABLES.some((n) => n in present)) return { ok: true, config: null };
  const parsed = schema.safeParse(present);
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
  if (parsed.success) {
    const e = parsed.data;
    if (e.MicrosoftAppId && !e.MicrosoftAppPassword) problems.push('  MicrosoftAppPassword: missing (the client secret of the app registration)');
    if (e.MicrosoftAppId && e.MicrosoftAppType === 'SingleTenant' && !e.MicrosoftAppTenantId) problems.push('  MicrosoftAppTenantId: missing (a SingleTenant app needs its tenant id)');
    if (!e.MicrosoftAppId && !e.TEAMS_UNAUTHENTICATED_LOCAL) problems.push('  MicrosoftAppId: missing (or set TEAMS_UNAUTHENTICATED_LOCAL=true for local testing without authentication)');
    if (!e.MicrosoftAppId && e.TEAMS_UNAUTHENTICATED_LOCAL && e.NODE_ENV === 'production') problems.push('  TEAMS_UNAUTHENTICATED_LOCAL: refused with NODE_ENV=production (requests would not be authenticated); set MicrosoftAppId');
    if (e.MicrosoftAppId && e.TEAMS_UNAUTHENTICATED_LOCAL) problems.push('  TEAMS_UNAUTHENTICATED_LOCAL: cannot be used with MicrosoftAppId (requests are authenticated whenever an app id is set)');
    if (!problems.length) {
      return {
        ok: true,
        config: {
          appId: e.MicrosoftAppId, appPassword: e.MicrosoftAppPassword, appType: e.MicrosoftAppType, tenantId: e.MicrosoftAppTenantId,
          allowedTenants: e.TEAMS_ALLOWED_TENANTS ?? null, connectorAllowlist: e.BOT_CONNECTOR_URL_ALLOWLIST ?? [], unauthenticated: !e.MicrosoftAppId,
        },
      };
    }
  }
  return { ok: false, message: `Microsoft Teams is partly configured. Fix the variables below, or unset them all to run without Teams:\n${problems.join('\n')}` };
}
