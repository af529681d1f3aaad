// The functions' queues shared out among the rule targets whose invocations they hold: once they hold half their
// limit, a rule target holding its part of that half has its new invocations dead-lettered at once (ErrorCode 429),
// not queued, so that one target slower than its events come (a webhook that takes events and never answers) cannot
// fill them alone. Before (2026-12-07) it did, and PutEvents then refused every entry bound for the function, the
// other targets' too, for minutes at a time.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InvocationSource } from '../../../local/eventbridge/delivery.js';
import { AsyncInvocations, heldBytes, SHARE_FROM } from '../../../local/eventbridge/lambda-async.js';
import { CoalescingWriter } from '../../../local/eventbridge/persistence.js';
import { QueueStore } from '../../../local/eventbridge/queue-store.js';

const FUNCTION = 'arn:aws:lambda:us-east-1:111111111111:function:deliver';
const DLQ = 'arn:aws:sqs:us-east-1:111111111111:delivery-dlq';
const rule = (name: string) => `arn:aws:events:us-east-1:111111111111:rule/sharebus/${name}`;
const SLOW: InvocationSource = { ruleArn: rule('slow'), targetId: 'deliver' };
const OTHER: InvocationSource = { ruleArn: rule('other'), targetId: 'deliver' };
const THIRD: InvocationSource = { ruleArn: rule('third'), targetId: 'deliver' };
/** What one invocation of the one-character payloads below counts against the limit. */
const ONE = heldBytes('x');
/** Room for twenty: shared out from ten on. */
const LIMIT = 20 * ONE;
/** As the messages give a size: `0.00669 MiB`. */
const mebibytes = (bytes: number) => `${Number((bytes / 2 ** 20).toPrecision(3))} MiB`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('AsyncInvocations: the queues shared out among rule targets', () => {
  let dir: string;
  let writer: CoalescingWriter;
  let queues: QueueStore;
  let lambda: AsyncInvocations | undefined;
  /** Payloads run; those of `x…` never end, the others at once. */
  let ran: string[];
  const warnings: string[] = [];
  const logger = { warn: (message: string) => warnings.push(message), error: () => {} };

  const start = (more: Partial<ConstructorParameters<typeof AsyncInvocations>[0]> = {}): AsyncInvocations =>
    new AsyncInvocations({
      run: (_, payload) => {
        ran.push(payload);
        return payload.startsWith('x') ? new Promise<void>(() => {}) : Promise.resolve();
      },
      functions: { [FUNCTION]: { deadLetterArn: DLQ } },
      queues,
      delayScale: 0.001,
      logger,
      writer,
      limit: { bytes: LIMIT, setting: 'maxLambdaQueueBytes' },
      ...more,
    });

  /** Accepts `count` invocations of `payload` from `source`, then lets their first steps run. */
  const accept = async (count: number, payload: string, source: InvocationSource) => {
    for (let n = 0; n < count; n++) lambda?.accept(FUNCTION, payload, { source });
    await sleep(1);
  };

  /** The DLQ's messages once there are `count` (up to 2 s). */
  const deadLetters = async (count: number) => {
    for (let waited = 0; queues.peek(DLQ).length < count && waited < 2_000; waited += 5) await sleep(5);
    return queues.peek(DLQ);
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sharebus-lambda-shares-'));
    writer = new CoalescingWriter({ logger });
    queues = new QueueStore(writer, dir, { logger });
    warnings.length = 0;
    ran = [];
  });

  afterEach(async () => {
    lambda?.stop();
    lambda = undefined;
    await writer.flush();
    writer.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("dead-letters at once, not run, a rule target's invocations past its part once the queues are half full, and runs the others'", async () => {
    // Prepare
    lambda = start();
    // Act: fifteen from a target that never ends them, then five from one that does.
    await accept(15, 'x', SLOW);
    await accept(5, 'y', OTHER);
    const letters = await deadLetters(5);
    // Assess: the first ten queued (below half of the limit, nothing is shared out), the next five dead-lettered
    // without a run; the other target's all run.
    expect(ran).toEqual([...Array(10).fill('x'), ...Array(5).fill('y')]);
    expect(letters).toHaveLength(5);
    const held = 10 * ONE;
    const why =
      `Not run: Lambda's queues held ${mebibytes(held)} of their ${mebibytes(LIMIT)} limit (maxLambdaQueueBytes), and ` +
      `rule ${SLOW.ruleArn}'s target deliver held ${mebibytes(held)} of that, at least its share ` +
      `(${mebibytes(held)}: ${SHARE_FROM * 100}% of the limit shared out among the 1 rule target holding invocations, ` +
      'those holding less than a share leaving the rest to the others): dead-lettered at once, ' +
      "not queued, so that a target slower than its events come does not keep other targets' events out " +
      '(lambdaQueueShares). Redrive it once the target keeps up.';
    expect(letters[0]?.body).toBe('x');
    expect(letters[0]?.attributes).toEqual({
      RequestID: { DataType: 'String', StringValue: expect.stringMatching(/^[0-9a-f-]{36}$/) },
      // Lambda's status for an invocation it has no room for, not 200 (one that ran and failed).
      ErrorCode: { DataType: 'Number', StringValue: '429' },
      ErrorMessage: { DataType: 'String', StringValue: why },
    });
    // The dead letter keeps its rule target, so that a redrive counts against its part again.
    expect(letters[0]?.deadLetter).toEqual({
      functionArn: FUNCTION,
      requestId: letters[0]?.attributes.RequestID?.StringValue,
      retryAttempts: 0,
      source: SLOW,
    });
    expect(lambda.status()).toEqual({
      heldBytes: held,
      maxBytes: LIMIT,
      functions: [{ functionArn: FUNCTION, running: 10, waiting: 0, retrying: 0, shed: 5 }],
      ruleTargets: [{ ...SLOW, heldBytes: held }],
    });
    expect(lambda.full).toBe(false);
    const said = warnings.filter((line) => line.includes('was not run'));
    expect(said).toHaveLength(5);
    expect(said[0]).toBe(
      `[eventbridge] asynchronous invocation ${letters[0]?.attributes.RequestID?.StringValue} of ${FUNCTION} was not run: ${why.slice('Not run: '.length)}; kept in DLQ ${DLQ}`,
    );
  });

  it('shares the half out among the rule targets holding invocations: two of equal holdings a quarter each, a third holding nothing taken', async () => {
    // Prepare: six from one target, then from a second until it is at its part (a quarter of the limit: five).
    lambda = start();
    await accept(6, 'x', SLOW);
    await accept(6, 'x', OTHER);
    // Act: one more from each, and one from a third target.
    await accept(1, 'x', SLOW);
    await accept(1, 'x', OTHER);
    await accept(1, 'x', THIRD);
    const letters = await deadLetters(3);
    // Assess: the second target's sixth dead-lettered (it held its share, five: the half over two), the first's
    // seventh (it held six),
    // the second's next; the third target's first queued (it held nothing).
    const source = (message: (typeof letters)[number]) =>
      (message.deadLetter as { source?: InvocationSource } | undefined)?.source?.ruleArn;
    expect(letters.map(source)).toEqual([OTHER.ruleArn, SLOW.ruleArn, OTHER.ruleArn]);
    expect(lambda.status().ruleTargets).toEqual([
      { ...SLOW, heldBytes: 6 * ONE },
      { ...OTHER, heldBytes: 5 * ONE },
      { ...THIRD, heldBytes: ONE },
    ]);
    expect(letters[0]?.attributes.ErrorMessage?.StringValue).toContain(
      `rule ${OTHER.ruleArn}'s target deliver held ${mebibytes(5 * ONE)} of that, at least its share (${mebibytes(5 * ONE)}: ${SHARE_FROM * 100}% of the limit shared out among the 2 rule targets holding invocations,`,
    );
  });

  it('shares the half max-min fairly: a rule target holding more than an equal part is taken while the others holding less leave it room', async () => {
    // Prepare: room for 40,000 bytes, shared out from 20,000; one target holding past the half, ten holding one each.
    lambda = start({ limit: { bytes: 40_000, setting: 'maxLambdaQueueBytes' } });
    await accept(30, 'x', SLOW);
    const smalls = Array.from({ length: 10 }, (_, n) => ({
      ruleArn: rule(`small-${n}`),
      targetId: 'deliver',
    }));
    for (const small of smalls) await accept(1, 'x', small);
    const shedBefore = queues.peek(DLQ).length;
    // Act: a target of larger invocations (5,700 bytes each, more than an equal part of the half, 20,000 / 12), one
    // of the small ones again, and the first again.
    const large = { ruleArn: rule('large'), targetId: 'deliver' };
    await accept(3, `x${'y'.repeat(4_999)}`, large);
    await accept(1, 'x', smalls[0] as InvocationSource);
    await accept(1, 'x', SLOW);
    await deadLetters(shedBefore + 2);
    // Assess: the large target takes two (its share: what the half leaves past the small ones, over the two others),
    // the small one its second; the first target is past its share.
    const held = (ruleArn: string) =>
      lambda?.status().ruleTargets.find((t) => t.ruleArn === ruleArn)?.heldBytes;
    expect(held(large.ruleArn)).toBe(2 * heldBytes(`x${'y'.repeat(4_999)}`));
    expect(held(smalls[0]?.ruleArn ?? '')).toBe(2 * ONE);
    expect(queues.peek(DLQ).length - shedBefore).toBe(2);
    expect(held(SLOW.ruleArn)).toBe(29 * ONE);
  });

  it('fills the queues to their limit, whoever holds them, when not shared out (lambdaQueueShares false)', async () => {
    // Prepare
    lambda = start({ shares: false });
    // Act
    await accept(25, 'x', SLOW);
    // Assess: all queued, none dead-lettered; the queues full (PutEvents refuses at that).
    expect(ran).toHaveLength(25);
    expect(queues.peek(DLQ)).toEqual([]);
    expect(lambda.full).toBe(true);
    expect(lambda.status().functions[0]?.shed).toBe(0);
  });

  it('counts the invocations a restart takes up against their rule targets, from the log', async () => {
    // Prepare: ten from a target that never ends them, kept in the data directory; then a stop.
    const dataDir = join(dir, 'data');
    await mkdir(dataDir);
    lambda = start({ dataDir });
    await accept(10, 'x', SLOW);
    lambda.stop();
    await writer.flush();
    // Act: the next start, and one more from that target.
    lambda = start({ dataDir });
    lambda.resume();
    const before = lambda.status().ruleTargets;
    await accept(1, 'x', SLOW);
    const letters = await deadLetters(1);
    // Assess: the ten counted against their target, so the eleventh is dead-lettered.
    expect(before).toEqual([{ ...SLOW, heldBytes: 10 * ONE }]);
    expect(letters).toHaveLength(1);
    expect(letters[0]?.attributes.ErrorCode?.StringValue).toBe('429');
  });
});
