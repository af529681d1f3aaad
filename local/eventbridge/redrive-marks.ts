// The dead letters a redrive took back, as the journal that keeps the redriven deliveries or invocations notes them.
//
// A redrive keeps each dead letter's new delivery (in `retries.jsonl`) or invocation (in
// `lambda-invocations.jsonl`), then takes the dead letter out of its queue (`queues.jsonl`) once that write is on
// disk. The writer writes files in no set order, so a crash between the two writes left both: the dead letter was
// delivered by its redrive, and again by the next (review, 2026-12-04: killed as the journal changed, a redrive of
// 2,000 became 5,000 dead letters). So the line that keeps a redriven delivery names its dead letter
// (`redriveOf`), and the next start takes the dead letters such lines name out of their queues, should they still
// be there. In the line itself, not in one after a redrive's lines: a kill cuts a long append short, and kept 797
// of 1,000 deliveries without the line after them (2026-12-05).

/** The line a compaction writes for the dead letters whose leaving their queue is not known to be on disk. */
export interface RedrivenLine {
  readonly redriven: readonly string[];
}

export class RedriveMarks {
  /** Dead letters redriven whose leaving their queue may not be on disk yet. */
  readonly #ids = new Set<string>();
  /** Those the last compaction's line named, not landed since: a start would read them again. */
  readonly #written = new Set<string>();

  /** Notes the dead letter a line kept (or read at start) names as its redrive's. */
  add(deadLetterId: string): void {
    this.#ids.add(deadLetterId);
  }

  /**
   * Reads a line of the journal at start: true if it is a `redriven` line (false if it is some other line), or
   * 'unusable' if it is one that does not name dead letters.
   */
  read(line: Readonly<Record<string, unknown>>): boolean | 'unusable' {
    const ids = line.redriven;
    if (ids === undefined) return false;
    if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string')) return 'unusable';
    for (const id of ids) this.#ids.add(id);
    return true;
  }

  /** The dead letters noted (or read at start) whose queue's write taking them is not known to be on disk. */
  get pending(): ReadonlySet<string> {
    return this.#ids;
  }

  /**
   * Forgets these dead letters: their queue's write taking them is on disk (or they were not there to take). True if
   * the last compaction's line named one of them: the journal is then to be compacted again, or every later start
   * reads them back, writes them into its own compaction's line and keeps them for good (crash review, 2026-12-05: a
   * start's compaction runs before it takes the dead letters its journal names, so 6,478 ids were carried along).
   */
  landed(deadLetterIds: Iterable<string>): boolean {
    let stale = false;
    for (const id of deadLetterIds) {
      this.#ids.delete(id);
      if (this.#written.delete(id)) stale = true;
    }
    return stale;
  }

  /**
   * The line a compaction writes, so that the dead letters not landed are still named at the next start once the
   * lines that named them are gone (their deliveries ended).
   */
  line(): RedrivenLine | undefined {
    this.#written.clear();
    for (const id of this.#ids) this.#written.add(id);
    return this.#ids.size > 0 ? { redriven: [...this.#ids] } : undefined;
  }
}
