// Deliveries that have not finished, kept in dataDir (`retries.jsonl`, a CompactedLog) so that neither a stop nor
// a crash loses an event waiting for a retry: AWS keeps retrying for up to a day, and a local server restarts
// far more often than that.
import { join } from 'node:path';
import { type CoalescingWriter, CompactedLog, readJsonLines } from './persistence.js';

/** A delivery as kept across a restart: its event, where it goes, and where its retries stand. */
export interface SavedDelivery {
  readonly id: string;
  readonly event: { readonly json: string; readonly ingestedAt: number; readonly forwardedFrom?: string };
  readonly busName: string;
  readonly ruleName: string;
  readonly ruleArn: string;
  readonly targetId: string;
  readonly targetArn: string;
  /** The target's DLQ then: where the event goes if the target is gone at the next start. */
  readonly deadLetterArn?: string;
  /** Attempts made after the first. */
  readonly retries: number;
  /** Epoch ms the next attempt is due. */
  readonly dueAt: number;
  /** Why the last attempt failed, if one did: what the dead letter says should the event go there. */
  readonly failure?: { readonly code: string; readonly message: string };
}

/** A line of the log: a delivery waiting (a later line for the same id replaces it), or a delivery ended. */
type Line = { readonly wait: SavedDelivery } | { readonly end: string };

export class RetryJournal {
  readonly #waiting = new Map<string, SavedDelivery>();
  readonly #log: CompactedLog;

  constructor(writer: CoalescingWriter, dataDir: string) {
    this.#log = new CompactedLog(writer, join(dataDir, 'retries.jsonl'), () =>
      Array.from(this.#waiting.values(), (wait): Line => ({ wait })),
    );
    const { values, skipped } = readJsonLines(this.#log.file);
    for (const line of values as Line[]) {
      if ('wait' in line) this.#waiting.set(line.wait.id, line.wait);
      else if ('end' in line) this.#waiting.delete(line.end);
    }
    if (skipped > 0)
      console.warn(`[eventbridge] retries: skipped ${skipped} unreadable line(s) in ${this.#log.file}`);
    this.#log.compact(this.#waiting.size);
  }

  /** The deliveries the last run left unfinished, oldest first. */
  saved(): SavedDelivery[] {
    return [...this.#waiting.values()];
  }

  wait(delivery: SavedDelivery): void {
    this.#waiting.set(delivery.id, delivery);
    this.#log.append({ wait: delivery } satisfies Line, this.#waiting.size);
  }

  end(id: string): void {
    if (this.#waiting.delete(id)) this.#log.append({ end: id } satisfies Line, this.#waiting.size);
  }
}
