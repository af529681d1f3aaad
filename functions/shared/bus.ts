// The bus port and its EventBridge adapter: publishing envelopes and managing the one rule per
// subscription. Publishing never drops an entry silently: failed entries are retried, and whatever
// still fails is reported back by event id.

import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import {
  DeleteRuleCommand,
  type EventBridgeClient,
  ListRulesCommand,
  ListTargetsByRuleCommand,
  PutEventsCommand,
  type PutEventsRequestEntry,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
  ResourceNotFoundException,
  type Target,
} from '@aws-sdk/client-eventbridge';
import { isServerError, isTransientError } from '@smithy/core/retry';
import { DELIVERY_RETRY_BOUNDS } from '../routes.js';
import { ConfigurationError } from './config.js';
import { logger } from './logger.js';

export interface BusEntry {
  /** Our event id, used to report which entries failed. */
  readonly eventId: string;
  readonly source: string;
  readonly detailType: string;
  readonly detail: string;
  readonly time: Date;
}

export interface PublishFailure {
  readonly eventId: string;
  readonly code: string;
  readonly message: string;
  /** EventBridge refused the entry itself (its code is one that no resend can change). */
  readonly permanent: boolean;
}

export interface PublishResult {
  readonly accepted: readonly string[];
  readonly failed: readonly PublishFailure[];
}

export interface SubscriptionRule {
  readonly ruleName: string;
  readonly subscriptionId: string;
  readonly description: string;
  /** The full EventBridge pattern (JSON). */
  readonly eventPattern: string;
}

/**
 * What putting a subscription rule's target again found: the target was put with the bus's settings, already had
 * them, or was not there to put (no rule, or a rule without the deliver target: a subscription being made or
 * removed at that moment, or one broken by hand, which is left as it is).
 */
export type RetargetOutcome = 'updated' | 'unchanged' | 'missing';

export class InvalidRulePatternError extends Error {
  override name = 'InvalidRulePatternError';
}

/** The longest EventPattern PutRule's model takes, whatever the quota (2,048 by default, raised up to this). */
export const EVENT_PATTERN_MODEL_MAX = 4_096;

/** The refusal of a rule pattern `length` characters long, past what EventBridge takes. */
export function overlongPattern(length: number, options?: ErrorOptions): InvalidRulePatternError {
  return new InvalidRulePatternError(
    `the rule's event pattern, filter included, is ${length} characters; EventBridge takes at most 2,048 by default, 4,096 with a raised quota.`,
    options,
  );
}

/** The bus holds as many rules as its quota ("Rules per event bus", 300 by default) allows. */
export class RulesQuotaError extends Error {
  override name = 'RulesQuotaError';
}

/**
 * EventBridge kept refusing a rule's change for its rate (ThrottlingException) after the client's retries, or did not
 * answer any of the client's attempts in time (`silent`): the same call a moment later may pass. Throttled, the change
 * was not made; silent, it may have been.
 */
export class BusBusyError extends Error {
  override name = 'BusBusyError';
  /**
   * The error code when EventBridge answered a fault the SDK retries as transient (InternalException, another 5xx, a
   * connection refused or reset) and it outlasted the client's retries; the change may have been made.
   */
  readonly failedWith: string | undefined;
  constructor(
    message: string,
    readonly silent: boolean,
    options?: { cause?: unknown; failedWith?: string },
  ) {
    super(message, options);
    this.failedWith = options?.failedWith;
  }
}

/**
 * `error`, or a BusBusyError for EventBridge's rate refusal, or for no answer through the client's retries (the SDK's
 * TimeoutError: each attempt cut after RULES_SILENCE_TIMEOUT_MS), which reached the caller as a 500 internal_error
 * (errpaths review, 2026-12-07), though a moment later the same request may pass.
 */
function busyIfThrottled(error: unknown): unknown {
  const name = (error as Error | undefined)?.name;
  if (name === 'ThrottlingException')
    return new BusBusyError('EventBridge kept throttling the rule change after retries', false, {
      cause: error,
    });
  if (name === 'TimeoutError')
    return new BusBusyError('EventBridge did not answer the rule change in time through retries', true, {
      cause: error,
    });
  // What the SDK retries as transient, outlasting its retries: AWS's InternalException ("Retry the request"), the
  // embedded EventBridge's refusal while its disk refuses writes, a connection refused or reset. It reached the caller
  // as a 500 internal_error, while the publish function answers the same error 503 with Retry-After (sdkretry review,
  // session 64). A 500's change may have been made (the embedded EventBridge's "made but not written").
  const sdkError = error as Parameters<typeof isTransientError>[0];
  if (error instanceof Error && (isTransientError(sdkError) || isServerError(sdkError)))
    return new BusBusyError(
      // Its words kept: the retarget function's answer to CloudFormation names them.
      `EventBridge failed the rule change through retries (${error.name}: ${error.message})`,
      true,
      { cause: error, failedWith: error.name },
    );
  return error;
}

export interface PublishOptions {
  /**
   * The time the caller has left for this publish (ms): its deadline is the shorter of this and the bus's own
   * (EventBridgeBusOptions.deadlineMs).
   */
  readonly withinMs?: number;
}

export abstract class Bus {
  abstract publish(entries: readonly BusEntry[], options?: PublishOptions): Promise<PublishResult>;
  /**
   * Creates or updates the rule and its deliver target. Throws InvalidRulePatternError for a pattern EventBridge
   * refuses, RulesQuotaError when the bus can hold no more rules.
   */
  abstract putSubscriptionRule(rule: SubscriptionRule): Promise<void>;
  /**
   * Puts the deliver target of an existing rule again with the bus's settings (deliver function, retry policy,
   * dead-letter queue), if it differs from them; the rule itself is left as it is.
   */
  abstract retargetSubscriptionRule(
    rule: Pick<SubscriptionRule, 'ruleName' | 'subscriptionId'>,
  ): Promise<RetargetOutcome>;
  /** Removes the target and the rule; a rule that is already gone is fine. */
  abstract deleteSubscriptionRule(ruleName: string): Promise<void>;
  /** Names of the rules on the bus with the given prefix. */
  abstract listRuleNames(prefix: string): Promise<string[]>;
}

/** PutEvents quotas: 10 entries, and 256 KB per request (AWS's own limit is 1 MB since 2026-01-29; see MAX_EVENT_BYTES). */
export const MAX_ENTRIES_PER_PUT = 10;
export const MAX_PUT_BYTES = 256 * 1024;
/** AWS's documented entry-size calculation (Time counts 14 bytes). */
export function entrySize(entry: { source: string; detailType: string; detail: string }): number {
  return (
    14 +
    Buffer.byteLength(entry.source, 'utf8') +
    Buffer.byteLength(entry.detailType, 'utf8') +
    Buffer.byteLength(entry.detail, 'utf8')
  );
}

/** Entry codes that will not succeed if sent again: the non-retryable ones of PutEventsResultEntry's reference. */
const PERMANENT_CODES = new Set([
  'MalformedDetail',
  'InvalidArgument',
  'NotAuthorizedForSourceException',
  'NotAuthorizedForDetailTypeException',
  'AccessDeniedException',
  'InvalidAccountIdException',
  'RedactionFailure',
]);

/** A call refused as a whole by a client fault (4xx) other than these is refused again if sent again. */
const TRANSIENT_CALL_ERRORS = new Set([
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestTimeout',
  'RequestTimeoutException',
  'ExpiredTokenException',
]);

/** The refusals of a call as a whole for its rate. */
const THROTTLED_CALL_ERRORS: ReadonlySet<string> = new Set([
  'ThrottlingException',
  'TooManyRequestsException',
]);

function isPermanentCallError(error: unknown): boolean {
  const { name, $fault } = error as { name?: string; $fault?: string };
  return $fault === 'client' && !TRANSIENT_CALL_ERRORS.has(name ?? '');
}

export interface EventBridgeBusOptions {
  readonly client: EventBridgeClient;
  /**
   * The client PutEvents goes through, made with `maxAttempts: 1` so that every retry is the bus's own, within the
   * deadline. The SDK's retries would wait inside one call, where the deadline cuts them off, and a throttled
   * call would then read as one never answered. @default client
   */
  readonly publishClient?: EventBridgeClient;
  readonly busName: string;
  /** The deliver function, target of every subscription rule; needed only to manage rules. */
  readonly deliverFunctionArn?: string;
  /** Where EventBridge puts deliveries it could not hand to the deliver function. */
  readonly deadLetterArn?: string;
  readonly maxRetries?: number;
  readonly maxEventAgeSeconds?: number;
  /** Attempts per entry before it is reported failed. @default 5 */
  readonly publishAttempts?: number;
  /** Base of the exponential backoff between attempts, in ms. @default 50 */
  readonly backoffBaseMs?: number;
  /**
   * How long a publish may wait for EventBridge, its attempts and retries together, in ms: past it, the entries not
   * yet taken are reported failed, so the caller hears 503 before the function's own timeout cuts it off with a
   * bare 500 that names no event. @default DEFAULT_PUBLISH_DEADLINE_MS
   */
  readonly deadlineMs?: number;
}

/** A publish's time for EventBridge: well inside the publish function's 10 s, which also reads the registry. */
export const DEFAULT_PUBLISH_DEADLINE_MS = 6_000;

export const DELIVER_TARGET_ID = 'deliver';

export class EventBridgeBus extends Bus {
  readonly #options: EventBridgeBusOptions;

  constructor(options: EventBridgeBusOptions) {
    super();
    this.#options = options;
  }

  override async publish(entries: readonly BusEntry[], options: PublishOptions = {}): Promise<PublishResult> {
    // The calls go out side by side: a batch of 100 waits for one round trip to EventBridge rather than ten.
    // EventBridge keeps no order between events anyway; the answer lists them in the request's order.
    // NaN is no limit (not a RangeError from AbortSignal.timeout), and less than nothing is nothing.
    const within = Number.isNaN(options.withinMs) ? undefined : options.withinMs;
    const deadlineMs = Math.max(
      0,
      Math.floor(
        Math.min(within ?? Number.POSITIVE_INFINITY, this.#options.deadlineMs ?? DEFAULT_PUBLISH_DEADLINE_MS),
      ),
    );
    // On the monotonic clock: a wall clock set forward (NTP) mid-publish aborted the next attempt at once, one set
    // back gave an attempt an hour (clock review, 2026-12-06).
    const deadline = performance.now() + deadlineMs;
    const results = await Promise.all(
      chunkEntries(entries).map((chunk) => this.#putWithRetries(chunk, deadline, deadlineMs)),
    );
    return {
      accepted: results.flatMap((result) => result.accepted),
      failed: results.flatMap((result) => result.failed),
    };
  }

  async #putWithRetries(
    chunk: readonly BusEntry[],
    deadline: number,
    deadlineMs: number,
  ): Promise<PublishResult> {
    const attempts = this.#options.publishAttempts ?? 5;
    const base = this.#options.backoffBaseMs ?? 50;
    const accepted: string[] = [];
    const failed: PublishFailure[] = [];
    let pending = chunk;
    for (let attempt = 1; pending.length > 0; attempt++) {
      const retry: BusEntry[] = [];
      let lastFailures: PublishFailure[] = [];
      const timeout = AbortSignal.timeout(Math.max(1, Math.ceil(deadline - performance.now())));
      try {
        const output = await (this.#options.publishClient ?? this.#options.client).send(
          new PutEventsCommand({ Entries: pending.map((entry) => this.#toRequestEntry(entry)) }),
          { abortSignal: timeout },
        );
        const results = output.Entries ?? [];
        pending.forEach((entry, index) => {
          const result = results[index];
          if (result?.EventId && !result.ErrorCode) {
            accepted.push(entry.eventId);
            return;
          }
          const code = result?.ErrorCode ?? 'MissingResult';
          const failure = {
            eventId: entry.eventId,
            code,
            message: result?.ErrorMessage ?? 'EventBridge returned no result for this entry',
            permanent: PERMANENT_CODES.has(code),
          };
          if (failure.permanent) failed.push(failure);
          else {
            retry.push(entry);
            lastFailures.push(failure);
          }
        });
      } catch (error) {
        if (timeout.aborted) {
          // No answer in time: EventBridge may have taken the entries or not, and there is no time to ask again.
          logger.error('PutEvents had no answer before the deadline', { entries: pending.length, error });
          failed.push(...pending.map((entry) => timedOut(entry, deadlineMs)));
          break;
        }
        // The whole call failed (after the client's own retries, if it makes any). Its words stay in the log: an IAM denial names the
        // function's role and the account, which the API's callers need not see.
        const code = (error as Error).name;
        const permanent = isPermanentCallError(error);
        // A throttle is contention, retried and told to the caller as such: a warning without the stack, not an
        // error at every attempt (review, 2026-12-07).
        if (THROTTLED_CALL_ERRORS.has(code))
          logger.warn('PutEvents throttled as a whole', { code, entries: pending.length });
        else logger.error('PutEvents failed as a whole', { code, permanent, entries: pending.length, error });
        const failures = pending.map((entry) => ({
          eventId: entry.eventId,
          code,
          message: `EventBridge refused the PutEvents call as a whole (${code})`,
          permanent,
        }));
        if (permanent) failed.push(...failures);
        else {
          retry.push(...pending);
          lastFailures = failures;
        }
      }
      if (retry.length === 0) break;
      const backoff = base * 2 ** (attempt - 1) * (0.5 + Math.random());
      if (attempt >= attempts || performance.now() + backoff >= deadline) {
        failed.push(...lastFailures);
        break;
      }
      await sleep(backoff);
      pending = retry;
    }
    return { accepted, failed };
  }

  #toRequestEntry(entry: BusEntry): PutEventsRequestEntry {
    return {
      EventBusName: this.#options.busName,
      Source: entry.source,
      DetailType: entry.detailType,
      Detail: entry.detail,
      Time: entry.time,
    };
  }

  override async putSubscriptionRule(rule: SubscriptionRule): Promise<void> {
    const { client, busName } = this.#options;
    // Before the rule is made: a bus without the deliver function's ARN throws here, leaving no rule behind.
    const target = this.#deliverTarget(rule.subscriptionId);
    try {
      await client.send(
        new PutRuleCommand({
          EventBusName: busName,
          Name: rule.ruleName,
          Description: rule.description.slice(0, 512),
          EventPattern: rule.eventPattern,
          State: 'ENABLED',
        }),
      );
    } catch (error) {
      if ((error as Error).name === 'InvalidEventPatternException') {
        throw new InvalidRulePatternError((error as Error).message, { cause: error });
      }
      if ((error as Error).name === 'LimitExceededException') {
        throw new RulesQuotaError(`bus ${busName} holds as many rules as its quota allows`, { cause: error });
      }
      // The model's length limit on EventPattern: a filter with thousands of values. The message would repeat the
      // whole pattern; say what is wrong instead.
      if (
        (error as Error).name === 'ValidationException' &&
        (error as Error).message.includes("at 'eventPattern'")
      ) {
        throw overlongPattern(rule.eventPattern.length, { cause: error });
      }
      throw busyIfThrottled(error);
    }
    await this.#putTarget(rule.ruleName, target);
  }

  override async retargetSubscriptionRule(
    rule: Pick<SubscriptionRule, 'ruleName' | 'subscriptionId'>,
  ): Promise<RetargetOutcome> {
    const { client, busName } = this.#options;
    const wanted = this.#deliverTarget(rule.subscriptionId);
    try {
      // A rule holds at most 5 targets: one page.
      const listed = await client.send(
        new ListTargetsByRuleCommand({ EventBusName: busName, Rule: rule.ruleName }),
      );
      const current = listed.Targets?.find((target) => target.Id === DELIVER_TARGET_ID);
      if (current === undefined) return 'missing';
      if (isDeepStrictEqual(definedOnly(current), definedOnly(wanted))) return 'unchanged';
      await this.#putTarget(rule.ruleName, wanted);
      return 'updated';
    } catch (error) {
      if ((error as Error).name === 'ResourceNotFoundException') return 'missing';
      throw error;
    }
  }

  /** The one target of a subscription's rule, with this bus's delivery settings. */
  #deliverTarget(subscriptionId: string): Target {
    const { deliverFunctionArn, deadLetterArn, maxRetries, maxEventAgeSeconds } = this.#options;
    if (!deliverFunctionArn) throw new ConfigurationError('the deliver function ARN is not configured');
    return deliverTarget(
      {
        deliverFunctionArn,
        ...(deadLetterArn ? { deadLetterArn } : {}),
        ...(maxRetries === undefined ? {} : { maxRetries }),
        ...(maxEventAgeSeconds === undefined ? {} : { maxEventAgeSeconds }),
      },
      subscriptionId,
    );
  }

  async #putTarget(ruleName: string, target: Target): Promise<void> {
    const { client, busName } = this.#options;
    const output = await client
      .send(new PutTargetsCommand({ EventBusName: busName, Rule: ruleName, Targets: [target] }))
      .catch((error: unknown) => {
        throw busyIfThrottled(error);
      });
    if (output.FailedEntryCount) {
      const entry = output.FailedEntries?.[0];
      throw new Error(`PutTargets failed for rule ${ruleName}: ${entry?.ErrorCode} ${entry?.ErrorMessage}`);
    }
  }

  override async deleteSubscriptionRule(ruleName: string): Promise<void> {
    const { client, busName } = this.#options;
    for (let attempt = 1; ; attempt++) {
      try {
        await client.send(
          new RemoveTargetsCommand({ EventBusName: busName, Rule: ruleName, Ids: [DELIVER_TARGET_ID] }),
        );
        await client.send(new DeleteRuleCommand({ EventBusName: busName, Name: ruleName }));
        return;
      } catch (error) {
        if (
          error instanceof ResourceNotFoundException ||
          (error as Error).name === 'ResourceNotFoundException'
        )
          return;
        // A deploy's retarget may have put the target back between the two calls ("Rule can't be deleted since it
        // has targets."): remove it again.
        const targetBack =
          (error as Error).name === 'ValidationException' && (error as Error).message.includes('has targets');
        if (targetBack && attempt < 3) continue;
        throw busyIfThrottled(error);
      }
    }
  }

  override async listRuleNames(prefix: string): Promise<string[]> {
    const names: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.#options.client.send(
        new ListRulesCommand({
          EventBusName: this.#options.busName,
          NamePrefix: prefix,
          NextToken: nextToken,
        }),
      );
      for (const rule of page.Rules ?? []) if (rule.Name) names.push(rule.Name);
      nextToken = page.NextToken;
    } while (nextToken);
    return names;
  }
}

export interface DeliverTargetSettings {
  readonly deliverFunctionArn: string;
  readonly deadLetterArn?: string;
  readonly maxRetries?: number;
  readonly maxEventAgeSeconds?: number;
}

/** The one target of a subscription's rule, as this version of sharebus writes it (see subscriptionTargetShape). */
export function deliverTarget(settings: DeliverTargetSettings, subscriptionId: string): Target {
  return {
    Id: DELIVER_TARGET_ID,
    Arn: settings.deliverFunctionArn,
    // The deliver function needs to know which subscription matched; the envelope travels as is.
    InputTransformer: {
      InputPathsMap: { detail: '$.detail' },
      InputTemplate: `{"subscriptionId": ${JSON.stringify(subscriptionId)}, "event": <detail>}`,
    },
    RetryPolicy: {
      MaximumRetryAttempts: settings.maxRetries ?? DELIVERY_RETRY_BOUNDS.maxRetries.max,
      MaximumEventAgeInSeconds: settings.maxEventAgeSeconds ?? DELIVERY_RETRY_BOUNDS.maxEventAgeSeconds.max,
    },
    ...(settings.deadLetterArn ? { DeadLetterConfig: { Arn: settings.deadLetterArn } } : {}),
  };
}

/**
 * A digest of how deliverTarget writes a target, the settings aside (placeholders, with every optional setting and
 * with none, so that the defaults count too). The stack hands it to its SubscriptionTargets resource: a release that
 * writes targets differently changes the resource's properties, so that its deploy puts every existing target again.
 * Derived, not a constant to bump by hand, which a change to deliverTarget could forget.
 */
export function subscriptionTargetShape(): string {
  const placeholders = [
    deliverTarget({ deliverFunctionArn: 'arn:shape:deliver' }, 'shape'),
    deliverTarget(
      {
        deliverFunctionArn: 'arn:shape:deliver',
        deadLetterArn: 'arn:shape:dlq',
        maxRetries: 1,
        maxEventAgeSeconds: 61,
      },
      'shape',
    ),
  ];
  return createHash('sha256').update(JSON.stringify(placeholders)).digest('hex').slice(0, 16);
}

/** A value as JSON would carry it: the SDK leaves absent members out, a literal may hold them as undefined. */
function definedOnly(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}

function timedOut(entry: BusEntry, deadlineMs: number): PublishFailure {
  return {
    eventId: entry.eventId,
    code: 'Timeout',
    message: `EventBridge did not answer within ${deadlineMs} ms; the event may or may not have been published`,
    permanent: false,
  };
}

/** Splits entries into PutEvents calls of at most 10 entries and 256 KB. */
export function chunkEntries(entries: readonly BusEntry[]): BusEntry[][] {
  const chunks: BusEntry[][] = [];
  let current: BusEntry[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = entrySize(entry);
    if (current.length > 0 && (current.length === MAX_ENTRIES_PER_PUT || bytes + size > MAX_PUT_BYTES)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
