// The functions' queues shared out among rule targets, on the real server through the SDK and HTTP: a target whose
// invocations never end fills at most its part, its further events are dead-lettered at once (ErrorCode 429) and
// listed with their rule target; PutEvents takes every entry, and another rule's target keeps being invoked. Once the
// target answers, a redrive delivers what was dead-lettered. Before (2026-12-07) the one target filled the queue and
// PutEvents then refused every entry bound for the function.
import { PutEventsCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { heldBytes, SHARE_FROM } from '../../../local/eventbridge/lambda-async.js';
import {
  type Harness,
  heldGate,
  type Invocation,
  LAMBDA_ARN,
  queueArn,
  routeOrders,
  startHarness,
  waitFor,
} from './harness.js';

const FUNCTION_DLQ = queueArn('consumer-dlq');
const ORDERS_RULE = 'arn:aws:events:us-east-1:111111111111:rule/orders';
const OTHERS_RULE = 'arn:aws:events:us-east-1:111111111111:rule/others';
/** Room for about twenty invocations of an order (each a payload of some 250 bytes and 700 for the rest). */
const LIMIT = 20_000;

const order = (orderId: number) => ({
  Source: 'sharebus.orders',
  DetailType: 'OrderPlaced',
  Detail: JSON.stringify({ orderId }),
});
const other = (n: number) => ({
  Source: 'sharebus.other',
  DetailType: 'Other',
  Detail: JSON.stringify({ n }),
});
const isOrder = (invocation: Invocation) => invocation.payload.includes('"sharebus.orders"');

interface Listed {
  id: string;
  kind: string;
  errorCode: string;
  errorMessage: string;
  ruleArn?: string;
  targetId?: string;
  body: string;
}

async function local(harness: Harness, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const answer = await fetch(`${harness.eventBridge.endpoint}/_local/${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  expect(answer.status).toBe(200);
  return (await answer.json()) as Record<string, unknown>;
}

describe("embedded EventBridge: a Lambda function's queue shared out among rule targets", () => {
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

  it("takes every entry, dead-letters the slow target's past its part at once, and keeps invoking the other's; a redrive delivers them once it answers", async () => {
    // Act: forty orders, then ten other events, one PutEvents each.
    const failed: number[] = [];
    for (let orderId = 1; orderId <= 40; orderId++) {
      const put = await harness.client.send(new PutEventsCommand({ Entries: [order(orderId)] }));
      if (put.FailedEntryCount !== 0) failed.push(orderId);
    }
    for (let n = 1; n <= 10; n++) {
      const put = await harness.client.send(new PutEventsCommand({ Entries: [other(n)] }));
      if (put.FailedEntryCount !== 0) failed.push(-n);
    }
    await waitFor(() => harness.invocations.filter((i) => !isOrder(i)).length === 10);
    // Assess: nothing refused; the orders queued up to half the limit, the rest dead-lettered without a run.
    expect(failed).toEqual([]);
    const payload = harness.invocations.find(isOrder)?.payload ?? '';
    const queued = Math.ceil((LIMIT * SHARE_FROM) / heldBytes(payload));
    expect(harness.invocations.filter(isOrder)).toHaveLength(queued);
    await waitFor(() => harness.eventBridge.queues.peek(FUNCTION_DLQ).length === 40 - queued);
    const { deadLetters } = (await local(harness, 'dead-letters')) as { deadLetters: Listed[] };
    expect(deadLetters).toHaveLength(40 - queued);
    for (const letter of deadLetters) {
      expect(letter).toMatchObject({
        kind: 'function',
        errorCode: '429',
        errorMessage: expect.stringMatching(
          new RegExp(
            `^Not run: Lambda's queues held .* and rule ${ORDERS_RULE}'s target fn held .* at least its share`,
          ),
        ),
        ruleArn: ORDERS_RULE,
        targetId: 'fn',
      });
    }
    // The orders dead-lettered are the last ones, in order.
    const orderIds = deadLetters.map(
      (d) => (JSON.parse(d.body) as { detail: { orderId: number } }).detail.orderId,
    );
    expect(orderIds).toEqual(Array.from({ length: 40 - queued }, (_, n) => queued + 1 + n));
    const heldByOrders = harness.invocations
      .filter(isOrder)
      .reduce((sum, i) => sum + heldBytes(i.payload), 0);
    const status = await local(harness, 'invocations');
    expect(status).toMatchObject({
      maxBytes: LIMIT,
      functions: [{ functionArn: LAMBDA_ARN, running: queued, shed: 40 - queued }],
      ruleTargets: [{ ruleArn: ORDERS_RULE, targetId: 'fn', heldBytes: heldByOrders }],
    });
    expect(JSON.stringify(status)).not.toContain(OTHERS_RULE);

    // Act: the target answers again; its dead letters are redriven.
    release();
    await harness.eventBridge.idle();
    const ids = deadLetters.map((d) => d.id);
    const first = (await local(harness, 'dead-letters/redrive', { ids })) as {
      redriven: string[];
      failed: { id: string; reason: string }[];
    };
    // Assess: taken up to the target's part of the queue, as any invocation of it; the rest left in their queue,
    // saying why, rather than dead-lettered again at once under new ids.
    expect(first.redriven).toEqual(ids.slice(0, first.redriven.length));
    expect(first.redriven.length).toBeGreaterThanOrEqual(queued - 1);
    expect(first.failed.map((f) => f.id)).toEqual(ids.slice(first.redriven.length));
    expect(first.failed[0]?.reason).toMatch(
      new RegExp(
        `^Lambda's queues would hold .* and rule ${ORDERS_RULE}'s target fn would hold .* at least its share .*: not redriven, as it would be dead-lettered again at once \\(lambdaQueueShares\\); redrive it once the target keeps up$`,
      ),
    );
    // Act: the rest, a redrive at a time once the last one's are delivered, as a user would.
    let rest = first.failed.map((f) => f.id);
    let rounds = 1;
    while (rest.length > 0 && rounds < 10) {
      await harness.eventBridge.idle();
      const next = (await local(harness, 'dead-letters/redrive', { ids: rest })) as {
        redriven: string[];
        failed: { id: string }[];
      };
      expect(next.redriven.length).toBeGreaterThan(0);
      rest = next.failed.map((f) => f.id);
      rounds++;
    }
    await harness.eventBridge.idle();
    // Assess: every order invoked, each dead-lettered one once more; the DLQ empty.
    expect(rest).toEqual([]);
    expect(rounds).toBeGreaterThan(1);
    const ordersInvoked = harness.invocations
      .filter(isOrder)
      .map((i) => (JSON.parse(i.payload) as { detail: { orderId: number } }).detail.orderId);
    expect([...new Set(ordersInvoked)].sort((a, b) => a - b)).toEqual(
      Array.from({ length: 40 }, (_, n) => n + 1),
    );
    expect(ordersInvoked).toHaveLength(40);
    expect(harness.eventBridge.queues.peek(FUNCTION_DLQ)).toEqual([]);
  });
});
