// AWS SDK clients, created once per function instance and configured only by the standard AWS environment
// (AWS_REGION, AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_EVENTBRIDGE, credentials), so the same code
// talks to AWS in Lambda and to DynamoDB Local and the embedded EventBridge on one machine.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
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

export interface RegistryClientOptions {
  /** Cuts each attempt of a DynamoDB call after this many ms (see attemptsCutAfter). */
  readonly attemptTimeoutMs?: number;
}

export function createRegistry(options: RegistryClientOptions = {}): DynamoDbRegistry {
  const dynamoDb = new DynamoDBClient(
    options.attemptTimeoutMs === undefined
      ? {}
      : { requestHandler: attemptsCutAfter(options.attemptTimeoutMs) },
  );
  const client = DynamoDBDocumentClient.from(dynamoDb, {
    marshallOptions: { removeUndefinedValues: true },
  });
  return new DynamoDbRegistry({ client, tableName: requireEnv(ENV.tableName) });
}

export function createBus(): EventBridgeBus {
  const maxRetries = optionalEnv(ENV.deliveryMaxRetries);
  const maxAge = optionalEnv(ENV.deliveryMaxEventAgeSeconds);
  const deadLetterArn = optionalEnv(ENV.deliveryDlqArn);
  const deliverFunctionArn = optionalEnv(ENV.deliverFunctionArn);
  return new EventBridgeBus({
    client: new EventBridgeClient({}),
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
