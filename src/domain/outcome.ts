/**
 * Expected failures are values, not exceptions: each has a stable code (NOUN.REASON) for
 * programs and tests, and a message that tells a person what to do next.
 */
export interface Failure<Code extends string = string> {
  ok: false;
  code: Code;
  message: string;
  /** The input the failure is about (a form field such as "date"), so a form can show it there. */
  field?: string;
}

export type Outcome<T, Code extends string = string> = { ok: true; value: T } | Failure<Code>;

export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

export function fail<Code extends string>(code: Code, message: string, field?: string): Failure<Code> {
  return field === undefined ? { ok: false, code, message } : { ok: false, code, message, field };
}
