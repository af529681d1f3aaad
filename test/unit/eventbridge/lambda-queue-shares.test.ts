// The functions' queues shared among the rule targets whose invocations they hold. While they are full, the events of
// a rule target holding at least its (max-min fair) share are refused, and the others' taken, up to CEILING of the
// limit; and the invocations waiting for a turn take turns by rule target. Before (2026-12-07) one subscription whose
// webhook never answered filled the queue, and then every event bound for the deliver function was refused, and an
// answering subscription's invocations waited behind every one of the hanging one's for a turn.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InvocationSource } from '../../../local/eventbridge/delivery.js';
import { AsyncInvocations, CEILING, heldBytes } from '../../../local/eventbridge/lambda-async.js';
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
/** Room for twenty. */
const LIMIT = 20 * ONE;
/** As the messages give a size: `0.0134 MiB`. */
const mebibytes = (bytes: number) => `${Number((bytes / 2 ** 20).toPrecision(3))} MiB`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('AsyncInvocations: the queues shared among rule targets', () => {
  let dir: string;
  let writer: CoalescingWriter;
  let queues: QueueStore;
  let lambda: AsyncInvocations | undefined;
  /** Payloads run, in order; those of `x…` never end, the others once released. */
  let ran: string[];
  let releases: Array<() => void>;
  const warnings: string[] = [];
  const logger = { warn: (message: string) => warnings.push(message), error: () => {} };

  const start = (more: Partial<ConstructorParameters<typeof AsyncInvocations>[0]> = {}): AsyncInvocations =>
    new AsyncInvocations({
      run: (_, payload) => {
        ran.push(payload);
        return payload.startsWith('x')
          ? new Promise<void>(() => {})
          : new Promise<void>((resolve) => releases.push(resolve));
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

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sharebus-lambda-shares-'));
    writer = new CoalescingWriter({ logger });
    queues = new QueueStore(writer, dir, { logger });
    warnings.length = 0;
    ran = [];
    releases = [];
  });

  afterEach(async () => {
    for (const release of releases) release();
    lambda?.stop();
    lambda = undefined;
    await writer.flush();
    writer.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("refuses, while the queues are full, the events of the rule target that holds them, and takes another's", async () => {
    // Prepare: one target's invocations, which never end, fill the queues.
    lambda = start();
    await accept(20, 'x', SLOW);
    // Act
    const slow = lambda.refusal(FUNCTION, SLOW);
    const other = lambda.refusal(FUNCTION, OTHER);
    // Assess: the first refused, naming it; the second taken; nothing dead-lettered.
    expect(lambda.full).toBe(true);
    expect(slow).toBe(
      `Lambda function ${FUNCTION} is behind: its queue is full (20 invocations hold ${mebibytes(LIMIT)} of their ` +
        `${mebibytes(LIMIT)} limit, maxLambdaQueueBytes; it takes events again below ${mebibytes(0.9 * LIMIT)}); ` +
        `rule ${SLOW.ruleArn}'s target deliver holds ${mebibytes(LIMIT)} of it, at least its share; try again once its ` +
        'invocations catch up',
    );
    expect(other).toBeUndefined();
    expect(queues.peek(DLQ)).toEqual([]);
    expect(warnings).toEqual([
      expect.stringMatching(
        new RegExp(
          `^\\[eventbridge\\] refused 1 PutEvents entry bound for Lambda function ${FUNCTION} \\(ThrottlingException\\): the functions' queues are full \\(.*\\); of its invocations 20 run \\(of its 1,000 turns\\), 0 wait for a turn and 0 wait for a retry\\. The entries refused are those of rule targets holding at least their share of the queues \\(the last: rule ${SLOW.ruleArn}'s target deliver, holding ${mebibytes(LIMIT)}\\); the others' are taken\\.`,
        ),
      ),
    ]);
  });

  it("shares max-min fairly what the queues hold once taking events again: a target is refused once its holdings, and the others' cut at them, make it", async () => {
    // Prepare: two targets fill the queues (twelve and eight); then the second's, while they are taken.
    lambda = start();
    await accept(12, 'x', SLOW);
    await accept(8, 'x', OTHER);
    const full = lambda.full;
    const slow = lambda.refusal(FUNCTION, SLOW);
    let taken = 0;
    while (lambda.refusal(FUNCTION, OTHER) === undefined && taken < 20) {
      await accept(1, 'x', OTHER);
      taken++;
    }
    // Act: a third target, holding nothing.
    const third = lambda.refusal(FUNCTION, THIRD);
    // Assess: the first refused (its twelve and the second's eight make twenty, past 90% of the limit, eighteen); the
    // second taken until its holdings and the first's cut at them made eighteen (nine and nine); the third taken.
    expect([full, slow === undefined]).toEqual([true, false]);
    expect(taken).toBe(1);
    expect(third).toBeUndefined();
    expect(lambda.status().ruleTargets).toEqual([
      { ...SLOW, heldBytes: 12 * ONE },
      { ...OTHER, heldBytes: 9 * ONE },
    ]);
  });

  it(`refuses every target's events once the queues hold ${Math.round(CEILING * 100)}% of their limit`, async () => {
    // Prepare: full, and at the ceiling with another target's invocations taken meanwhile (accepted directly).
    lambda = start();
    await accept(20, 'x', SLOW);
    await accept(2, 'x', OTHER);
    // Act
    const third = lambda.refusal(FUNCTION, THIRD);
    // Assess: refused, without a holder named (the queues are past their ceiling whoever holds them).
    expect(third).toBe(
      `Lambda function ${FUNCTION} is behind: its queue is full (22 invocations hold ${mebibytes(22 * ONE)} of their ` +
        `${mebibytes(LIMIT)} limit, maxLambdaQueueBytes; it takes events again below ${mebibytes(0.9 * LIMIT)}); ` +
        'try again once its invocations catch up',
    );
    expect(warnings[0]).toContain('They hold 110% of the limit: every entry bound for them is refused.');
  });

  it('takes nothing as refused while the queues are not full, whoever holds them', async () => {
    // Prepare
    lambda = start();
    await accept(19, 'x', SLOW);
    // Act and assess
    expect(lambda.refusal(FUNCTION, SLOW)).toBeUndefined();
    expect(warnings).toEqual([]);
  });

  it("gives a function's turns to the rule targets in turn, each target's invocations in the order they came", async () => {
    // Prepare: one turn, taken by the first target's first invocation; three more of it wait, then two of another.
    lambda = start({ functions: { [FUNCTION]: { deadLetterArn: DLQ, concurrency: 1 } } });
    await accept(4, 'a', SLOW);
    lambda.accept(FUNCTION, 'b1', { source: OTHER });
    lambda.accept(FUNCTION, 'b2', { source: OTHER });
    // Act: each ends in turn.
    for (let n = 0; n < 6; n++) {
      for (let waited = 0; releases.length === 0 && waited < 2_000; waited += 1) await sleep(1);
      releases.shift()?.();
      await sleep(1);
    }
    // Assess: the first target's second (it was first in line for the next turn), then the two alternately, each in
    // the order they came; in one line the second target's would have waited for all four of the first's.
    expect(ran).toEqual(['a', 'a', 'b1', 'a', 'b2', 'a']);
  });

  it('gives a freed turn to the rule target running the fewest, so that one whose invocations hold their turns does not keep them all', async () => {
    // Prepare: two turns, both taken by the first target (h1, h2), two more of it waiting; then two of another.
    const running = new Map<string, () => void>();
    lambda = start({
      run: (_, payload) => {
        ran.push(payload);
        return new Promise<void>((resolve) => running.set(payload, resolve));
      },
      functions: { [FUNCTION]: { deadLetterArn: DLQ, concurrency: 2 } },
    });
    for (const payload of ['h1', 'h2', 'h3', 'h4']) lambda.accept(FUNCTION, payload, { source: SLOW });
    for (const payload of ['g1', 'g2']) lambda.accept(FUNCTION, payload, { source: OTHER });
    await sleep(1);
    const end = async (payload: string) => {
      running.get(payload)?.();
      await sleep(2);
    };
    // Act: h1 ends, then each of the second target's as soon as it runs.
    await end('h1');
    await end('g1');
    await end('g2');
    // Assess: the freed turns went to the second target (running none) until it had none waiting; only then h3.
    // Taken in turn, h1's turn went to h3 (the first target's line was first), and g2 waited for it.
    expect(ran).toEqual(['h1', 'h2', 'g1', 'g2', 'h3']);
    for (const resolve of running.values()) resolve();
  });

  it("keeps a tenth of a function's turns from any one rule target, so that another's invocation runs at once", async () => {
    // Prepare: ten turns; a target whose invocations never end.
    lambda = start({ functions: { [FUNCTION]: { deadLetterArn: DLQ, concurrency: 10 } } });
    await accept(12, 'x', SLOW);
    const first = lambda.status().functions[0];
    // Act: another target's invocation.
    lambda.accept(FUNCTION, 'g', { source: OTHER });
    await sleep(1);
    // Assess: the first ran nine (three wait, a turn free); the other's ran at once, in the tenth.
    expect(first).toMatchObject({ running: 9, waiting: 3 });
    expect(ran.at(-1)).toBe('g');
    expect(lambda.status().functions[0]).toMatchObject({ running: 10, waiting: 3 });
  });

  it('keeps an invocation whose rule target a later version wrote in another shape, as of no known rule target', async () => {
    // Prepare: a log line of an invocation with a source that is not a rule ARN and target id.
    const dataDir = join(dir, 'data');
    await mkdir(dataDir);
    const invocation = {
      requestId: '11111111-1111-4111-8111-111111111111',
      functionArn: FUNCTION,
      payload: 'x',
      acceptedAt: Date.now(),
      retries: 0,
      dueAt: Date.now(),
      source: { rule: 'other-shape' },
    };
    await writeFile(join(dataDir, 'lambda-invocations.jsonl'), `${JSON.stringify({ invoke: invocation })}\n`);
    // Act
    lambda = start({ dataDir });
    lambda.resume();
    await sleep(5);
    // Assess: taken up and run, counted under no rule target.
    expect(lambda.pending).toBe(1);
    expect(ran).toEqual(['x']);
    expect(lambda.status().ruleTargets).toEqual([{ heldBytes: ONE }]);
    expect(warnings).toEqual([]);
  });

  it('counts the invocations a restart takes up against their rule targets, from the log', async () => {
    // Prepare: ten from a target that never ends them, kept in the data directory; then a stop.
    const dataDir = join(dir, 'data');
    await mkdir(dataDir);
    lambda = start({ dataDir });
    await accept(10, 'x', SLOW);
    lambda.stop();
    await writer.flush();
    // Act: the next start.
    lambda = start({ dataDir });
    lambda.resume();
    // Assess
    expect(lambda.status().ruleTargets).toEqual([{ ...SLOW, heldBytes: 10 * ONE }]);
  });
});
