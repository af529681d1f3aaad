// The whole local runtime, as `npm start` runs it, over real HTTP: onboarding, a contract, webhook
// subscriptions with and without a content filter, publishing, deletion, batches, and dead letters.
import {
  call,
  deadLettersOf,
  deliveryDeadLettersOf,
  eventBridgeCall,
  type LocalSharebus,
  type Receiver,
  ruleNames,
  sleep,
  startLocalSharebus,
  startReceiver,
} from './harness.js';

const TYPE = 'civil-affairs.marriage.registered';
const SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  required: ['registrationId', 'district'],
  properties: {
    registrationId: { type: 'string', minLength: 1 },
    district: { type: 'string', enum: ['east', 'west', 'north'] },
    couples: { type: 'integer', minimum: 1 },
  },
  additionalProperties: false,
};
/** Time for a delivery that should NOT happen to show up, after one that should has arrived. */
const SETTLE_MS = 400;

describe('sharebus on one machine', () => {
  let bus: LocalSharebus;
  let publisherKey: string;
  let subscriberKey: string;
  const receivers: Receiver[] = [];

  beforeAll(async () => {
    bus = await startLocalSharebus({ SHAREBUS_DELIVERY_TIMEOUT_MS: '2000' });
    for (const [id, name] of [
      ['civil-affairs', 'Civil Affairs Bureau'],
      ['statistics', 'Statistics Bureau'],
    ]) {
      expect((await call(bus.apiUrl, 'POST', '/departments', bus.adminKey, { id, name })).status).toBe(201);
    }
    const publisher = await call(bus.apiUrl, 'POST', '/departments/civil-affairs/systems', bus.adminKey, {
      id: 'marriage-registry',
      name: 'Marriage Registry',
    });
    const subscriber = await call(bus.apiUrl, 'POST', '/departments/statistics/systems', bus.adminKey, {
      id: 'population-stats',
      name: 'Population Statistics',
    });
    publisherKey = String(publisher.body.apiKey);
    subscriberKey = String(subscriber.body.apiKey);
    const contract = await call(bus.apiUrl, 'POST', '/contracts', publisherKey, {
      type: TYPE,
      version: '1.0.0',
      description: 'A marriage was registered',
      sharing: 'open',
      schema: SCHEMA,
    });
    expect(contract.status).toBe(201);
  }, 120_000);

  afterAll(async () => {
    for (const receiver of receivers) await receiver.close();
    await bus?.stop();
  });

  // API review, session 50: no answer said Cache-Control, so a browser or a shared cache on the way could keep a new
  // system's API key, or the webhook URLs (secrets in their query, as the README allows) GET /subscriptions lists.
  it('answers with Cache-Control: no-store, a new API key and a listing alike', async () => {
    // Act
    const created = await call(bus.apiUrl, 'POST', '/departments/statistics/systems', bus.adminKey, {
      id: 'cache-check',
      name: 'Cache check',
    });
    const listed = await call(bus.apiUrl, 'GET', '/subscriptions', subscriberKey);
    // Assess
    expect([created.status, created.cacheControl]).toEqual([201, 'no-store']);
    expect([listed.status, listed.cacheControl]).toEqual([200, 'no-store']);
  });

  async function receiver(): Promise<Receiver> {
    const created = await startReceiver();
    receivers.push(created);
    return created;
  }

  async function subscribe(url: string, filter?: Record<string, unknown>): Promise<string> {
    const answer = await call(bus.apiUrl, 'POST', '/subscriptions', subscriberKey, {
      type: TYPE,
      endpoint: { url },
      ...(filter ? { filter } : {}),
    });
    expect(answer.status).toBe(201);
    return String(answer.body.id);
  }

  const publish = (data: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    call(bus.apiUrl, 'POST', '/events', publisherKey, { type: TYPE, data, ...extra });

  /**
   * Puts a rule of the user's own on the sharebus bus, for events from `source`, with `target`; runs `act` with it,
   * then removes it.
   */
  async function withRule(
    name: string,
    source: string,
    target: { readonly Id: string; readonly Arn: string; readonly Input?: string },
    act: () => Promise<void>,
  ): Promise<void> {
    await eventBridgeCall(bus.eventBridgeUrl, 'PutRule', {
      Name: name,
      EventBusName: 'sharebus',
      EventPattern: JSON.stringify({ source: [source] }),
    });
    await eventBridgeCall(bus.eventBridgeUrl, 'PutTargets', {
      Rule: name,
      EventBusName: 'sharebus',
      Targets: [target],
    });
    try {
      await act();
    } finally {
      await eventBridgeCall(bus.eventBridgeUrl, 'RemoveTargets', {
        Rule: name,
        EventBusName: 'sharebus',
        Ids: [target.Id],
      });
      await eventBridgeCall(bus.eventBridgeUrl, 'DeleteRule', { Name: name, EventBusName: 'sharebus' });
    }
  }

  it('answers /health without a key, whatever its query (a probe may add a cache-buster)', async () => {
    const health = await call(bus.apiUrl, 'GET', '/health');
    const busted = await call(bus.apiUrl, 'GET', '/health?_=1733580000');
    expect(health).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(busted).toMatchObject({ status: 200, body: { status: 'ok' } });
  });

  it('seeds the demo catalogue and prints a key for each demo system', async () => {
    expect(Object.keys(bus.demoKeys)).toHaveLength(6);
    const contracts = await call(bus.apiUrl, 'GET', '/contracts', bus.demoKeys['tax/taxpayer-registration']);
    const types = (contracts.body.contracts as Array<{ type: string }>).map((c) => c.type);
    expect(types).toEqual(
      expect.arrayContaining(['establishment.application.submitted', 'housing-fund.account.opened', TYPE]),
    );
  });

  it('delivers exactly one CloudEvent with the envelope fields to a subscribed webhook', async () => {
    // Prepare
    const hook = await receiver();
    await subscribe(hook.url);
    const data = { registrationId: 'MR-2026-000123', district: 'east', couples: 1 };
    // Act
    const accepted = await publish(data, { subject: 'MR-2026-000123', correlationId: 'case-77' });
    // Assess
    expect(accepted.status).toBe(202);
    const [delivery] = await hook.waitFor(1);
    await sleep(SETTLE_MS);
    expect(hook.received).toHaveLength(1);
    expect(delivery!.headers['content-type']).toMatch(/^application\/cloudevents\+json/);
    expect(delivery!.json).toEqual({
      specversion: '1.0',
      id: accepted.body.id,
      source: 'civil-affairs',
      type: TYPE,
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/),
      datacontenttype: 'application/json',
      dataschema: `urn:sharebus:contract:${TYPE}:1.0.0`,
      subject: 'MR-2026-000123',
      correlationid: 'case-77',
      data,
    });
  });

  it('does not deliver an event that the content filter does not match', async () => {
    // Prepare
    const westOnly = await receiver();
    const everything = await receiver();
    await subscribe(westOnly.url, { district: ['west'] });
    await subscribe(everything.url);
    // Act
    const east = await publish({ registrationId: 'MR-1', district: 'east' });
    const west = await publish({ registrationId: 'MR-2', district: 'west' });
    // Assess
    await everything.waitFor(2);
    await westOnly.waitFor(1);
    await sleep(SETTLE_MS);
    expect(westOnly.received.map((r) => r.json.id)).toEqual([west.body.id]);
    expect(everything.received.map((r) => r.json.id).sort()).toEqual([east.body.id, west.body.id].sort());
  });

  it('delivers nothing more to a subscription after its DELETE answered 204', async () => {
    // Prepare
    const removed = await receiver();
    const witness = await receiver();
    const id = await subscribe(removed.url);
    await subscribe(witness.url);
    await publish({ registrationId: 'MR-3', district: 'north' });
    await removed.waitFor(1);
    await witness.waitFor(1);
    // Act
    const deleted = await call(bus.apiUrl, 'DELETE', `/subscriptions/${id}`, subscriberKey);
    await publish({ registrationId: 'MR-4', district: 'north' });
    // Assess
    expect(deleted.status).toBe(204);
    await witness.waitFor(2);
    await sleep(SETTLE_MS);
    expect(removed.received).toHaveLength(1);
    const listed = await call(bus.apiUrl, 'GET', '/subscriptions', subscriberKey);
    expect((listed.body.subscriptions as Array<{ id: string }>).map((s) => s.id)).not.toContain(id);
    expect(await ruleNames(bus.eventBridgeUrl)).not.toContain(`sharebus-sub-${id}`);
  });

  // The split into PutEvents calls of at most 10 is shown in eventbridge-bus-retries.test.ts.
  it('publishes a batch of 25 events and delivers each once', async () => {
    // Prepare
    const hook = await receiver();
    await subscribe(hook.url, { district: ['north'] });
    const events = Array.from({ length: 25 }, (_, i) => ({
      type: TYPE,
      data: { registrationId: `B-${i}`, district: 'north' },
    }));
    // Act
    const accepted = await call(bus.apiUrl, 'POST', '/events', publisherKey, { events });
    // Assess
    expect(accepted.status).toBe(202);
    const ids = (accepted.body.events as Array<{ id: string }>).map((e) => e.id);
    expect(new Set(ids).size).toBe(25);
    await hook.waitFor(25);
    await sleep(SETTLE_MS);
    expect(hook.received.map((r) => r.json.id).sort()).toEqual([...ids].sort());
  });

  it('archives every event of the bus, as the CDK stack does, so that it can be replayed', async () => {
    // Prepare
    const describe = () =>
      eventBridgeCall<{ EventCount: number; RetentionDays: number; EventSourceArn: string }>(
        bus.eventBridgeUrl,
        'DescribeArchive',
        { ArchiveName: 'sharebus-archive' },
      );
    const before = await describe();
    // Act
    const accepted = await call(bus.apiUrl, 'POST', '/events', publisherKey, {
      type: TYPE,
      data: { registrationId: 'ARCHIVED-1', district: 'west' },
    });
    // Assess
    expect(accepted.status).toBe(202);
    const after = await describe();
    expect(after).toMatchObject({
      RetentionDays: 30,
      EventSourceArn: 'arn:aws:events:us-east-1:000000000000:event-bus/sharebus',
    });
    expect(after.EventCount).toBe(before.EventCount + 1);
  });

  it('retries a failing webhook as Lambda retries the deliver function, then dead-letters the invocation', async () => {
    // Prepare
    const failing = await receiver();
    failing.status = 500;
    const id = await subscribe(failing.url, { district: ['east'], registrationId: ['DLQ-1'] });
    // Act
    const accepted = await publish({ registrationId: 'DLQ-1', district: 'east' });
    // Assess: the first attempt and Lambda's two retries, then the dead letter.
    await failing.waitFor(3);
    const deadLetters = await deliveryDeadLettersOf(bus.eventBridgeUrl, id);
    // As in AWS, the dead letter is Lambda's: the deliver function's payload in the delivery DLQ, with why it failed.
    expect(deadLetters).toEqual([
      expect.objectContaining({
        kind: 'function',
        queueArn: 'arn:aws:sqs:us-east-1:000000000000:sharebus-delivery-dlq',
        functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:sharebus-deliver',
        errorCode: '200',
        // The event's id in it, as in the terminal's line for each failed attempt: the one thing a burst's lines differ in.
        errorMessage: `POST ${new URL(failing.url).origin}/… (subscription ${id}, event ${accepted.body.id}) answered 500`,
        retryAttempts: 2,
      }),
    ]);
    expect(JSON.parse(String(deadLetters[0]?.body))).toMatchObject({
      subscriptionId: id,
      event: { id: accepted.body.id, type: TYPE },
    });
    // EventBridge's own invocation succeeded: its rule has no dead letter.
    expect(await deadLettersOf(bus.eventBridgeUrl, `sharebus-sub-${id}`)).toEqual([]);
    expect(failing.received).toHaveLength(3);
  });

  it('refuses to deliver an event a rule routed to a subscription of another contract, logging it with its request id', async () => {
    // Prepare: a rule of the user's own that hands the deliver function, under a real subscription's id, an event of
    // a contract that subscription was never granted (as anyone who may put rules on the bus could).
    const hook = await receiver();
    const id = await subscribe(hook.url);
    const dataschema = 'urn:sharebus:contract:civil-affairs.adoption.registered:1.0.0';
    const event = {
      specversion: '1.0',
      id: 'misrouted-1',
      source: 'civil-affairs',
      type: 'civil-affairs.adoption.registered',
      time: '2026-12-05T00:00:00Z',
      datacontenttype: 'application/json',
      dataschema,
      data: { childId: 'c-1' },
    };
    const target = {
      Id: 'deliver',
      Arn: 'arn:aws:lambda:us-east-1:000000000000:function:sharebus-deliver',
      Input: JSON.stringify({ subscriptionId: id, event }),
    };
    let logged: Record<string, unknown> | undefined;
    await withRule('misrouted', 'e2e.misrouted', target, async () => {
      // Act
      await eventBridgeCall(bus.eventBridgeUrl, 'PutEvents', {
        Entries: [
          { EventBusName: 'sharebus', Source: 'e2e.misrouted', DetailType: 'Misrouted', Detail: '{}' },
        ],
      });
      for (let i = 0; i < 100 && !logged; i++) {
        const line = bus
          .output()
          .split('\n')
          .find((l) =>
            l.includes('refused to deliver an event of a contract the subscription was not granted'),
          );
        if (line) logged = JSON.parse(line.slice(line.indexOf('{'))) as Record<string, unknown>;
        else await sleep(50);
      }
      await sleep(SETTLE_MS);
    });
    // Assess: nothing reached the webhook, and the line names the invocation as well as the event
    expect(hook.received).toEqual([]);
    expect(logged).toMatchObject({
      level: 'ERROR',
      subscriptionId: id,
      eventId: 'misrouted-1',
      dataschema,
      function_name: 'sharebus-deliver',
      function_request_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
  });

  it('dead-letters at once, as NO_RESOURCE, an event for a Lambda function the runtime does not have', async () => {
    // Prepare: a rule of the user's own on the sharebus bus, to a function that does not exist.
    const functionArn = 'arn:aws:lambda:us-east-1:000000000000:function:not-deployed';
    await withRule('to-nowhere', 'e2e.nowhere', { Id: 'fn', Arn: functionArn }, async () => {
      // Act
      await eventBridgeCall(bus.eventBridgeUrl, 'PutEvents', {
        Entries: [{ EventBusName: 'sharebus', Source: 'e2e.nowhere', DetailType: 'Nothing', Detail: '{}' }],
      });
      // Assess: one attempt, no retries.
      const letters = await deadLettersOf(bus.eventBridgeUrl, 'to-nowhere');
      expect(letters).toEqual([
        expect.objectContaining({
          targetArn: functionArn,
          errorCode: 'NO_RESOURCE',
          errorMessage: `Function not found: ${functionArn}`,
          retryAttempts: 0,
        }),
      ]);
    });
  });

  it('stops DynamoDB Local and every server on Ctrl-C', async () => {
    const dynamoDbUrl = bus.dynamoDbUrl;
    const code = await bus.stop();
    expect(code).toBe(0);
    await expect(fetch(dynamoDbUrl)).rejects.toThrow();
    await expect(fetch(`${bus.apiUrl}/health`)).rejects.toThrow();
    await expect(fetch(bus.eventBridgeUrl, { method: 'POST' })).rejects.toThrow();
  });
});
