// SHAREBUS_EVENTBRIDGE_QUEUE_MAX_MB as `npm start` reads it: the delivery dead letters of a webhook that keeps failing
// are held within it, the oldest removed past it, and the terminal says so, naming the variable. Before (soak run,
// 2026-12-07) every dead letter was held in memory for 14 days: a webhook down under load ran the process out of
// memory in about two days.
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

/** A business scope that makes an application about 2.5 KB. */
const LONG_SCOPE = 'Software development; '.repeat(90);
const BATCHES = 30;
const EACH = 10;

describe('the local queues limit under npm start', () => {
  let bus: LocalSharebus;
  let failing: Receiver;

  beforeAll(async () => {
    bus = await startLocalSharebus({ SHAREBUS_EVENTBRIDGE_QUEUE_MAX_MB: '1' });
    failing = await startReceiver();
    failing.status = 500;
  }, 120_000);

  afterAll(async () => {
    await failing?.close();
    await bus?.stop();
  });

  it('holds the dead letters of a failing webhook within it, removing the oldest and saying so', async () => {
    // Prepare
    const { portal } = await subscribeDemo(bus, failing.url);
    // Act: 300 events of about 2.5 KB, each dead-lettered (about 4 KB with its payload) after Lambda's two retries.
    for (let batch = 0; batch < BATCHES; batch++) {
      const events = Array.from({ length: EACH }, (_, i) => application(batch * EACH + i, LONG_SCOPE));
      expect((await call(bus.apiUrl, 'POST', '/events', portal, { events })).status).toBe(202);
    }
    const removal =
      /queue (\S+): removed \d+ message\(s\), the oldest of the local queues, to keep them within 1 MiB \(SHAREBUS_EVENTBRIDGE_QUEUE_MAX_MB\)/;
    for (let waited = 0; !removal.test(bus.output()) && waited < 60_000; waited += 100) await sleep(100);
    // Assess: the warnings, naming the variable; fewer dead letters held than events failed.
    expect(bus.output()).toMatch(removal);
    expect(removal.exec(bus.output())?.[1]).toBe('arn:aws:sqs:us-east-1:000000000000:sharebus-delivery-dlq');
    expect(bus.output()).toContain(
      'of their 1 MiB limit (SHAREBUS_EVENTBRIDGE_QUEUE_MAX_MB): past it their oldest messages are removed',
    );
    const listed = (await (await fetch(`${bus.eventBridgeUrl}/_local/dead-letters?limit=10000`)).json()) as {
      deadLetters: unknown[];
    };
    expect(listed.deadLetters.length).toBeGreaterThan(0);
    expect(listed.deadLetters.length).toBeLessThan(BATCHES * EACH);
  }, 120_000);
});
