// Asynchronous delivery of matched events to targets, after PutEvents has answered (as in AWS): Lambda (handed to
// Lambda's queue of asynchronous invocations for the functions the host names, lambda-async.ts, else run in process
// and awaited), SQS into the local queue store, another bus of this account, an API destination over HTTP; failures
// retried per RetryPolicy with exponential backoff and jitter, then sent to the DLQ with AWS's message
// attributes, or kept among dropped deliveries.
import { arnRegion, dlqInRegion, isApiDestinationArn, isLambdaArn, isSqsArn, parseBusArn } from './arns.js';
import { newId } from './ids.js';
import { resumedDue } from './persistence.js';
import type { MessageAttribute, QueueStore, TargetOrigin } from './queue-store.js';
import { DROPPED_DELIVERIES } from './queue-store.js';
import type { RetryJournal, SavedDelivery, SavedEvent } from './retry-journal.js';
import type { RenderContext, TargetInputRenderer } from './target-input.js';
import { ERROR_MESSAGE_BYTES, logLine, utf8Prefix } from './text.js';

export interface RetryPolicy {
  readonly maximumRetryAttempts: number;
  readonly maximumEventAgeInSeconds: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maximumRetryAttempts: 185,
  maximumEventAgeInSeconds: 86_400,
};

/** A target's HttpParameters (API destinations): values may be JSON paths into the event (`$.detail.id`). */
export interface HttpParameters {
  readonly PathParameterValues?: readonly string[];
  readonly HeaderParameters?: Readonly<Record<string, string>>;
  readonly QueryStringParameters?: Readonly<Record<string, string>>;
}

/** What the dispatcher needs of a target; the control plane keeps the full PutTargets shape. */
export interface DeliveryTarget {
  readonly id: string;
  readonly arn: string;
  readonly render: TargetInputRenderer;
  readonly retryPolicy: RetryPolicy;
  readonly deadLetterArn?: string;
  readonly httpParameters?: HttpParameters;
}

export interface DeliveryRule {
  readonly busName: string;
  readonly name: string;
  readonly arn: string;
  /** The rule as made, by identity: a rule deleted and made again under its name is another. */
  readonly instance?: object;
}

export interface DeliveredEvent {
  readonly event: Readonly<Record<string, unknown>>;
  readonly json: string;
  /** Epoch ms EventBridge took the event in (or redrive time). */
  readonly ingestedAt: number;
  /** The bus ARN of the rule that forwarded this event to its bus, if a bus target brought it. */
  readonly forwardedFrom?: string;
}

/**
 * Runs a function on `payload`. `requestId`: an asynchronous invocation's, the same for each of its attempts, as Lambda
 * gives the handler's context (and so its log lines) the id its dead letter's RequestID names.
 */
export type InvokeLambda = (functionArn: string, payload: string, requestId?: string) => Promise<void>;

/**
 * Queues an asynchronous invocation of a function invoked that way (as AWS invokes every Lambda target), or answers
 * undefined for a function invoked in process and awaited. `durable` resolves true once the invocation is kept,
 * false if the write that keeps it failed.
 */
export type AcceptLambda = (
  functionArn: string,
  payload: string,
  /** The delivery's id in the retry journal, when it has one. */
  deliveryId: string | undefined,
  /** The rule and target whose delivery it is: a rule target's share of the function's queue is counted by it. */
  source: InvocationSource,
) => { readonly durable: Promise<boolean> } | undefined;

/** The rule target an asynchronous invocation came from. */
export interface InvocationSource {
  readonly ruleArn: string;
  readonly targetId: string;
}

/** Puts a bus target's input, made from `event`, on that bus (of this account and region) as forwarded by `from`. */
export type ForwardToBus = (busName: string, payload: string, event: DeliveredEvent, from: string) => void;

/** Calls an API destination target; throws DeliveryFailureError when the call failed. */
export type CallApiDestination = (
  arn: string,
  payload: string,
  event: DeliveredEvent,
  httpParameters: HttpParameters | undefined,
  /** Epoch ms past which the event is too old for the target's RetryPolicy (MaximumEventAgeInSeconds). */
  deadline: number,
) => Promise<void>;

export interface Logger {
  warn(message: string, ...rest: unknown[]): void;
  error(message: string, ...rest: unknown[]): void;
}

interface Job {
  readonly event: DeliveredEvent;
  /** The rule and target as they are now: a retry takes up a target put again since (see `currentTarget`). */
  rule: DeliveryRule;
  target: DeliveryTarget;
  payload?: string;
  /** Attempts after the first made so far, one running included. */
  retries: number;
  /** Its id in the retry journal, from the first time it is kept there. */
  id?: string;
  /** The dead letter it is a redrive of, kept in its journal line (`redrive-marks.ts`). */
  readonly redriveOf?: string;
  /** Epoch ms its next attempt is due, while it waits for one. */
  dueAt?: number | undefined;
  /** How long that wait was when it began (ms): a start never waits longer, whatever the wall clock did. */
  waitMs?: number | undefined;
  /** The timer of that wait. */
  timer?: NodeJS.Timeout | undefined;
  /**
   * Why its last attempt failed: its code and message alone, which are all a dead letter and the journal take. The
   * error itself held its stack, and the error a target threw (its `cause`) with its own stack and whatever that
   * references, for as long as the delivery waited for its retry: up to a day (400 to 500 of the 1,200 bytes of heap
   * a delivery waiting for a retry took, measured 2026-12-07).
   */
  failure?: Failure;
  /** Its target was removed from the rule while an attempt ran (see targetsRemoved). */
  targetRemoved?: true;
  /**
   * Set once another store took it over (an asynchronous invocation queued by Lambda, a message in an SQS queue):
   * whether that write landed, once it has been tried.
   */
  landing?: Promise<boolean>;
}

/**
 * The wait before retry number `retries + 1`, unscaled: exponential from BASE_DELAY_MS up to MAX_DELAY_MS, with equal
 * jitter (at least half the backoff, so retries spread out but never bunch up at zero; `random` in [0, 1) picks the
 * rest). A target's Retry-After counts when it is the longer wait ("the more conservative value", API destinations'
 * guide).
 */
export function retryWaitMs(retries: number, retryAfterMs: number | undefined, random: number): number {
  const exponential = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** retries);
  const backoff = exponential / 2 + random * (exponential / 2);
  return Math.max(backoff, retryAfterMs ?? 0);
}

/** Why an attempt failed, as a dead letter and the journal say it. */
type Failure = { readonly code: string; readonly message: string; readonly logged?: string };

/** A failure as the journal keeps it: `logged` only when it has one. */
const failureOf = ({
  code,
  message,
  logged,
}: Pick<DeliveryFailureError, 'code' | 'message' | 'logged'>): Failure =>
  logged === undefined ? { code, message } : { code, message, logged };

/** What a dead letter needs of a delivery; a saved one whose target is gone has no more than this. */
type Undelivered = Pick<Job, 'event' | 'rule' | 'retries' | 'id'> & {
  readonly target: Pick<DeliveryTarget, 'id' | 'arn' | 'deadLetterArn'>;
};

/**
 * First retry waits about this long (before delayScale); each next one doubles, up to the cap. AWS's guide: "By
 * default, EventBridge retries sending the event for 24 hours and up to 185 times". With a 12-minute cap (6 to 12
 * minutes with jitter) the default 185 retries would take some 26 hours, so the 24-hour age ends them, after about
 * 157 to 180 retries (simulated); a 5-minute cap ended them after 185, 10 to 12 hours in.
 */
const BASE_DELAY_MS = 1_000;
const MAX_DELAY_MS = 12 * 60_000;

/**
 * A failed delivery attempt, with the ERROR_CODE a dead letter carries and whether a retry may help. Its message is
 * cut to 1 KB of UTF-8 whoever makes it (a target's throw, an API destination's answer and path, a bus's refusal, a
 * journal line an older version wrote): it is the ERROR_MESSAGE, the journal's text and the log line's.
 */
export class DeliveryFailureError extends Error {
  override name = 'DeliveryFailureError';
  /** The least wait before a retry the target asked for (HTTP Retry-After), in ms before delayScale. */
  readonly retryAfterMs: number | undefined;
  /**
   * What a log line may say of it, when the message holds more than the terminal should (an API destination's path,
   * which may carry a secret or, through PathParameterValues, a value of the event, and its answer, which often echoes
   * the request): the dead letter keeps the message whole.
   */
  readonly logged: string | undefined;
  constructor(
    readonly code: string,
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown; retryAfterMs?: number; logged?: string },
  ) {
    super(utf8Prefix(message, ERROR_MESSAGE_BYTES), options);
    this.retryAfterMs = options?.retryAfterMs;
    this.logged = options?.logged;
  }
}

export class Dispatcher {
  readonly #timers = new Set<NodeJS.Timeout>();
  /** Deliveries queued, running or waiting for a retry: what stop() keeps in the journal for the next start. */
  readonly #live = new Set<Job>();
  readonly #idleWaiters: Array<() => void> = [];
  #pending = 0;
  #stopped = false;
  /** Deliveries whose first attempt has not started. */
  #fresh: Job[] = [];
  /** The flush() at the end of this turn of the event loop, for deliveries no request flushes. */
  #flushLater: NodeJS.Immediate | undefined;
  /**
   * An event's one object in the journal, and a saved event's one object as delivered: so the journal writes an
   * event once for all its deliveries, and deliveries resumed at a start share their event's text and parse.
   */
  readonly #savedEvents = new WeakMap<DeliveredEvent, SavedEvent>();
  readonly #restoredEvents = new WeakMap<SavedEvent, DeliveredEvent>();

  constructor(
    private readonly options: {
      readonly invokeLambda: InvokeLambda;
      /** Functions invoked asynchronously, as AWS does: the delivery is made once Lambda queued the invocation. */
      readonly acceptLambda?: AcceptLambda;
      readonly forwardToBus: ForwardToBus;
      readonly callApiDestination: CallApiDestination;
      /** `arn:aws:events:REGION:ACCOUNT:event-bus/`: the buses a bus target can reach, those of this account and region. */
      readonly busArnPrefix: string;
      readonly queues: QueueStore;
      readonly delayScale: number;
      readonly logger: Logger;
      /** Where deliveries not finished are kept across a stop or a crash (with a dataDir); else they are lost. */
      readonly journal?: RetryJournal;
      /** The rule and target with these names now, if they still exist: asked before each retry. */
      readonly currentTarget?: (
        busName: string,
        ruleName: string,
        targetId: string,
      ) => { readonly rule: DeliveryRule; readonly target: DeliveryTarget } | undefined;
    },
  ) {}

  get pending(): number {
    return this.#pending;
  }

  /**
   * Queues one delivery. Its first attempt runs at flush(), which the server calls once it has answered the
   * request that caused the delivery, or else after the current I/O: PutEvents answers first either way.
   */
  deliver(event: DeliveredEvent, rule: DeliveryRule, target: DeliveryTarget, redriveOf?: string): void {
    if (this.#stopped) return;
    const job: Job = { event, rule, target, retries: 0, ...(redriveOf !== undefined ? { redriveOf } : {}) };
    // Journaled before its first attempt, and so before the request that caused it is answered (the server waits
    // for the write): a crash then loses no event it accepted, as EventBridge loses none it has taken. Before
    // (2026-12-03) only retries were journaled, so a crash lost every first attempt not finished: under a burst,
    // thousands wait for a turn of their Lambda.
    this.options.journal?.wait(this.#saved(job));
    this.#pending++;
    this.#live.add(job);
    this.#fresh.push(job);
    this.#flushLater ??= setImmediate(() => this.flush());
  }

  /**
   * Takes up a delivery the last run left unfinished, at the time it was due (now if that has passed), unless an
   * attempt then would be past the target's MaximumEventAgeInSeconds: then it goes to the DLQ as AWS would send it.
   */
  resume(saved: SavedDelivery, rule: DeliveryRule, target: DeliveryTarget): void {
    if (this.#stopped) return;
    const event = this.#restored(saved.event);
    const job: Job = { event, rule, target, retries: saved.retries, id: saved.id };
    // Cut as a DeliveryFailureError cuts it: a line an older version wrote may hold more.
    if (saved.failure)
      job.failure = failureOf({
        code: saved.failure.code,
        message: utf8Prefix(saved.failure.message, ERROR_MESSAGE_BYTES),
        logged: saved.failure.logged,
      });
    this.#pending++;
    this.#live.add(job);
    const now = Date.now();
    // Never later than the wait this run would give it (see resumedDue): an attempt not yet made (or one a stop cut
    // short) now, a retry within the wait it was given. A line written before waitMs was kept is taken as it was.
    const longest = saved.failure ? (saved.waitMs ?? Number.POSITIVE_INFINITY) : 0;
    const due = resumedDue(saved.dueAt, longest, now);
    // No attempt past the event's age, whether a retry or one a stop cut short or kept from starting: AWS makes none
    // then. Before (2026-12-05) only a retry was checked, so a server down past the age limit still delivered.
    if (due - event.ingestedAt > this.#maxAgeMs(target)) {
      this.#deadLetter(job, job.failure ?? stoppedPastAge(), 'MaximumEventAgeInSeconds');
      return;
    }
    // The attempt due is a retry if the last run's failed; a delivery queued or running at the stop starts again.
    // It waits as it did before the stop: a stop during this wait must save the same due time and count.
    job.dueAt = due;
    // The wait as first given, not what is left of it: a stop during this wait saves the same line again.
    if (saved.failure && saved.waitMs !== undefined) job.waitMs = saved.waitMs;
    this.#wait(job, due - now, job.failure !== undefined);
  }

  /**
   * A delivery the last run left unfinished whose rule or target no longer exists: to the DLQ the target had, or
   * among dropped deliveries, without retries, as AWS does with events for a target that no longer exists.
   */
  abandon(saved: SavedDelivery): void {
    if (this.#stopped) return;
    this.#pending++;
    this.#targetGone({
      event: this.#restored(saved.event),
      rule: { busName: saved.busName, name: saved.ruleName, arn: saved.ruleArn },
      target: {
        id: saved.targetId,
        arn: saved.targetArn,
        ...(saved.deadLetterArn !== undefined ? { deadLetterArn: saved.deadLetterArn } : {}),
      },
      retries: saved.retries,
      id: saved.id,
    });
  }

  /** To the DLQ the target had (or among dropped deliveries) without more attempts: its rule or target is gone. */
  #targetGone(job: Undelivered): void {
    this.#deadLetter(
      job,
      new DeliveryFailureError(
        'NO_RESOURCE',
        `Target ${job.target.id} of rule ${job.rule.arn} no longer exists.`,
        false,
      ),
      undefined,
    );
  }

  /**
   * Starts the first attempt of every delivery queued so far. Called as soon as the request that queued them
   * is answered, so that one request's deliveries do not wait for the other requests read in the same turn of
   * the event loop.
   */
  flush(): void {
    this.#cancelFlushLater();
    if (this.#fresh.length === 0) return;
    this.#flushes++;
    const jobs = this.#fresh;
    this.#fresh = [];
    for (const job of jobs) void this.#attempt(job);
  }

  /**
   * The flush() calls that started deliveries: every delivery queued before one has had its first attempt begun, and
   * so a Lambda target's invocation is in its queue (acceptLambda is called before #attempt's first await).
   */
  get flushes(): number {
    return this.#flushes;
  }

  #flushes = 0;

  #cancelFlushLater(): void {
    if (this.#flushLater !== undefined) clearImmediate(this.#flushLater);
    this.#flushLater = undefined;
  }

  /** Resolves when no delivery is queued, in flight or waiting for a retry. */
  idle(): Promise<void> {
    if (this.#pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /**
   * Stops delivering. Deliveries not finished (queued, running, or waiting for a retry) are kept in the journal
   * for the next start, where there is one; a running one is then tried again (at least once, as AWS delivers),
   * unless its event is past its age by then. Without a journal they are lost, and logged.
   */
  stop(): void {
    this.#stopped = true;
    const { journal, logger } = this.options;
    if (journal) {
      for (const job of this.#live) {
        // Taken over already (its #finished not run yet): by Lambda, which runs it at the next start, or a queue.
        if (job.landing) this.#endOnceLanded(job.id, job.landing);
        else journal.wait(this.#saved(job));
      }
    }
    if (this.#live.size > 0) {
      logger.warn(
        `[eventbridge] stopped with ${this.#live.size} ${this.#live.size === 1 ? 'delivery' : 'deliveries'} not finished` +
          (journal
            ? '; they resume at the next start'
            : ' (lost: nothing is kept without a data directory, as with --in-memory)'),
      );
    }
    this.#live.clear();
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#cancelFlushLater();
    this.#fresh = [];
    this.#pending = 0;
    this.#notifyIdle();
  }

  /** A saved event as the dispatcher delivers it: one object (and one parse) for all its deliveries. */
  #restored(saved: SavedEvent): DeliveredEvent {
    let event = this.#restoredEvents.get(saved);
    if (!event) {
      const { json, ingestedAt, forwardedFrom } = saved;
      event = {
        event: JSON.parse(json) as Record<string, unknown>,
        json,
        ingestedAt,
        ...(forwardedFrom !== undefined ? { forwardedFrom } : {}),
      };
      this.#restoredEvents.set(saved, event);
      this.#savedEvents.set(event, saved);
    }
    return event;
  }

  /** A delivery as the journal keeps it (given an id the first time), its event one object for all its deliveries. */
  #saved(job: Job): SavedDelivery {
    job.id ??= newId();
    const { event, rule, target, failure } = job;
    // The wait a retry was given (none known for one resumed from a line without it); a retry a stop cut short is due
    // at once. Only with a failure: an attempt not yet made is due at once anyway.
    const waitMs = failure === undefined ? undefined : job.dueAt === undefined ? 0 : job.waitMs;
    let savedEvent = this.#savedEvents.get(event);
    if (!savedEvent) {
      savedEvent = {
        json: event.json,
        ingestedAt: event.ingestedAt,
        ...(event.forwardedFrom !== undefined ? { forwardedFrom: event.forwardedFrom } : {}),
      };
      this.#savedEvents.set(event, savedEvent);
    }
    return {
      id: job.id,
      event: savedEvent,
      busName: rule.busName,
      ruleName: rule.name,
      ruleArn: rule.arn,
      targetId: target.id,
      targetArn: target.arn,
      ...(target.deadLetterArn !== undefined ? { deadLetterArn: target.deadLetterArn } : {}),
      ...(job.redriveOf !== undefined ? { redriveOf: job.redriveOf } : {}),
      // A retry cut short by a stop is made again at the next start, counted once: saved as not yet made.
      retries: job.dueAt === undefined && job.failure ? job.retries - 1 : job.retries,
      dueAt: job.dueAt ?? Date.now(),
      ...(waitMs !== undefined ? { waitMs } : {}),
      // Never changed (a retry's failure replaces it): the journal shares it.
      ...(failure ? { failure } : {}),
      ...(job.targetRemoved ? { targetRemoved: true } : {}),
    };
  }

  async #attempt(job: Job): Promise<void> {
    if (this.#stopped) return;
    try {
      if (job.payload === undefined) {
        const rendered = job.target.render(this.#renderContext(job));
        if (!rendered.ok) throw new DeliveryFailureError(rendered.errorCode, rendered.errorMessage, false);
        job.payload = rendered.payload;
      }
      await this.#send(job, job.payload);
      this.#finished(job);
    } catch (error) {
      const failure =
        error instanceof DeliveryFailureError
          ? error
          : new DeliveryFailureError('ERROR_FROM_TARGET', errorText(error), true, { cause: error });
      this.#handleFailure(job, failure);
    }
  }

  #renderContext(job: Job): RenderContext {
    return {
      event: job.event.event,
      eventJson: job.event.json,
      ruleArn: job.rule.arn,
      ruleName: job.rule.name,
      ingestionTime: isoSeconds(job.event.ingestedAt),
    };
  }

  /** Which of the targets it can reach an ARN names, if any. */
  #kind(arn: string): 'lambda' | 'sqs' | 'api-destination' | 'bus' | undefined {
    if (isLambdaArn(arn)) return 'lambda';
    if (isSqsArn(arn)) return 'sqs';
    if (isApiDestinationArn(arn)) return 'api-destination';
    if (arn.startsWith(this.options.busArnPrefix)) return 'bus';
    return undefined;
  }

  /** Whether events for a target of this ARN can be delivered here, rather than dead-lettered as NO_RESOURCE. */
  canDeliver(arn: string): boolean {
    return this.#kind(arn) !== undefined;
  }

  async #send(job: Job, payload: string): Promise<void> {
    const { arn } = job.target;
    const kind = this.#kind(arn);
    if (kind === 'lambda') {
      const accepted = this.options.acceptLambda?.(arn, payload, job.id, {
        ruleArn: job.rule.arn,
        targetId: job.target.id,
      });
      if (accepted) job.landing = accepted.durable;
      else await this.options.invokeLambda(arn, payload);
    } else if (kind === 'sqs') {
      job.landing = this.options.queues.sendDurably(arn, payload);
    } else if (kind === 'api-destination') {
      const deadline = job.event.ingestedAt + this.#maxAgeMs(job.target);
      await this.options.callApiDestination(arn, payload, job.event, job.target.httpParameters, deadline);
    } else if (kind === 'bus') {
      const from = this.options.busArnPrefix + job.rule.busName;
      if (arn === from) {
        // Not documented by AWS; taking it would put every event on its bus a second time.
        throw new DeliveryFailureError(
          'INVALID_PARAMETER',
          `The target is the event bus the rule is on, ${arn}.`,
          false,
        );
      }
      if (job.event.forwardedFrom !== undefined) {
        // AWS's user guide: "EventBridge can't route events received from a sender event bus to a third event bus."
        throw new DeliveryFailureError(
          'INVALID_PARAMETER',
          `The event came to this bus from ${job.event.forwardedFrom}; EventBridge can't route events received from a sender event bus to a third event bus.`,
          false,
        );
      }
      this.options.forwardToBus(parseBusArn(arn) ?? '', payload, job.event, from);
    } else {
      throw new DeliveryFailureError(
        'NO_RESOURCE',
        'The embedded EventBridge delivers only to Lambda functions, SQS queues, API destinations and the buses of ' +
          `its own account and region, not to ${arn}.`,
        false,
      );
    }
  }

  #handleFailure(job: Job, failure: DeliveryFailureError): void {
    if (this.#stopped) return;
    const { maximumRetryAttempts } = job.target.retryPolicy;
    if (!failure.retryable) {
      this.#deadLetter(job, failure, undefined);
      return;
    }
    if (job.retries >= maximumRetryAttempts) {
      this.#deadLetter(job, failure, 'MaximumRetryAttempts');
      return;
    }
    // A retry is due, but its target is gone (an attempt that was to be the last says why it failed, above).
    if (job.targetRemoved) {
      this.#targetGone(job);
      return;
    }
    const delay = retryWaitMs(job.retries, failure.retryAfterMs, Math.random()) * this.options.delayScale;
    if (Date.now() + delay - job.event.ingestedAt > this.#maxAgeMs(job.target)) {
      this.#deadLetter(job, failure, 'MaximumEventAgeInSeconds');
      return;
    }
    job.failure = failureOf(failure);
    job.dueAt = Date.now() + delay;
    job.waitMs = delay;
    this.options.journal?.wait(this.#saved(job));
    this.#wait(job, delay, true);
  }

  /** Runs the job's next attempt after `delay` ms, counted as a retry if it is one. */
  #wait(job: Job, delay: number, retry: boolean): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      job.dueAt = undefined;
      job.waitMs = undefined;
      job.timer = undefined;
      // A retry goes to the target as it is now: one removed since (its subscription ended, say) gets no more
      // attempts, as after a restart; one put again under its id is called as it now reads.
      if (retry && !this.#retryAllowed(job)) return;
      if (retry) job.retries++;
      void this.#attempt(job);
    }, delay);
    this.#timers.add(timer);
    job.timer = timer;
  }

  /**
   * Targets removed from their rule: the deliveries waiting for a retry to them go to the DLQ now, as they would
   * at their turn. One whose attempt is running (or queued) gets no retry: should the attempt fail, it goes to the
   * DLQ then, and so at the next start should the server stop first, even if a target is put under its id by then.
   * Before (2026-12-05) it went on to such a target, and after a restart to a rule made again under the name.
   */
  targetsRemoved(busName: string, ruleName: string, targetIds: readonly string[]): void {
    for (const job of [...this.#live]) {
      const { rule, target, timer } = job;
      if (rule.busName !== busName || rule.name !== ruleName || !targetIds.includes(target.id)) continue;
      if (timer === undefined) {
        // Taken over already (by Lambda's queue or an SQS queue): it has landed, or lands, and is not retried here.
        if (job.landing || job.targetRemoved) continue;
        job.targetRemoved = true;
        if (job.id !== undefined) this.options.journal?.wait(this.#saved(job));
        continue;
      }
      clearTimeout(timer);
      this.#timers.delete(timer);
      job.timer = undefined;
      job.dueAt = undefined;
      this.#targetGone(job);
    }
  }

  /**
   * Points the job at its rule and target as they are now, and answers whether their retry policy still allows the
   * retry due; when not (the rule or target gone, or a retry policy since lowered below what was spent), it is
   * dead-lettered.
   */
  #retryAllowed(job: Job): boolean {
    const { currentTarget } = this.options;
    const found = currentTarget ? currentTarget(job.rule.busName, job.rule.name, job.target.id) : job;
    // A rule deleted and made again under its name is not the one the event matched.
    if (found === undefined || found.rule.instance !== job.rule.instance) {
      this.#targetGone(job);
      return false;
    }
    const failure = job.failure as Failure;
    if (found.target !== job.target) {
      job.target = found.target;
      // Its Input, InputPath or InputTransformer may have changed with it, and its retry policy.
      delete job.payload;
      if (Date.now() - job.event.ingestedAt > this.#maxAgeMs(job.target)) {
        this.#deadLetter(job, failure, 'MaximumEventAgeInSeconds');
        return false;
      }
    }
    job.rule = found.rule;
    if (job.retries >= job.target.retryPolicy.maximumRetryAttempts) {
      this.#deadLetter(job, failure, 'MaximumRetryAttempts');
      return false;
    }
    return true;
  }

  /** The target's MaximumEventAgeInSeconds in ms, scaled. */
  #maxAgeMs(target: DeliveryTarget): number {
    return target.retryPolicy.maximumEventAgeInSeconds * 1000 * this.options.delayScale;
  }

  #deadLetter(
    job: Undelivered,
    failure: Failure | DeliveryFailureError,
    exhausted: string | undefined,
  ): void {
    const { rule, target } = job;
    const attributes: Record<string, MessageAttribute> = {
      RULE_ARN: { DataType: 'String', StringValue: rule.arn },
      TARGET_ARN: { DataType: 'String', StringValue: target.arn },
      ERROR_CODE: { DataType: 'String', StringValue: failure.code },
      ERROR_MESSAGE: { DataType: 'String', StringValue: failure.message },
      RETRY_ATTEMPTS: { DataType: 'Number', StringValue: String(job.retries) },
      ...(exhausted ? { EXHAUSTED_RETRY_CONDITION: { DataType: 'String', StringValue: exhausted } } : {}),
    };
    const origin: TargetOrigin = {
      busName: rule.busName,
      ruleName: rule.name,
      ruleArn: rule.arn,
      targetId: target.id,
      targetArn: target.arn,
      ...(job.event.forwardedFrom !== undefined ? { forwardedFrom: job.event.forwardedFrom } : {}),
      ...(job.id !== undefined ? { deliveryId: job.id } : {}),
    };
    const dlq = target.deadLetterArn;
    // A DLQ outside the rule's Region is one AWS cannot write ("The Amazon SQS queue you use must be in the same Region
    // in which you create the rule"): there the event is lost (InvocationsFailedToBeSentToDLQ), here it is kept among
    // dropped deliveries, as an event without a DLQ is. Before (2026-12-08) it landed in that queue, so a DLQ set up
    // in the wrong Region seemed to work locally.
    const region = arnRegion(this.options.busArnPrefix);
    const writable = dlq !== undefined && dlqInRegion(dlq, region);
    const queue = writable ? dlq : DROPPED_DELIVERIES;
    const landing = this.options.queues.sendDurably(queue, job.event.json, attributes, origin);
    const keptIn = writable
      ? `DLQ ${queue}`
      : dlq !== undefined
        ? `the dropped-deliveries store: its DLQ ${dlq} is not in the rule's Region (${region}), as AWS requires, so AWS could not send it there`
        : 'the dropped-deliveries store';
    this.options.logger.warn(
      `[eventbridge] event ${idText(job.event.event.id)} not delivered to ${target.arn} (rule ${rule.arn}` +
        (exhausted ? `; retries ended by ${exhausted} after ${job.retries}` : '') +
        `): ${failure.code}: ${logLine(failure.logged ?? failure.message)}; kept in ${keptIn}`,
    );
    this.#finished(job, landing);
  }

  /** A delivery made or dead-lettered: out of the journal and the count. */
  #finished(job: Undelivered, landing?: Promise<boolean>): void {
    // After stop() the count was reset and the journal holds the job for the next start; calls still in flight
    // then finish without counting.
    if (this.#stopped) return;
    this.#live.delete(job as Job);
    this.#endOnceLanded(job.id, landing ?? (job as Job).landing);
    this.#pending--;
    if (this.#pending === 0) this.#notifyIdle();
  }

  /**
   * Ends a delivery in the journal; one another store took over, once that store's write has landed. It is out of
   * #live by then: a stop meanwhile does not keep it to be made again.
   */
  #endOnceLanded(id: string | undefined, landing: Promise<boolean> | undefined): void {
    const { journal } = this.options;
    if (id === undefined || !journal) return;
    if (landing) journal.endOnceLanded(id, landing);
    else journal.end(id);
  }

  #notifyIdle(): void {
    for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }
}

/**
 * An event's id as a log line names it. It is a string, except for an event a bus target forwarded with an Input
 * that set `id` to something else, which String() may even throw on (`{"toString":1}`).
 */
export const idText = (id: unknown): string =>
  typeof id === 'string' ? id : (JSON.stringify(id) ?? String(id));

/** Epoch ms as the AWS JSON protocol sends a timestamp: epoch seconds, with the milliseconds as a fraction. */
export const epochSeconds = (epochMs: number): number => epochMs / 1000;

/** EventBridge's time format: ISO 8601 in UTC without milliseconds. */
export const isoSeconds = (epochMs: number): string =>
  new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** What a target threw, as its dead letter's ERROR_MESSAGE and log line give it (DeliveryFailureError cuts it). */
function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Why a delivery the last run did not finish, and did not see fail, was dead-lettered at the next start. */
function stoppedPastAge(): DeliveryFailureError {
  return new DeliveryFailureError(
    'INTERNAL_ERROR',
    "The embedded EventBridge stopped before this delivery ended, and started again past the event's MaximumEventAgeInSeconds.",
    false,
  );
}
