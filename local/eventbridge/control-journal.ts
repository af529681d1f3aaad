// Keeps the control plane's resources (buses, rules, targets) across restarts with dataDir: a log of the
// requests that changed them, replayed through the same operations at start. Replaying the requests, rather than
// saving a shape of our own, keeps one path (and one set of checks) for a rule put over HTTP and one restored.
import { readJsonLines } from './persistence.js';
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
  /**
   * For a change that left a rule's schedule running, when that schedule became active (on the scheduler's clock):
   * a rate counts its periods from there, across restarts.
   */
  readonly since?: number;
}

/** The journal's file in dataDir: a CompactedLog of JournalEntry lines. */
export const JOURNAL_FILE = 'control-plane.jsonl';

const OPERATIONS: ReadonlySet<string> = new Set(CHANGE_OPERATIONS);

/** The journal's entries in order; a line a crash cut short (or otherwise not an entry) is counted and left out. */
export function readJournal(file: string): { entries: JournalEntry[]; skipped: number } {
  const { values, skipped } = readJsonLines(file);
  const entries: JournalEntry[] = [];
  for (const line of values) {
    if (
      isObject(line) &&
      typeof line.at === 'number' &&
      typeof line.op === 'string' &&
      OPERATIONS.has(line.op) &&
      isObject(line.body)
    ) {
      entries.push({
        at: line.at,
        op: line.op as ChangeOperation,
        body: line.body,
        ...(typeof line.since === 'number' ? { since: line.since } : {}),
      });
    }
  }
  return { entries, skipped: skipped + values.length - entries.length };
}
