/**
 * The boundary checker on small in-memory trees: the parser and resolver see what the compiler
 * sees, each layer rule catches a violation of it (and passes its legitimate neighbour), and the
 * cycle finder reports a cycle as its path. A rule that could not fail would guard nothing.
 */
import { describe, expect, it } from 'vitest';
import { findCycles, importEdges, parseImports, resolveImport, under, violations } from './import-graph.js';
import { RULES, type RuleName } from './layer-rules.js';

const edgesOf = (files: Record<string, string>) => importEdges(new Map(Object.entries(files)));

describe('parsing and resolving imports', () => {
  it('finds static, type-only, multi-line, re-exported and dynamic imports, but not those in comments', () => {
    const text = [
      "import { sql } from 'drizzle-orm';",
      "import type { Database } from '../db/database.js';",
      "import {\n  a,\n  type B,\n} from './multi.js';",
      "export { c } from './again.js';",
      "export type { D } from './types.js';",
      "export * from './all.js';",
      "import './side-effect.js';",
      "const lazy = () => import('./lazy.js');",
      '// import { old } from "../db/client.js";',
      "/* import { older } from '../db/client.js'; */",
    ].join('\n');
    expect(parseImports(text)).toEqual([
      { spec: 'drizzle-orm', typeOnly: false },
      { spec: '../db/database.js', typeOnly: true },
      { spec: './multi.js', typeOnly: false },
      { spec: './again.js', typeOnly: false },
      { spec: './types.js', typeOnly: true },
      { spec: './all.js', typeOnly: false },
      { spec: './side-effect.js', typeOnly: false },
      { spec: './lazy.js', typeOnly: false },
    ]);
  });

  it('resolves a relative import to the repo path the compiler would load', () => {
    expect(resolveImport('src/domain/actions/x.ts', '../../db/client.js')).toBe('src/db/client.ts');
    expect(resolveImport('src/app/commands/a.ts', '../ports.js')).toBe('src/app/ports.ts');
    expect(resolveImport('src/app/core.ts', './././context.js')).toBe('src/app/context.ts');
    expect(resolveImport('src/app/core.ts', 'zod')).toBeNull();
  });
});

/** For each rule: a tree that breaks it (one violation expected) and one that keeps to it. */
const EXAMPLES: Record<RuleName, { breaks: Record<string, string>; keeps: Record<string, string> }> = {
  'src/ never imports a chat platform SDK': {
    breaks: { 'src/app/core.ts': "import { App } from '@slack/bolt';" },
    keeps: { 'adapters/slack/app.ts': "import { App } from '@slack/bolt';" },
  },
  'src/domain imports only src/domain, zod, node:path and node:url': {
    // The hole in the old regex check: only "../db/" was recognised, not "../../db/" from a subfolder.
    breaks: { 'src/domain/actions/x.ts': "import { rowsOf } from '../../db/client.js';" },
    keeps: { 'src/domain/actions/x.ts': "import { z } from 'zod';\nimport { todayIn } from '../dates.js';" },
  },
  'src/views imports only src/views and src/domain': {
    breaks: { 'src/views/forms.ts': "import type { ActionRecord } from '../workflow/action-store.js';" },
    keeps: { 'src/views/forms.ts': "import type { ActionRecord } from '../domain/actions/records.js';\nimport { KIND_LABEL } from './action-views.js';" },
  },
  'src/app imports only src/app, src/domain, src/views and zod, and only types from src/config and src/logging': {
    breaks: { 'src/app/commands/view-commands.ts': "import { sql } from 'drizzle-orm';\nimport type { WorkflowConfig } from '../../config/workflow.js';" },
    keeps: { 'src/app/context.ts': "import type { WorkflowConfig } from '../config/workflow.js';\nimport type { Stores } from './ports.js';\nimport { errorView } from '../views/common-views.js';" },
  },
  'src/app/ports.ts is imported for its types only': {
    breaks: { 'src/stores/receipts.ts': "import { ReceiptStore } from '../app/ports.js';" },
    keeps: { 'src/stores/receipts.ts': "import type { ReceiptStore } from '../app/ports.js';" },
  },
  'src/stores imports nothing from src/app but the port types, and no adapters': {
    breaks: { 'src/stores/create-stores.ts': "import type { CoreDeps } from '../app/context.js';" },
    keeps: { 'src/stores/create-stores.ts': "import type { Stores } from '../app/ports.js';\nimport { loadAction } from '../workflow/action-store.js';" },
  },
  'the data layer never imports src/app, src/stores, the entry points or adapters': {
    breaks: { 'src/staff/directory.ts': "import type { CoreDeps } from '../app/core.js';" },
    keeps: { 'src/staff/directory.ts': "import { appendAudit } from '../audit/append.js';" },
  },
  'adapters reach src/ only through src/index.ts': {
    breaks: { 'adapters/slack/app.ts': "import { loadAction } from '../../src/workflow/action-store.js';" },
    keeps: { 'adapters/slack/app.ts': "import { createCore } from '../../src/index.js';" },
  },
  'only the composition roots (src/main.ts and the CLI) import adapters': {
    breaks: { 'src/server/http.ts': "import { createSlackAdapter } from '../../adapters/slack/app.js';" },
    keeps: { 'src/main.ts': "import { createSlackAdapter } from '../adapters/slack/app.js';" },
  },
};

describe('each layer rule catches a violation', () => {
  it('has an example for every rule', () => {
    expect(Object.keys(EXAMPLES).sort()).toEqual(Object.keys(RULES).sort());
  });

  it.each(Object.keys(RULES) as RuleName[])('%s', (name) => {
    const { breaks, keeps } = EXAMPLES[name];
    const [file] = Object.keys(breaks);
    const found = violations(edgesOf(breaks), RULES[name]);
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(`${file} imports`);
    expect(violations(edgesOf(keeps), RULES[name])).toEqual([]);
  });

  it('flags the runtime import of src/config from src/app, but not the type-only one', () => {
    const rule = RULES['src/app imports only src/app, src/domain, src/views and zod, and only types from src/config and src/logging'];
    expect(violations(edgesOf({ 'src/app/a.ts': "import { defaultWorkflowConfig } from '../config/workflow.js';" }), rule)).toHaveLength(1);
    expect(violations(edgesOf({ 'src/app/a.ts': "import type { WorkflowConfig } from '../config/workflow.js';" }), rule)).toEqual([]);
  });
});

describe('cycle detection', () => {
  it('reports a cycle as its path, once, whichever file it is entered from', () => {
    const edges = edgesOf({
      'src/views/a.ts': "import { b } from './b.js';",
      'src/views/b.ts': "import { c } from '../app/c.js';",
      'src/app/c.ts': "import type { A } from '../views/a.js';",
      'src/app/d.ts': "import { c } from './c.js';",
    });
    expect(findCycles(edges, under('src'))).toEqual(['src/app/c.ts → src/views/a.ts → src/views/b.ts → src/app/c.ts']);
  });

  it('finds none in a tree without one, and ignores packages and files outside the scope', () => {
    const edges = edgesOf({
      'src/a.ts': "import { b } from './b.js';\nimport { z } from 'zod';",
      'src/b.ts': "import { x } from '../test/x.js';",
      'test/x.ts': "import { a } from '../src/a.js';",
    });
    expect(findCycles(edges, under('src'))).toEqual([]);
  });
});
