// AWS SDK clients, created once per function instance and configured only by the standard AWS environment
// (AWS_REGION, AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_EVENTBRIDGE, credentials), so the same code
// talks to AWS in Lambda and to DynamoDB Local and the embedded EventBridge on one machine.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { AdaptiveRetryStrategy, StandardRetryStrategy } from '@smithy/core/retry';
import { EventBridgeBus } from './bus.js';
import { ENV, optionalEnv, requireEnv } from './config.js';
import { DynamoDbRegistry } from './registry/dynamodb-registry.js';

/**
 * A client's request handler settings that fail each attempt of a call with no answer after `ms`, so that it is tried
 * again (or given up) rather than waited on. `requestTimeout` alone only logs a warning in this SDK.
 */
export function attemptsCutAfter(ms: number) {
  return { requestTimeout: ms, throwOnRequestTimeout: true } as const;
}

/**
 * In the functions that use the registry, retarget aside (authorizer, publish, deliver, departments, contracts,
 * subscriptions), an attempt whose connection has been silent this long is cut and tried again. DynamoDB answers a
 * GetItem, a Query or a transaction in milliseconds, so a second of silence is a hung connection, which was otherwise
 * waited on until the function timed out (the authorizer's 5 s made a 500 of a request a second attempt would have
 * answered). The client's four attempts (DynamoDB's default) and their backoff fit in the authorizer's 5 s. The time
 * waiting for a connection does not count (a socket timeout, not a request timeout): locally up to 1,000 invocations
 * share a client's 50 sockets, and a request timeout of 1 s failed deliveries that had only waited their turn
 * (bench:api's fan-out, 2026-12-06). No connectionTimeout either, for the same reason: in this SDK
 * (@smithy/node-http-handler's setConnectionTimeout) its timer starts with the request, before the agent hands it a
 * socket. A write cut short may have landed, yet its retry is not refused by its own condition: every change is one
 * TransactWriteItems, whose ClientRequestToken (DynamoDbRegistry's, or one the SDK makes when none is given) the SDK's
 * retry sends again, and DynamoDB answers a token it has committed as success without writing again
 * (or TransactionInProgressException while the first still runs, which the SDK retries as throttling). The other write,
 * the audit-day index's PutItem, has no condition.
 */
export const REGISTRY_SILENCE_TIMEOUT_MS = 1_000;

export interface RegistryClientOptions {
  /** Cuts each attempt of a DynamoDB call after this many ms (see attemptsCutAfter). */
  readonly attemptTimeoutMs?: number;
  /** Cuts an attempt whose connection has been silent this many ms, the wait for a connection not counted. */
  readonly silenceTimeoutMs?: number;
}

export function createRegistry(options: RegistryClientOptions = {}): DynamoDbRegistry {
  const handler = {
    ...(options.attemptTimeoutMs === undefined ? {} : attemptsCutAfter(options.attemptTimeoutMs)),
    ...(options.silenceTimeoutMs === undefined ? {} : { socketTimeout: options.silenceTimeoutMs }),
  };
  const dynamoDb = new DynamoDBClient(Object.keys(handler).length === 0 ? {} : { requestHandler: handler });
  const client = DynamoDBDocumentClient.from(dynamoDb, {
    marshallOptions: { removeUndefinedValues: true },
  });
  return new DynamoDbRegistry({ client, tableName: requireEnv(ENV.tableName) });
}

/**
 * The registry of the functions that use it, retarget aside (see REGISTRY_SILENCE_TIMEOUT_MS): an attempt whose
 * connection has been silent for REGISTRY_SILENCE_TIMEOUT_MS is cut and tried again.
 */
export function createSilenceCutRegistry(): DynamoDbRegistry {
  return createRegistry({ silenceTimeoutMs: REGISTRY_SILENCE_TIMEOUT_MS });
}

/**
 * The SDK's standard retries, with two changes for EventBridge's control plane:
 * - LimitExceededException is not retried: that is a quota (rules per bus, targets per rule, replays at once), not a
 *   rate, yet the SDK counts it as throttling and tries twice more with throttling's backoff, so a subscription at a
 *   full bus waited some 3 s for the refusal no retry changes (SDK audit, 2026-12-05). EventBridge's rate refusal is
 *   ThrottlingException, still retried.
 * - ConcurrentModificationException is retried, as a transient error: another change to the same rule was under way
 *   (a deploy's retarget putting its target again, or this call's own attempt cut for silence and still running), and
 *   the SDK, which does not know the error, handed it straight to the caller as a 500.
 */
export class RulesClientRetries extends StandardRetryStrategy {
  override async refreshRetryTokenForRetry(
    ...[token, errorInfo]: Parameters<StandardRetryStrategy['refreshRetryTokenForRetry']>
  ): ReturnType<StandardRetryStrategy['refreshRetryTokenForRetry']> {
    return super.refreshRetryTokenForRetry(token, asRulesClientRetries(errorInfo));
  }
}

/** RulesClientRetries' two changes over the SDK's adaptive retries, which slow down when EventBridge throttles. */
export class AdaptiveRulesClientRetries extends AdaptiveRetryStrategy {
  override async refreshRetryTokenForRetry(
    ...[token, errorInfo]: Parameters<AdaptiveRetryStrategy['refreshRetryTokenForRetry']>
  ): ReturnType<AdaptiveRetryStrategy['refreshRetryTokenForRetry']> {
    return super.refreshRetryTokenForRetry(token, asRulesClientRetries(errorInfo));
  }
}

type RetryErrorInfo = Parameters<StandardRetryStrategy['refreshRetryTokenForRetry']>[1];

/** The error as RulesClientRetries weighs it: a quota ends the call, a concurrent modification is transient. */
function asRulesClientRetries(errorInfo: RetryErrorInfo): RetryErrorInfo {
  const name = errorInfo.error?.name;
  if (name === 'LimitExceededException') throw new Error('a quota is not retried');
  if (name === 'ConcurrentModificationException') return { ...errorInfo, errorType: 'TRANSIENT' };
  return errorInfo;
}

/**
 * In the rules client, an attempt whose connection has been silent this long is cut and tried again, rather than
 * waited on until the subscriptions function times out (25 s). Every call it makes (PutRule, PutTargets,
 * RemoveTargets, DeleteRule, ListRules) is safe to repeat, so a cut that was too eager costs a call made twice. Twice
 * the registry's second, as the control plane does more per call than DynamoDB; the three attempts of each of the
 * four calls a subscription's rule may take (made, then taken away again) fit in the function's timeout. Like the
 * registry's, a socket timeout: the wait for a connection does not count.
 */
export const RULES_SILENCE_TIMEOUT_MS = 2_000;

/**
 * The client for EventBridge's control plane: rules and targets. Its attempts are the client's own (AWS_MAX_ATTEMPTS,
 * the profile's max_attempts, else 3), read when a call is made; its retries are the standard ones but for
 * RulesClientRetries' two changes.
 */
export function createRulesClient(): EventBridgeClient {
  const client: EventBridgeClient = new EventBridgeClient({
    retryStrategy: new RulesClientRetries(() => client.config.maxAttempts()),
    requestHandler: { socketTimeout: RULES_SILENCE_TIMEOUT_MS },
  });
  return client;
}

/** The retarget function's client's attempts, as before it shared RulesClientRetries' changes. */
const RETARGET_MAX_ATTEMPTS = 4;

/**
 * The retarget function's EventBridge client: many control-plane calls in a row, so adaptive retries, which slow down
 * when EventBridge throttles rather than give up, four attempts, with RulesClientRetries' two changes (a deploy's
 * retarget meets a subscription being made or deleted as a ConcurrentModificationException). Each attempt is cut
 * after `attemptTimeoutMs`, so that a call cannot hold the answer past the function's timeout.
 */
export function createRetargetClient(attemptTimeoutMs: number): EventBridgeClient {
  // maxAttempts too, so that the amz-sdk-request header and client.config.maxAttempts() say 4, not AWS_MAX_ATTEMPTS or 3.
  return new EventBridgeClient({
    maxAttempts: RETARGET_MAX_ATTEMPTS,
    retryStrategy: new AdaptiveRulesClientRetries(RETARGET_MAX_ATTEMPTS),
    requestHandler: attemptsCutAfter(attemptTimeoutMs),
  });
}

export function createBus(): EventBridgeBus {
  const maxRetries = optionalEnv(ENV.deliveryMaxRetries);
  const maxAge = optionalEnv(ENV.deliveryMaxEventAgeSeconds);
  const deadLetterArn = optionalEnv(ENV.deliveryDlqArn);
  const deliverFunctionArn = optionalEnv(ENV.deliverFunctionArn);
  return new EventBridgeBus({
    client: createRulesClient(),
    // One attempt per PutEvents call: the bus retries, within its deadline (see EventBridgeBusOptions).
    publishClient: new EventBridgeClient({ maxAttempts: 1 }),
    busName: requireEnv(ENV.busName),
    // Only the subscriptions function manages rules, and only it is given the deliver function's ARN.
    ...(deliverFunctionArn ? { deliverFunctionArn } : {}),
    ...(deadLetterArn ? { deadLetterArn } : {}),
    ...(maxRetries ? { maxRetries: Number(maxRetries) } : {}),
    ...(maxAge ? { maxEventAgeSeconds: Number(maxAge) } : {}),
  });
}
