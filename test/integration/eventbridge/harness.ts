// Test harness: the embedded EventBridge on a free port, the real AWS SDK client pointed at it, and a
// recording in-process Lambda whose behaviour each test can set.
import {
  EventBridgeClient,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  type PutTargetsCommandOutput,
  type Target,
} from '@aws-sdk/client-eventbridge';
import { jest } from '@jest/globals';
import {
  type EmbeddedEventBridge,
  type EmbeddedEventBridgeOptions,
  startEventBridge,
  type TargetDeadLetter,
} from '../../../local/eventbridge/index.js';

export interface Invocation {
  readonly functionArn: string;
  readonly payload: string;
  /** The request id the function's context gets (an asynchronous invocation's, kept across its retries). */
  readonly requestId?: string | undefined;
}

export interface Harness {
  readonly eventBridge: EmbeddedEventBridge;
  readonly client: EventBridgeClient;
  readonly invocations: Invocation[];
  /** What the server's logger was told as warnings. */
  readonly warnings: string[];
  /** What it was told as errors (a disk refusing writes, say), each its message and arguments joined by spaces. */
  readonly errors: string[];
  /** What the in-process Lambda does on each call (default: succeed). */
  lambda: (invocation: Invocation) => Promise<void>;
  close(): Promise<void>;
}

export const LAMBDA_ARN = 'arn:aws:lambda:us-east-1:111111111111:function:consumer';
export const queueArn = (name: string): string => `arn:aws:sqs:us-east-1:111111111111:${name}`;

/** The dead letters, every one of them a rule target's (none of a function invoked asynchronously, else it throws). */
export function targetLetters(eventBridge: EmbeddedEventBridge): TargetDeadLetter[] {
  return eventBridge.deadLetters.list().map((letter) => {
    if (letter.kind !== 'target') throw new Error(`not a target's dead letter: ${JSON.stringify(letter)}`);
    return letter;
  });
}

export type HarnessOptions = Partial<Omit<EmbeddedEventBridgeOptions, 'invokeLambda'>>;

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const invocations: Invocation[] = [];
  const warnings: string[] = [];
  const errors: string[] = [];
  const harness: { lambda: Harness['lambda'] } = { lambda: async () => {} };
  const eventBridge = await startEventBridge({
    accountId: '111111111111',
    delayScale: 0.001,
    logger: {
      warn: (message: string) => warnings.push(message),
      error: (message: string, ...rest: unknown[]) => errors.push([message, ...rest].map(String).join(' ')),
    },
    ...options,
    invokeLambda: async (functionArn, payload, requestId) => {
      const invocation = { functionArn, payload, requestId };
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
    errors,
    async close() {
      client.destroy();
      await eventBridge.stop();
    },
  });
}

/**
 * Starts a harness before each test of the calling `describe` and closes it after, returning a handle that
 * always refers to the running test's harness. Jest runs a block's hooks in declaration order (`afterEach`
 * too), so declare extra set-up after this call and extra clean-up that needs the harness before it. Reads,
 * writes and `in` reach the running harness; enumerating the handle (spread, Object.keys) does not.
 */
export function useHarness(options: HarnessOptions = {}): Harness {
  return liveHarness(beforeEach, afterEach, options);
}

/** As `useHarness`, but one harness shared by all the tests of the block (`beforeAll`/`afterAll`). */
export function useSharedHarness(options: HarnessOptions = {}): Harness {
  return liveHarness(beforeAll, afterAll, options);
}

function liveHarness(
  start: (hook: () => Promise<void>) => void,
  stop: (hook: () => Promise<void>) => void,
  options: HarnessOptions,
): Harness {
  let current: Harness | undefined;
  start(async () => {
    current = await startHarness(options);
  });
  stop(async () => {
    const closing = current;
    current = undefined;
    await closing?.close();
  });
  const live = (): Harness => {
    if (!current) throw new Error('the harness is only available inside a test (or a hook after useHarness)');
    return current;
  };
  return new Proxy({} as Harness, {
    get: (_, key) => {
      const value = Reflect.get(live(), key);
      return typeof value === 'function' ? value.bind(current) : value;
    },
    set: (_, key, value) => Reflect.set(live(), key, value),
    has: (_, key) => Reflect.has(live(), key),
  });
}

/** Runs `act` and returns the error it throws (failing the test when it does not). */
export async function caught(
  act: () => Promise<unknown>,
): Promise<Error & { $metadata?: { httpStatusCode?: number; attempts?: number } }> {
  try {
    await act();
  } catch (error) {
    if (error instanceof Error) return error;
    throw error;
  }
  throw new Error('expected the call to fail, it succeeded');
}

/** A promise a test holds something on (an answer, a write) until it calls `release`. */
export function heldGate(): { gate: Promise<void>; release: () => void } {
  let release = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { gate, release };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Sets the wall clock (Date.now) of the code in this process back `ms`, as NTP or a resumed VM may; returns the undo.
 * Timers and performance.now() run on, as they would.
 */
export function wallClockSetBack(ms: number): () => void {
  const realNow = Date.now.bind(Date);
  const clock = jest.spyOn(Date, 'now').mockImplementation(() => realNow() - ms);
  return () => clock.mockRestore();
}

/** Resolves once `condition()` holds, polling every 10 ms; throws after `timeoutMs`. */
export async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the condition');
    await sleep(10);
  }
}

/** One operation POSTed as raw text (what the SDK would not send), answered with its status and JSON body. */
export async function rawCall(
  endpoint: string,
  operation: string,
  body: string,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSEvents.${operation}` },
    body,
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** The `orders` rule on the default bus (source `sharebus.orders`), sending to its target `fn` (see putOrdersTarget). */
/** A rule on `bus` matching `pattern` whose one target, `q`, is the queue `queue`; resolves with the rule's ARN. */
export async function putQueueRule(
  harness: Harness,
  rule: { readonly bus: string; readonly name: string; readonly pattern: string; readonly queue: string },
): Promise<string> {
  const put = await harness.client.send(
    new PutRuleCommand({ Name: rule.name, EventBusName: rule.bus, EventPattern: rule.pattern }),
  );
  await harness.client.send(
    new PutTargetsCommand({
      Rule: rule.name,
      EventBusName: rule.bus,
      Targets: [{ Id: 'q', Arn: queueArn(rule.queue) }],
    }),
  );
  return put.RuleArn ?? '';
}

export async function routeOrders(harness: Harness, target: Partial<Target> = {}): Promise<void> {
  await harness.client.send(
    new PutRuleCommand({ Name: 'orders', EventPattern: '{"source":["sharebus.orders"]}' }),
  );
  await putOrdersTarget(harness, target);
}

/** Puts (again) the `orders` rule's target `fn`: LAMBDA_ARN, with `target`'s members (which may replace both). */
export function putOrdersTarget(harness: Harness, target: Partial<Target>): Promise<PutTargetsCommandOutput> {
  return harness.client.send(
    new PutTargetsCommand({ Rule: 'orders', Targets: [{ Id: 'fn', Arn: LAMBDA_ARN, ...target }] }),
  );
}

/** The PutEvents entry of an `OrderPlaced` event from `sharebus.orders`, which routeOrders' rule matches. */
export const orderEntry = (orderId: number) => ({
  Source: 'sharebus.orders',
  DetailType: 'OrderPlaced',
  Detail: JSON.stringify({ orderId }),
});

/** The PutEvents entry of an event from `sharebus.other`, which routeOrders' rule does not match. */
export const otherEntry = (n: number) => ({
  Source: 'sharebus.other',
  DetailType: 'Other',
  Detail: JSON.stringify({ n }),
});

/** An `OrderPlaced` event from `sharebus.orders`, which routeOrders' rule matches; resolves with its EventId. */
export async function putOrder(harness: Harness, orderId = 1): Promise<string> {
  const put = await harness.client.send(new PutEventsCommand({ Entries: [orderEntry(orderId)] }));
  return put.Entries?.[0]?.EventId ?? '';
}
