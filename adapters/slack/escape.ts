/**
 * Making core text safe for Slack. Notes, names and labels come from people (and from imported
 * records), so in mrkdwn they must never become control sequences: Slack parses `<…>` as links
 * and mentions (`<!channel>`, `<@U123>`, `<#C1>`, `<https://x|label>`) and uses `&` for
 * entities. Slack's formatting reference asks for exactly three characters to be escaped, and
 * only those three: `&` → `&amp;`, `<` → `&lt;`, `>` → `&gt;` (docs.slack.dev/messaging/
 * formatting-message-text#escaping). Escaping more would show the entities literally.
 *
 * Bare `@channel`, `@here` and `@everyone`: Slack documents that with a mrkdwn text object's
 * default `verbatim: false` "certain mentions will be automatically parsed" without saying which
 * (text object reference), and that chat.postMessage's `link_names` links names in the top-level
 * text. Rather than rely on either, the renderers set `verbatim: true` on every mrkdwn object and
 * escapeMrkdwn also puts a WORD JOINER (U+2060, invisible, not a break) after the `@`, so the word
 * reads the same but can never be parsed as a broadcast, whatever the text lands in.
 *
 * Other mrkdwn markers (`*`, `_`, `~`, backticks) are left alone: Slack has no way to escape them,
 * they can only change emphasis, and clinicians' notes read better without substitutions.
 */
import { ELLIPSIS, truncate } from '../../src/index.js';

const ENTITY: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };
const WORD_JOINER = '\u2060';
/** A broadcast word standing alone: not the middle of an address such as `ward@here.nhs.uk`. */
const BROADCAST = /(?<![\w.+-])@(channel|here|everyone|group)\b/gi;

/** Core or user text as inert mrkdwn: no links, mentions, broadcasts or entities of its own. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/[&<>]/g, (c) => ENTITY[c] ?? c).replace(BROADCAST, `@${WORD_JOINER}$1`);
}

export { truncate };

/**
 * Escaped mrkdwn cut to `max` without breaking an entity: a cut inside `&amp;` would leave a bare
 * `&` that Slack might read as the start of another entity.
 */
export function truncateMrkdwn(escaped: string, max: number): string {
  const cut = truncate(escaped, max);
  if (cut === escaped) return cut;
  const body = cut.slice(0, -ELLIPSIS.length);
  const amp = body.lastIndexOf('&');
  if (amp >= 0 && !body.includes(';', amp)) return `${body.slice(0, amp)}${ELLIPSIS}`;
  return cut;
}

/** escapeMrkdwn then truncateMrkdwn: the usual path for core text into a mrkdwn object. */
export function safeMrkdwn(text: string, max: number): string {
  return truncateMrkdwn(escapeMrkdwn(text), max);
}
