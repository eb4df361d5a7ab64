/**
 * docs/rules.md's rule tables are generated from the shipped rule data (npm run docs:rules), and
 * must match it: a changed rule with a stale document fails here. The tables must also show every
 * condition, threshold variant and trend with its sources, so the reference is complete.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GENERATED_BEGIN, GENERATED_END, rulesMarkdown, withGeneratedRules } from '../../src/domain/rules/rules-doc.js';
import { conditionsOf } from '../../src/domain/rules/schema.js';
import { defaultRules } from '../support/rules.js';

const rules = defaultRules();
const document = readFileSync(new URL('../../docs/rules.md', import.meta.url), 'utf8');
const generated = document.slice(document.indexOf(GENERATED_BEGIN), document.indexOf(GENERATED_END) + GENERATED_END.length);

describe('docs/rules.md', () => {
  it('carries the tables generated from the shipped rules, unchanged (run npm run docs:rules after a rule change)', () => {
    expect(document).toContain(GENERATED_BEGIN);
    expect(`${generated}\n`).toBe(rulesMarkdown(rules));
  });

  it('names every modifier, threshold and trend by id, and every kind of condition the rules use', () => {
    const ids = [
      ...rules.rules.flatMap((r) => r.tests.flatMap((t) => t.modifiers.map((m) => m.id))),
      ...rules.thresholds.map((t) => t.id), ...rules.trends.map((t) => t.id),
    ];
    for (const id of ids) expect(generated, id).toContain(`\`${id}\``);
    const kinds = new Set(rules.rules.flatMap((r) => r.tests.flatMap((t) => [t, ...t.modifiers].flatMap((h) => conditionsOf(h).map((c) => c.kind)))));
    expect([...kinds].sort()).toEqual(['age_at_least', 'age_below', 'co_prescribed', 'crcl_unavailable', 'falling', 'latest_value', 'patient_flag', 'started_within']);
    for (const words of ['aged under 18', 'for the first 12 months after the combination began', 'amiodarone) started in the last 7 weeks',
      'lower on each of the last 3 results', 'benign ethnic neutropenia (flag ben)', 'could become pregnant (flag pregnancy_possible)',
      'recorded sex female', 'INR target + 0.5', 'falls in 3 successive results']) {
      expect(generated).toContain(words);
    }
  });

  it('replaces only the generated part, keeping the hand-written text around it', () => {
    const stale = `# Title\n\nHand-written.\n\n${GENERATED_BEGIN}\nold tables\n${GENERATED_END}\nAfter.\n`;
    const updated = withGeneratedRules(stale, rules);
    expect(updated.startsWith('# Title\n\nHand-written.\n\n')).toBe(true);
    expect(updated.endsWith(`${GENERATED_END}\nAfter.\n`)).toBe(true);
    expect(updated).not.toContain('old tables');
    expect(withGeneratedRules('# Only text\n', rules)).toBe(`# Only text\n\n${rulesMarkdown(rules)}`);
  });
});
