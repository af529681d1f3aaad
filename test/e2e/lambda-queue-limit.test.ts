// SHAREBUS_LAMBDA_QUEUE_MAX_MB as `npm start` reads it: a webhook that takes events and never answers fills the
// deliver function's queue; at its limit publishing answers 503 naming why, the terminal says so, and once the webhook
// answers again publishing is taken again. Before (2026-12-07) the queue had no bound: under load the process ran out
// of memory (at a 256 MB heap, after 1,040 events of 20 KB).
import {
  application,
  call,
  type LocalSharebus,
  type Receiver,
  sleep,
  startLocalSharebus,
  startReceiver,
  subscribeDemo,
} from './harness.js';

/** A business scope that makes an application about 2.5 KB, so that some 300 deliveries fill 1 MiB. */
const LONG_SCOPE = 'Software development; '.repeat(90);

describe("the deliver function's queue limit under npm start", () => {
  let bus: LocalSharebus;
  let hanging: Receiver;

  beforeAll(async () => {
    // Not shared out among subscriptions, so that the one webhook fills it (the next suite shares it).
    bus = await startLocalSharebus({
      SHAREBUS_LAMBDA_QUEUE_MAX_MB: '1',
      SHAREBUS_LAMBDA_QUEUE_SHARES: 'off',
    });
    hanging = await startReceiver();
    hanging.hold = true;
  }, 120_000);

  afterAll(async () => {
    hanging.hold = false;
    await hanging?.close();
    await bus?.stop();
  });

  it('answers 503 once a webhook that never answers has filled it, says so, and takes events again once it answers', async () => {
    // Prepare
    const { portal } = await subscribeDemo(bus, hanging.url);
    // Act: batches of ten until one is refused (1 MiB holds about 300 such deliveries).
    let accepted = 0;
    let refused: Awaited<ReturnType<typeof call>> | undefined;
    for (let batch = 0; batch < 100 && refused === undefined; batch++) {
      const events = Array.from({ length: 10 }, (_, i) => application(batch * 10 + i, LONG_SCOPE));
      const answer = await call(bus.apiUrl, 'POST', '/events', portal, { events });
      if (answer.status === 202) accepted += 10;
      else refused = answer;
    }
    // Assess: a 503 the client may retry, naming the limit for each event not taken.
    expect(refused?.status).toBe(503);
    expect(refused?.retryAfter).toBe('1');
    expect(refused?.body).toMatchObject({ code: 'bus_unavailable' });
    const failed = refused?.body.failed as { code: string; message: string }[];
    expect(failed.length).toBeGreaterThan(0);
    expect(failed[0]).toMatchObject({
      code: 'ThrottlingException',
      message: expect.stringMatching(
        /^Lambda function arn:aws:lambda:us-east-1:000000000000:function:sharebus-deliver is behind: its queue is full \(\d+ invocations hold [\d.]+ MiB of their 1 MiB limit, SHAREBUS_LAMBDA_QUEUE_MAX_MB; it takes events again below 0.9 MiB\)/,
      ),
    });
    expect(accepted).toBeGreaterThan(200);
    expect(accepted).toBeLessThan(400);
    expect(bus.output()).toMatch(
      /\[eventbridge\] refused \d+ PutEvents entr(y|ies) bound for Lambda function arn:aws:lambda:us-east-1:000000000000:function:sharebus-deliver \(ThrottlingException\)/,
    );
    // Logged by the publish function as contention (a warning with the reason), not as an error with its stack.
    const throttledLine = bus
      .output()
      .split('\n')
      .find((line) => line.includes('"message":"bus throttled"'));
    expect(JSON.parse(throttledLine ?? '{}')).toMatchObject({
      level: 'WARN',
      events: 10,
      reason: expect.stringMatching(/^Lambda function .* is behind: its queue is full/),
    });
    expect(bus.output()).not.toContain('"message":"request failed"');
    const queue = (await (await fetch(`${bus.eventBridgeUrl}/_local/invocations`)).json()) as {
      maxBytes: number;
      functions: { running: number; waiting: number }[];
    };
    expect(queue.maxBytes).toBe(2 ** 20);
    expect((queue.functions[0]?.running ?? 0) + (queue.functions[0]?.waiting ?? 0)).toBe(accepted);

    // Act: the webhook answers what it holds, and what comes after.
    hanging.hold = false;
    const taken = /are taken again, after \d+ PutEvents entr(y was|ies were) refused/;
    for (let waited = 0; !taken.test(bus.output()) && waited < 30_000; waited += 100) await sleep(100);
    const again = await call(bus.apiUrl, 'POST', '/events', portal, { events: [application(9999)] });
    // Assess
    expect(bus.output()).toMatch(taken);
    expect(again.status).toBe(202);
    await hanging.waitFor(accepted + 1, 30_000);
  }, 120_000);
});
