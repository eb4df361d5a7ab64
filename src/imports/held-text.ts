/**
 * Strings an import plan holds until its write commits, copied so that they do not keep the file's
 * text alive (src/imports/register-import.ts).
 */

/** V8 makes a substring of this many characters or more a slice of its parent; shorter ones are copies. */
const SLICE_MIN_LENGTH = 13;

export interface HeldText {
  /** A value of one patient (reference, label), copied out of the file's text. */
  own(value: string): string;
  /** A value repeated down its column (team, practice, date, org): one copy per distinct value. */
  shared<T extends string>(value: T): T;
  sharedOrNull<T extends string>(value: T | null): T | null;
}

/**
 * The strings the plan keeps until the write commits (issue 11: import memory). A cell is a slice
 * of the chunk of the file it was read from, and V8 keeps the whole chunk alive for as long as a
 * slice of it is, so held labels kept the entire file in memory (21 MB for 200,000 rows). And V8
 * lets the heap grow to up to four times what was live at its last full collection, which during
 * an import is the plan: each MB held here cost up to four at the import's peak. JSON's round trip
 * copies any string exactly; the pool lasts only as long as the validating pass.
 */
export function heldText(): HeldText {
  const pool = new Map<string, string>();
  const own = (value: string) => (value.length < SLICE_MIN_LENGTH ? value : JSON.parse(JSON.stringify(value)) as string);
  const shared = <T extends string>(value: T): T => {
    let copy = pool.get(value);
    if (copy === undefined) {
      copy = own(value);
      pool.set(copy, copy);
    }
    return copy as T;
  };
  return { own, shared, sharedOrNull: (value) => (value === null ? null : shared(value)) };
}
