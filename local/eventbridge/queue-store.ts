// Local stand-in for the SQS queues that rules target or use as dead-letter queues, plus the store of
// dropped deliveries (failed events of targets without a DLQ), so no failed event disappears silently.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { newId } from './ids.js';
import { type CoalescingWriter, CompactedLog, readJsonLines, removeStaleTemporaries } from './persistence.js';

export interface MessageAttribute {
  readonly DataType: 'String' | 'Number';
  readonly StringValue: string;
}

/** Where a dead letter came from, so it can be redriven: a rule's target, or a function Lambda invoked asynchronously. */
export type DeadLetterOrigin = TargetOrigin | FunctionOrigin;

/** A dead letter of EventBridge: an event its target did not take. */
export interface TargetOrigin {
  readonly busName: string;
  readonly ruleName: string;
  readonly ruleArn: string;
  readonly targetId: string;
  readonly targetArn: string;
  /** The bus that forwarded the event to the rule's bus: redriven, it goes no further to a third bus either. */
  readonly forwardedFrom?: string;
  /** The delivery's id in the retry journal, if it had one: see deadLettered(). */
  readonly deliveryId?: string;
}

/** A dead letter of Lambda: an asynchronous invocation whose retries ran out (`lambda-async.ts`). */
export interface FunctionOrigin {
  readonly functionArn: string;
  readonly requestId: string;
  /** Retries made before it was dead-lettered (not one of Lambda's message attributes). */
  readonly retryAttempts: number;
}

export const isFunctionOrigin = (origin: DeadLetterOrigin): origin is FunctionOrigin =>
  typeof (origin as Partial<FunctionOrigin>).functionArn === 'string';

/** Whether `origin` names the target it came from: not so for a kind of origin a later version adds. */
export const isTargetOrigin = (origin: DeadLetterOrigin): origin is TargetOrigin => {
  const { busName, ruleName, targetId } = origin as Partial<TargetOrigin>;
  return typeof busName === 'string' && typeof ruleName === 'string' && typeof targetId === 'string';
};

export interface QueueMessage {
  readonly messageId: string;
  readonly queueArn: string;
  readonly body: string;
  readonly attributes: Readonly<Record<string, MessageAttribute>>;
  /** ISO time the message was stored. */
  readonly sentAt: string;
  /** Set on dead letters only. */
  readonly deadLetter?: DeadLetterOrigin;
}

/** Pseudo-queue holding failed events of targets that have no DeadLetterConfig. */
export const DROPPED_DELIVERIES = 'local:dropped-deliveries';

/**
 * A line of the queues' log (`queues.jsonl` in dataDir, a CompactedLog): a message stored, messages taken by id,
 * or a queue emptied. It is rewritten as `send` lines of the messages left at start and once it holds twice as
 * many lines as messages (plus 1,000), so a change costs O(1), not a rewrite of every queue.
 */
type LogLine =
  | { readonly send: QueueMessage }
  | { readonly take: readonly string[] }
  | { readonly receive: string };

/** Whether a parsed line of the log is one this store wrote (a hand-edited or damaged file may hold anything). */
function isLogLine(line: unknown): line is LogLine {
  if (typeof line !== 'object' || line === null) return false;
  const { send, take, receive } = line as Record<string, unknown>;
  if (send !== undefined) {
    const m = send as Partial<Record<keyof QueueMessage, unknown>> | null;
    return (
      typeof m === 'object' &&
      m !== null &&
      typeof m.messageId === 'string' &&
      typeof m.queueArn === 'string' &&
      typeof m.body === 'string' &&
      typeof m.sentAt === 'string' &&
      typeof m.attributes === 'object' &&
      m.attributes !== null
    );
  }
  if (take !== undefined) return Array.isArray(take) && take.every((id) => typeof id === 'string');
  return typeof receive === 'string';
}

/**
 * How long a local queue keeps a message: 14 days, SQS's longest retention and what the stack deploys for the
 * delivery dead-letter queue. Older messages are removed the next time the store is used (a send, a read or a
 * list; at most once a minute), as SQS removes them, and the removal is logged. Before (2026-12-03) nothing was
 * ever removed: a soak review's dead webhook at 100,000 events a day grew the log by 220 MB a day, and past about
 * 512 MiB its rewrite failed.
 */
const QUEUE_RETENTION_MS = 14 * 86_400_000;
const PRUNE_EVERY_MS = 60_000;

/** About the characters of a message's `send` line: its body, and a bound on the rest. */
const sendChars = (message: QueueMessage): number => message.body.length + 1024;

export class QueueStore {
  readonly #queues = new Map<string, QueueMessage[]>();
  /** About the characters the messages held take as `send` lines: the log is rewritten past twice that. */
  #liveChars = 0;
  readonly #log: CompactedLog | undefined;

  #nextPruneAt = 0;

  constructor(
    readonly writer: CoalescingWriter,
    dataDir: string | undefined,
  ) {
    if (dataDir === undefined) return;
    // Frozen: messages are never changed, only added and taken.
    this.#log = new CompactedLog(writer, join(dataDir, 'queues.jsonl'), () => this.#sends(), {
      frozen: true,
    });
    const legacy = join(dataDir, 'queues.json');
    // What a crash while an earlier version rewrote queues.json left beside it.
    removeStaleTemporaries(legacy);
    let migrated = false;
    if (existsSync(this.#log.file)) this.#replay(this.#log.file);
    else if (existsSync(legacy)) {
      migrated = true;
      // Written whole by versions before the log; read once, then the log takes over.
      const saved = JSON.parse(readFileSync(legacy, 'utf8')) as { queues?: Record<string, QueueMessage[]> };
      for (const messages of Object.values(saved.queues ?? {})) for (const m of messages) this.#add(m);
    }
    this.#prune();
    if (!migrated) {
      this.#log.compact(this.#count(), this.#liveChars);
      return;
    }
    // Moved from queues.json: the log is written whole, atomically, and the old file goes once it is on disk. Not an
    // empty file and appends: a crash before they landed left an empty log, which the next start read instead of
    // queues.json, losing its messages. Read once and kept, it held every message of the versions before the log
    // (which removed none) on disk for good, and came back should the log go.
    const since = writer.asked;
    this.#log.rewrite(this.#count(), this.#liveChars);
    writer.onceWritten(writer.landed(since, this.#log.file), (written) => {
      if (written) writer.remove(legacy);
    });
  }

  /** Removes the messages past the retention now: the server's sweep, so that an idle store keeps none. */
  prune(): void {
    this.#prune({ force: true });
  }

  /** Removes the messages past the retention, at most once a minute unless forced. */
  #prune({ force = false } = {}): void {
    const time = Date.now();
    // Not held up by a next prune set while the clock was ahead (see ArchiveStore's #prune).
    if (!force && time < this.#nextPruneAt && this.#nextPruneAt - time <= PRUNE_EVERY_MS) return;
    this.#nextPruneAt = time + PRUNE_EVERY_MS;
    const oldest = new Date(time - QUEUE_RETENTION_MS).toISOString();
    const expired = new Set<string>();
    const counts: Array<readonly [string, number]> = [];
    for (const [arn, messages] of this.#queues) {
      // Kept in the order sent, so the expired lead: should the clock have stepped back, one inside the retention
      // is never removed, and a later expired one goes once it leads.
      let n = 0;
      while (n < messages.length && (messages[n] as QueueMessage).sentAt < oldest) {
        expired.add((messages[n] as QueueMessage).messageId);
        n++;
      }
      if (n > 0) counts.push([arn, n]);
    }
    if (expired.size === 0) return;
    const taken = this.#remove(expired);
    this.#write({ take: taken.map((m) => m.messageId) });
    const days = QUEUE_RETENTION_MS / 86_400_000;
    for (const [arn, n] of counts) {
      console.warn(
        `[eventbridge] queue ${arn}: removed ${n} message(s) older than ${days} days, as SQS does`,
      );
    }
  }

  /** Applies the log's lines in order; a line a crash cut short (the last) is left out. */
  #replay(file: string): void {
    // By id while replaying, so a take costs O(1), not a pass over every message.
    const byId = new Map<string, QueueMessage>();
    const read = readJsonLines(file);
    let skipped = read.skipped;
    for (const line of read.values) {
      if (!isLogLine(line)) skipped++;
      else if ('send' in line) byId.set(line.send.messageId, line.send);
      else if ('take' in line) for (const id of line.take) byId.delete(id);
      else for (const [id, m] of byId) if (m.queueArn === line.receive) byId.delete(id);
    }
    for (const message of byId.values()) this.#add(message);
    if (skipped > 0) console.warn(`[eventbridge] queues: skipped ${skipped} unreadable line(s) in ${file}`);
  }

  #add(message: QueueMessage): void {
    this.#liveChars += sendChars(message);
    const queue = this.#queues.get(message.queueArn);
    if (queue) queue.push(message);
    else this.#queues.set(message.queueArn, [message]);
  }

  #remove(messageIds: ReadonlySet<string>): QueueMessage[] {
    const taken: QueueMessage[] = [];
    for (const [arn, messages] of this.#queues) {
      const kept = messages.filter((m) => {
        if (!messageIds.has(m.messageId)) return true;
        taken.push(m);
        this.#liveChars -= sendChars(m);
        return false;
      });
      if (kept.length !== messages.length) {
        if (kept.length === 0) this.#queues.delete(arn);
        else this.#queues.set(arn, kept);
      }
    }
    return taken;
  }

  #write(line: LogLine): void {
    this.#log?.append(line, this.#count(), this.#liveChars);
  }

  #count(): number {
    let n = 0;
    for (const messages of this.#queues.values()) n += messages.length;
    return n;
  }

  /** The log as it is rewritten: a `send` line per message left. */
  *#sends(): Generator<LogLine> {
    for (const messages of this.#queues.values()) for (const m of messages) yield { send: m };
  }

  send(
    queueArn: string,
    body: string,
    attributes: Readonly<Record<string, MessageAttribute>> = {},
    deadLetter?: DeadLetterOrigin,
  ): QueueMessage {
    this.#prune();
    const message: QueueMessage = {
      messageId: newId(),
      queueArn,
      body,
      attributes,
      sentAt: new Date().toISOString(),
      ...(deadLetter ? { deadLetter } : {}),
    };
    this.#add(message);
    this.#write({ send: message });
    return message;
  }

  /**
   * Sends as send() does, and resolves once the write that keeps the message has been tried: true when it is on disk
   * (at once without a dataDir), false when it failed and waits to be tried again. A delivery or an invocation the
   * message takes over is forgotten only on true: else a crash between the two writes, which the writer may make in
   * either order, could lose both (review, 2026-12-04).
   */
  sendDurably(
    queueArn: string,
    body: string,
    attributes: Readonly<Record<string, MessageAttribute>> = {},
    deadLetter?: DeadLetterOrigin,
  ): Promise<boolean> {
    const since = this.writer.asked;
    this.send(queueArn, body, attributes, deadLetter);
    return this.#log ? this.writer.landed(since, this.#log.file) : Promise.resolve(true);
  }

  /** Messages in the queue, oldest first, left in place. */
  peek(queueArn: string): QueueMessage[] {
    this.#prune();
    return [...(this.#queues.get(queueArn) ?? [])];
  }

  /** Takes every message out of the queue, oldest first. */
  receive(queueArn: string): QueueMessage[] {
    this.#prune();
    const messages = this.#queues.get(queueArn) ?? [];
    if (messages.length > 0) {
      this.#queues.delete(queueArn);
      for (const m of messages) this.#liveChars -= sendChars(m);
      this.#write({ receive: queueArn });
    }
    return messages;
  }

  queueArns(): string[] {
    this.#prune();
    return [...this.#queues.keys()].filter((arn) => (this.#queues.get(arn)?.length ?? 0) > 0);
  }

  /** Every dead letter, in DLQs and among dropped deliveries, oldest first. */
  deadLetters(): QueueMessage[] {
    this.#prune();
    const all: QueueMessage[] = [];
    for (const messages of this.#queues.values()) for (const m of messages) if (m.deadLetter) all.push(m);
    // By code unit: the times share one ISO format, and localeCompare took seconds over 260,000 of them.
    return all.sort((a, b) => (a.sentAt < b.sentAt ? -1 : a.sentAt > b.sentAt ? 1 : 0));
  }

  /**
   * The retry journal's deliveries and Lambda's invocations (by request id) that dead letters held here came from. A
   * crash after a dead letter's write and before its delivery's or invocation's end left both: the next start made
   * it again, calling the target or function once more and writing a second dead letter (review, 2026-12-04: 7 to 11
   * in twelve kills). A start ends those instead.
   */
  deadLettered(): Set<string> {
    this.#prune();
    const made = new Set<string>();
    // Every message, unsorted: deadLetters() would copy and sort them all for a set.
    for (const messages of this.#queues.values()) {
      for (const { deadLetter: origin } of messages) {
        if (!origin) continue;
        if (isFunctionOrigin(origin)) made.add(origin.requestId);
        else if (origin.deliveryId !== undefined) made.add(origin.deliveryId);
      }
    }
    return made;
  }

  /** Removes and returns the messages with these ids (any queue). */
  take(messageIds: ReadonlySet<string>): QueueMessage[] {
    const taken = this.#remove(messageIds);
    if (taken.length > 0) this.#write({ take: taken.map((m) => m.messageId) });
    return taken;
  }

  /**
   * Takes as take() does, and says how many it took and, as sendDurably() does, whether the write that keeps that
   * is on disk (true at once when none was taken, or without a dataDir).
   */
  takeDurably(messageIds: ReadonlySet<string>): {
    readonly taken: number;
    readonly durable: Promise<boolean>;
  } {
    const since = this.writer.asked;
    const taken = this.take(messageIds).length;
    const durable =
      this.#log && taken > 0 ? this.writer.landed(since, this.#log.file) : Promise.resolve(true);
    return { taken, durable };
  }
}
