// Local stand-in for the SQS queues that rules target or use as dead-letter queues, plus the store of
// dropped deliveries (failed events of targets without a DLQ), so no failed event disappears silently.
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CoalescingWriter } from './persistence.js';

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

export class QueueStore {
  readonly #queues = new Map<string, QueueMessage[]>();
  readonly #file: string | undefined;

  constructor(
    readonly writer: CoalescingWriter,
    dataDir: string | undefined,
  ) {
    this.#file = dataDir === undefined ? undefined : join(dataDir, 'queues.json');
    if (this.#file && existsSync(this.#file)) {
      const saved = JSON.parse(readFileSync(this.#file, 'utf8')) as {
        queues?: Record<string, QueueMessage[]>;
      };
      for (const [arn, messages] of Object.entries(saved.queues ?? {})) this.#queues.set(arn, messages);
    }
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
    const queue = this.#queues.get(queueArn);
    if (queue) queue.push(message);
    else this.#queues.set(queueArn, [message]);
    this.#save();
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
      this.#save();
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
    if (taken.length > 0) this.#save();
    return taken;
  }

  #save(): void {
    if (!this.#file) return;
    this.writer.replace(this.#file, () =>
      JSON.stringify({ queues: Object.fromEntries(this.#queues) }, null, 1),
    );
  }
}
