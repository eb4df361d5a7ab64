/**
 * The import graph of the sources, as pure functions over {path: text}, so the boundary rules and
 * the cycle check can be tested on a handful of in-memory files before they judge the real tree.
 * Paths are repo-relative with forward slashes ("src/app/core.ts"); a relative import is resolved
 * to the file it names, so "../../db/client.js" from src/domain/actions/ is src/db/client.ts, as
 * the compiler sees it, and no spelling of a path can slip past a rule.
 */
import path from 'node:path';

export interface ImportEdge {
  /** The importing file. */
  from: string;
  /** As written: "../db/client.js", "drizzle-orm", "node:fs". */
  spec: string;
  /** The repo path a relative import names (".js" → ".ts"); null for a package. */
  target: string | null;
  /** `import type` / `export type`: erased at compile time, so it carries no code or side effects. */
  typeOnly: boolean;
}

/** Static imports, re-exports and dynamic import(), with whether each is type-only. */
export function parseImports(text: string): Array<{ spec: string; typeOnly: boolean }> {
  const found: Array<{ spec: string; typeOnly: boolean }> = [];
  // Comments can quote imports ("a relative import of ../db/ …"); they are not imports.
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
  for (const m of code.matchAll(/\b(import|export)\s+(type\s+)?(?:[\w*${}\s,]+?\s+from\s+)?['"]([^'"]+)['"]/g)) {
    found.push({ spec: m[3]!, typeOnly: Boolean(m[2]) });
  }
  for (const m of code.matchAll(/\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push({ spec: m[1]!, typeOnly: false });
  return found;
}

/** The repo path a relative specifier names from `from`, or null for a package or node: builtin. */
export function resolveImport(from: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null;
  const joined = path.posix.normalize(path.posix.join(path.posix.dirname(from), spec));
  return joined.replace(/\.js$/, '.ts');
}

export function importEdges(files: ReadonlyMap<string, string>): ImportEdge[] {
  return [...files].flatMap(([from, text]) => parseImports(text)
    .map(({ spec, typeOnly }) => ({ from, spec, target: resolveImport(from, spec), typeOnly })));
}

export const under = (folder: string) => (file: string | null): boolean => file !== null && file.startsWith(`${folder}/`);

export interface Rule {
  /** Which importing files the rule covers. */
  covers: (file: string) => boolean;
  /** Whether one of their imports is allowed. */
  allows: (edge: ImportEdge) => boolean;
}

/** "src/x.ts imports ../y.js (src/y.ts)" for every import a rule does not allow. */
export function violations(edges: readonly ImportEdge[], rule: Rule): string[] {
  return edges.filter((e) => rule.covers(e.from) && !rule.allows(e))
    .map((e) => `${e.from} imports ${e.spec}${e.target && e.target !== e.spec ? ` (${e.target})` : ''}${e.typeOnly ? ' [type]' : ''}`);
}

/**
 * Every cycle among the files, each as a path "a → b → a", found by depth-first search (each
 * cycle reported once, from its first file in sorted order). Type-only imports count: they are
 * erased at run time, but a cycle of types is still two modules that cannot be understood apart.
 */
export function findCycles(edges: readonly ImportEdge[], within: (file: string) => boolean): string[] {
  const graph = new Map<string, string[]>();
  for (const e of edges) {
    if (!within(e.from) || e.target === null || !within(e.target)) continue;
    graph.set(e.from, [...(graph.get(e.from) ?? []), e.target]);
  }
  const cycles = new Set<string>();
  const state = new Map<string, 'active' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'active');
    stack.push(file);
    for (const next of [...new Set(graph.get(file) ?? [])].sort()) {
      if (state.get(next) === 'active') {
        const loop = stack.slice(stack.indexOf(next));
        // Rotate so the same cycle found from another entry point reads the same.
        const start = loop.indexOf([...loop].sort()[0]!);
        const rotated = [...loop.slice(start), ...loop.slice(0, start)];
        cycles.add([...rotated, rotated[0]].join(' → '));
      } else if (!state.has(next)) {
        visit(next);
      }
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of [...graph.keys()].sort()) if (!state.has(file)) visit(file);
  return [...cycles];
}
