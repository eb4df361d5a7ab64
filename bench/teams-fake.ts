/**
 * The fake Bot Connector (test/support/fake-connector.ts) in a process of its own for
 * bench/teams.ts, so that answering the service's calls (member lookups, card updates, channel
 * posts, personal chats) costs neither the service under test nor the load generator any CPU
 * time. It knows the bench people (Teams id, AAD object id, email), prints `READY <serviceUrl>`,
 * and answers the parent's `stats` message with the number of calls per kind; calls are counted
 * and dropped as they come.
 *
 * Usage (forked by bench/teams.ts): teams-fake.ts MEMBERS_JSON TENANT_ID
 */
import { startFakeConnector, type FakeTeamsMember } from '../test/support/fake-connector.js';

const members = JSON.parse(process.argv[2] ?? '{}') as Record<string, FakeTeamsMember>;
const fake = await startFakeConnector({ members, tenantId: process.argv[3] });

/** Connector calls by kind since start (failed ones as `<kind>:failed`). */
export type ConnectorStats = Record<string, number>;
const stats: ConnectorStats = {};

function fold(): void {
  for (const call of fake.calls.splice(0)) {
    const key = call.failed || call.status >= 400 ? `${call.kind}:${call.status}` : call.kind;
    stats[key] = (stats[key] ?? 0) + 1;
  }
}

const timer = setInterval(fold, 200);
process.on('message', (message: unknown) => {
  if (message === 'stats') {
    fold();
    process.send?.(stats);
  } else if (message === 'stop') {
    clearInterval(timer);
    void fake.close().finally(() => process.exit(0));
  }
});
process.stdout.write(`READY ${fake.serviceUrl}\n`);
