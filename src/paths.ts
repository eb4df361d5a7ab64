/**
 * Files read from disk at run time, resolved in one place. The code runs either as sources
 * (<root>/src/*.ts, through tsx) or as the build (<root>/dist/src/*.js, tsconfig.build.json keeps
 * rootDir "." so the layout under dist/ mirrors the repo). Assets are never copied into dist/:
 * both read them from the package root, so there is one copy to edit, review and replace.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const built = import.meta.url.endsWith('.js') && path.basename(path.dirname(here)) === 'dist';

/** The directory holding package.json. */
export const PACKAGE_ROOT = path.resolve(here, built ? '../..' : '..');

// One stat at start-up, so a moved build fails here by name instead of as a missing migration.
if (!existsSync(path.join(PACKAGE_ROOT, 'package.json'))) {
  throw new Error(`closedloop cannot find its package root: expected package.json in ${PACKAGE_ROOT}`);
}

/** The SQL migrations applied on open (drizzle's migrations folder). */
export const MIGRATIONS_DIR = path.join(PACKAGE_ROOT, 'migrations');

/** The national default rule set. */
export const DEFAULT_RULES_FILE = path.join(PACKAGE_ROOT, 'src', 'rules', 'default-rules.json');
