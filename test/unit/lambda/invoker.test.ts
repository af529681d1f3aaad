import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import {
  FUNCTION_MEMORY_MB,
  FUNCTION_TIMEOUT_SECONDS,
  FUNCTIONS,
  type FunctionName,
  functionTimeoutMs,
} from '../../../functions/routes.js';
import { ENV } from '../../../functions/shared/config.js';
import { lambdaContextLogs, logger } from '../../../functions/shared/logger.js';
import {
  invoke,
  invokeJson,
  LambdaPayloadTooLargeError,
  LambdaTimeoutError,
  type LocalHandler,
  type LocalHandlers,
  MAX_PAYLOAD_BYTES,
} from '../../../local/lambda/invoker.js';
import { linesWritten } from '../../lines-written.js';

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

  it('gives the deliver function the default webhook timeout’s when the variable is empty, as unset', async () => {
    // Prepare
    process.env[ENV.deliveryTimeoutMs] = '';
    const timeoutMs = functionTimeoutMs('deliver');
    // Act
    const remaining = await invoke(handlersOf(remainingTime), 'deliver', {});
    // Assess
    expect(remaining).toBeLessThanOrEqual(timeoutMs);
    expect(remaining).toBeGreaterThan(timeoutMs - 1000);
  });

  // Parity review, 2026-12-06: every function was told 256 MB, where CDK gives most 512 (Powertools logs it as
  // function_memory_size, so local logs said otherwise than AWS's).
  it.each(Object.keys(FUNCTIONS) as FunctionName[])('tells %s the memory CDK gives it', async (name) => {
    // Act
    const memory = await invoke(
      handlersOf(async (_event, context: Context) => context.memoryLimitInMB),
      name,
      {},
    );
    // Assess
    expect(memory).toBe(String(FUNCTION_MEMORY_MB[name]));
  });

  // Parity review, 2026-12-06: Lambda takes whole seconds, and CDK rounds the deliver function's up; the invoker
  // enforced 21.5 s for a webhook timeout of 1.5 s where Lambda gives 22.
  it("rounds the deliver function's timeout up to whole seconds, as deployed", async () => {
    // Prepare
    process.env[ENV.deliveryTimeoutMs] = '1500';
    // Act
    const remaining = await invoke(handlersOf(remainingTime), 'deliver', {});
    // Assess
    expect(remaining).toBeLessThanOrEqual(22_000);
    expect(remaining).toBeGreaterThan(21_500);
  });

  it('counts remaining time from an overridden timeout too', async () => {
    // Act
    const remaining = await invoke(handlersOf(remainingTime), 'publish', {}, { timeoutMs: 500 });
    // Assess
    expect(remaining).toBeLessThanOrEqual(500);
    expect(remaining).toBeGreaterThan(0);
  });
});

describe('local Lambda invoker: remaining time past the timeout', () => {
  // In process a handler runs on after its invocation timed out; what it reads of its time must not go below 0.
  it('says no time remains, never less, to a handler still running after its timeout', async () => {
    // Prepare: a handler that reads its remaining time 100 ms after a timeout of 20 ms
    let read: number | undefined;
    const late: LocalHandler = async (_event, context: Context) => {
      await new Promise((resolve) => setTimeout(resolve, 100));
      read = context.getRemainingTimeInMillis();
      return read;
    };
    // Act
    const error = await rejection(invoke(handlersOf(late), 'publish', {}, { timeoutMs: 20 }));
    while (read === undefined) await new Promise((resolve) => setTimeout(resolve, 10));
    // Assess
    expect(error).toBeInstanceOf(LambdaTimeoutError);
    expect(read).toBe(0);
  });
});

describe('local Lambda invoker: the context', () => {
  // Parity review, 2026-12-06: they did nothing, so a handler answering through one had its result dropped without a
  // word, while the deployed runtime (Node.js 24) takes async handlers alone.
  it.each(['done', 'fail', 'succeed'] as const)(
    'fails a handler calling context.%s(), saying what to do instead',
    async (method) => {
      // Prepare
      const calling: LocalHandler = async (_event, context: Context) => {
        (context[method] as () => void)();
        return 'returned';
      };
      // Act
      const error = await rejection(invoke(handlersOf(calling), 'health', {}, { timeoutMs: 2_000 }));
      // Assess
      expect((error as Error).message).toBe(
        `context.${method}() is not for the deployed runtime (Node.js 24 Lambda takes async handlers alone): return the result or throw instead`,
      );
    },
  );
});

describe('local Lambda invoker: payloads cross as JSON, as in Lambda', () => {
  it('hands the handler a copy of the event as JSON would carry it, and the caller a copy of the result', async () => {
    // Prepare
    const event = { when: new Date('2026-12-03T00:00:00Z'), nested: { n: 1 }, gone: undefined };
    const kept = { same: true };
    let seen: unknown;
    // Act
    const result = await invoke(
      handlersOf(async (received) => {
        seen = structuredClone(received);
        (received as { nested: { n: number } }).nested.n = 2;
        return kept;
      }),
      'publish',
      event,
    );
    // Assess
    expect(seen).toEqual({ when: '2026-12-03T00:00:00.000Z', nested: { n: 1 } });
    expect(event.nested.n).toBe(1);
    expect(result).toEqual({ same: true });
    expect(result).not.toBe(kept);
  });

  it.each([
    ['request', () => ({ body: 'x'.repeat(MAX_PAYLOAD_BYTES) }), async () => ({ statusCode: 200 })],
    ['response', () => ({}), async () => ({ statusCode: 200, body: 'é'.repeat(MAX_PAYLOAD_BYTES / 2) })],
  ] as const)('refuses a %s past 6 MB, as Lambda does', async (which, event, handler) => {
    // Act
    const error = await rejection(invoke(handlersOf(handler), 'contracts', event()));
    // Assess
    expect(error).toBeInstanceOf(LambdaPayloadTooLargeError);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^sharebus-contracts: the ${which} payload is \\d+ bytes, over Lambda's limit of 6291456 bytes$`,
      ),
    );
  });

  it('takes a request and a response of exactly 6 MB, Lambda’s limit', async () => {
    // Prepare: `{"body":"…"}` and `"…"`, each 6,291,456 bytes as JSON
    const request = JSON.stringify({ body: 'x'.repeat(MAX_PAYLOAD_BYTES - 11) });
    const response = 'y'.repeat(MAX_PAYLOAD_BYTES - 2);
    // Act
    const result = await invokeJson(
      handlersOf(async () => response),
      'contracts',
      request,
    );
    // Assess
    expect(Buffer.byteLength(request)).toBe(MAX_PAYLOAD_BYTES);
    expect(result).toBe(response);
  });

  it('takes the event as the JSON text an asynchronous invocation carries: parsed once its turn comes, refused past 6 MB before it waits', async () => {
    // Prepare: one turn, held by the first invocation.
    let release = () => {};
    const seen: unknown[] = [];
    const handlers = handlersOf(async (received) => {
      seen.push(received);
      if (seen.length === 1) await new Promise<void>((resolve) => (release = resolve));
    });
    const first = invokeJson(handlers, 'deliver', '{"n":1}', { concurrency: 1 });
    // Act: a second waits for the turn; a third, past 6 MB, is refused at once, though the turn is taken.
    const second = invokeJson(handlers, 'deliver', '{"n":2,"s":"\\u00e9"}', { concurrency: 1 });
    const tooLarge = await rejection(
      invokeJson(handlers, 'deliver', JSON.stringify({ body: 'x'.repeat(MAX_PAYLOAD_BYTES) }), {
        concurrency: 1,
      }),
    );
    release();
    await Promise.all([first, second]);
    // Assess
    expect(tooLarge).toBeInstanceOf(LambdaPayloadTooLargeError);
    expect(seen).toEqual([{ n: 1 }, { n: 2, s: 'é' }]);
  });

  it('refuses a result JSON cannot carry, as Lambda fails to serialize it', async () => {
    // Act
    const error = await rejection(
      invoke(
        handlersOf(async () => ({ big: 1n })),
        'health',
        {},
      ),
    );
    // Assess
    expect(error).toBeInstanceOf(TypeError);
  });
});

describe('local Lambda invoker: concurrency', () => {
  /** A handler that counts the invocations running and ends each when the test lets it. */
  function gated() {
    const release: Array<() => void> = [];
    const state = { running: 0, most: 0, started: [] as number[] };
    const handler: LocalHandler = async (event) => {
      state.running++;
      state.most = Math.max(state.most, state.running);
      state.started.push((event as { n: number }).n);
      await new Promise<void>((resolve) => release.push(resolve));
      state.running--;
      return (event as { n: number }).n;
    };
    /** Lets the invocations running now end, and waits for those next in turn to start. */
    const releaseAll = async (): Promise<void> => {
      for (const resolve of release.splice(0)) resolve();
      await new Promise((resolve) => setImmediate(resolve));
    };
    return { handler, state, releaseAll };
  }

  it('runs at most its concurrency at once, the others in the order they came, each to its end', async () => {
    // Prepare
    const { handler, state, releaseAll } = gated();
    const handlers = handlersOf(handler);
    // Act: five invocations, two at a time.
    const results = Promise.all(
      [1, 2, 3, 4, 5].map((n) => invoke(handlers, 'deliver', { n }, { concurrency: 2, timeoutMs: 60_000 })),
    );
    await new Promise((resolve) => setImmediate(resolve));
    const startedFirst = [...state.started];
    for (let i = 0; i < 3; i++) await releaseAll();
    // Assess
    expect(startedFirst).toEqual([1, 2]);
    expect(await results).toEqual([1, 2, 3, 4, 5]);
    expect(state.started).toEqual([1, 2, 3, 4, 5]);
    expect(state.most).toBe(2);
  });

  it('counts the timeout from the start, not from the wait for a turn', async () => {
    // Prepare: one at a time; the first holds its turn longer than the second's timeout.
    const { handler, releaseAll } = gated();
    const handlers = handlersOf(handler);
    const first = invoke(handlers, 'deliver', { n: 1 }, { concurrency: 1, timeoutMs: 60_000 });
    const second = invoke(handlers, 'deliver', { n: 2 }, { concurrency: 1, timeoutMs: 200 });
    // Act
    await new Promise((resolve) => setTimeout(resolve, 400));
    await releaseAll();
    await releaseAll();
    // Assess
    expect(await first).toBe(1);
    expect(await second).toBe(2);
  });

  it('gives the turn of an invocation that timed out to the next, as Lambda stops the function', async () => {
    // Prepare
    const handlers = handlersOf(async (event) => {
      if ((event as { n: number }).n === 1) return new Promise(() => {});
      return (event as { n: number }).n;
    });
    // Act
    const first = rejection(invoke(handlers, 'deliver', { n: 1 }, { concurrency: 1, timeoutMs: 50 }));
    const second = invoke(handlers, 'deliver', { n: 2 }, { concurrency: 1, timeoutMs: 60_000 });
    // Assess
    expect(await first).toBeInstanceOf(LambdaTimeoutError);
    expect(await second).toBe(2);
  });

  it('runs every invocation that waited, in order, however long the queue of those waiting grew', async () => {
    // Prepare: one at a time, and more waiting than the queue holds before it drops those served (past 1,024)
    const handlers = handlersOf(async (event) => (event as { n: number }).n);
    const ended: number[] = [];
    // Act
    const all = Array.from({ length: 3_000 }, (_, n) =>
      invoke(handlers, 'deliver', { n }, { concurrency: 1 }).then((result) => {
        ended.push(result as number);
      }),
    );
    // The last is served after all the others: once it ends, each of them has had its turn
    await all.at(-1);
    await new Promise((resolve) => setImmediate(resolve));
    // Assess
    expect(ended).toEqual(Array.from({ length: 3_000 }, (_, n) => n));
  });

  it('keeps the turns of each function, and of each set of handlers, apart', async () => {
    // Prepare
    const { handler, state, releaseAll } = gated();
    const handlers = handlersOf(handler);
    const others = handlersOf(handler);
    // Act: one deliver and one publish of these handlers, and one deliver of others, each allowed one at a time.
    const all = Promise.all([
      invoke(handlers, 'deliver', { n: 1 }, { concurrency: 1, timeoutMs: 60_000 }),
      invoke(handlers, 'publish', { n: 2 }, { concurrency: 1, timeoutMs: 60_000 }),
      invoke(others, 'deliver', { n: 3 }, { concurrency: 1, timeoutMs: 60_000 }),
    ]);
    await new Promise((resolve) => setImmediate(resolve));
    const most = state.most;
    await releaseAll();
    // Assess
    expect(most).toBe(3);
    expect(await all).toEqual([1, 2, 3]);
  });
});

describe('local Lambda invoker: each invocation logs as itself', () => {
  /** The JSON lines Powertools writes while `act` runs. */
  async function logLines(act: () => Promise<unknown>): Promise<Array<Record<string, unknown>>> {
    return (await linesWritten(act))
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  it('keeps the function name, request id and appended keys of invocations running at once apart', async () => {
    // Prepare: the handlers' own logger and middleware; a publish waits, mid-invocation, while a delivery runs whole.
    let release = (): void => {};
    const publishWaits = new Promise<void>((resolve) => {
      release = resolve;
    });
    const handler = middy(async (event: { who: string }, context: Context) => {
      logger.appendKeys({ who: event.who });
      if (event.who === 'publish') await publishWaits;
      logger.info(`logged by ${event.who}`);
      return context.awsRequestId;
    }).use(lambdaContextLogs());
    const handlers = handlersOf(handler as unknown as LocalHandler);
    const requestIds: unknown[] = [];
    // Act
    const lines = await logLines(async () => {
      const publish = invoke(handlers, 'publish', { who: 'publish' });
      requestIds.push(await invoke(handlers, 'deliver', { who: 'deliver' }));
      release();
      requestIds.unshift(await publish);
      logger.info('logged between invocations');
    });
    // Assess: before, the publish's line carried the delivery's name and request id, and not its own key.
    const fields = ({ message, function_name, function_request_id, who }: Record<string, unknown>) => ({
      message,
      function_name,
      function_request_id,
      who,
    });
    expect(lines.map(fields)).toEqual([
      {
        message: 'logged by deliver',
        function_name: 'sharebus-deliver',
        function_request_id: requestIds[1],
        who: 'deliver',
      },
      {
        message: 'logged by publish',
        function_name: 'sharebus-publish',
        function_request_id: requestIds[0],
        who: 'publish',
      },
      {
        message: 'logged between invocations',
        function_name: undefined,
        function_request_id: undefined,
        who: undefined,
      },
    ]);
    expect(requestIds[0]).not.toEqual(requestIds[1]);
  });

  it('keeps the keys appended outside every invocation for the lines logged there', async () => {
    // Prepare: the store installed, as by any invocation
    await invoke(
      handlersOf(async () => 'ok'),
      'health',
      {},
    );
    // Act: as the runtime's own code would, outside the handlers
    const lines = await logLines(async () => {
      logger.appendKeys({ phase: 'start' });
      try {
        logger.info('logged outside');
      } finally {
        logger.removeKeys(['phase']);
      }
    });
    // Assess
    expect(lines).toEqual([expect.objectContaining({ message: 'logged outside', phase: 'start' })]);
  });
});
