/**
 * How a result's rating is named and styled everywhere a person reads it (replies, cards, lists,
 * the CLI). "Not rated" has its own words and never the green style: green says a value was
 * checked against a threshold and is safe, which a value with no threshold never was.
 */
import type { Rating } from '../domain/results.js';
import type { Tone } from './model.js';

export const RATING_LABEL: Record<Rating, string> = { green: 'GREEN', amber: 'AMBER', red: 'RED', not_rated: 'NOT RATED' };

/** The label for a rating read back from storage (a cause, an audit event); unknown text is shown as it is. */
export function ratingLabel(flag: unknown): string {
  if (typeof flag !== 'string') return '';
  return (RATING_LABEL as Record<string, string>)[flag] ?? flag.toUpperCase();
}

/** The tone of a reply about a result: only a green rating is a success. */
export function ratingTone(flag: Rating | undefined): Tone {
  switch (flag) {
    case 'red': return 'urgent';
    case 'amber': return 'warning';
    case 'green': return 'success';
    default: return 'info';
  }
}
