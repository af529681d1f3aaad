import { connect } from 'node:net';
import {
  CreateArchiveCommand,
  CreateEventBusCommand,
  DeleteEventBusCommand,
  DescribeEventBusCommand,
  ListEventBusesCommand,
  ListRuleNamesByTargetCommand,
  ListRulesCommand,
  ListTargetsByRuleCommand,
  PutEventsCommand,
  PutPermissionCommand,
  PutRuleCommand,
  PutTargetsCommand,
  UpdateEventBusCommand,
} from '@aws-sdk/client-eventbridge';
import { MAX_REQUEST_BYTES } from '../../../local/eventbridge/server.js';
import { caught, sleep, useHarness, useSharedHarness } from './harness.js';

describe('embedded EventBridge: event buses', () => {
  const harness = useHarness();

  it('always has the default bus', async () => {
    // Act
    const bus = await harness.client.send(new DescribeEventBusCommand({}));
    // Assess
    expect(bus.Name).toBe('default');
    expect(bus.Arn).toBe('arn:aws:events:us-east-1:111111111111:event-bus/default');
    expect(bus.CreationTime).toBeInstanceOf(Date);
  });

  it('creates, describes, lists and deletes a custom bus', async () => {
    // Act
    const created = await harness.client.send(
      new CreateEventBusCommand({ Name: 'orders', Description: 'Orders' }),
    );
    const described = await harness.client.send(new DescribeEventBusCommand({ Name: created.EventBusArn }));
    const listed = await harness.client.send(new ListEventBusesCommand({}));
    await harness.client.send(new DeleteEventBusCommand({ Name: 'orders' }));
    const afterDelete = await harness.client.send(new ListEventBusesCommand({}));
    // Assess
    expect(created.EventBusArn).toBe('arn:aws:events:us-east-1:111111111111:event-bus/orders');
    expect(described).toMatchObject({ Name: 'orders', Arn: created.EventBusArn, Description: 'Orders' });
    expect(listed.EventBuses?.map((b) => b.Name)).toEqual(['default', 'orders']);
    expect(afterDelete.EventBuses?.map((b) => b.Name)).toEqual(['default']);
  });

  it("refuses a bus past AWS's quota of 100 with LimitExceededException, changing nothing, the default bus aside", async () => {
    // Prepare
    const create = (name: string) => harness.client.send(new CreateEventBusCommand({ Name: name }));
    for (let n = 0; n < 100; n++) await create(`bus-${n}`);
    // Act
    const refused = await caught(() => create('one-more'));
    const missing = await caught(() =>
      harness.client.send(new DescribeEventBusCommand({ Name: 'one-more' })),
    );
    await harness.client.send(new DeleteEventBusCommand({ Name: 'bus-0' }));
    const afterDelete = await create('one-more');
    // Assess
    expect(refused).toMatchObject({
      name: 'LimitExceededException',
      message: 'The requested resource exceeds the maximum number allowed.',
    });
    expect(missing.name).toBe('ResourceNotFoundException');
    expect(afterDelete.EventBusArn).toBe('arn:aws:events:us-east-1:111111111111:event-bus/one-more');
  });

  it('lists buses by name prefix and in pages', async () => {
    // Prepare
    for (const name of ['team-a', 'team-b', 'team-c', 'other']) {
      await harness.client.send(new CreateEventBusCommand({ Name: name }));
    }
    // Act
    const byPrefix = await harness.client.send(new ListEventBusesCommand({ NamePrefix: 'team-' }));
    const first = await harness.client.send(new ListEventBusesCommand({ NamePrefix: 'team-', Limit: 2 }));
    const second = await harness.client.send(
      new ListEventBusesCommand({ NamePrefix: 'team-', Limit: 2, NextToken: first.NextToken }),
    );
    // Assess
    expect(byPrefix.EventBuses?.map((b) => b.Name)).toEqual(['team-a', 'team-b', 'team-c']);
    expect(first.EventBuses?.map((b) => b.Name)).toEqual(['team-a', 'team-b']);
    expect(second.EventBuses?.map((b) => b.Name)).toEqual(['team-c']);
    expect(second.NextToken).toBeUndefined();
  });

  it('refuses a bus whose name is taken, as ResourceAlreadyExistsException, changing nothing', async () => {
    // Prepare: a bus with a description and a rule, which a refused second create must leave as they are
    await harness.client.send(new CreateEventBusCommand({ Name: 'orders', Description: 'Orders' }));
    await harness.client.send(
      new PutRuleCommand({ Name: 'kept', EventBusName: 'orders', EventPattern: '{"source":["s"]}' }),
    );
    const state = async () => {
      const { $metadata: _m, ...bus } = await harness.client.send(
        new DescribeEventBusCommand({ Name: 'orders' }),
      );
      const rules = await harness.client.send(new ListRulesCommand({ EventBusName: 'orders' }));
      return { bus, rules: rules.Rules?.map((r) => r.Name) };
    };
    const before = await state();
    // Act
    const error = await caught(() =>
      harness.client.send(new CreateEventBusCommand({ Name: 'orders', Description: 'Again' })),
    );
    const defaultError = await caught(() =>
      harness.client.send(new CreateEventBusCommand({ Name: 'default' })),
    );
    // Assess
    expect(error.name).toBe('ResourceAlreadyExistsException');
    expect(error.message).toBe('Event bus orders already exists.');
    expect(defaultError.name).toBe('ResourceAlreadyExistsException');
    expect(await state()).toEqual(before);
  });

  it('answers ResourceNotFoundException for a bus that does not exist', async () => {
    // Act
    const error = await caught(() => harness.client.send(new DescribeEventBusCommand({ Name: 'missing' })));
    // Assess
    expect(error.name).toBe('ResourceNotFoundException');
    expect(error.message).toBe('Event bus missing does not exist.');
    expect(error.$metadata?.httpStatusCode).toBe(400);
  });

  it('refuses to delete the default bus and accepts deleting a missing one, as AWS does', async () => {
    // Act
    const error = await caught(() => harness.client.send(new DeleteEventBusCommand({ Name: 'default' })));
    const missing = await harness.client.send(new DeleteEventBusCommand({ Name: 'never-created' }));
    // Assess
    expect(error.name).toBe('ValidationException');
    expect(error.message).toBe('Cannot delete event bus default.');
    expect(missing.$metadata.httpStatusCode).toBe(200);
    const buses = await harness.client.send(new ListEventBusesCommand({}));
    expect(buses.EventBuses?.map((b) => b.Name)).toEqual(['default']);
  });

  it('validates the bus name with AWS constraint messages', async () => {
    // Act
    const error = await caught(() => harness.client.send(new CreateEventBusCommand({ Name: 'bad name!' })));
    // Assess
    expect(error.name).toBe('ValidationException');
    expect(error.message).toBe(
      "1 validation error detected: Value 'bad name!' at 'name' failed to satisfy constraint: " +
        'Member must satisfy regular expression pattern: [/\\.\\-_A-Za-z0-9]+',
    );
    const buses = await harness.client.send(new ListEventBusesCommand({}));
    expect(buses.EventBuses).toHaveLength(1);
  });

  it("refuses a bus name starting with 'aws.', even one shaped like a partner bus", async () => {
    // Act
    const errors = await Promise.all(
      ['aws.orders', 'aws.partner/acme.com/orders'].map((Name) =>
        caught(() => harness.client.send(new CreateEventBusCommand({ Name }))),
      ),
    );
    // Assess
    for (const error of errors) {
      expect([error.name, error.message]).toEqual([
        'ValidationException',
        "EventBus name starting with 'aws.' is not valid.",
      ]);
    }
    const buses = await harness.client.send(new ListEventBusesCommand({}));
    expect(buses.EventBuses?.map((b) => b.Name)).toEqual(['default']);
  });

  it("refuses a custom bus name with a '/', which the name pattern lets through for partner buses", async () => {
    // Act
    const error = await caught(() => harness.client.send(new CreateEventBusCommand({ Name: 'orders/eu' })));
    // Assess
    expect([error.name, error.message]).toEqual([
      'ValidationException',
      "Event bus name orders/eu must not contain '/'.",
    ]);
    const buses = await harness.client.send(new ListEventBusesCommand({}));
    expect(buses.EventBuses?.map((b) => b.Name)).toEqual(['default']);
  });

  it('keeps the KMS key, dead-letter and log settings a bus is created with, and shows them as AWS does', async () => {
    // Prepare
    const settings = {
      Description: 'Orders',
      KmsKeyIdentifier: 'alias/orders',
      DeadLetterConfig: { Arn: 'arn:aws:sqs:us-east-1:111111111111:orders-bus-dlq' },
      LogConfig: { IncludeDetail: 'FULL' as const, Level: 'INFO' as const },
    };
    // Act
    const created = await harness.client.send(new CreateEventBusCommand({ Name: 'orders', ...settings }));
    const described = await harness.client.send(new DescribeEventBusCommand({ Name: 'orders' }));
    const listed = await harness.client.send(new ListEventBusesCommand({ NamePrefix: 'orders' }));
    const badLevel = await caught(() =>
      harness.client.send(
        new CreateEventBusCommand({
          Name: 'noisy',
          LogConfig: { Level: 'LOUD' as 'INFO' },
          KmsKeyIdentifier: 'k!',
        }),
      ),
    );
    // Assess
    expect(created).toMatchObject({
      EventBusArn: 'arn:aws:events:us-east-1:111111111111:event-bus/orders',
      ...settings,
    });
    expect(described).toMatchObject({ Name: 'orders', ...settings });
    // ListEventBuses' EventBus shape has the description only.
    expect(listed.EventBuses?.[0]).toEqual({
      Name: 'orders',
      Arn: created.EventBusArn,
      Description: 'Orders',
      CreationTime: expect.any(Date),
      LastModifiedTime: expect.any(Date),
    });
    expect([badLevel.name, badLevel.message]).toEqual([
      'ValidationException',
      "2 validation errors detected: Value 'k!' at 'kmsKeyIdentifier' failed to satisfy constraint: " +
        'Member must satisfy regular expression pattern: ^[a-zA-Z0-9_\\-/:]*$; ' +
        "Value 'LOUD' at 'logConfig.level' failed to satisfy constraint: " +
        'Member must satisfy enum value set: [OFF, ERROR, INFO, TRACE]',
    ]);
    const buses = await harness.client.send(new ListEventBusesCommand({}));
    expect(buses.EventBuses?.map((b) => b.Name)).toEqual(['default', 'orders']);
  });

  it('updates a bus: the settings given replace its own, a description left out stays, and LastModifiedTime moves', async () => {
    // Prepare
    await harness.client.send(
      new CreateEventBusCommand({
        Name: 'orders',
        Description: 'old',
        KmsKeyIdentifier: 'alias/orders',
        DeadLetterConfig: { Arn: 'arn:aws:sqs:us-east-1:111111111111:bus-dlq' },
      }),
    );
    const created = await harness.client.send(new DescribeEventBusCommand({ Name: 'orders' }));
    await new Promise((resolve) => setTimeout(resolve, 5));
    // Act
    const { $metadata: _m, ...answer } = await harness.client.send(
      new UpdateEventBusCommand({ Name: 'orders', Description: 'new', LogConfig: { Level: 'INFO' } }),
    );
    const updated = await harness.client.send(new DescribeEventBusCommand({ Name: 'orders' }));
    const kept = await harness.client.send(
      new UpdateEventBusCommand({ Name: 'orders', LogConfig: { Level: 'ERROR' } }),
    );
    // Assess: the key and dead-letter config left out are gone (AWS's own key, no DLQ); the description stays.
    expect(answer).toEqual({
      Arn: 'arn:aws:events:us-east-1:111111111111:event-bus/orders',
      Name: 'orders',
      Description: 'new',
      LogConfig: { Level: 'INFO' },
    });
    expect(updated).toMatchObject(answer);
    expect(updated.KmsKeyIdentifier).toBeUndefined();
    expect(updated.DeadLetterConfig).toBeUndefined();
    expect(kept).toMatchObject({ Description: 'new', LogConfig: { Level: 'ERROR' } });
    expect(updated.CreationTime).toEqual(created.CreationTime);
    expect(updated.LastModifiedTime?.getTime()).toBeGreaterThan(
      created.LastModifiedTime?.getTime() ?? Infinity,
    );
  });

  it("clears a description with an empty one, and goes back to AWS's key with an empty KmsKeyIdentifier", async () => {
    // Prepare
    await harness.client.send(
      new CreateEventBusCommand({ Name: 'orders', Description: 'old', KmsKeyIdentifier: 'alias/orders' }),
    );
    // Act
    await harness.client.send(
      new UpdateEventBusCommand({ Name: 'orders', Description: '', KmsKeyIdentifier: '' }),
    );
    const {
      $metadata: _m,
      CreationTime: _c,
      LastModifiedTime: _l,
      ...described
    } = await harness.client.send(new DescribeEventBusCommand({ Name: 'orders' }));
    // Assess
    expect(described).toEqual({
      Name: 'orders',
      Arn: 'arn:aws:events:us-east-1:111111111111:event-bus/orders',
      Description: '',
    });
  });

  it('updates the default bus when no name is given', async () => {
    // Act
    await harness.client.send(new UpdateEventBusCommand({ Description: 'everything AWS sends' }));
    const described = await harness.client.send(new DescribeEventBusCommand({}));
    // Assess
    expect(described).toMatchObject({ Name: 'default', Description: 'everything AWS sends' });
  });

  it('refuses to update a bus that is not there, or with a setting AWS does not take, changing nothing', async () => {
    // Prepare
    await harness.client.send(new CreateEventBusCommand({ Name: 'orders', Description: 'kept' }));
    const { $metadata: _m, ...before } = await harness.client.send(
      new DescribeEventBusCommand({ Name: 'orders' }),
    );
    // Act
    const missing = await caught(() =>
      harness.client.send(new UpdateEventBusCommand({ Name: 'nowhere', Description: 'x' })),
    );
    const invalid = await caught(() =>
      harness.client.send(
        new UpdateEventBusCommand({
          Name: 'orders',
          Description: 'not this',
          LogConfig: { Level: 'LOUD' as never },
        }),
      ),
    );
    // Assess
    expect([missing.name, missing.message]).toEqual([
      'ResourceNotFoundException',
      'Event bus nowhere does not exist.',
    ]);
    expect(invalid.name).toBe('ValidationException');
    expect(invalid.message).toContain("Value 'LOUD' at 'logConfig.level' failed to satisfy constraint");
    const { $metadata: _n, ...after } = await harness.client.send(
      new DescribeEventBusCommand({ Name: 'orders' }),
    );
    expect(after).toEqual(before);
  });

  it('holds DeleteEventBus and the ListEventBuses prefix to the bus name pattern', async () => {
    // Prepare
    await harness.client.send(new CreateEventBusCommand({ Name: 'orders' }));
    // Act
    const byArn = await caught(() =>
      harness.client.send(
        new DeleteEventBusCommand({ Name: 'arn:aws:events:us-east-1:111111111111:event-bus/orders' }),
      ),
    );
    const badPrefix = await caught(() =>
      harness.client.send(new ListEventBusesCommand({ NamePrefix: 'a b' })),
    );
    // Assess
    expect(byArn.message).toBe(
      "1 validation error detected: Value 'arn:aws:events:us-east-1:111111111111:event-bus/orders' at 'name' " +
        'failed to satisfy constraint: Member must satisfy regular expression pattern: [/\\.\\-_A-Za-z0-9]+',
    );
    expect(badPrefix.message).toBe(
      "1 validation error detected: Value 'a b' at 'namePrefix' failed to satisfy constraint: " +
        'Member must satisfy regular expression pattern: [/\\.\\-_A-Za-z0-9]+',
    );
    const buses = await harness.client.send(new ListEventBusesCommand({}));
    expect(buses.EventBuses?.map((b) => b.Name)).toEqual(['default', 'orders']);
  });
});

describe('embedded EventBridge: in a China region', () => {
  const harness = useHarness({ region: 'cn-north-1' });

  it("names its resources in the aws-cn partition and takes those ARNs as AWS's own", async () => {
    // Prepare
    const created = await harness.client.send(new CreateEventBusCommand({ Name: 'orders' }));
    const busArn = 'arn:aws-cn:events:cn-north-1:111111111111:event-bus/orders';
    const rule = await harness.client.send(
      new PutRuleCommand({ Name: 'all', EventBusName: busArn, EventPattern: '{"source":["x"]}' }),
    );
    await harness.client.send(
      new PutTargetsCommand({
        Rule: 'all',
        EventBusName: busArn,
        Targets: [{ Id: 'q', Arn: 'arn:aws-cn:sqs:cn-north-1:111111111111:orders' }],
      }),
    );
    // Act
    const described = await harness.client.send(new DescribeEventBusCommand({ Name: busArn }));
    await harness.client.send(
      new PutEventsCommand({
        Entries: [{ EventBusName: busArn, Source: 'x', DetailType: 'd', Detail: '{}' }],
      }),
    );
    await harness.eventBridge.idle();
    const archive = await harness.client.send(
      new CreateArchiveCommand({ ArchiveName: 'kept', EventSourceArn: busArn }),
    );
    await harness.client.send(
      new PutPermissionCommand({
        EventBusName: 'orders',
        Action: 'events:PutEvents',
        Principal: '222222222222',
        StatementId: 'tax',
      }),
    );
    const policy = JSON.parse(
      (await harness.client.send(new DescribeEventBusCommand({ Name: 'orders' }))).Policy ?? '{}',
    );
    // Assess
    expect(created.EventBusArn).toBe(busArn);
    expect(archive.ArchiveArn).toBe('arn:aws-cn:events:cn-north-1:111111111111:archive/kept');
    expect(policy.Statement[0].Principal).toEqual({ AWS: 'arn:aws-cn:iam::222222222222:root' });
    expect(rule.RuleArn).toBe('arn:aws-cn:events:cn-north-1:111111111111:rule/orders/all');
    expect(described.Arn).toBe(busArn);
    expect(harness.eventBridge.queues.receive('arn:aws-cn:sqs:cn-north-1:111111111111:orders')).toHaveLength(
      1,
    );
  });

  it("shows an archive's managed target in the aws-cn partition, and finds its rule by that ARN", async () => {
    // Prepare
    await harness.client.send(new CreateEventBusCommand({ Name: 'orders' }));
    await harness.client.send(
      new CreateArchiveCommand({
        ArchiveName: 'kept',
        EventSourceArn: 'arn:aws-cn:events:cn-north-1:111111111111:event-bus/orders',
      }),
    );
    const targetArn = 'arn:aws-cn:events:cn-north-1:::';
    // Act
    const targets = await harness.client.send(
      new ListTargetsByRuleCommand({ Rule: 'Events-Archive-kept', EventBusName: 'orders' }),
    );
    const named = await harness.client.send(
      new ListRuleNamesByTargetCommand({ TargetArn: targetArn, EventBusName: 'orders' }),
    );
    // Assess
    expect(targets.Targets?.map((t) => t.Arn)).toEqual([targetArn]);
    expect(named.RuleNames).toEqual(['Events-Archive-kept']);
  });
});

describe('embedded EventBridge: in an AWS GovCloud (US) region', () => {
  const harness = useHarness({ region: 'us-gov-west-1' });

  it('names its resources in the aws-us-gov partition', async () => {
    // Act
    const created = await harness.client.send(new CreateEventBusCommand({ Name: 'orders' }));
    const rule = await harness.client.send(
      new PutRuleCommand({ Name: 'all', EventBusName: 'orders', EventPattern: '{"source":["x"]}' }),
    );
    const archive = await harness.client.send(
      new CreateArchiveCommand({ ArchiveName: 'kept', EventSourceArn: created.EventBusArn }),
    );
    // Assess
    expect(created.EventBusArn).toBe('arn:aws-us-gov:events:us-gov-west-1:111111111111:event-bus/orders');
    expect(rule.RuleArn).toBe('arn:aws-us-gov:events:us-gov-west-1:111111111111:rule/orders/all');
    expect(archive.ArchiveArn).toBe('arn:aws-us-gov:events:us-gov-west-1:111111111111:archive/kept');
  });
});

describe('embedded EventBridge: protocol', () => {
  const harness = useSharedHarness();

  it('answers errors as awsJson1.1 bodies with __type and message', async () => {
    // Act
    const res = await fetch(harness.eventBridge.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSEvents.DescribeRule' },
      body: JSON.stringify({ Name: 'nope' }),
    });
    // Assess
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/x-amz-json-1.1');
    expect(res.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(await res.json()).toEqual({
      __type: 'ResourceNotFoundException',
      message: 'Rule nope does not exist on EventBus default.',
    });
  });

  it.each(['CreateEndpoint', 'constructor', 'toString', 'hasOwnProperty', '__proto__'])(
    'answers UnknownOperationException for an operation it does not implement: %s',
    async (operation) => {
      // Act
      const res = await fetch(harness.eventBridge.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSEvents.${operation}` },
        body: '{"a":1}',
      });
      // Assess
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({
        __type: 'UnknownOperationException',
        message: `Operation ${operation} is not supported by the embedded EventBridge.`,
      });
    },
  );

  it("answers a bare HTTP 413 to a body over 32 MB, as AWS's front end does, and keeps serving", async () => {
    // Act
    const res = await fetch(harness.eventBridge.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSEvents.ListRules' },
      body: `{"NamePrefix":"${'x'.repeat(MAX_REQUEST_BYTES)}"}`,
    });
    const body = await res.text();
    const after = await harness.client.send(new ListEventBusesCommand({}));
    // Assess
    expect([res.status, body]).toEqual([413, '']);
    expect(after.EventBuses?.map((b) => b.Name)).toEqual(['default']);
  });

  it('logs no internal error for a client that goes away in the middle of its request, and keeps serving', async () => {
    // Prepare
    const { port } = harness.eventBridge;
    const socket = connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    // Act: a body promised at 100 bytes, 10 sent, then the connection is gone (an SDK timeout, a killed process).
    socket.write(
      'POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-amz-json-1.1\r\n' +
        'X-Amz-Target: AWSEvents.ListRules\r\nContent-Length: 100\r\n\r\n{"Limit":1',
    );
    await sleep(50);
    socket.destroy();
    await sleep(50);
    const after = await harness.client.send(new ListEventBusesCommand({}));
    // Assess
    expect(harness.errors.filter((e) => e.includes('internal error'))).toEqual([]);
    expect(after.EventBuses?.map((b) => b.Name)).toEqual(['default']);
  });

  it.each([
    ['no X-Amz-Target', {}],
    ["another service's X-Amz-Target", { 'x-amz-target': 'Kinesis_20131202.ListRules' }],
  ])('answers UnknownOperationException to a request with %s, and runs nothing', async (_, target) => {
    // Act: the operation named after another service's prefix is one EventBridge has.
    const res = await fetch(harness.eventBridge.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', ...target },
      body: '{}',
    });
    // Assess
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      __type: 'UnknownOperationException',
      message: 'Missing or unknown X-Amz-Target header.',
    });
  });

  it('answers UnknownOperationException to an operation sent with GET, and does not run it', async () => {
    // Act: awsJson1.1 operations are POSTed to /; what AWS's front end answers a GET is not recorded.
    const res = await fetch(harness.eventBridge.endpoint, {
      method: 'GET',
      headers: { 'x-amz-target': 'AWSEvents.ListEventBuses' },
    });
    // Assess
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      __type: 'UnknownOperationException',
      message: 'EventBridge operations are POSTed to /.',
    });
  });

  it('takes the largest request AWS does, five Redshift targets of forty 100,000-character statements (20 MB)', async () => {
    // Prepare: the most AWS's model lets one request carry, which the body limit (MAX_REQUEST_BYTES) must pass.
    await harness.client.send(new PutRuleCommand({ Name: 'warehouse', EventPattern: '{"source":["x"]}' }));
    const targets = Array.from({ length: 5 }, (_, i) => ({
      Id: `load-${i}`,
      Arn: 'arn:aws:redshift:us-east-1:111111111111:cluster:warehouse',
      RoleArn: 'arn:aws:iam::111111111111:role/load',
      RedshiftDataParameters: {
        Database: 'orders',
        Sqls: Array.from({ length: 40 }, () => 'x'.repeat(100_000)),
      },
    }));
    // Act
    const put = await harness.client.send(new PutTargetsCommand({ Rule: 'warehouse', Targets: targets }));
    const listed = await harness.client.send(new ListTargetsByRuleCommand({ Rule: 'warehouse' }));
    // Assess
    expect(JSON.stringify({ Rule: 'warehouse', Targets: targets }).length).toBeGreaterThan(20_000_000);
    expect(put.FailedEntryCount).toBe(0);
    expect(listed.Targets?.map((t) => t.RedshiftDataParameters?.Sqls?.length)).toEqual([40, 40, 40, 40, 40]);
  });

  it('answers SerializationException for a body that is not JSON', async () => {
    // Act
    const res = await fetch(harness.eventBridge.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSEvents.ListRules' },
      body: '{not json',
    });
    // Assess
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ __type: 'SerializationException' });
  });
});
