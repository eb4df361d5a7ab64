/**
 * The part of the Adaptive Card schema (1.5) the Teams renderers use, typed, so the cards they
 * build are checked by the compiler rather than by Teams. Plain JSON: attach a card with
 * botbuilder's `CardFactory.adaptiveCard(card)`.
 */
import type { SubmissionFields } from '../../src/index.js';

export const CARD_SCHEMA = 'http://adaptivecards.io/schemas/adaptive-card.json';
/** Universal Actions (Action.Execute, refresh) need schema 1.4; 1.5 brings TextBlock `style: heading`. */
export const CARD_VERSION = '1.5';

type Spacing = 'none' | 'small' | 'default' | 'medium' | 'large' | 'extraLarge' | 'padding';

interface Placed {
  /** A line above the element. */
  separator?: boolean;
  spacing?: Spacing;
}

export interface TextBlock extends Placed {
  type: 'TextBlock';
  text: string;
  wrap?: boolean;
  weight?: 'lighter' | 'default' | 'bolder';
  size?: 'small' | 'default' | 'medium' | 'large' | 'extraLarge';
  color?: 'default' | 'dark' | 'light' | 'accent' | 'good' | 'warning' | 'attention';
  isSubtle?: boolean;
  style?: 'default' | 'heading';
}

export interface FactSet extends Placed {
  type: 'FactSet';
  facts: { title: string; value: string }[];
}

export interface Container extends Placed {
  type: 'Container';
  items: CardElement[];
  style?: 'default' | 'emphasis' | 'good' | 'attention' | 'warning' | 'accent';
}

export interface ActionSet extends Placed {
  type: 'ActionSet';
  actions: CardAction[];
}

interface InputBase extends Placed {
  /** The submission field the input fills: Teams sends its value under this key. */
  id: string;
  label: string;
  isRequired?: boolean;
  /** Shown by Teams only when its own validation fails (e.g. a required input left empty). */
  errorMessage?: string;
}

export interface InputText extends InputBase {
  type: 'Input.Text';
  isMultiline?: boolean;
  maxLength?: number;
  placeholder?: string;
  value?: string;
}

export interface InputDate extends InputBase {
  type: 'Input.Date';
  min?: string;
  max?: string;
  value?: string;
}

export interface InputNumber extends InputBase {
  type: 'Input.Number';
  min?: number;
  max?: number;
  value?: number;
}

export interface InputChoiceSet extends InputBase {
  type: 'Input.ChoiceSet';
  choices: { title: string; value: string }[];
  /** compact: a drop-down; expanded: radio buttons or checkboxes; filtered: type-ahead search. */
  style?: 'compact' | 'expanded' | 'filtered';
  isMultiSelect?: boolean;
  wrap?: boolean;
  /** A multi-select's values comma-separated. */
  value?: string;
}

/** An image Teams fetches by URL (a chart served at /charts/<token>.png): https, at most 1024 × 1024 and 1 MB. */
export interface ImageElement extends Placed {
  type: 'Image';
  url: string;
  altText: string;
  /** Teams: the image opens full size (stage view) when clicked. */
  msteams?: { allowExpand: boolean };
}

export type CardInput = InputText | InputDate | InputNumber | InputChoiceSet;
export type CardElement = TextBlock | FactSet | Container | ActionSet | ImageElement | CardInput;

/**
 * A card mention: Teams notifies `mentioned.id` (an AAD object id, a UPN or a `29:` id) and shows
 * the `<at>…</at>` tag in a TextBlock whose text is exactly `text` as a mention of them.
 */
export interface MentionEntity {
  type: 'mention';
  text: string;
  mentioned: { id: string; name: string };
}

/**
 * What an Action.Execute carries: Teams sends it back as `value.action.data`, with the values of
 * the card's inputs added at the top level under their ids. Short keys, because every list item's
 * buttons repeat them within the card budget. See card-actions.ts for each key's meaning.
 */
export interface CardActionData {
  c: string;
  f?: SubmissionFields;
  o?: 1;
  r?: 1;
  s?: 1;
  k?: 1;
  m?: string[];
  n?: string[];
}

export interface ExecuteAction {
  type: 'Action.Execute';
  title: string;
  verb: string;
  data: CardActionData;
  style?: 'default' | 'positive' | 'destructive';
  associatedInputs?: 'auto' | 'none';
}

export interface OpenUrlAction {
  type: 'Action.OpenUrl';
  title: string;
  url: string;
}

/** Reveals a card nested under its button, in place, without a round trip (used for confirmations). */
export interface ShowCardAction {
  type: 'Action.ShowCard';
  title: string;
  style?: 'default' | 'positive' | 'destructive';
  card: NestedCard;
}

export type CardAction = ExecuteAction | OpenUrlAction | ShowCardAction;

/** A card inside an Action.ShowCard: no schema, version or refresh of its own. */
export interface NestedCard {
  type: 'AdaptiveCard';
  body: CardElement[];
  actions?: CardAction[];
}

export interface AdaptiveCard {
  type: 'AdaptiveCard';
  $schema: typeof CARD_SCHEMA;
  version: typeof CARD_VERSION;
  /** Shown by clients that cannot render this schema version. */
  fallbackText: string;
  body: CardElement[];
  actions?: CardAction[];
  /** Teams: use the full width of the conversation; the people the card mentions. */
  msteams: { width: 'Full'; entities?: MentionEntity[] };
  /** Universal Actions: the clients of `userIds` fetch their own version of the card on sight. */
  refresh?: { action: ExecuteAction; userIds: string[] };
}

/** What the card budget measures: the UTF-8 size of the card as JSON. */
export function cardBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}
