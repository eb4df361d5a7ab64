/**
 * Slack configuration from the environment, validated at start-up. No Slack variable at all: the
 * service runs without Slack and says so. Some but not all: it refuses to start and names what is
 * missing, because a half-configured Slack app fails later in ways people cannot see (buttons
 * that do nothing, signatures that never verify).
 */
import { z } from 'zod';

export interface SlackConfig {
  botToken: string;
  /** Verifies every HTTP request; not used in Socket Mode (the socket is authenticated instead). */
  signingSecret: string | undefined;
  /** Set: Socket Mode (no public URL needed). */
  appToken: string | undefined;
  /** The slash command, e.g. "/closedloop". */
  command: string;
  /** Web API base URL ending in "/" (tests point it at a local fake). */
  apiUrl: string | undefined;
}

export type SlackConfigResult = { ok: true; config: SlackConfig | null } | { ok: false; message: string };

const SLACK_VARIABLES = ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'SLACK_APP_TOKEN', 'SLACK_COMMAND', 'SLACK_API_URL'] as const;

const schema = z.object({
  SLACK_BOT_TOKEN: z.string().regex(/^xoxb-\S+$/, 'must be the bot token, starting xoxb- (OAuth & Permissions page)').optional(),
  SLACK_SIGNING_SECRET: z.string().regex(/^[0-9a-f]{16,}$/i, 'must be the signing secret, a long hex string (Basic Information page)').optional(),
  SLACK_APP_TOKEN: z.string().regex(/^xapp-\S+$/, 'must be an app-level token starting xapp- (Basic Information, App-Level Tokens, scope connections:write)').optional(),
  SLACK_COMMAND: z.string().regex(/^\/[a-z0-9_-]{1,31}$/, 'must be a slash command such as /closedloop (lower case, no spaces)').default('/closedloop'),
  SLACK_API_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL such as https://slack.com/api/' }).optional(),
});

export function loadSlackConfig(env: NodeJS.ProcessEnv): SlackConfigResult {
  const present = Object.fromEntries(SLACK_VARIABLES.filter((name) => env[name] !== undefined && env[name] !== '').map((name) => [name, env[name]!.trim()]));
  // Any SLACK_* variable means somebody meant to connect Slack: a stray SLACK_COMMAND alone is a partial set.
  if (Object.keys(present).length === 0) return { ok: true, config: null };
  const parsed = schema.safeParse(present);
  const problems = parsed.success ? [] : parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
  if (!present.SLACK_BOT_TOKEN) problems.push('  SLACK_BOT_TOKEN: missing (the bot token, xoxb-…, from the Slack app\'s OAuth & Permissions page)');
  if (!present.SLACK_SIGNING_SECRET && !present.SLACK_APP_TOKEN) {
    problems.push('  SLACK_SIGNING_SECRET: missing (Basic Information page); or set SLACK_APP_TOKEN to use Socket Mode instead of a public URL');
  }
  if (problems.length || !parsed.success) {
    return { ok: false, message: `Slack is partly configured. Set every variable below, or unset all SLACK_* variables to run without Slack:\n${problems.join('\n')}` };
  }
  const e = parsed.data;
  return {
    ok: true,
    config: {
      botToken: e.SLACK_BOT_TOKEN!, signingSecret: e.SLACK_SIGNING_SECRET, appToken: e.SLACK_APP_TOKEN, command: e.SLACK_COMMAND,
      apiUrl: e.SLACK_API_URL ? e.SLACK_API_URL.replace(/\/?$/, '/') : undefined,
    },
  };
}
