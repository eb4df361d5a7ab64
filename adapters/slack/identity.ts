/**
 * The verified email of a Slack user, for linking them to a member of staff automatically
 * (`users.info`, scope `users:read.email`). Slack confirms workspace members' addresses, so the
 * core may link by it; a lookup that fails just means the person is asked to get linked.
 * Remembered for an hour: it is asked before every request, and people rarely change address.
 */
import type { WebClient } from '@slack/web-api';
import type { Logger } from './bolt-logger.js';

const TTL_MS = 60 * 60 * 1000;
const MAX_ENTRIES = 10_000;

export function createEmailLookup(client: WebClient, logger: Logger, now: () => number = () => performance.now()) {
  const cache = new Map<string, { email: string | undefined; until: number }>();
  return async function verifiedEmail(userId: string): Promise<string | undefined> {
    const hit = cache.get(userId);
    if (hit && hit.until > now()) return hit.email;
    let email: string | undefined;
    try {
      const result = await client.users.info({ user: userId });
      const user = result.user as { deleted?: boolean; is_bot?: boolean; profile?: { email?: string } } | undefined;
      email = user && !user.deleted && !user.is_bot ? user.profile?.email?.toLowerCase() : undefined;
    } catch (err) {
      // Never the user id's details: the code says whether the scope is missing or Slack was down.
      logger.warn('slack_email_lookup_failed', { error: (err as { data?: { error?: string }; code?: string }).data?.error ?? (err as { code?: string }).code ?? 'unknown' });
      return undefined;
    }
    if (cache.size >= MAX_ENTRIES) cache.clear();
    cache.set(userId, { email, until: now() + TTL_MS });
    return email;
  };
}
