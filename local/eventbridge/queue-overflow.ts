// The local queues' messages moved out of memory past their limit (queue-store.ts), kept on disk until a restore puts
// them back or they pass the queues' 14 days: a file of `send` lines (the queues' log's) for each UTC day they moved
// out on, only ever appended to, and how far restores have read each (`read.json`), so that the next goes on from there.
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type CoalescingWriter, eachJsonLine, reasonOf } from './persistence.js';

/** The directory, in the queues' dataDir. Until 2026-12-07 the messages past the limit were removed. */
export const OVERFLOW_DIR = 'queues-overflow';
/** A day's file: `2026-12-07.jsonl`. */
const DAY_FILE = /^(\d{4}-\d{2}-\d{2})\.jsonl$/;
/** How far restores have read each file, as far as the queues' log holds what they gave: `{ "<file>": <bytes> }`. */
const READ_FILE = 'read.json';
const DAY_MS = 86_400_000;
/** A restore reads what fits in the queues, a few megabytes: not the 16 MiB chunks a start reads its logs in. */
const READ_CHUNK_BYTES = 1 << 20;

/** What the files hold that no restore has read yet: the files, and their bytes. */
export interface OverflowUsage {
  readonly files: number;
  readonly bytes: number;
}

const dayOf = (time: number): string => new Date(time).toISOString().slice(0, 10);

/** When a day's file's day began (ms), or NaN for a name that is no day of the calendar (`2026-13-01`). */
function dayStart(day: string): number {
  const time = Date.parse(`${day}T00:00:00.000Z`);
  return Number.isNaN(time) || dayOf(time) !== day ? Number.NaN : time;
}

export class QueueOverflow {
  /** How far restores have read each file: what they put back, or dropped (expired, duplicates, lines of no use). */
  readonly #read = new Map<string, number>();
  /** As #read, as far as the queues' log holds what the reads gave: what `read.json` keeps. */
  readonly #landed = new Map<string, number>();
  /** Whether the directory was made (or found) since the last append failed. */
  #made = false;

  constructor(
    /** OVERFLOW_DIR in the queues' dataDir. */
    readonly dir: string,
    private readonly writer: CoalescingWriter,
    private readonly logger: { warn(message: string): void },
  ) {
    const file = join(dir, READ_FILE);
    if (!existsSync(file)) return;
    let saved: unknown;
    try {
      saved = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      saved = undefined;
    }
    const sizes = new Map(this.#files().map(({ name, size }) => [name, size]));
    const positions =
      typeof saved === 'object' && saved !== null && !Array.isArray(saved)
        ? Object.entries(saved)
        : undefined;
    for (const [name, at] of positions ?? []) {
      const size = sizes.get(name);
      // A file gone, or shorter than what was read of it (not the file that was read): read from its start again.
      if (size !== undefined && Number.isSafeInteger(at) && (at as number) >= 0 && (at as number) <= size) {
        this.#read.set(name, at as number);
        this.#landed.set(name, at as number);
      }
    }
    if (positions === undefined) {
      this.logger.warn(
        `[eventbridge] queues: ${file} is not what this server writes; restores read the files of ${dir} from their start again (what the queues hold already is dropped as a duplicate)`,
      );
    }
  }

  /**
   * Appends `lines` to today's file, now: undefined once they are on disk there, else why not. Synchronous, so that
   * they are before the queues' log is even asked to say the messages left; a few lines take microseconds.
   */
  keep(lines: readonly string[]): string | undefined {
    // A blank line first ends a line a crash cut short, which the first of these would otherwise be joined to.
    const text = `\n${lines.join('\n')}\n`;
    try {
      if (!this.#made) mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      this.#made = true;
      appendFileSync(join(this.dir, `${dayOf(Date.now())}.jsonl`), text, { mode: 0o600 });
      return undefined;
    } catch (error) {
      this.#made = false;
      return reasonOf(error);
    }
  }

  /** The day's files (regular files named for a day of the calendar), by day, with their sizes. */
  #files(): Array<{ readonly name: string; readonly day: string; readonly size: number }> {
    let entries: string[];
    try {
      entries = readdirSync(this.dir).sort();
    } catch {
      // No directory yet (or something else took its name): nothing kept there.
      return [];
    }
    const files: Array<{ readonly name: string; readonly day: string; readonly size: number }> = [];
    for (const name of entries) {
      const day = DAY_FILE.exec(name)?.[1];
      if (day === undefined || Number.isNaN(dayStart(day))) continue;
      try {
        const stats = statSync(join(this.dir, name));
        if (stats.isFile()) files.push({ name, day, size: stats.size });
      } catch {
        // Removed meanwhile.
      }
    }
    return files;
  }

  /** What no restore has read yet. */
  usage(): OverflowUsage {
    let files = 0;
    let bytes = 0;
    for (const { name, size } of this.#files()) {
      const unread = size - (this.#read.get(name) ?? 0);
      if (unread <= 0) continue;
      files++;
      bytes += unread;
    }
    return { files, bytes };
  }

  /**
   * Reads the lines no restore has read yet, file by file by day, each in the order it moved out, handing each that
   * parses to `take`, which answers false to stop before it (the queues have no room for it). A last line without
   * its newline in today's file (a crash cut it short) is left for the next move's blank line to end; in a past day's,
   * which nothing appends to, it is read as what it is. Answers the files that could not be
   * read (each `<file>: <reason>`), which are passed: the next restore tries them again.
   */
  read(take: (line: unknown) => boolean): string[] {
    const unreadable: string[] = [];
    const today = dayOf(Date.now());
    for (const { name, day, size } of this.#files()) {
      const from = this.#read.get(name) ?? 0;
      if (from >= size) continue;
      const file = join(this.dir, name);
      let stopped = false;
      try {
        // Only today's file is appended to: a past day's last line without its newline (an append the disk cut short)
        // is never completed, and is read as the rest (else the file stayed unread, and kept, for 14 days).
        const { reached } = eachJsonLine(
          file,
          (line) => {
            stopped = !take(line);
            return !stopped;
          },
          READ_CHUNK_BYTES,
          { from, unterminated: day < today ? 'read' : 'leave' },
        );
        this.#read.set(name, reached);
      } catch (error) {
        // eachJsonLine's error names the file; the entry names it once, with the disk's reason.
        unreadable.push(`${file}: ${reasonOf((error as Error).cause ?? error)}`);
      }
      if (stopped) break;
    }
    return unreadable;
  }

  /** How far the reads so far have read each file: to be given to landed() once the queues' log holds what they gave. */
  reached(): ReadonlyMap<string, number> {
    return new Map(this.#read);
  }

  /**
   * Keeps `reached` in `read.json` (only ever further on: a later restore's may have landed first), now that the
   * queues' log holds what the reads up to it gave. Files of past days read to their end go at the next prune.
   */
  landed(reached: ReadonlyMap<string, number>): void {
    let changed = false;
    for (const [name, at] of reached) {
      if (at <= (this.#landed.get(name) ?? 0)) continue;
      this.#landed.set(name, at);
      changed = true;
    }
    if (changed) this.#save();
  }

  /**
   * Removes the files whose day ended `retentionMs` before `time` or more (every message in them is older), saying
   * so, and those of days before `time`'s that restores have read to their end, once the log holds what they gave.
   */
  prune(time: number, retentionMs: number): void {
    const today = dayOf(time);
    let forgot = false;
    for (const { name, day, size } of this.#files()) {
      const expired = dayStart(day) + DAY_MS <= time - retentionMs;
      const restored = day < today && (this.#landed.get(name) ?? 0) >= size;
      if (!expired && !restored) continue;
      const file = join(this.dir, name);
      try {
        rmSync(file, { force: true });
      } catch {
        // A read-only disk: tried again at the next prune.
        continue;
      }
      forgot = this.#landed.delete(name) || forgot;
      this.#read.delete(name);
      if (expired) {
        this.logger.warn(
          `[eventbridge] queues: removed ${file}, whose messages were all older than ${retentionMs / DAY_MS} days, as SQS does`,
        );
      }
    }
    if (forgot) this.#save();
  }

  #save(): void {
    this.writer.replace(
      join(this.dir, READ_FILE),
      () => `${JSON.stringify(Object.fromEntries(this.#landed))}\n`,
    );
  }
}
