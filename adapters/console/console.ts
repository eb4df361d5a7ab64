/**
 * The console adapter: a chat channel in the terminal. A member of staff types the same commands
 * as in Slack or Teams (with or without a leading /closedloop) and reads the replies as text.
 * When stdin is not a terminal it reads one command per line and prints each reply, so a session
 * can be scripted.
 *
 * Like every adapter it only converts and forwards: a line becomes a core request, the reply's
 * view is rendered as text. The console account is the email given with --as; whoever runs it
 * already has the database, so the email counts as verified for linking.
 */
import crypto from 'node:crypto';
import readline from 'node:readline';
import type { Readable } from 'node:stream';
import { renderText, type Core, type CoreResponse } from '../../src/index.js';

export interface ConsoleOptions {
  core: Core;
  /** The staff member's email: the console identity. */
  email: string;
  input: Readable;
  /** Writes one line (or block of lines) of output. */
  out: (text: string) => void;
  /** Shows the prompt without a newline; omitted for scripted input. */
  prompt?: (text: string) => void;
  /** True for a person at a terminal: a greeting and a prompt. False for scripted input, which echoes each command. */
  interactive: boolean;
}

export const CONSOLE_CHANNEL = 'console';
const EXIT_WORDS = new Set(['exit', 'quit', '\\q']);

/** One typed line → one reply, as the core would be called by any adapter. */
export function consoleRequest(email: string, text: string, deliveryId?: string) {
  return {
    text,
    actor: { platform: 'console' as const, tenant: 'local', userId: email, verifiedEmail: email },
    channel: { id: CONSOLE_CHANNEL, name: 'console' },
    via: 'console' as const,
    correlationId: crypto.randomUUID(),
    deliveryId,
  };
}

export function renderReply(response: CoreResponse): string {
  return renderText(response.view);
}

/** Runs until end of input or "exit"; returns how many commands failed (for a script's exit code). */
export async function runConsole(options: ConsoleOptions): Promise<{ commands: number; failed: number }> {
  const { core, email, interactive } = options;
  const write = options.out;
  const prompt = () => options.prompt?.('> ');
  const lines = readline.createInterface({ input: options.input, terminal: false, crlfDelay: Infinity });
  if (interactive) {
    write(`closedloop console as ${email}. Type "help" for commands, "exit" to leave.`);
    prompt();
  }
  let commands = 0;
  let failed = 0;
  for await (const raw of lines) {
    const line = raw.trim();
    if (EXIT_WORDS.has(line.toLowerCase())) break;
    // Blank lines and #comments let a script be readable.
    if (line && !line.startsWith('#')) {
      if (!interactive) write(`> ${line}`);
      const response = await core.handle(consoleRequest(email, line));
      commands += 1;
      if (!response.ok) failed += 1;
      write(renderReply(response));
      write('');
    }
    if (interactive) prompt();
  }
  lines.close();
  return { commands, failed };
}
