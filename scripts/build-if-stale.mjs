/**
 * Builds dist/ with tsc when it is missing or older than its inputs. Shared by `npm start`
 * (scripts/start.mjs), the `closedloop` binary and bench/startup.ts. The freshness check is stat
 * calls only, never a spawned process, because it runs before every `closedloop` command.
 * `npm run build` runs this file directly: the same build, always, and the same stamp, so a
 * manual build is not redone by the next start.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
const STAMP = path.join(ROOT, 'dist', '.build-stamp');
const SOURCE_DIRS = ['src', 'adapters'];

/** True when a .ts file, or a directory (its mtime moves when a file is added, renamed or deleted), is newer than `since`. */
function changedSince(dir, since) {
  if (fs.statSync(dir).mtimeMs > since) return true;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory() ? changedSince(full, since) : entry.name.endsWith('.ts') && fs.statSync(full).mtimeMs > since) return true;
  }
  return false;
}

/** `entry` (relative to the package root) is the built file the caller is about to import. */
export function isStale(entry) {
  let since;
  try {
    since = fs.statSync(STAMP).mtimeMs;
  } catch {
    return true;
  }
  if (!fs.existsSync(path.join(ROOT, entry))) return true;
  const configs = fs.readdirSync(ROOT).filter((name) => name === 'package.json' || /^tsconfig.*\.json$/.test(name));
  return configs.some((name) => fs.statSync(path.join(ROOT, name)).mtimeMs > since)
    || SOURCE_DIRS.some((dir) => changedSince(path.join(ROOT, dir), since));
}

/**
 * Returns { ok: true, built } or { ok: false, output } with tsc's messages. tsconfig.build.json
 * sets noEmitOnError, so a failed build leaves the previous output (and stale stamp) in place:
 * the next start tries again, and a build with type errors is never run.
 */
export function buildIfStale({ entry, log, force = false }) {
  if (!force && !isStale(entry)) return { ok: true, built: false };
  let tsc;
  try {
    tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  } catch {
    // A production install (npm ci --omit=dev) has no compiler: it ships a dist/ built beforehand.
    if (!force && fs.existsSync(path.join(ROOT, entry))) return { ok: true, built: false };
    return { ok: false, output: 'closedloop needs building, and TypeScript is not installed: run `npm install` (with dev dependencies), then try again.' };
  }
  log(force ? 'Building closedloop…' : 'Building closedloop (first start or sources changed)…');
  const started = new Date();
  const result = spawnSync(process.execPath, [tsc, '-p', path.join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, encoding: 'utf8' });
  if (result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim() || String(result.error ?? `tsc stopped (${result.signal})`);
    return { ok: false, output: `${output}\nThe build failed (above). closedloop runs only from a build without errors: fix them and try again.` };
  }
  fs.writeFileSync(STAMP, `${started.toISOString()}\n`);
  // Stamped with the time the build began: a file saved while tsc ran still counts as newer.
  fs.utimesSync(STAMP, started, started);
  log(`Built in ${((Date.now() - started.getTime()) / 1000).toFixed(1)} s.`);
  return { ok: true, built: true };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = buildIfStale({ entry: 'dist/src/main.js', log: (line) => console.log(line), force: true });
  if (!result.ok) {
    console.error(result.output);
    process.exitCode = 1;
  }
}
