/**
 * A MessageView as an Adaptive Card (schema 1.5, full width) for Teams. Pure and deterministic:
 * the same view always gives the same JSON, so a re-rendered action card replaces its old copy
 * exactly.
 *
 * Layout: the title is a bold heading coloured by the tone; text is a TextBlock (muted text
 * subtle, strong text bold); fields are a FactSet; each list item is a Container holding its
 * text, its meta (subtle) and its buttons (ActionSets of at most 6); a divider puts a separator
 * line on the element after it. The view's buttons and links are the card's actions, or, when
 * there are more than Teams shows in one row, ActionSets of 6 at the end of the body.
 *
 * Buttons are Action.Execute (see card-actions.ts for `verb` and `data`); a button with a
 * confirmation is an Action.ShowCard holding the question and the Confirm button.
 *
 * Staying within 28,000 bytes (limits.ts): when the card would be bigger, list items are dropped
 * from the end and a subtle line in place of the first one dropped counts them and points to
 * `list`; if that is not enough, other body blocks go the same way. The title, mentions, chart,
 * buttons and links are never dropped; a card that would not fit even then is refused with an
 * error, since Teams would refuse the message whole.
 *
 * Mentions: a TextBlock under the title names the people to notify, `<at>Name</at>` for each with
 * a linked Teams account, listed in the card's `msteams.entities` (Teams notifies only tags that
 * an entity names exactly); a person with no linked account is named in plain, escaped text.
 * A chart is an Image fetched from its URL (PUBLIC_BASE_URL), after the body; without a URL the
 * card says so and gives the chart's alt text instead.
 */
import type { MessageView, Tone, ViewBlock, ViewLink, ViewMention } from '../../src/index.js';
import { REFRESH_VERB, actionRows, actionTitle, renderButton } from './card-actions.js';
import {
  CARD_SCHEMA, CARD_VERSION, cardBytes, type AdaptiveCard, type CardAction, type CardElement, type Container, type MentionEntity, type TextBlock,
} from './card-types.js';
import { cardText, escapeMarkdown, orDash, truncate, truncateEscaped } from './escape.js';
import { TEAMS_LIMITS } from './limits.js';

export type { AdaptiveCard } from './card-types.js';

export interface RenderCardOptions {
  /**
   * For a user-specific view: the Teams user ids (MRIs, `29:…`) whose clients fetch their own
   * version of the card when they see it, through the card's `refresh` action (verb `refresh`).
   * `[]` offers everyone a manual "Refresh card" instead. At most 60 are kept.
   */
  userIds?: string[];
}

const TONE_COLOR: Record<Tone, TextBlock['color'] | undefined> = {
  info: undefined,
  success: 'good',
  warning: 'warning',
  urgent: 'attention',
  error: 'attention',
};

type ListItem = Extract<ViewBlock, { kind: 'list' }>['items'][number];

function text(raw: string, extra: Omit<Partial<TextBlock>, 'type' | 'text'> = {}): TextBlock {
  return { type: 'TextBlock', text: cardText(raw, TEAMS_LIMITS.textBlock), wrap: true, ...extra };
}

/** One part of the body: the elements for one view block or one list item. */
interface Unit {
  elements: CardElement[];
  /** A divider: no elements of its own, a separator on the next element shown. */
  divider?: boolean;
  /** A list item (the list's index), which may be dropped to fit (counted in the notice). */
  item?: number;
  /** A list's "… and N more" line: dropped with the list's items, its N joining the count. */
  more?: { list: number; count: number };
}

function itemUnit(item: ListItem, list: number, first: boolean): Unit {
  const items: CardElement[] = [text(item.text)];
  if (item.meta?.trim()) items.push(text(item.meta, { isSubtle: true, spacing: 'none' }));
  items.push(...actionRows((item.buttons ?? []).map(renderButton)));
  const container: Container = { type: 'Container', items, ...(first ? {} : { separator: true }) };
  return { elements: [container], item: list };
}

function bodyUnits(blocks: ViewBlock[]): Unit[] {
  return blocks.flatMap((block, list): Unit[] => {
    switch (block.kind) {
      case 'divider': return [{ elements: [], divider: true }];
      case 'fields': {
        if (!block.fields.length) return [];
        const facts = block.fields.map((f) => ({ title: cardText(f.label, TEAMS_LIMITS.factTitle), value: cardText(f.value, TEAMS_LIMITS.textBlock) }));
        return [{ elements: [{ type: 'FactSet', facts }] }];
      }
      case 'text': {
        if (!block.text.trim()) return [];
        if (block.emphasis === 'muted') return [{ elements: [text(block.text, { isSubtle: true })] }];
        return [{ elements: [text(block.text, block.emphasis === 'strong' ? { weight: 'bolder' } : {})] }];
      }
      case 'list': {
        const units = block.items.map((item, i) => itemUnit(item, list, i === 0));
        if (block.more) units.push({ elements: [text(`… and ${block.more} more`, { isSubtle: true })], more: { list, count: block.more } });
        return units;
      }
    }
  });
}

/** The body from its units, leaving out `dropped` and putting `notice` where the first dropped one was. */
function assemble(units: Unit[], dropped: ReadonlySet<number>, notice?: TextBlock): CardElement[] {
  const first = dropped.size ? Math.min(...dropped) : -1;
  const out: CardElement[] = [];
  let separate = false;
  const push = (element: CardElement) => {
    out.push(separate ? { ...element, separator: true } : element);
    separate = false;
  };
  units.forEach((unit, i) => {
    if (i === first && notice) push(notice);
    if (unit.divider) separate = true;
    if (!dropped.has(i)) unit.elements.forEach(push);
  });
  return out;
}

/** Dropping order: list items from the last, then every other block from the last. */
function dropOrder(units: Unit[]): number[] {
  const indexes = units.map((_, i) => i).reverse();
  return [...indexes.filter((i) => units[i]!.item !== undefined), ...indexes.filter((i) => units[i]!.item === undefined && !units[i]!.divider)];
}

function fit(units: Unit[], build: (body: CardElement[]) => AdaptiveCard): AdaptiveCard {
  const whole = build(assemble(units, new Set()));
  let excess = cardBytes(whole) - TEAMS_LIMITS.cardBytes;
  if (excess <= 0) return whole;

  const dropped = new Set<number>();
  let hidden = 0;
  const drop = (i: number) => {
    if (dropped.has(i)) return;
    const unit = units[i]!;
    dropped.add(i);
    excess -= unit.elements.reduce((sum, e) => sum + cardBytes(e) + 1, 0);
    hidden += unit.more ? unit.more.count : 1;
    // The list's own "… and N more" line would now undercount: its N joins the notice instead.
    if (unit.item !== undefined) units.forEach((u, j) => { if (u.more?.list === unit.item) drop(j); });
  };
  // Our own words, so its Markdown is meant: not escaped.
  const notice = (): TextBlock => ({ type: 'TextBlock', text: `${hidden} more not shown. Type **list** to see them.`, wrap: true, isSubtle: true });
  const order = dropOrder(units);
  // Drop by estimate (each unit's own size, plus room for the notice), then check the real size.
  for (const i of order) {
    if (excess + 200 <= 0) break;
    drop(i);
  }
  for (;;) {
    const card = build(assemble(units, dropped, notice()));
    if (cardBytes(card) <= TEAMS_LIMITS.cardBytes) return card;
    const next = order.find((i) => !dropped.has(i));
    if (next === undefined) {
      throw new Error(`Teams card "${card.fallbackText.slice(0, 40)}" is ${cardBytes(card)} bytes with its title, buttons and links alone (limit ${TEAMS_LIMITS.cardBytes})`);
    }
    drop(next);
  }
}

/** The URL is the core's; anything but a web or mail link is shown as its label only. */
function linkAction(link: ViewLink): CardAction | TextBlock {
  try {
    const url = new URL(link.url);
    if (['https:', 'http:', 'mailto:'].includes(url.protocol)) return { type: 'Action.OpenUrl', title: actionTitle(link.label), url: url.href };
  } catch {
    // not a URL: shown as text below
  }
  return text(link.label);
}

/**
 * An id Teams mentions by. For Teams, platform_identities holds the person's AAD object id (the
 * adapter links `from.aadObjectId`), which card mentions accept as `mentioned.id` beside UPNs and
 * `29:` ids (learn.microsoft.com …/cards/cards-format, "Mention support within Adaptive Cards").
 */
const TEAMS_USER_ID = /^[\w:.@-]{1,200}$/;

/** A name fit to sit inside `<at>…</at>`: letters, digits, spaces and name punctuation, so it can neither end the tag nor format. */
function tagName(name: string): string {
  return truncate(name.normalize('NFC').replace(/[^\p{L}\p{M}\p{N} .'’-]/gu, '').replace(/\s+/g, ' ').trim(), TEAMS_LIMITS.mentionName);
}

/** The mentions line and its entities; each person once, at most TEAMS_LIMITS.mentions. */
function mentionsOf(mentions: readonly ViewMention[] | undefined): { line?: TextBlock; entities: MentionEntity[] } {
  const seen = new Set<string>();
  const parts: string[] = [];
  const entities: MentionEntity[] = [];
  for (const m of mentions ?? []) {
    if (seen.has(m.staffId) || parts.length >= TEAMS_LIMITS.mentions) continue;
    seen.add(m.staffId);
    const name = tagName(m.name);
    if (m.userId && TEAMS_USER_ID.test(m.userId) && name) {
      const tag = `<at>${name}</at>`;
      parts.push(tag);
      entities.push({ type: 'mention', text: tag, mentioned: { id: m.userId, name: truncate(m.name.trim(), TEAMS_LIMITS.mentionName) } });
    } else if (m.name.trim()) {
      parts.push(escapeMarkdown(truncate(m.name.trim(), TEAMS_LIMITS.mentionName)));
    }
  }
  // Built here rather than with cardText: the tags must reach Teams unescaped; the names around them are escaped.
  return { ...(parts.length ? { line: { type: 'TextBlock', text: parts.join(', '), wrap: true } } : {}), entities };
}

/** Our words where a chart cannot be shown: a card image needs an address Teams can fetch. */
const CHART_NEEDS_URL = 'The chart is not shown in Teams until PUBLIC_BASE_URL is set for closedloop (ask your administrator). What it shows:';

function webUrl(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  try {
    const url = new URL(raw);
    return ['https:', 'http:'].includes(url.protocol) ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/** The chart: its title and the image, or, with no URL, a line saying why it is missing and its alt text. */
function chartElements(view: MessageView): CardElement[] {
  const image = view.image;
  if (!image) return [];
  const alt = image.alt.trim() ? image.alt : image.title;
  const title: CardElement[] = image.title.trim() ? [text(image.title, { weight: 'bolder' })] : [];
  const url = webUrl(image.url);
  if (url) return [...title, { type: 'Image', url, altText: truncate(orDash(alt), TEAMS_LIMITS.imageAltText), msteams: { allowExpand: true } }];
  return [...title, text(CHART_NEEDS_URL, { isSubtle: true }), ...(alt.trim() ? [text(alt)] : [])];
}

/** The view's buttons and links: card actions when they fit one row, else ActionSets closing the body. */
function closing(view: MessageView): { tail: CardElement[]; actions?: CardAction[] } {
  const links = (view.links ?? []).map(linkAction);
  const actions: CardAction[] = [...(view.buttons ?? []).map(renderButton), ...links.filter((l): l is CardAction => l.type !== 'TextBlock')];
  const inert = links.filter((l): l is TextBlock => l.type === 'TextBlock');
  if (actions.length <= TEAMS_LIMITS.actionsPerRow) return { tail: inert, ...(actions.length ? { actions } : {}) };
  return { tail: [...inert, ...actionRows(actions)] };
}

/** The view as an Adaptive Card within 28,000 bytes. */
export function renderCard(view: MessageView, options: RenderCardOptions = {}): AdaptiveCard {
  const color = TONE_COLOR[view.tone ?? 'info'];
  const title: TextBlock = {
    type: 'TextBlock', text: cardText(view.title, TEAMS_LIMITS.titleText), wrap: true,
    weight: 'bolder', size: 'medium', style: 'heading', ...(color ? { color } : {}),
  };
  const { tail, actions } = closing(view);
  const { line, entities } = mentionsOf(view.mentions);
  const chart = chartElements(view);
  const build = (body: CardElement[]): AdaptiveCard => ({
    type: 'AdaptiveCard',
    $schema: CARD_SCHEMA,
    version: CARD_VERSION,
    fallbackText: cardToActivityText(view),
    body: [title, ...(line ? [line] : []), ...body, ...chart, ...tail],
    ...(actions ? { actions } : {}),
    msteams: { width: 'Full', ...(entities.length ? { entities } : {}) },
    ...(options.userIds ? { refresh: refreshFor(view, options.userIds) } : {}),
  });
  return fit(bodyUnits(view.blocks), build);
}

function refreshFor(view: MessageView, userIds: string[]): NonNullable<AdaptiveCard['refresh']> {
  const fields = view.subject?.kind === 'action' ? { f: { actionId: view.subject.actionId } } : {};
  return {
    action: { type: 'Action.Execute', title: 'Refresh', verb: REFRESH_VERB, data: { c: REFRESH_VERB, ...fields } },
    userIds: userIds.slice(0, TEAMS_LIMITS.refreshUserIds),
  };
}

/**
 * The view's fallback text (its title when it has none), escaped and cut: the card's
 * `fallbackText`, and the activity `text` Teams uses for the notification preview.
 */
export function cardToActivityText(view: MessageView): string {
  return truncateEscaped(escapeMarkdown(orDash(view.fallbackText.trim() ? view.fallbackText : view.title)), TEAMS_LIMITS.fallbackText);
}
