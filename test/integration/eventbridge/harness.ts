// Test harness: the embedded EventBridge on a free port, the real AWS SDK client pointed at it, and a
// recording in-process Lambda whose behaviour each test can set.
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import {
  type EmbeddedEventBridge,
  type EmbeddedEventBridgeOptions,
  startEventBridge,
} from '../../../local/eventbridge/index.js';

export interface Invocation {
  readonly functionArn: string;
  readonly payload: string;
}

export interface Harness {
  readonly eventBridge: EmbeddedEventBridge;
  readonly client: EventBridgeClient;
  readonly invocations: Invocation[];
  readonly warnings: string[];
  /** What the in-process Lambda does on each call (default: succeed). */
  lambda: (invocation: Invocation) => Promise<void>;
  close(): Promise<void>;
}

export const LAMBDA_ARN = 'arn:aws:lambda:us-east-1:111111111111:function:consumer';
export const queueArn = (name: string): string => `arn:aws:sqs:us-east-1:111111111111:${name}`;

export async function startHarness(
  options: Partial<Omit<EmbeddedEventBridgeOptions, 'invokeLambda'>> = {},
): Promise<Harness> {
  const invocations: Invocation[] = [];
  const warnings: string[] = [];
  const harness: { lambda: Harness['lambda'] } = { lambda: async () => {} };
  const eventBridge = await startEventBridge({
    accountId: '111111111111',
    delayScale: 0.001,
    logger: {
      warn: (message: string) => warnings.push(message),
      error: (message: string, ...rest: unknown[]) =>
        warnings.push(`${message} ${rest.map(String).join(' ')}`),
    },
    ...options,
    invokeLambda: async (functionArn, payload) => {
      const invocation = { functionArn, payload };
      invocations.push(invocation);
      await harness.lambda(invocation);
    },
  });
  const client = new EventBridgeClient({
    endpoint: eventBridge.endpoint,
    region: eventBridge.region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  return Object.assign(harness, {
    eventBridge,
    client,
    invocations,
    warnings,
    async close() {
      client.destroy();
      await eventBridge.stop();
    },
  });
}

/** Runs `act` and returns the error it throws (failing the test when it does not). */
export async function caught(
  act: () => Promise<unknown>,
): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await act();
  } catch (error) {
    if (error instanceof Error) return error;
    throw error;
  }
  throw new Error('expected the call to fail, it succeeded');
}
