/**
 * Import boundaries. The core (src/) is platform-neutral; the domain (src/domain) is pure, with
 * no database, clock or I/O, so its rules can be tested as plain functions of `now`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');

function sourceFiles(dir: string): string[] {
  const full = path.join(root, dir);
  if (!fs.existsSync(full)) return [];
  return fs.readdirSync(full, { recursive: true, withFileTypes: false })
    .map((entry) => path.join(dir, String(entry)))
    .filter((file) => file.endsWith('.ts'));
}

function importsOf(file: string): string[] {
  const text = fs.readFileSync(path.join(root, file), 'utf8');
  return [...text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)].map((m) => m[1]!);
}

function violations(files: string[], forbidden: RegExp): string[] {
  return files.flatMap((file) => importsOf(file).filter((spec) => forbidden.test(spec)).map((spec) => `${file} imports ${spec}`));
}

describe('import boundaries', () => {
  it('finds the sources it checks', () => {
    expect(sourceFiles('src').length).toBeGreaterThan(10);
    expect(sourceFiles('src/domain').length).toBeGreaterThan(5);
  });

  it('src/ never imports a chat platform SDK', () => {
    expect(violations(sourceFiles('src'), /^(@slack\/|@microsoft\/|botbuilder)/)).toEqual([]);
  });

  it('src/domain is pure: no database, file system, network or other layers', () => {
    expect(violations(sourceFiles('src/domain'), /^(drizzle-orm|postgres|@electric-sql|node:(?!url$|path$)|fs$|http|\.\.\/(db|register|imports|cli|server|logging)\/)/)).toEqual([]);
  });

  it('src/domain reads the clock nowhere: "now" is always an argument', () => {
    const clockReads = sourceFiles('src/domain').filter((file) => /Date\.now\(\)|new Date\(\)/.test(fs.readFileSync(path.join(root, file), 'utf8')));
    expect(clockReads).toEqual([]);
  });

  it('adapters reach the core only through src/index.ts', () => {
    const files = sourceFiles('adapters');
    expect(files.length).toBeGreaterThan(0);
    const reachesIn = files.flatMap((file) => importsOf(file)
      .filter((spec) => spec.includes('/src/') && !spec.endsWith('/src/index.js'))
      .map((spec) => `${file} imports ${spec}`));
    expect(reachesIn).toEqual([]);
  });

  it('only the composition roots (src/main.ts and the CLI) import adapters', () => {
    const outside = sourceFiles('src').filter((file) => file !== 'src/main.ts' && !file.startsWith('src/cli/'));
    expect(violations(outside, /adapters\//)).toEqual([]);
  });
});
