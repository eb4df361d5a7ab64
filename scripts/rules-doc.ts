/**
 * Writes the generated part of docs/rules.md from the shipped rule data (npm run docs:rules);
 * `--check` only says whether the document is current (test/docs/rules-doc.test.ts does the same).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { withGeneratedRules } from '../src/domain/rules/rules-doc.js';
import { loadRuleSet } from '../src/rules/load.js';

const docPath = fileURLToPath(new URL('../docs/rules.md', import.meta.url));
const loaded = loadRuleSet();
if (!loaded.ok) {
  console.error(`The default rules do not load: ${loaded.message}`);
  process.exit(1);
}
const current = readFileSync(docPath, 'utf8');
const next = withGeneratedRules(current, loaded.ruleSet);
if (process.argv.includes('--check')) {
  console.log(next === current ? 'docs/rules.md is current' : 'docs/rules.md is out of date: run npm run docs:rules');
  process.exit(next === current ? 0 : 1);
}
writeFileSync(docPath, next);
console.log(next === current ? 'docs/rules.md was already current' : 'docs/rules.md updated from src/rules/default-rules.json');
