/**
 * The neutral view model every reply is built as. Adapters render it (Block Kit, Adaptive Cards,
 * plain text); the core never knows which. `fallbackText` is required: it is Slack's `text`, the
 * Teams notification preview, what screen readers read, and the console's output.
 *
 * Patient identity in a view is the pseudonymous reference and display label only.
 */

export type Tone = 'info' | 'success' | 'warning' | 'urgent' | 'error';

export type ViewBlock =
  | { kind: 'text'; text: string; emphasis?: 'muted' | 'strong' }
  | { kind: 'fields'; fields: { label: string; value: string }[] }
  | { kind: 'list'; items: { text: string; meta?: string; buttons?: ViewButton[] }[]; more?: number }
  | { kind: 'divider' };

/** A button runs a command as the person who presses it; args are what the command would take. */
export interface ViewButton {
  label: string;
  /** The command verb, e.g. "claim". */
  command: string;
  /** Positional arguments, e.g. ["A-1042"]. */
  args: string[];
  style?: 'primary' | 'danger';
}

export interface MessageView {
  title: string;
  fallbackText: string;
  blocks: ViewBlock[];
  buttons?: ViewButton[];
  tone?: Tone;
}

/** Most items any list view shows; the rest are counted in `more` with a hint to narrow the list. */
export const LIST_LIMIT = 25;
