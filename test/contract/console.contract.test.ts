/**
 * The console adapter against the shared adapter contract: each message goes through
 * `runConsole` exactly as a piped script would, and the printed text is what the person sees.
 */
import { Readable } from 'node:stream';
import { consoleRequest, renderReply, runConsole } from '../../adapters/console/console.js';
import type { Core } from '../../src/index.js';
import { adapterContract, type Delivered } from './adapter-contract.js';

/** Buttons in console text are the commands to type: "[claim A-1 | audit A-1]" and "Next: …". */
function buttonsIn(text: string): Delivered['buttons'] {
  const commands = [...text.matchAll(/\[([^\]]+)\]/g), ...text.matchAll(/^Next: (.+)$/gm)]
    .flatMap((m) => m[1]!.split(' | '));
  return commands.map((c) => {
    const [command, ...args] = c.trim().split(/\s+/);
    return { command: command!, args };
  });
}

async function typeLine(core: Core, email: string, line: string): Promise<Delivered> {
  const printed: string[] = [];
  const { failed } = await runConsole({ core, email, input: Readable.from([`${line}\n`]), out: (t) => printed.push(t), interactive: false });
  const text = printed.join('\n');
  return { ok: failed === 0, text, buttons: buttonsIn(text) };
}

const UNLINKED = 'new.starter@example.invalid';

adapterContract({
  name: 'console',
  async createHarness(core) {
    return {
      send: (email, text) => typeLine(core, email, text),
      press: (email, button) => typeLine(core, email, [button.command, ...button.args].join(' ')),
      async sendTwice(email, text) {
        // The console has no retries of its own; a repeated delivery id is what any platform sends.
        const deliver = async () => {
          const response = await core.handle(consoleRequest(email, text, 'console-delivery-1'));
          const rendered = renderReply(response);
          return { ok: response.ok, text: rendered, buttons: buttonsIn(rendered) };
        };
        return [await deliver(), await deliver()];
      },
      sendUnlinked: (text) => typeLine(core, UNLINKED, text),
      unlinkedMention: `@${UNLINKED}`,
      close: async () => {},
    };
  },
});
