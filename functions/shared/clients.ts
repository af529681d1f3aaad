// AWS SDK clients, created once per function instance and configured only by the standard AWS environment
// (AWS_REGION, AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_EVENTBRIDGE, credentials), so the same code
// talks to AWS in Lambda and to DynamoDB Local and the embedded EventBridge on one machine.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { EventBridgeBus } from './bus.js';
import { ENV, optionalEnv, requireEnv } from './config.js';
import { DynamoDbRegistry } from './registry/dynamodb-registry.js';

export function createRegistry(): DynamoDbRegistry {
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
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
