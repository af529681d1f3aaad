// The environment every function reads. Only these names and the standard AWS ones
// (AWS_REGION, AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_EVENTBRIDGE, ...) configure a handler,
// so the same code runs in Lambda and in the local runtime.
export const ENV = {
  /** The registry table. */
  tableName: 'SHAREBUS_TABLE_NAME',
  /** The custom event bus every department publishes to. */
  busName: 'SHAREBUS_BUS_NAME',
  /** ARN of the deliver function: the target of every subscription rule. */
  deliverFunctionArn: 'SHAREBUS_DELIVER_FUNCTION_ARN',
  /** ARN of the SQS queue that receives deliveries EventBridge could not hand to the deliver function. */
  deliveryDlqArn: 'SHAREBUS_DELIVERY_DLQ_ARN',
  /** `https-only` (default, used in AWS) or `allow-http` (local runtime: webhook receivers on 127.0.0.1). */
  endpointPolicy: 'SHAREBUS_ENDPOINT_POLICY',
  /** EventBridge retry policy of subscription targets. */
  deliveryMaxRetries: 'SHAREBUS_DELIVERY_MAX_RETRIES',
  deliveryMaxEventAgeSeconds: 'SHAREBUS_DELIVERY_MAX_EVENT_AGE_SECONDS',
  /** Timeout of one webhook POST, in milliseconds. */
  deliveryTimeoutMs: 'SHAREBUS_DELIVERY_TIMEOUT_MS',
} as const;

export type EnvName = (typeof ENV)[keyof typeof ENV];

export class ConfigurationError extends Error {
  override name = 'ConfigurationError';
}

export function requireEnv(name: EnvName): string {
  const value = process.env[name];
  if (!value) throw new ConfigurationError(`environment variable ${name} is not set`);
  return value;
}

export function optionalEnv(name: EnvName): string | undefined {
  return process.env[name] || undefined;
}

/** Where webhooks may be: `https-only` on the internet (deployed), or `allow-http` anywhere (local runtime). */
export type EndpointPolicy = 'https-only' | 'allow-http';

/** The endpoint policy the environment sets; `https-only` unless it says `allow-http`. */
export function endpointPolicyFromEnv(): EndpointPolicy {
  return optionalEnv(ENV.endpointPolicy) === 'allow-http' ? 'allow-http' : 'https-only';
}
