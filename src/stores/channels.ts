/**
 * Channel bindings: which team a chat channel shows, and an admin binding it (audited in the
 * same transaction, with the previous binding as "before").
 */
import { sql } from 'drizzle-orm';
import type { BindRequest, ChannelRef, ChannelStore } from '../app/ports.js';
import { appendAudit } from '../audit/append.js';
import { rowsOf } from '../db/client.js';
import type { Database } from '../db/database.js';
import { findTeamId } from '../register/due-list.js';

async function bind(db: Database, request: BindRequest): ReturnType<ChannelStore['bind']> {
  const team = await findTeamId(db, request.teamName);
  if (!team.ok) return team;
  const { platform, tenant, channelId } = request.channel;
  const changed = await db.transaction(async (tx) => {
    const [previous] = rowsOf<{ team_id: string; purpose: string }>(await tx.execute(sql`SELECT team_id, purpose FROM channels
      WHERE platform = ${platform} AND tenant = ${tenant} AND channel_id = ${channelId} FOR UPDATE`));
    if (previous?.team_id === team.value && previous.purpose === request.purpose) return false;
    await tx.execute(sql`INSERT INTO channels (platform, tenant, channel_id, team_id, purpose, bound_by)
      VALUES (${platform}, ${tenant}, ${channelId}, ${team.value}::uuid, ${request.purpose}, ${request.boundBy}::uuid)
      ON CONFLICT (platform, tenant, channel_id) DO UPDATE SET team_id = excluded.team_id, purpose = excluded.purpose, bound_by = excluded.bound_by`);
    await appendAudit(tx, request.actor, {
      verb: 'channel.bound', entityType: 'channel', entityId: `${platform}:${tenant}:${channelId}`,
      before: previous ? { teamId: previous.team_id, purpose: previous.purpose } : null,
      after: { teamId: team.value, team: request.teamName, purpose: request.purpose },
    }, request.now);
    return true;
  });
  return { ok: true, value: { changed } };
}

export function sqlChannels(db: Database): ChannelStore {
  return {
    async boundTeam({ platform, tenant, channelId }: ChannelRef) {
      const [bound] = rowsOf<{ team_id: string; name: string }>(await db.execute(sql`SELECT c.team_id, t.name FROM channels c
        JOIN teams t ON t.id = c.team_id WHERE c.platform = ${platform} AND c.tenant = ${tenant} AND c.channel_id = ${channelId}`));
      return bound ? { teamId: bound.team_id, teamName: bound.name } : null;
    },
    bind: (request) => bind(db, request),
  };
}
