// Coalescing file writer for the optional dataDir: many changes in one tick become one write, so keeping
// queues and archives on disk costs little at event rates, and flush() lets stop()/idle() wait for the disk.
import { appendFile, mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export class CoalescingWriter {
  readonly #snapshots = new Map<string, () => string>();
  readonly #appends = new Map<string, string[]>();
  #scheduled: Promise<void> | undefined;
  #failures = 0;

  /** Rewrites `path` with `content()` soon (atomically, through a temporary file). */
  replace(path: string, content: () => string): void {
    // The snapshot is taken at write time, so it already holds whatever was to be appended.
    this.#appends.delete(path);
    this.#snapshots.set(path, content);
    this.#schedule();
  }

  /** Appends `line` plus a newline to `path` soon. */
  append(path: string, line: string): void {
    if (this.#snapshots.has(path)) return;
    const lines = this.#appends.get(path);
    if (lines) lines.push(line);
    else this.#appends.set(path, [line]);
    this.#schedule();
  }

  get pending(): boolean {
    return this.#scheduled !== undefined;
  }

  get failures(): number {
    return this.#failures;
  }

  /** Resolves once everything asked for so far is on disk. */
  async flush(): Promise<void> {
    while (this.#scheduled) await this.#scheduled;
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
      try {
        await this.#writeAll();
      } finally {
        this.#scheduled = undefined;
        if (this.#snapshots.size > 0 || this.#appends.size > 0) this.#schedule();
      }
    });
  }

  async #writeAll(): Promise<void> {
    // Take every snapshot now, before any await, so appends arriving meanwhile are written once, after. One that
    // cannot be built (a file past the longest string JavaScript holds, about 512 MiB) is reported like a failed
    // write rather than thrown where nothing would catch it.
    const snapshots: Array<readonly [string, string]> = [];
    for (const [path, content] of this.#snapshots) {
      try {
        snapshots.push([path, content()]);
      } catch (error) {
        this.#failed(path, error);
      }
    }
    const appends = [...this.#appends];
    this.#snapshots.clear();
    this.#appends.clear();
    for (const [path, content] of snapshots) {
      await this.#guard(path, async () => {
        await mkdir(dirname(path), { recursive: true });
        const tmp = `${path}.${process.pid}.tmp`;
        await writeFile(tmp, content);
        await rename(tmp, path);
      });
    }
    for (const [path, lines] of appends) {
      await this.#guard(path, async () => {
        await mkdir(dirname(path), { recursive: true });
        await appendFile(path, `${lines.join('\n')}\n`);
      });
    }
  }

  async #guard(path: string, write: () => Promise<void>): Promise<void> {
    try {
      await write();
    } catch (error) {
      this.#failed(path, error);
    }
  }

  #failed(path: string, error: unknown): void {
    // The in-memory state stays right; only the copy on disk is behind, so say so and carry on.
    this.#failures++;
    console.error(`[eventbridge] could not write ${path}:`, error);
  }
}
