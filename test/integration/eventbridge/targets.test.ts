import {
  ListRuleNamesByTargetCommand,
  ListTargetsByRuleCommand,
  type ListTargetsByRuleCommandOutput,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { caught, LAMBDA_ARN, queueArn, rawCall, useHarness } from './harness.js';

describe('embedded EventBridge: targets', () => {
  const harness = useHarness();

  beforeEach(async () => {
    await harness.client.send(new PutRuleCommand({ Name: 'r1', EventPattern: '{"source":["s"]}' }));
  });

  it('puts, lists and removes targets, echoing them as given', async () => {
    // Prepare
    const lambdaTarget = {
      Id: 'lambda',
      Arn: LAMBDA_ARN,
      RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 120 },
      DeadLetterConfig: { Arn: queueArn('dlq') },
    };
    const queueTarget = { Id: 'queue', Arn: queueArn('q'), InputPath: '$.detail' };
    // Act
    const put = await harness.client.send(
      new PutTargetsCommand({ Rule: 'r1', Targets: [lambdaTarget, queueTarget] }),
    );
    const listed = await harness.client.send(new ListTargetsByRuleCommand({ Rule: 'r1' }));
    const removed = await harness.client.send(new RemoveTargetsCommand({ Rule: 'r1', Ids: ['lambda'] }));
    const after = await harness.client.send(new ListTargetsByRuleCommand({ Rule: 'r1' }));
    // Assess
    expect(put).toMatchObject({ FailedEntryCount: 0, FailedEntries: [] });
    expect(listed.Targets).toEqual([lambdaTarget, queueTarget]);
    expect(removed).toMatchObject({ FailedEntryCount: 0, FailedEntries: [] });
    expect(after.Targets).toEqual([queueTarget]);
  });

  it("keeps a target as AWS's model reads it: unknown members and nulls are not kept", async () => {
    // Prepare
    const given = {
      Id: 'q',
      Arn: queueArn('q'),
      Input: null,
      Bogus: { deep: [1, 2] },
      RetryPolicy: { MaximumRetryAttempts: 2, Extra: 'x' },
      EcsParameters: { TaskDefinitionArn: 'arn:aws:ecs:us-east-1:111111111111:task-definition/t', Tags: [] },
    };
    // Act
    const put = await rawCall(
      harness.eventBridge.endpoint,
      'PutTargets',
      JSON.stringify({ Rule: 'r1', Targets: [given] }),
    );
    const listed = await rawCall(harness.eventBridge.endpoint, 'ListTargetsByRule', '{"Rule":"r1"}');
    // Assess
    expect(put).toEqual({ status: 200, json: { FailedEntryCount: 0, FailedEntries: [] } });
    expect(listed.json.Targets).toEqual([
      {
        Id: 'q',
        Arn: queueArn('q'),
        RetryPolicy: { MaximumRetryAttempts: 2 },
        EcsParameters: {
          TaskDefinitionArn: 'arn:aws:ecs:us-east-1:111111111111:task-definition/t',
          Tags: [],
        },
      },
    ]);
  });

  it('keeps a map key that is any text AWS allows, __proto__ included, and renders with it', async () => {
    // Prepare
    const transformer =
      '{"InputPathsMap":{"__proto__":"$.detail.a"},"InputTemplate":"{\\"v\\": <__proto__>}"}';
    // Act
    const put = await rawCall(
      harness.eventBridge.endpoint,
      'PutTargets',
      `{"Rule":"r1","Targets":[{"Id":"q","Arn":"${queueArn('q')}","InputTransformer":${transformer}}]}`,
    );
    const listed = await rawCall(harness.eventBridge.endpoint, 'ListTargetsByRule', '{"Rule":"r1"}');
    await harness.client.send(
      new PutEventsCommand({ Entries: [{ Source: 's', DetailType: 'd', Detail: '{"a":"hello"}' }] }),
    );
    await harness.eventBridge.idle();
    // Assess
    expect(put.json).toEqual({ FailedEntryCount: 0, FailedEntries: [] });
    expect(JSON.stringify(listed.json.Targets)).toContain('"InputPathsMap":{"__proto__":"$.detail.a"}');
    expect(harness.eventBridge.queues.peek(queueArn('q')).map((m) => m.body)).toEqual(['{"v":"hello"}']);
  });

  it.each([
    ['EcsParameters.Tags', { Tags: { team: 'a' } }, 'Expected a list for Tags.'],
    [
      'EcsParameters.EnableECSManagedTags',
      { EnableECSManagedTags: 'true' },
      'Expected a boolean for EnableECSManagedTags.',
    ],
    ['a Tags item', { Tags: [{ Key: 'k', Value: 1 }] }, 'Expected a string for Value.'],
    ['a null Tags item', { Tags: [null] }, 'Expected a list of objects for Tags.'],
    [
      'NetworkConfiguration.awsvpcConfiguration.Subnets',
      { NetworkConfiguration: { awsvpcConfiguration: { Subnets: [1] } } },
      'Expected a list of strings for Subnets.',
    ],
    [
      'a CapacityProviderStrategy weight',
      { CapacityProviderStrategy: [{ capacityProvider: 'spot', weight: 1.5 }] },
      'Expected an integer for weight.',
    ],
    [
      'a list for the NetworkConfiguration structure',
      { NetworkConfiguration: [] },
      'Expected an object for NetworkConfiguration.',
    ],
  ])(
    'refuses a target with a member of the wrong type (%s) as a SerializationException, keeping nothing',
    async (_, ecs, message) => {
      // Prepare
      const target = {
        Id: 'ecs',
        Arn: 'arn:aws:ecs:us-east-1:111111111111:cluster/c',
        RoleArn: 'arn:aws:iam::111111111111:role/r',
        EcsParameters: { TaskDefinitionArn: 'arn:aws:ecs:us-east-1:111111111111:task-definition/t', ...ecs },
      };
      // Act
      const put = await rawCall(
        harness.eventBridge.endpoint,
        'PutTargets',
        JSON.stringify({ Rule: 'r1', Targets: [{ Id: 'fn', Arn: LAMBDA_ARN }, target] }),
      );
      const listed = await harness.client.send(new ListTargetsByRuleCommand({ Rule: 'r1' }));
      // Assess
      expect(put).toEqual({ status: 400, json: { __type: 'SerializationException', message } });
      expect(listed.Targets).toEqual([]);
    },
  );

  it('refuses an InputPathsMap value that is not a string as a SerializationException, keeping nothing', async () => {
    // Prepare
    const transformer = { InputPathsMap: { a: '$.detail.a', n: 1 }, InputTemplate: '<a>' };
    // Act
    const put = await rawCall(
      harness.eventBridge.endpoint,
      'PutTargets',
      JSON.stringify({
        Rule: 'r1',
        Targets: [{ Id: 'q', Arn: queueArn('q'), InputTransformer: transformer }],
      }),
    );
    const listed = await harness.client.send(new ListTargetsByRuleCommand({ Rule: 'r1' }));
    // Assess
    expect(put).toEqual({
      status: 400,
      json: { __type: 'SerializationException', message: 'Expected a map of strings for InputPathsMap.' },
    });
    expect(listed.Targets).toEqual([]);
  });

  it('refuses a request nesting over 1,000 levels deep, and keeps serving the rule', async () => {
    // Prepare
    const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
    // Act
    const put = await rawCall(
      harness.eventBridge.endpoint,
      'PutTargets',
      `{"Rule":"r1","Targets":[{"Id":"fn","Arn":"${LAMBDA_ARN}","Bogus":${deep}}]}`,
    );
    const listed = await harness.client.send(new ListTargetsByRuleCommand({ Rule: 'r1' }));
    // Assess
    expect(put).toEqual({
      status: 400,
      json: { __type: 'SerializationException', message: 'Request body nests too deeply.' },
    });
    expect(listed.Targets).toEqual([]);
  });

  it('lists the rules that send to a target ARN', async () => {
    // Prepare
    await harness.client.send(new PutRuleCommand({ Name: 'r2', EventPattern: '{"source":["t"]}' }));
    await harness.client.send(
      new PutTargetsCommand({ Rule: 'r1', Targets: [{ Id: 'fn', Arn: LAMBDA_ARN }] }),
    );
    await harness.client.send(
      new PutTargetsCommand({ Rule: 'r2', Targets: [{ Id: 'q', Arn: queueArn('q') }] }),
    );
    // Act
    const names = await harness.client.send(new ListRuleNamesByTargetCommand({ TargetArn: LAMBDA_ARN }));
    // Assess
    expect(names.RuleNames).toEqual(['r1']);
  });

  it('pages the rules that send to a target ARN of 1,600 characters with tokens it takes back', async () => {
    // Prepare: the token used to hold the ARN itself, and past 2,048 characters could not be sent back.
    const arn = `arn:aws:execute-api:us-east-1:111111111111:api/stage/POST/${'p'.repeat(1_600 - 58)}`;
    await harness.client.send(new PutRuleCommand({ Name: 'r2', EventPattern: '{"source":["t"]}' }));
    for (const rule of ['r1', 'r2'])
      await harness.client.send(new PutTargetsCommand({ Rule: rule, Targets: [{ Id: 'api', Arn: arn }] }));
    // Act
    const first = await harness.client.send(new ListRuleNamesByTargetCommand({ TargetArn: arn, Limit: 1 }));
    const second = await harness.client.send(
      new ListRuleNamesByTargetCommand({ TargetArn: arn, Limit: 1, NextToken: first.NextToken }),
    );
    // Assess
    expect(arn).toHaveLength(1_600);
    expect(first.NextToken?.length).toBeLessThanOrEqual(2_048);
    expect([first.RuleNames, second.RuleNames, second.NextToken]).toEqual([['r1'], ['r2'], undefined]);
  });

  it('lists targets in pages', async () => {
    // Prepare
    const targets = [0, 1, 2, 3, 4].map((i) => ({ Id: `t${i}`, Arn: queueArn('q') }));
    await harness.client.send(new PutTargetsCommand({ Rule: 'r1', Targets: targets }));
    // Act
    const first = await harness.client.send(new ListTargetsByRuleCommand({ Rule: 'r1', Limit: 3 }));
    const second = await harness.client.send(
      new ListTargetsByRuleCommand({ Rule: 'r1', Limit: 3, NextToken: first.NextToken }),
    );
    // Assess
    expect(first.Targets?.map((t) => t.Id)).toEqual(['t0', 't1', 't2']);
    expect(second.Targets?.map((t) => t.Id)).toEqual(['t3', 't4']);
  });

  it('lists five targets two at a time, each once, in three pages, the last without a NextToken', async () => {
    // Prepare
    const ids = ['t5', 't1', 't4', 't2', 't3'];
    await harness.client.send(
      new PutTargetsCommand({ Rule: 'r1', Targets: ids.map((Id) => ({ Id, Arn: LAMBDA_ARN })) }),
    );
    const pages: string[][] = [];
    let NextToken: string | undefined;
    // Act: a token that gave a page already read again would page for ever; six pages are enough to show it.
    do {
      const listed: ListTargetsByRuleCommandOutput = await harness.client.send(
        new ListTargetsByRuleCommand({ Rule: 'r1', Limit: 2, NextToken }),
      );
      pages.push((listed.Targets ?? []).map((t) => t.Id ?? ''));
      NextToken = listed.NextToken;
    } while (NextToken && pages.length < 6);
    // Assess
    expect(pages).toEqual([['t5', 't1'], ['t4', 't2'], ['t3']]);
  });

  it('refuses a sixth target per rule with LimitExceededException', async () => {
    // Prepare
    const five = [0, 1, 2, 3, 4].map((i) => ({ Id: `t${i}`, Arn: queueArn('q') }));
    await harness.client.send(new PutTargetsCommand({ Rule: 'r1', Targets: five }));
    // Act
    const error = await caught(() =>
      harness.client.send(new PutTargetsCommand({ Rule: 'r1', Targets: [{ Id: 't5', Arn: queueArn('q') }] })),
    );
    // Assess
    expect(error.name).toBe('LimitExceededException');
    expect(error.message).toBe('The requested resource exceeds the maximum number allowed.');
    const listed = await harness.client.send(new ListTargetsByRuleCommand({ Rule: 'r1' }));
    expect(listed.Targets).toHaveLength(5);
  });

  it('takes up to 100 targets in one request, as the AWS model does, and still keeps 5 per rule', async () => {
    // Prepare
    const many = (n: number) => Array.from({ length: n }, (_, i) => ({ Id: `t${i}`, Arn: queueArn('q') }));
    // Act
    const eleven = await caught(() =>
      harness.client.send(new PutTargetsCommand({ Rule: 'r1', Targets: many(11) })),
    );
    const tooMany = await caught(() =>
      harness.client.send(new PutTargetsCommand({ Rule: 'r1', Targets: many(101) })),
    );
    // Assess
    expect(eleven.name).toBe('LimitExceededException');
    expect(tooMany.name).toBe('ValidationException');
    expect(tooMany.message).toMatch(
      /^1 validation error detected: Value '.*' at 'targets' failed to satisfy constraint: Member must have length less than or equal to 100$/,
    );
    const listed = await harness.client.send(new ListTargetsByRuleCommand({ Rule: 'r1' }));
    expect(listed.Targets).toEqual([]);
  });

  it('replaces a target with the same Id without counting it twice', async () => {
    // Prepare
    const five = [0, 1, 2, 3, 4].map((i) => ({ Id: `t${i}`, Arn: queueArn('q') }));
    await harness.client.send(new PutTargetsCommand({ Rule: 'r1', Targets: five }));
    // Act
    await harness.client.send(
      new PutTargetsCommand({ Rule: 'r1', Targets: [{ Id: 't4', Arn: LAMBDA_ARN }] }),
    );
    // Assess
    const listed = await harness.client.send(new ListTargetsByRuleCommand({ Rule: 'r1' }));
    expect(listed.Targets?.find((t) => t.Id === 't4')?.Arn).toBe(LAMBDA_ARN);
  });

  it('validates RetryPolicy ranges with AWS constraint messages', async () => {
    // Act
    const error = await caught(() =>
      harness.client.send(
        new PutTargetsCommand({
          Rule: 'r1',
          Targets: [
            { Id: 'ok', Arn: LAMBDA_ARN },
            {
              Id: 't',
              Arn: LAMBDA_ARN,
              RetryPolicy: { MaximumRetryAttempts: 186, MaximumEventAgeInSeconds: 59 },
            },
          ],
        }),
      ),
    );
    // Assess
    expect(error.name).toBe('ValidationException');
    expect(error.message).toBe(
      "2 validation errors detected: Value '186' at 'targets.2.member.retryPolicy.maximumRetryAttempts' " +
        'failed to satisfy constraint: Member must have value less than or equal to 185; ' +
        "Value '59' at 'targets.2.member.retryPolicy.maximumEventAgeInSeconds' failed to satisfy constraint: " +
        'Member must have value greater than or equal to 60',
    );
    const listed = await harness.client.send(new ListTargetsByRuleCommand({ Rule: 'r1' }));
    expect(listed.Targets).toEqual([]);
  });

  it('validates the target Id with the AWS constraint message', async () => {
    // Act
    const error = await caught(() =>
      harness.client.send(
        new PutTargetsCommand({ Rule: 'r1', Targets: [{ Id: '!@#$@!#$', Arn: LAMBDA_ARN }] }),
      ),
    );
    // Assess
    expect(error.message).toBe(
      "1 validation error detected: Value '!@#$@!#$' at 'targets.1.member.id' failed to satisfy constraint: " +
        'Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+',
    );
  });

  it('reports a malformed ARN or a non-SQS dead-letter queue per target in FailedEntries', async () => {
    // Act
    const put = await harness.client.send(
      new PutTargetsCommand({
        Rule: 'r1',
        Targets: [
          { Id: 'good', Arn: LAMBDA_ARN },
          { Id: 'bad-arn', Arn: 'not-an-arn' },
          { Id: 'bad-dlq', Arn: LAMBDA_ARN, DeadLetterConfig: { Arn: LAMBDA_ARN } },
        ],
      }),
    );
    // Assess
    expect(put.FailedEntryCount).toBe(2);
    expect(put.FailedEntries).toEqual([
      {
        TargetId: 'bad-arn',
        ErrorCode: 'ValidationException',
        ErrorMessage: 'Parameter not-an-arn is not valid. Reason: Provided Arn is not in correct format.',
      },
      {
        TargetId: 'bad-dlq',
        ErrorCode: 'ValidationException',
        ErrorMessage: expect.stringMatching(/DeadLetterConfig/),
      },
    ]);
    const listed = await harness.client.send(new ListTargetsByRuleCommand({ Rule: 'r1' }));
    expect(listed.Targets?.map((t) => t.Id)).toEqual(['good']);
  });

  it('refuses Input that is not JSON, an undefined placeholder, and the whole event outside a JSON object', async () => {
    // Act
    const input = await caught(() =>
      harness.client.send(
        new PutTargetsCommand({ Rule: 'r1', Targets: [{ Id: 't', Arn: LAMBDA_ARN, Input: 'nope' }] }),
      ),
    );
    const placeholder = await caught(() =>
      harness.client.send(
        new PutTargetsCommand({
          Rule: 'r1',
          Targets: [{ Id: 't', Arn: LAMBDA_ARN, InputTransformer: { InputTemplate: '{"a": <missing>}' } }],
        }),
      ),
    );
    const wholeEvent = await caught(() =>
      harness.client.send(
        new PutTargetsCommand({
          Rule: 'r1',
          Targets: [
            { Id: 't', Arn: LAMBDA_ARN, InputTransformer: { InputTemplate: '[<aws.events.event.json>]' } },
          ],
        }),
      ),
    );
    // Assess
    expect([input.name, input.message]).toEqual([
      'ValidationException',
      'JSON syntax error in input for target t: [Source: (String)"nope"; line: 1, column: 5]',
    ]);
    expect(placeholder.message).toBe('InputTemplate for target t contains invalid placeholder missing.');
    expect([wholeEvent.name, wholeEvent.message]).toEqual([
      'ValidationException',
      'InputTemplate for target t contains placeholder aws.events.event.json valid only for JSON template.',
    ]);
    const listed = await harness.client.send(new ListTargetsByRuleCommand({ Rule: 'r1' }));
    expect(listed.Targets).toEqual([]);
  });

  it('holds InputPathsMap keys and values to AWS model, naming every constraint of the key as AWS does', async () => {
    // Prepare
    const put = (InputPathsMap: Record<string, string>) =>
      caught(() =>
        harness.client.send(
          new PutTargetsCommand({
            Rule: 'r1',
            Targets: [
              { Id: 't', Arn: LAMBDA_ARN, InputTransformer: { InputPathsMap, InputTemplate: '"x"' } },
            ],
          }),
        ),
      );
    // Act: the first is the map a user recorded AWS refusing.
    const badKey = await put({ 'de onde?': '$.detail.sourceIPAddress', quem: '$.detail.user' });
    const longValue = await put({ v: `$.detail.${'x'.repeat(250)}` });
    const tooMany = await put(Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`k${i}`, '$.id'])));
    // Assess
    expect([badKey.name, badKey.message]).toEqual([
      'ValidationException',
      "1 validation error detected: Value '{de onde?=$.detail.sourceIPAddress, quem=$.detail.user}' at " +
        "'targets.1.member.inputTransformer.inputPathsMap' failed to satisfy constraint: Map keys must satisfy " +
        'constraint: [Member must have length less than or equal to 256, Member must have length greater than ' +
        'or equal to 1, Member must satisfy regular expression pattern: [A-Za-z0-9\\_\\-]+]',
    ]);
    expect(longValue.message).toMatch(
      /failed to satisfy constraint: Map value must satisfy constraint: \[Member must have length less than or equal to 256\]$/,
    );
    expect(tooMany.message).toMatch(
      /at 'targets\.1\.member\.inputTransformer\.inputPathsMap' failed to satisfy constraint: Member must have length less than or equal to 100$/,
    );
    const listed = await harness.client.send(new ListTargetsByRuleCommand({ Rule: 'r1' }));
    expect(listed.Targets).toEqual([]);
  });

  it('asks a FIFO queue target for its SqsParameters.MessageGroupId', async () => {
    // Prepare
    const fifo = queueArn('orders.fifo');
    // Act
    const without = await caught(() =>
      harness.client.send(new PutTargetsCommand({ Rule: 'r1', Targets: [{ Id: 'fifo', Arn: fifo }] })),
    );
    const afterRefusal = await harness.client.send(new ListTargetsByRuleCommand({ Rule: 'r1' }));
    const withGroup = await harness.client.send(
      new PutTargetsCommand({
        Rule: 'r1',
        Targets: [{ Id: 'fifo', Arn: fifo, SqsParameters: { MessageGroupId: 'orders' } }],
      }),
    );
    // Assess
    expect([without.name, without.message]).toEqual([
      'ValidationException',
      'Parameter(s) SqsParameters must be specified for target: fifo.',
    ]);
    expect(afterRefusal.Targets).toEqual([]);
    expect(withGroup.FailedEntryCount).toBe(0);
  });

  it('refuses a FIFO queue as a dead-letter queue, as a whole request, as AWS does', async () => {
    // Act
    const refused = await caught(() =>
      harness.client.send(
        new PutTargetsCommand({
          Rule: 'r1',
          Targets: [
            { Id: 'good', Arn: LAMBDA_ARN },
            { Id: 'fifo-dlq', Arn: LAMBDA_ARN, DeadLetterConfig: { Arn: queueArn('dlq.fifo') } },
          ],
        }),
      ),
    );
    const listed = await harness.client.send(new ListTargetsByRuleCommand({ Rule: 'r1' }));
    // Assess
    expect([refused.name, refused.message]).toEqual([
      'ValidationException',
      'SQS FIFO is not supported by Dead Letter Queues',
    ]);
    expect(listed.Targets).toEqual([]);
  });

  it('accepts a target type it cannot deliver to, and warns', async () => {
    // Act
    const put = await harness.client.send(
      new PutTargetsCommand({
        Rule: 'r1',
        Targets: [
          {
            Id: 'sfn',
            Arn: 'arn:aws:states:us-east-1:111111111111:stateMachine:flow',
            RoleArn: 'arn:aws:iam::111111111111:role/events-to-flow',
          },
        ],
      }),
    );
    // Assess
    expect(put.FailedEntryCount).toBe(0);
    expect(harness.warnings.join('\n')).toMatch(/cannot be delivered to locally/);
  });

  it('asks a RoleArn of targets that are not called through a resource policy, as AWS does', async () => {
    // Prepare
    await harness.client.send(new PutRuleCommand({ Name: 'r2', EventPattern: '{"source":["s"]}' }));
    const put = (Rule: string, Id: string, Arn: string, RoleArn?: string) =>
      harness.client.send(
        new PutTargetsCommand({ Rule, Targets: [{ Id, Arn, ...(RoleArn ? { RoleArn } : {}) }] }),
      );
    const role = 'arn:aws:iam::111111111111:role/events-invoke';
    const pipeline = 'arn:aws:codepipeline:us-east-1:111111111111:release';
    const otherAccountBus = 'arn:aws:events:us-east-1:222222222222:event-bus/default';
    // Act
    const withoutRole = await caught(() => put('r1', 'pipe', pipeline));
    const crossAccount = await caught(() => put('r1', 'bus', otherAccountBus));
    const roleless = await Promise.all([
      put('r1', 'queue', 'arn:aws:sqs:us-east-1:111111111111:q'),
      put('r1', 'topic', 'arn:aws:sns:us-east-1:111111111111:t'),
      put('r1', 'logs', 'arn:aws:logs:us-east-1:111111111111:log-group:/aws/events/x'),
      put('r1', 'api', 'arn:aws:execute-api:us-east-1:111111111111:abc123/prod/POST/orders'),
      put('r1', 'bus-here', 'arn:aws:events:us-east-1:111111111111:event-bus/default'),
    ]);
    const apiDestination = await caught(() =>
      put('r2', 'api', 'arn:aws:events:us-east-1:111111111111:api-destination/orders/0a1b'),
    );
    const snapshot = await caught(() =>
      put('r2', 'snap', 'arn:aws:events:us-east-1:111111111111:target/create-snapshot'),
    );
    const withRole = await put('r2', 'pipe', pipeline, role);
    const ec2Action = 'arn:aws:automation:us-east-1:111111111111:action/EC2StopInstance/StopInstance_1';
    const builtIn = await put('r2', 'ec2', ec2Action);
    // Review, 2026-12-05: a role on EC2's built-in action was taken and kept.
    const builtInWithRole = await caught(() => put('r2', 'ec2-role', ec2Action, role));
    // Assess
    expect([withoutRole.name, withoutRole.message]).toEqual([
      'ValidationException',
      `RoleArn is required for target ${pipeline}.`,
    ]);
    expect(crossAccount.message).toBe(`RoleArn is required for target ${otherAccountBus}.`);
    expect(apiDestination.message).toMatch(
      /^RoleArn is required for target arn:aws:events:.*:api-destination\//,
    );
    expect(snapshot.message).toMatch(
      /^RoleArn is required for target arn:aws:events:.*:target\/create-snapshot\.$/,
    );
    expect([builtInWithRole.name, builtInWithRole.message]).toEqual([
      'ValidationException',
      `RoleArn is not supported for target ${ec2Action}.`,
    ]);
    for (const answer of [...roleless, withRole, builtIn]) expect(answer.FailedEntryCount).toBe(0);
    const first = await harness.client.send(new ListTargetsByRuleCommand({ Rule: 'r1' }));
    const second = await harness.client.send(new ListTargetsByRuleCommand({ Rule: 'r2' }));
    expect(first.Targets?.map((t) => t.Id).sort()).toEqual(['api', 'bus-here', 'logs', 'queue', 'topic']);
    expect(second.Targets).toEqual([
      { Id: 'pipe', Arn: pipeline, RoleArn: role },
      { Id: 'ec2', Arn: ec2Action },
    ]);
  });

  it("keeps the role of another account's bus target put again without one, as the PutTargets reference says", async () => {
    // Prepare
    const role = 'arn:aws:iam::111111111111:role/forward';
    const central = 'arn:aws:events:us-east-1:222222222222:event-bus/central';
    const other = 'arn:aws:events:us-east-1:333333333333:event-bus/central';
    const put = (Id: string, Arn: string, RoleArn?: string) =>
      harness.client.send(
        new PutTargetsCommand({
          Rule: 'r1',
          Targets: [{ Id, Arn, ...(RoleArn ? { RoleArn } : {}), RetryPolicy: { MaximumRetryAttempts: 3 } }],
        }),
      );
    await put('bus', central, role);
    // Act
    const again = await put('bus', central);
    const otherArn = await caught(() => put('bus', other));
    // Assess
    expect(again.FailedEntryCount).toBe(0);
    expect(otherArn.message).toBe(`RoleArn is required for target ${other}.`);
    const listed = await harness.client.send(new ListTargetsByRuleCommand({ Rule: 'r1' }));
    expect(listed.Targets).toEqual([
      { Id: 'bus', Arn: central, RoleArn: role, RetryPolicy: { MaximumRetryAttempts: 3 } },
    ]);
  });

  it('lists every target to a loop that removes each page as it goes', async () => {
    // Prepare
    const ids = ['t5', 't1', 't4', 't2', 't3'];
    await harness.client.send(
      new PutTargetsCommand({ Rule: 'r1', Targets: ids.map((Id) => ({ Id, Arn: LAMBDA_ARN })) }),
    );
    const removed: string[] = [];
    let NextToken: string | undefined;
    // Act
    do {
      const listed: ListTargetsByRuleCommandOutput = await harness.client.send(
        new ListTargetsByRuleCommand({ Rule: 'r1', Limit: 2, NextToken }),
      );
      const pageIds = (listed.Targets ?? []).map((t) => t.Id ?? '');
      if (pageIds.length > 0)
        await harness.client.send(new RemoveTargetsCommand({ Rule: 'r1', Ids: pageIds }));
      removed.push(...pageIds);
      NextToken = listed.NextToken;
    } while (NextToken);
    // Assess
    expect(removed).toEqual(ids);
  });

  it('holds the Ids of RemoveTargets to the target Id pattern, and removes none of a bad list', async () => {
    // Prepare
    await harness.client.send(
      new PutTargetsCommand({ Rule: 'r1', Targets: [{ Id: 'keep', Arn: LAMBDA_ARN }] }),
    );
    // Act
    const error = await caught(() =>
      harness.client.send(new RemoveTargetsCommand({ Rule: 'r1', Ids: ['keep', 'a b'] })),
    );
    // Assess
    expect([error.name, error.message]).toEqual([
      'ValidationException',
      "1 validation error detected: Value '[keep, a b]' at 'ids' failed to satisfy constraint: " +
        'Member must satisfy constraint: [Member must have length less than or equal to 64, ' +
        'Member must have length greater than or equal to 1, ' +
        'Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+]',
    ]);
    const listed = await harness.client.send(new ListTargetsByRuleCommand({ Rule: 'r1' }));
    expect(listed.Targets?.map((t) => t.Id)).toEqual(['keep']);
  });

  it('reports removing an unknown target Id in FailedEntries', async () => {
    // Act
    const removed = await harness.client.send(new RemoveTargetsCommand({ Rule: 'r1', Ids: ['ghost'] }));
    // Assess
    expect(removed.FailedEntryCount).toBe(1);
    expect(removed.FailedEntries?.[0]).toMatchObject({
      TargetId: 'ghost',
      ErrorCode: 'ResourceNotFoundException',
    });
  });

  it('answers ResourceNotFoundException for targets of a missing rule', async () => {
    // Act
    const put = await caught(() =>
      harness.client.send(new PutTargetsCommand({ Rule: 'nope', Targets: [{ Id: 't', Arn: LAMBDA_ARN }] })),
    );
    const list = await caught(() => harness.client.send(new ListTargetsByRuleCommand({ Rule: 'nope' })));
    // Assess
    expect(put.name).toBe('ResourceNotFoundException');
    expect(put.message).toBe('Rule nope does not exist on EventBus default.');
    expect(list.name).toBe('ResourceNotFoundException');
  });
});
