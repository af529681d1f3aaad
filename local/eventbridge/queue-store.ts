// Local stand-in for the SQS queues that rules target or use as dead-letter queues, plus the store of
// dropped deliveries (failed events of targets without a DLQ), so no failed event disappears silently.
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CoalescingWriter, jsonLines } from './persistence.js';

export interface MessageAttribute {
  readonly DataType: 'String' | 'Number';
  readonly StringValue: string;
}

/** Where a dead letter came from, so it can be redriven to the same target. */
export interface DeadLetterOrigin {
  readonly busName: string;
  readonly ruleName: string;
  readonly ruleArn: string;
  readonly targetId: string;
  readonly targetArn: string;
}

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
 * A line of the queues' log (`queues.jsonl` in dataDir): a message stored, messages taken by id, or a queue
 * emptied. The log is appended to as they happen and rewritten as `send` lines of what is left (compacted) at
 * start and once it holds twice as many lines as messages, so a change costs O(1), not a rewrite of every queue.
 */
type LogLine =
  | { readonly send: QueueMessage }
  | { readonly take: readonly string[] }
  | { readonly receive: string };

/** Lines a log may hold beyond twice its messages before it is compacted. */
const LOG_SLACK = 1_000;

export class QueueStore {
  readonly #queues = new Map<string, QueueMessage[]>();
  readonly #log: string | undefined;
  #logLines = 0;

  constructor(
    readonly writer: CoalescingWriter,
    dataDir: string | undefined,
  ) {
    this.#log = dataDir === undefined ? undefined : join(dataDir, 'queues.jsonl');
    if (dataDir === undefined || this.#log === undefined) return;
    const legacy = join(dataDir, 'queues.json');
    if (existsSync(this.#log)) this.#replay(readFileSync(this.#log));
    else if (existsSync(legacy)) {
      // Written whole by versions before the log; read once, then the log takes over.
      const saved = JSON.parse(readFileSync(legacy, 'utf8')) as { queues?: Record<string, QueueMessage[]> };
      for (const [arn, messages] of Object.entries(saved.queues ?? {})) this.#queues.set(arn, [...messages]);
    }
    this.#compact();
  }

  /** Applies the log's lines in order; a line a crash cut short (the last) is left out. */
  #replay(bytes: Buffer): void {
    // By id while replaying, so a take costs O(1), not a pass over every message.
    const byId = new Map<string, QueueMessage>();
    let skipped = 0;
    for (const text of jsonLines(bytes)) {
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        skipped++;
        continue;
      }
      if ('send' in line) byId.set(line.send.messageId, line.send);
      else if ('take' in line) for (const id of line.take) byId.delete(id);
      else if ('receive' in line) {
        for (const [id, m] of byId) if (m.queueArn === line.receive) byId.delete(id);
      }
    }
    for (const message of byId.values()) this.#add(message);
    if (skipped > 0)
      console.warn(`[eventbridge] queues: skipped ${skipped} unreadable line(s) in ${this.#log}`);
  }

  #add(message: QueueMessage): void {
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
    if (this.#log === undefined) return;
    this.#logLines++;
    if (this.#logLines > 2 * this.#count() + LOG_SLACK) this.#compact();
    else this.writer.append(this.#log, JSON.stringify(line), () => this.#text());
  }

  #count(): number {
    let n = 0;
    for (const messages of this.#queues.values()) n += messages.length;
    return n;
  }

  /** Rewrites the log as one `send` line per message left. */
  #compact(): void {
    const log = this.#log;
    if (log === undefined) return;
    this.#logLines = this.#count();
    this.writer.replace(log, () => this.#text());
  }

  /** The log as `send` lines of the messages left: what it is rewritten as. */
  #text(): string {
    const lines: string[] = [];
    for (const messages of this.#queues.values())
      for (const m of messages) lines.push(JSON.stringify({ send: m }));
    return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
  }

  send(
    queueArn: string,
    body: string,
    attributes: Readonly<Record<string, MessageAttribute>> = {},
    deadLetter?: DeadLetterOrigin,
  ): QueueMessage {
    const message: QueueMessage = {
      messageId: randomUUID(),
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

  /** Messages in the queue, oldest first, left in place. */
  peek(queueArn: string): QueueMessage[] {
    return [...(this.#queues.get(queueArn) ?? [])];
  }

  /** Takes every message out of the queue, oldest first. */
  receive(queueArn: string): QueueMessage[] {
    const messages = this.#queues.get(queueArn) ?? [];
    if (messages.length > 0) {
      this.#queues.delete(queueArn);
      this.#write({ receive: queueArn });
    }
    return messages;
  }

  queueArns(): string[] {
    return [...this.#queues.keys()].filter((arn) => (this.#queues.get(arn)?.length ?? 0) > 0);
  }

  /** Every dead letter, in DLQs and among dropped deliveries, oldest first. */
  deadLetters(): QueueMessage[] {
    const all: QueueMessage[] = [];
    for (const messages of this.#queues.values()) for (const m of messages) if (m.deadLetter) all.push(m);
    return all.sort((a, b) => a.sentAt.localeCompare(b.sentAt));
  }

  /** Removes and returns the messages with these ids (any queue). */
  take(messageIds: ReadonlySet<string>): QueueMessage[] {
    const taken = this.#remove(messageIds);
    if (taken.length > 0) this.#write({ take: taken.map((m) => m.messageId) });
    return taken;
  }
}
