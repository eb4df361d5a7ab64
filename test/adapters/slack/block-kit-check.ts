/**
 * An independent check of rendered Block Kit against Slack's published limits, written from the
 * docs rather than from adapters/slack/limits.ts so a wrong constant there cannot hide itself.
 * Returns the problems found (empty when the surface would be accepted).
 */
type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function textOf(v: unknown): string {
  return isObject(v) && typeof v.text === 'string' ? v.text : '';
}

/** Every mrkdwn string in a surface, wherever it sits. */
export function mrkdwnTexts(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(mrkdwnTexts);
  if (!isObject(node)) return [];
  const own = node.type === 'mrkdwn' && typeof node.text === 'string' ? [node.text] : [];
  return [...own, ...Object.values(node).flatMap(mrkdwnTexts)];
}

/** Every element with an action_id (buttons and inputs), wherever it sits. */
export function interactive(node: unknown): Json[] {
  if (Array.isArray(node)) return node.flatMap(interactive);
  if (!isObject(node)) return [];
  const own = typeof node.action_id === 'string' ? [node] : [];
  return [...own, ...Object.values(node).flatMap(interactive)];
}

export function blockKitProblems(blocks: unknown[], maxBlocks: number): string[] {
  const problems: string[] = [];
  const over = (what: string, text: string, max: number) => {
    if (text.length > max) problems.push(`${what} is ${text.length} characters (max ${max})`);
    if (text.trim().length === 0) problems.push(`${what} is empty`);
  };
  if (blocks.length > maxBlocks) problems.push(`${blocks.length} blocks (max ${maxBlocks})`);
  for (const block of blocks) {
    if (!isObject(block)) { problems.push('a block is not an object'); continue; }
    switch (block.type) {
      case 'header': over('header text', textOf(block.text), 150); break;
      case 'section': {
        if (block.text !== undefined) over('section text', textOf(block.text), 3000);
        const fields = (block.fields as unknown[] | undefined) ?? [];
        if (fields.length > 10) problems.push(`${fields.length} section fields (max 10)`);
        fields.forEach((f) => over('section field', textOf(f), 2000));
        if (block.text === undefined && fields.length === 0) problems.push('section with neither text nor fields');
        break;
      }
      case 'context': {
        const elements = block.elements as unknown[];
        if (elements.length === 0 || elements.length > 10) problems.push(`${elements.length} context elements (1 to 10)`);
        elements.forEach((e) => over('context text', textOf(e), 3000));
        break;
      }
      case 'actions': {
        const elements = block.elements as unknown[];
        if (elements.length === 0 || elements.length > 25) problems.push(`${elements.length} actions elements (1 to 25)`);
        break;
      }
      case 'input': over('input label', textOf(block.label), 2000); break;
      case 'image': {
        // Image block: alt_text and title 2000 characters, image_url 3000, fetched over the web.
        over('image alt_text', typeof block.alt_text === 'string' ? block.alt_text : '', 2000);
        if (block.title !== undefined) over('image title', textOf(block.title), 2000);
        const url = typeof block.image_url === 'string' ? block.image_url : '';
        if (!/^https?:\/\//.test(url) || url.length > 3000) problems.push(`image_url ${url.slice(0, 60)}`);
        break;
      }
      case 'divider': break;
      default: problems.push(`unexpected block type ${String(block.type)}`);
    }
  }
  const ids = new Set<string>();
  for (const element of interactive(blocks)) {
    const id = element.action_id as string;
    if (element.type === 'button') {
      over('button text', textOf(element.text), 75);
      if (typeof element.value === 'string') over('button value', element.value, 2000);
      if (ids.has(id)) problems.push(`duplicate action_id ${id}`);
      ids.add(id);
    }
    over('action_id', id, 255);
  }
  return problems;
}

/** mrkdwn with no `<` except the links and user mentions the renderer itself writes (`<http…|label>`, `<@U…>`). */
export function unescapedAngles(blocks: unknown): string[] {
  const own = /<https?:\/\/[^<>|]+\|[^<>]*>|<@[UW][A-Z0-9]+>/g;
  return mrkdwnTexts(blocks).filter((t) => /[<>]/.test(t.replace(own, '')));
}
