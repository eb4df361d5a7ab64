/**
 * The layering, as rules over resolved imports (see import-graph.ts). Allow-lists rather than
 * deny-lists where a layer must stay pure, so a new folder is outside a layer's reach until a rule
 * says otherwise.
 *
 *   domain    src/domain                   nothing but itself, zod, node:path and node:url
 *   views     src/views                    itself and src/domain
 *   core      src/app                      itself, src/domain, src/views and zod; types only from
 *                                          src/config and src/logging. Storage only through the
 *                                          ports (src/app/ports.ts), which are types.
 *   stores    src/stores                   SQL behind the ports: the data layer, plus the port types
 *   data      src/db, src/workflow, src/audit, src/staff, src/register, src/imports, src/digests,
 *             src/reports, src/charts, src/schedule
 *                                          never the core, the stores, the entry points or adapters
 *   roots     src/main.ts, src/cli, src/create-core.ts, src/index.ts wire the layers together
 *   adapters  adapters/                    src/ only through src/index.ts
 */
import { under, type ImportEdge, type Rule } from './import-graph.js';

const inAny = (...folders: string[]) => (e: ImportEdge) => folders.some((folder) => under(folder)(e.target));
const packages = (...names: string[]) => (e: ImportEdge) => e.target === null && names.includes(e.spec);
const either = (...tests: Array<(e: ImportEdge) => boolean>) => (e: ImportEdge) => tests.some((test) => test(e));

const PORTS = 'src/app/ports.ts';
const DATA_LAYER = ['src/db', 'src/workflow', 'src/audit', 'src/staff', 'src/register', 'src/imports', 'src/digests', 'src/reports', 'src/charts', 'src/schedule'];
const COMPOSITION_ROOTS = (file: string) => file === 'src/main.ts' || file.startsWith('src/cli/');

export const RULES = {
  'src/ never imports a chat platform SDK': {
    covers: under('src'),
    allows: (e) => !/^(@slack\/|@microsoft\/|botbuilder)/.test(e.spec),
  },
  'src/domain imports only src/domain, zod, node:path and node:url': {
    covers: under('src/domain'),
    allows: either(inAny('src/domain'), packages('zod', 'node:path', 'node:url')),
  },
  'src/views imports only src/views and src/domain': {
    covers: under('src/views'),
    allows: inAny('src/views', 'src/domain'),
  },
  'src/app imports only src/app, src/domain, src/views and zod, and only types from src/config and src/logging': {
    covers: under('src/app'),
    allows: either(inAny('src/app', 'src/domain', 'src/views'), packages('zod'), (e) => e.typeOnly && inAny('src/config', 'src/logging')(e)),
  },
  'src/app/ports.ts is imported for its types only': {
    covers: under('src'),
    allows: (e) => e.target !== PORTS || e.typeOnly,
  },
  'src/stores imports nothing from src/app but the port types, and no adapters': {
    covers: under('src/stores'),
    allows: (e) => !inAny('src/app', 'adapters')(e) || (e.target === PORTS && e.typeOnly),
  },
  'the data layer never imports src/app, src/stores, the entry points or adapters': {
    covers: (file) => DATA_LAYER.some((folder) => under(folder)(file)),
    allows: (e) => !inAny('src/app', 'src/stores', 'src/cli', 'src/server', 'adapters')(e) && !['src/main.ts', 'src/index.ts', 'src/create-core.ts'].includes(e.target ?? ''),
  },
  'adapters reach src/ only through src/index.ts': {
    covers: under('adapters'),
    allows: (e) => !under('src')(e.target) || e.target === 'src/index.ts',
  },
  'only the composition roots (src/main.ts and the CLI) import adapters': {
    covers: (file) => under('src')(file) && !COMPOSITION_ROOTS(file),
    allows: (e) => !inAny('adapters')(e),
  },
} satisfies Record<string, Rule>;

export type RuleName = keyof typeof RULES;
