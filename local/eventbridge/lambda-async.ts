// Lambda's asynchronous invocation, which is how EventBridge calls a Lambda target: the invocation succeeds as soon
// as Lambda has queued the event, and a function error is retried by Lambda (its event invoke config: by default
// twice, one and then two minutes later, for up to six hours), then sent to the function's dead-letter queue
// with Lambda's message attributes. EventBridge's RetryPolicy and DeadLetterConfig never see it. Kept in dataDir
// (`lambda-invocations.jsonl`, a CompactedLog) so that a stop or a crash loses no invocation Lambda accepted.
import { join } from 'node:path';
import type { InvocationSource, InvokeLambda, Logger } from './delivery.js';
import { Fifo } from './fifo.js';
import { newId } from './ids.js';
import { type CoalescingWriter, CompactedLog, eachJsonLine, resumedDue } from './persistence.js';
import {
  DROPPED_DELIVERIES,
  defaultQueueBytes,
  type FunctionOrigin,
  type MessageAttribute,
  type QueueStore,
} from './queue-store.js';
import { RedriveMarks, type RedrivenLine } from './redrive-marks.js';
import { isObject } from './request.js';
import { ERROR_MESSAGE_BYTES, logLine, mebibytes, utf8Prefix } from './text.js';

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
  /**
   * Invocations run at once, Lambda's reserved concurrency: the others wait in the function's queue, as its
   * invocations past its concurrency wait in Lambda's (first come first served within a rule target; a freed turn to
   * the target running the fewest; no target holding more than all but a tenth of them: see targetTurns()).
   * @default LAMBDA_CONCURRENCY
   */
  readonly concurrency?: number;
}

/** An account's default concurrency, which a function with none reserved shares. */
export const LAMBDA_CONCURRENCY = 1_000;

export const ASYNC_INVOKE_DEFAULTS = {
  maximumRetryAttempts: 2,
  maximumEventAgeInSeconds: 21_600,
  concurrency: LAMBDA_CONCURRENCY,
} as const;

/** How much the functions' queues may hold, and how refusals and warnings name that setting. */
export interface LambdaQueueLimit {
  /** Bytes of memory, as heldBytes() counts them. */
  readonly bytes: number;
  /** The setting that gives it, as the user gave it: `maxLambdaQueueBytes`, or an environment variable. */
  readonly setting: string;
}

/**
 * About the memory an invocation held in the queue takes beside its payload's UTF-8 bytes: the invocation, its ids,
 * its map entry and retry timer (measured with node --expose-gc, 2026-12-07: see held-memory.test.ts).
 */
export const INVOCATION_OVERHEAD_BYTES = 700;

/** What an invocation is counted as against LambdaQueueLimit. */
export function heldBytes(payload: string): number {
  return Buffer.byteLength(payload) + INVOCATION_OVERHEAD_BYTES;
}

/** Refusals are counted, and logged at most once a minute (the first at once). */
const REFUSAL_LOG_EVERY_MS = 60_000;
/** Share of the limit the queues must be down to before events are taken again, once refused. */
const RESUME_BELOW = 0.9;
/**
 * What the queues may hold, as a share of the limit, while they take the events of rule targets that hold less than
 * their share of them (see refusal()): past it every event bound for them is refused.
 */
export const CEILING = 1.1;

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
  /** The rule target whose event it is (a redrive's, the dead letter's); none from a version before 2026-12-07. */
  readonly source?: InvocationSource;
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
  readonly #limit: LambdaQueueLimit;
  /** Invocations the last run left unfinished, until resume() takes them up. */
  #saved: Invocation[] = [];
  /** The deliveries whose invocations the log read at start holds, finished or not: see tookOver(). */
  readonly #deliveries = new Set<string>();
  /** Dead-lettered invocations whose DLQ write failed: kept (the next start runs them again), not pending. */
  readonly #parked = new Set<string>();
  #liveChars = 0;
  /** About the memory the invocations not finished take (heldBytes), against the limit. */
  #heldBytes = 0;
  /**
   * Whether the queues are full: from when they hold their limit until they are down to RESUME_BELOW of it. Taking
   * events again at the first invocation that ends would refuse (or hold a replay) again at the next, and say each.
   */
  #full = false;
  /** heldBytes by rule target (sourceKey()), for their shares of the queues: see refusal(). */
  readonly #bySource = new Map<string, number>();
  /** Invocations running, by function. */
  readonly #running = new Map<string, number>();
  /** Invocations running, by function and rule target (runningKey()): the waiting line of the fewest takes a freed turn. */
  readonly #runningBySource = new Map<string, number>();
  /**
   * Invocations due and waiting for one of their function's turns, by function: in arrival order within a rule target,
   * the rule targets taking turns (review, 2026-12-07: in one line, the invocations of a target that answered waited
   * behind every one of a target that did not, each holding a turn for its timeout).
   */
  readonly #ready = new Map<string, TakingTurns>();
  /** Entries refused since the last warning said so; undefined while none is being refused. */
  #refusing: { count: number; loggedAt: number; since: number } | undefined;
  #stopped = false;
  /** Says failed attempts and dead letters, at most FAILURE_LINES_PER_MINUTE a minute a function. */
  readonly #failureLines: LineBudget;
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
      /**
       * How much the functions' queues may hold before refuse() is the answer.
       * @default defaultQueueBytes(), named `maxLambdaQueueBytes`
       */
      readonly limit?: LambdaQueueLimit;
    },
  ) {
    this.#functions = new Map(Object.entries(options.functions).map(([arn, c]) => [arn, checked(arn, c)]));
    this.#limit = options.limit ?? { bytes: defaultQueueBytes(), setting: 'maxLambdaQueueBytes' };
    this.#failureLines = new LineBudget(options.logger);
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
      options.logger.warn(
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

  /**
   * Whether the functions' queues hold their limit: EventBridge then refuses events bound for them (refuse()), so that
   * a function slower than its events arrive (a webhook that never answers, for the deliver function) cannot hold
   * the process's memory until it runs out. AWS's Lambda has no such limit; its queue is not in anyone's heap.
   */
  get full(): boolean {
    return this.#full;
  }

  /** The bytes the queues may take before they are full (as heldBytes() counts them); 0 when they are. */
  get room(): number {
    return this.full ? 0 : this.#limit.bytes - this.#heldBytes;
  }

  /**
   * Why nothing more is taken for `functionArn` now: its queue is full, the limit named, with what to do; `holder`,
   * the rule target whose events are refused for holding its share of it, if that is why.
   */
  fullReason(
    functionArn: string,
    holder?: { readonly source: InvocationSource; readonly held: number },
    then = 'try again once its invocations catch up',
  ): string {
    // Said also between 90% and the limit, where a queue that was full is still taken as full: "full" alone read as
    // wrong there (exhaustion review, 2026-12-07).
    const again = mebibytes(this.#limit.bytes * RESUME_BELOW);
    const whose = holder
      ? `; rule ${holder.source.ruleArn}'s target ${holder.source.targetId} holds ${mebibytes(holder.held)} of it, at least its share`
      : '';
    return `Lambda function ${functionArn} is behind: its queue is full (${this.#state()}; it takes events again below ${again})${whose}; ${then}`;
  }

  /** How much the queues hold against their limit, for messages. */
  #state(): string {
    const { bytes, setting } = this.#limit;
    const count = this.#live.size - this.#parked.size;
    return `${count} ${count === 1 ? 'invocation holds' : 'invocations hold'} ${mebibytes(this.#heldBytes)} of their ${mebibytes(bytes)} limit, ${setting}`;
  }

  /**
   * Why an event that `source` (a rule's target) would send to `functionArn` is refused now, if it is: the
   * ErrorMessage of EventBridge's ThrottlingException, counted for the warning that says so (at once, then at most
   * once a minute). Only while the queues are full: then a rule target holding at least its share of what they may
   * hold once taking events again (RESUME_BELOW of the limit) has its events refused, and the others' are taken, up
   * to CEILING of the limit. The share is max-min fair: rule targets holding less than a share keep what they hold,
   * the rest is split equally among the others. So one subscription whose webhook never answers, its invocations
   * filling the queue, has its events refused, while those of subscriptions whose invocations end are taken: before
   * (2026-12-07) every event bound for the deliver function was refused, for minutes at a time (a 256 MB heap over
   * 480 s: 2,339 batches, an answering subscriber's among them). Dead-lettering the holder's invocations at once
   * instead was tried and measured: publishing then went as fast as it could, the dead letters filled the local
   * queues, which removed the oldest, and the process ran out of memory within 20 s.
   */
  refusal(
    functionArn: string,
    source: InvocationSource,
    coming = 0,
    /** A PutEvents entry's refusal, counted for the warning, or why a replay waits (see ControlPlane.replayHold). */
    asking: 'put' | 'replay' = 'put',
  ): string | undefined {
    if (!this.#full) return undefined;
    const held = this.#bySource.get(sourceKey(source)) ?? 0;
    // At least its share exactly when the holdings, each cut at `held`, make what is shared: O(rule targets holding
    // invocations), only while the queues are full.
    let cut = 0;
    for (const holding of this.#bySource.values()) cut += Math.min(holding, held);
    const holder = cut >= this.#limit.bytes * RESUME_BELOW ? { source, held } : undefined;
    // `coming`: what this entry's invocations, and those of the entries taken before it whose deliveries have not
    // started yet, will add (see ControlPlane's #lambdaQueueRefusal).
    if (!holder && this.#heldBytes + coming < Math.floor(this.#limit.bytes * CEILING)) return undefined;
    if (asking === 'replay')
      return this.fullReason(functionArn, holder, 'the replay goes on once they catch up');
    // The warning counts PutEvents entries, not a replay's waits.
    this.#countRefusal(functionArn, holder);
    return this.fullReason(functionArn, holder);
  }

  /**
   * Counts an entry refused, and says so: at once, then at most once a minute with the count since. `holder`: the
   * rule target refused for holding its share, if that is why (else the queues are past CEILING).
   */
  #countRefusal(functionArn: string, holder: { source: InvocationSource; held: number } | undefined): void {
    // The minute on the monotonic clock: on the wall clock, one set back an hour silenced the count for the hour.
    const now = performance.now();
    if (!this.#refusing) this.#refusing = { count: 0, loggedAt: Number.NEGATIVE_INFINITY, since: 0 };
    const refusing = this.#refusing;
    refusing.count++;
    refusing.since++;
    if (now - refusing.loggedAt < REFUSAL_LOG_EVERY_MS) return;
    const counts = this.status().functions.find((f) => f.functionArn === functionArn);
    this.options.logger.warn(
      `[eventbridge] refused ${refusing.since} PutEvents ${refusing.since === 1 ? 'entry' : 'entries'} bound for Lambda function ${functionArn} ` +
        `(ThrottlingException): the functions' queues are full (${this.#state()}); of its invocations ` +
        `${counts?.running ?? 0} run (${turns(this.#config(functionArn).concurrency)}), ${counts?.waiting ?? 0} wait for a turn ` +
        `and ${counts?.retrying ?? 0} wait for a retry. ` +
        (holder
          ? `The entries refused are those of rule targets holding at least their share of the queues (the last: rule ${holder.source.ruleArn}'s ` +
            `target ${holder.source.targetId}, holding ${mebibytes(holder.held)}); the others' are taken. `
          : `They hold ${Math.round(CEILING * 100)}% of the limit: every entry bound for them is refused. `) +
        'Invocations end more slowly than events come (for the deliver function: a webhook slow to answer, failing, or ' +
        'not answering); events are taken again once they catch up',
    );
    refusing.loggedAt = now;
    refusing.since = 0;
  }

  /** Says that events are taken again, and how many were refused. */
  #accepting(): void {
    const count = this.#refusing?.count ?? 0;
    this.#refusing = undefined;
    this.options.logger.warn(
      `[eventbridge] the Lambda functions' queues are below ${RESUME_BELOW * 100}% of their limit again (${this.#limit.setting}): events ` +
        `bound for them are taken again, after ${count} PutEvents ${count === 1 ? 'entry was' : 'entries were'} refused (an entry sent again counts again)`,
    );
  }

  /** What the functions' queues hold, for GET /_local/invocations. */
  status(): {
    heldBytes: number;
    maxBytes: number;
    functions: { functionArn: string; running: number; waiting: number; retrying: number }[];
    /** What each rule target's invocations hold, most first: the one filling the queues heads the list. */
    ruleTargets: { ruleArn?: string; targetId?: string; heldBytes: number }[];
  } {
    const byFunction = new Map<string, { running: number; waiting: number; retrying: number }>();
    const of = (arn: string) => {
      let entry = byFunction.get(arn);
      if (!entry) {
        entry = { running: 0, waiting: 0, retrying: 0 };
        byFunction.set(arn, entry);
      }
      return entry;
    };
    for (const [arn, running] of this.#running) if (running > 0) of(arn).running = running;
    for (const [arn, ready] of this.#ready) of(arn).waiting += ready.length;
    // A timer waits for a retry, or for the first attempt of one the last run left (see resume()).
    for (const requestId of this.#timers.keys()) {
      const invocation = this.#live.get(requestId);
      if (invocation === undefined) continue;
      if (invocation.failure === undefined) of(invocation.functionArn).waiting++;
      else of(invocation.functionArn).retrying++;
    }
    return {
      heldBytes: this.#heldBytes,
      maxBytes: this.#limit.bytes,
      functions: [...byFunction].map(([functionArn, counts]) => ({ functionArn, ...counts })),
      ruleTargets: [...this.#bySource]
        .sort(([, a], [, b]) => b - a)
        .map(([key, held]) => {
          const space = key.indexOf(' ');
          // No key: invocations of no known rule target (redriven dead letters an earlier version wrote).
          return space < 0
            ? { heldBytes: held }
            : { ruleArn: key.slice(0, space), targetId: key.slice(space + 1), heldBytes: held };
        }),
    };
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
    made: {
      readonly deliveryId?: string | undefined;
      readonly redriveOf?: string;
      readonly source?: InvocationSource | undefined;
    } = {},
  ): { readonly durable: Promise<boolean> } {
    const { deliveryId, redriveOf, source } = made;
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
      ...(source !== undefined ? { source } : {}),
    };
    if (redriveOf !== undefined) this.redrives.add(redriveOf);
    const since = this.options.writer.asked;
    this.#add(invocation);
    this.#append({ invoke: invocation });
    // Not from within this call: the caller first notes that the invocation is queued (a stop the function's
    // first steps brought about would otherwise find the delivery still to be made, and make it again).
    queueMicrotask(() => this.#start(invocation));
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
    this.#ready.clear();
    this.#failureLines.flush();
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

  /**
   * Makes the invocation's attempt now if its function has a turn free, else once one is: before (2026-12-07) every
   * attempt due started, and those past the function's concurrency waited inside the host's run(), each holding its
   * promises and parsed payload, about 2.2 KB beside the payload.
   */
  #start(invocation: Invocation): void {
    if (this.#stopped) return;
    const { functionArn } = invocation;
    const running = this.#running.get(functionArn) ?? 0;
    const { concurrency } = this.#config(functionArn);
    const key = runningKey(functionArn, sourceKey(invocation.source));
    if (running >= concurrency || (this.#runningBySource.get(key) ?? 0) >= targetTurns(concurrency)) {
      let ready = this.#ready.get(functionArn);
      if (!ready) {
        ready = new TakingTurns();
        this.#ready.set(functionArn, ready);
      }
      ready.push(invocation);
      return;
    }
    this.#running.set(functionArn, running + 1);
    this.#runningBySource.set(key, (this.#runningBySource.get(key) ?? 0) + 1);
    void this.#attempt(invocation).finally(() => this.#turnEnded(functionArn, key));
  }

  /**
   * Gives the function's turn to a waiting invocation, if one is: the first in line of the rule target running the
   * fewest (review2, 2026-12-07: taken in turn, a target whose invocations each held a turn for the webhook's timeout
   * got every other freed turn and so soon held them all; an answering target then ran one invocation per turn the
   * hanging one freed, concurrency / timeout a second, and was refused once its backlog reached its share).
   */
  #turnEnded(functionArn: string, key: string): void {
    this.#running.set(functionArn, (this.#running.get(functionArn) ?? 1) - 1);
    const left = (this.#runningBySource.get(key) ?? 1) - 1;
    if (left > 0) this.#runningBySource.set(key, left);
    else this.#runningBySource.delete(key);
    const ready = this.#ready.get(functionArn);
    const runningOf = (source: string) => this.#runningBySource.get(runningKey(functionArn, source)) ?? 0;
    const cap = targetTurns(this.#config(functionArn).concurrency);
    let next = ready?.shift(runningOf, cap);
    // One that waited past its age is not run, as Lambda discards an event older than MaximumEventAgeInSeconds.
    while (next && Date.now() - next.acceptedAt > this.#maxAgeMs(next)) {
      const scheduled = this.#live.get(next.requestId) ?? next;
      this.#deadLetter(
        scheduled,
        scheduled.failure ?? "It waited for its function's turn past its maximumEventAgeInSeconds.",
        'age',
      );
      next = ready?.shift(runningOf, cap);
    }
    if (ready && ready.length === 0) this.#ready.delete(functionArn);
    if (next) this.#start(next);
  }

  async #attempt(invocation: Invocation): Promise<void> {
    let failure: string;
    if (this.#stopped) return;
    try {
      await this.options.run(invocation.functionArn, invocation.payload, invocation.requestId);
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
    this.#failureLines.say(
      invocation.functionArn,
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
        this.#start(invocation);
        return;
      }
      // A retry its function's config (changed since it was scheduled, across a restart) no longer allows.
      if (invocation.retries >= this.#config(invocation.functionArn).maximumRetryAttempts) {
        this.#deadLetter(invocation, failure, 'retries');
        return;
      }
      // #live keeps the invocation as scheduled (retries made, not counting this one): should a stop or a crash cut
      // this retry short, the next start makes it again, counted once, whatever a compaction wrote meanwhile.
      this.#start({ ...invocation, retries: invocation.retries + 1 });
    }, delay);
    this.#timers.set(invocation.requestId, timer);
  }

  /**
   * For invocations about to be accepted one after another (a redrive's): why the next would not be taken, if it
   * would not (the queues full, or no room left for it), counting those before it that would.
   */
  admission(): (functionArn: string, payload: string) => string | undefined {
    let total = this.#heldBytes;
    return (functionArn, payload) => {
      if (this.#full) return this.fullReason(functionArn);
      const bytes = heldBytes(payload);
      if (total + bytes > this.#limit.bytes)
        return (
          `Lambda function ${functionArn}'s queue has no room for it: with the invocations redriven before it, it ` +
          `would pass its limit (${this.#state()}); redrive it once they catch up`
        );
      total += bytes;
      return undefined;
    };
  }

  /** The invocation's MaximumEventAgeInSeconds in ms, scaled. */
  #maxAgeMs(invocation: Invocation): number {
    return this.#config(invocation.functionArn).maximumEventAgeInSeconds * 1000 * this.options.delayScale;
  }

  /** `spent`: what ended the retries, the function's maximumRetryAttempts or its maximumEventAgeInSeconds. */
  #deadLetter(invocation: Invocation, failure: string, spent: 'retries' | 'age'): void {
    const { functionArn, requestId, retries, payload, source } = invocation;
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
    const origin: FunctionOrigin = {
      functionArn,
      requestId,
      retryAttempts: retries,
      ...(source !== undefined ? { source } : {}),
    };
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
    this.#failureLines.say(
      functionArn,
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
          // Out of the function's queue (its dead letter is in the queues', counted there): no longer in its way,
          // else a DLQ write that failed once held the queue full until the next start.
          this.#let(invocation);
          if (this.pending === 0) this.#notifyIdle(false);
        }
      }),
    );
  }

  #add(invocation: Invocation): void {
    this.#live.set(invocation.requestId, invocation);
    this.#liveChars += invocation.payload.length + LINE_OVERHEAD;
    const bytes = heldBytes(invocation.payload);
    this.#heldBytes += bytes;
    const key = sourceKey(invocation.source);
    this.#bySource.set(key, (this.#bySource.get(key) ?? 0) + bytes);
    if (this.#heldBytes >= this.#limit.bytes) this.#full = true;
  }

  /** Stops counting `invocation` against the limit; the queues are no longer full once down to RESUME_BELOW of it. */
  #let(invocation: Invocation): void {
    const bytes = heldBytes(invocation.payload);
    this.#heldBytes -= bytes;
    const key = sourceKey(invocation.source);
    const left = (this.#bySource.get(key) ?? 0) - bytes;
    if (left > 0) this.#bySource.set(key, left);
    else this.#bySource.delete(key);
    if (!this.#full || this.#heldBytes >= this.#limit.bytes * RESUME_BELOW) return;
    this.#full = false;
    if (this.#refusing) this.#accepting();
  }

  #end(invocation: Invocation): void {
    if (!this.#live.delete(invocation.requestId)) return;
    const parked = this.#parked.delete(invocation.requestId);
    this.#liveChars -= invocation.payload.length + LINE_OVERHEAD;
    if (!parked) this.#let(invocation);
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

/** Failure lines said a minute for each function; the others are counted, and the count said at the minute's end. */
export const FAILURE_LINES_PER_MINUTE = 20;
const FAILURE_WINDOW_MS = 60_000;

/**
 * Says at most FAILURE_LINES_PER_MINUTE lines a minute for each key (a function), and at the minute's end how many it
 * did not: a webhook that never answered made 10,110 lines in 75 s, one per failed attempt (exhaustion review,
 * 2026-12-07). The minute is the wall clock's, whatever the delay scale.
 */
class LineBudget {
  readonly #said = new Map<string, number>();
  readonly #unsaid = new Map<string, number>();
  #window: NodeJS.Timeout | undefined;

  constructor(private readonly logger: Logger) {}

  say(key: string, line: string): void {
    if (this.#window === undefined) {
      this.#window = setTimeout(() => this.flush(), FAILURE_WINDOW_MS);
      this.#window.unref();
    }
    const said = this.#said.get(key) ?? 0;
    if (said < FAILURE_LINES_PER_MINUTE) {
      this.#said.set(key, said + 1);
      this.logger.warn(line);
    } else this.#unsaid.set(key, (this.#unsaid.get(key) ?? 0) + 1);
  }

  /** Says what was not said, and starts a new minute at the next line. */
  flush(): void {
    clearTimeout(this.#window);
    this.#window = undefined;
    for (const [key, count] of this.#unsaid)
      this.logger.warn(
        `[eventbridge] ${count} more failed ${count === 1 ? 'attempt' : 'attempts'} or dead ${count === 1 ? 'letter' : 'letters'} ` +
          `of asynchronous invocations of ${key} in the last minute, not each said (the first ${FAILURE_LINES_PER_MINUTE} a minute are): ` +
          'GET /_local/invocations counts the invocations waiting, /_local/dead-letters lists the dead letters',
      );
    this.#said.clear();
    this.#unsaid.clear();
  }
}

/** A function's config, refused when out of Lambda's ranges (a mistake in the host's setup, not a request). */
function checked(functionArn: string, config: AsyncInvokeConfig): AsyncInvokeConfig {
  const { maximumRetryAttempts: retries, maximumEventAgeInSeconds: age, concurrency } = config;
  if (concurrency !== undefined && !(Number.isSafeInteger(concurrency) && concurrency >= 1))
    throw new RangeError(`${functionArn}: concurrency must be a whole number from 1, got ${concurrency}`);
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
    const {
      requestId,
      functionArn,
      payload,
      acceptedAt,
      retries,
      dueAt,
      failure,
      deliveryId,
      redriveOf,
      source,
    } = line.invoke;
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
      // One a later version wrote in another shape is left out: the invocation counts as of no known rule target.
      ...(isSource(source) ? { source } : {}),
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

/** Invocations waiting for a turn: each rule target's in arrival order, the rule targets in turn. */
class TakingTurns {
  /** By sourceKey(); the next to take a turn first (a Map keeps the order its keys are set in). */
  readonly #bySource = new Map<string, Fifo<Invocation>>();
  #length = 0;

  get length(): number {
    return this.#length;
  }

  push(invocation: Invocation): void {
    const key = sourceKey(invocation.source);
    let waiting = this.#bySource.get(key);
    if (!waiting) {
      waiting = new Fifo();
      this.#bySource.set(key, waiting);
    }
    waiting.push(invocation);
    this.#length++;
  }

  /**
   * The first invocation of the line whose rule target runs the fewest (`running`, by sourceKey()), the first such in
   * turn, of those running fewer than `cap`; that line then goes to the back. O(rule targets waiting).
   */
  shift(running: (key: string) => number = () => 0, cap = Number.POSITIVE_INFINITY): Invocation | undefined {
    let chosen: [string, Fifo<Invocation>] | undefined;
    let fewest = Number.POSITIVE_INFINITY;
    for (const entry of this.#bySource) {
      const count = running(entry[0]);
      if (count < fewest && count < cap) {
        chosen = entry;
        fewest = count;
        if (count === 0) break;
      }
    }
    if (!chosen) return undefined;
    const [key, waiting] = chosen;
    const invocation = waiting.shift();
    // To the back of the line, if it has more.
    this.#bySource.delete(key);
    if (waiting.length > 0) this.#bySource.set(key, waiting);
    this.#length--;
    return invocation;
  }
}

/**
 * The turns one rule target's invocations may hold at once: all but a tenth of the function's (all of them below ten),
 * so that another target's invocation finds one free rather than waiting for a hanging target's timeout. Given a turn
 * in turn, or the fewest first, a webhook that answered still got one delivery per turn the hanging one's timeouts
 * freed, 194 every 10 s, and its backlog was refused at its share (exhaustion re-run, 2026-12-07: p99 latency 43.8 s,
 * 257 of 1,250 batches refused; with the tenth kept free, p99 219 ms and none refused).
 */
function targetTurns(concurrency: number): number {
  return concurrency - Math.floor(concurrency / 10);
}

/** Whether a value read from disk is an InvocationSource. */
export function isSource(value: unknown): value is InvocationSource {
  return isObject(value) && typeof value.ruleArn === 'string' && typeof value.targetId === 'string';
}

/** The key of a rule target among the queues' shares; one for every invocation of no known rule. */
function sourceKey(source: InvocationSource | undefined): string {
  // A space is in neither a rule ARN nor a target id.
  return source ? `${source.ruleArn} ${source.targetId}` : '';
}

/** The key of a function's invocations of a rule target (its sourceKey()) among those running. */
function runningKey(functionArn: string, source: string): string {
  return `${functionArn}\n${source}`;
}

/** A function's turns for a log line: `its one turn`, `of its 1,000 turns`. */
function turns(concurrency: number): string {
  return concurrency === 1 ? 'its one turn' : `of its ${concurrency.toLocaleString('en-US')} turns`;
}

/** A delay for a log line: `60 s`, or `0.06 s` at delay scale 0.001. */
function seconds(ms: number): string {
  return `${Number((ms / 1000).toPrecision(3))} s`;
}
