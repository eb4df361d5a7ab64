/** Stored conversation references, on both engines: an installation is audited once; refreshes update the reference. */
import { sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { rowsOf } from '../../src/db/client.js';
import { createConversationStore } from '../../src/index.js';
import { describeEachEngine } from '../support/databases.js';

describeEachEngine('conversation references', (getDb) => {
  const now = new Date('2026-12-02T09:00:00Z');
  const channel = { platform: 'teams' as const, tenant: 'tenant-1', channelId: '19:abc@thread.tacv2', kind: 'channel' as const, userId: null, reference: { serviceUrl: 'https://smba.example/emea/', conversation: { id: '19:abc@thread.tacv2' } } };

  it('stores an installation once (audited) and refreshes the reference afterwards', async () => {
    const store = createConversationStore(getDb());
    expect(await store.remember(channel, { now, correlationId: 'c1' })).toEqual({ installed: true });
    const moved = { ...channel, reference: { ...channel.reference, serviceUrl: 'https://smba.example/uk/' } };
    expect(await store.remember(moved, { now, correlationId: 'c2' })).toEqual({ installed: false });
    expect((await store.find('teams', 'tenant-1', '19:abc@thread.tacv2'))?.reference).toEqual(moved.reference);
    const events = rowsOf<{ verb: string }>(await getDb().execute(sql`SELECT verb FROM audit_events WHERE entity_type = 'conversation'`));
    expect(events.map((e) => e.verb)).toEqual(['conversation.installed']);
  });

  it("finds a person's personal chat, and nothing for a stranger or another tenant", async () => {
    const store = createConversationStore(getDb());
    await store.remember({ ...channel, channelId: 'a:personal-1', kind: 'personal', userId: 'aad-ana' }, { now, correlationId: 'c3' });
    expect((await store.findPersonal('teams', 'tenant-1', 'aad-ana'))?.channelId).toBe('a:personal-1');
    expect(await store.findPersonal('teams', 'tenant-1', 'aad-nobody')).toBeNull();
    expect(await store.findPersonal('teams', 'tenant-2', 'aad-ana')).toBeNull();
    expect(await store.find('teams', 'tenant-1', 'no-such-conversation')).toBeNull();
  });
});
