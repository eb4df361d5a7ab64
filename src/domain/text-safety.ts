/**
 * Characters that must not reach the audit trail or a terminal as they are: C0 control characters
 * (ESC starts the sequences that clear a screen or move the cursor, so a note could forge a line of
 * a timeline), DEL, C1 control characters (a terminal may read U+009B as ESC [), and the
 * bidirectional overrides and isolates U+202A–U+202E and U+2066–U+2069 (U+202E shows text after it
 * backwards, so "1.2 mmol/L" can be made to read differently from what is stored).
 *
 * Tab and line breaks are allowed only where an input legitimately holds them (a form's note); every
 * caller says which. Pure: every input boundary refuses such text with a message naming the
 * character (chat, forms and imports all refuse rather than strip: see each), and renderers escape.
 */

export interface UnsafeChar {
  /** Index of the character in the text (UTF-16 code units). */
  index: number;
  codePoint: number;
  kind: 'control' | 'bidi';
}

export interface AllowedWhitespace {
  /** U+0009. */
  tab?: boolean;
  /** U+000A, and U+000D as part of a CRLF or on its own (a line break from another system). */
  newline?: boolean;
}

// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

const NAMES: Record<number, string> = {
  0x00: 'NUL', 0x07: 'bell', 0x08: 'backspace', 0x09: 'tab', 0x0a: 'line break', 0x0b: 'vertical tab',
  0x0c: 'form feed', 0x0d: 'carriage return', 0x1b: 'escape', 0x7f: 'delete', 0x85: 'next line',
  0x9b: 'control sequence introducer',
  0x202a: 'left-to-right embedding', 0x202b: 'right-to-left embedding', 0x202c: 'pop directional formatting',
  0x202d: 'left-to-right override', 0x202e: 'right-to-left override', 0x2066: 'left-to-right isolate',
  0x2067: 'right-to-left isolate', 0x2068: 'first strong isolate', 0x2069: 'pop directional isolate',
};

function allowed(code: number, allow: AllowedWhitespace): boolean {
  if (code === 0x09) return allow.tab === true;
  if (code === 0x0a || code === 0x0d) return allow.newline === true;
  return false;
}

/** The first character of `text` that is not allowed, or null. */
export function findUnsafeChar(text: string, allow: AllowedWhitespace = {}): UnsafeChar | null {
  UNSAFE.lastIndex = 0;
  for (let m = UNSAFE.exec(text); m !== null; m = UNSAFE.exec(text)) {
    const code = m[0].charCodeAt(0);
    if (!allowed(code, allow)) return { index: m.index, codePoint: code, kind: code >= 0x202a ? 'bidi' : 'control' };
  }
  return null;
}

/** "U+001B" */
export function codePointLabel(code: number): string {
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * The character in words, for a message: "a control character (U+001B, escape)" or "a
 * bidirectional control character (U+202E, right-to-left override)".
 */
export function describeUnsafeChar(found: Pick<UnsafeChar, 'codePoint' | 'kind'>): string {
  const name = NAMES[found.codePoint];
  const label = name ? `${codePointLabel(found.codePoint)}, ${name}` : codePointLabel(found.codePoint);
  return found.kind === 'bidi'
    ? `a bidirectional control character (${label}), which can make text show in a different order from what is stored`
    : `a control character (${label})`;
}

/** Why `text` is refused, or null: "contains a control character (U+001B, escape)". */
export function unsafeTextProblem(text: string, allow: AllowedWhitespace = {}): string | null {
  const found = findUnsafeChar(text, allow);
  return found === null ? null : `contains ${describeUnsafeChar(found)}`;
}

/**
 * Text safe to print to a terminal, whatever was stored: line breaks and tabs stay (views use
 * them), a CRLF becomes a line break, and every other unsafe character is shown as its code point
 * in brackets ("[U+001B]"), so nothing is hidden and nothing is interpreted by the terminal.
 */
export function escapeForTerminal(text: string): string {
  const plain = text.includes('\r\n') ? text.replace(/\r\n/g, '\n') : text;
  return plain.replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0);
    return code === 0x0a || code === 0x09 ? c : `[${codePointLabel(code)}]`;
  });
}
