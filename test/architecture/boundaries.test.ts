/**
 * Import boundaries over the real tree. The core (src/) is platform-neutral; the domain is pure,
 * with no database, clock or I/O, so its rules can be tested as plain functions of `now`; the
 * command core reaches storage only through its ports; and no module of src/ is part of a cycle.
 * The rules are in layer-rules.ts, and import-graph.test.ts shows each one catching a violation.
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { findCycles, importEdges, under, violations } from './import-graph.js';
import { RULES, type RuleName } from './layer-rules.js';

const root = path.resolve(import.meta.dirname, '../..');

function sourceFiles(dir: string): string[] {
  const full = path.join(root, dir);
  if (!fs.existsSync(full)) return [];
  return fs.readdirSync(full, { recursive: true, withFileTypes: false })
    .map((entry) => path.posix.join(dir, String(entry).split(path.sep).join('/')))
    .filter((file) => file.endsWith('.ts'));
}

const files = new Map([...sourceFiles('src'), ...sourceFiles('adapters')].map((file) => [file, fs.readFileSync(path.join(root, file), 'utf8')]));
const edges = importEdges(files);

describe('import boundaries', () => {
  it('finds the sources it checks, and every relative import names a file that exists', () => {
    expect(sourceFiles('src/domain').length).toBeGreaterThan(5);
    expect(sourceFiles('src/app').length).toBeGreaterThan(5);
    expect(sourceFiles('src/stores').length).toBeGreaterThan(0);
    expect(sourceFiles('adapters').length).toBeGreaterThan(0);
    // A resolver that got paths wrong would make every rule pass vacuously.
    expect(edges.filter((e) => e.target !== null && !files.has(e.target)).map((e) => `${e.from} imports ${e.spec}`)).toEqual([]);
  });

  it('sees every import the TypeScript compiler sees', () => {
    // The rules read imports with a small parser; a form it missed would pass every rule unseen.
    const missed = [...files].flatMap(([file, text]) => {
      const found = new Set(edges.filter((e) => e.from === file).map((e) => e.spec));
      return ts.preProcessFile(text, true, true).importedFiles.filter((f) => !found.has(f.fileName)).map((f) => `${file} imports ${f.fileName}`);
    });
    expect(missed).toEqual([]);
  });

  it.each(Object.keys(RULES) as RuleName[])('%s', (name) => {
    expect(edges.filter((e) => RULES[name].covers(e.from)).length).toBeGreaterThan(0);
    expect(violations(edges, RULES[name])).toEqual([]);
  });

  it('src/ has no import cycles', () => {
    expect(findCycles(edges, under('src'))).toEqual([]);
  });

  it('src/domain reads the clock nowhere: "now" is always an argument', () => {
    const clockReads = [...files].filter(([file, text]) => under('src/domain')(file) && /Date\.now\(\)|new Date\(\)/.test(text)).map(([file]) => file);
    expect(clockReads).toEqual([]);
  });
});
