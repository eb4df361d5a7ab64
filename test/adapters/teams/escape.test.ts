import { describe, expect, it } from 'vitest';
import { cardText, escapeMarkdown, orDash, truncate, truncateEscaped } from '../../../adapters/teams/escape.js';

const WJ = '\u2060';

describe('escapeMarkdown', () => {
  it('escapes emphasis, code and strike markers wherever they are', () => {
    expect(escapeMarkdown('**bold** _it_ `code` ~~gone~~')).toBe('\\*\\*bold\\*\\* \\_it\\_ \\`code\\` \\~\\~gone\\~\\~');
  });

  it('makes a Markdown link inert by escaping its brackets', () => {
    expect(escapeMarkdown('[link](https://evil.example)')).toBe('\\[link\\](https://evil.example)');
    expect(escapeMarkdown('![img](https://evil.example/x.png)')).toBe('!\\[img\\](https://evil.example/x.png)');
  });

  it('escapes a backslash first, so a typed escape cannot undo ours', () => {
    expect(escapeMarkdown('\\*not bold\\*')).toBe('\\\\\\*not bold\\\\\\*');
  });

  it('escapes heading, quote and list markers at the start of a line only', () => {
    expect(escapeMarkdown('# Heading\n> quote\n- item\n+ item\n  - nested')).toBe('\\# Heading\n\\> quote\n\\- item\n\\+ item\n  \\- nested');
    expect(escapeMarkdown('A-1042 (PAT-7) #3 > 2 + 1')).toBe('A-1042 (PAT-7) #3 > 2 + 1');
  });

  it('escapes an ordered-list marker at the start of a line, not a number', () => {
    expect(escapeMarkdown('1. first\n2) second')).toBe('1\\. first\n2\\) second');
    expect(escapeMarkdown('3.5 mg daily\n12.03.2026')).toBe('3.5 mg daily\n12.03.2026');
  });

  it('neutralises <at> mention tags with an invisible word joiner', () => {
    const escaped = escapeMarkdown('ping <at>Everyone</at> and <AT>General</AT> and </ at>');
    expect(escaped).toBe(`ping <${WJ}at>Everyone<${WJ}/at> and <${WJ}AT>General<${WJ}/AT> and <${WJ}/ at>`);
    expect(escaped).not.toMatch(/<\/?\s*at\b/i);
    // What a person sees is the same words.
    expect(escaped.replaceAll(WJ, '')).toBe('ping <at>Everyone</at> and <AT>General</AT> and </ at>');
  });

  it('leaves other angle brackets and ampersands alone (HTML is not rendered in cards)', () => {
    expect(escapeMarkdown('eGFR < 30 & falling <b>x</b>')).toBe('eGFR < 30 & falling <b>x</b>');
  });

  it('breaks the {{DATE(…)}} substitution Teams would otherwise format', () => {
    expect(escapeMarkdown('{{DATE(2026-03-01T00:00:00Z, SHORT)}}')).toBe(`{${WJ}{DATE(2026-03-01T00:00:00Z, SHORT)}}`);
  });

  it('normalises CRLF line ends', () => {
    expect(escapeMarkdown('a\r\n- b\rc')).toBe('a\n\\- b\nc');
  });
});

describe('cardText', () => {
  it('doubles line breaks so a TextBlock shows them', () => {
    expect(cardText('line one\nline two', 100)).toBe('line one\n\nline two');
  });

  it('cuts to the cap with an ellipsis', () => {
    const out = cardText('y'.repeat(10_000), 3000);
    expect(out).toHaveLength(3000);
    expect(out.endsWith('…')).toBe(true);
  });

  it('never leaves a dangling escape before the ellipsis', () => {
    // Cut inside "\*": the lone backslash would escape the ellipsis.
    const out = cardText(`${'a'.repeat(8)}*tail`, 10);
    expect(out).toBe('aaaaaaaa…');
    expect(truncateEscaped('abcdefgh\\\\\\*', 11)).toBe('abcdefgh\\\\…');
  });

  it('shows a dash for empty text (an empty TextBlock is invalid)', () => {
    expect(cardText('  ', 10)).toBe('—');
    expect(orDash('x')).toBe('x');
  });
});

describe('truncate', () => {
  it('keeps short text and never splits a surrogate pair', () => {
    expect(truncate('short', 10)).toBe('short');
    expect(truncate('ab😀cd', 4)).toBe('ab…');
  });

  it('refuses a cap below 1', () => {
    expect(() => truncate('x', 0)).toThrow(/at least 1/);
  });
});
