// The SubscriptionTargets custom resource's function, run as Lambda would run it (the local invoker) on a CloudFormation
// request: the registry on DynamoDB Local, the rules on the embedded EventBridge, and CloudFormation's response URL a
// real HTTP server. It must put every subscription's target again with the properties' settings and answer there.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import {
  CreateEventBusCommand,
  ListTargetsByRuleCommand,
  PutRuleCommand,
  RemoveTargetsCommand,
  type Target,
} from '@aws-sdk/client-eventbridge';
import { EventBridgeBus } from '../../../functions/shared/bus.js';
import { invoke, type LocalHandlers } from '../../../local/lambda/invoker.js';
import { type Harness, LAMBDA_ARN, queueArn, startHarness } from '../eventbridge/harness.js';
import { audit, closeClients, freshRegistry, subscription, type TestRegistry } from '../registry/harness.js';
import { functionEnvironment } from './harness.js';

interface Received {
  readonly method: string | undefined;
  readonly url: string | undefined;
  readonly headers: IncomingHttpHeaders;
  readonly body: Record<string, unknown>;
}

const NEW_DELIVER = 'arn:aws:lambda:us-east-1:111111111111:function:sharebus-deliver-v2';
const OLD_SETTINGS = { maxRetries: 3, maxEventAgeSeconds: 600 } as const;
const BUS = 'sharebus-retarget';

let harness: Harness;
let test: TestRegistry;
let server: Server;
let responseUrl: string;
let received: Received[] = [];
/** How CloudFormation's end answers each PUT, in turn; 200 once these run out. */
let statuses: number[] = [];
let handlers: LocalHandlers;

beforeAll(async () => {
  harness = await startHarness();
  await harness.client.send(new CreateEventBusCommand({ Name: BUS }));
  test = await freshRegistry();
  server = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    request.on('end', () => {
      received.push({
        method: request.method,
        url: request.url,
        headers: request.headers,
        body: JSON.parse(text) as Record<string, unknown>,
      });
      response.statusCode = statuses.shift() ?? 200;
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  responseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/cfn-response?X-Amz-Signature=abc`;
  functionEnvironment({
    tableName: test.tableName,
    busName: BUS,
    region: harness.eventBridge.region,
    eventBridge: harness.eventBridge.endpoint,
  });
  const { handler } = await import('../../../functions/retarget/handler.js');
  handlers = { retarget: handler } as unknown as LocalHandlers;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await harness.close();
  closeClients();
});

beforeEach(() => {
  received = [];
  statuses = [];
});

/** A subscription made under the first settings: its registry record and its rule with their target. */
async function subscribed(id: string): Promise<void> {
  const ruleName = `sharebus-sub-${id}`;
  await test.registry.createSubscription(subscription(id, 'housing-fund', { ruleName }), audit());
  await new EventBridgeBus({
    client: harness.client,
    busName: BUS,
    deliverFunctionArn: LAMBDA_ARN,
    ...OLD_SETTINGS,
  }).putSubscriptionRule({
    ruleName,
    subscriptionId: id,
    description: `subscription ${id}`,
    eventPattern: JSON.stringify({ source: [`sharebus.${id}`] }),
  });
}

function request(type: 'Create' | 'Update' | 'Delete', properties: Record<string, unknown>) {
  return {
    RequestType: type,
    ServiceToken: 'arn:aws:lambda:us-east-1:111111111111:function:sharebus-retarget',
    ResponseURL: responseUrl,
    StackId: 'arn:aws:cloudformation:us-east-1:111111111111:stack/Sharebus/1b2c',
    RequestId: `request-${type}`,
    ResourceType: 'Custom::SharebusSubscriptionTargets',
    LogicalResourceId: 'SubscriptionTargets',
    ...(type === 'Create' ? {} : { PhysicalResourceId: 'SubscriptionTargets-subscription-targets' }),
    // As CloudFormation hands them over: every number as a string.
    ResourceProperties: { ServiceToken: 'arn:aws:lambda:…', ...properties },
  };
}

const NEW_PROPERTIES = {
  BusName: BUS,
  DeliverFunctionArn: NEW_DELIVER,
  DeadLetterArn: queueArn('delivery-dlq'),
  MaxRetries: '7',
  MaxEventAgeSeconds: '3600',
  TargetShape: '1',
};

async function targetOf(id: string): Promise<Target | undefined> {
  const { Targets } = await harness.client.send(
    new ListTargetsByRuleCommand({ EventBusName: BUS, Rule: `sharebus-sub-${id}` }),
  );
  return Targets?.[0];
}

const oldTarget = (id: string): Target => ({
  Id: 'deliver',
  Arn: LAMBDA_ARN,
  InputTransformer: {
    InputPathsMap: { detail: '$.detail' },
    InputTemplate: `{"subscriptionId": "${id}", "event": <detail>}`,
  },
  RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 600 },
});

describe('the SubscriptionTargets custom resource', () => {
  beforeAll(async () => {
    await subscribed('alpha');
    await subscribed('beta');
    // A subscription whose rule is gone (removed by hand): nothing is made for it.
    await test.registry.createSubscription(
      subscription('gamma', 'tax', { ruleName: 'sharebus-sub-gamma' }),
      audit(),
    );
    // A rule with no subscription: not the registry's, so not touched.
    await harness.client.send(
      new PutRuleCommand({
        EventBusName: BUS,
        Name: 'sharebus-sub-orphan',
        EventPattern: '{"source":["x"]}',
      }),
    );
  });

  it('answers a malformed property set FAILED, naming each field, and changes no target', async () => {
    // Act
    await invoke(
      handlers,
      'retarget',
      request('Update', { ...NEW_PROPERTIES, DeliverFunctionArn: undefined, MaxRetries: '186' }),
    );
    // Assess
    expect(received).toHaveLength(1);
    expect(received[0]?.body).toMatchObject({ Status: 'FAILED', RequestId: 'request-Update' });
    expect(received[0]?.body.Reason).toMatch(/^invalid properties: /);
    expect(received[0]?.body.Reason).toContain('at DeliverFunctionArn');
    expect(received[0]?.body.Reason).toContain('at MaxRetries');
    expect(await targetOf('alpha')).toEqual(oldTarget('alpha'));
  });

  it('answers FAILED when EventBridge refuses the targets, naming them and why, and leaves the old ones', async () => {
    // Act: a dead-letter ARN that is not a queue
    await invoke(
      handlers,
      'retarget',
      request('Update', { ...NEW_PROPERTIES, DeadLetterArn: 'arn:aws:sns:us-east-1:111111111111:topic' }),
    );
    // Assess
    expect(received[0]?.body).toMatchObject({ Status: 'FAILED' });
    expect(received[0]?.body.Reason).toMatch(
      /^0 of 3 subscription targets put again .*; 1 had no rule or target \(left as they were\): gamma; 2 failed \(alpha, beta\); the first: Error: PutTargets failed for rule sharebus-sub-alpha: .*SQS/,
    );
    expect(await targetOf('alpha')).toEqual(oldTarget('alpha'));
    expect(await targetOf('beta')).toEqual(oldTarget('beta'));
  });

  it('puts every subscription target again with the new settings and answers SUCCESS at the response URL', async () => {
    // Act
    await invoke(handlers, 'retarget', request('Update', NEW_PROPERTIES));
    // Assess: CloudFormation's answer, PUT with the empty content type the presigned URL was signed with
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ method: 'PUT', url: '/cfn-response?X-Amz-Signature=abc' });
    expect(received[0]?.headers['content-type']).toBe('');
    expect(received[0]?.body).toEqual({
      Status: 'SUCCESS',
      Reason:
        '2 of 3 subscription targets put again with the deployed settings, 0 already had them; 1 had no rule or target (left as they were): gamma.',
      PhysicalResourceId: 'SubscriptionTargets-subscription-targets',
      StackId: 'arn:aws:cloudformation:us-east-1:111111111111:stack/Sharebus/1b2c',
      RequestId: 'request-Update',
      LogicalResourceId: 'SubscriptionTargets',
      Data: { Subscriptions: 3, Updated: 2, Unchanged: 0, Missing: 1 },
    });
    for (const id of ['alpha', 'beta']) {
      expect(await targetOf(id)).toEqual({
        ...oldTarget(id),
        Arn: NEW_DELIVER,
        RetryPolicy: { MaximumRetryAttempts: 7, MaximumEventAgeInSeconds: 3_600 },
        DeadLetterConfig: { Arn: queueArn('delivery-dlq') },
      });
    }
    expect(await targetOf('orphan')).toBeUndefined();
    const gamma = harness.client.send(
      new ListTargetsByRuleCommand({ EventBusName: BUS, Rule: 'sharebus-sub-gamma' }),
    );
    await expect(gamma).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('finds nothing to change when the same settings are deployed again', async () => {
    // Act
    await invoke(handlers, 'retarget', request('Update', NEW_PROPERTIES));
    // Assess
    expect(received[0]?.body).toMatchObject({
      Status: 'SUCCESS',
      Data: { Subscriptions: 3, Updated: 0, Unchanged: 2, Missing: 1 },
    });
  });

  it('answers a new bus name FAILED, as the rules stay on the old bus, and the rollback back to it SUCCESS', async () => {
    // Act: a deploy that changed busName (CloudFormation makes a new bus; the rules are on the old one), then the
    // Update CloudFormation's rollback sends, the two property sets swapped
    const before = await targetOf('alpha');
    await invoke(handlers, 'retarget', {
      ...request('Update', { ...NEW_PROPERTIES, BusName: 'sharebus-renamed' }),
      OldResourceProperties: { ServiceToken: 'arn:aws:lambda:…', ...NEW_PROPERTIES },
    });
    const forward = received.splice(0);
    const afterRefusal = await targetOf('alpha');
    await invoke(handlers, 'retarget', {
      ...request('Update', NEW_PROPERTIES),
      OldResourceProperties: {
        ServiceToken: 'arn:aws:lambda:…',
        ...NEW_PROPERTIES,
        BusName: 'sharebus-renamed',
      },
    });
    // Assess
    expect(forward).toHaveLength(1);
    expect(forward[0]?.body).toMatchObject({
      Status: 'FAILED',
      Reason: `the bus cannot be renamed from ${BUS} to sharebus-renamed: none of the 3 subscriptions has its rule on sharebus-renamed (they are on ${BUS}, and so is the archive). Set busName back to ${BUS}; a bus name is fixed once deployed.`,
    });
    expect(afterRefusal).toEqual(before);
    expect(received).toHaveLength(1);
    expect(received[0]?.body).toMatchObject({ Status: 'SUCCESS' });
    expect(await targetOf('alpha')).toMatchObject({ Arn: NEW_DELIVER });
  });

  it('falls back to the default retry policy, and no queue, for the properties a stack leaves out', async () => {
    // Act: a stack without deliveryMaxRetries and deliveryMaxEventAge, and a Create, which names a physical id
    await invoke(
      handlers,
      'retarget',
      request('Create', { BusName: BUS, DeliverFunctionArn: NEW_DELIVER, TargetShape: '1' }),
    );
    // Assess
    expect(received[0]?.body).toMatchObject({
      Status: 'SUCCESS',
      PhysicalResourceId: 'SubscriptionTargets-subscription-targets',
      Data: { Updated: 2 },
    });
    expect(await targetOf('beta')).toEqual({
      ...oldTarget('beta'),
      Arn: NEW_DELIVER,
      RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 },
    });
  });

  it('does nothing on Delete but answer SUCCESS: the rules are the subscriptions’', async () => {
    // Prepare
    const before = await targetOf('alpha');
    // Act
    await invoke(handlers, 'retarget', request('Delete', { ...NEW_PROPERTIES, MaxRetries: '1' }));
    // Assess
    expect(received[0]?.body).toEqual({
      Status: 'SUCCESS',
      PhysicalResourceId: 'SubscriptionTargets-subscription-targets',
      StackId: 'arn:aws:cloudformation:us-east-1:111111111111:stack/Sharebus/1b2c',
      RequestId: 'request-Delete',
      LogicalResourceId: 'SubscriptionTargets',
    });
    expect(await targetOf('alpha')).toEqual(before);
  });

  it('tries the answer again when the response URL answers 5xx', async () => {
    // Prepare
    statuses = [503];
    // Act
    await invoke(handlers, 'retarget', request('Update', NEW_PROPERTIES));
    // Assess
    expect(received.map((r) => r.body.RequestId)).toEqual(['request-Update', 'request-Update']);
  });

  it('fails the invocation, answering nothing, for an event that is not CloudFormation’s', async () => {
    // Act
    const invoked = invoke(handlers, 'retarget', { RequestType: 'Update', ResourceProperties: {} });
    // Assess
    await expect(invoked).rejects.toThrow(/^not a CloudFormation custom resource request: .*ResponseURL/s);
    expect(received).toEqual([]);
  });

  it('leaves a rule whose target is gone without one: a deploy does not resume a half-deleted subscription', async () => {
    // Prepare: a deletion throttled at DeleteRule after RemoveTargets went through (architecture.md, "Subscriptions")
    await subscribed('delta');
    await harness.client.send(
      new RemoveTargetsCommand({ EventBusName: BUS, Rule: 'sharebus-sub-delta', Ids: ['deliver'] }),
    );
    // Act
    await invoke(handlers, 'retarget', request('Update', { ...NEW_PROPERTIES, MaxRetries: '5' }));
    // Assess
    expect(received[0]?.body).toMatchObject({ Status: 'SUCCESS', Data: { Missing: 2 } });
    expect(received[0]?.body.Reason).toContain('2 had no rule or target (left as they were): delta, gamma');
    expect(await targetOf('delta')).toBeUndefined();
  });

  it('answers FAILED, saying so, when the registry cannot be read', async () => {
    // Prepare: the last test of the file, it takes the table away
    await test.client.send(new DeleteTableCommand({ TableName: test.tableName }));
    // Act
    await invoke(handlers, 'retarget', request('Update', NEW_PROPERTIES));
    // Assess
    expect(received[0]?.body).toMatchObject({ Status: 'FAILED' });
    expect(received[0]?.body.Reason).toMatch(
      /^could not list the subscriptions: ResourceNotFoundException: /,
    );
  });
});
