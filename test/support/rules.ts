/** Rule sets for tests: the shipped defaults, or the defaults with an override file applied. */
import { fileURLToPath } from 'node:url';
import { loadRuleSet } from '../../src/rules/load.js';
import type { RuleSet } from '../../src/domain/rules/schema.js';

export function fixturePath(relative: string): string {
  return fileURLToPath(new URL(`../fixtures/${relative}`, import.meta.url));
}

export function defaultRules(): RuleSet {
  const loaded = loadRuleSet();
  if (!loaded.ok) throw new Error(`default rules failed to load: ${loaded.message}`);
  return loaded.ruleSet;
}

export function rulesWithOverride(relativeFixture: string): RuleSet {
  const loaded = loadRuleSet({ overridePath: fixturePath(relativeFixture) });
  if (!loaded.ok) throw new Error(`override failed to load: ${loaded.message}`);
  return loaded.ruleSet;
}
