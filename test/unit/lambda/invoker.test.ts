import type { Context } from 'aws-lambda';
import { FUNCTION_TIMEOUT_SECONDS, FUNCTIONS, type FunctionName } from '../../../functions/routes.js';
import { ENV } from '../../../functions/shared/config.js';
import {
  invoke,
  LambdaTimeoutError,
  type LocalHandler,
  type LocalHandlers,
} from '../../../local/lambda/invoker.js';

/** Every function runs the same stand-in handler. */
const handlersOf = (handler: LocalHandler): LocalHandlers =>
  Object.fromEntries(Object.keys(FUNCTIONS).map((name) => [name, handler])) as LocalHandlers;

const neverSettles: LocalHandler = () => new Promise(() => {});
const remainingTime: LocalHandler = async (_event, context: Context) => context.getRemainingTimeInMillis();

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the invocation to fail, it succeeded');
}

describe('local Lambda invoker: timeouts', () => {
  const savedWebhookTimeout = process.env[ENV.deliveryTimeoutMs];

  afterEach(() => {
    if (savedWebhookTimeout === undefined) delete process.env[ENV.deliveryTimeoutMs];
    else process.env[ENV.deliveryTimeoutMs] = savedWebhookTimeout;
  });

  it('rejects an invocation that does not settle in time with an error naming the function and timeout', async () => {
    // Act
    const error = await rejection(invoke(handlersOf(neverSettles), 'deliver', {}, { timeoutMs: 20 }));
    // Assess
    expect(error).toBeInstanceOf(LambdaTimeoutError);
    expect(error).toMatchObject({
      name: 'LambdaTimeoutError',
      functionName: 'sharebus-deliver',
      timeoutMs: 20,
      message: 'sharebus-deliver: Task timed out after 0.02 seconds',
    });
  });

  it('leaves no timer behind once an invocation settles, in time or not', async () => {
    // Prepare
    const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    // Act
    await invoke(
      handlersOf(async () => 'ok'),
      'publish',
      {},
      { timeoutMs: 60_000 },
    );
    await rejection(invoke(handlersOf(neverSettles), 'publish', {}, { timeoutMs: 5 }));
    await invoke(
      handlersOf(async () => 'ok'),
      'deliver',
      {},
    );
    // Assess: a leaked 60 s or 30 s timer would keep `npm start` from exiting after Ctrl-C
    expect(timers()).toBe(before);
  });

  it('answers what a handler returns in time, and passes on the error of one that fails', async () => {
    // Prepare
    const failure = new Error('registry unavailable');
    // Act
    const value = await invoke(
      handlersOf(async () => ({ statusCode: 204 })),
      'health',
      {},
      { timeoutMs: 1000 },
    );
    const error = await rejection(
      invoke(
        handlersOf(async () => {
          throw failure;
        }),
        'publish',
        {},
      ),
    );
    // Assess
    expect(value).toEqual({ statusCode: 204 });
    expect(error).toBe(failure);
  });

  it.each(Object.keys(FUNCTIONS) as FunctionName[])(
    'gives %s the timeout it has in AWS, as getRemainingTimeInMillis counts it',
    async (name) => {
      // Prepare
      delete process.env[ENV.deliveryTimeoutMs];
      const timeoutMs = FUNCTION_TIMEOUT_SECONDS[name] * 1000;
      // Act
      const remaining = await invoke(handlersOf(remainingTime), name, {});
      // Assess: a generous margin for a slow machine, none above the timeout
      expect(remaining).toBeLessThanOrEqual(timeoutMs);
      expect(remaining).toBeGreaterThan(timeoutMs - 1000);
    },
  );

  it('gives the deliver function its webhook timeout plus the margin CDK gives it', async () => {
    // Prepare
    process.env[ENV.deliveryTimeoutMs] = '5000';
    // Act
    const remaining = await invoke(handlersOf(remainingTime), 'deliver', {});
    // Assess
    expect(remaining).toBeLessThanOrEqual(25_000);
    expect(remaining).toBeGreaterThan(24_000);
  });

  it('counts remaining time from an overridden timeout too', async () => {
    // Act
    const remaining = await invoke(handlersOf(remainingTime), 'publish', {}, { timeoutMs: 500 });
    // Assess
    expect(remaining).toBeLessThanOrEqual(500);
    expect(remaining).toBeGreaterThan(0);
  });
});
