/**
 * Making core text safe for Adaptive Card TextBlocks and Facts. Teams renders their text as a
 * subset of Markdown (bold `**…**`, italic `_…_`, `[label](url)` links, `- ` and `1. ` lists;
 * learn.microsoft.com …/cards/cards-format). Notes, names and labels come from people and from
 * imported records, so they must never become formatting or, worse, a link whose label hides
 * where it goes. escapeMarkdown puts a backslash before every character that can open a span
 * anywhere in a line (`\ * _ [ ] \` ~`) and before the characters that only mean something at
 * the start of a line (`#`, `>`, `-`, `+`, and the `.` or `)` of `1. `): a `(`, `)` or `!` can
 * only make a link or image after a `[`, which is always escaped, so they are left alone.
 *
 * Why not escape every punctuation mark: Teams' mobile renderers have in the past shown escaping
 * backslashes literally (microsoft/AdaptiveCards#5590, #7474), so each backslash we add is one a
 * clinician may see on a phone. `A-1042 (PAT-7)` therefore goes out as it is.
 *
 * Mentions: Teams turns `<at>Name</at>` into a mention only when the card's `msteams.entities`
 * lists a mention whose `text` is exactly that tag. render-card.ts builds that list only from the
 * view's `mentions` (people the core chose, by their linked account), never from text, so a typed
 * `<at>Everyone</at>` could not notify anyone; it is still made inert with an invisible WORD
 * JOINER after the `<`, so the text reads the same but is no tag whatever the client does with it. `{{DATE(…)}}` and `{{TIME(…)}}`, which Teams replaces
 * with a localised date, are broken the same way.
 *
 * Line breaks: a TextBlock needs a blank line to break a line (a single `\n` is folded into a
 * space, microsoft/AdaptiveCards#5538), so cardText doubles them.
 */
import { ELLIPSIS, truncate } from '../../src/index.js';

const WORD_JOINER = '\u2060';
/** Characters that open a span anywhere in a line. */
const INLINE = /[\\*_[\]`~]/g;
/** A heading, quote or bullet marker at the start of a line (after any indent). */
const LINE_MARKER = /^([ \t]*)([#>+-])/gm;
/** An ordered-list marker at the start of a line: `1.` or `1)` before a space (not `3.5 mg`). */
const ORDERED_MARKER = /^([ \t]*\d+)([.)])(?=[ \t]|$)/gm;
/** The `<` of an `<at>` or `</at>` tag. */
const AT_TAG = /<(?=\/?\s*at\b)/gi;
/** The opening of a `{{DATE(…)}}` or `{{TIME(…)}}` substitution. */
const TEMPLATE = /\{\{/g;

/** User or core text as inert Adaptive Card Markdown: no formatting, links, mentions or dates of its own. */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(INLINE, '\\$&')
    .replace(LINE_MARKER, '$1\\$2')
    .replace(ORDERED_MARKER, '$1\\$2')
    .replace(AT_TAG, `<${WORD_JOINER}`)
    .replace(TEMPLATE, `{${WORD_JOINER}{`);
}

export { truncate };

/**
 * Escaped Markdown cut to `max` without splitting an escape: a cut between a backslash and the
 * character it escapes would leave a bare backslash escaping the ellipsis instead.
 */
export function truncateEscaped(escaped: string, max: number): string {
  const cut = truncate(escaped, max);
  if (cut === escaped) return cut;
  const body = cut.slice(0, -ELLIPSIS.length);
  const trailing = /\\*$/.exec(body)?.[0].length ?? 0;
  return trailing % 2 === 1 ? `${body.slice(0, -1)}${ELLIPSIS}` : cut;
}

/** An empty TextBlock is invalid; a dash keeps the layout when the core sends nothing. */
export function orDash(text: string): string {
  return text.trim() ? text : '—';
}

/**
 * Core or user text as the `text` of a TextBlock or Fact: escaped, each line break made one the
 * card shows, and cut to `max`.
 */
export function cardText(text: string, max: number): string {
  return truncateEscaped(escapeMarkdown(orDash(text)).replace(/\n/g, '\n\n'), max);
}
