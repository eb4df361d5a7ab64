/**
 * Column values as the two drivers hand them back: postgres.js and PGlite agree on most types, but
 * a timestamp may arrive as a Date or a string and json as parsed or as text, depending on how the
 * column was selected. These read either.
 */
export function dateValue(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  return value instanceof Date ? value : new Date(String(value));
}

export function jsonValue<T>(value: unknown): T | null {
  if (value === null || value === undefined) return null;
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}
