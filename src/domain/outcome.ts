/**
 * Expected failures are values, not exceptions: each has a stable code (NOUN.REASON) for
 * programs and tests, and a message that tells a person what to do next.
 */
export interface Failure<Code extends string = string> {
  ok: false;
  code: Code;
  message: string;
}

export type Outcome<T, Code extends string = string> = { ok: true; value: T } | Failure<Code>;

export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

export function fail<Code extends string>(code: Code, message: string): Failure<Code> {
  return { ok: false, code, message };
}
