/**
 * Stored conversation references: where the bot may post without being spoken to first (Teams
 * proactive messages need the serviceUrl, conversation and tenant it was installed with). The
 * first reference for a conversation is an installation and is audited; later ones refresh the
 * reference (Teams may move a tenant's serviceUrl) without an event of their own.
 */
import { sql } from 'drizzle-orm';
import { appendAudit, SYSTEM_ACTOR_NAME } from '../audit/append.js';
import { rowsOf } from '../db/client.js';
import type { Database } from '../db/database.js';
import { jsonValue } from '../db/values.js';

/** The chat platforms (as in the request contract; stores may not import the core). */
type Platform = 'slack' | 'teams' | 'console';

export interface StoredConversation {
  platform: Platform;
  tenant: string;
  channelId: string;
  kind: 'channel' | 'groupChat' | 'personal';
  /** For personal chats: whose chat it is (Teams: AAD object id). */
  userId: string | null;
  reference: Record<string, unknown>;
}

export interface ConversationStore {
  /** Stores or refreshes a reference; `installed` is true the first time (audited). */
  remember(conversation: StoredConversation, context: { now: Date; correlationId: string }): Promise<{ installed: boolean }>;
  find(platform: Platform, tenant: string, channelId: string): Promise<StoredConversation | null>;
  /** The bot's personal chat with a person, for replies meant for them alone. */
  findPersonal(platform: Platform, tenant: string, userId: string): Promise<StoredConversation | null>;
}

type Row = { platform: Platform; tenant: string; channel_id: string; kind: StoredConversation['kind']; user_id: string | null; reference: unknown };

const toConversation = (r: Row): StoredConversation => ({
  platform: r.platform, tenant: r.tenant, channelId: r.channel_id, kind: r.kind, userId: r.user_id, reference: jsonValue<Record<string, unknown>>(r.reference) ?? {},
});

export function createConversationStore(db: Database): ConversationStore {
  return {
    async remember(c, context) {
      return db.transaction(async (tx) => {
        const [row] = rowsOf<{ inserted: boolean }>(await tx.execute(sql`INSERT INTO conversations (platform, tenant, channel_id, kind, user_id, reference)
          VALUES (${c.platform}, ${c.tenant}, ${c.channelId}, ${c.kind}, ${c.userId}, ${JSON.stringify(c.reference)}::jsonb)
          ON CONFLICT (platform, tenant, channel_id) DO UPDATE SET reference = excluded.reference, kind = excluded.kind,
            user_id = COALESCE(excluded.user_id, conversations.user_id), updated_at = now()
          RETURNING (xmax = 0) AS inserted`));
        const installed = Boolean(row?.inserted);
        if (installed) {
          await appendAudit(tx, { id: null, name: SYSTEM_ACTOR_NAME, identity: 'system', via: c.platform === 'console' ? 'cli' : c.platform, channel: `${c.platform}:${c.channelId}`, correlationId: context.correlationId }, {
            verb: 'conversation.installed', entityType: 'conversation', entityId: `${c.platform}:${c.tenant}:${c.channelId}`, after: { kind: c.kind },
          }, context.now);
        }
        return { installed };
      });
    },
    async find(platform, tenant, channelId) {
      const [row] = rowsOf<Row>(await db.execute(sql`SELECT platform, tenant, channel_id, kind, user_id, reference FROM conversations
        WHERE platform = ${platform} AND tenant = ${tenant} AND channel_id = ${channelId}`));
      return row ? toConversation(row) : null;
    },
    async findPersonal(platform, tenant, userId) {
      const [row] = rowsOf<Row>(await db.execute(sql`SELECT platform, tenant, channel_id, kind, user_id, reference FROM conversations
        WHERE platform = ${platform} AND tenant = ${tenant} AND user_id = ${userId} AND kind = 'personal' ORDER BY updated_at DESC LIMIT 1`));
      return row ? toConversation(row) : null;
    },
  };
}
