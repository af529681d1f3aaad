// Local stand-in for the SQS queues that rules target or use as dead-letter queues, plus the store of
// dropped deliveries (failed events of targets without a DLQ), so no failed event disappears silently.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { heapLimit } from '../heap.js';
import type { InvocationSource } from './delivery.js';
import { Fifo } from './fifo.js';
import { newId } from './ids.js';
import { type CoalescingWriter, CompactedLog, eachJsonLine, removeStaleTemporaries } from './persistence.js';
import { OVERFLOW_DIR, type OverflowUsage, QueueOverflow } from './queue-overflow.js';

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
  /** The rule target whose event the invocation was, if known: redriven, it counts against that target's share. */
  readonly source?: InvocationSource;
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

/** `bytes` for a log line: `1024 MiB`, or in KiB or bytes below 1 MiB (a limit a test sets). */
export const byteSize = (bytes: number): string =>
  bytes >= 2 ** 20
    ? `${Math.round(bytes / 2 ** 20)} MiB`
    : bytes >= 1024
      ? `${Math.round(bytes / 1024)} KiB`
      : `${bytes} bytes`;

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

/**
 * About the bytes of memory a message takes: its body's and attributes' text as UTF-8 (a Chinese character counts 3,
 * and takes 2 in memory), and 700 for the rest. Measured 2026-12-07 (`test/unit/eventbridge/held-memory.test.ts`'s way): a
 * dead letter of a 1 KB event, with Lambda's attributes, held 1,828 bytes.
 */
function heldBytes(message: QueueMessage): number {
  let bytes = Buffer.byteLength(message.body) + 700;
  for (const name in message.attributes) {
    // A hand-edited or damaged log may hold an attribute of another shape: counted by its name alone, not thrown on
    // (a throw here stopped the start, where the store before 2026-12-07 read such a line).
    const value = (message.attributes[name] as Partial<MessageAttribute> | null)?.StringValue;
    bytes += name.length + (typeof value === 'string' ? Buffer.byteLength(value) : 0);
  }
  return bytes;
}

/** How much the local queues may hold, and how warnings name that setting. */
export interface QueueLimit {
  /** Bytes of memory, as heldBytes() counts them. */
  readonly bytes: number;
  /** The setting that gives it, as the user gave it: `maxQueueBytes`, or an environment variable. */
  readonly setting: string;
}

/**
 * The most the local queues hold by default, and so do the Lambda functions' queues (maxLambdaQueueBytes): an eighth
 * of the heap Node may take, at most 1 GiB (518 MiB on a machine of 16 GB or more, where that heap is 4,144 MiB).
 * Every message is held in memory for its 14 days, and a webhook down under load had the process run out of memory
 * in about two days (soak run, 2026-12-07). A quarter each (until 2026-12-07) was too much for both together: what
 * they count is about 70% of what they hold in the heap under load, with its garbage, and at a 256 MB heap a webhook
 * that never answered filled both past the heap (exhaustion review, 2026-12-07).
 */
export function defaultQueueBytes(): number {
  return Math.min(2 ** 30, Math.floor(heapLimit() / 8));
}

/** Share of the limit past which a warning says the oldest messages will soon be moved out, and below which it re-arms. */
const NEAR_LIMIT = 0.8;

/**
 * Messages in the order sent, by code unit: the times share one ISO format, and localeCompare took seconds over
 * 260,000 of them.
 */
const bySentAt = (a: QueueMessage, b: QueueMessage): number =>
  a.sentAt < b.sentAt ? -1 : a.sentAt > b.sentAt ? 1 : 0;

/** A restore puts messages back while the queues would stay below this share of the limit, short of the warning. */
const RESTORE_UP_TO = 0.75;

/** What restore() did. */
export interface Restored {
  /** Messages put back in their queues. */
  readonly restored: number;
  /** Messages past the queues' 14 days, dropped rather than put back. */
  readonly expired: number;
  /** Messages already in their queues (a crash between the two writes of a move left them in both), dropped. */
  readonly duplicates: number;
  /** What is left on disk, unread for lack of room: restore again once the queues hold less. */
  readonly left: OverflowUsage;
  /** Files that could not be read (`<file>: <reason>`), passed: the next restore tries them again. */
  readonly unreadable: readonly string[];
  /** Resolves true once the queues' log holds what was put back, and where the restore read to is kept. */
  readonly durable: Promise<boolean>;
}

const WELL_BELOW_LIMIT = 0.5;
/** Messages moved out (or removed) for the limit are counted, and logged at most once a minute (the first at once). */
const EVICTION_LOG_EVERY_MS = 60_000;

export class QueueStore {
  readonly #queues = new Map<string, Fifo<QueueMessage>>();
  /** About the characters the messages held take as `send` lines: the log is rewritten past twice that. */
  #liveChars = 0;
  /** About the memory the messages held take (heldBytes), held within #limit. */
  #heldBytes = 0;
  readonly #limit: QueueLimit;
  /** Messages moved out for the limit (or removed, when they could not be kept on disk) and not logged yet, by queue. */
  readonly #unlogged = new Map<string, { moved: number; removed: number }>();
  /** Why the last messages that could not be kept on disk could not, until said. */
  #unkeptReason: string | undefined;
  /** Where messages past the limit are kept on disk (OVERFLOW_DIR in dataDir); without a dataDir they are removed. */
  readonly #overflow: QueueOverflow | undefined;
  /** Messages about to be taken (dead letters being redriven): never moved out meanwhile, see pin(). */
  readonly #pinned = new Set<string>();
  /** Says the count of #unlogged at the end of the minute since the last such line, if no send says it first. */
  #evictionTimer: NodeJS.Timeout | undefined;
  #evictionLoggedAt = Number.NEGATIVE_INFINITY;
  /** Whether the warning that the limit is near was given since the queues were last well below it. */
  #warnedNearLimit = false;
  readonly #log: CompactedLog | undefined;

  #nextPruneAt = 0;

  /**
   * The last restore's durable: a restore's read.json positions include every earlier restore's, so they are kept only
   * once the earlier restores' log writes have landed too (a restore that puts nothing back asks for no log write).
   */
  #lastRestore: Promise<boolean> = Promise.resolve(true);

  readonly #logger: { warn(message: string): void };

  constructor(
    readonly writer: CoalescingWriter,
    dataDir: string | undefined,
    {
      limit = { bytes: defaultQueueBytes(), setting: 'maxQueueBytes' },
      logger = console,
      limitAtStart = true,
    }: {
      readonly limit?: QueueLimit;
      readonly logger?: { warn(message: string): void };
      /**
       * Whether the start moves out at once what a limit lower than the last run's does not hold; false for an owner
       * that first takes out the dead letters a redrive cut short left, then calls keepWithinLimit() (see there).
       */
      readonly limitAtStart?: boolean;
    } = {},
  ) {
    this.#limit = limit;
    this.#logger = logger;
    if (dataDir === undefined) return;
    this.#overflow = new QueueOverflow(join(dataDir, OVERFLOW_DIR), writer, logger);
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
    // A limit lowered since the last run, or messages that came in through queues.json.
    if (limitAtStart) this.#keepWithinLimit();
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
    // Not sooner than a minute after the last such line: the sweep's minute is not the removals'.
    if (time - this.#evictionLoggedAt >= EVICTION_LOG_EVERY_MS) this.#logEvictions();
    const oldest = new Date(time - QUEUE_RETENTION_MS).toISOString();
    const expired: string[] = [];
    const counts: Array<readonly [string, number]> = [];
    for (const [arn, held] of this.#queues) {
      // Kept in the order sent, so the expired lead: should the clock have stepped back, one inside the retention
      // is never removed, and a later expired one goes once it leads.
      const before = expired.length;
      for (let first = held.first(); first !== undefined && first.sentAt < oldest; first = held.first()) {
        held.shift();
        this.#forget(first);
        expired.push(first.messageId);
      }
      if (expired.length > before) counts.push([arn, expired.length - before]);
      if (held.length === 0) this.#queues.delete(arn);
    }
    this.#overflow?.prune(time, QUEUE_RETENTION_MS);
    if (expired.length === 0) return;
    this.#write({ take: expired });
    const days = QUEUE_RETENTION_MS / 86_400_000;
    for (const [arn, n] of counts) {
      this.#logger.warn(
        `[eventbridge] queue ${arn}: removed ${n} message(s) older than ${days} days, as SQS does`,
      );
    }
  }

  /**
   * Moves the oldest messages, of any queue, out of memory while the queues hold more than their limit, all but `kept`
   * (the message just sent: the newest is always kept), to OVERFLOW_DIR (removes them without a dataDir, or when the
   * disk refuses them), and counts them for #logEvictions(). Warns once as the queues near the limit, again after they
   * were well below it.
   */
  #keepWithinLimit(kept?: QueueMessage): void {
    const { bytes: limit } = this.#limit;
    if (this.#heldBytes < limit * WELL_BELOW_LIMIT) this.#warnedNearLimit = false;
    else if (!this.#warnedNearLimit && this.#heldBytes >= limit * NEAR_LIMIT) {
      this.#warnedNearLimit = true;
      this.#logger.warn(
        `[eventbridge] local queues hold ${byteSize(this.#heldBytes)} of their ${byteSize(limit)} limit ` +
          `(${this.#limit.setting}): past it their oldest messages ${this.#overflow === undefined ? 'are removed' : `move to ${this.#overflow.dir}`}; ` +
          'redrive the dead letters (POST /_local/dead-letters/redrive) or receive the messages before',
      );
    }
    if (this.#heldBytes <= limit) return;
    const removed: QueueMessage[] = [];
    while (this.#heldBytes > limit) {
      // The queue whose first message is the oldest: each queue is in the order sent.
      let from: [string, Fifo<QueueMessage>] | undefined;
      for (const entry of this.#queues) {
        const first = entry[1].first() as QueueMessage;
        // A queue led by a pinned message waits for its take: the queues may pass the limit until then.
        if (first === kept || this.#pinned.has(first.messageId)) continue;
        if (from === undefined || first.sentAt < (from[1].first() as QueueMessage).sentAt) from = entry;
      }
      if (from === undefined) break;
      const [arn, held] = from;
      const message = held.shift() as QueueMessage;
      this.#forget(message);
      if (held.length === 0) this.#queues.delete(arn);
      removed.push(message);
    }
    if (removed.length === 0) return;
    // On disk before the log says they left: a crash between the two leaves a message in both, which a restore drops.
    const onDisk = this.#keepOnDisk(removed);
    for (const { queueArn } of removed) {
      const counts = this.#unlogged.get(queueArn) ?? { moved: 0, removed: 0 };
      if (onDisk) counts.moved++;
      else counts.removed++;
      this.#unlogged.set(queueArn, counts);
    }
    this.#write({ take: removed.map((m) => m.messageId) });
    const since = Date.now() - this.#evictionLoggedAt;
    if (since >= EVICTION_LOG_EVERY_MS) this.#logEvictions();
    else if (this.#evictionTimer === undefined) {
      // Said at the minute's end even if nothing is sent after: a count held for the next send was never said when
      // none came (exhaustion review, 2026-12-07: 284 removed, "removed 1 message(s)" said).
      // Within a minute whatever the clock did (set back, `since` is negative).
      const wait = Math.min(EVICTION_LOG_EVERY_MS, Math.max(0, EVICTION_LOG_EVERY_MS - since));
      this.#evictionTimer = setTimeout(() => this.#logEvictions(), wait);
      this.#evictionTimer.unref();
    }
  }

  /**
   * Moves out what the limit does not hold, now: for a start made with `limitAtStart` false, once the dead letters a
   * redrive cut short left are taken and the dead letters' deliveries are known (deadLettered()). Moved out first,
   * a redriven dead letter's take found nothing and a restore put it back to be redriven again (review, 2026-12-07).
   */
  keepWithinLimit(): void {
    this.#keepWithinLimit();
  }

  /** Says what the limit removed and no line has said yet; for a stop. */
  flushWarnings(): void {
    this.#logEvictions();
  }

  /** What the overflow directory holds that no restore has read yet (nothing without a dataDir). */
  overflow(): OverflowUsage {
    return this.#overflow?.usage() ?? { files: 0, bytes: 0 };
  }

  /**
   * Puts the messages moved to OVERFLOW_DIR back in their queues, in the order they moved out (a file a day, each
   * read on from where the last restore stopped), while the queues stay below RESTORE_UP_TO of their limit (short of
   * the warning, so that the next sends do not move them out again), each in its place in its queue by when it was
   * sent. Messages past the queues' 14 days are dropped, and so are those their queues hold already (a crash between a
   * move's two writes). Nothing is read when there is no room. Where it read to is kept once the queues' log,
   * rewritten, holds what it put back: a crash before reads it again, and what the queues hold is dropped then; a
   * message received in between would come back (at least once, as SQS delivers). Files of past days read to their
   * end go at the next prune.
   */
  restore(): Restored {
    const overflow = this.#overflow;
    const log = this.#log;
    const none = (left: OverflowUsage): Restored => ({
      restored: 0,
      expired: 0,
      duplicates: 0,
      left,
      unreadable: [],
      durable: Promise.resolve(true),
    });
    if (overflow === undefined || log === undefined) return none({ files: 0, bytes: 0 });
    this.#prune();
    const room = this.#limit.bytes * RESTORE_UP_TO;
    if (this.#heldBytes >= room) return none(overflow.usage());
    const oldest = new Date(Date.now() - QUEUE_RETENTION_MS).toISOString();
    const held = new Set<string>();
    for (const queue of this.#queues.values()) for (const m of queue) held.add(m.messageId);
    const back = new Map<string, QueueMessage[]>();
    let adding = 0;
    let restored = 0;
    let expired = 0;
    let duplicates = 0;
    const unreadable = overflow.read((line) => {
      // Not a line this store wrote: passed, as the log's are.
      if (!isLogLine(line) || !('send' in line)) return true;
      const m = line.send;
      if (held.has(m.messageId)) duplicates++;
      else if (m.sentAt < oldest) expired++;
      else {
        const bytes = heldBytes(m);
        // One larger than the room alone comes back once the queues are empty, as a send keeps the newest.
        if (this.#heldBytes + adding + bytes > room && this.#heldBytes + adding > 0) return false;
        held.add(m.messageId);
        adding += bytes;
        restored++;
        const queue = back.get(m.queueArn);
        if (queue) queue.push(m);
        else back.set(m.queueArn, [m]);
      }
      return true;
    });
    for (const [arn, messages] of back) {
      const merged = [...(this.#queues.get(arn) ?? []), ...messages];
      // Stable, so a tie keeps the queue's order.
      merged.sort(bySentAt);
      const fifo = new Fifo<QueueMessage>();
      for (const m of merged) fifo.push(m);
      this.#queues.set(arn, fifo);
      for (const m of messages) {
        this.#liveChars += sendChars(m);
        this.#heldBytes += heldBytes(m);
      }
    }
    const reached = overflow.reached();
    const since = this.writer.asked;
    // Rewritten rather than appended to, so that the log keeps each queue in the order sent.
    if (restored > 0) log.rewrite(this.#count(), this.#liveChars);
    const earlier = this.#lastRestore;
    const landing = earlier.then((landed) => (landed ? this.writer.landed(since, log.file) : false));
    const durable = new Promise<boolean>((resolve) => {
      this.writer.onceWritten(landing, (written) => {
        if (written) overflow.landed(reached);
        resolve(written);
      });
    });
    this.#lastRestore = durable;
    return { restored, expired, duplicates, left: overflow.usage(), unreadable, durable };
  }

  /**
   * Moves `messages` to today's file in OVERFLOW_DIR, now: whether they are on disk there (see QueueOverflow.keep).
   */
  #keepOnDisk(messages: readonly QueueMessage[]): boolean {
    if (this.#overflow === undefined) return false;
    const unkept = this.#overflow.keep(messages.map((m) => JSON.stringify({ send: m } satisfies LogLine)));
    if (unkept !== undefined) this.#unkeptReason = unkept;
    return unkept === undefined;
  }

  /** Logs the messages moved out (or removed) for the limit since the last such line, a line a queue. */
  #logEvictions(): void {
    clearTimeout(this.#evictionTimer);
    this.#evictionTimer = undefined;
    if (this.#unlogged.size === 0) return;
    const within = `to keep them within ${byteSize(this.#limit.bytes)} (${this.#limit.setting})`;
    for (const [arn, { moved, removed }] of this.#unlogged) {
      if (moved > 0) {
        this.#logger.warn(
          `[eventbridge] queue ${arn}: moved ${moved} message(s), the oldest of the local queues, to ` +
            `${this.#overflow?.dir} ${within}; POST /_local/queues/restore puts them back once there is room`,
        );
      }
      if (removed > 0) {
        const why =
          this.#unkeptReason === undefined ? '' : ` (they could not be kept on disk: ${this.#unkeptReason})`;
        this.#logger.warn(
          `[eventbridge] queue ${arn}: removed ${removed} message(s), the oldest of the local queues, ${within}${why}`,
        );
      }
    }
    this.#unlogged.clear();
    this.#unkeptReason = undefined;
    this.#evictionLoggedAt = Date.now();
  }

  /** Applies the log's lines in order; a line a crash cut short (the last) is left out. */
  #replay(file: string): void {
    // By id while replaying, so a take costs O(1), not a pass over every message.
    const byId = new Map<string, QueueMessage>();
    let unusable = 0;
    const { skipped: unparsed } = eachJsonLine(file, (line) => {
      if (!isLogLine(line)) unusable++;
      else if ('send' in line) byId.set(line.send.messageId, line.send);
      else if ('take' in line) for (const id of line.take) byId.delete(id);
      else for (const [id, m] of byId) if (m.queueArn === line.receive) byId.delete(id);
    });
    const skipped = unusable + unparsed;
    for (const message of byId.values()) this.#add(message);
    if (skipped > 0)
      this.#logger.warn(`[eventbridge] queues: skipped ${skipped} unreadable line(s) in ${file}`);
  }

  #add(message: QueueMessage): void {
    this.#liveChars += sendChars(message);
    this.#heldBytes += heldBytes(message);
    const queue = this.#queues.get(message.queueArn);
    if (queue) queue.push(message);
    else {
      const held = new Fifo<QueueMessage>();
      held.push(message);
      this.#queues.set(message.queueArn, held);
    }
  }

  /** Takes a message left out of its queue out of the counts too. */
  #forget(message: QueueMessage): void {
    this.#liveChars -= sendChars(message);
    this.#heldBytes -= heldBytes(message);
  }

  #remove(messageIds: ReadonlySet<string>): QueueMessage[] {
    const taken: QueueMessage[] = [];
    for (const [arn, held] of this.#queues) {
      const before = held.length;
      held.filter((m) => {
        if (!messageIds.has(m.messageId)) return true;
        taken.push(m);
        this.#forget(m);
        return false;
      });
      if (held.length !== before && held.length === 0) this.#queues.delete(arn);
    }
    return taken;
  }

  #write(line: LogLine): void {
    this.#log?.append(line, this.#count(), this.#liveChars);
  }

  #count(): number {
    let n = 0;
    for (const held of this.#queues.values()) n += held.length;
    return n;
  }

  /** The log as it is rewritten: a `send` line per message left. */
  *#sends(): Generator<LogLine> {
    for (const held of this.#queues.values()) for (const m of held) yield { send: m };
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
    this.#keepWithinLimit(message);
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
    return this.#queues.get(queueArn)?.toArray() ?? [];
  }

  /** Takes every message out of the queue, oldest first. */
  receive(queueArn: string): QueueMessage[] {
    this.#prune();
    const messages = this.#queues.get(queueArn)?.toArray() ?? [];
    if (messages.length > 0) {
      this.#queues.delete(queueArn);
      for (const m of messages) this.#forget(m);
      this.#write({ receive: queueArn });
    }
    return messages;
  }

  /** What the queues hold, in bytes as counted against the limit, and the limit. */
  usage(): { readonly heldBytes: number; readonly maxBytes: number } {
    return { heldBytes: this.#heldBytes, maxBytes: this.#limit.bytes };
  }

  queueArns(): string[] {
    this.#prune();
    return [...this.#queues.keys()].filter((arn) => (this.#queues.get(arn)?.length ?? 0) > 0);
  }

  /** Every dead letter, in DLQs and among dropped deliveries, oldest first. */
  deadLetters(): QueueMessage[] {
    this.#prune();
    const all: QueueMessage[] = [];
    for (const held of this.#queues.values()) for (const m of held) if (m.deadLetter) all.push(m);
    return all.sort(bySentAt);
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
    for (const held of this.#queues.values()) {
      for (const { deadLetter: origin } of held) {
        if (!origin) continue;
        if (isFunctionOrigin(origin)) made.add(origin.requestId);
        else if (origin.deliveryId !== undefined) made.add(origin.deliveryId);
      }
    }
    return made;
  }

  /**
   * Keeps these messages in memory, not moved out for the limit, until unpin(): dead letters being redriven, which
   * stay in their queues until the redrive is on disk. Moved out meanwhile, their take found nothing, and a restore put
   * them back to be redriven again (review, 2026-12-07).
   */
  pin(messageIds: Iterable<string>): void {
    for (const id of messageIds) this.#pinned.add(id);
  }

  unpin(messageIds: Iterable<string>): void {
    for (const id of messageIds) this.#pinned.delete(id);
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
