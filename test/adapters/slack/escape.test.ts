import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeMrkdwn, safeMrkdwn, truncate, truncateMrkdwn } from '../../../adapters/slack/escape.js';

const WJ = '\u2060';

describe('escapeMrkdwn', () => {
  it('escapes exactly &, < and > as Slack asks', () => {
    expect(escapeMrkdwn('a & b < c > d')).toBe('a &amp; b &lt; c &gt; d');
    expect(escapeMrkdwn("O'Brien \"quoted\" 5% #1")).toBe("O'Brien \"quoted\" 5% #1");
  });

  it('turns every control sequence into inert text', () => {
    const hostile = '<!channel> <!here|here> <@U123> <#C1|general> <https://evil.example|click> <!subteam^S1>';
    const out = escapeMrkdwn(hostile);
    expect(out).not.toMatch(/[<>]/);
    expect(out).toContain('&lt;!channel&gt;');
    expect(out).toContain('&lt;@U123&gt;');
    expect(out).toContain('&lt;https://evil.example|click&gt;');
  });

  it('escapes an existing entity rather than letting it through', () => {
    expect(escapeMrkdwn('&lt;!channel&gt;')).toBe('&amp;lt;!channel&amp;gt;');
  });

  it('breaks bare broadcast words with an invisible word joiner, in any case', () => {
    expect(escapeMrkdwn('ping @channel and @Here, @everyone, @group')).toBe(`ping @${WJ}channel and @${WJ}Here, @${WJ}everyone, @${WJ}group`);
    // Only whole words: an email or a longer handle is left as it is.
    expect(escapeMrkdwn('a.b@channels.nhs.uk @hereford ward@here.nhs.uk')).toBe('a.b@channels.nhs.uk @hereford ward@here.nhs.uk');
    expect(escapeMrkdwn('(@here)\n@channel')).toBe(`(@${WJ}here)\n@${WJ}channel`);
  });

  it('never leaves a < or > whatever the input', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme' }), (s) => !/[<>]/.test(escapeMrkdwn(s))));
  });
});

describe('truncate', () => {
  it('leaves short text alone and cuts long text to the limit with an ellipsis', () => {
    expect(truncate('short', 10)).toBe('short');
    expect(truncate('exactly10!', 10)).toBe('exactly10!');
    expect(truncate('this is far too long', 10)).toBe('this is f…');
    expect(truncate('this is far too long', 10)).toHaveLength(10);
  });

  it('never splits a surrogate pair', () => {
    const text = `${'a'.repeat(8)}🔴🔴🔴`;
    const cut = truncate(text, 10);
    expect(cut).toBe(`${'a'.repeat(8)}…`);
    expect(cut.length).toBeLessThanOrEqual(10);
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), fc.integer({ min: 1, max: 40 }), (s, max) => {
      const out = truncate(s, max);
      // A lone surrogate would be a broken character; encodeURIComponent throws on one.
      expect(() => encodeURIComponent(out)).not.toThrow();
      return out.length <= max;
    }));
  });

  it('refuses a limit below one', () => {
    expect(() => truncate('x', 0)).toThrow();
  });
});

describe('truncateMrkdwn', () => {
  it('does not cut an entity in half', () => {
    const escaped = escapeMrkdwn('abcdef&ghij');
    expect(escaped).toBe('abcdef&amp;ghij');
    for (let max = 7; max <= 11; max++) {
      const cut = truncateMrkdwn(escaped, max);
      expect(cut.length).toBeLessThanOrEqual(max);
      expect(cut).not.toMatch(/&(?!amp;|lt;|gt;)/);
    }
    expect(truncateMrkdwn(escaped, 9)).toBe('abcdef…');
    expect(truncateMrkdwn(escaped, 12)).toBe('abcdef&amp;…');
  });

  it('keeps any escaped text within the limit and free of broken entities', () => {
    fc.assert(fc.property(fc.string({ maxLength: 80 }), fc.integer({ min: 1, max: 60 }), (s, max) => {
      const out = safeMrkdwn(s, max);
      return out.length <= max && !/&(?!amp;|lt;|gt;)/.test(out) && !/[<>]/.test(out);
    }));
  });
});
