// Coalescing file writer for the optional dataDir: many changes in one tick become one write, so keeping
// queues and archives on disk costs little at event rates, and flush() lets stop()/idle() wait for the disk.
import {
  chmodSync,
  closeSync,
  constants,
  type Dirent,
  existsSync,
  fstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { appendFile, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Logger } from './delivery.js';

/** Appends without creating: a file that is not there fails with ENOENT rather than start without its past. */
const APPEND_TO_EXISTING = constants.O_WRONLY | constants.O_APPEND;

/**
 * Appends up to this size are written synchronously: a few lines take microseconds of the event loop, where the
 * three thread-pool trips of an asynchronous append (open, write, close) each wait for a turn of the event loop,
 * which every change's answer then waits for. Idle, that is about 0.3 ms; with a fan-out running it is seconds: 300
 * subscriptions and 8 publishes of 10 events at once start 24,000 deliveries, and with 1,000 deliver functions
 * running each turn took some 250 ms, so a PutEvents waited 1.6 to 6.7 s for its write and the publish function
 * answered 503 for events it had published (scale review, 2026-12-05; it was 256 KB, and such a batch is 1 to 5 MB).
 * Written synchronously, 16 MB took 106 ms on this 2-core machine under load (31 to 52 ms idle); only a larger
 * batch goes asynchronously, so that it does not stall the server longer. The bound is per file: a pass appending to
 * several (retries, Lambda invocations, an archive's segment) may write more at once.
 */
const SYNC_APPEND_BYTES = 16 * 1024 * 1024;

/** A background compaction catches up with the lines appended meanwhile until this few are left to its last pass. */
const COMPACTION_TAIL_BYTES = 256 * 1024;

/** `bytes` appended to the end of the file at `path`, which must exist, before returning. */
function appendNow(path: string, bytes: Buffer): void {
  const fd = openSync(path, APPEND_TO_EXISTING);
  try {
    // A short write (a disk filling up) goes on from where it stopped; an error leaves a line cut short, which the
    // rewrite a failed append is followed by replaces.
    for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at);
  } finally {
    closeSync(fd);
  }
}

/** First wait before a failed rewrite is tried again; it doubles up to a minute. */
const RETRY_FIRST_MS = 1_000;
const RETRY_MOST_MS = 60_000;

/**
 * Removes a temporary file now, saying nothing if it cannot (a read-only disk): it is left for the next start to
 * remove, which beats throwing out of a pass (review, 2026-12-04: that ended the process).
 */
function removeQuietly(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {}
}

/**
 * When a wait saved before a stop ends, resumed at `now`: at its due time (`dueAt`, on the wall clock), but not before
 * now, and never later than `longestMs` from now (the wait it was given). The wall clock may have been set back since
 * the stop (NTP, a VM resumed): taken as it was, a retry due in a minute waited an hour for a clock set back an hour,
 * and a setTimeout does not come back to look when the clock is put right (clock review, 2026-12-06).
 */
export function resumedDue(dueAt: number, longestMs: number, now: number): number {
  return Math.min(Math.max(dueAt, now), now + longestMs);
}

/** Whether `path` is `dir` or lies under it. */
const isUnder = (path: string, dir: string): boolean => path === dir || path.startsWith(`${dir}/`);

/** Each compaction's temporary file has a name of its own, so that one given up never removes a later one's. */
let compactionCount = 0;

/** A text given as the pieces it is made of, in order, each made as it is asked for. */
export type Pieces = Iterable<string> | AsyncIterable<string>;

/**
 * A log being rewritten in the background (CoalescingWriter.compact): its new text goes to `tmp` a chunk at a time,
 * while lines go on being appended to the old file and are kept in `tail` to be added to the new one.
 */
interface Compaction {
  readonly tmp: string;
  /** Lines asked for the file since the snapshot was taken, not yet in `tmp`. */
  readonly tail: string[];
  /** `tmp` holds the snapshot (and the tail so far but the last few lines): the next pass puts it in place. */
  done: boolean;
  /** Given up (the file replaced, removed, behind, or the writer closed): `tmp` is removed, not put in place. */
  abandoned: boolean;
  /** Settles once the background writing has ended, either way. */
  ended: Promise<void>;
}

interface Waiter {
  /** The paths written for the caller, each with the number of the last write it asked for there. */
  readonly needs: ReadonlyArray<readonly [string, number]>;
  readonly settle: (behind: string[]) => void;
}

/** setTimeout's largest delay (2^31 - 1 ms, about 24.8 days): Node fires a longer one after 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * How long a log keeps lines past its state (an event delivered, an invocation finished, a message deleted) before it
 * is rewritten without them, unless the writer is told otherwise.
 */
export const DEFAULT_LINGER_MS = 10 * 60_000;

/**
 * A large log waits longer than the linger: its rewrites for lingering lines write at most this many characters for
 * each millisecond waited (100 KB a second), so that a few messages expiring from a dead-letter queue of gigabytes
 * (a webhook dead for days) do not have it rewritten every ten minutes (diff review, 2026-12-06: 3 GB each time). A
 * 100 MB log waits about 17 minutes, a 3 GB one some 8 hours.
 */
const LINGER_CHARS_PER_MS = 100;

export class CoalescingWriter {
  #closed = false;
  readonly #lingerMs: number;
  readonly #logger: Logger;
  /** Compactions waiting for their log's lines past its state to have lingered #lingerMs, by path. */
  readonly #lingering = new Map<string, NodeJS.Timeout>();
  readonly #snapshots = new Map<string, () => FileText>();
  readonly #appends = new Map<string, { readonly lines: string[]; rebuild: () => FileText }>();
  /** Files and directories to remove, after the pass's rewrites and appends. */
  readonly #removals = new Set<string>();
  /** Rewrites that failed, waiting to be tried again. */
  readonly #retrying = new Map<string, NodeJS.Timeout>();
  /**
   * Paths whose last write failed and none since has landed (tried again or not): what each is rewritten with, and
   * when its last write failed. While any is here the disk is refusing writes (full, read-only), and the server
   * refuses changes rather than make ones it cannot keep (see unwritten).
   */
  readonly #unwritten = new Map<string, { readonly content: () => FileText; readonly failedAt: number }>();
  /** Callers of caughtUp(), answered once #unwritten is empty (true), or at close (false). */
  #catchingUp: Array<(caughtUp: boolean) => void> = [];
  /** The wait before a path's next retry, until one of its rewrites lands. */
  readonly #backoffs = new Map<string, number>();
  #scheduled: Promise<void> | undefined;
  #failures = 0;
  /**
   * Paths whose failure was logged and none of whose writes has landed since: logged once, also while a failure
   * does not put the path in #unwritten (a newer rewrite queued meanwhile, a compaction).
   */
  readonly #reported = new Set<string>();
  /** Since when (performance.now()) some path has been unwritten, while one is: said in the log when it ends. */
  #refusingSince: number | undefined;
  /** Writes asked for so far (each replace or append), numbered in order. */
  #asked = 0;
  /** Per path, the number of the last write asked for it, and the number up to which its file holds them all. */
  readonly #lastAsked = new Map<string, number>();
  readonly #onDisk = new Map<string, number>();
  /** Callers of written(), each waiting until the paths it asked for are on disk, or one of them is behind. */
  #waiting: Waiter[] = [];
  /** Logs being rewritten in the background, by path. */
  readonly #compactions = new Map<string, Compaction>();
  /** Follow-ups of writes (see follow()), until each has asked for its own writes. */
  readonly #followUps = new Set<Promise<void>>();
  /** Compactions asked for while one of the same file was on its way: made once it is in place. */
  readonly #compactAgain = new Map<string, () => Pieces>();

  /**
   * Rewrites `path` with `content()` soon (atomically, through a temporary file). A rewrite that fails is tried
   * again later (after 1 s, doubling up to a minute) until one lands: the appends it replaced are in it, so
   * dropping it would leave the file behind for good.
   */
  replace(path: string, content: () => FileText): void {
    this.#abandonCompaction(path);
    // The snapshot is taken at write time, so it already holds whatever was to be appended.
    this.#appends.delete(path);
    clearTimeout(this.#retrying.get(path));
    this.#retrying.delete(path);
    this.#snapshots.set(path, content);
    this.#ask(path);
    this.#schedule();
  }

  /**
   * Appends `line` plus a newline to `path` soon. Should the append fail, the file is rewritten with `rebuild()`
   * instead (the whole live state, as `replace` would), tried again like a failed rewrite: appending the lines
   * after it to a file that lacks it would leave a gap, a state that never was.
   */
  append(path: string, line: string, rebuild: () => FileText): void {
    this.#ask(path);
    const compaction = this.#compactions.get(path);
    if (compaction && !compaction.abandoned) compaction.tail.push(line);
    // A rewrite on its way (or waiting to be tried again) is built from the live state, this line included.
    if (this.#snapshots.has(path) || this.#retrying.has(path)) {
      this.#schedule();
      return;
    }
    const pending = this.#appends.get(path);
    if (pending) {
      pending.lines.push(line);
      pending.rebuild = rebuild;
    } else this.#appends.set(path, { lines: [line], rebuild });
    this.#schedule();
  }

  /**
   * Removes the file or directory at `path` soon, with everything under it, and drops the writes waiting for those
   * paths (rewrites tried again included). A path removed is not written again: callers name new files anew.
   */
  remove(path: string): void {
    const under = (p: string): boolean => isUnder(p, path);
    for (const p of [...this.#compactions.keys()]) if (under(p)) this.#abandonCompaction(p);
    for (const p of [...this.#snapshots.keys()]) if (under(p)) this.#snapshots.delete(p);
    for (const p of [...this.#appends.keys()]) if (under(p)) this.#appends.delete(p);
    for (const [p, timer] of [...this.#retrying]) {
      if (!under(p)) continue;
      clearTimeout(timer);
      this.#retrying.delete(p);
    }
    for (const p of [...this.#reported]) if (under(p)) this.#reported.delete(p);
    const wasUnwritten = this.#unwritten.size > 0;
    for (const p of [...this.#unwritten.keys()]) if (under(p)) this.#unwritten.delete(p);
    if (wasUnwritten) this.#caughtUpIfSo(path);
    this.#removals.add(path);
    this.#ask(path);
    this.#schedule();
  }

  /** Whether a pass is on its way, or a follow-up waits to ask for its writes (see follow()). */
  get pending(): boolean {
    return this.#scheduled !== undefined || this.#followUps.size > 0;
  }

  /**
   * Keeps `followUp` until it settles: a change that waits for a write of another file to land before it asks for its
   * own (a delivery ended once the message or invocation that took it over is on disk, a dead letter taken once its
   * redrive is). The writer writes the files of one pass in no set order, so a crash between the two writes could
   * otherwise lose both (review, 2026-12-04). flush() waits for follow-ups and the writes they ask for, and pending
   * stays true meanwhile, so a stop writes them before it closes the files.
   */
  follow(followUp: Promise<void>): void {
    const followed: Promise<void> = followUp
      .catch((error: unknown) =>
        this.#logger.error('[eventbridge] a write that follows another failed:', error),
      )
      .then(() => {
        this.#followUps.delete(followed);
      });
    this.#followUps.add(followed);
  }

  /** Resolves true once the writes asked for `file` since `since` (a reading of `asked`) are on disk, false if they failed. */
  landed(since: number, file: string): Promise<boolean> {
    return this.written(since).then((behind) => !behind.includes(file));
  }

  /**
   * @param lingerMs how long CompactedLog.append leaves lines past a log's state before it rewrites the log.
   * @param logger where failed writes are said (the server's logger). @default console
   */
  constructor({
    lingerMs = DEFAULT_LINGER_MS,
    logger = console,
  }: { readonly lingerMs?: number; readonly logger?: Logger } = {}) {
    this.#lingerMs = lingerMs;
    this.#logger = logger;
  }

  /** Where failed writes are said; the logs written through this writer say theirs there too. */
  get logger(): Logger {
    return this.#logger;
  }

  /**
   * Calls `compact` once the writer's linger has passed (longer for a log whose state takes `liveChars`: see
   * LINGER_CHARS_PER_MS), unless one is already waiting for `path`; never after close. The timer does not hold the
   * process up.
   */
  compactLater(path: string, compact: () => void, liveChars = 0): void {
    if (this.#closed || this.#lingering.has(path)) return;
    const wait = Math.min(Math.max(this.#lingerMs, Math.ceil(liveChars / LINGER_CHARS_PER_MS)), MAX_TIMER_MS);
    const timer = setTimeout(() => {
      this.#lingering.delete(path);
      compact();
    }, wait);
    timer.unref();
    this.#lingering.set(path, timer);
  }

  /** Whether close() was called: nothing asked for since will be written. */
  get closed(): boolean {
    return this.#closed;
  }

  get failures(): number {
    return this.#failures;
  }

  /** Paths whose last write failed and that wait to be rewritten. */
  get behind(): string[] {
    return [...this.#retrying.keys()];
  }

  /** Whether a path's last write failed and none of it has landed since: the disk is refusing writes. */
  get unwritten(): boolean {
    return this.#unwritten.size > 0;
  }

  /**
   * Tries again now the rewrites that failed at least RETRY_FIRST_MS ago, rather than at their backoff (up to a
   * minute), and answers the paths still unwritten once that is done: a change asks, and the disk may take writes
   * again (space freed, a remount). At most once a second a file, so a disk that stays full costs a rewrite a second,
   * not one a change.
   */
  async retryUnwritten(): Promise<string[]> {
    const now = performance.now();
    const due: string[] = [];
    for (const [path, { content, failedAt }] of this.#unwritten) {
      if (this.#closed || now - failedAt < RETRY_FIRST_MS) continue;
      // Else its retry is queued or being written already (its timer fired): waited for all the same.
      if (this.#retrying.has(path)) {
        clearTimeout(this.#retrying.get(path));
        this.#retrying.delete(path);
        if (!this.#snapshots.has(path)) this.#snapshots.set(path, content);
      }
      due.push(path);
    }
    if (due.length > 0) {
      this.#schedule();
      // Written by the pass on its way or, should that have taken its snapshots already, by the next one.
      do await this.#scheduled;
      while (due.some((path) => this.#snapshots.has(path)) && this.#scheduled);
    }
    return [...this.#unwritten.keys()];
  }

  /**
   * Resolves true once no path is unwritten (every write that failed has landed since, its file holding the live
   * state), now if none is; false if the writer is closed first.
   */
  caughtUp(): Promise<boolean> {
    if (this.#closed) return Promise.resolve(false);
    if (this.#unwritten.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => this.#catchingUp.push(resolve));
  }

  /**
   * Calls `then(true)` once `landing` answers that the writes it waits for landed; should they not have (a full disk),
   * once the writer has caught up (see caughtUp: the files hold the live state since), or `then(false)` if it closes
   * first. The first wait is followed (see follow); the catching up is not, so that a stop does not wait for the disk.
   */
  onceWritten(landing: Promise<boolean>, then: (written: boolean) => void): void {
    this.follow(
      landing.then((landed) => {
        if (landed) then(true);
        else void this.caughtUp().then(then);
      }),
    );
  }

  /** `removed`: the path whose removal left no file unwritten, when it was one (nothing was written then). */
  #caughtUpIfSo(removed?: string): void {
    if (this.#unwritten.size > 0) return;
    if (this.#refusingSince !== undefined) {
      const seconds = ((performance.now() - this.#refusingSince) / 1_000).toFixed(1);
      this.#logger.error(
        removed === undefined
          ? `[eventbridge] the data directory takes writes again: no file is left unwritten, after ${seconds} s of refusing changes; they are made again`
          : `[eventbridge] no file is left unwritten (the last is under ${removed}, removed), after ${seconds} s of refusing changes; they are made again`,
      );
      this.#refusingSince = undefined;
    }
    this.#answerCatchingUp(true);
  }

  /** Answers every caller of caughtUp() waiting so far. */
  #answerCatchingUp(caughtUp: boolean): void {
    const callers = this.#catchingUp;
    this.#catchingUp = [];
    for (const resolve of callers) resolve(caughtUp);
  }

  /**
   * Rewrites the log at `path` as `text()` (its state when it is called, now or, while a compaction of the file is on
   * its way, once that one is in place; the lines it gives may be made as they are written) without holding up its
   * appends. Until the new file is whole, lines go on being appended to the old one, which stays the file of
   * record, and are kept to be added to the new one before it takes the old one's place, at the start of a pass,
   * when no append is on its way. So a change's answer never waits for the rewrite,
   * and a crash at any moment leaves a file that holds every line written. Rewriting 55 MB whole held the server
   * for 366 to 596 ms (2026-12-04). Nothing waits for it: the state it writes is the same. One that fails leaves the
   * old file (longer than need be), reported. One asked for while the file waits for a rewrite is not made: that
   * one writes the state anyway.
   */
  compact(path: string, text: () => Pieces): void {
    if (this.#closed || this.#snapshots.has(path) || this.#retrying.has(path)) return;
    if (this.#compactions.has(path)) {
      this.#compactAgain.set(path, text);
      return;
    }
    const compaction: Compaction = {
      tmp: `${path}.${process.pid}.${++compactionCount}.compacting`,
      tail: [],
      done: false,
      abandoned: false,
      ended: Promise.resolve(),
    };
    this.#compactions.set(path, compaction);
    compaction.ended = this.#writeCompaction(path, compaction, text());
  }

  async #writeCompaction(path: string, compaction: Compaction, text: Pieces): Promise<void> {
    const { tmp, tail } = compaction;
    async function* unlessAbandoned(pieces: Pieces): AsyncGenerator<string> {
      for await (const piece of pieces) {
        if (compaction.abandoned) throw new Error('abandoned');
        yield piece;
      }
    }
    try {
      // Every file is its owner's alone, as the state directory is meant to be: events (waiting, dead-lettered,
      // archived) are departments' records, often personal data, and a given directory others may enter only warns.
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      await writeFile(tmp, unlessAbandoned(text), { mode: 0o600 });
      // Catches up with the lines appended meanwhile, so that few are left for the pass to write at once.
      for (;;) {
        if (compaction.abandoned) throw new Error('abandoned');
        let chars = 0;
        for (const line of tail) chars += line.length + 1;
        if (chars <= COMPACTION_TAIL_BYTES) break;
        const lines = tail.splice(0);
        await appendFile(tmp, `${lines.join('\n')}\n`, { flag: APPEND_TO_EXISTING });
      }
      compaction.done = true;
    } catch (error) {
      if (!compaction.abandoned) this.#failed(path, error);
      compaction.abandoned = true;
      await rm(tmp, { force: true }).catch(() => {});
      if (this.#compactions.get(path) === compaction) this.#compactions.delete(path);
      // One asked for while this one was winding down is made now (one that failed on disk is not tried again
      // until the log asks anew).
      this.#compactAgainIfAsked(path);
      return;
    }
    this.#schedule();
  }

  /** Puts in place the compactions whose new file is whole: called at the start of a pass, so no append is on its way. */
  #finishCompactions(): void {
    for (const [path, compaction] of this.#compactions) {
      if (!compaction.done || compaction.abandoned) continue;
      this.#compactions.delete(path);
      const { tmp, tail } = compaction;
      try {
        if (tail.length > 0) appendNow(tmp, Buffer.from(`${tail.join('\n')}\n`));
        renameSync(tmp, path);
      } catch (error) {
        this.#failed(path, error);
        removeQuietly(tmp);
        continue;
      }
      // Every line asked for the file is in it now: those before the snapshot in it, those after in the tail. The
      // ones still waiting to be appended to the old file are dropped, or they would be there twice.
      this.#appends.delete(path);
      this.#onDisk.set(path, Math.max(this.#asked, this.#onDisk.get(path) ?? 0));
      this.#reported.delete(path);
      this.#compactAgainIfAsked(path);
    }
  }

  /** Makes the compaction of `path` asked for while another was on its way, if one was (compact() minds a close). */
  #compactAgainIfAsked(path: string): void {
    const again = this.#compactAgain.get(path);
    this.#compactAgain.delete(path);
    if (again) this.compact(path, again);
  }

  /** Gives up a compaction of `path` on its way: its file is removed once its writing stops. */
  #abandonCompaction(path: string): void {
    this.#compactAgain.delete(path);
    const compaction = this.#compactions.get(path);
    if (!compaction) return;
    compaction.abandoned = true;
    if (compaction.done) {
      this.#compactions.delete(path);
      removeQuietly(compaction.tmp);
    }
  }

  /**
   * Stops trying failed rewrites again (at stop: those files stay behind, as already reported), and writes nothing
   * asked for after: a timer or a call still settling when the server stopped must not touch files that a later
   * start (or a caller deleting the directory) now owns.
   */
  close(): void {
    if (this.#retrying.size > 0) {
      this.#logger.error(
        `[eventbridge] stopping with changes not written to ${this.behind.join(', ')}: the next start will not have them`,
      );
    }
    this.#closed = true;
    for (const path of [...this.#compactions.keys()]) this.#abandonCompaction(path);
    for (const timer of this.#retrying.values()) clearTimeout(timer);
    this.#retrying.clear();
    for (const timer of this.#lingering.values()) clearTimeout(timer);
    this.#lingering.clear();
    this.#answerCatchingUp(false);
  }

  /** How many paths it keeps track of (written, or waiting to be): those removed are forgotten. For tests. */
  get tracked(): number {
    return this.#lastAsked.size;
  }

  /** How many writes have been asked for so far: a caller reads it before a change, to name its writes to written(). */
  get asked(): number {
    return this.#asked;
  }

  /**
   * Resolves once the files written since `since` (a reading of `asked`) hold what was asked for them (written to
   * the operating system: a process killed after keeps it; fsync, which only a power cut would need, is not
   * called), with those of them whose writes failed and wait to be tried again: empty when all is on disk. Other
   * files' troubles are not reported. The server answers a change only after it (group commit: the changes of one
   * turn of the event loop share one write).
   */
  written(since: number): Promise<string[]> {
    const needs = [...this.#lastAsked].filter(([, asked]) => asked > since);
    return new Promise((settle) => {
      const waiter: Waiter = { needs, settle };
      if (this.#decide(waiter)) return;
      this.#waiting.push(waiter);
      this.#schedule();
    });
  }

  #ask(path: string): void {
    this.#lastAsked.set(path, ++this.#asked);
  }

  /**
   * Answers a waiter whose outcome is known, and says whether it was: all its paths on disk (none behind), or some
   * behind (those named), or the writer closed (what is not on disk then never will be).
   */
  #decide(waiter: Waiter, giveUp = false): boolean {
    const behind: string[] = [];
    let pending = false;
    for (const [path, asked] of waiter.needs) {
      // A path no longer asked for was removed, and its removal landed (see #writeAll).
      if (!this.#lastAsked.has(path) || (this.#onDisk.get(path) ?? 0) >= asked) continue;
      if (this.#retrying.has(path) || this.#closed || giveUp) behind.push(path);
      else pending = true;
    }
    if (pending && behind.length === 0) return false;
    waiter.settle(behind);
    return true;
  }

  /**
   * Resolves once everything asked for so far is on disk (failed writes waiting to be tried again aside), with what
   * the follow-ups asked for, and the compactions on their way have ended.
   */
  async flush(): Promise<void> {
    for (;;) {
      if (this.#scheduled) await this.#scheduled;
      else if (this.#followUps.size > 0) await Promise.all(this.#followUps);
      else {
        const [compaction] = this.#compactions.values();
        if (!compaction) return;
        if (compaction.done) this.#schedule();
        else await compaction.ended;
      }
    }
  }

  #schedule(): void {
    if (this.#scheduled) return;
    if (this.#closed) {
      this.#settle();
      return;
    }
    this.#scheduled = new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
      try {
        await this.#writeAll();
      } finally {
        this.#scheduled = undefined;
        const more =
          this.#snapshots.size > 0 ||
          this.#appends.size > 0 ||
          this.#removals.size > 0 ||
          [...this.#compactions.values()].some((c) => c.done && !c.abandoned);
        // With nothing left to write, a waiter still undecided could wait forever: none should be, and one would be
        // answered as behind rather than as written.
        this.#settle(!more);
        if (more) this.#schedule();
      }
    });
  }

  /** Answers the callers of written() whose outcome a finished pass decided. */
  #settle(giveUp = false): void {
    // One pass, not a splice per waiter answered: since 2026-12-04 a waiter stands for each delivery handed to a
    // queue or to Lambda, and a pass may answer ten thousand of them.
    if (this.#waiting.length === 0) return;
    const left: Waiter[] = [];
    for (const waiter of this.#waiting) if (!this.#decide(waiter, giveUp)) left.push(waiter);
    this.#waiting = left;
  }

  async #writeAll(): Promise<void> {
    // Take every snapshot now, before any await, so appends arriving meanwhile are written once, after. One that
    // cannot be built (a file past the longest string JavaScript holds, about 512 MiB) is reported like a failed
    // write rather than thrown where nothing would catch it. So what this pass writes of a path holds every write
    // asked for it until now (`upTo`): the snapshots are built now, the appends queued so far are all here, and an
    // append that found a rewrite queued or waiting left its line to it.
    this.#finishCompactions();
    const upTo = this.#asked;
    const snapshots: Array<readonly [string, () => FileText, FileText]> = [];
    for (const [path, content] of this.#snapshots) {
      try {
        snapshots.push([path, content, content()]);
      } catch (error) {
        this.#failed(path, error);
        this.#retryLater(path, content);
      }
    }
    const appends = [...this.#appends];
    const removals = [...this.#removals];
    this.#snapshots.clear();
    this.#appends.clear();
    this.#removals.clear();
    for (const [path, content, text] of snapshots) await this.#rewrite(path, content, text, upTo);
    for (const [path, { lines, rebuild }] of appends) {
      try {
        // Only to a file that is there: one that is not (never written, or deleted with its directory under us)
        // is written whole instead, so that the lines before these are not lost.
        const bytes = Buffer.from(`${lines.join('\n')}\n`);
        if (bytes.length <= SYNC_APPEND_BYTES) appendNow(path, bytes);
        else await appendFile(path, bytes, { flag: APPEND_TO_EXISTING });
        this.#onDisk.set(path, Math.max(upTo, this.#onDisk.get(path) ?? 0));
        this.#reported.delete(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
          // A rewrite asked for meanwhile (or waiting to be tried again) writes the file instead, from its own
          // content: a rebuild might not hold what it does.
          if (this.#snapshots.has(path) || this.#retrying.has(path)) continue;
          this.#abandonCompaction(path);
          // Else the file is rebuilt in this pass, so that what written() promised is on disk when it answers.
          // Built from the live state, it holds every write asked for the file until now, the lines queued since
          // this pass began included: those are dropped, or the next pass would append them a second time.
          const builtAt = this.#asked;
          this.#appends.delete(path);
          let text: FileText;
          try {
            text = rebuild();
          } catch (cause) {
            this.#failed(path, cause);
            this.#retryLater(path, rebuild);
            continue;
          }
          await this.#rewrite(path, rebuild, text, builtAt);
          continue;
        }
        this.#failed(path, error);
        if (!this.#snapshots.has(path) && !this.#retrying.has(path)) this.#retryLater(path, rebuild);
      }
    }
    for (const path of removals) {
      // A removal that fails leaves files nobody reads (their owner is gone); it is reported, not tried again.
      if (!(await this.#guard(path, () => rm(path, { recursive: true, force: true })))) continue;
      // Gone, with what was under it, and never written again (see remove): forgotten, but for a path asked for since
      // this pass began. Kept, each path ever removed (an archive's segment, one an hour at least; a deleted archive's
      // every segment) stayed for good, and every written(), at each change the server answers, went over them all:
      // about 240 bytes each, and 172.7 µs a call after 4,000 segments, 2.4 before (memory review, 2026-12-07).
      for (const [asked, at] of this.#lastAsked) {
        if (!isUnder(asked, path)) continue;
        if (at <= upTo) {
          this.#lastAsked.delete(asked);
          this.#onDisk.delete(asked);
        } else if (asked === path) this.#onDisk.set(path, Math.max(upTo, this.#onDisk.get(path) ?? 0));
      }
    }
  }

  /**
   * Writes `text` (built from `content`, holding the writes asked for up to `upTo`) as the whole of `path`; should
   * that fail, tries `content` again later.
   */
  async #rewrite(path: string, content: () => FileText, text: FileText, upTo: number): Promise<void> {
    const tmp = `${path}.${process.pid}.tmp`;
    const written = await this.#guard(path, async () => {
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      await writeFile(tmp, typeof text === 'string' ? text : joined(text), { mode: 0o600 });
      await rename(tmp, path);
    });
    if (written) {
      this.#backoffs.delete(path);
      this.#onDisk.set(path, Math.max(upTo, this.#onDisk.get(path) ?? 0));
      this.#reported.delete(path);
      if (this.#unwritten.delete(path)) this.#caughtUpIfSo();
    } else {
      // A full disk leaves the temporary file, empty or cut short; it is of no use to anyone.
      await rm(tmp, { force: true }).catch(() => {});
      // Not when the path was removed while this write was on its way: tried again, it would come back (and, in
      // #unwritten, refuse every change until it had) though nobody owns it now.
      if (!this.#snapshots.has(path) && !this.#removedSince(path)) this.#retryLater(path, content);
    }
  }

  /** Whether a removal of `path`, or of a directory holding it, was asked for since this pass began. */
  #removedSince(path: string): boolean {
    for (const removed of this.#removals) if (isUnder(path, removed)) return true;
    return false;
  }

  /** Runs a write; a failure is reported (the in-memory state stays right) and answered false. */
  async #guard(path: string, write: () => Promise<void>): Promise<boolean> {
    try {
      await write();
      return true;
    } catch (error) {
      this.#failed(path, error);
      return false;
    }
  }

  #retryLater(path: string, content: () => FileText): void {
    this.#abandonCompaction(path);
    // Lines appended while the failed rewrite was on its way would land after the old content, leaving a file
    // with a gap where the rewrite's lines should be; the retried rewrite is built from the live state, them included.
    this.#appends.delete(path);
    const backoff = this.#backoffs.get(path) ?? RETRY_FIRST_MS;
    this.#backoffs.set(path, Math.min(backoff * 2, RETRY_MOST_MS));
    const timer = setTimeout(() => {
      this.#retrying.delete(path);
      if (!this.#snapshots.has(path)) this.#snapshots.set(path, content);
      this.#schedule();
    }, backoff);
    timer.unref();
    this.#retrying.set(path, timer);
    if (this.#unwritten.size === 0 && this.#refusingSince === undefined) {
      this.#refusingSince = performance.now();
      this.#logger.error(
        '[eventbridge] changes are refused, not made, until the data directory takes writes again (each change tries the files that failed again, at most once a second each)',
      );
    }
    this.#unwritten.set(path, { content, failedAt: performance.now() });
  }

  #failed(path: string, error: unknown): void {
    // The in-memory state stays right; only the copy on disk is behind, so say so and carry on. Once: while the disk
    // stays full, a file is tried again each second, and its every failure used to print a stack (some 47 lines a
    // second while publishing to a full disk: disk-full review, 2026-12-06). #caughtUpIfSo says when it has landed.
    this.#failures++;
    if (this.#unwritten.has(path) || this.#reported.has(path)) return;
    this.#reported.add(path);
    this.#logger.error(`[eventbridge] could not write ${path}:`, diskAnswer(error));
  }
}

/**
 * What to log of an error from the file system: what the disk answered (ENOSPC, EROFS, EACCES, EISDIR…) is all that
 * helps, so an errno error is its message alone; anything else, a bug, is kept whole with its stack.
 */
function diskAnswer(error: unknown): unknown {
  const { code, message } = (error ?? {}) as NodeJS.ErrnoException;
  return typeof code === 'string' && typeof message === 'string' ? message : error;
}

/**
 * What a log may hold beyond twice the lines that rebuild its state (and, given their size, beyond twice their
 * characters) before it is compacted, unless it says otherwise.
 */
const LOG_SLACK: LogSlack = { lines: 1_000, chars: 1024 * 1024 };

export interface LogSlack {
  readonly lines: number;
  readonly chars: number;
}

/**
 * A file of JSON lines kept as a log (the queues', the control plane's, the retries'): each change is appended as a
 * line, and the whole is rewritten in the background as the lines that rebuild the state (compacted) once it holds
 * more than twice as many plus a slack (1,000 unless the log says otherwise), so a change costs O(1) on average
 * however large the state; and also once a line past the state has lingered the writer's linger (10 minutes by
 * default), so that what has ended (an event delivered) does not stay on disk for as long as a quiet server takes to
 * append the slack: months of a small site's deliveries, where the archive keeps events only for its retention.
 * `state()` gives those lines; the `size` given with each change is about their number,
 * counted cheaply by the owner. With `frozen`, the owner never changes a value `state()` gave (it replaces it
 * instead), so a compaction takes the values as they are and makes their text a chunk at a time while it writes;
 * else it makes the whole text at once.
 */
export class CompactedLog {
  #started = false;
  #lines = 0;
  /** Characters appended since the last rewrite (or, right after it, what the caller said its lines take). */
  #chars = 0;
  /** The state's lines and characters as the owner last gave them, for a compaction made later (compactLater). */
  #size = 0;
  #liveChars: number | undefined;
  readonly #text = (): FileText => jsonLinesPieces(this.state());

  constructor(
    private readonly writer: CoalescingWriter,
    readonly file: string,
    private readonly state: () => Iterable<unknown>,
    private readonly options: { readonly frozen?: boolean; readonly slack?: LogSlack } = {},
  ) {
    removeStaleTemporaries(file);
    endTornLine(file, writer.logger);
  }

  /**
   * Appends a line to a state of `size` lines; with `liveChars` (about the characters those lines take), the log
   * is also rewritten once it holds twice that plus the slack's characters, so a few large lines added and removed many
   * times do not grow it by their size each time.
   */
  append(line: unknown, size: number, liveChars?: number): void {
    const text = JSON.stringify(line);
    this.#lines++;
    this.#chars += text.length;
    this.writer.append(this.file, text, this.#text);
    const slack = this.options.slack ?? LOG_SLACK;
    const tooLong = this.#lines > 2 * size + slack.lines;
    const tooBig = liveChars !== undefined && this.#chars > 2 * liveChars + slack.chars;
    this.#size = size;
    this.#liveChars = liveChars;
    if (tooLong || tooBig) this.compact(size, liveChars);
    else if (this.#lines > size) {
      this.writer.compactLater(
        this.file,
        () => {
          if (this.#lines > this.#size) this.compact(this.#size, this.#liveChars);
        },
        liveChars,
      );
    }
  }

  /**
   * Rewrites the log as its state through the writer's replace (a temporary file renamed into place), which
   * written() tracks, unlike a background compaction. For a state read from elsewhere (a file of an earlier
   * version): until the rename lands there is no log, so a crash before it leaves that file to be read again.
   */
  rewrite(size: number, liveChars = 0): void {
    this.#started = true;
    this.#lines = size;
    this.#chars = liveChars;
    this.writer.replace(this.file, this.#text);
  }

  /**
   * Rewrites the log, in the background, as the lines that rebuild the state as it is now. Its owner calls it once it
   * has read the log (or what came before it), at start: if the state is empty, the file is made then, empty, if it
   * is not there (see startFile). Not otherwise: a state read from elsewhere (a file of an earlier version) would be
   * shadowed at the next start by an empty log, should this one stop before its compaction lands.
   */
  compact(size: number, liveChars = 0): void {
    if (!this.#started) {
      this.#started = true;
      if (size === 0) startFile(this.file);
    }
    this.#lines = size;
    this.#chars = liveChars;
    this.writer.compact(this.file, () => {
      const values = Array.from(this.state());
      // Frozen values are made into text as the chunks are asked for; others all at once, now.
      return this.options.frozen
        ? joined(jsonLines(values), COMPACT_CHUNK_CHARS)
        : joined(jsonLinesPieces(values));
    });
  }
}

/**
 * Ends with a newline a last line a crash cut short, so that the lines appended from now on start lines of their
 * own: the start's compaction runs in the background, and until it is in place they go to this file. Joined to
 * the torn line, an answered change would be lost with it (review, 2026-12-04). The torn line is then a line of its
 * own that reading skips (and counts), and the compaction drops.
 */
function endTornLine(file: string, logger: Logger): void {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const { size } = fstatSync(fd);
    const last = Buffer.alloc(1);
    if (size === 0 || (readSync(fd, last, 0, 1, size - 1) === 1 && last[0] === 10)) return;
    appendNow(file, Buffer.from('\n'));
  } catch (error) {
    // No file yet is the usual case; any other trouble shows again, and is reported, when the log is read or written.
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
      logger.error(`[eventbridge] could not end the last line of ${file}:`, diskAnswer(error));
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Makes a file appended to (a log, an archive's segment), empty, if it is not there yet (a new dataDir, a new
 * segment), so that the first appends find it and are written as appends. Missing, the file was written whole by
 * the first pass instead, from the state, asynchronously and in 512 KB writes, each waiting for a turn of the event
 * loop: with a fan-out running (300 subscriptions, 8 publishes of 10 events at once) that pass took 6.4 s, and 7 of
 * the 8 publishes were answered 503 (scale review, 2026-12-05). A failure here shows again, and is reported, when the
 * file is written.
 */
export function startFile(file: string): void {
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    closeSync(openSync(file, 'a', 0o600));
  } catch {
    // Reported by the write that meets it.
  }
}

/**
 * Writes a small file now, only its owner may read it, whole or not at all: aside as `<file>.<pid>.tmp` (which
 * removeStaleTemporaries removes when a crash leaves it), then renamed into place. For files written once at start,
 * outside the writer (the dataDir's format, the local admin key): a stop mid-write left an empty admin key.
 */
export function writeWholeNow(file: string, content: string): void {
  const partial = `${file}.${process.pid}.tmp`;
  writeFileSync(partial, content, { mode: 0o600 });
  chmodSync(partial, 0o600);
  renameSync(partial, file);
}

/** What the writer names a file it writes before putting it in place: `<file>.<pid>.tmp`, `<file>.<pid>.<n>.compacting`. */
const TEMPORARY = /\.\d+\.(?:tmp|\d+\.compacting)$/;

/**
 * Removes what a process that died while rewriting `file` left beside it (each as large as the file; before
 * 2026-12-04 they stayed for good): its owner calls it at start, when no other process writes there (the dataDir's
 * lock), and nothing else would.
 */
export function removeStaleTemporaries(file: string): void {
  const prefix = `${basename(file)}.`;
  removeTemporariesIn(dirname(file), (name) => name.startsWith(prefix), false);
}

/** As removeStaleTemporaries, for every file the writer wrote in `dir` and the directories under it. */
export function removeStaleTemporariesUnder(dir: string): void {
  removeTemporariesIn(dir, () => true, true);
}

function removeTemporariesIn(dir: string, wanted: (name: string) => boolean, deep: boolean): void {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    if (entry.isDirectory()) {
      if (deep) removeTemporariesIn(join(dir, entry.name), wanted, deep);
    } else if (TEMPORARY.test(entry.name) && wanted(entry.name)) removeQuietly(join(dir, entry.name));
  }
}

/** How much text a compaction makes and writes at a time: about 1 ms of JSON.stringify here. */
const COMPACT_CHUNK_CHARS = 256 * 1024;

/**
 * What a file is written as: its text, or its text in pieces written one after another, for a file that may be
 * past the longest string JavaScript holds (about 512 MiB), such as a queue's log.
 */
export type FileText = string | readonly string[];

/** How much of a text in pieces is written at a time. */
const WRITE_CHUNK_CHARS = 16 * 1024 * 1024;

/**
 * Pieces joined into strings of about `chunkChars`, one at a time, each piece taken as it is asked for: writeFile
 * makes one write per string, and a write per line made rewriting a log of a million dead letters take 35 s rather
 * than 5 (review).
 */
function* joined(pieces: Iterable<string>, chunkChars = WRITE_CHUNK_CHARS): Generator<string> {
  let chunk: string[] = [];
  let chars = 0;
  for (const piece of pieces) {
    chunk.push(piece);
    chars += piece.length;
    if (chars >= chunkChars) {
      yield chunk.join('');
      chunk = [];
      chars = 0;
    }
  }
  if (chunk.length > 0) yield chunk.join('');
}

/** Values as JSON lines, a line each, ended by a newline, each made as it is asked for. */
function* jsonLines(values: Iterable<unknown>): Generator<string> {
  for (const value of values) yield `${JSON.stringify(value)}\n`;
}

/** Values as a file of JSON lines, in pieces: a line each, ended by a newline. */
export function jsonLinesPieces(values: Iterable<unknown>): string[] {
  return Array.from(jsonLines(values));
}

/** How much of a file of JSON lines is read at a time. */
const READ_CHUNK_BYTES = 16 * 1024 * 1024;

/**
 * The values of a file of JSON lines (none when there is no file), read line by line: see eachJsonLine.
 */
export function readJsonLines(
  file: string,
  chunkBytes = READ_CHUNK_BYTES,
): { values: unknown[]; skipped: number; unterminated: boolean } {
  const values: unknown[] = [];
  const { skipped, unterminated } = eachJsonLine(
    file,
    (value) => {
      values.push(value);
    },
    chunkBytes,
  );
  return { values, skipped, unterminated };
}

/**
 * Hands each value of a file of JSON lines to `take` in order (none when there is no file), read line by line, a
 * chunk of its bytes at a time: a file past the longest string JavaScript holds (about 512 MiB), or past the 2 GiB
 * readFileSync takes, still loads, as long as each line fits, and a log replayed into a state holds that state, not
 * every line (a 329 MB Lambda invocations log, mostly ended invocations, did not load in a 512 MB heap, 2026-12-07).
 * A line that does not parse (a crash cut it short) is counted and left out; `unterminated` says the last line lacks
 * its newline, which the next append would join. `take` answering false stops the read before that line; `reached`
 * says where the lines read end, for a later read to go on `from` there. A file that cannot be read stops the start with an error that
 * names it, rather than the state starting empty and the file being rewritten without it.
 */
export function eachJsonLine(
  file: string,
  take: (value: unknown) => boolean | void,
  chunkBytes = READ_CHUNK_BYTES,
  {
    from = 0,
    unterminated: last = 'read',
  }: {
    /** The byte to start at: where an earlier read's `reached` said it stopped. */
    readonly from?: number;
    /** Whether a last line without its newline is read, or left for an append to end first. */
    readonly unterminated?: 'read' | 'leave';
  } = {},
): { skipped: number; unterminated: boolean; reached: number } {
  if (!existsSync(file)) return { skipped: 0, unterminated: false, reached: from };
  let skipped = 0;
  /** Set while `take` runs: what it throws is the caller's, not the file's. */
  let taking = false;
  /** Takes a line; false once `take` answers false, which stops the read before that line. */
  const line = (text: string): boolean => {
    if (text.trim() === '') return true;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      skipped++;
      return true;
    }
    taking = true;
    const going = take(value) !== false;
    taking = false;
    return going;
  };
  let fd: number | undefined;
  let unterminated = false;
  /** Where the lines taken or passed end: the byte a later read goes on from. */
  let reached = from;
  try {
    fd = openSync(file, 'r');
    const chunk = Buffer.alloc(chunkBytes);
    // The start of a line the last chunk ended inside of.
    let carried: Buffer = Buffer.alloc(0);
    for (let position = from; ; ) {
      const read = readSync(fd, chunk, 0, chunk.length, position);
      if (read === 0) {
        unterminated = carried.length > 0;
        if (unterminated && last === 'read' && line(carried.toString('utf8'))) reached = position;
        break;
      }
      // Where in the file `bytes` begins.
      const base = position - carried.length;
      position += read;
      const bytes =
        carried.length > 0 ? Buffer.concat([carried, chunk.subarray(0, read)]) : chunk.subarray(0, read);
      let start = 0;
      for (let newline = bytes.indexOf(10); newline >= 0; newline = bytes.indexOf(10, start)) {
        if (!line(bytes.toString('utf8', start, newline))) return { skipped, unterminated, reached };
        start = newline + 1;
        reached = base + start;
      }
      carried = Buffer.from(bytes.subarray(start));
    }
  } catch (error) {
    if (taking) throw error;
    throw cannotRead(file, error);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  return { skipped, unterminated, reached };
}

/** An error's message, also for errors from another realm (where `instanceof Error` is false). */
export function reasonOf(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(error);
}

/**
 * A JSON state file (archives.json, connections.json): undefined when there is none, else its object, whose
 * `lists` must be lists where present, of objects each with a string `name` and the other string `fields` each
 * list's items have; anything else is an error that names the file and the item.
 */
export function readStateFile(
  file: string,
  lists: Readonly<Record<string, readonly string[]>>,
): Record<string, unknown> | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const saved: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (typeof saved !== 'object' || saved === null || Array.isArray(saved))
      throw new Error('it holds no JSON object');
    const object = saved as Record<string, unknown>;
    for (const [key, fields] of Object.entries(lists)) {
      const list = object[key];
      if (list === undefined) continue;
      if (!Array.isArray(list)) throw new Error(`its ${key} are not a list`);
      list.forEach((item: unknown, index) => {
        const missing = ['name', ...fields].find(
          (field) =>
            typeof item !== 'object' ||
            item === null ||
            typeof (item as Record<string, unknown>)[field] !== 'string',
        );
        if (missing !== undefined) throw new Error(`${key}[${index}] has no string ${missing}`);
      });
    }
    return object;
  } catch (error) {
    throw cannotRead(file, error);
  }
}

/** The error that stops a start on a state file it cannot read (rather than start without that state). */
export function cannotRead(file: string, error: unknown): Error {
  return new Error(`[eventbridge] cannot read ${file}: ${reasonOf(error)}`, { cause: error });
}
