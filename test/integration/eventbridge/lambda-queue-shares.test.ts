// The functions' queues shared among rule targets, on the real server through the SDK and HTTP: a rule target whose
// invocations never end fills the queue and has its entries refused (ThrottlingException, naming it), while another
// rule's target bound for the same function keeps being taken and invoked. Before (2026-12-07) every entry bound for
// the function was refused once the queue was full.
import { PutEventsCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CEILING } from '../../../local/eventbridge/lambda-async.js';
import {
  type Harness,
  heldGate,
  type Invocation,
  LAMBDA_ARN,
  orderEntry,
  otherEntry,
  queueArn,
  routeOrders,
  startHarness,
  waitFor,
} from './harness.js';

const FUNCTION_DLQ = queueArn('consumer-dlq');
const ORDERS_RULE = 'arn:aws:events:us-east-1:111111111111:rule/orders';
const OTHERS_RULE = 'arn:aws:events:us-east-1:111111111111:rule/others';
/** Room for about sixty invocations of an order (each a payload of some 250 bytes and 700 for the rest). */
const LIMIT = 60_000;

const isOrder = (invocation: Invocation) => invocation.payload.includes('"sharebus.orders"');

describe("embedded EventBridge: a Lambda function's queue shared among rule targets", () => {
  let harness: Harness;
  let release: () => void;

  beforeEach(async () => {
    harness = await startHarness({
      asyncFunctions: { [LAMBDA_ARN]: { deadLetterArn: FUNCTION_DLQ, maximumRetryAttempts: 0 } },
      maxLambdaQueueBytes: LIMIT,
    });
    // The function never ends an order's invocation until released; it ends the others' at once.
    const held = heldGate();
    release = held.release;
    harness.lambda = (invocation) => (isOrder(invocation) ? held.gate : Promise.resolve());
    await routeOrders(harness);
    await harness.client.send(
      new PutRuleCommand({ Name: 'others', EventPattern: '{"source":["sharebus.other"]}' }),
    );
    await harness.client.send(
      new PutTargetsCommand({ Rule: 'others', Targets: [{ Id: 'fn', Arn: LAMBDA_ARN }] }),
    );
  });

  afterEach(async () => {
    release();
    await harness.close();
  });

  it("refuses the entries of the rule target filling the queue, naming it, and takes another rule's bound for the same function", async () => {
    // Act: orders, one PutEvents each, until one is refused; then twenty other events, and a batch of both.
    let refused: Record<string, unknown> | undefined;
    let orders = 0;
    while (refused === undefined && orders < 100) {
      const put = await harness.client.send(new PutEventsCommand({ Entries: [orderEntry(++orders)] }));
      if (put.FailedEntryCount === 1) refused = { ...put.Entries?.[0] };
    }
    const otherFailures: unknown[] = [];
    for (let n = 1; n <= 20; n++) {
      const put = await harness.client.send(new PutEventsCommand({ Entries: [otherEntry(n)] }));
      if (put.FailedEntryCount !== 0) otherFailures.push(put.Entries?.[0]);
    }
    const mixed = await harness.client.send(
      new PutEventsCommand({ Entries: [orderEntry(99), otherEntry(99)] }),
    );
    await waitFor(() => harness.invocations.filter((i) => !isOrder(i)).length === 21);
    // Assess: the orders refused once the queue was full, naming the rule target that holds it; every other event
    // taken and invoked, none dead-lettered.
    expect(refused).toEqual({
      ErrorCode: 'ThrottlingException',
      ErrorMessage: expect.stringMatching(
        new RegExp(
          `^Lambda function ${LAMBDA_ARN} is behind: its queue is full \\(\\d+ invocations hold .* MiB of their .* MiB limit, maxLambdaQueueBytes; it takes events again below .* MiB\\); rule ${ORDERS_RULE}'s target fn holds .* MiB of it, at least its share; try again once its invocations catch up$`,
        ),
      ),
    });
    expect(otherFailures).toEqual([]);
    expect(mixed.FailedEntryCount).toBe(1);
    expect(mixed.Entries?.[0]?.ErrorCode).toBe('ThrottlingException');
    expect(mixed.Entries?.[1]?.EventId).toBeDefined();
    expect(harness.eventBridge.queues.peek(FUNCTION_DLQ)).toEqual([]);
    const status = (await (await fetch(`${harness.eventBridge.endpoint}/_local/invocations`)).json()) as {
      ruleTargets: { ruleArn: string; targetId: string; heldBytes: number }[];
    };
    expect(status.ruleTargets).toEqual([
      {
        ruleArn: ORDERS_RULE,
        targetId: 'fn',
        heldBytes: expect.any(Number),
      },
    ]);
    expect(JSON.stringify(status)).not.toContain(OTHERS_RULE);
    expect(harness.warnings.filter((w) => w.includes('refused'))[0]).toContain(
      `The entries refused are those of rule targets holding at least their share of the queues (the last: rule ${ORDERS_RULE}'s target fn`,
    );

    // Act: the orders' invocations end.
    release();
    await harness.eventBridge.idle();
    const again = await harness.client.send(new PutEventsCommand({ Entries: [orderEntry(100)] }));
    // Assess: orders taken again.
    expect(again.FailedEntryCount).toBe(0);
  });

  it('counts the invocations of the entries a PutEvents took before the next, so that one request does not pass the ceiling', async () => {
    // Prepare: nothing ends; the others rule invokes the function five times an event (fn and four more); the orders
    // fill the queue.
    const held = heldGate();
    release = held.release;
    harness.lambda = () => held.gate;
    await harness.client.send(
      new PutTargetsCommand({
        Rule: 'others',
        Targets: [2, 3, 4, 5].map((n) => ({ Id: `fn${n}`, Arn: LAMBDA_ARN })),
      }),
    );
    for (let orderId = 1; orderId <= 100; orderId++) {
      const put = await harness.client.send(new PutEventsCommand({ Entries: [orderEntry(orderId)] }));
      if (put.FailedEntryCount === 1) break;
    }
    // Act: ten other events in one request, fifty invocations, none of whose rule targets holds anything.
    const batch = await harness.client.send(
      new PutEventsCommand({ Entries: Array.from({ length: 10 }, (_, n) => otherEntry(n)) }),
    );
    await waitFor(
      () =>
        harness.invocations.filter((i) => !isOrder(i)).length === 5 * (10 - (batch.FailedEntryCount ?? 0)),
    );
    // Assess: some taken, the rest refused at the ceiling; the queue within it.
    const status = (await (await fetch(`${harness.eventBridge.endpoint}/_local/invocations`)).json()) as {
      heldBytes: number;
    };
    expect(batch.FailedEntryCount).toBeGreaterThan(0);
    expect(batch.FailedEntryCount).toBeLessThan(10);
    expect(status.heldBytes).toBeLessThanOrEqual(Math.floor(LIMIT * CEILING));
  });
});
