// Deliveries that have not finished, kept in dataDir (`retries.jsonl`, a CompactedLog) so that neither a stop nor
// a crash loses an event waiting for a retry: AWS keeps retrying for up to a day, and a local server restarts
// far more often than that.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Logger } from './delivery.js';
import { type CoalescingWriter, CompactedLog, eachJsonLine } from './persistence.js';
import { RedriveMarks, type RedrivenLine } from './redrive-marks.js';
import { isObject } from './request.js';

/**
 * An event as the journal keeps it: once for all its deliveries, which the dispatcher marks by handing the same
 * object for each (an event to five targets was written five times, 1 KB each, before 2026-12-04).
 */
export interface SavedEvent {
  readonly json: string;
  readonly ingestedAt: number;
  readonly forwardedFrom?: string;
}

/** A delivery as kept across a restart: its event, where it goes, and where its retries stand. */
export interface SavedDelivery extends RetryState, Destination {
  readonly event: SavedEvent;
}

/** Where a delivery goes. */
interface Destination {
  readonly busName: string;
  readonly ruleName: string;
  readonly ruleArn: string;
  readonly targetId: string;
  readonly targetArn: string;
  /** The target's DLQ then: where the event goes if the target is gone at the next start. */
  readonly deadLetterArn?: string;
  /** The dead letter this delivery is a redrive of (`redrive-marks.ts`). */
  readonly redriveOf?: string;
}

/** Where a delivery's retries stand: what changes from one retry to the next. */
interface RetryState {
  readonly id: string;
  /** Attempts after the first made so far (one cut short by a stop included). */
  readonly retries: number;
  /** Epoch ms the next attempt is due. */
  readonly dueAt: number;
  /**
   * How long the wait for it was when it began: a start waits no longer, should the wall clock (dueAt's) have been
   * set back since. None in lines written before 2026-12-06.
   */
  readonly waitMs?: number;
  /** Why the last attempt failed, if one did: what the dead letter says should the event go there. */
  readonly failure?: { readonly code: string; readonly message: string; readonly logged?: string };
  /**
   * Its target was removed from the rule while an attempt ran: it gets no more attempts, and the next start sends it
   * to the DLQ the target had, however the rule and target read by then.
   */
  readonly targetRemoved?: true;
}

/** An event in the log, named by its key in the `wait` lines of its deliveries. */
interface EventRecord extends SavedEvent {
  readonly key: string;
}

/** A delivery waiting, as the log keeps it: its event named by key. */
interface WaitRecord extends RetryState, Destination {
  readonly eventKey: string;
}

/**
 * A line of the log: an event, before the first of its deliveries; a delivery waiting (the first time); its next
 * retry scheduled (a few bytes, without the event again, which may be a megabyte); a delivery ended; or, written by
 * compactions, redriven dead letters whose leaving their queue is not known to be on disk (`redrive-marks.ts`).
 * Versions before 2026-12-04 wrote each delivery's event in its `wait` line, which is still read.
 */
type Line =
  | { readonly event: EventRecord }
  | { readonly wait: WaitRecord }
  | { readonly retry: RetryState }
  | { readonly end: string }
  | RedrivenLine;

/**
 * Every delivery writes two or three lines, so at 5,000 events a second to four targets the default slack (1,000
 * lines, 1 MiB) had the log compacted dozens of times a second in steady state, each time a file written and
 * renamed (2026-12-04: some 0.56 s of the server's 6.1 s of CPU in a profile of 40,000 such events). A start thus
 * reads at most twice the live state plus 16 MiB, or plus 100,000 lines (some 6 MB of `end` lines).
 */
const RETRIES_SLACK = { lines: 100_000, chars: 16 * 1024 * 1024 };

/** About what a line holds beside its event's text. */
const LINE_OVERHEAD = 512;

export class RetryJournal {
  readonly #writer: CoalescingWriter;
  readonly #log: CompactedLog;
  /** The deliveries waiting, by id. */
  readonly #waits = new Map<string, WaitRecord>();
  /** The events of the waiting deliveries, by key, with how many of them name each. */
  readonly #events = new Map<string, { readonly record: EventRecord; deliveries: number }>();
  /** The key of each event object the dispatcher handed in (or saved() handed out). */
  readonly #keys = new WeakMap<SavedEvent, string>();
  /** Keys are this run's prefix and a count: unique in the log without a UUID per event. */
  readonly #keyPrefix = randomUUID().slice(0, 8);
  #keyCount = 0;
  /** About the characters the log's live lines take: the log is rewritten past twice that. */
  #liveChars = 0;
  /** The dead letters redriven here whose leaving their queue may not be on disk yet. */
  readonly redrives = new RedriveMarks();

  constructor(
    writer: CoalescingWriter,
    dataDir: string,
    /** Where warnings go (the server's logger). */
    logger: Logger = console,
  ) {
    this.#writer = writer;
    // Frozen: a retry replaces its delivery's record rather than change it, and events never change.
    this.#log = new CompactedLog(writer, join(dataDir, 'retries.jsonl'), () => this.#lines(), {
      frozen: true,
      slack: RETRIES_SLACK,
    });
    let unusable = 0;
    const { skipped } = eachJsonLine(this.#log.file, (line) => {
      if (!this.#replay(line)) unusable++;
    });
    unusable += skipped;
    if (unusable > 0)
      logger.warn(`[eventbridge] retries: skipped ${unusable} unreadable line(s) in ${this.#log.file}`);
    // An event line no delivery named (a crash between the two lines, or a log edited by hand) is left out.
    for (const [key, event] of this.#events) if (event.deliveries === 0) this.#events.delete(key);
    this.#liveChars = this.#waits.size * LINE_OVERHEAD;
    for (const { record } of this.#events.values()) this.#liveChars += eventChars(record);
    this.#compact();
  }

  /** Applies a line read from the log; false for one it cannot use. */
  #replay(line: unknown): boolean {
    if (!isObject(line)) return false;
    if (line.event !== undefined) {
      if (!isEventRecord(line.event)) return false;
      // The same key again (a line repeated by hand) keeps the event and the count of deliveries naming it.
      if (!this.#events.has(line.event.key))
        this.#events.set(line.event.key, { record: line.event, deliveries: 0 });
      return true;
    }
    if (line.wait !== undefined) {
      let wait: WaitRecord;
      if (isWaitRecord(line.wait) && this.#events.has(line.wait.eventKey)) wait = line.wait;
      else if (isInlineWait(line.wait)) {
        // Written by an earlier version: its event in the line, given a key of its own.
        // Field by field: a `key` in its event (a hand edit) must not take the place of the one given here.
        const { event, ...rest } = line.wait;
        const key = this.#newKey();
        this.#events.set(key, { record: eventRecord(key, event), deliveries: 0 });
        wait = { ...rest, eventKey: key };
      } else return false;
      // Counted before the delivery's earlier line (a line repeated by hand) is forgotten: the other way round, its
      // event would go with it while this line still names it.
      this.#named(wait.eventKey, 1);
      this.#forget(wait.id);
      this.#waits.set(wait.id, wait);
      // Ended or not: its end may be on disk, and its dead letter's leaving not.
      if (wait.redriveOf !== undefined) this.redrives.add(wait.redriveOf);
      return true;
    }
    if (line.retry !== undefined) {
      if (!isRetryState(line.retry)) return false;
      const before = this.#waits.get(line.retry.id);
      if (before) this.#waits.set(before.id, withRetry(before, line.retry));
      return true;
    }
    if (typeof line.end === 'string') {
      this.#forget(line.end);
      return true;
    }
    const redriven = this.redrives.read(line);
    return redriven !== 'unusable' && redriven;
  }

  /** The deliveries the last run left unfinished, oldest first; those of one event share its object. */
  saved(): SavedDelivery[] {
    const saved: SavedDelivery[] = [];
    for (const { eventKey, ...rest } of this.#waits.values()) {
      const event = this.#events.get(eventKey)?.record;
      // Every waiting delivery's event is kept while it waits; should one not be, it is left out, not a crash.
      if (!event) continue;
      this.#keys.set(event, eventKey);
      saved.push({ ...rest, event });
    }
    return saved;
  }

  /**
   * Keeps a delivery waiting (the first time), or its next retry. A retry to a target put again under its id with
   * another ARN or DLQ is written whole again, so that a start after it knows where the delivery goes and which DLQ
   * takes it (before 2026-12-05 it kept the first target's).
   */
  wait(delivery: SavedDelivery): void {
    let before = this.#waits.get(delivery.id);
    const { id, retries, dueAt, waitMs, failure, targetRemoved } = delivery;
    if (before && !sameDestination(before, delivery)) {
      this.#forget(id);
      this.#liveChars -= LINE_OVERHEAD;
      before = undefined;
    }
    if (before) {
      this.#waits.set(id, withRetry(before, delivery));
      this.#append({
        retry: {
          id,
          retries,
          dueAt,
          ...(waitMs !== undefined ? { waitMs } : {}),
          ...(failure ? { failure } : {}),
          ...(targetRemoved ? { targetRemoved } : {}),
        },
      });
      return;
    }
    let key = this.#keys.get(delivery.event);
    if (key === undefined || !this.#events.has(key)) {
      key = this.#newKey();
      this.#keys.set(delivery.event, key);
      const record = eventRecord(key, delivery.event);
      this.#events.set(key, { record, deliveries: 0 });
      this.#liveChars += eventChars(record);
      this.#append({ event: record });
    }
    // Field by field: an object rest and spread here took a quarter of the journal's CPU in a profile.
    const wait: WaitRecord = {
      id,
      eventKey: key,
      busName: delivery.busName,
      ruleName: delivery.ruleName,
      ruleArn: delivery.ruleArn,
      targetId: delivery.targetId,
      targetArn: delivery.targetArn,
      ...(delivery.deadLetterArn !== undefined ? { deadLetterArn: delivery.deadLetterArn } : {}),
      ...(delivery.redriveOf !== undefined ? { redriveOf: delivery.redriveOf } : {}),
      retries,
      dueAt,
      ...(waitMs !== undefined ? { waitMs } : {}),
      ...(failure ? { failure } : {}),
      ...(targetRemoved ? { targetRemoved } : {}),
    };
    this.#waits.set(id, wait);
    this.#named(key, 1);
    if (delivery.redriveOf !== undefined) this.redrives.add(delivery.redriveOf);
    this.#liveChars += LINE_OVERHEAD;
    this.#append({ wait });
  }

  end(id: string): void {
    if (!this.#waits.has(id)) return;
    this.#forget(id);
    this.#liveChars -= LINE_OVERHEAD;
    this.#append({ end: id });
  }

  /**
   * Ends a delivery another store took over (Lambda's queue of asynchronous invocations, an SQS queue, a DLQ) once
   * that store's write has landed, so that a crash between the two writes loses neither. Should it fail (a full
   * disk), the delivery is ended once the writer has caught up: that store's file has then been rewritten from its
   * live state, which holds what took the delivery over, or not if it has ended since. Until then, or if the server
   * stops first, the delivery stays, and the next start makes it again (at least once, as EventBridge delivers).
   * Before (disk-full review, 2026-12-06) it stayed for good, and every delivery taken over while the disk was full
   * was made again at the next start, however long after.
   */
  endOnceLanded(id: string, landing: Promise<boolean>): void {
    this.#writer.onceWritten(landing, (written) => {
      if (written) this.end(id);
    });
  }

  /** Drops a waiting delivery, and its event once no other names it. */
  #forget(id: string): void {
    const before = this.#waits.get(id);
    if (!before) return;
    this.#waits.delete(id);
    this.#named(before.eventKey, -1);
  }

  /**
   * Counts a delivery more or fewer naming an event; one no longer named is dropped: no later line names it, as a
   * delivery of the same event object waiting after that is given a new key and line.
   */
  #named(key: string, change: 1 | -1): void {
    const event = this.#events.get(key);
    if (!event) return;
    event.deliveries += change;
    if (event.deliveries === 0) {
      this.#events.delete(key);
      this.#liveChars -= eventChars(event.record);
    }
  }

  /** A key no event of the log has: a run's prefix may, by a chance of one in 2^32, be an earlier run's. */
  #newKey(): string {
    let key: string;
    do key = `${this.#keyPrefix}-${(this.#keyCount++).toString(36)}`;
    while (this.#events.has(key));
    return key;
  }

  /** The lines that rebuild the state: each event before the deliveries that name it; the redrives not landed. */
  #lines(): Line[] {
    const lines: Line[] = [];
    for (const { record } of this.#events.values()) lines.push({ event: record });
    for (const wait of this.#waits.values()) lines.push({ wait });
    const redriven = this.redrives.line();
    if (redriven) lines.push(redriven);
    return lines;
  }

  #append(line: Line): void {
    this.#log.append(line, this.#events.size + this.#waits.size, this.#liveChars);
  }

  #compact(): void {
    this.#log.compact(this.#events.size + this.#waits.size, this.#liveChars);
  }

  /** Forgets redriven dead letters that have left their queues (on disk), rewriting the log if it still names them. */
  landRedrives(deadLetterIds: Iterable<string>): void {
    if (this.redrives.landed(deadLetterIds)) this.#compact();
  }
}

const eventChars = (event: EventRecord): number => event.json.length + LINE_OVERHEAD;

/** An event as the log keeps it under `key`: its fields one by one, so that nothing else it carries comes along. */
function eventRecord(key: string, { json, ingestedAt, forwardedFrom }: SavedEvent): EventRecord {
  return { key, json, ingestedAt, ...(forwardedFrom !== undefined ? { forwardedFrom } : {}) };
}

function sameDestination(a: Destination, b: Destination): boolean {
  return (
    a.busName === b.busName &&
    a.ruleName === b.ruleName &&
    a.ruleArn === b.ruleArn &&
    a.targetId === b.targetId &&
    a.targetArn === b.targetArn &&
    a.deadLetterArn === b.deadLetterArn &&
    a.redriveOf === b.redriveOf
  );
}

function withRetry(
  wait: WaitRecord,
  { retries, dueAt, waitMs, failure, targetRemoved }: RetryState,
): WaitRecord {
  const { failure: _before, waitMs: _waitBefore, ...rest } = wait;
  return {
    ...rest,
    retries,
    dueAt,
    ...(waitMs !== undefined ? { waitMs } : {}),
    ...(failure ? { failure } : {}),
    // Once removed, always: a later line of an earlier version does not say it.
    ...(targetRemoved || wait.targetRemoved ? { targetRemoved: true as const } : {}),
  };
}

function isRetryState(value: unknown): value is RetryState {
  return (
    isObject(value) &&
    typeof value.id === 'string' &&
    Number.isFinite(value.retries) &&
    Number.isFinite(value.dueAt) &&
    (value.waitMs === undefined || (Number.isFinite(value.waitMs) && (value.waitMs as number) >= 0)) &&
    (value.failure === undefined ||
      (isObject(value.failure) &&
        typeof value.failure.code === 'string' &&
        typeof value.failure.message === 'string' &&
        (value.failure.logged === undefined || typeof value.failure.logged === 'string'))) &&
    (value.targetRemoved === undefined || value.targetRemoved === true)
  );
}

function isDestination(value: Record<string, unknown>): boolean {
  return (
    ['busName', 'ruleName', 'ruleArn', 'targetId', 'targetArn'].every(
      (key) => typeof value[key] === 'string',
    ) &&
    (value.deadLetterArn === undefined || typeof value.deadLetterArn === 'string') &&
    (value.redriveOf === undefined || typeof value.redriveOf === 'string')
  );
}

/**
 * An event as written: its text a JSON object, its time a finite number. A line edited by hand otherwise is left out,
 * not a crash at start, nor a value the next compaction would write differently (1e999 reads as Infinity and is
 * written as null: review, 2026-12-04). The event's `id` may be anything: a bus target's Input can set it.
 */
function isSavedEvent(value: unknown): value is SavedEvent {
  if (!isObject(value) || typeof value.json !== 'string' || !Number.isFinite(value.ingestedAt)) return false;
  if (value.forwardedFrom !== undefined && typeof value.forwardedFrom !== 'string') return false;
  try {
    return isObject(JSON.parse(value.json));
  } catch {
    return false;
  }
}

function isEventRecord(value: unknown): value is EventRecord {
  return isSavedEvent(value) && typeof (value as unknown as Record<string, unknown>).key === 'string';
}

function isWaitRecord(value: unknown): value is WaitRecord {
  return (
    isRetryState(value) &&
    isDestination(value as unknown as Record<string, unknown>) &&
    typeof (value as unknown as Record<string, unknown>).eventKey === 'string'
  );
}

/** A `wait` line of an earlier version, with its event in it. */
function isInlineWait(value: unknown): value is SavedDelivery {
  return (
    isRetryState(value) &&
    isDestination(value as unknown as Record<string, unknown>) &&
    isSavedEvent((value as unknown as Record<string, unknown>).event)
  );
}
