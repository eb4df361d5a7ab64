/**
 * Plain-text rendering of a view: the console's output and the reference rendering every adapter
 * test compares against. Buttons become the command to type, so nothing is only clickable.
 */
import type { MessageView, ViewBlock } from './model.js';

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
        const hint = item.buttons?.length ? `  [${item.buttons.map((b) => [b.command, ...b.args].join(' ')).join(' | ')}]` : '';
        return [`• ${item.text}${hint}`, ...(item.meta ? [`    ${item.meta}`] : [])];
      });
      return block.more ? [...lines, `… and ${block.more} more`] : lines;
    }
  }
}

export function renderText(view: MessageView): string {
  const lines = [`${TONE_MARK[view.tone ?? 'info']}${view.title}`, ...view.blocks.flatMap(renderBlock)];
  if (view.buttons?.length) lines.push(`Next: ${view.buttons.map((b) => [b.command, ...b.args].join(' ')).join(' | ')}`);
  return lines.join('\n');
}
