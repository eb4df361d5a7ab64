/**
 * DATA_DIR, checked before the embedded database opens it: a file, or a path this user cannot
 * create or write, would otherwise surface as a raw EEXIST or ENOTDIR from deep in the driver (or as
 * "Something went wrong"). The message names DATA_DIR and says what to set instead.
 */
import fs from 'node:fs';

/** DATA_DIR cannot hold the embedded database; the message says why and what to do. */
export class DataDirError extends Error {
  override readonly name = 'DataDirError';
}

const REASONS: Record<string, string> = {
  ENOTDIR: 'a part of the path is a file, not a folder',
  EACCES: 'this user may not write there',
  EPERM: 'this user may not write there',
  EROFS: 'it is on a read-only file system',
  ENOSPC: 'the disk is full',
  ENAMETOOLONG: 'the path is too long',
  ELOOP: 'the path has a loop of symbolic links',
};

const WHAT_TO_DO = 'Set DATA_DIR to a folder this user can write to (it is created if missing), or set DATABASE_URL to use PostgreSQL.';

/** Makes sure `dir` is a folder this process can read and write, creating it if missing; throws DataDirError. */
export function prepareDataDir(dir: string): void {
  let existed = false;
  try {
    const stat = fs.statSync(dir, { throwIfNoEntry: false });
    existed = stat !== undefined;
    if (stat !== undefined && !stat.isDirectory()) throw new DataDirError(`DATA_DIR ${dir} is a file, not a folder. ${WHAT_TO_DO}`);
    if (stat === undefined) fs.mkdirSync(dir, { recursive: true });
    fs.accessSync(dir, fs.constants.R_OK | fs.constants.W_OK);
  } catch (err) {
    if (err instanceof DataDirError) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new DataDirError(`DATA_DIR ${dir} cannot be ${existed ? 'written to' : 'created'}: ${REASONS[code] ?? code}. ${WHAT_TO_DO}`, { cause: err });
  }
}
