/**
 * The console adapter: a chat channel in the terminal. A member of staff types the same commands
 * as in Slack or Teams (with or without a leading /closedloop) and reads the replies as text.
 * When stdin is not a terminal it reads one command per line and prints each reply, so a session
 * can be scripted.
 *
 * Like every adapter it only converts and forwards: a line becomes a core request, and each
 * effect of the response is rendered as text. A form (Close…, Hand off…) is asked as prompts, one
 * per field, read from the next lines; the answers go back to the core as a structured
 * submission. The console account is the email given with --as; whoever runs it already has the
 * database, so the email counts as verified for linking.
 */
import crypto from 'node:crypto';
import readline from 'node:readline';
import type { Readable } from 'node:stream';
import {
  escapeForTerminal, renderFormText, renderText, type Core, type CoreRequest, type CoreResponse, type FormField, type FormView, type SubmissionFields,
} from '../../src/index.js';

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
const CANCEL_WORDS = new Set(['cancel', 'exit', 'quit', '\\q']);
/** A form refused this many times in a row is abandoned, so a script cannot loop for ever. */
const FORM_ATTEMPTS = 3;

type Input = { text: string } | { submission: { command: string; fields: SubmissionFields; openForm?: boolean; refreshesSource?: boolean } };

/** One typed line (or one answered form) → one core request, as any adapter builds it. */
export function consoleRequest(email: string, input: string | Input, deliveryId?: string): CoreRequest {
  return {
    ...(typeof input === 'string' ? { text: input } : input),
    actor: { platform: 'console' as const, tenant: 'local', userId: email, verifiedEmail: email },
    // The console is one person's terminal: nobody else to post changes to.
    channel: { id: CONSOLE_CHANNEL, name: 'console', kind: 'direct' as const },
    via: 'console' as const,
    correlationId: crypto.randomUUID(),
    deliveryId,
  };
}

/** Every effect as text; a form is described (the prompts themselves are asked by runConsole). */
export function renderReply(response: CoreResponse): string {
  return response.effects.map((effect) => {
    switch (effect.type) {
      case 'reply':
      case 'replaceSource': return renderText(effect.view);
      case 'post': return `(posted to the channel)\n${renderText(effect.view)}`;
      case 'update': return '';
      case 'openForm': return renderFormText(effect.form);
    }
  }).filter(Boolean).join('\n\n');
}

function fieldPrompt(field: FormField): string {
  const choices = 'options' in field ? ` [${field.options.map((o) => o.value).join(', ')}${field.kind === 'multiChoice' ? '; several with commas' : ''}]` : '';
  const format = field.kind === 'date' ? ' (YYYY-MM-DD)' : '';
  return `${field.label}${format}${choices}${field.required ? '' : ' (Enter to skip)'}: `;
}

export async function runConsole(options: ConsoleOptions): Promise<{ commands: number; failed: number }> {
  const { core, email, interactive } = options;
  // Everything printed passes through here: replies carry stored text, and a script's own lines are
  // echoed, so neither may reach the terminal with a control or bidirectional character in it.
  const write = (text: string) => options.out(escapeForTerminal(text));
  const prompt = (text = '> ') => options.prompt?.(escapeForTerminal(text));
  const lines = readline.createInterface({ input: options.input, terminal: false, crlfDelay: Infinity });
  const reader = lines[Symbol.asyncIterator]();
  const nextLine = async (): Promise<string | null> => {
    const next = await reader.next();
    return next.done ? null : String(next.value).trim();
  };

  /** Asks each field of a form in turn; null when the person cancels or input ends. */
  async function askForm(form: FormView): Promise<SubmissionFields | null> {
    write(renderFormText(form));
    const answers: SubmissionFields = { ...form.submit.fields };
    for (const field of form.fields) {
      prompt(fieldPrompt(field));
      const answer = await nextLine();
      if (answer === null || CANCEL_WORDS.has(answer.toLowerCase())) return null;
      if (!interactive) write(`${fieldPrompt(field)}${answer}`);
      if (answer !== '') answers[field.name] = field.kind === 'multiChoice' ? answer.split(',').map((a) => a.trim()).filter(Boolean) : answer;
    }
    return answers;
  }

  /** Sends one request; a form in the reply is asked and submitted, again while it comes back with errors. */
  async function converse(input: Input): Promise<boolean> {
    let response = await core.handle(consoleRequest(email, input));
    for (let attempt = 0; attempt < FORM_ATTEMPTS; attempt++) {
      const form = response.effects.find((e) => e.type === 'openForm');
      const others = { ...response, effects: response.effects.filter((e) => e.type !== 'openForm') };
      if (others.effects.length) write(renderReply(others));
      if (!form || form.type !== 'openForm') return response.ok;
      const fields = await askForm(form.form);
      if (!fields) {
        write('Cancelled: nothing was changed.');
        return false;
      }
      response = await core.handle(consoleRequest(email, { submission: { command: form.form.submit.command, fields } }));
    }
    write(renderReply(response));
    return response.ok;
  }

  if (interactive) {
    write(`closedloop console as ${email}. Type "help" for commands, "exit" to leave.`);
    prompt();
  }
  let commands = 0;
  let failed = 0;
  for (let line = await nextLine(); line !== null; line = await nextLine()) {
    if (EXIT_WORDS.has(line.toLowerCase())) break;
    // Blank lines and #comments let a script be readable.
    if (line && !line.startsWith('#')) {
      if (!interactive) write(`> ${line}`);
      commands += 1;
      if (!await converse({ text: line })) failed += 1;
      write('');
    }
    if (interactive) prompt();
  }
  lines.close();
  return { commands, failed };
}
