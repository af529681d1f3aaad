// A Lambda target whose handler outlives its timeout, run by the real in-process invoker behind the real
// embedded EventBridge: the invocation fails, so the target's retry policy and dead-letter queue apply.
import { FUNCTIONS } from '../../../functions/routes.js';
import { invoke, type LocalHandler, type LocalHandlers } from '../../../local/lambda/invoker.js';
import { putOrder, queueArn, routeOrders, useHarness } from './harness.js';

const DLQ = queueArn('orders-dlq');
const TIMEOUT_MS = 20;

const handlersOf = (handler: LocalHandler): LocalHandlers =>
  Object.fromEntries(Object.keys(FUNCTIONS).map((name) => [name, handler])) as LocalHandlers;

describe('embedded EventBridge: a Lambda target that times out', () => {
  const harness = useHarness();
  let calls: number;

  /** The deliver handler: hangs on the calls listed, answers on the others. */
  const deliverHanging = (hangOn: (call: number) => boolean): void => {
    calls = 0;
    const handlers = handlersOf(() => {
      calls++;
      return hangOn(calls) ? new Promise(() => {}) : Promise.resolve({ delivered: true });
    });
    harness.lambda = async ({ payload }) => {
      await invoke(handlers, 'deliver', JSON.parse(payload), { timeoutMs: TIMEOUT_MS });
    };
  };

  beforeEach(async () => {
    await routeOrders(harness, { RetryPolicy: { MaximumRetryAttempts: 2 }, DeadLetterConfig: { Arn: DLQ } });
  });

  it('retries the timed-out invocation, then dead-letters the event with the timeout error', async () => {
    // Prepare
    deliverHanging(() => true);
    // Act
    await putOrder(harness);
    await harness.eventBridge.idle();
    // Assess
    expect(calls).toBe(3);
    const [message, ...rest] = harness.eventBridge.queues.peek(DLQ);
    expect(rest).toEqual([]);
    expect(message?.attributes).toMatchObject({
      ERROR_CODE: { DataType: 'String', StringValue: 'ERROR_FROM_TARGET' },
      ERROR_MESSAGE: {
        DataType: 'String',
        StringValue: 'LambdaTimeoutError: sharebus-deliver: Task timed out after 0.02 seconds',
      },
      EXHAUSTED_RETRY_CONDITION: { DataType: 'String', StringValue: 'MaximumRetryAttempts' },
      RETRY_ATTEMPTS: { DataType: 'Number', StringValue: '2' },
    });
  });

  it('delivers on the retry after a timed-out first invocation', async () => {
    // Prepare
    deliverHanging((call) => call === 1);
    // Act
    await putOrder(harness);
    await harness.eventBridge.idle();
    // Assess
    expect(calls).toBe(2);
    expect(harness.eventBridge.deadLetters.list()).toEqual([]);
  });
});
