// The deliver function's queue shared out among subscriptions, as `npm start` runs it by default: a webhook that takes
// events and never answers holds at most its part of the queue, its further deliveries are dead-lettered at once,
// publishing goes on and the other subscribers get every event; once it answers, redriving its dead letters delivers
// them. Before (2026-12-07) that one webhook filled the queue, and publishing answered 503 for everyone's events.
import {
  APPLICATION_TYPE,
  application,
  call,
  type LocalSharebus,
  type Receiver,
  sleep,
  startLocalSharebus,
  startReceiver,
} from './harness.js';

/** A business scope that makes an application about 2.5 KB, so that some 300 deliveries fill 1 MiB. */
const LONG_SCOPE = 'Software development; '.repeat(90);
const BATCHES = 50;

interface Letter {
  id: string;
  kind: string;
  body: string;
  errorCode: string;
  errorMessage: string;
  ruleArn?: string;
}

describe("the deliver function's queue shared out among subscriptions under npm start", () => {
  let bus: LocalSharebus;
  let hanging: Receiver;
  let answering: Receiver;

  beforeAll(async () => {
    // A webhook timeout longer than the test, so that the hanging webhook's deliveries wait rather than fail.
    bus = await startLocalSharebus({
      SHAREBUS_LAMBDA_QUEUE_MAX_MB: '1',
      SHAREBUS_DELIVERY_TIMEOUT_MS: '120000',
    });
    hanging = await startReceiver();
    hanging.hold = true;
    answering = await startReceiver();
  }, 120_000);

  afterAll(async () => {
    hanging.hold = false;
    await hanging?.close();
    await answering?.close();
    await bus?.stop();
  });

  /** The deliver function's dead letters of the subscription `id`. */
  async function deadLettersOf(id: string): Promise<Letter[]> {
    const answer = await fetch(`${bus.eventBridgeUrl}/_local/dead-letters?limit=1000`);
    const { deadLetters } = (await answer.json()) as { deadLetters: Letter[] };
    return deadLetters.filter((d) => d.kind === 'function' && JSON.parse(d.body).subscriptionId === id);
  }

  async function subscribe(systemKey: string, url: string): Promise<string> {
    const subscribed = await call(bus.apiUrl, 'POST', '/subscriptions', systemKey, {
      type: APPLICATION_TYPE,
      endpoint: { url },
    });
    expect(subscribed.status).toBe(201);
    return String(subscribed.body.id);
  }

  it("keeps publishing and the other subscriber's deliveries going while one webhook never answers, and redrives its dead letters once it does", async () => {
    // Prepare
    const hangingId = await subscribe(
      bus.demoKeys['market-regulation/business-registration'] as string,
      hanging.url,
    );
    await subscribe(bus.demoKeys['tax/taxpayer-registration'] as string, answering.url);
    const portal = bus.demoKeys['government-services/one-window-portal'] as string;
    // Act: batches of ten, far more than the queue's half holds of deliveries to the hanging webhook.
    const statuses: number[] = [];
    for (let batch = 0; batch < BATCHES; batch++) {
      const events = Array.from({ length: 10 }, (_, i) => application(batch * 10 + i, LONG_SCOPE));
      statuses.push((await call(bus.apiUrl, 'POST', '/events', portal, { events })).status);
    }
    // Assess: every publish taken, every event delivered to the webhook that answers.
    expect(statuses.filter((status) => status !== 202)).toEqual([]);
    await answering.waitFor(BATCHES * 10, 60_000);
    // The hanging webhook's deliveries past its part dead-lettered at once, with why, naming both settings.
    let shed: Letter[] = [];
    for (let waited = 0; shed.length === 0 && waited < 10_000; waited += 100) {
      shed = (await deadLettersOf(hangingId)).filter((d) => d.errorCode === '429');
      if (shed.length === 0) await sleep(100);
    }
    expect(shed.length).toBeGreaterThan(BATCHES * 10 - 300);
    expect(shed[0]?.errorMessage).toMatch(
      /^Not run: Lambda's queues held [\d.]+ MiB of their 1 MiB limit \(SHAREBUS_LAMBDA_QUEUE_MAX_MB\), and rule arn:aws:events:us-east-1:000000000000:rule\/sharebus\/\S+'s target deliver held [\d.]+ MiB of that, at least its share \([\d.]+ MiB: 50% of the limit shared out among the \d rule targets? holding invocations, those holding less than a share leaving the rest to the others\): dead-lettered at once, not queued, .*\(SHAREBUS_LAMBDA_QUEUE_SHARES\)\. Redrive it once the target keeps up\.$/,
    );
    expect(shed[0]?.ruleArn).toContain(hangingId);
    expect(bus.output()).toContain('was not run: ');
    expect(bus.output()).not.toContain('(ThrottlingException)');
    const queue = (await (await fetch(`${bus.eventBridgeUrl}/_local/invocations`)).json()) as {
      functions: { shed: number }[];
      ruleTargets: { ruleArn: string }[];
    };
    expect(queue.functions[0]?.shed).toBe(shed.length);
    expect(queue.ruleTargets[0]?.ruleArn).toContain(hangingId);

    // Act: the webhook answers what it holds; its dead letters are redriven, a round at a time as each is delivered.
    hanging.hold = false;
    let delivered = BATCHES * 10 - shed.length;
    await hanging.waitFor(delivered, 30_000);
    let rest = shed.map((d) => d.id);
    for (let round = 0; rest.length > 0 && round < 10; round++) {
      const answer = await fetch(`${bus.eventBridgeUrl}/_local/dead-letters/redrive`, {
        method: 'POST',
        body: JSON.stringify({ ids: rest }),
      });
      const { redriven, failed } = (await answer.json()) as { redriven: string[]; failed: { id: string }[] };
      expect(redriven.length).toBeGreaterThan(0);
      delivered += redriven.length;
      await hanging.waitFor(delivered, 30_000);
      rest = failed.map((f) => f.id);
    }
    // Assess: every application reached the webhook that hung, once each, and none is left dead-lettered.
    expect(rest).toEqual([]);
    const ids = hanging.received.map((r) => (r.json.data as { applicationId: string }).applicationId);
    expect(new Set(ids).size).toBe(BATCHES * 10);
    expect(ids).toHaveLength(BATCHES * 10);
    expect(await deadLettersOf(hangingId)).toEqual([]);
  }, 180_000);
});
