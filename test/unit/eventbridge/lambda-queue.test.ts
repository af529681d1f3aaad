// Lambda's queue of asynchronous invocations as AsyncInvocations keeps it: at most a function's concurrency running,
// the rest waiting in the order they came (a retry joining when due), none run past its event age, and what it holds
// counted against its limit only while it holds it.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AsyncInvocations, heldBytes } from '../../../local/eventbridge/lambda-async.js';
import { CoalescingWriter } from '../../../local/eventbridge/persistence.js';
import { QueueStore } from '../../../local/eventbridge/queue-store.js';

const FUNCTION = 'arn:aws:lambda:us-east-1:111111111111:function:consumer';
const DLQ = 'arn:aws:sqs:us-east-1:111111111111:consumer-dlq';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('AsyncInvocations: a function’s queue', () => {
  let dir: string;
  let writer: CoalescingWriter;
  let queues: QueueStore;
  let lambda: AsyncInvocations | undefined;
  const warnings: string[] = [];
  const logger = { warn: (message: string) => warnings.push(message), error: () => {} };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sharebus-lambda-queue-'));
    writer = new CoalescingWriter({ logger });
    queues = new QueueStore(writer, dir, { logger });
    warnings.length = 0;
  });

  /** A function whose every attempt fails, with no retry and a DLQ, on this test's store and writer. */
  const failingFunction = (
    more: Partial<ConstructorParameters<typeof AsyncInvocations>[0]> = {},
  ): AsyncInvocations =>
    new AsyncInvocations({
      run: async () => {
        throw new Error('webhook answered 503');
      },
      functions: { [FUNCTION]: { maximumRetryAttempts: 0, deadLetterArn: DLQ } },
      queues,
      delayScale: 0.001,
      logger,
      writer,
      ...more,
    });

  afterEach(async () => {
    lambda?.stop();
    await writer.flush();
    writer.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('runs at most its concurrency at once, the others in the order they came, a failed one joining when its retry is due', async () => {
    // Prepare: two turns; the first attempt of invocation 1 fails, its retry due after 60 ms (delay scale 0.001).
    const started: string[] = [];
    let running = 0;
    let most = 0;
    lambda = new AsyncInvocations({
      run: async (_, payload) => {
        started.push(payload);
        running++;
        most = Math.max(most, running);
        await sleep(30);
        running--;
        if (payload === '1' && started.filter((p) => p === '1').length === 1)
          throw new Error('first attempt fails');
      },
      functions: { [FUNCTION]: { concurrency: 2, deadLetterArn: DLQ } },
      queues,
      delayScale: 0.001,
      logger,
      writer,
    });
    // Act
    for (const payload of ['1', '2', '3', '4', '5', '6']) lambda.accept(FUNCTION, payload);
    await lambda.idle();
    // Assess: two at a time, in order; the retry of 1 after the others that came before it was due.
    expect(most).toBe(2);
    expect(started).toEqual(['1', '2', '3', '4', '5', '6', '1']);
    expect(queues.peek(DLQ)).toEqual([]);
  });

  it("dead-letters an invocation that waited for its turn past its function's maximumEventAgeInSeconds, without running it", async () => {
    // Prepare: one turn, each run 100 ms, an age limit of 60 ms (60 s at delay scale 0.001).
    const ran: string[] = [];
    lambda = new AsyncInvocations({
      run: async (_, payload) => {
        ran.push(payload);
        await sleep(100);
      },
      functions: { [FUNCTION]: { concurrency: 1, maximumEventAgeInSeconds: 60, deadLetterArn: DLQ } },
      queues,
      delayScale: 0.001,
      logger,
      writer,
    });
    // Act
    for (const payload of ['1', '2', '3']) lambda.accept(FUNCTION, payload);
    await lambda.idle();
    // Assess
    expect(ran).toEqual(['1']);
    expect(
      queues.peek(DLQ).map((m) => [m.body, m.attributes.ErrorMessage?.StringValue, m.deadLetter]),
    ).toEqual(
      ['2', '3'].map((body) => [
        body,
        "It waited for its function's turn past its maximumEventAgeInSeconds.",
        expect.objectContaining({ functionArn: FUNCTION, retryAttempts: 0 }),
      ]),
    );
  });

  it('stops counting an invocation against the limit once it is dead-lettered, even when its dead letter could not be written', async () => {
    // Prepare: room for two invocations; the queues' log made a directory, so no dead letter is written.
    const limit = { bytes: 2 * heldBytes('{"n":1}'), setting: 'SHAREBUS_LAMBDA_QUEUE_MAX_MB' };
    lambda = failingFunction({ dataDir: dir, limit });
    await writer.flush();
    await rm(join(dir, 'queues.jsonl'), { force: true });
    await mkdir(join(dir, 'queues.jsonl'));
    // Act
    lambda.accept(FUNCTION, '{"n":1}');
    lambda.accept(FUNCTION, '{"n":2}');
    const fullAtOnce = lambda.full;
    await lambda.idle();
    // Assess: full while both were queued; then neither held against the limit, though kept for the next start.
    expect(fullAtOnce).toBe(true);
    expect([lambda.full, lambda.room, lambda.status().heldBytes]).toEqual([false, limit.bytes, 0]);
    expect(lambda.pending).toBe(0);
  });

  it('says at most 20 failures a minute for a function, and how many more it did not say', async () => {
    // Prepare: 30 invocations that fail with no retry, each a dead letter.
    lambda = failingFunction();
    // Act
    for (let n = 0; n < 30; n++) lambda.accept(FUNCTION, `{"n":${n}}`);
    await lambda.idle();
    const beforeStop = [...warnings];
    lambda.stop();
    // Assess: every dead letter kept; 20 said, then the count of the rest once the minute ends (here, at the stop).
    expect(queues.peek(DLQ)).toHaveLength(30);
    expect(beforeStop).toHaveLength(20);
    expect(beforeStop.every((line) => line.includes('failed after 0 retries'))).toBe(true);
    expect(warnings.slice(20)).toEqual([
      `[eventbridge] 10 more failed attempts or dead letters of asynchronous invocations of ${FUNCTION} in the last minute, not each said (the first 20 a minute are): GET /_local/invocations counts the invocations waiting, /_local/dead-letters lists the dead letters`,
    ]);
  });

  it('is full from its limit until it is below 90% of it, though no PutEvents entry was refused (a replay waits on that)', async () => {
    // Prepare: room for ten invocations, each held until released, one at a time.
    const releases: Array<() => void> = [];
    lambda = new AsyncInvocations({
      run: () => new Promise<void>((resolve) => releases.push(resolve)),
      functions: { [FUNCTION]: { concurrency: 1 } },
      queues,
      delayScale: 0.001,
      logger,
      writer,
      limit: { bytes: 10 * heldBytes('x'), setting: 'maxLambdaQueueBytes' },
    });
    const endOne = async () => {
      await waitForRelease(releases);
      releases.shift()?.();
      await sleep(5);
    };
    // Act
    for (let n = 0; n < 10; n++) lambda.accept(FUNCTION, 'x');
    const atLimit = lambda.full;
    await endOne();
    const at90 = [lambda.full, lambda.room];
    await endOne();
    const below = [lambda.full, lambda.room];
    // Assess
    expect([atLimit, at90, below]).toEqual([true, [true, 0], [false, 2 * heldBytes('x')]]);
    for (const release of releases.splice(0)) release();
  });
});

/** Resolves once an invocation is running (has a release waiting). */
async function waitForRelease(releases: readonly unknown[]): Promise<void> {
  while (releases.length === 0) await sleep(1);
}
