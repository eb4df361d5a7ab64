/** Text helpers every renderer needs, whatever the platform. */

/** Stored text made safe to print to a terminal (src/domain/text-safety.ts says what and why). */
export { escapeForTerminal } from '../domain/text-safety.js';

export const ELLIPSIS = '…';

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/**
 * Text no longer than `max` UTF-16 code units (what JavaScript's `length` counts, never fewer than
 * the characters a platform counts), cut between characters and ending with `…` when cut.
 */
export function truncate(text: string, max: number): string {
  if (max < 1) throw new Error(`truncate: max must be at least 1 (got ${max})`);
  if (text.length <= max) return text;
  let end = max - ELLIPSIS.length;
  // Never leave half of a surrogate pair (an emoji, say) before the ellipsis.
  if (end > 0 && isHighSurrogate(text.charCodeAt(end - 1))) end -= 1;
  return `${text.slice(0, end)}${ELLIPSIS}`;
}
