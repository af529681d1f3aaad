// Deliveries that have not finished, kept in dataDir (`retries.jsonl`, a CompactedLog) so that neither a stop nor
// a crash loses an event waiting for a retry: AWS keeps retrying for up to a day, and a local server restarts
// far more often than that.
import { join } from 'node:path';
import { type CoalescingWriter, CompactedLog, readJsonLines } from './persistence.js';
import { isObject } from './request.js';

/** A delivery as kept across a restart: its event, where it goes, and where its retries stand. */
export interface SavedDelivery extends RetryState {
  readonly event: { readonly json: string; readonly ingestedAt: number; readonly forwardedFrom?: string };
  readonly busName: string;
  readonly ruleName: string;
  readonly ruleArn: string;
  readonly targetId: string;
  readonly targetArn: string;
  /** The target's DLQ then: where the event goes if the target is gone at the next start. */
  readonly deadLetterArn?: string;
}

/** Where a delivery's retries stand: what changes from one retry to the next. */
interface RetryState {
  readonly id: string;
  /** Attempts after the first made so far (one cut short by a stop included). */
  readonly retries: number;
  /** Epoch ms the next attempt is due. */
  readonly dueAt: number;
  /** Why the last attempt failed, if one did: what the dead letter says should the event go there. */
  readonly failure?: { readonly code: string; readonly message: string };
}

/**
 * A line of the log: a delivery waiting, with its event (the first time); its next retry scheduled (without the
 * event again, which may be a megabyte); or a delivery ended.
 */
type Line = { readonly wait: SavedDelivery } | { readonly retry: RetryState } | { readonly end: string };

/** About what a line holds beside its event's text. */
const LINE_OVERHEAD = 512;

export class RetryJournal {
  readonly #waiting = new Map<string, SavedDelivery>();
  readonly #log: CompactedLog;
  /** About the characters the waiting deliveries take as lines: the log is rewritten past twice that. */
  #liveChars = 0;

  constructor(writer: CoalescingWriter, dataDir: string) {
    // Frozen: a delivery's retry replaces its object rather than change it.
    this.#log = new CompactedLog(
      writer,
      join(dataDir, 'retries.jsonl'),
      () => Array.from(this.#waiting.values(), (wait): Line => ({ wait })),
      { frozen: true },
    );
    const { values, skipped } = readJsonLines(this.#log.file);
    let unusable = skipped;
    for (const line of values) {
      if (isObject(line) && isSavedDelivery(line.wait)) this.#waiting.set(line.wait.id, line.wait);
      else if (isObject(line) && isRetryState(line.retry)) {
        const before = this.#waiting.get(line.retry.id);
        if (before) this.#waiting.set(before.id, withRetry(before, line.retry));
      } else if (isObject(line) && typeof line.end === 'string') this.#waiting.delete(line.end);
      else unusable++;
    }
    if (unusable > 0)
      console.warn(`[eventbridge] retries: skipped ${unusable} unreadable line(s) in ${this.#log.file}`);
    for (const delivery of this.#waiting.values()) this.#liveChars += lineChars(delivery);
    this.#compact();
  }

  /** The deliveries the last run left unfinished, oldest first. */
  saved(): SavedDelivery[] {
    return [...this.#waiting.values()];
  }

  wait(delivery: SavedDelivery): void {
    const before = this.#waiting.get(delivery.id);
    this.#waiting.set(delivery.id, delivery);
    if (before) {
      const { id, retries, dueAt, failure } = delivery;
      this.#append({ retry: { id, retries, dueAt, ...(failure ? { failure } : {}) } });
    } else {
      this.#liveChars += lineChars(delivery);
      this.#append({ wait: delivery });
    }
  }

  end(id: string): void {
    const before = this.#waiting.get(id);
    if (!before) return;
    this.#waiting.delete(id);
    this.#liveChars -= lineChars(before);
    this.#append({ end: id });
  }

  #append(line: Line): void {
    this.#log.append(line, this.#waiting.size, this.#liveChars);
  }

  #compact(): void {
    this.#log.compact(this.#waiting.size, this.#liveChars);
  }
}

const lineChars = (delivery: SavedDelivery): number => delivery.event.json.length + LINE_OVERHEAD;

function withRetry(delivery: SavedDelivery, { retries, dueAt, failure }: RetryState): SavedDelivery {
  const { failure: _before, ...rest } = delivery;
  return { ...rest, retries, dueAt, ...(failure ? { failure } : {}) };
}

function isRetryState(value: unknown): value is RetryState {
  return (
    isObject(value) &&
    typeof value.id === 'string' &&
    typeof value.retries === 'number' &&
    typeof value.dueAt === 'number' &&
    (value.failure === undefined ||
      (isObject(value.failure) &&
        typeof value.failure.code === 'string' &&
        typeof value.failure.message === 'string'))
  );
}

/** A `wait` line as written, its event text JSON: a line edited by hand otherwise is left out, not a crash at start. */
function isSavedDelivery(value: unknown): value is SavedDelivery {
  if (!isRetryState(value)) return false;
  const v = value as unknown as Record<string, unknown>;
  if (!isObject(v.event)) return false;
  const strings = ['busName', 'ruleName', 'ruleArn', 'targetId', 'targetArn'].every(
    (key) => typeof v[key] === 'string',
  );
  const { json, ingestedAt } = v.event;
  if (!strings || typeof json !== 'string' || typeof ingestedAt !== 'number') return false;
  try {
    return isObject(JSON.parse(json));
  } catch {
    return false;
  }
}
