// One running process per state directory. Two servers reading and rewriting the same files lose each other's
// writes (each rewrites archives.json from what it read at start), so the second one is refused at start,
// naming the first. A lock left by a process that died is taken over.
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export class DataDirInUseError extends Error {
  override name = 'DataDirInUseError';
}

const LOCK_FILE = '.lock';

/** Whether a process with this pid runs (one we may not signal still runs). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes `dir`'s lock for this process, or throws DataDirInUseError when a live process holds it. Returns the
 * release, which removes the lock file if it is still ours.
 */
export function lockDataDir(dir: string, what: string): () => void {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, LOCK_FILE);
  const mine = `${process.pid}\n`;
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      try {
        writeSync(fd, mine);
      } finally {
        closeSync(fd);
      }
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      let holder: number | undefined;
      try {
        holder = Number.parseInt(readFileSync(path, 'utf8'), 10);
      } catch (readError) {
        // Removed between our open and our read: try again.
        if ((readError as NodeJS.ErrnoException).code !== 'ENOENT') throw readError;
      }
      if (holder !== undefined && Number.isSafeInteger(holder) && holder > 0 && alive(holder)) {
        throw new DataDirInUseError(
          `${dir} is in use by process ${holder}: stop that ${what} first, or give this one another state directory.`,
        );
      }
      // A lock left by a process that is gone (or a file we cannot read as one): take it over, once.
      if (attempt > 0) throw new DataDirInUseError(`${dir}: could not take over the stale lock ${path}.`);
      rmSync(path, { force: true });
    }
  }
  return () => {
    try {
      if (readFileSync(path, 'utf8') === mine) rmSync(path, { force: true });
    } catch {
      // Already gone: nothing to release.
    }
  };
}
