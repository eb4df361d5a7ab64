/**
 * Plain-text rendering of a view: the console's output and the reference rendering every adapter
 * test compares against. Buttons become the command to type, so nothing is only clickable.
 *
 * The result is escaped for a terminal (control and bidirectional characters shown as "[U+001B]"):
 * views carry stored text (notes, reasons, labels), and text stored before such characters were
 * refused, or by another route, must not be able to clear the reader's screen or forge a line.
 */
import type { FormView, MessageView, ViewBlock, ViewButton } from './model.js';
import { escapeForTerminal } from './text.js';

/** What typing a button's command looks like: "claim A-1042"; a form button ends in "…" (details follow). */
export function typedCommand(button: Pick<ViewButton, 'command' | 'fields' | 'opensForm'>): string {
  const words = Object.entries(button.fields).map(([name, value]) => {
    if (name === 'actionId') return `A-${value}`;
    return Array.isArray(value) ? value.join(',') : String(value);
  });
  return [button.command, ...words].join(' ') + (button.opensForm ? ' …' : '');
}

const TONE_MARK: Record<NonNullable<MessageView['tone']>, string> = {
  info: '', success: '✓ ', warning: '! ', urgent: '!! ', error: '✗ ',
};

function renderBlock(block: ViewBlock): string[] {
  switch (block.kind) {
    case 'text': return [block.text];
    case 'divider': return ['---'];
    case 'fields': return block.fields.map((f) => `${f.label}: ${f.value.replace(/\n/g, '\n  ')}`);
    case 'list': {
      const lines = block.items.flatMap((item) => {
        const hint = item.buttons?.length ? `  [${item.buttons.map(typedCommand).join(' | ')}]` : '';
        return [`• ${item.text}${hint}`, ...(item.meta ? [`    ${item.meta}`] : [])];
      });
      return block.more ? [...lines, `… and ${block.more} more`] : lines;
    }
  }
}

export function renderText(view: MessageView): string {
  const lines = [`${TONE_MARK[view.tone ?? 'info']}${view.title}`, ...view.blocks.flatMap(renderBlock)];
  if (view.buttons?.length) lines.push(`Next: ${view.buttons.map(typedCommand).join(' | ')}`);
  for (const link of view.links ?? []) lines.push(`${link.label}: ${link.url}`);
  return escapeForTerminal(lines.join('\n'));
}

/** A form as text: its title, what each field wants, and the errors of a refused submission. */
export function renderFormText(form: FormView): string {
  const lines = [`${form.title}${form.intro ? `: ${form.intro}` : ''}`];
  if (form.formError) lines.push(`✗ ${form.formError}`);
  for (const field of form.fields) {
    const options = 'options' in field ? ` (${field.options.map((o) => o.value).join(', ')})` : '';
    const error = form.errors?.[field.name];
    lines.push(`  ${field.label}${field.required ? '' : ' (optional)'}${options}${error ? `  ✗ ${error}` : ''}`);
  }
  return escapeForTerminal(lines.join('\n'));
}
