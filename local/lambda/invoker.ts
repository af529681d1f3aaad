// Runs the Lambda handlers of functions/ in this process, unchanged: each is imported from its entry file
// (the same file CDK bundles) and called with an event and a Lambda-shaped context, within the timeout the
// function has in AWS.
import { randomUUID } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import {
  FUNCTION_MEMORY_MB,
  FUNCTIONS,
  type FunctionName,
  functionTimeoutMs,
} from '../../functions/routes.js';
import { ENV } from '../../functions/shared/config.js';
import { Fifo } from '../eventbridge/fifo.js';
import { invocationContext, localInvokeStore } from './invoke-store.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export type LocalHandler = (event: unknown, context: Context) => Promise<unknown>;
export type LocalHandlers = Readonly<Record<FunctionName, LocalHandler>>;

/** Local function names mirror the deployed ones: `sharebus-<name>`. */
export function localFunctionName(name: FunctionName): string {
  return `sharebus-${name}`;
}

export function localFunctionArn(name: FunctionName, region: string, accountId: string): string {
  return `arn:aws:lambda:${region}:${accountId}:function:${localFunctionName(name)}`;
}

/** How many times the handlers have been loaded in this process. */
let loads = 0;

/**
 * Imports every handler. Call only after the environment (endpoints, table and bus names) is set: the
 * handlers create their SDK clients at module scope, as they do in Lambda. Each call imports them anew (the
 * second and later under a query of their own), as each Lambda instance has its own: before (2026-12-05), a second
 * runtime in one process got the first one's modules, whose clients called the first runtime's ports, gone by then
 * (ECONNREFUSED, answered 500).
 */
export async function loadHandlers(): Promise<LocalHandlers> {
  // Before the handlers' loggers exist: with AWS_LAMBDA_MAX_CONCURRENCY inherited from the environment, Powertools
  // looks for the store at once, and a line logged before the first invocation threw without it (diff review).
  localInvokeStore(LOCAL_CONCURRENCY);
  loads++;
  const instance = loads === 1 ? '' : `?instance=${loads}`;
  const entries = await Promise.all(
    (Object.keys(FUNCTIONS) as FunctionName[]).map(async (name) => {
      const file = join(root, FUNCTIONS[name]);
      const module = (await import(`${pathToFileURL(file).href}${instance}`)) as { handler: LocalHandler };
      return [name, module.handler] as const;
    }),
  );
  return Object.fromEntries(entries) as LocalHandlers;
}

/** An invocation that did not settle within the function's timeout; Lambda's words, with the function named. */
export class LambdaTimeoutError extends Error {
  override name = 'LambdaTimeoutError';
  constructor(
    readonly functionName: string,
    readonly timeoutMs: number,
  ) {
    super(`${functionName}: Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`);
  }
}

/** Lambda's limit on a synchronous invocation's request and on its response: 6 MB each. */
export const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;

/** The event or the result is past Lambda's payload limit: Lambda refuses the call (API Gateway answers 500). */
export class LambdaPayloadTooLargeError extends Error {
  override name = 'LambdaPayloadTooLargeError';
  constructor(functionName: string, which: 'request' | 'response', bytes: number) {
    super(
      `${functionName}: the ${which} payload is ${bytes} bytes, over Lambda's limit of ${MAX_PAYLOAD_BYTES} bytes`,
    );
  }
}

/** `value` as JSON, as Lambda carries it, refused past MAX_PAYLOAD_BYTES. */
function payload(value: unknown, functionName: string, which: 'request' | 'response'): string {
  return withinPayloadLimit(JSON.stringify(value) ?? 'null', functionName, which);
}

/** `text`, refused past MAX_PAYLOAD_BYTES. */
function withinPayloadLimit(text: string, functionName: string, which: 'request' | 'response'): string {
  // Every UTF-16 unit is at most 3 UTF-8 bytes: only a text that could be past the limit is measured.
  if (text.length * 3 > MAX_PAYLOAD_BYTES) {
    const bytes = Buffer.byteLength(text);
    if (bytes > MAX_PAYLOAD_BYTES) throw new LambdaPayloadTooLargeError(functionName, which, bytes);
  }
  return text;
}

/** The timeout the function has in AWS; the deliver function's follows the webhook timeout it is given. */
export function localTimeoutMs(name: FunctionName): number {
  const webhookTimeoutMs = Number(process.env[ENV.deliveryTimeoutMs]);
  return webhookTimeoutMs > 0 ? functionTimeoutMs(name, webhookTimeoutMs) : functionTimeoutMs(name);
}

/** A Lambda context good enough for middy and Powertools: name, request id, remaining time. */
export function lambdaContext(
  name: FunctionName,
  timeoutMs = localTimeoutMs(name),
  requestId: string = randomUUID(),
): Context {
  // The monotonic clock, as the timeout's timer counts: not the wall clock, which NTP may set.
  const deadline = performance.now() + timeoutMs;
  const functionName = localFunctionName(name);
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: localFunctionArn(name, process.env.AWS_REGION ?? 'us-east-1', '000000000000'),
    memoryLimitInMB: String(FUNCTION_MEMORY_MB[name]),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, Math.round(deadline - performance.now())),
    done: () => retiredContextMethod('done'),
    fail: () => retiredContextMethod('fail'),
    succeed: () => retiredContextMethod('succeed'),
  };
}

/**
 * The context's callback-era methods, which did nothing here, so a handler answering through one had its result
 * dropped without a word: Node.js 24's Lambda runtime, the one deployed, takes async handlers alone (parity review,
 * 2026-12-06).
 */
function retiredContextMethod(name: 'done' | 'fail' | 'succeed'): never {
  throw new TypeError(
    `context.${name}() is not for the deployed runtime (Node.js 24 Lambda takes async handlers alone): return the result or throw instead`,
  );
}

export interface InvokeOptions {
  /** Replaces the function's timeout, e.g. so a test of a handler that never settles takes milliseconds. */
  readonly timeoutMs?: number;
  /** Replaces LOCAL_CONCURRENCY for this function and these handlers; read at their first invocation. */
  readonly concurrency?: number;
  /**
   * The context's request id: an asynchronous invocation's, which Lambda gives each of its attempts, so that their log
   * lines name the id its dead letter's RequestID does. @default a new one
   */
  readonly requestId?: string;
}

/**
 * Invocations of one function given a turn at once in process (per set of handlers, so per runtime): the figure of
 * AWS's default concurrency of an account, which the stack reserves none of. In AWS those 1,000 are shared by every
 * function of the account and a synchronous call past them is refused (429); here each function has its own, and
 * every call past them waits, so slow webhooks cannot take the API's turns locally as they can in AWS. The others
 * wait their turn, first come first served, as invocations past a function's concurrency wait in Lambda
 * (asynchronous ones in its queue), and a function's timeout counts from its start, not from its wait. An invocation that timed out gives its turn back, as Lambda
 * stops it, though in process its promise runs on. Before (2026-12-03), every delivery started at once: a burst of
 * publishing started some 36,000 deliver invocations together, which queued 48,000 requests behind the DynamoDB
 * client's 50 sockets, held 2 GB, and timed out there (their 30 s counted from the call), so healthy webhooks got
 * events again and some were dead-lettered (soak review, about 65 events a second to four subscriptions on this
 * 2-core machine). A first limit of 64 let one webhook that never answers hold every turn for its timeout, and
 * healthy webhooks waited 50 s (review).
 */
export const LOCAL_CONCURRENCY = 1_000;

/** A function's turns to run: `limit` at once, the rest waiting in arrival order. */
class Turns {
  #running = 0;
  /** Those waiting, in arrival order. */
  readonly #waiting = new Fifo<() => void>();

  constructor(readonly limit: number) {}

  /** Resolves when the caller may run. */
  take(): Promise<void> {
    if (this.#running < this.limit) {
      this.#running++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  /** Hands the caller's turn to the next waiting, if any. */
  give(): void {
    const next = this.#waiting.shift();
    if (next === undefined) this.#running--;
    else next();
  }
}

const turnsOf = new WeakMap<LocalHandlers, Map<FunctionName, Turns>>();

function turns(handlers: LocalHandlers, name: FunctionName, concurrency: number): Turns {
  let byName = turnsOf.get(handlers);
  if (!byName) {
    byName = new Map();
    turnsOf.set(handlers, byName);
  }
  let found = byName.get(name);
  if (!found) {
    found = new Turns(concurrency);
    byName.set(name, found);
  }
  return found;
}

/**
 * Calls a handler as Lambda does: the event and the result cross as JSON (a handler cannot see or change the
 * caller's objects, nor hand back a Date or a BigInt), each at most MAX_PAYLOAD_BYTES; rejects with
 * LambdaTimeoutError when it has not settled within the timeout.
 * Lambda would then stop the function. In process nothing can stop it: its promise keeps running and what it
 * does later is ignored, but the invocation has failed (for EventBridge targets: retries, then the DLQ), and its
 * turn goes to the next invocation waiting (see LOCAL_CONCURRENCY).
 */
export function invoke(
  handlers: LocalHandlers,
  name: FunctionName,
  event: unknown,
  options: InvokeOptions = {},
): Promise<unknown> {
  let request: string;
  try {
    request = payload(event, localFunctionName(name), 'request');
  } catch (error) {
    return Promise.reject(error);
  }
  return invokeJson(handlers, name, request, options);
}

/**
 * invoke() with the event as the JSON text Lambda carries (an asynchronous invocation's payload, say). It waits for
 * its turn as that text and is parsed only then: an invocation waiting held its parsed event besides, about as much
 * again (2,240 characters of payload, 1,864 of them in one field: 6.1 KB held per waiting invocation, 2026-12-07).
 */
export async function invokeJson(
  handlers: LocalHandlers,
  name: FunctionName,
  json: string,
  options: InvokeOptions = {},
): Promise<unknown> {
  withinPayloadLimit(json, localFunctionName(name), 'request');
  const turn = turns(handlers, name, options.concurrency ?? LOCAL_CONCURRENCY);
  await turn.take();
  try {
    return await run(handlers, name, json, options);
  } finally {
    turn.give();
  }
}

/** One invocation, its timeout counted from now. */
async function run(
  handlers: LocalHandlers,
  name: FunctionName,
  json: string,
  options: InvokeOptions,
): Promise<unknown> {
  const timeoutMs = options.timeoutMs ?? localTimeoutMs(name);
  const context = lambdaContext(name, timeoutMs, options.requestId);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new LambdaTimeoutError(context.functionName, timeoutMs)), timeoutMs);
  });
  try {
    const request = JSON.parse(json) as unknown;
    // In a context of its own, so that its logs carry its name and request id, not another invocation's.
    const store = localInvokeStore(LOCAL_CONCURRENCY);
    const handled = store.run(invocationContext(context.awsRequestId), () =>
      handlers[name](request, context),
    );
    const result = await Promise.race([handled, timedOut]);
    return result === undefined ? undefined : JSON.parse(payload(result, context.functionName, 'response'));
  } finally {
    clearTimeout(timer);
  }
}
