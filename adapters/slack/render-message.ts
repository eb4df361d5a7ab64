/**
 * A MessageView as a Slack message: `text` (the notification preview and what screen readers
 * read) and Block Kit `blocks`. Pure and deterministic: the same view always gives the same JSON,
 * so a re-rendered action card replaces its old copy exactly.
 *
 * Layout: the title is a header (with the tone's emoji), text is a section (muted text a context
 * line), fields are sections of at most 10 fields, each list item is a section (its one button
 * as the section's accessory, several buttons as an actions block below), and the view's buttons
 * and links close the message.
 *
 * Staying within 50 blocks: a list item's `meta` is a context line under it while the message
 * fits; when it would not, meta joins the item's own section (a 25-item list then fits whole);
 * when even that is too long, the last items are dropped and a context line counts them and
 * points to `list`. Every other limit (characters, fields, elements) is met by splitting or
 * cutting text, never by letting Slack refuse the message.
 *
 * People the view mentions open the message (text and blocks) as `<@USERID>`, the only mention
 * syntax Slack notifies on; a person with no linked Slack account is named in plain, escaped
 * text. A chart closes the body: an image block fetched from its URL, or (when it is uploaded
 * under the message instead, or has no URL) a line with its title and alt text.
 */
import type { ActionsBlock, ContextBlock, ImageBlock, KnownBlock, MrkdwnElement, Overflow, SectionBlock } from '@slack/web-api';
import type { MessageView, Tone, ViewBlock, ViewButton, ViewLink, ViewMention } from '../../src/index.js';
import { ActionIds, encodeButtonValue, orDash, plain, renderButton } from './buttons.js';
import { escapeMrkdwn, safeMrkdwn, truncate, truncateMrkdwn } from './escape.js';
import { SLACK_LIMITS } from './limits.js';

export type SlackBlock = KnownBlock;

export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
}

export interface SlackRenderOptions {
  /**
   * How the view's chart appears. `inline` (replies, App Home): an image block Slack fetches from
   * the chart's URL. `attached` (channel posts and their updates): the deliverer uploads the PNG
   * under the post, so the message itself carries the chart's title and alt text only; an update
   * then looks like the post, and the post says what the chart shows even if the upload failed.
   */
  image?: 'inline' | 'attached';
}

/** A Slack user or Enterprise Grid user id: anything else is not written inside `<@…>`. */
const SLACK_USER_ID = /^[UW][A-Z0-9]{2,30}$/;

const TONE_EMOJI: Record<Tone, string> = { info: '', success: '✅', warning: '🟠', urgent: '🔴', error: '❌' };

type ListItem = Extract<ViewBlock, { kind: 'list' }>['items'][number];

/** `verbatim` so Slack links and mentions nothing we did not write (see escape.ts). */
export function mrkdwn(escaped: string): MrkdwnElement {
  return { type: 'mrkdwn', text: escaped, verbatim: true };
}

function section(escaped: string): SectionBlock {
  return { type: 'section', text: mrkdwn(truncateMrkdwn(escaped, SLACK_LIMITS.sectionText)) };
}

function context(escaped: string): ContextBlock {
  return { type: 'context', elements: [mrkdwn(truncateMrkdwn(escaped, SLACK_LIMITS.contextText))] };
}

/** Bold line by line: a mrkdwn `*…*` span does not cross a line break. */
function bold(escaped: string): string {
  return escaped.split('\n').map((line) => (line.trim() ? `*${line.trim()}*` : line)).join('\n');
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function actions(buttons: ViewButton[], ids: ActionIds): ActionsBlock[] {
  return chunk(buttons, SLACK_LIMITS.actionsElements).map((group) => ({ type: 'actions', elements: group.map((b) => renderButton(b, ids)) }));
}

/** The URL is the core's; it is still made inert if it would end the `<url|label>` sequence early. */
function linkMrkdwn(link: ViewLink): string {
  const label = escapeMrkdwn(link.label);
  let url: URL;
  try {
    url = new URL(link.url);
  } catch {
    return label;
  }
  if (!['https:', 'http:', 'mailto:'].includes(url.protocol)) return label;
  return `<${url.href.replace(/\|/g, '%7C')}|${label}>`;
}

/** One part of the message: the blocks for one view block, or for one list item. */
interface Unit {
  blocks: SlackBlock[];
  /** A list item, which may be dropped to fit (counted in the notice). */
  item?: number;
  /** A list's "… and N more" line: dropped with the list's items, its N joining the count. */
  more?: { list: number; count: number };
}

/**
 * Several buttons on a list item go in an overflow menu beside it (one block per item, so a
 * 25-item list fits in a message), unless a button needs its own confirmation or its value is
 * too long for a menu option; then they get an actions row under the item.
 */
function fitsOverflow(buttons: readonly ViewButton[]): boolean {
  return buttons.length > 1 && buttons.length <= SLACK_LIMITS.overflowOptions
    && buttons.every((b) => !b.confirm && encodeButtonValue(b).length <= SLACK_LIMITS.overflowOptionValue);
}

/** Blocks a list item takes in each layout. */
function itemBlockCount(item: ListItem, compact: boolean): number {
  const buttons = item.buttons ?? [];
  const actionBlocks = buttons.length > 1 && !fitsOverflow(buttons) ? Math.ceil(buttons.length / SLACK_LIMITS.actionsElements) : 0;
  return 1 + (item.meta?.trim() && !compact ? 1 : 0) + actionBlocks;
}

function overflowMenu(buttons: readonly ViewButton[], ids: ActionIds): Overflow {
  return {
    type: 'overflow',
    action_id: ids.next('menu'),
    options: buttons.map((b) => ({ text: plain(b.label, SLACK_LIMITS.optionText), value: encodeButtonValue(b) })),
  };
}

function itemUnit(item: ListItem, list: number, compact: boolean, ids: ActionIds): Unit {
  const text = escapeMrkdwn(orDash(item.text));
  const meta = item.meta?.trim() ? escapeMrkdwn(item.meta) : '';
  const main = section(compact && meta ? `${text}\n${meta}` : text);
  const buttons = item.buttons ?? [];
  const [only] = buttons;
  if (only && buttons.length === 1) main.accessory = renderButton(only, ids);
  const menu = fitsOverflow(buttons);
  if (menu) main.accessory = overflowMenu(buttons, ids);
  const blocks: SlackBlock[] = [main];
  if (meta && !compact) blocks.push(context(meta));
  if (buttons.length > 1 && !menu) blocks.push(...actions(buttons, ids));
  return { blocks, item: list };
}

function fieldsBlocks(fields: { label: string; value: string }[]): SectionBlock[] {
  return chunk(fields, SLACK_LIMITS.sectionFields).map((group) => ({
    type: 'section',
    fields: group.map((f) => {
      const label = `*${safeMrkdwn(orDash(f.label).trim(), 200)}*\n`;
      return mrkdwn(`${label}${safeMrkdwn(orDash(f.value), SLACK_LIMITS.sectionFieldText - label.length)}`);
    }),
  }));
}

function bodyUnits(blocks: ViewBlock[], compact: boolean, ids: ActionIds): Unit[] {
  return blocks.flatMap((block, list): Unit[] => {
    switch (block.kind) {
      case 'divider': return [{ blocks: [{ type: 'divider' }] }];
      case 'fields': return block.fields.length ? [{ blocks: fieldsBlocks(block.fields) }] : [];
      case 'text': {
        if (!block.text.trim()) return [];
        const text = escapeMrkdwn(block.text);
        if (block.emphasis === 'muted') return [{ blocks: [context(text)] }];
        return [{ blocks: [section(block.emphasis === 'strong' ? bold(text) : text)] }];
      }
      case 'list': {
        const units = block.items.map((item) => itemUnit(item, list, compact, ids));
        if (block.more) units.push({ blocks: [context(`… and ${block.more} more`)], more: { list, count: block.more } });
        return units;
      }
    }
  });
}

const count = (units: Unit[]) => units.reduce((n, u) => n + u.blocks.length, 0);

/**
 * The people to notify, as escaped mrkdwn: `<@U…>` for a linked account, the name otherwise.
 * Each person once, at most SLACK_LIMITS.mentions of them; '' when there is nobody.
 */
export function mentionsMrkdwn(mentions: readonly ViewMention[] | undefined): string {
  const seen = new Set<string>();
  const parts: string[] = [];
  for (const m of mentions ?? []) {
    if (seen.has(m.staffId) || parts.length >= SLACK_LIMITS.mentions) continue;
    seen.add(m.staffId);
    if (m.userId && SLACK_USER_ID.test(m.userId)) parts.push(`<@${m.userId}>`);
    else if (m.name.trim()) parts.push(escapeMrkdwn(truncate(m.name.trim(), SLACK_LIMITS.mentionName)));
  }
  return parts.join(', ');
}

/** A web address Slack may fetch, or undefined. */
function imageUrl(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  try {
    const url = new URL(raw);
    return ['https:', 'http:'].includes(url.protocol) && url.href.length <= SLACK_LIMITS.imageUrl ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/** The chart: an image block when it is shown inline from a URL, else its title and alt text. */
function imageBlocks(view: MessageView, mode: 'inline' | 'attached'): SlackBlock[] {
  const image = view.image;
  if (!image) return [];
  const url = mode === 'inline' ? imageUrl(image.url) : undefined;
  if (url) {
    const block: ImageBlock = {
      type: 'image', image_url: url, alt_text: truncate(orDash(image.alt.trim() ? image.alt : image.title), SLACK_LIMITS.imageAltText),
      title: plain(image.title, SLACK_LIMITS.imageTitle),
    };
    return [block];
  }
  const title = image.title.trim() ? bold(escapeMrkdwn(image.title.trim())) : '';
  const alt = image.alt.trim() ? escapeMrkdwn(image.alt.trim()) : '';
  const line = title && alt ? `${title}: ${alt}` : title || alt;
  return line ? [context(line)] : [];
}

/** What the view's buttons and links need, at the end of the message. */
function tailBlocks(view: MessageView, ids: ActionIds): SlackBlock[] {
  const tail: SlackBlock[] = view.buttons?.length ? actions(view.buttons, ids) : [];
  for (const group of chunk(view.links ?? [], SLACK_LIMITS.contextElements)) {
    tail.push({ type: 'context', elements: group.map((l) => mrkdwn(truncateMrkdwn(linkMrkdwn(l), SLACK_LIMITS.contextText))) });
  }
  return tail;
}

/**
 * The body within `budget` blocks: units dropped from the end, list items first, and one context
 * line in place of the first dropped unit saying how many are not shown.
 */
function fit(units: Unit[], budget: number): SlackBlock[] {
  const dropped = new Set<number>();
  let hidden = 0;
  let total = count(units);
  const drop = (i: number) => {
    const unit = units[i]!;
    dropped.add(i);
    total -= unit.blocks.length;
    hidden += unit.more ? unit.more.count : 1;
  };
  for (let i = units.length - 1; i >= 0 && total + 1 > budget; i--) {
    const list = units[i]!.item;
    if (list === undefined) continue;
    drop(i);
    // The list's own "… and N more" line would now undercount: its N joins the notice instead.
    units.forEach((u, j) => { if (u.more?.list === list && !dropped.has(j)) drop(j); });
  }
  for (let i = units.length - 1; i >= 0 && total + 1 > budget; i--) if (!dropped.has(i)) drop(i);
  const first = Math.min(...dropped);
  const notice = context(`${hidden} more not shown. Type \`list\` to see them.`);
  return units.flatMap((u, i) => [...(i === first ? [notice] : []), ...(dropped.has(i) ? [] : u.blocks)]);
}

/** Blocks a view block takes, counted before rendering so button ids are spent once. */
function blockCount(block: ViewBlock, compact: boolean): number {
  switch (block.kind) {
    case 'divider': return 1;
    case 'text': return block.text.trim() ? 1 : 0;
    case 'fields': return Math.ceil(block.fields.length / SLACK_LIMITS.sectionFields);
    case 'list': return block.items.reduce((n, item) => n + itemBlockCount(item, compact), block.more ? 1 : 0);
  }
}

/**
 * The view's blocks within `maxBlocks`. `ids` numbers the buttons, shared by every view on one
 * surface (the Home tab renders several) so action_ids stay unique across it.
 */
export function renderViewBlocks(view: MessageView, maxBlocks: number, ids: ActionIds, options: SlackRenderOptions = {}): SlackBlock[] {
  const emoji = TONE_EMOJI[view.tone ?? 'info'];
  const mentions = mentionsMrkdwn(view.mentions);
  const head: SlackBlock[] = [
    ...(mentions ? [section(mentions)] : []),
    { type: 'header', text: plain(`${emoji ? `${emoji} ` : ''}${orDash(view.title)}`, SLACK_LIMITS.headerText) },
  ];
  const chart = imageBlocks(view, options.image ?? 'inline');
  const tailSize = chart.length + Math.ceil((view.buttons?.length ?? 0) / SLACK_LIMITS.actionsElements) + Math.ceil((view.links?.length ?? 0) / SLACK_LIMITS.contextElements);
  const budget = maxBlocks - head.length - tailSize;
  if (budget < 1) throw new Error(`Slack view "${view.title.slice(0, 40)}" needs ${head.length + tailSize} blocks for its title, buttons and links alone (limit ${maxBlocks})`);

  const compact = view.blocks.reduce((n, b) => n + blockCount(b, false), 0) > budget;
  // Body before tail, so buttons are numbered in the order they are shown.
  const units = bodyUnits(view.blocks, compact, ids);
  const body = count(units) <= budget ? units.flatMap((u) => u.blocks) : fit(units, budget);
  return [...head, ...body, ...chart, ...tailBlocks(view, ids)];
}

export function renderMessage(view: MessageView, options: SlackRenderOptions = {}): SlackMessage {
  // The mentions lead the text too: it is the notification preview, and what screen readers read first.
  const mentions = mentionsMrkdwn(view.mentions);
  const room = SLACK_LIMITS.fallbackText - (mentions ? mentions.length + 1 : 0);
  const fallback = safeMrkdwn(orDash(view.fallbackText.trim() ? view.fallbackText : view.title), room);
  return {
    text: mentions ? `${mentions}\n${fallback}` : fallback,
    blocks: renderViewBlocks(view, SLACK_LIMITS.messageBlocks, new ActionIds(), options),
  };
}
