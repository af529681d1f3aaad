// A delivery, an invocation or a dead letter that another file takes over (a DLQ message, an SQS message, Lambda's
// queued invocation, a redriven delivery) leaves its own file only once that other write is on disk: the writer may
// write the two files of one pass in either order, and a crash between them lost both (review, 2026-12-04). A file
// replaced by a directory makes its writes fail, which shows the order without timing anything: what was to be
// forgotten must still be there at the next start.
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import {
  type Harness,
  type HarnessOptions,
  LAMBDA_ARN,
  putOrder,
  queueArn,
  routeOrders,
  startHarness,
  waitFor,
} from './harness.js';

const DLQ = queueArn('orders-dlq');
const QUEUE = queueArn('orders');

describe('embedded EventBridge: what another file takes over leaves its own only once that write is on disk', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sharebus-take-over-'));
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  const file = (name: string): string => join(dataDir, name);
  /** Makes `name` a directory: every write of it fails until it is removed. */
  const unwritable = async (name: string): Promise<void> => {
    await rm(file(name), { force: true });
    await mkdir(file(name));
  };
  const failing = (harness: Harness): void => {
    harness.lambda = async () => {
      throw new Error('down');
    };
  };
  /** Starts again on the dataDir, `name` writable again, with a failing function; stopped by the caller. */
  const restart = async (name: string, options: HarnessOptions): Promise<Harness> => {
    await rm(file(name), { recursive: true, force: true });
    const next = await startHarness({ dataDir, ...options });
    failing(next);
    return next;
  };
  const ends = async (name: string): Promise<number> =>
    (await readFile(file(name), 'utf8')).split('\n').filter((line) => line.startsWith('{"end":')).length;

  it.each([
    [
      "an invocation in Lambda's log",
      { asyncFunctions: { [LAMBDA_ARN]: { maximumRetryAttempts: 0, deadLetterArn: DLQ } } },
      {},
      'lambda-invocations.jsonl',
      'function',
    ],
    [
      "a delivery in EventBridge's journal (a function awaited)",
      {},
      { DeadLetterConfig: { Arn: DLQ } },
      'retries.jsonl',
      'target',
    ],
  ])('keeps %s until its dead letter is on disk', async (_, options: HarnessOptions, target, log, kind) => {
    // Prepare
    const first = await startHarness({ dataDir, ...options });
    await routeOrders(first, { RetryPolicy: { MaximumRetryAttempts: 0 }, ...target });
    failing(first);
    await first.eventBridge.idle();
    await unwritable('queues.jsonl');
    // Act: dead-lettered, the DLQ message not written
    await putOrder(first, 1);
    await first.eventBridge.idle();
    await first.close();
    const ended = await ends(log);
    const second = await restart('queues.jsonl', options);
    try {
      await waitFor(() => second.eventBridge.deadLetters.list().length === 1);
      // Assess: made or run again, and dead-lettered again
      expect(ended).toBe(0);
      expect(second.invocations).toHaveLength(1);
      expect(second.eventBridge.deadLetters.list().map((d) => d.kind)).toEqual([kind]);
    } finally {
      await second.close();
    }
  });

  it("keeps a delivery to an SQS queue in EventBridge's journal until the message is on disk", async () => {
    // Prepare
    const first = await startHarness({ dataDir });
    await routeOrders(first, { Arn: QUEUE });
    await first.eventBridge.idle();
    await unwritable('queues.jsonl');
    // Act
    await putOrder(first, 3);
    await first.eventBridge.idle();
    await first.close();
    const ended = await ends('retries.jsonl');
    const second = await restart('queues.jsonl', {});
    try {
      await waitFor(() => second.eventBridge.queues.peek(QUEUE).length === 1);
      // Assess
      expect(ended).toBe(0);
      expect(JSON.parse(second.eventBridge.queues.peek(QUEUE)[0]?.body ?? '{}').detail).toEqual({
        orderId: 3,
      });
    } finally {
      await second.close();
    }
  });

  it.each([
    ['a function', 'lambda-invocations.jsonl', 'function'],
    ['a target', 'retries.jsonl', 'target'],
  ])('keeps the dead letter of %s in its queue until its redrive is on disk', async (_, log, kind) => {
    // Prepare: one dead letter, kept; then the log its redrive writes to refuses writes
    const options: HarnessOptions = {
      asyncFunctions:
        kind === 'function' ? { [LAMBDA_ARN]: { maximumRetryAttempts: 0, deadLetterArn: DLQ } } : {},
    };
    const first = await startHarness({ dataDir, ...options });
    await routeOrders(first, { RetryPolicy: { MaximumRetryAttempts: 0 }, DeadLetterConfig: { Arn: DLQ } });
    failing(first);
    await putOrder(first, 4);
    await first.eventBridge.idle();
    await unwritable(log);
    first.lambda = () => new Promise(() => {});
    // Act
    const result = first.eventBridge.deadLetters.redrive();
    await first.close();
    const second = await restart(log, options);
    let kept: string[];
    try {
      kept = second.eventBridge.deadLetters.list().map((d) => d.kind);
    } finally {
      await second.close();
    }
    // Assess: the redrive was taken, and the dead letter is still there after the restart
    expect(result.redriven).toHaveLength(1);
    expect(kept).toEqual([kind]);
  });

  it('takes a redriven dead letter out of its queue once its redrive is on disk', async () => {
    // Prepare
    const first = await startHarness({ dataDir });
    await routeOrders(first, { RetryPolicy: { MaximumRetryAttempts: 0 }, DeadLetterConfig: { Arn: DLQ } });
    failing(first);
    await putOrder(first, 5);
    await first.eventBridge.idle();
    first.lambda = async () => {};
    await first.client.send(
      new PutTargetsCommand({ Rule: 'orders', Targets: [{ Id: 'fn', Arn: LAMBDA_ARN }] }),
    );
    // Act
    first.eventBridge.deadLetters.redrive();
    await first.eventBridge.idle();
    await first.close();
    const second = await startHarness({ dataDir });
    try {
      // Assess
      expect(second.eventBridge.deadLetters.list()).toEqual([]);
      expect(first.invocations).toHaveLength(2);
    } finally {
      await second.close();
    }
  });
});
