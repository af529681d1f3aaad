// Keeps the control plane's resources (buses, rules, targets) across restarts with dataDir: a log of the
// requests that changed them, replayed through the same operations at start. Replaying the requests, rather than
// saving a shape of our own, keeps one path (and one set of checks) for a rule put over HTTP and one restored.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CoalescingWriter, jsonLines, reasonOf } from './persistence.js';
import { isObject, type JsonObject } from './request.js';

/** The operations whose success changes buses, rules, targets or their tags, and so is logged. */
export const CHANGE_OPERATIONS = [
  'CreateEventBus',
  'UpdateEventBus',
  'DeleteEventBus',
  'PutPermission',
  'RemovePermission',
  'PutRule',
  'DeleteRule',
  'EnableRule',
  'DisableRule',
  'PutTargets',
  'RemoveTargets',
  'TagResource',
  'UntagResource',
] as const;
export type ChangeOperation = (typeof CHANGE_OPERATIONS)[number];

/** A line of the log: a request that succeeded, and when (epoch ms: a bus keeps its CreationTime). */
export interface JournalEntry {
  readonly at: number;
  readonly op: ChangeOperation;
  readonly body: JsonObject;
}

/** Lines a log may hold beyond twice the lines that rebuild its state before it is compacted. */
const LOG_SLACK = 1_000;
const OPERATIONS: ReadonlySet<string> = new Set(CHANGE_OPERATIONS);

export class ControlJournal {
  readonly #file: string;
  #lines = 0;

  constructor(
    private readonly writer: CoalescingWriter,
    dataDir: string,
  ) {
    this.#file = join(dataDir, 'control-plane.jsonl');
  }

  get file(): string {
    return this.#file;
  }

  /** The log's entries in order; a line a crash cut short (or otherwise unreadable) is counted and left out. */
  read(): { entries: JournalEntry[]; skipped: number } {
    if (!existsSync(this.#file)) return { entries: [], skipped: 0 };
    const entries: JournalEntry[] = [];
    let skipped = 0;
    let bytes: Buffer;
    try {
      bytes = readFileSync(this.#file);
    } catch (error) {
      // A start that cannot read it stops rather than start empty (and rewrite the log as empty).
      const reason = reasonOf(error);
      throw new Error(`[eventbridge] cannot read ${this.#file}: ${reason}`, { cause: error });
    }
    for (const text of jsonLines(bytes)) {
      try {
        const line: unknown = JSON.parse(text);
        if (
          isObject(line) &&
          typeof line.at === 'number' &&
          typeof line.op === 'string' &&
          OPERATIONS.has(line.op) &&
          isObject(line.body)
        ) {
          entries.push({ at: line.at, op: line.op as ChangeOperation, body: line.body });
        } else skipped++;
      } catch {
        skipped++;
      }
    }
    return { entries, skipped };
  }

  /**
   * Appends an entry. Once the log holds more than twice the lines that would rebuild the state (`size`, counted
   * cheaply) plus some slack, it is rewritten from `snapshot` instead, so a change costs O(1) on average.
   */
  record(entry: JournalEntry, size: number, snapshot: () => JournalEntry[]): void {
    this.#lines++;
    if (this.#lines > 2 * size + LOG_SLACK) this.compact(size, snapshot);
    else this.writer.append(this.#file, JSON.stringify(entry), () => ControlJournal.#text(snapshot()));
  }

  /** Rewrites the log as the entries that rebuild the state as it is when the write happens. */
  compact(size: number, snapshot: () => JournalEntry[]): void {
    this.#lines = size;
    this.writer.replace(this.#file, () => ControlJournal.#text(snapshot()));
  }

  static #text(entries: readonly JournalEntry[]): string {
    return entries.length === 0 ? '' : `${entries.map((e) => JSON.stringify(e)).join('\n')}\n`;
  }
}
