// The hand-over of a delivery from EventBridge's retry journal to Lambda's queue of asynchronous invocations: the
// delivery leaves the journal only once the invocation is on disk, so that a crash between the two writes loses
// neither, and a stop in between does not keep the delivery to be made again (the function would run twice).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Dispatcher } from '../../../local/eventbridge/delivery.js';
import { AsyncInvocations } from '../../../local/eventbridge/lambda-async.js';
import { CoalescingWriter } from '../../../local/eventbridge/persistence.js';
import { QueueStore } from '../../../local/eventbridge/queue-store.js';
import { RetryJournal } from '../../../local/eventbridge/retry-journal.js';
import { compileTargetInput } from '../../../local/eventbridge/target-input.js';

const FUNCTION = 'arn:aws:lambda:us-east-1:111111111111:function:consumer';
const RULE = { busName: 'default', name: 'orders', arn: 'arn:aws:events:us-east-1:111111111111:rule/orders' };
const TARGET = {
  id: 'fn',
  arn: FUNCTION,
  render: compileTargetInput({ Id: 'fn' }),
  retryPolicy: { maximumRetryAttempts: 0, maximumEventAgeInSeconds: 60 },
};
const EVENT = { id: 'e1', source: 'sharebus.orders', 'detail-type': 'OrderPlaced', detail: { orderId: 1 } };

describe('Dispatcher: a Lambda target invoked asynchronously', () => {
  let dir: string;
  let writer: CoalescingWriter;
  let runs: string[];
  /** Holds the invocation's `durable` until released, as a slow disk would. */
  let release: () => void;
  let journal: RetryJournal;
  let lambda: AsyncInvocations;
  let dispatcher: Dispatcher;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sharebus-hand-over-'));
    writer = new CoalescingWriter();
    runs = [];
    const held = new Promise<void>((resolve) => {
      release = () => resolve();
    });
    const queues = new QueueStore(writer, dir);
    const logger = { warn: () => {}, error: () => {} };
    journal = new RetryJournal(writer, dir);
    lambda = new AsyncInvocations({
      run: async (_, payload) => {
        runs.push(payload);
        await new Promise(() => {});
      },
      functions: { [FUNCTION]: {} },
      queues,
      delayScale: 0.001,
      logger,
      writer,
      dataDir: dir,
    });
    dispatcher = new Dispatcher({
      invokeLambda: async () => {
        throw new Error('the function is invoked asynchronously, never awaited');
      },
      acceptLambda: (arn, payload, deliveryId) => {
        if (!lambda.handles(arn)) return undefined;
        const { durable } = lambda.accept(arn, payload, { deliveryId });
        return { durable: held.then(() => durable) };
      },
      forwardToBus: () => {},
      callApiDestination: async () => {},
      busArnPrefix: 'arn:aws:events:us-east-1:111111111111:event-bus/',
      queues,
      delayScale: 0.001,
      logger,
      journal,
    });
  });

  afterEach(async () => {
    dispatcher.stop();
    lambda.stop();
    await writer.flush();
    writer.close();
    await rm(dir, { recursive: true, force: true });
  });

  const linesOf = async (file: string): Promise<Array<Record<string, unknown>>> =>
    (await readFile(join(dir, file), 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);

  const deliver = (): void => {
    dispatcher.deliver({ event: EVENT, json: JSON.stringify(EVENT), ingestedAt: Date.now() }, RULE, TARGET);
    dispatcher.flush();
  };

  it('ends the delivery in the retry journal only once the invocation is on disk', async () => {
    // Act: the invocation is accepted and written, but its durability not yet reported (flush() would wait for the
    // delivery's end, which follows it)
    const since = writer.asked;
    deliver();
    await writer.written(since);
    const before = await linesOf('retries.jsonl');
    const invocations = await linesOf('lambda-invocations.jsonl');
    release();
    await writer.flush();
    const after = await linesOf('retries.jsonl');
    // Assess
    expect(runs).toEqual([JSON.stringify(EVENT)]);
    expect(dispatcher.pending).toBe(0);
    expect(invocations.map((line) => Object.keys(line))).toEqual([['invoke']]);
    expect((await linesOf('lambda-invocations.jsonl')).map((line) => Object.keys(line))).toEqual([
      ['invoke'],
    ]);
    expect(before.some((line) => 'end' in line)).toBe(false);
    expect(after.filter((line) => 'end' in line)).toHaveLength(1);
  });

  it('does not keep for the next start a delivery handed over before a stop, and still ends it', async () => {
    // Act: a stop between the hand-over and its write
    deliver();
    dispatcher.stop();
    lambda.stop();
    release();
    await new Promise((resolve) => setImmediate(resolve));
    await writer.flush();
    // Assess: a start on these files would find the invocation to run again, and no delivery to make again
    const next = new CoalescingWriter();
    try {
      expect(new RetryJournal(next, dir).saved()).toEqual([]);
    } finally {
      await next.flush();
      next.close();
    }
    expect((await linesOf('lambda-invocations.jsonl')).map((line) => Object.keys(line))).toEqual([
      ['invoke'],
    ]);
  });
});
