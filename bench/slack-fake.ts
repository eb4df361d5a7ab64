/**
 * The fake Slack Web API (test/support/fake-slack.ts) in a process of its own for bench/slack.ts,
 * so that answering the service's calls (users.info, views.publish, channel posts) costs neither
 * the service under test nor the load generator any CPU time, as Slack's servers do not. It knows
 * the bench users' emails, prints `READY <baseUrl>`, and answers the parent's `stats` message with
 * the number of calls per method. The fake keeps every call it gets; they are counted and dropped
 * as they come, so a long run does not hold every App Home view in memory.
 *
 * Usage (forked by bench/slack.ts): slack-fake.ts USERS_JSON TEAM_ID
 */
import { startFakeSlack } from '../test/support/fake-slack.js';

const users = JSON.parse(process.argv[2] ?? '{}') as Record<string, { email: string }>;
const fake = await startFakeSlack({ users, teamId: process.argv[3] ?? 'T0CLOSED1' });

/** Web API calls by method since start. */
export type FakeStats = Record<string, number>;
const stats: FakeStats = {};

function fold(): void {
  for (const call of fake.calls.splice(0)) stats[call.method] = (stats[call.method] ?? 0) + 1;
  fake.responses.length = 0;
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
process.stdout.write(`READY ${fake.baseUrl}\n`);
