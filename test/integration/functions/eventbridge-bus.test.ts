// The EventBridge adapter of the bus port against the embedded EventBridge, through the real AWS SDK.
import { randomUUID } from 'node:crypto';
import {
  CreateEventBusCommand,
  DescribeRuleCommand,
  EventBridgeClient,
  ListRulesCommand,
  ListTargetsByRuleCommand,
  type PutEventsRequestEntry,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import {
  type BusEntry,
  EventBridgeBus,
  type EventBridgeBusOptions,
  entrySize,
  InvalidRulePatternError,
} from '../../../functions/shared/bus.js';
import { createBus } from '../../../functions/shared/clients.js';
import { ConfigurationError } from '../../../functions/shared/config.js';
import { type Harness, LAMBDA_ARN, queueArn, startHarness } from '../eventbridge/harness.js';
import { caught } from './harness.js';

const SOURCE = 'sharebus.tax';
const DETAIL_TYPE = 'tax.company.registered';
const PATTERN = JSON.stringify({ source: [SOURCE] });

let harness: Harness;
const clients: EventBridgeClient[] = [];

beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  for (const client of clients) client.destroy();
  await harness.close();
});

/** A client of the embedded EventBridge of its own (its middleware records what the test needs), closed at the end. */
function ownClient(): EventBridgeClient {
  const client = new EventBridgeClient({
    endpoint: harness.eventBridge.endpoint,
    region: harness.eventBridge.region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  clients.push(client);
  return client;
}

/** A bus of its own on the embedded EventBridge, and a client that records every PutEvents request. */
async function setUp(options: Partial<Omit<EventBridgeBusOptions, 'client' | 'busName'>> = {}) {
  const busName = `bus-${randomUUID()}`;
  await harness.client.send(new CreateEventBusCommand({ Name: busName }));
  const client = ownClient();
  const putEvents: PutEventsRequestEntry[][] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'PutEventsCommand') {
        putEvents.push([...((args.input as { Entries?: PutEventsRequestEntry[] }).Entries ?? [])]);
      }
      return next(args);
    },
    { step: 'initialize', name: 'recordPutEvents' },
  );
  const bus = new EventBridgeBus({
    client,
    busName,
    deliverFunctionArn: LAMBDA_ARN,
    backoffBaseMs: 1,
    ...options,
  });
  return { busName, bus, putEvents };
}

function entries(count: number, detailBytes = 20): BusEntry[] {
  return Array.from({ length: count }, (_, n) => ({
    eventId: `evt-${n}`,
    source: SOURCE,
    detailType: DETAIL_TYPE,
    detail: JSON.stringify({ n, pad: 'x'.repeat(Math.max(0, detailBytes - 20)) }),
    time: new Date('2025-01-01T00:00:00.000Z'),
  }));
}

/** The same bus with other settings, as a later deploy configures it, recording the commands it sends. */
function redeployed(busName: string, options: Partial<EventBridgeBusOptions>) {
  const client = ownClient();
  const commands: string[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      commands.push(String(context.commandName));
      return next(args);
    },
    { step: 'initialize', name: 'recordCommands' },
  );
  const bus = new EventBridgeBus({ client, busName, deliverFunctionArn: LAMBDA_ARN, ...options });
  return { bus, client, commands };
}

const rule = (ruleName: string, eventPattern = PATTERN) => ({
  ruleName,
  subscriptionId: `id-of-${ruleName}`,
  description: `rule ${ruleName}`,
  eventPattern,
});

describe('EventBridgeBus.publish', () => {
  it('sends 25 entries in PutEvents calls of 10, 10 and 5, and every one reaches the rule’s target', async () => {
    // Prepare
    const { bus, busName, putEvents } = await setUp();
    await bus.putSubscriptionRule(rule('sharebus-sub-all'));
    harness.invocations.length = 0;
    // Act
    const result = await bus.publish(entries(25));
    await harness.eventBridge.idle();
    // Assess
    expect(result).toEqual({ accepted: entries(25).map((e) => e.eventId), failed: [] });
    expect(putEvents.map((call) => call.length)).toEqual([10, 10, 5]);
    expect(putEvents.flat().every((entry) => entry.EventBusName === busName)).toBe(true);
    expect(harness.invocations).toHaveLength(25);
    const payloads = harness.invocations.map(
      (i) => JSON.parse(i.payload) as { subscriptionId: string; event: { n: number } },
    );
    expect(new Set(payloads.map((p) => p.subscriptionId))).toEqual(new Set(['id-of-sharebus-sub-all']));
    expect(payloads.map((p) => p.event.n).sort((a, b) => a - b)).toEqual([...Array(25).keys()]);
  });

  it('sends each entry’s time, which the event on the bus keeps (archives replay by it)', async () => {
    // Prepare: a rule whose target gets the whole event, not the subscription's transformed input
    const { bus, busName } = await setUp();
    await harness.client.send(
      new PutRuleCommand({ EventBusName: busName, Name: 'whole', EventPattern: PATTERN }),
    );
    await harness.client.send(
      new PutTargetsCommand({
        EventBusName: busName,
        Rule: 'whole',
        Targets: [{ Id: 'all', Arn: LAMBDA_ARN }],
      }),
    );
    harness.invocations.length = 0;
    // Act
    const result = await bus.publish(entries(1));
    await harness.eventBridge.idle();
    // Assess
    expect(result.accepted).toEqual(['evt-0']);
    const events = harness.invocations.map((i) => JSON.parse(i.payload) as { time: string });
    expect(events.map((e) => new Date(e.time).toISOString())).toEqual(['2025-01-01T00:00:00.000Z']);
  });

  it('splits entries into calls of at most 256 KB, which EventBridge accepts', async () => {
    // Prepare
    const { bus, putEvents } = await setUp();
    const big = entries(3, 100 * 1024);
    // Act
    const result = await bus.publish(big);
    // Assess
    expect(result.failed).toEqual([]);
    expect(result.accepted).toEqual(['evt-0', 'evt-1', 'evt-2']);
    expect(putEvents.map((call) => call.length)).toEqual([2, 1]);
    for (const call of putEvents) {
      const bytes = call.reduce(
        (sum, e) => sum + entrySize({ source: e.Source!, detailType: e.DetailType!, detail: e.Detail! }),
        0,
      );
      expect(bytes).toBeLessThanOrEqual(256 * 1024);
    }
  });

  it('reports an entry EventBridge refuses as failed with its code, without resending it', async () => {
    // Prepare
    const { bus, putEvents } = await setUp();
    const [good, bad] = entries(2);
    const malformed = { ...bad!, detail: 'not json' };
    // Act
    const result = await bus.publish([good!, malformed]);
    // Assess
    expect(result.accepted).toEqual(['evt-0']);
    expect(result.failed).toEqual([
      { eventId: 'evt-1', code: 'MalformedDetail', message: expect.any(String), permanent: true },
    ]);
    expect(putEvents).toHaveLength(1);
  });
});

describe('EventBridgeBus subscription rules', () => {
  it('puts the rule with its pattern and one target: the deliver function with transformer, retries and DLQ', async () => {
    // Prepare
    const dlq = queueArn('delivery-dlq');
    const { bus, busName } = await setUp({ deadLetterArn: dlq, maxRetries: 3, maxEventAgeSeconds: 600 });
    const pattern = JSON.stringify({ source: [SOURCE], 'detail-type': [DETAIL_TYPE] });
    // Act
    await bus.putSubscriptionRule(rule('sharebus-sub-one', pattern));
    // Assess
    const described = await harness.client.send(
      new DescribeRuleCommand({ EventBusName: busName, Name: 'sharebus-sub-one' }),
    );
    expect(described).toMatchObject({
      EventPattern: pattern,
      State: 'ENABLED',
      Description: 'rule sharebus-sub-one',
    });
    const { Targets } = await harness.client.send(
      new ListTargetsByRuleCommand({ EventBusName: busName, Rule: 'sharebus-sub-one' }),
    );
    expect(Targets).toEqual([
      {
        Id: 'deliver',
        Arn: LAMBDA_ARN,
        InputTransformer: {
          InputPathsMap: { detail: '$.detail' },
          InputTemplate: '{"subscriptionId": "id-of-sharebus-sub-one", "event": <detail>}',
        },
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 600 },
        DeadLetterConfig: { Arn: dlq },
      },
    ]);
  });

  it('is made by createBus with the deliver function, retry policy and DLQ its environment names', async () => {
    // Prepare
    const busName = `bus-${randomUUID()}`;
    await harness.client.send(new CreateEventBusCommand({ Name: busName }));
    const dlq = queueArn('delivery-dlq');
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_EVENTBRIDGE: harness.eventBridge.endpoint,
      AWS_REGION: harness.eventBridge.region,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      SHAREBUS_BUS_NAME: busName,
      SHAREBUS_DELIVER_FUNCTION_ARN: LAMBDA_ARN,
      SHAREBUS_DELIVERY_DLQ_ARN: dlq,
      SHAREBUS_DELIVERY_MAX_RETRIES: '7',
      SHAREBUS_DELIVERY_MAX_EVENT_AGE_SECONDS: '900',
    });
    try {
      // Act
      await createBus().putSubscriptionRule(rule('sharebus-sub-env'));
    } finally {
      process.env = saved;
    }
    // Assess
    const { Targets } = await harness.client.send(
      new ListTargetsByRuleCommand({ EventBusName: busName, Rule: 'sharebus-sub-env' }),
    );
    expect(Targets).toMatchObject([
      {
        Arn: LAMBDA_ARN,
        RetryPolicy: { MaximumRetryAttempts: 7, MaximumEventAgeInSeconds: 900 },
        DeadLetterConfig: { Arn: dlq },
      },
    ]);
  });

  it('uses AWS’s longest retry policy and no DLQ when none is configured', async () => {
    // Prepare
    const { bus, busName } = await setUp();
    // Act
    await bus.putSubscriptionRule(rule('sharebus-sub-defaults'));
    // Assess
    const { Targets } = await harness.client.send(
      new ListTargetsByRuleCommand({ EventBusName: busName, Rule: 'sharebus-sub-defaults' }),
    );
    expect(Targets?.[0]?.RetryPolicy).toEqual({
      MaximumRetryAttempts: 185,
      MaximumEventAgeInSeconds: 86_400,
    });
    expect(Targets?.[0]?.DeadLetterConfig).toBeUndefined();
  });

  it('updates the rule in place when it is put again, keeping one target', async () => {
    // Prepare
    const { bus, busName } = await setUp();
    await bus.putSubscriptionRule(rule('sharebus-sub-update'));
    const changed = JSON.stringify({ source: ['sharebus.housing'] });
    // Act
    await bus.putSubscriptionRule(rule('sharebus-sub-update', changed));
    // Assess
    const described = await harness.client.send(
      new DescribeRuleCommand({ EventBusName: busName, Name: 'sharebus-sub-update' }),
    );
    expect(described.EventPattern).toBe(changed);
    const { Targets } = await harness.client.send(
      new ListTargetsByRuleCommand({ EventBusName: busName, Rule: 'sharebus-sub-update' }),
    );
    expect(Targets?.map((t) => t.Id)).toEqual(['deliver']);
  });

  it('cuts a description to EventBridge’s 512 characters', async () => {
    // Prepare
    const { bus, busName } = await setUp();
    // Act
    await bus.putSubscriptionRule({ ...rule('sharebus-sub-long'), description: 'd'.repeat(600) });
    // Assess
    const described = await harness.client.send(
      new DescribeRuleCommand({ EventBusName: busName, Name: 'sharebus-sub-long' }),
    );
    expect(described.Description).toBe('d'.repeat(512));
  });

  it('throws InvalidRulePatternError for a pattern EventBridge refuses, and creates no rule', async () => {
    // Prepare
    const { bus, busName } = await setUp();
    // Act
    const error = await caught(() =>
      bus.putSubscriptionRule(rule('sharebus-sub-bad', JSON.stringify({ source: 'not-a-list' }))),
    );
    // Assess
    expect(error).toBeInstanceOf(InvalidRulePatternError);
    expect(error.cause).toMatchObject({ name: 'InvalidEventPatternException' });
    const listed = await harness.client.send(new ListRulesCommand({ EventBusName: busName }));
    expect(listed.Rules).toEqual([]);
  });

  it('refuses to put a rule without the deliver function’s ARN, creating nothing', async () => {
    // Prepare
    const busName = `bus-${randomUUID()}`;
    await harness.client.send(new CreateEventBusCommand({ Name: busName }));
    const bus = new EventBridgeBus({ client: harness.client, busName });
    // Act
    const error = await caught(() => bus.putSubscriptionRule(rule('sharebus-sub-unconfigured')));
    // Assess
    expect(error).toBeInstanceOf(ConfigurationError);
    const listed = await harness.client.send(new ListRulesCommand({ EventBusName: busName }));
    expect(listed.Rules).toEqual([]);
  });

  it('deletes the target and the rule, and takes a rule that is already gone as done', async () => {
    // Prepare
    const { bus, busName } = await setUp();
    await bus.putSubscriptionRule(rule('sharebus-sub-delete'));
    // Act
    await bus.deleteSubscriptionRule('sharebus-sub-delete');
    const again = bus.deleteSubscriptionRule('sharebus-sub-delete');
    // Assess
    await expect(again).resolves.toBeUndefined();
    const listed = await harness.client.send(new ListRulesCommand({ EventBusName: busName }));
    expect(listed.Rules).toEqual([]);
  });

  it('deletes a rule whose target a deploy put back between RemoveTargets and DeleteRule', async () => {
    // Prepare: the retarget function, which listed the target before, puts it right after the first RemoveTargets
    const { bus, busName } = await setUp();
    await bus.putSubscriptionRule(rule('sharebus-sub-raced'));
    const deleting = redeployed(busName, {});
    let putBack = false;
    deleting.client.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        if (context.commandName === 'RemoveTargetsCommand' && !putBack) {
          putBack = true;
          await harness.client.send(
            new PutTargetsCommand({
              EventBusName: busName,
              Rule: 'sharebus-sub-raced',
              Targets: [{ Id: 'deliver', Arn: LAMBDA_ARN }],
            }),
          );
        }
        return result;
      },
      { step: 'initialize', name: 'retargetMeanwhile' },
    );
    // Act
    await deleting.bus.deleteSubscriptionRule('sharebus-sub-raced');
    // Assess
    expect(putBack).toBe(true);
    const listed = await harness.client.send(new ListRulesCommand({ EventBusName: busName }));
    expect(listed.Rules).toEqual([]);
  });

  it('lists the names with the prefix over every page, and no others', async () => {
    // Prepare
    const { bus, busName } = await setUp();
    const ours = Array.from({ length: 101 }, (_, n) => `sharebus-sub-${String(n).padStart(3, '0')}`);
    await Promise.all(
      [...ours, 'archive-all'].map((name) =>
        harness.client.send(new PutRuleCommand({ EventBusName: busName, Name: name, EventPattern: PATTERN })),
      ),
    );
    // Act
    const names = await bus.listRuleNames('sharebus-sub-');
    // Assess
    expect(names.sort()).toEqual(ours);
  });
});

describe('EventBridgeBus.retargetSubscriptionRule', () => {
  const OTHER_DELIVER = 'arn:aws:lambda:us-east-1:111111111111:function:deliver-v2';

  const targetsOf = async (busName: string, ruleName: string) =>
    (await harness.client.send(new ListTargetsByRuleCommand({ EventBusName: busName, Rule: ruleName })))
      .Targets;

  it('puts the deliver target again with the new deliver function, retry policy and DLQ, leaving the rule', async () => {
    // Prepare: a subscription made under the first settings
    const { bus, busName } = await setUp({ maxRetries: 3, maxEventAgeSeconds: 600 });
    const pattern = JSON.stringify({ source: [SOURCE], 'detail-type': [DETAIL_TYPE] });
    await bus.putSubscriptionRule(rule('sharebus-sub-old', pattern));
    const dlq = queueArn('delivery-dlq');
    const later = redeployed(busName, {
      deliverFunctionArn: OTHER_DELIVER,
      deadLetterArn: dlq,
      maxRetries: 7,
      maxEventAgeSeconds: 3_600,
    });
    // Act
    const outcome = await later.bus.retargetSubscriptionRule(rule('sharebus-sub-old'));
    // Assess
    expect(outcome).toBe('updated');
    expect(await targetsOf(busName, 'sharebus-sub-old')).toEqual([
      {
        Id: 'deliver',
        Arn: OTHER_DELIVER,
        InputTransformer: {
          InputPathsMap: { detail: '$.detail' },
          InputTemplate: '{"subscriptionId": "id-of-sharebus-sub-old", "event": <detail>}',
        },
        RetryPolicy: { MaximumRetryAttempts: 7, MaximumEventAgeInSeconds: 3_600 },
        DeadLetterConfig: { Arn: dlq },
      },
    ]);
    const described = await harness.client.send(
      new DescribeRuleCommand({ EventBusName: busName, Name: 'sharebus-sub-old' }),
    );
    expect(described).toMatchObject({ EventPattern: pattern, State: 'ENABLED' });
  });

  it('takes the dead-letter queue away when the new settings have none', async () => {
    // Prepare
    const { bus, busName } = await setUp({ deadLetterArn: queueArn('old-dlq') });
    await bus.putSubscriptionRule(rule('sharebus-sub-dlq'));
    // Act
    const outcome = await redeployed(busName, {}).bus.retargetSubscriptionRule(rule('sharebus-sub-dlq'));
    // Assess
    expect(outcome).toBe('updated');
    const [target] = (await targetsOf(busName, 'sharebus-sub-dlq')) ?? [];
    expect(target?.DeadLetterConfig).toBeUndefined();
    expect(target?.RetryPolicy).toEqual({ MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 });
  });

  it('sends no PutTargets for a target that already has the settings', async () => {
    // Prepare
    const settings = { deadLetterArn: queueArn('dlq'), maxRetries: 4, maxEventAgeSeconds: 120 };
    const { bus, busName } = await setUp(settings);
    await bus.putSubscriptionRule(rule('sharebus-sub-same'));
    const later = redeployed(busName, settings);
    // Act
    const outcome = await later.bus.retargetSubscriptionRule(rule('sharebus-sub-same'));
    // Assess
    expect(outcome).toBe('unchanged');
    expect(later.commands).toEqual(['ListTargetsByRuleCommand']);
  });

  it('puts no target on a rule that has none, nor on one that does not exist', async () => {
    // Prepare: a rule whose subscription is being made (PutRule done, PutTargets not yet)
    const { busName } = await setUp();
    await harness.client.send(
      new PutRuleCommand({ EventBusName: busName, Name: 'sharebus-sub-bare', EventPattern: PATTERN }),
    );
    const later = redeployed(busName, { maxRetries: 1 });
    // Act
    const bare = await later.bus.retargetSubscriptionRule(rule('sharebus-sub-bare'));
    const gone = await later.bus.retargetSubscriptionRule(rule('sharebus-sub-gone'));
    // Assess
    expect([bare, gone]).toEqual(['missing', 'missing']);
    expect(await targetsOf(busName, 'sharebus-sub-bare')).toEqual([]);
    expect(later.commands).toEqual(['ListTargetsByRuleCommand', 'ListTargetsByRuleCommand']);
  });

  it('throws when EventBridge refuses the target, leaving the old one', async () => {
    // Prepare: a dead-letter ARN that is not a queue, which EventBridge refuses entry by entry
    const { bus, busName } = await setUp({ maxRetries: 2 });
    await bus.putSubscriptionRule(rule('sharebus-sub-refused'));
    const later = redeployed(busName, { deadLetterArn: 'arn:aws:sns:us-east-1:111111111111:topic' });
    // Act
    const error = await caught(() => later.bus.retargetSubscriptionRule(rule('sharebus-sub-refused')));
    // Assess
    expect(error.message).toMatch(/^PutTargets failed for rule sharebus-sub-refused: \S+ .*SQS/);
    const [target] = (await targetsOf(busName, 'sharebus-sub-refused')) ?? [];
    expect(target?.RetryPolicy?.MaximumRetryAttempts).toBe(2);
  });
});
