/**
 * The console adapter against the shared adapter contract: each message goes through
 * `runConsole` exactly as a piped script would, and the printed text is what the person sees.
 * A button is the command it shows ("claim A-1042"); a form is answered at its prompts.
 */
import { Readable } from 'node:stream';
import { consoleRequest, renderReply, runConsole } from '../../adapters/console/console.js';
import type { Core, FormView } from '../../src/index.js';
import { adapterContract, type Delivered, type FormSession, type SeenButton } from './adapter-contract.js';

/** Buttons in console text are the commands to type: "[claim A-1 | handoff A-1 … | audit A-1]" and "Next: …". */
function buttonsIn(text: string): SeenButton[] {
  const commands = [...text.matchAll(/\[([^\]]+)\]/g), ...text.matchAll(/^Next: (.+)$/gm)]
    .flatMap((m) => m[1]!.split(' | '));
  return commands.map((typed) => {
    const [command, ...words] = typed.trim().split(/\s+/);
    const id = words.map((w) => /^A-(\d+)$/.exec(w)?.[1]).find(Boolean);
    const opensForm = words.at(-1) === '…';
    return { label: typed, command: command!, actionId: id ? Number(id) : undefined, opensForm, handle: typed.replace(/ …$/, '') };
  });
}

async function typeLines(core: Core, email: string, lines: string[]): Promise<Delivered> {
  const printed: string[] = [];
  const { failed } = await runConsole({ core, email, input: Readable.from(lines.map((l) => `${l}\n`)), out: (t) => printed.push(t), interactive: false });
  const text = printed.join('\n');
  return { ok: failed === 0, text, buttons: buttonsIn(text) };
}

/** The problems a refused form prints beside its fields: "  Date (optional)  ✗ …". */
function errorsIn(text: string, form: FormView): Record<string, string> | null {
  const last = text.slice(text.lastIndexOf(form.title));
  const errors: Record<string, string> = {};
  for (const field of form.fields) {
    const line = last.split('\n').find((l) => l.trimStart().startsWith(field.label) && l.includes('✗'));
    if (line) errors[field.name] = line.slice(line.indexOf('✗') + 2);
  }
  return Object.keys(errors).length ? errors : null;
}

const UNLINKED = 'new.starter@example.invalid';

adapterContract({
  name: 'console',
  async createHarness(core) {
    const type = (email: string, text: string) => typeLines(core, email, [text]);
    return {
      send: type,
      press: (email, button) => type(email, String(button.handle)),
      async pressTwice(email, button) {
        // A console button is typed; two identical deliveries are what a double click sends.
        const deliver = async () => {
          const response = await core.handle(consoleRequest(email, String(button.handle), 'console-press-1'));
          const rendered = renderReply(response);
          return { ok: response.ok, text: rendered, buttons: buttonsIn(rendered) };
        };
        return [await deliver(), await deliver()];
      },
      async openForm(email, button): Promise<FormSession | Delivered> {
        // What the prompts will ask, in order: the form the typed command opens.
        const opened = await core.handle(consoleRequest(email, String(button.handle)));
        const effect = opened.effects.find((e) => e.type === 'openForm');
        if (!effect || effect.type !== 'openForm') {
          const rendered = renderReply(opened);
          return { ok: opened.ok, text: rendered, buttons: buttonsIn(rendered) };
        }
        const form = effect.form;
        return {
          title: form.title,
          fields: form.fields.map((f) => ({ name: f.name, label: f.label, required: f.required, options: 'options' in f ? f.options.map((o) => o.value) : [] })),
          async submit(answers) {
            const lines = form.fields.map((f) => {
              const answer = answers[f.name];
              return Array.isArray(answer) ? answer.join(',') : answer ?? '';
            });
            // A refused form is asked again; "cancel" ends it so the script does not hang.
            const delivered = await typeLines(core, email, [String(button.handle), ...lines, 'cancel']);
            return { errors: errorsIn(delivered.text, form), delivered };
          },
        };
      },
      async sendTwice(email, text) {
        // The console has no retries of its own; a repeated delivery id is what any platform sends.
        const deliver = async () => {
          const response = await core.handle(consoleRequest(email, text, 'console-delivery-1'));
          const rendered = renderReply(response);
          return { ok: response.ok, text: rendered, buttons: buttonsIn(rendered) };
        };
        return [await deliver(), await deliver()];
      },
      sendUnlinked: (text) => type(UNLINKED, text),
      unlinkedMention: `@${UNLINKED}`,
      close: async () => {},
    };
  },
});
