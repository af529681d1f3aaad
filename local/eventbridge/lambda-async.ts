// Lambda's asynchronous invocation, which is how EventBridge calls a Lambda target: the invocation succeeds as soon
// as Lambda has queued the event, and a function error is retried by Lambda (its event invoke config: by default
// twice, one and then two minutes later, for up to six hours), then sent to the function's dead-letter queue
// with Lambda's message attributes. EventBridge's RetryPolicy and DeadLetterConfig never see it. Kept in dataDir
// (`lambda-invocations.jsonl`, a CompactedLog) so that a stop or a crash loses no invocation Lambda accepted.
import { join } from 'node:path';
import type { InvokeLambda, Logger } from './delivery.js';
import { newId } from './ids.js';
import { type CoalescingWriter, CompactedLog, eachJsonLine, resumedDue } from './persistence.js';
import {
  DROPPED_DELIVERIES,
  type FunctionOrigin,
  type MessageAttribute,
  type QueueStore,
} from './queue-store.js';
import { RedriveMarks, type RedrivenLine } from './redrive-marks.js';
import { isObject } from './request.js';
import { ERROR_MESSAGE_BYTES, logLine, utf8Prefix } from './text.js';

/** A function's settings for asynchronous invocation: its event invoke config and its DeadLetterConfig. */
export interface AsyncInvokeConfig {
  /** Retries after a function error, 0 to 2 (the event invoke config's MaximumRetryAttempts). @default 2 */
  readonly maximumRetryAttempts?: number;
  /** How long Lambda keeps trying, 60 to 21,600 s (MaximumEventAgeInSeconds), scaled by delayScale. @default 21,600 */
  readonly maximumEventAgeInSeconds?: number;
  /**
   * The function's dead-letter queue (DeadLetterConfig.TargetArn): an SQS queue of the local store. Without one,
   * an invocation whose retries run out goes among dropped deliveries (Lambda would discard it).
   */
  readonly deadLetterArn?: string;
}

export const ASYNC_INVOKE_DEFAULTS = { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 21_600 } as const;

/**
 * Lambda's waits before its first and second retry of a function error (its guide: "a one-minute wait between the
 * first two attempts, and two minutes between the second and third attempts"), before delayScale.
 */
const RETRY_DELAYS_MS = [60_000, 120_000] as const;

/** An invocation Lambda accepted and has not finished: never changed, replaced at each retry. */
interface Invocation {
  readonly requestId: string;
  readonly functionArn: string;
  readonly payload: string;
  /** Epoch ms Lambda queued it: its age counts from then. */
  readonly acceptedAt: number;
  /** Retries made so far, one running included. */
  readonly retries: number;
  /** Epoch ms its next attempt is due. */
  readonly dueAt: number;
  /** Why its last attempt failed, if one did. */
  readonly failure?: string;
  /** The EventBridge delivery that made it, if one did: see tookOver(). */
  readonly deliveryId?: string;
  /** The dead letter it is a redrive of (`redrive-marks.ts`). */
  readonly redriveOf?: string;
}

/**
 * A line of the log: an invocation queued, its next retry scheduled, it ended (done or dead-lettered), or, written by
 * compactions, redriven dead letters whose leaving their queue is not known to be on disk (`redrive-marks.ts`).
 */
type Line =
  | { readonly invoke: Invocation }
  | { readonly retry: Pick<Invocation, 'requestId' | 'retries' | 'dueAt' | 'failure'> }
  | { readonly end: string }
  | RedrivenLine;

/** Beside its payload, about what an invocation's line holds. */
const LINE_OVERHEAD = 256;

export class AsyncInvocations {
  readonly #functions: ReadonlyMap<string, AsyncInvokeConfig>;
  /** Invocations queued, running or waiting for a retry, by request id. */
  readonly #live = new Map<string, Invocation>();
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #idleWaiters: Array<() => void> = [];
  readonly #log: CompactedLog | undefined;
  /** Invocations the last run left unfinished, until resume() takes them up. */
  #saved: Invocation[] = [];
  /** The deliveries whose invocations the log read at start holds, finished or not: see tookOver(). */
  readonly #deliveries = new Set<string>();
  /** Dead-lettered invocations whose DLQ write failed: kept (the next start runs them again), not pending. */
  readonly #parked = new Set<string>();
  #liveChars = 0;
  #stopped = false;
  /** The dead letters redriven here whose leaving their queue may not be on disk yet. */
  readonly redrives = new RedriveMarks();

  constructor(
    private readonly options: {
      /** Runs the function once; throws (or rejects) when it fails. */
      readonly run: InvokeLambda;
      /** The functions invoked asynchronously, by ARN. */
      readonly functions: Readonly<Record<string, AsyncInvokeConfig>>;
      readonly queues: QueueStore;
      readonly delayScale: number;
      readonly logger: Logger;
      readonly writer: CoalescingWriter;
      /** Where invocations not finished are kept across a stop or a crash; else they are lost. */
      readonly dataDir?: string | undefined;
    },
  ) {
    this.#functions = new Map(Object.entries(options.functions).map(([arn, c]) => [arn, checked(arn, c)]));
    if (options.dataDir === undefined) return;
    // Frozen: an invocation is replaced at each retry, never changed.
    this.#log = new CompactedLog(
      options.writer,
      join(options.dataDir, 'lambda-invocations.jsonl'),
      () => this.#lines(),
      { frozen: true },
    );
    const saved = new Map<string, Invocation>();
    let unusable = 0;
    const { skipped } = eachJsonLine(this.#log.file, (line) => {
      if (!replay(saved, this.#deliveries, this.redrives, line)) unusable++;
    });
    unusable += skipped;
    if (unusable > 0)
      console.warn(
        `[eventbridge] lambda invocations: skipped ${unusable} unreadable line(s) in ${this.#log.file}`,
      );
    for (const invocation of saved.values()) this.#add(invocation);
    this.#saved = [...saved.values()];
    this.#log.compact(this.#live.size, this.#liveChars);
  }

  /**
   * Whether the log read at start holds an invocation this EventBridge delivery made. A crash after the invocation's
   * write and before the delivery's end leaves the delivery in EventBridge's journal too: made again, it would be a
   * second invocation with a budget of its own, and a second dead letter (review, 2026-12-04).
   */
  tookOver(deliveryId: string): boolean {
    return this.#deliveries.has(deliveryId);
  }

  /** Whether the last run left invocations unfinished that resume() has not taken up yet. */
  get resuming(): boolean {
    return this.#saved.length > 0;
  }

  /** Whether EventBridge invokes this function asynchronously here, as AWS does. */
  handles(functionArn: string): boolean {
    return this.#functions.has(functionArn);
  }

  /** Invocations queued, running or waiting for a retry. */
  get pending(): number {
    // After stop() none is: the log holds those not finished, for the next start.
    return this.#stopped ? 0 : this.#live.size - this.#parked.size;
  }

  /**
   * Queues an invocation, as Lambda's Invoke with InvocationType Event does. `durable` resolves once the write that
   * keeps it has been tried (with a dataDir): true when it is on disk, false when that write failed and waits to be
   * tried again. Whatever made the invocation (EventBridge's delivery) may forget it only on true, so that a crash,
   * or a disk that refuses this log, loses nothing (review, 2026-12-04: a delivery was ended while its invocation's
   * write had failed, and a kill then lost the event). Accepted at once, not at that write, so a stop right after
   * does not leave the delivery unfinished, to be made again, and the function called twice, at the next start.
   */
  accept(
    functionArn: string,
    payload: string,
    made: { readonly deliveryId?: string | undefined; readonly redriveOf?: string } = {},
  ): { readonly durable: Promise<boolean> } {
    const { deliveryId, redriveOf } = made;
    const now = Date.now();
    const invocation: Invocation = {
      requestId: newId(),
      functionArn,
      payload,
      acceptedAt: now,
      retries: 0,
      dueAt: now,
      ...(deliveryId !== undefined ? { deliveryId } : {}),
      ...(redriveOf !== undefined ? { redriveOf } : {}),
    };
    if (redriveOf !== undefined) this.redrives.add(redriveOf);
    const since = this.options.writer.asked;
    this.#add(invocation);
    this.#append({ invoke: invocation });
    // Not from within this call: the caller first notes that the invocation is queued (a stop the function's
    // first steps brought about would otherwise find the delivery still to be made, and make it again).
    queueMicrotask(() => void this.#attempt(invocation));
    return {
      durable: this.#log ? this.options.writer.landed(since, this.#log.file) : Promise.resolve(true),
    };
  }

  /**
   * Takes up the invocations the last run left unfinished, each when it is due (now if that has passed); those whose
   * dead letter is on disk (`deadLettered`, by request id: see QueueStore.deadLettered()) are ended instead.
   */
  resume(deadLettered: ReadonlySet<string> = new Set()): void {
    const saved = this.#saved;
    this.#saved = [];
    for (const invocation of saved) {
      if (deadLettered.has(invocation.requestId)) {
        this.#end(invocation);
        continue;
      }
      const now = Date.now();
      // Never later than the wait this run would give it (see resumedDue): a first attempt (or one a stop cut short)
      // now, a retry within its backoff.
      const longest = invocation.failure === undefined ? 0 : this.#retryDelay(invocation);
      const due = resumedDue(invocation.dueAt, longest, now);
      // An attempt that would now come past the event's age is not made, as Lambda makes none then: a retry, or one
      // a stop cut short or kept from starting (before 2026-12-05 only a retry was checked).
      if (due - invocation.acceptedAt > this.#maxAgeMs(invocation)) {
        this.#deadLetter(
          invocation,
          invocation.failure ??
            'The embedded Lambda stopped before this invocation ended, and started again past its maximumEventAgeInSeconds.',
          'age',
        );
        continue;
      }
      this.#wait(invocation, due - now);
    }
  }

  /** Resolves when no invocation is queued, running or waiting for a retry. */
  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /**
   * Stops invoking. Invocations not finished stay in the log for the next start, where there is one; a running one
   * is then made again (at least once, as Lambda invokes), unless it is past its age by then. Without a dataDir they
   * are lost, and logged.
   */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    const left = this.#live.size;
    if (left > 0) {
      this.options.logger.warn(
        `[eventbridge] stopped with ${left} Lambda ${left === 1 ? 'invocation' : 'invocations'} not finished` +
          (this.#log
            ? '; they resume at the next start'
            : ' (lost: nothing is kept without a data directory, as with --in-memory)'),
      );
    }
    this.#notifyIdle(true);
  }

  #config(functionArn: string): Required<Omit<AsyncInvokeConfig, 'deadLetterArn'>> & AsyncInvokeConfig {
    return { ...ASYNC_INVOKE_DEFAULTS, ...this.#functions.get(functionArn) };
  }

  async #attempt(invocation: Invocation): Promise<void> {
    let failure: string;
    if (this.#stopped) return;
    try {
      await this.options.run(invocation.functionArn, invocation.payload);
      // Also after a stop, while the log can still be written: the next start need not run it again.
      this.#end(invocation);
      return;
    } catch (error) {
      // The error's message alone, as Lambda's dead letter gives it (recorded in AWS: "Test exception (this is
      // intentional)" for `raise Exception("Test exception (this is intentional)")`), cut as Lambda cuts it there:
      // so also in the log lines and the journal's retry line.
      failure = utf8Prefix(error instanceof Error ? error.message : String(error), ERROR_MESSAGE_BYTES);
    }
    if (this.#stopped) return;
    const config = this.#config(invocation.functionArn);
    if (invocation.retries >= config.maximumRetryAttempts) {
      this.#deadLetter(invocation, failure, 'retries');
      return;
    }
    const delay = this.#retryDelay(invocation);
    if (Date.now() + delay - invocation.acceptedAt > this.#maxAgeMs(invocation)) {
      this.#deadLetter(invocation, failure, 'age');
      return;
    }
    const next: Invocation = { ...invocation, dueAt: Date.now() + delay, failure };
    this.#live.set(next.requestId, next);
    const { requestId, retries, dueAt } = next;
    // Each failed attempt, as the function's log shows it in AWS (Lambda's runtime writes the error there): before
    // (2026-12-06) a webhook's first two failures printed nothing, and the first line came minutes later, with the
    // dead letter (newcomer review).
    this.options.logger.warn(
      `[eventbridge] asynchronous invocation ${requestId} of ${invocation.functionArn} failed: ${logLine(failure)}; ` +
        `retry ${retries + 1} of ${config.maximumRetryAttempts} in ${seconds(delay)}`,
    );
    this.#append({ retry: { requestId, retries, dueAt, failure } });
    this.#wait(next, delay);
  }

  /** The wait before the retry after `invocation`'s failed attempt (Lambda's backoff, scaled). */
  #retryDelay(invocation: Invocation): number {
    return (RETRY_DELAYS_MS[invocation.retries] ?? RETRY_DELAYS_MS[1]) * this.options.delayScale;
  }

  /** Runs the invocation's next attempt after `delay` ms: a retry if its last attempt failed. */
  #wait(invocation: Invocation, delay: number): void {
    const timer = setTimeout(() => {
      this.#timers.delete(invocation.requestId);
      if (this.#stopped) return;
      const { failure } = invocation;
      if (failure === undefined) {
        void this.#attempt(invocation);
        return;
      }
      // A retry its function's config (changed since it was scheduled, across a restart) no longer allows.
      if (invocation.retries >= this.#config(invocation.functionArn).maximumRetryAttempts) {
        this.#deadLetter(invocation, failure, 'retries');
        return;
      }
      // #live keeps the invocation as scheduled (retries made, not counting this one): should a stop or a crash cut
      // this retry short, the next start makes it again, counted once, whatever a compaction wrote meanwhile.
      void this.#attempt({ ...invocation, retries: invocation.retries + 1 });
    }, delay);
    this.#timers.set(invocation.requestId, timer);
  }

  /** The invocation's MaximumEventAgeInSeconds in ms, scaled. */
  #maxAgeMs(invocation: Invocation): number {
    return this.#config(invocation.functionArn).maximumEventAgeInSeconds * 1000 * this.options.delayScale;
  }

  /** `spent`: what ended the retries, the function's maximumRetryAttempts or its maximumEventAgeInSeconds. */
  #deadLetter(invocation: Invocation, failure: string, spent: 'retries' | 'age'): void {
    const { functionArn, requestId, retries, payload } = invocation;
    const config = this.#config(functionArn);
    const deadLetterArn = config.deadLetterArn;
    // Cut already, but not in a journal an older version wrote.
    const message = utf8Prefix(failure, ERROR_MESSAGE_BYTES);
    const attributes: Record<string, MessageAttribute> = {
      RequestID: { DataType: 'String', StringValue: requestId },
      // The HTTP status of an invocation that ran and failed: Lambda answers 200 with X-Amz-Function-Error.
      ErrorCode: { DataType: 'Number', StringValue: '200' },
      ErrorMessage: { DataType: 'String', StringValue: message },
    };
    const origin: FunctionOrigin = { functionArn, requestId, retryAttempts: retries };
    const landing = this.options.queues.sendDurably(
      deadLetterArn ?? DROPPED_DELIVERIES,
      payload,
      attributes,
      origin,
    );
    // What ended the retries: a user who scaled delays down may not expect the event's age to be scaled too.
    const scale = this.options.delayScale;
    const why =
      spent === 'retries'
        ? `its maximumRetryAttempts, ${config.maximumRetryAttempts}`
        : `its maximumEventAgeInSeconds, ${config.maximumEventAgeInSeconds}` +
          (scale === 1
            ? ''
            : ` (${Number((config.maximumEventAgeInSeconds * scale).toPrecision(3))} s at delay scale ${scale})`) +
          ', would pass before the next';
    this.options.logger.warn(
      `[eventbridge] asynchronous invocation ${requestId} of ${functionArn} failed after ${retries} ` +
        `${retries === 1 ? 'retry' : 'retries'} (${why}): ${logLine(message)}; kept in ` +
        (deadLetterArn ? `DLQ ${deadLetterArn}` : 'the dropped-deliveries store'),
    );
    // Ended once the dead letter is on disk (see CoalescingWriter.follow); until then it counts as pending.
    this.options.writer.follow(
      landing.then((landed) => {
        if (landed) this.#end(invocation);
        else {
          this.#parked.add(invocation.requestId);
          if (this.pending === 0) this.#notifyIdle(false);
        }
      }),
    );
  }

  #add(invocation: Invocation): void {
    this.#live.set(invocation.requestId, invocation);
    this.#liveChars += invocation.payload.length + LINE_OVERHEAD;
  }

  #end(invocation: Invocation): void {
    if (!this.#live.delete(invocation.requestId)) return;
    this.#parked.delete(invocation.requestId);
    this.#liveChars -= invocation.payload.length + LINE_OVERHEAD;
    this.#append({ end: invocation.requestId });
    if (this.pending === 0) this.#notifyIdle(false);
  }

  /** Forgets redriven dead letters that have left their queues (on disk), rewriting the log if it still names them. */
  landRedrives(deadLetterIds: Iterable<string>): void {
    if (this.redrives.landed(deadLetterIds)) this.#log?.compact(this.#live.size, this.#liveChars);
  }

  #append(line: Line): void {
    this.#log?.append(line, this.#live.size, this.#liveChars);
  }

  /** The lines that rebuild the state: an `invoke` line per invocation not finished, as it stands; the redrives not landed. */
  *#lines(): Generator<Line> {
    for (const invocation of this.#live.values()) yield { invoke: invocation };
    const redriven = this.redrives.line();
    if (redriven) yield redriven;
  }

  #notifyIdle(stopping: boolean): void {
    if (!stopping && this.pending > 0) return;
    for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }
}

/** A function's config, refused when out of Lambda's ranges (a mistake in the host's setup, not a request). */
function checked(functionArn: string, config: AsyncInvokeConfig): AsyncInvokeConfig {
  const { maximumRetryAttempts: retries, maximumEventAgeInSeconds: age } = config;
  if (retries !== undefined && !(Number.isInteger(retries) && retries >= 0 && retries <= 2))
    throw new RangeError(
      `${functionArn}: maximumRetryAttempts must be a whole number from 0 to 2, got ${retries}`,
    );
  if (age !== undefined && !(Number.isInteger(age) && age >= 60 && age <= 21_600))
    throw new RangeError(
      `${functionArn}: maximumEventAgeInSeconds must be a whole number from 60 to 21,600, got ${age}`,
    );
  return config;
}

/**
 * Applies a line read from the log to `saved` (and the deliveries and redriven dead letters its invocations name, or
 * a compaction's `redriven` line names); false for one it cannot use.
 */
function replay(
  saved: Map<string, Invocation>,
  deliveries: Set<string>,
  redrives: RedriveMarks,
  line: unknown,
): boolean {
  if (!isObject(line)) return false;
  if (line.invoke !== undefined) {
    if (!isInvocation(line.invoke)) return false;
    const { requestId, functionArn, payload, acceptedAt, retries, dueAt, failure, deliveryId, redriveOf } =
      line.invoke;
    saved.set(requestId, {
      requestId,
      functionArn,
      payload,
      acceptedAt,
      retries,
      dueAt,
      ...(failure !== undefined ? { failure } : {}),
      ...(deliveryId !== undefined ? { deliveryId } : {}),
      ...(redriveOf !== undefined ? { redriveOf } : {}),
    });
    if (deliveryId !== undefined) deliveries.add(deliveryId);
    // Ended or not: its end may be on disk, and its dead letter's leaving not.
    if (redriveOf !== undefined) redrives.add(redriveOf);
    return true;
  }
  if (line.retry !== undefined) {
    const retry = line.retry;
    if (!isObject(retry) || typeof retry.requestId !== 'string' || !isRetryState(retry)) return false;
    const before = saved.get(retry.requestId);
    if (before)
      saved.set(before.requestId, {
        ...before,
        retries: retry.retries,
        dueAt: retry.dueAt,
        failure: retry.failure,
      });
    return true;
  }
  if (typeof line.end === 'string') {
    saved.delete(line.end);
    return true;
  }
  const redriven = redrives.read(line);
  return redriven !== 'unusable' && redriven;
}

function isRetryState(value: Record<string, unknown>): value is Record<string, unknown> & {
  retries: number;
  dueAt: number;
  failure: string;
} {
  return (
    Number.isInteger(value.retries) &&
    (value.retries as number) >= 0 &&
    Number.isFinite(value.dueAt) &&
    typeof value.failure === 'string'
  );
}

function isInvocation(value: unknown): value is Invocation {
  return (
    isObject(value) &&
    typeof value.requestId === 'string' &&
    typeof value.functionArn === 'string' &&
    typeof value.payload === 'string' &&
    Number.isFinite(value.acceptedAt) &&
    Number.isInteger(value.retries) &&
    (value.retries as number) >= 0 &&
    Number.isFinite(value.dueAt) &&
    (value.failure === undefined || typeof value.failure === 'string') &&
    (value.deliveryId === undefined || typeof value.deliveryId === 'string') &&
    (value.redriveOf === undefined || typeof value.redriveOf === 'string')
  );
}

/** A delay for a log line: `60 s`, or `0.06 s` at delay scale 0.001. */
function seconds(ms: number): string {
  return `${Number((ms / 1000).toPrecision(3))} s`;
}
