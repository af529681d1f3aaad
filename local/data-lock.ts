// One running process per state directory. Two servers reading and rewriting the same files lose each other's
// writes (each rewrites archives.json from what it read at start), so the second one is refused at start,
// naming the first. A lock left by a process that died is taken over. A lock names its host too: a process on
// another host (a container sharing the directory as a volume, whose pids mean nothing here) cannot be looked
// for, so its lock is never taken over, only named, with the file to delete should that process be gone. Where
// Linux's /proc tells, a lock names its process's boot and start time too: after a reboot, or once pids wrap
// around, another process running under the same pid does not hold the lock. What this cannot tell apart: two
// containers on one kernel with the same host name and one state directory (whose pids name nothing in each other's
// namespace) from a container restarted on that directory; the second is common, so a lock written in another pid
// namespace is taken over as the restarted container's (before 2026-12-05 it was, or not, by whether its pid was in
// use here).
import { randomUUID } from 'node:crypto';
import {
  accessSync,
  constants,
  type Dirent,
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { processIdentity, running } from './processes.js';

export class DataDirInUseError extends Error {
  override name = 'DataDirInUseError';
}

/** The state directory cannot be made (a file stands where it or a parent should be, or mkdir was refused). */
export class DataDirUnusableError extends Error {
  override name = 'DataDirUnusableError';
}

/** Makes `dir` (and its parents), or throws DataDirUnusableError saying what stands in the way. */
function makeDir(dir: string): void {
  try {
    // Its owner's alone: it holds every event waiting, dead-lettered or archived, and the registry with its webhook
    // URLs. Made 0755, as umask had it, before (authorization review, 2026-12-05).
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTDIR') {
      // The nearest of dir and its parents that exists is the file in the way.
      const full = resolve(dir);
      let blocker = full;
      while (!existsSync(blocker) && dirname(blocker) !== blocker) blocker = dirname(blocker);
      const what = blocker === full ? 'it is a file' : `${blocker} is a file`;
      throw new DataDirUnusableError(`the state directory ${dir} cannot be used: ${what}`, { cause: error });
    }
    // Node's recursive mkdir says ENOENT for a parent it could not make (EROFS, seen on a read-only mount): the first
    // missing directory, made alone, says why; a refusal CANNOT_WRITE knows is said with what to do.
    let cause = error;
    if (code === 'ENOENT') {
      let first = resolve(dir);
      while (!existsSync(dirname(first)) && dirname(first) !== first) first = dirname(first);
      try {
        mkdirSync(first, { mode: 0o700 });
      } catch (inner) {
        cause = inner;
      }
      if (cause === error) {
        makeDir(dir);
        return;
      }
    }
    const known = cannotWrite(dir, cause);
    if (known instanceof DataDirUnusableError) throw known;
    throw new DataDirUnusableError(`the state directory ${dir} cannot be made: ${(cause as Error).message}`, {
      cause: error,
    });
  }
}

const LOCK_FILE = '.lock';

/** What follows "cannot be written" when the state directory's disk is full, as `evidence` shows: what to do. */
export const diskIsFull = (evidence: string): string =>
  `: the disk it is on is full (${evidence}): free some space there, or name another`;

/** The state directory `dir` cannot be written, for the reason `why` (what follows "cannot be written"). */
export function cannotBeWritten(dir: string, why: string, cause: unknown): DataDirUnusableError {
  return new DataDirUnusableError(`the state directory ${dir} cannot be written${why}`, { cause });
}

/** What follows "cannot be written" (how, and what to do), by the code of a write refused in the state directory. */
const CANNOT_WRITE: Readonly<Record<string, string>> = {
  ...Object.fromEntries(
    ['EACCES', 'EPERM'].map((code) => [
      code,
      ` by this user (${code}): give it to this user (an earlier \`sudo npm start\` leaves it root's), or name another`,
    ]),
  ),
  EROFS: ': it is on a read-only file system (EROFS): mount it read-write, or name another',
  ENOSPC: diskIsFull('ENOSPC'),
  EDQUOT: ": this user's disk quota there is used up (EDQUOT): free some space there, or name another",
};

/** `error`, a write refused in `dir`, said as what stands in the way when it is one of CANNOT_WRITE's, else as it is. */
function cannotWrite(dir: string, error: unknown): unknown {
  const why = CANNOT_WRITE[(error as NodeJS.ErrnoException).code ?? ''];
  return why === undefined ? error : cannotBeWritten(dir, why, error);
}

/** Lock files this process holds: one naming our pid that is not among them was left by an earlier process. */
const held = new Set<string>();

interface Holder {
  readonly pid: number;
  readonly what: string;
  readonly host: string;
  /** processIdentity of the holder when it wrote the lock (none before 2026-12-05, or without /proc). */
  readonly identity?: string;
}

/**
 * The holder a lock file names, undefined when there is none (an empty file), or `unreadable` for text that is not a
 * lock this version writes (another version's, perhaps). A lock from before hosts were written names no host: it is
 * taken as this host's.
 */
function holderOf(path: string): Holder | undefined | 'unreadable' {
  try {
    const text = readFileSync(path, 'utf8');
    const [pid = '', what = '', host = '', identity = ''] = text.split('\n');
    const parsed = Number(pid);
    if (Number.isSafeInteger(parsed) && parsed > 0)
      return {
        pid: parsed,
        what: what || 'a process',
        host: host || hostname(),
        ...(identity ? { identity } : {}),
      };
    // Text this version cannot read may be a later version's lock, whose process may be running: taken over, two
    // servers would rewrite the same files (rollback review, 2026-12-06). Empty, it holds nothing.
    return text.trim() === '' ? undefined : 'unreadable';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * The permission bits of `dir` (as octal text) when users other than its owner may enter it or read its list of
 * files, else undefined.
 */
export function openToOthers(dir: string): string | undefined {
  const mode = statSync(dir).mode & 0o777;
  return (mode & 0o077) === 0 ? undefined : mode.toString(8);
}

/**
 * Takes `dir`'s lock for this process (`what` names it to a second one), or throws DataDirInUseError when a live
 * process holds it. The file appears whole (written aside, then linked into place), so a second process never
 * reads a lock half written. Returns the release, which removes the lock file if it is still ours.
 */
export function lockDataDir(dir: string, what: string): () => void {
  makeDir(dir);
  // One spelling per directory, so that `held` knows it whichever way a caller names it: through a symlink too
  // (review, 2026-12-04: a second start in this process through one took the lock it already held).
  const path = join(realpathSync(resolve(dir)), LOCK_FILE);
  // Named to the user as they named the directory: macOS's temporary directory, under /var, is really under
  // /private/var, and a message naming one path for the directory and another for its lock read as two places.
  const shown = join(dir, LOCK_FILE);
  const mine = `${process.pid}\n${what}\n${hostname()}\n${processIdentity(process.pid) ?? ''}\n`;
  const aside = join(dir, `${LOCK_FILE}.${process.pid}.${randomUUID()}`);
  try {
    writeFileSync(aside, mine, { mode: 0o600 });
  } catch (error) {
    // A full disk leaves the file made, empty: nothing else would remove it (disk-full review, 2026-12-06).
    try {
      rmSync(aside, { force: true });
    } catch {}
    throw cannotWrite(dir, error);
  }
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(aside, path);
        break;
      } catch (error) {
        // A link needs room in the directory too: a disk that filled after the write aside refuses it.
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw cannotWrite(dir, error);
      }
      const holder = holderOf(path);
      if (holder === 'unreadable') {
        throw new DataDirInUseError(
          `${dir} has a lock this version cannot read (another version's?): stop any sharebus using ${dir} first, then delete ${shown}.`,
        );
      }
      if (holder !== undefined && holder.host !== hostname()) {
        throw new DataDirInUseError(
          `${dir} is in use by ${holder.what} (process ${holder.pid} on host ${holder.host}), which cannot be looked for from here: stop it first, or if it is no longer running, delete ${shown}.`,
        );
      }
      const ours = holder?.pid === process.pid;
      if (holder !== undefined && (ours ? held.has(path) : holds(holder))) {
        throw new DataDirInUseError(
          `${dir} is in use by ${holder.what} (process ${holder.pid}): stop it first, or give this ${what} another state directory${ours ? '' : `; if no such process runs, delete ${shown}`}.`,
        );
      }
      // Left by a process that is gone (or empty): moved aside, then ours linked in its place. Two
      // processes taking over the same stale lock at once is the one race left; a second attempt settles most.
      if (attempt > 1) throw new DataDirInUseError(`${dir}: could not take over the stale lock ${shown}.`);
      try {
        renameSync(path, `${aside}.stale`);
        rmSync(`${aside}.stale`, { force: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
  } finally {
    rmSync(aside, { force: true });
  }
  held.add(path);
  // Once only: a second call, after this process took the lock again, would remove the new holder's lock (whose
  // file reads the same) and its record (review, 2026-12-04).
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    held.delete(path);
    try {
      if (readFileSync(path, 'utf8') === mine) rmSync(path, { force: true });
    } catch {
      // Already gone: nothing to release.
    }
  };
  // A directory this user may write can still hold files it may not: an earlier `sudo npm start` in it leaves
  // root's database behind, on which DynamoDB Local failed with InternalFailure and a stack trace (review,
  // 2026-12-05).
  const stuck = unwritableUnder(dir);
  if (stuck) {
    release();
    throw new DataDirUnusableError(
      `the state directory ${dir} holds ${stuck.path}, which this user cannot ${stuck.verb} (${stuck.code}): give the directory and everything in it to this user (\`chown -R\`; an earlier \`sudo npm start\` leaves them root's), or name another`,
    );
  }
  return release;
}

/** Whether the process a lock names on this host still runs: the same process, where its identity was written. */
function holds(holder: Holder): boolean {
  if (!running(holder.pid)) return false;
  if (holder.identity === undefined) return true;
  const now = processIdentity(holder.pid);
  // None now: the process ended meanwhile, or this host has no /proc to tell.
  return now === undefined ? running(holder.pid) : now === holder.identity;
}

interface Unusable {
  readonly path: string;
  readonly code: string;
  readonly verb: 'write' | 'list';
}

/**
 * The first entry under `dir` (depth first, by name) this process may not write (or, a directory, enter or list).
 * Before (2026-12-05) a directory it could enter but not list failed the start with a bare EACCES, the lock left
 * behind.
 */
function unwritableUnder(dir: string): Unusable | undefined {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'EACCES';
    return code === 'ENOENT' ? undefined : { path: dir, code, verb: 'list' };
  }
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = join(dir, entry.name);
    const directory = entry.isDirectory();
    try {
      accessSync(path, directory ? constants.W_OK | constants.X_OK : constants.W_OK);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'EACCES';
      if (code === 'ENOENT') continue;
      return { path, code, verb: 'write' };
    }
    const inner = directory ? unwritableUnder(path) : undefined;
    if (inner) return inner;
  }
  return undefined;
}
