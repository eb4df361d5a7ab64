/**
 * The embedded database's directory lock: two PGlite instances on one directory open without
 * error and silently diverge (see docs/stack-notes §5), so one process at a time holds
 * `<dir>/closedloop.lock`, taken with O_EXCL and holding its pid. A lock whose process is gone (a
 * crash, kill -9) is stale and is taken over.
 */
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const LOCK_FILE_NAME = 'closedloop.lock';

/** Another live process holds the embedded data directory. */
export class DatabaseLockedError extends Error {
  override readonly name = 'DatabaseLockedError';
  constructor(
    readonly dataDir: string,
    readonly lockPath: string,
    readonly pid: number,
  ) {
    const holder = pid === process.pid ? `this process (pid ${pid}) already has it open` : `process ${pid} is using it`;
    super(
      `The embedded database at ${dataDir} is locked: ${holder} (lock file ${lockPath}). ` +
        'The embedded database (PGlite) supports only one process at a time. ' +
        'Stop the other closedloop process, or set DATABASE_URL to a PostgreSQL database to run several processes. ' +
        `If no such process exists (its pid was reused after a crash), delete ${lockPath} and retry.`,
    );
  }
}

export interface DirLock {
  /** Removes the lock file if it is still ours. Idempotent and synchronous (used on 'exit'). */
  release(): void;
}

/**
 * Takes `<dir>/closedloop.lock` with O_EXCL, so of two processes racing for it exactly one wins.
 * A lock whose pid is no longer running (a crash, kill -9) is stale and is taken over.
 */
export async function acquireLock(dir: string, log: (msg: string) => void): Promise<DirLock> {
  const lockPath = path.join(dir, LOCK_FILE_NAME);
  const content = `${process.pid}\n`;

  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const fd = fs.openSync(lockPath, 'wx');
      try {
        fs.writeSync(fd, content);
      } catch (err) {
        fs.closeSync(fd);
        fs.rmSync(lockPath, { force: true });
        throw err;
      }
      fs.closeSync(fd);
      return ownLock(lockPath, content);
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') throw err;
    }

    const holder = await readLockPid(lockPath);
    if (holder === 'gone') continue; // released between our open and our read: try again
    if (holder !== undefined && isAlive(holder)) throw new DatabaseLockedError(dir, lockPath, holder);

    log(
      holder === undefined
        ? `Removing unreadable lock file ${lockPath}`
        : `Removing stale lock ${lockPath}: process ${holder} is no longer running`,
    );
    removeStaleLock(lockPath, holder);
  }
  throw new Error(`Could not take the lock ${lockPath}: it kept changing (several processes starting at once?)`);
}

function ownLock(lockPath: string, content: string): DirLock {
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.off('exit', release);
    try {
      // Only remove it if it is still ours: never delete a lock another process has since taken.
      if (fs.readFileSync(lockPath, 'utf8') === content) fs.rmSync(lockPath, { force: true });
    } catch {
      // Already gone, or the directory was removed: nothing to release.
    }
  };
  // Best effort for a process that exits without close(). Signals and crashes skip 'exit'; the
  // stale-pid check covers those.
  process.on('exit', release);
  return { release };
}

/** The pid in the lock file, undefined if unreadable/garbage, 'gone' if the file vanished. */
async function readLockPid(lockPath: string): Promise<number | 'gone' | undefined> {
  // A holder writes its pid just after creating the file; an empty file may be one mid-creation,
  // so give it a moment before calling it garbage.
  for (let i = 0; i < 10; i++) {
    let text: string;
    try {
      text = fs.readFileSync(lockPath, 'utf8').trim();
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return 'gone';
      throw err;
    }
    if (/^\d+$/.test(text)) {
      const pid = Number(text);
      // pid 0 or negative would mean "process group" to process.kill: never treat as a real pid.
      return pid > 0 && Number.isSafeInteger(pid) ? pid : undefined;
    }
    if (text !== '') return undefined;
    await sleep(50);
  }
  return undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0); // signal 0: existence check only
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to another user, so it is alive.
    return errnoCode(err) === 'EPERM';
  }
}

/**
 * Removes a stale lock without clobbering a fresh one: two processes can both find the same
 * stale lock; if the other has already replaced it by the time we act, unlinking by path would
 * delete its live lock. So we move the file aside, check that what we moved is the stale one,
 * and put it back otherwise.
 */
function removeStaleLock(lockPath: string, stalePid: number | undefined): void {
  const aside = `${lockPath}.stale-${process.pid}-${Date.now()}`;
  try {
    fs.renameSync(lockPath, aside);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return;
    throw err;
  }
  let moved: string | undefined;
  try {
    moved = fs.readFileSync(aside, 'utf8').trim();
  } catch {
    moved = undefined;
  }
  const wasStale = stalePid === undefined ? !/^\d+$/.test(moved ?? '') : moved === String(stalePid);
  if (!wasStale) {
    try {
      fs.linkSync(aside, lockPath); // EEXIST if yet another process took it meanwhile: fine
    } catch {
      /* see above */
    }
  }
  fs.rmSync(aside, { force: true });
}

function errnoCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string'
    ? (err as { code: string }).code
    : undefined;
}
