/**
 * The console adapter's own behaviour, beyond the shared contract: a person at a terminal gets a
 * greeting and a prompt (and no echo); a script gets each command echoed before its reply;
 * comments and blank lines are skipped; "exit" ends the session.
 */
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runConsole } from '../../adapters/console/console.js';
import { USERS, createWorld, type World } from '../contract/world.js';

describe('console adapter', () => {
  let world: World;
  beforeAll(async () => {
    world = await createWorld('pglite');
  }, 60_000);
  afterAll(async () => world?.close());

  it('greets and prompts a person at a terminal, without echoing what they typed', async () => {
    const out: string[] = [];
    const prompts: string[] = [];
    const result = await runConsole({
      core: world.core, email: USERS.technician.email, input: Readable.from(['mine\n', 'exit\n', 'list\n']),
      out: (t) => out.push(t), prompt: (t) => prompts.push(t), interactive: true,
    });
    expect(out[0]).toBe(`closedloop console as ${USERS.technician.email}. Type "help" for commands, "exit" to leave.`);
    expect(out.join('\n')).toContain('Your actions');
    expect(out.join('\n')).not.toContain('> mine');
    expect(prompts).toEqual(['> ', '> ']);
    expect(result).toEqual({ commands: 1, failed: 0 });
  });

  it('runs a script: echoes each command, skips comments and blank lines, counts refusals', async () => {
    const out: string[] = [];
    const script = ['# morning check', '', 'help', 'claim A-99999999', '/closedloop mine'].join('\n');
    const result = await runConsole({ core: world.core, email: USERS.technician.email, input: Readable.from([script]), out: (t) => out.push(t), interactive: false });
    const text = out.join('\n');
    expect(text).not.toContain('morning check');
    expect(text).toContain('> help');
    expect(text).toContain('> claim A-99999999\n✗ Not done\nThere is no action A-99999999.');
    expect(text).toContain('> /closedloop mine');
    expect(result).toEqual({ commands: 3, failed: 1 });
  });
});
