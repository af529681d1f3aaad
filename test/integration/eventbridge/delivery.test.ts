import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateEventBusCommand,
  DeleteRuleCommand,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
  type Target,
} from '@aws-sdk/client-eventbridge';
import { jest } from '@jest/globals';
import { DROPPED_DELIVERIES, startEventBridge } from '../../../local/eventbridge/index.js';
import { MAX_REQUEST_BYTES } from '../../../local/eventbridge/server.js';
import {
  type Harness,
  LAMBDA_ARN,
  orderEntry,
  putOrder,
  putOrdersTarget,
  queueArn,
  routeOrders,
  sleep,
  startHarness,
  targetLetters,
  useHarness,
  waitFor,
} from './harness.js';

const RULE_ARN = 'arn:aws:events:us-east-1:111111111111:rule/orders';
const DLQ = queueArn('orders-dlq');

const failing = async (): Promise<void> => {
  throw new Error('database unavailable');
};

/** A Lambda handler that holds each call until `fail()`, then throws: an attempt running for as long as a test needs. */
function heldThenFailing(): { handler: () => Promise<void>; fail: () => void } {
  const waiting: (() => void)[] = [];
  return {
    handler: () =>
      new Promise<void>((_resolve, reject) => {
        waiting.push(() => reject(new Error('database unavailable')));
      }),
    fail: () => {
      for (const reject of waiting.splice(0)) reject();
    },
  };
}

describe('embedded EventBridge: delivery, retries and dead letters', () => {
  const harness = useHarness();

  it('starts the deliveries of a request once it is answered, before handling the next request', async () => {
    // Prepare: two kept-alive connections, so that two PutEvents sent together are read in one turn of the
    // event loop; Node reports each request as the server starts on it
    await routeOrders(harness, {});
    const agent = new Agent({ keepAlive: true, maxSockets: 2 });
    const put = (orderId: number) =>
      new Promise<number>((resolve, reject) => {
        const body = JSON.stringify({
          Entries: [
            { Source: 'sharebus.orders', DetailType: 'OrderPlaced', Detail: JSON.stringify({ orderId }) },
          ],
        });
        const req = request(
          harness.eventBridge.endpoint,
          {
            method: 'POST',
            agent,
            headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSEvents.PutEvents' },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    await Promise.all([put(0), put(0)]);
    await harness.eventBridge.idle();
    const order: string[] = [];
    const started = () => order.push('request');
    harness.lambda = async ({ payload }) => {
      order.push(`deliver ${(JSON.parse(payload) as { detail: { orderId: number } }).detail.orderId}`);
    };
    subscribe('http.server.request.start', started);

    // Act
    try {
      expect(await Promise.all([put(1), put(2)])).toEqual([200, 200]);
      await harness.eventBridge.idle();
    } finally {
      unsubscribe('http.server.request.start', started);
      agent.destroy();
    }

    // Assess: each request's delivery comes before the next request is handled
    expect(order).toHaveLength(4);
    expect(order.filter((_, i) => i % 2 === 0)).toEqual(['request', 'request']);
    expect(order.filter((_, i) => i % 2 === 1).sort()).toEqual(['deliver 1', 'deliver 2']);
  });

  it('retries a failing Lambda and succeeds when it recovers', async () => {
    // Prepare
    await routeOrders(harness, {});
    let calls = 0;
    harness.lambda = async () => {
      calls++;
      if (calls < 3) throw new Error('not yet');
    };
    // Act
    await putOrder(harness);
    await harness.eventBridge.idle();
    // Assess
    expect(calls).toBe(3);
    expect(harness.eventBridge.deadLetters.list()).toEqual([]);
  });

  it('sends an event that exhausts MaximumRetryAttempts to the DLQ with the attributes AWS adds', async () => {
    // Prepare
    await routeOrders(harness, { RetryPolicy: { MaximumRetryAttempts: 2 }, DeadLetterConfig: { Arn: DLQ } });
    harness.lambda = failing;
    // Act
    const eventId = await putOrder(harness);
    await harness.eventBridge.idle();
    // Assess
    expect(harness.invocations).toHaveLength(3);
    const [message, ...rest] = harness.eventBridge.queues.peek(DLQ);
    expect(rest).toEqual([]);
    expect(JSON.parse(message?.body ?? '{}')).toMatchObject({ id: eventId, detail: { orderId: 1 } });
    expect(message?.attributes).toEqual({
      RULE_ARN: { DataType: 'String', StringValue: RULE_ARN },
      TARGET_ARN: { DataType: 'String', StringValue: LAMBDA_ARN },
      ERROR_CODE: { DataType: 'String', StringValue: 'ERROR_FROM_TARGET' },
      ERROR_MESSAGE: { DataType: 'String', StringValue: 'Error: database unavailable' },
      EXHAUSTED_RETRY_CONDITION: { DataType: 'String', StringValue: 'MaximumRetryAttempts' },
      RETRY_ATTEMPTS: { DataType: 'Number', StringValue: '2' },
    });
    expect(harness.eventBridge.deadLetters.list()).toEqual([
      expect.objectContaining({
        queueArn: DLQ,
        targetId: 'fn',
        errorCode: 'ERROR_FROM_TARGET',
        retryAttempts: 2,
      }),
    ]);
  });

  it("cuts what the target threw to 1 KB of UTF-8 in ERROR_MESSAGE and the log line, on a character's boundary", async () => {
    // Prepare: "Error: a" and 600 three-byte characters, so that byte 1,024 falls inside one of them
    await routeOrders(harness, { RetryPolicy: { MaximumRetryAttempts: 0 }, DeadLetterConfig: { Arn: DLQ } });
    harness.lambda = async () => {
      throw new Error(`a${'€'.repeat(600)}`);
    };
    // Act
    await putOrder(harness);
    await harness.eventBridge.idle();
    // Assess: the 8 bytes of "Error: a" and 338 of them make 1,022 bytes; a 339th would pass 1,024
    const kept = `Error: a${'€'.repeat(338)}`;
    expect(Buffer.byteLength(kept)).toBe(1022);
    const [message] = harness.eventBridge.queues.peek(DLQ);
    expect(message?.attributes.ERROR_MESSAGE).toEqual({ DataType: 'String', StringValue: kept });
    expect(harness.eventBridge.deadLetters.list()).toEqual([expect.objectContaining({ errorMessage: kept })]);
    const [line, ...others] = harness.warnings.filter((warning) => warning.includes('not delivered to'));
    expect(others).toEqual([]);
    expect(line).toContain(`: ERROR_FROM_TARGET: ${kept}; kept in DLQ`);
  });

  // i18n review, 2026-12-07: the failure went into the log as sent, so an endpoint's answer could recolour the
  // operator's terminal or start a line that looked like the server's own.
  it('escapes control and format characters of the failure in its log line, and keeps them in ERROR_MESSAGE', async () => {
    // Prepare
    await routeOrders(harness, { RetryPolicy: { MaximumRetryAttempts: 0 }, DeadLetterConfig: { Arn: DLQ } });
    const thrown = '\x1b[31mred\n[eventbridge] forged\u202e 东城😀';
    harness.lambda = async () => {
      throw new Error(thrown);
    };
    // Act
    await putOrder(harness);
    await harness.eventBridge.idle();
    // Assess
    const [line, ...others] = harness.warnings.filter((warning) => warning.includes('not delivered to'));
    expect(others).toEqual([]);
    expect(line).toContain(
      ': ERROR_FROM_TARGET: Error: \\u001b[31mred\\u000a[eventbridge] forged\\u202e 东城😀; kept',
    );
    for (const raw of ['\x1b', '\n', '\u202e']) expect(line).not.toContain(raw);
    const [message] = harness.eventBridge.queues.peek(DLQ);
    expect(message?.attributes.ERROR_MESSAGE?.StringValue).toBe(`Error: ${thrown}`);
  });

  describe('a retry waiting (about a second) when its rule or target changes', () => {
    let slow: Harness;
    /** A server whose retries wait a real second, with one order put and its first attempt failed. */
    const failedOnce = async (target: Partial<Target>, orderId = 1): Promise<void> => {
      slow = await startHarness({ delayScale: 1 });
      await routeOrders(slow, target);
      slow.lambda = failing;
      await putOrder(slow, orderId);
      await waitFor(() => slow.invocations.length === 1);
    };
    afterEach(async () => {
      await slow?.close();
    });

    it('makes no more attempts at a target removed: the event goes to its DLQ as NO_RESOURCE', async () => {
      // Prepare
      await failedOnce({ RetryPolicy: { MaximumRetryAttempts: 3 }, DeadLetterConfig: { Arn: DLQ } });
      // Act
      await slow.client.send(new RemoveTargetsCommand({ Rule: 'orders', Ids: ['fn'] }));
      await slow.eventBridge.idle();
      // Assess
      expect(slow.invocations).toHaveLength(1);
      expect(slow.eventBridge.deadLetters.list()).toEqual([
        expect.objectContaining({
          queueArn: DLQ,
          targetId: 'fn',
          errorCode: 'NO_RESOURCE',
          errorMessage: `Target fn of rule ${RULE_ARN} no longer exists.`,
          retryAttempts: 0,
        }),
      ]);
    });

    it('retries to the target as it was put again under its id, with its new input and retry policy', async () => {
      // Prepare
      const queue = queueArn('orders-now');
      await failedOnce({ RetryPolicy: { MaximumRetryAttempts: 3 } }, 5);
      // Act: the same id now names a queue, with an InputPath.
      await putOrdersTarget(slow, { Id: 'fn', Arn: queue, InputPath: '$.detail' });
      await slow.eventBridge.idle();
      // Assess
      expect(slow.invocations).toHaveLength(1);
      expect(slow.eventBridge.queues.peek(queue).map((m) => JSON.parse(m.body))).toEqual([{ orderId: 5 }]);
      expect(slow.eventBridge.deadLetters.list()).toEqual([]);
    });

    it('makes no retry that the target, put again, no longer allows', async () => {
      // Prepare
      await failedOnce({ RetryPolicy: { MaximumRetryAttempts: 3 }, DeadLetterConfig: { Arn: DLQ } });
      // Act: the same target, now with no retries.
      await putOrdersTarget(slow, {
        Id: 'fn',
        Arn: LAMBDA_ARN,
        RetryPolicy: { MaximumRetryAttempts: 0 },
        DeadLetterConfig: { Arn: DLQ },
      });
      await slow.eventBridge.idle();
      // Assess
      expect(slow.invocations).toHaveLength(1);
      expect(slow.eventBridge.deadLetters.list()).toEqual([
        expect.objectContaining({
          errorCode: 'ERROR_FROM_TARGET',
          exhaustedRetryCondition: 'MaximumRetryAttempts',
          retryAttempts: 0,
        }),
      ]);
    });

    it('makes no retry for a rule deleted and made again under its name', async () => {
      // Prepare
      await failedOnce({ RetryPolicy: { MaximumRetryAttempts: 3 }, DeadLetterConfig: { Arn: DLQ } });
      // Act: the rule goes, and another of the same name and target id comes.
      await slow.client.send(new RemoveTargetsCommand({ Rule: 'orders', Ids: ['fn'] }));
      await slow.client.send(new DeleteRuleCommand({ Name: 'orders' }));
      await routeOrders(slow, { DeadLetterConfig: { Arn: DLQ } });
      await slow.eventBridge.idle();
      // Assess
      expect(slow.invocations).toHaveLength(1);
      expect(slow.eventBridge.deadLetters.list().map((d) => d.errorCode)).toEqual(['NO_RESOURCE']);
    });
  });

  it('makes no retry for a target removed while its attempt ran, though put again under its id: NO_RESOURCE', async () => {
    // Prepare: review, 2026-12-05: a waiting retry went to the DLQ, a running attempt's went on to the new target.
    await routeOrders(harness, { RetryPolicy: { MaximumRetryAttempts: 3 }, DeadLetterConfig: { Arn: DLQ } });
    const held = heldThenFailing();
    harness.lambda = held.handler;
    await putOrder(harness);
    await waitFor(() => harness.invocations.length === 1);
    // Act
    await harness.client.send(new RemoveTargetsCommand({ Rule: 'orders', Ids: ['fn'] }));
    await putOrdersTarget(harness, { Input: '"v2"', DeadLetterConfig: { Arn: DLQ } });
    held.fail();
    await harness.eventBridge.idle();
    // Assess
    expect(harness.invocations).toHaveLength(1);
    expect(harness.eventBridge.deadLetters.list()).toEqual([
      expect.objectContaining({ queueArn: DLQ, targetId: 'fn', errorCode: 'NO_RESOURCE', retryAttempts: 0 }),
    ]);
  });

  it('ends the retries of the targets removed only: not those of another target of the rule, nor of a rule of its name on another bus', async () => {
    // Prepare: rule orders on the default bus with targets fn and fn2, and rule orders on bus `other` with a target
    // fn, each a function of its own, their three first attempts held.
    const secondFn = 'arn:aws:lambda:us-east-1:111111111111:function:second';
    const otherBusFn = 'arn:aws:lambda:us-east-1:111111111111:function:other-bus';
    const policy = { RetryPolicy: { MaximumRetryAttempts: 3 }, DeadLetterConfig: { Arn: DLQ } };
    await routeOrders(harness, policy);
    await putOrdersTarget(harness, { Id: 'fn2', Arn: secondFn, ...policy });
    await harness.client.send(new CreateEventBusCommand({ Name: 'other' }));
    await harness.client.send(
      new PutRuleCommand({
        Name: 'orders',
        EventBusName: 'other',
        EventPattern: '{"source":["sharebus.orders"]}',
      }),
    );
    await harness.client.send(
      new PutTargetsCommand({
        Rule: 'orders',
        EventBusName: 'other',
        Targets: [{ Id: 'fn', Arn: otherBusFn, ...policy }],
      }),
    );
    const held = heldThenFailing();
    harness.lambda = held.handler;
    await putOrder(harness);
    await harness.client.send(
      new PutEventsCommand({
        Entries: [
          { EventBusName: 'other', Source: 'sharebus.orders', DetailType: 'OrderPlaced', Detail: '{}' },
        ],
      }),
    );
    await waitFor(() => harness.invocations.length === 3);
    // Act: fn leaves the default bus's rule; the attempts fail, and the functions then recover.
    await harness.client.send(new RemoveTargetsCommand({ Rule: 'orders', Ids: ['fn'] }));
    harness.lambda = async () => {};
    held.fail();
    await harness.eventBridge.idle();
    // Assess: the other two were retried and delivered; only fn's event is a dead letter.
    expect(
      harness.invocations
        .slice(3)
        .map((i) => i.functionArn)
        .sort(),
    ).toEqual([otherBusFn, secondFn]);
    expect(harness.eventBridge.deadLetters.list()).toEqual([
      expect.objectContaining({ ruleArn: RULE_ARN, targetId: 'fn', errorCode: 'NO_RESOURCE' }),
    ]);
  });

  it('dead-letters the last attempt of a target removed while it ran with its own failure', async () => {
    // Prepare: diff review, 2026-12-05: no retry was to follow, so the target's failure is what ended it.
    await routeOrders(harness, { RetryPolicy: { MaximumRetryAttempts: 0 }, DeadLetterConfig: { Arn: DLQ } });
    const held = heldThenFailing();
    harness.lambda = held.handler;
    await putOrder(harness);
    await waitFor(() => harness.invocations.length === 1);
    // Act
    await harness.client.send(new RemoveTargetsCommand({ Rule: 'orders', Ids: ['fn'] }));
    held.fail();
    await harness.eventBridge.idle();
    // Assess
    expect(harness.eventBridge.deadLetters.list()).toEqual([
      expect.objectContaining({
        errorCode: 'ERROR_FROM_TARGET',
        exhaustedRetryCondition: 'MaximumRetryAttempts',
        retryAttempts: 0,
      }),
    ]);
  });

  it('still delivers an attempt running when its target is removed, once it succeeds', async () => {
    // Prepare
    await routeOrders(harness, { RetryPolicy: { MaximumRetryAttempts: 3 }, DeadLetterConfig: { Arn: DLQ } });
    let finish: () => void = () => {};
    harness.lambda = () => new Promise<void>((resolve) => (finish = resolve));
    await putOrder(harness);
    await waitFor(() => harness.invocations.length === 1);
    // Act
    await harness.client.send(new RemoveTargetsCommand({ Rule: 'orders', Ids: ['fn'] }));
    finish();
    await harness.eventBridge.idle();
    // Assess
    expect(harness.invocations).toHaveLength(1);
    expect(harness.eventBridge.deadLetters.list()).toEqual([]);
  });

  it('makes no retry past the MaximumEventAgeInSeconds of the target as put again while it waited', async () => {
    // Prepare: eight failed attempts (some 130 to 250 ms at this scale); the next retry waits 64 to 128 ms more.
    await routeOrders(harness, { DeadLetterConfig: { Arn: DLQ } });
    harness.lambda = failing;
    await putOrder(harness);
    await waitFor(() => harness.invocations.length >= 8);
    // Act: the same target, its events now too old after 60 s (60 ms here), which this one already is.
    await putOrdersTarget(harness, {
      RetryPolicy: { MaximumEventAgeInSeconds: 60 },
      DeadLetterConfig: { Arn: DLQ },
    });
    const tried = harness.invocations.length;
    await harness.eventBridge.idle();
    // Assess: the retry due was not made.
    expect(harness.invocations).toHaveLength(tried);
    expect(harness.eventBridge.deadLetters.list()).toEqual([
      expect.objectContaining({ exhaustedRetryCondition: 'MaximumEventAgeInSeconds' }),
    ]);
  });

  it('gives up on an event older than MaximumEventAgeInSeconds (scaled by delayScale)', async () => {
    // Prepare: 60 s scaled by 0.001 is 60 ms of retrying
    await routeOrders(harness, {
      RetryPolicy: { MaximumEventAgeInSeconds: 60 },
      DeadLetterConfig: { Arn: DLQ },
    });
    harness.lambda = failing;
    // Act
    await putOrder(harness);
    await harness.eventBridge.idle();
    // Assess
    const [deadLetter] = targetLetters(harness.eventBridge);
    expect(deadLetter?.exhaustedRetryCondition).toBe('MaximumEventAgeInSeconds');
    expect(harness.invocations.length).toBeGreaterThan(1);
  });

  it('retries for 24 hours by default, as AWS says, the age limit ending them before the 185th retry', async () => {
    // Prepare: delays scaled so that a day is 4.3 s
    const quick = await startHarness({ delayScale: 0.00005 });
    try {
      await routeOrders(quick, { DeadLetterConfig: { Arn: DLQ } });
      quick.lambda = failing;
      // Act
      const putAt = Date.now();
      await putOrder(quick);
      await quick.eventBridge.idle();
      // Assess
      const [deadLetter] = targetLetters(quick.eventBridge);
      expect(deadLetter?.exhaustedRetryCondition).toBe('MaximumEventAgeInSeconds');
      expect(deadLetter?.retryAttempts).toBeGreaterThan(30);
      expect(deadLetter?.retryAttempts).toBeLessThan(185);
      expect(quick.invocations).toHaveLength((deadLetter?.retryAttempts ?? 0) + 1);
      // Not before a day less the longest backoff (12 minutes) had passed, scaled: the age limit is 24 hours.
      const scaledMs = (seconds: number) => seconds * 1000 * 0.00005;
      expect(Date.parse(deadLetter?.failedAt ?? '') - putAt).toBeGreaterThanOrEqual(scaledMs(86_400 - 720));
    } finally {
      await quick.close();
    }
  });

  it('keeps a failed event among dropped deliveries, and logs it, when the target has no DLQ', async () => {
    // Prepare
    await routeOrders(harness, { RetryPolicy: { MaximumRetryAttempts: 0 } });
    harness.lambda = failing;
    // Act
    await putOrder(harness);
    await harness.eventBridge.idle();
    // Assess
    expect(harness.invocations).toHaveLength(1);
    expect(harness.eventBridge.deadLetters.list()).toEqual([
      expect.objectContaining({
        queueArn: DROPPED_DELIVERIES,
        errorCode: 'ERROR_FROM_TARGET',
        retryAttempts: 0,
      }),
    ]);
    expect(harness.warnings.join('\n')).toMatch(
      /not delivered to .*function:consumer \(rule .*; retries ended by MaximumRetryAttempts after 0\): ERROR_FROM_TARGET: .*dropped-deliveries store/,
    );
  });

  it('dead-letters events for a target type it cannot call at once, without retrying', async () => {
    // Prepare
    await harness.client.send(
      new PutRuleCommand({ Name: 'orders', EventPattern: '{"source":["sharebus.orders"]}' }),
    );
    await harness.client.send(
      new PutTargetsCommand({
        Rule: 'orders',
        Targets: [
          {
            Id: 'sfn',
            Arn: 'arn:aws:states:us-east-1:111111111111:stateMachine:flow',
            RoleArn: 'arn:aws:iam::111111111111:role/events-to-flow',
            DeadLetterConfig: { Arn: DLQ },
          },
        ],
      }),
    );
    // Act
    await putOrder(harness);
    await harness.eventBridge.idle();
    // Assess
    expect(harness.eventBridge.deadLetters.list()).toEqual([
      expect.objectContaining({ queueArn: DLQ, errorCode: 'NO_RESOURCE', retryAttempts: 0 }),
    ]);
  });

  it('redrives dead letters to their original target', async () => {
    // Prepare
    await routeOrders(harness, { RetryPolicy: { MaximumRetryAttempts: 0 }, DeadLetterConfig: { Arn: DLQ } });
    harness.lambda = failing;
    const eventId = await putOrder(harness);
    await harness.eventBridge.idle();
    harness.lambda = async () => {};
    const [deadLetter] = harness.eventBridge.deadLetters.list();
    // Act
    const result = harness.eventBridge.deadLetters.redrive();
    await harness.eventBridge.idle();
    // Assess
    expect(result).toEqual({ redriven: [deadLetter?.id], failed: [] });
    expect(harness.invocations).toHaveLength(2);
    expect(JSON.parse(harness.invocations[1]?.payload ?? '{}')).toMatchObject({ id: eventId });
    expect(harness.eventBridge.deadLetters.list()).toEqual([]);
    expect(harness.eventBridge.queues.peek(DLQ)).toEqual([]);
  });

  it('lists and redrives dead letters over HTTP under /_local/', async () => {
    // Prepare
    await routeOrders(harness, { RetryPolicy: { MaximumRetryAttempts: 0 } });
    harness.lambda = failing;
    await putOrder(harness, 1);
    await putOrder(harness, 2);
    await harness.eventBridge.idle();
    harness.lambda = async () => {};
    // Act
    const listed = (await (await fetch(`${harness.eventBridge.endpoint}/_local/dead-letters`)).json()) as {
      deadLetters: Array<{ id: string; errorCode: string }>;
    };
    const firstId = listed.deadLetters[0]?.id ?? '';
    const redrive = await fetch(`${harness.eventBridge.endpoint}/_local/dead-letters/redrive`, {
      method: 'POST',
      body: JSON.stringify({ ids: [firstId, 'unknown-id'] }),
    });
    await harness.eventBridge.idle();
    // Assess
    expect(listed.deadLetters).toHaveLength(2);
    expect(redrive.status).toBe(200);
    expect(await redrive.json()).toEqual({
      redriven: [firstId],
      failed: [{ id: 'unknown-id', reason: 'no dead letter with this id' }],
    });
    expect(harness.eventBridge.deadLetters.list()).toHaveLength(1);
    expect(harness.invocations).toHaveLength(3);
  });

  it('says a dead letter asked for again while its redrive is not on disk yet is being redriven already', async () => {
    // Prepare
    await routeOrders(harness, { RetryPolicy: { MaximumRetryAttempts: 0 } });
    harness.lambda = failing;
    await putOrder(harness);
    await harness.eventBridge.idle();
    harness.lambda = async () => {};
    const [deadLetter] = harness.eventBridge.deadLetters.list();
    const id = deadLetter?.id ?? '';
    // Act: the second before the first's write is done
    const first = harness.eventBridge.deadLetters.redrive([id]);
    const second = harness.eventBridge.deadLetters.redrive([id]);
    await harness.eventBridge.idle();
    // Assess
    expect(first).toEqual({ redriven: [id], failed: [] });
    expect(second).toEqual({ redriven: [], failed: [{ id, reason: 'being redriven already' }] });
    expect(harness.invocations).toHaveLength(2);
  });

  it('ends a page of dead letters before their bodies pass 8 MiB, though its limit is not reached, and lists each once', async () => {
    // Prepare: 60 dead letters of about 200 KB (12 MB).
    await routeOrders(harness, { RetryPolicy: { MaximumRetryAttempts: 0 } });
    harness.lambda = failing;
    const note = 'x'.repeat(200_000);
    // One a request: a request is 256 KB at most.
    for (let n = 0; n < 60; n++) {
      const entry = { ...orderEntry(n), Detail: JSON.stringify({ orderId: n, note }) };
      await harness.client.send(new PutEventsCommand({ Entries: [entry] }));
    }
    await harness.eventBridge.idle();
    // Act: pages of up to 10,000, following the tokens.
    const pages: Array<Array<{ id: string; body: string }>> = [];
    let token: string | undefined;
    do {
      const query = `?limit=10000${token ? `&nextToken=${token}` : ''}`;
      const answer = (await (
        await fetch(`${harness.eventBridge.endpoint}/_local/dead-letters${query}`)
      ).json()) as {
        deadLetters: Array<{ id: string; body: string }>;
        nextToken?: string;
      };
      pages.push(answer.deadLetters);
      token = answer.nextToken;
    } while (token !== undefined && pages.length < 60);
    // Assess: 41 bodies of some 200,190 characters fit 8 MiB.
    const sizes = pages.map((p) => p.reduce((sum, d) => sum + d.body.length, 0));
    expect(pages.map((p) => p.length)).toEqual([41, 19]);
    expect(sizes[0]).toBeLessThanOrEqual(8 * 2 ** 20);
    expect(sizes[0]! + (pages[1]?.[0]?.body.length ?? 0)).toBeGreaterThan(8 * 2 ** 20);
    expect(new Set(pages.flat().map((d) => d.id)).size).toBe(60);
  });

  it('pages the dead letters over HTTP, oldest first, a redrive of those read not shifting the next page', async () => {
    // Prepare: five dead letters.
    await routeOrders(harness, { RetryPolicy: { MaximumRetryAttempts: 0 } });
    harness.lambda = failing;
    for (const n of [1, 2, 3, 4, 5]) await putOrder(harness, n);
    await harness.eventBridge.idle();
    harness.lambda = async () => {};
    const page = async (query: string) =>
      (await (await fetch(`${harness.eventBridge.endpoint}/_local/dead-letters${query}`)).json()) as {
        deadLetters: Array<{ id: string }>;
        nextToken?: string;
      };
    const key = (d: { failedAt: string; id: string }) => `${d.failedAt} ${d.id}`;
    const oldestFirst = harness.eventBridge.deadLetters
      .list()
      .sort((a, b) => (key(a) < key(b) ? -1 : 1))
      .map((d) => d.id);
    // Act: two pages of two, the first page's redriven between them, then the last page.
    const first = await page('?limit=2');
    harness.eventBridge.deadLetters.redrive(first.deadLetters.map((d) => d.id));
    const second = await page(`?limit=2&nextToken=${first.nextToken}`);
    const third = await page(`?limit=2&nextToken=${second.nextToken}`);
    const refused = await Promise.all(
      [
        '?limit=0',
        '?limit=10001',
        '?limit=1.5',
        '?limit=x',
        '?limit=2&limit=3',
        '?nextToken=nope!',
        '?nextToken=Zm9v',
      ].map(async (query) => {
        const res = await fetch(`${harness.eventBridge.endpoint}/_local/dead-letters${query}`);
        const body = (await res.json()) as { code: string; detail: string; errors: { field: string }[] };
        return [res.status, body.code, body.errors.map((e) => e.field).join(), body.detail];
      }),
    );
    await harness.eventBridge.idle();
    // Assess: by when they failed, then by id.
    const ids = [first, second, third].map((p) => p.deadLetters.map((d) => d.id));
    expect(ids).toEqual([oldestFirst.slice(0, 2), oldestFirst.slice(2, 4), oldestFirst.slice(4)]);
    expect(third.nextToken).toBeUndefined();
    // The detail names a query parameter as one (walkthrough review, 2026-12-06: it read "limit: must be ...")
    const outOfRange = 'Query parameter "limit" must be a whole number from 1 to 10000.';
    const notGiven = 'Query parameter "nextToken" is not one this endpoint gave.';
    expect(refused).toEqual([
      ...Array(4).fill([400, 'invalid_request', 'limit', outOfRange]),
      [400, 'invalid_request', 'limit', 'Query parameter "limit" is given more than once.'],
      [400, 'invalid_next_token', 'nextToken', notGiven],
      [400, 'invalid_next_token', 'nextToken', notGiven],
    ]);
  });

  // Review, 2026-12-04: every body not saying `ids` (a misspelt member, a list, a string) redrove every dead
  // letter, the query was ignored, and `null` answered 500.
  // Review, 2026-12-05: these were 400s with a bare {"error": "..."} body, not problem+json naming the field.
  it.each([
    [
      'ids that are not a list',
      '',
      '{"ids": "all"}',
      'invalid_request',
      '/ids',
      /^must be a list of dead-letter ids/,
    ],
    [
      'ids that are not all text',
      '',
      '{"ids": ["a", 7]}',
      'invalid_request',
      '/ids/1',
      /^must be a dead-letter id/,
    ],
    [
      'a misspelt member',
      '',
      '{"Ids": ["x"]}',
      'invalid_request',
      '/Ids',
      /^is not a member: the body is \{"ids"/,
    ],
    ['a member beside ids', '', '{"ids": [], "a/b": true}', 'invalid_request', '/a~1b', /^is not a member/],
    ['an empty object', '', '{}', 'invalid_request', '/ids', /^is required: the body is \{"ids"/],
    ['a list', '', '["x"]', 'invalid_request', '', /^is not a JSON object/],
    ['null', '', 'null', 'invalid_request', '', /^is not a JSON object/],
    ['a string', '', '"x"', 'invalid_request', '', /^is not a JSON object/],
    ['text that is not JSON', '', '{ids:', 'malformed_json', '', /^is not JSON/],
    [
      'the ids in the query',
      '?ids=x',
      '',
      'invalid_request',
      'ids',
      /^is not a query parameter of \/_local\/dead-letters\/redrive: it takes none$/,
    ],
  ])(
    'answers 400 to a redrive request with %s and redrives nothing',
    async (_, query, body, code, field, message) => {
      // Prepare
      await routeOrders(harness, { RetryPolicy: { MaximumRetryAttempts: 0 } });
      harness.lambda = failing;
      await putOrder(harness, 1);
      await putOrder(harness, 2);
      await harness.eventBridge.idle();
      const calls = harness.invocations.length;
      // Act
      const res = await fetch(`${harness.eventBridge.endpoint}/_local/dead-letters/redrive${query}`, {
        method: 'POST',
        body,
      });
      await harness.eventBridge.idle();
      // Assess
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(await res.json()).toEqual({
        type: `urn:sharebus:problem:${code}`,
        title: 'Bad Request',
        status: 400,
        code,
        detail: expect.stringMatching(`^${escapeRegExp(detailPrefix(query, field))}`),
        errors: [{ field, message: expect.stringMatching(message) }],
      });
      expect(harness.eventBridge.deadLetters.list()).toHaveLength(2);
      expect(harness.invocations).toHaveLength(calls);
    },
  );

  it('answers 405 naming the method a local endpoint takes, and 400 to a query parameter a listing does not take', async () => {
    // Prepare
    const at = (path: string) => `${harness.eventBridge.endpoint}/_local/${path}`;
    // Act
    const wrongMethods = await Promise.all(
      (
        [
          ['GET', 'dead-letters/redrive'],
          ['POST', 'dead-letters'],
          ['DELETE', 'queues'],
        ] as const
      ).map(async ([method, path]) => {
        const res = await fetch(at(path), { method });
        const body = (await res.json()) as { code: string; detail: string };
        return [res.status, res.headers.get('allow'), body.code, body.detail];
      }),
    );
    const misspelt = await fetch(at('dead-letters?limt=5&kind=function'));
    const inherited = await Promise.all(
      ['constructor', '__proto__', 'toString', 'dead-letter'].map(async (path) => {
        const res = await fetch(at(path));
        return [res.status, res.headers.get('content-type'), ((await res.json()) as { code: string }).code];
      }),
    );
    // Assess
    expect(wrongMethods).toEqual([
      [405, 'POST', 'method_not_allowed', '/_local/dead-letters/redrive takes POST only, not GET.'],
      [405, 'GET', 'method_not_allowed', '/_local/dead-letters takes GET only, not POST.'],
      [405, 'GET', 'method_not_allowed', '/_local/queues takes GET only, not DELETE.'],
    ]);
    expect(inherited).toEqual(Array(4).fill([404, 'application/problem+json', 'route_not_found']));
    expect(misspelt.status).toBe(400);
    expect(misspelt.headers.get('content-type')).toBe('application/problem+json');
    const takes = 'is not a query parameter of /_local/dead-letters: it takes limit, nextToken';
    expect(await misspelt.json()).toEqual({
      type: 'urn:sharebus:problem:invalid_request',
      title: 'Bad Request',
      status: 400,
      code: 'invalid_request',
      detail: '/_local/dead-letters has no query parameter "limt": it takes limit, nextToken.',
      errors: [
        { field: 'limt', message: takes },
        { field: 'kind', message: takes },
      ],
    });
  });

  // Diff review, 2026-12-05: a body of 200,000 ids that were not text was answered with each one listed (14 MB).
  it('lists at most 100 fields at fault, each cut to 512 characters, and counts the rest', async () => {
    // Prepare
    const long = 'k'.repeat(3_000);
    // Act
    const numbers = await fetch(`${harness.eventBridge.endpoint}/_local/dead-letters/redrive`, {
      method: 'POST',
      body: JSON.stringify({ ids: Array.from({ length: 250 }, (_, i) => i) }),
    });
    const longKey = await fetch(`${harness.eventBridge.endpoint}/_local/dead-letters/redrive`, {
      method: 'POST',
      body: JSON.stringify({ [long]: 1 }),
    });
    // Assess
    const listed = ((await numbers.json()) as { errors: { field: string; message: string }[] }).errors;
    expect(listed).toHaveLength(101);
    expect(listed[99]).toEqual({ field: '/ids/99', message: 'must be a dead-letter id (a string)' });
    expect(listed[100]).toEqual({ field: '', message: 'and 150 more not listed' });
    const cut = (await longKey.json()) as { detail: string; errors: { field: string }[] };
    expect(cut.errors[0]?.field).toBe(`/${'k'.repeat(511)}... (2489 more characters)`);
    expect(cut.detail.length).toBeLessThan(600);
  });

  it('cuts a field at fault before a character of two UTF-16 units, not between them', async () => {
    // Prepare: the pointer is "/" and the key, so the emoji's two units are its characters 512 and 513.
    const key = `${'k'.repeat(510)}\u{1F600}${'k'.repeat(100)}`;
    // Act
    const res = await fetch(`${harness.eventBridge.endpoint}/_local/dead-letters/redrive`, {
      method: 'POST',
      body: JSON.stringify({ [key]: 1 }),
    });
    // Assess
    const { errors } = (await res.json()) as { errors: { field: string }[] };
    expect(errors[0]?.field).toBe(`/${'k'.repeat(510)}... (102 more characters)`);
  });

  it('answers a redrive body over the size limit 413 in problem+json, and redrives nothing', async () => {
    // Prepare
    await routeOrders(harness, { RetryPolicy: { MaximumRetryAttempts: 0 } });
    harness.lambda = failing;
    await putOrder(harness);
    await harness.eventBridge.idle();
    const calls = harness.invocations.length;
    const ids = JSON.stringify({ ids: ['x'.repeat(MAX_REQUEST_BYTES)] });
    // Act
    const res = await fetch(`${harness.eventBridge.endpoint}/_local/dead-letters/redrive`, {
      method: 'POST',
      body: ids,
    });
    await harness.eventBridge.idle();
    // Assess
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual(
      expect.objectContaining({ status: 413, code: 'body_too_large', title: 'Content Too Large' }),
    );
    expect(harness.eventBridge.deadLetters.list()).toHaveLength(1);
    expect(harness.invocations).toHaveLength(calls);
  });

  it('keeps a dead letter whose target was removed, and says why', async () => {
    // Prepare
    await routeOrders(harness, { RetryPolicy: { MaximumRetryAttempts: 0 } });
    harness.lambda = failing;
    await putOrder(harness);
    await harness.eventBridge.idle();
    await harness.client.send(new RemoveTargetsCommand({ Rule: 'orders', Ids: ['fn'] }));
    // Act
    const result = harness.eventBridge.deadLetters.redrive();
    // Assess
    expect(result.redriven).toEqual([]);
    expect(result.failed[0]?.reason).toMatch(/target fn of rule .*orders no longer exists/);
    expect(harness.eventBridge.deadLetters.list()).toHaveLength(1);
  });
});

describe('embedded EventBridge: delayScale', () => {
  // Past 20, a retry's scaled wait could pass setTimeout's 2^31 - 1 ms, which Node fires after 1 ms: at 1e5 a target
  // that kept failing was called three times in 2 ms (configuration review, 2026-12-06).
  it.each([0, -1, Number.NaN, 20.5, 1e5])(
    'refuses to start with a delayScale of %s, under which retries and schedules would not wait',
    async (delayScale) => {
      // Act
      const start = startEventBridge({ invokeLambda: async () => {}, delayScale });
      // Assess
      await expect(start).rejects.toThrow(
        new RangeError(`delayScale must be a number above 0 and at most 20, got ${delayScale}`),
      );
    },
  );
});

describe('embedded EventBridge: dead letters in dataDir', () => {
  let dataDir: string;

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sharebus-eventbridge-'));
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** Starts a server on the dataDir, lets it run what it took up to its end, and hands it to `assess` before closing. */
  async function atNextStart(assess: (second: Harness) => void): Promise<void> {
    const second = await startHarness({ dataDir });
    try {
      await second.eventBridge.idle();
      assess(second);
    } finally {
      await second.close();
    }
  }

  it('holds its queues within maxQueueBytes, moving the oldest messages to disk and saying so, and puts them back', async () => {
    // Prepare: a rule sending each order to a queue, and a limit that holds a few of them.
    const QUEUE = queueArn('orders-queue');
    const first = await startHarness({ dataDir, maxQueueBytes: 4_000 });
    await routeOrders(first, { Arn: QUEUE });
    // Act: ten orders, one after the other.
    for (let orderId = 1; orderId <= 10; orderId++) {
      await putOrder(first, orderId);
      await first.eventBridge.idle();
    }
    const orders = (harness: Harness) =>
      harness.eventBridge.queues
        .peek(QUEUE)
        .map((m) => (JSON.parse(m.body) as { detail: { orderId: number } }).detail.orderId);
    const held = orders(first);
    const local = async (harness: Harness, path: string, init?: RequestInit) => {
      const response = await fetch(`${harness.eventBridge.endpoint}/_local/${path}`, init);
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    const listed = (await local(first, 'queues')).body;
    await first.close();
    // Assess: the newest, in order; the moves said, naming the option and the directory; what is on disk listed.
    const overflow = join(dataDir, 'queues-overflow');
    expect(held.length).toBeGreaterThan(1);
    expect(held).toEqual(Array.from({ length: held.length }, (_, i) => 11 - held.length + i));
    expect(first.warnings).toContain(
      `[eventbridge] queue ${QUEUE}: moved 1 message(s), the oldest of the local queues, to ${overflow} to keep them ` +
        'within 4 KiB (maxQueueBytes); POST /_local/queues/restore puts them back once there is room',
    );
    expect(listed).toEqual({
      queues: [QUEUE],
      heldBytes: expect.any(Number),
      maxBytes: 4_000,
      overflow: { files: 1, bytes: expect.any(Number) },
    });
    expect(listed.heldBytes).toBeGreaterThan(3_000);
    expect(listed.heldBytes).toBeLessThanOrEqual(4_000);
    // And a start with the default limit finds them all there, then, asked, puts back every one moved out, in order.
    const second = await startHarness({ dataDir });
    try {
      await second.eventBridge.idle();
      const atStart = orders(second);
      const refused = await Promise.all([
        local(second, 'queues/restore', { method: 'POST', body: '{"queueArn":"x"}' }),
        local(second, 'queues/restore'),
        local(second, 'queues/restore?arn=x', { method: 'POST' }),
      ]);
      const restored = await local(second, 'queues/restore', { method: 'POST' });
      const again = await local(second, 'queues/restore', { method: 'POST' });
      expect(atStart).toEqual(held);
      expect(refused.map(({ status, body }) => [status, body.code, body.detail])).toEqual([
        [400, 'invalid_request', 'The request body: must be empty: a restore takes no body'],
        [405, 'method_not_allowed', '/_local/queues/restore takes POST only, not GET.'],
        [400, 'invalid_request', '/_local/queues/restore has no query parameter "arn": it takes none.'],
      ]);
      expect(restored).toEqual({
        status: 200,
        body: { restored: 10 - held.length, expired: 0, duplicates: 0, left: { files: 0, bytes: 0 } },
      });
      expect(orders(second)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(again.body).toEqual({ restored: 0, expired: 0, duplicates: 0, left: { files: 0, bytes: 0 } });
      expect((await local(second, 'queues')).body.overflow).toEqual({ files: 0, bytes: 0 });
    } finally {
      await second.close();
    }
    // The log holds them, in order, at the next start.
    await atNextStart((third) => expect(orders(third)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
  });

  it('keeps a dead letter being redriven in memory past the limit, so that a restore never puts it back to redrive again', async () => {
    // Prepare: two dead letters, then six deliveries the function holds; the limit holds about four dead letters.
    const harness = await startHarness({ dataDir, maxQueueBytes: 4_000 });
    try {
      await routeOrders(harness, { RetryPolicy: { MaximumRetryAttempts: 0 } });
      harness.lambda = failing;
      for (const n of [1, 2]) await putOrder(harness, n);
      await harness.eventBridge.idle();
      const first = harness.eventBridge.deadLetters.list().map((d) => d.id);
      const rejects: Array<() => void> = [];
      harness.lambda = () => new Promise<void>((_, reject) => rejects.push(() => reject(new Error('down'))));
      for (let n = 3; n <= 8; n++) await putOrder(harness, n);
      await waitFor(() => rejects.length === 6);
      // The disk refuses the retry journal's writes: the redrive's dead letters stay in their queue meanwhile.
      await rm(join(dataDir, 'retries.jsonl'), { force: true });
      await mkdir(join(dataDir, 'retries.jsonl'));
      // Act: the two redriven (the function holds them too); the eight fail, dead-lettered past the limit.
      harness.eventBridge.deadLetters.redrive(first);
      await waitFor(() => rejects.length === 8);
      for (const reject of rejects.splice(0)) reject();
      await waitFor(() => harness.eventBridge.deadLetters.list().length === 8);
      // The disk takes writes again: the redrive lands, its two dead letters are taken.
      await rm(join(dataDir, 'retries.jsonl'), { recursive: true });
      harness.lambda = async () => {};
      const { queues } = harness.eventBridge;
      await waitFor(
        () => !queues.list().some((arn) => queues.peek(arn).some((m) => first.includes(m.messageId))),
      );
      await harness.eventBridge.idle();
      // Everything held redriven, then a restore.
      harness.eventBridge.deadLetters.redrive();
      await harness.eventBridge.idle();
      const restored = harness.eventBridge.queues.restore();
      await restored.durable;
      // Assess: before (review, 2026-12-07) the two moved out while their redrive landed, and came back here.
      const back = harness.eventBridge.deadLetters.list().filter((d) => first.includes(d.id));
      expect(back).toEqual([]);
      expect(restored.duplicates + restored.restored).toBe(0);
    } finally {
      await harness.close();
    }
  });

  it('answers a restore that could not read a file 500 overflow_unreadable, naming it, and puts back what the others hold', async () => {
    // Prepare: a file sysfs will not open for reading (write-only, EACCES even for root) as one day's, and another
    // day's file of one message.
    const unreadable = ['/sys/bus/pci/rescan', '/sys/bus/pci/drivers_probe'].find((path) => existsSync(path));
    if (unreadable === undefined)
      throw new Error('no write-only sysfs attribute on this machine to stand for it');
    const overflow = join(dataDir, 'queues-overflow');
    const QUEUE = queueArn('orders-queue');
    // Named from today, not fixed days: from the 15th day after a fixed day, the start's sweep removed both files.
    const dayOf = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);
    await mkdir(overflow, { recursive: true });
    await symlink(unreadable, join(overflow, `${dayOf(1)}.jsonl`));
    const message = {
      messageId: 'm1',
      queueArn: QUEUE,
      body: 'kept',
      attributes: {},
      sentAt: new Date().toISOString(),
    };
    await writeFile(join(overflow, `${dayOf(0)}.jsonl`), `${JSON.stringify({ send: message })}\n`);
    const harness = await startHarness({ dataDir });
    try {
      // Act
      const response = await fetch(`${harness.eventBridge.endpoint}/_local/queues/restore`, {
        method: 'POST',
      });
      const body = (await response.json()) as Record<string, unknown>;
      // Assess
      const file = join(overflow, `${dayOf(1)}.jsonl`);
      expect(response.status).toBe(500);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      expect(body).toEqual({
        type: 'urn:sharebus:problem:overflow_unreadable',
        title: 'Internal Server Error',
        status: 500,
        code: 'overflow_unreadable',
        detail: expect.stringMatching(
          new RegExp(
            `^Put 1 message\\(s\\) back, but could not read ${file}: .*EACCES.*; they are left where they are, and the next restore tries them again\\.$`,
          ),
        ),
        restored: 1,
        expired: 0,
        duplicates: 0,
        left: { files: 1, bytes: 4096 },
        unreadable: [expect.stringMatching(new RegExp(`^${file}: .*EACCES`))],
      });
      expect(harness.eventBridge.queues.peek(QUEUE).map((m) => m.body)).toEqual(['kept']);
    } finally {
      await harness.close();
    }
  });

  it('refuses a maxQueueBytes or maxLambdaQueueBytes that is not a whole number of bytes above 0, making nothing', async () => {
    for (const name of ['maxQueueBytes', 'maxLambdaQueueBytes'] as const)
      for (const bytes of [0, -1, 1.5, Number.NaN]) {
        await expect(
          startEventBridge({ dataDir, [name]: bytes, invokeLambda: async () => {} }),
        ).rejects.toThrow(`${name} must be a whole number of bytes above 0, got ${bytes}`);
      }
    expect(await readdir(dataDir)).toEqual([]);
  });

  it('keeps dead letters and queue messages across a restart', async () => {
    // Prepare
    const first = await startHarness({ dataDir });
    await routeOrders(first, { RetryPolicy: { MaximumRetryAttempts: 0 }, DeadLetterConfig: { Arn: DLQ } });
    first.lambda = failing;
    await putOrder(first);
    await first.eventBridge.idle();
    await first.close();
    // Act
    const second = await startHarness({ dataDir });
    try {
      // Assess
      expect(second.eventBridge.deadLetters.list()).toEqual([
        expect.objectContaining({ queueArn: DLQ, ruleArn: RULE_ARN, errorCode: 'ERROR_FROM_TARGET' }),
      ]);
      expect(second.eventBridge.queues.list()).toEqual([DLQ]);
    } finally {
      await second.close();
    }
  });

  // Crash review, 2026-12-05: the redrive answered 200 before its deliveries were on disk, so a process killed right
  // after the answer left the dead letters where they were.
  it('answers a redrive over HTTP once it is on disk: 500 not_written, naming the file, when the disk refuses it', async () => {
    // Prepare: a dead letter, then the retry journal becomes a directory, which no write can replace.
    const first = await startHarness({ dataDir });
    const journal = join(dataDir, 'retries.jsonl');
    const redrive = async () => {
      const res = await fetch(`${first.eventBridge.endpoint}/_local/dead-letters/redrive`, {
        method: 'POST',
      });
      return { status: res.status, body: (await res.json()) as { code?: string; detail?: string } };
    };
    let answer: Awaited<ReturnType<typeof redrive>>;
    let again: Awaited<ReturnType<typeof redrive>>;
    let told: number[];
    let listed: number;
    let kept: number;
    let keptOnceWritten: number;
    let invoked: number;
    try {
      await routeOrders(first, { RetryPolicy: { MaximumRetryAttempts: 0 } });
      first.lambda = failing;
      await putOrder(first);
      await first.eventBridge.idle();
      first.lambda = async () => {};
      await rm(journal);
      await mkdir(journal);
      // Act
      answer = await redrive();
      listed = first.eventBridge.deadLetters.list().length;
      kept = first.eventBridge.queues.peek(DROPPED_DELIVERIES).length;
      again = await redrive();
      const local = `${first.eventBridge.endpoint}/_local`;
      told = [
        (await fetch(`${local}/nowhere`, { method: 'POST' })).status,
        (await fetch(`${local}/queues`, { method: 'POST' })).status,
        (await fetch(`${local}/dead-letters/redrive`, { method: 'POST', body: '{' })).status,
      ];
      await rm(journal, { recursive: true });
      // The writer tries the journal again after 1 s.
      await sleep(1_500);
      await first.eventBridge.idle();
      keptOnceWritten = first.eventBridge.queues.peek(DROPPED_DELIVERIES).length;
      invoked = first.invocations.length;
    } finally {
      await first.close();
    }
    // Assess: the dead letter is not taken from its queue by a redrive the disk did not keep, and not listed to be
    // redriven again meanwhile; a second redrive is refused unmade (disk-full review, 2026-12-06), while a wrong
    // route, method or body is still told as such (it used to be answered 503 too); once the journal is written, the
    // dead letter leaves its queue, its delivery made once.
    expect(answer.status).toBe(500);
    expect(answer.body).toMatchObject({
      code: 'not_written',
      detail: `The change was made but could not be written to ${journal} (see the server's log); a restart before the write succeeds loses it.`,
    });
    expect([listed, kept]).toEqual([0, 1]);
    expect(again).toEqual({
      status: 503,
      body: expect.objectContaining({
        code: 'data_dir_unwritable',
        detail: `This request was refused, not made: the data directory cannot be written (${journal} could not be; see the server's log), and changes are refused until the disk takes writes again. An earlier try answered "The change was made but could not be written" was made.`,
      }),
    });
    expect(told).toEqual([404, 405, 400]);
    expect([keptOnceWritten, invoked]).toEqual([0, 2]);
    expect(first.errors).toEqual([
      `[eventbridge] could not write ${journal}: EISDIR: illegal operation on a directory, open '${journal}'`,
      expect.stringMatching(
        /^\[eventbridge\] changes are refused, not made, until the data directory takes writes again/,
      ),
      expect.stringMatching(
        /^\[eventbridge\] the data directory takes writes again: no file is left unwritten, after /,
      ),
    ]);
  });

  it('sends to the DLQ at the next start a delivery whose target was removed while its attempt ran', async () => {
    // Prepare: the attempt runs on while the rule goes and another of its name, matching nothing, takes the target id.
    const first = await startHarness({ dataDir });
    await routeOrders(first, { RetryPolicy: { MaximumRetryAttempts: 3 }, DeadLetterConfig: { Arn: DLQ } });
    const held = heldThenFailing();
    first.lambda = held.handler;
    await putOrder(first);
    await waitFor(() => first.invocations.length === 1);
    await first.client.send(new RemoveTargetsCommand({ Rule: 'orders', Ids: ['fn'] }));
    await first.client.send(new DeleteRuleCommand({ Name: 'orders' }));
    await first.client.send(new PutRuleCommand({ Name: 'orders', EventPattern: '{"source":["other"]}' }));
    await putOrdersTarget(first, { Input: '"new"', DeadLetterConfig: { Arn: DLQ } });
    // Act: the server stops with the attempt running, which then fails.
    const closing = first.close();
    held.fail();
    await closing;
    await atNextStart((second) => {
      // Assess
      expect(second.invocations).toEqual([]);
      expect(second.eventBridge.deadLetters.list()).toEqual([
        expect.objectContaining({ queueArn: DLQ, targetId: 'fn', errorCode: 'NO_RESOURCE' }),
      ]);
    });
  });

  it('makes again at the next start, rather than dead-letter, a last attempt that fails once the server is stopping', async () => {
    // Prepare: no retry allowed, and the one attempt held.
    const first = await startHarness({ dataDir });
    await routeOrders(first, { RetryPolicy: { MaximumRetryAttempts: 0 }, DeadLetterConfig: { Arn: DLQ } });
    const held = heldThenFailing();
    first.lambda = held.handler;
    await putOrder(first);
    await waitFor(() => first.invocations.length === 1);
    // Act: the attempt fails while the server stops; the next one starts with the function recovered.
    const closing = first.close();
    held.fail();
    await closing;
    await atNextStart((second) => {
      // Assess
      expect(second.invocations).toHaveLength(1);
      expect(second.eventBridge.deadLetters.list()).toEqual([]);
    });
  });

  it('sends to the DLQ at the next start a delivery whose target was removed while its attempt ran, though killed then', async () => {
    // Prepare: the attempt never ends; its target is removed and put again under its id.
    const first = await startHarness({ dataDir });
    await routeOrders(first, { RetryPolicy: { MaximumRetryAttempts: 3 }, DeadLetterConfig: { Arn: DLQ } });
    first.lambda = () => new Promise(() => {});
    await putOrder(first);
    await waitFor(() => first.invocations.length === 1);
    await first.client.send(new RemoveTargetsCommand({ Rule: 'orders', Ids: ['fn'] }));
    await putOrdersTarget(first, { Input: '"new"', DeadLetterConfig: { Arn: DLQ } });
    // Act: the retry journal as a kill right after these answers would leave it, read by a new server.
    const journal = join(dataDir, 'retries.jsonl');
    const lines = await readFile(journal, 'utf8');
    await first.close();
    await writeFile(journal, lines);
    await atNextStart((second) => {
      // Assess: no attempt at the target put again.
      expect(second.invocations).toEqual([]);
      expect(second.eventBridge.deadLetters.list()).toEqual([
        expect.objectContaining({ queueArn: DLQ, targetId: 'fn', errorCode: 'NO_RESOURCE' }),
      ]);
    });
  });
});

/** How a /_local/ problem's detail starts: a query parameter named as one, the body's fields by pointer. */
function detailPrefix(query: string, field: string): string {
  if (query !== '') return `/_local/dead-letters/redrive has no query parameter ${JSON.stringify(field)}: `;
  return `${field === '' ? 'The request body' : field}: `;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
