import {
  CreateEventBusCommand,
  DisableRuleCommand,
  PutEventsCommand,
  type PutEventsRequestEntry,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { costlyCondition, costlyDetail, slowCondition, slowDetail } from '../../costly-arrays.js';
import { caught, LAMBDA_ARN, putQueueRule, queueArn, startHarness, useHarness } from './harness.js';

const entry = (detail: unknown = { orderId: 1 }): PutEventsRequestEntry => ({
  Source: 'sharebus.orders',
  DetailType: 'OrderPlaced',
  Detail: JSON.stringify(detail),
});

describe('embedded EventBridge: PutEvents', () => {
  const harness = useHarness();

  beforeEach(async () => {
    await harness.client.send(
      new PutRuleCommand({ Name: 'orders', EventPattern: JSON.stringify({ source: ['sharebus.orders'] }) }),
    );
    await harness.client.send(
      new PutTargetsCommand({ Rule: 'orders', Targets: [{ Id: 'fn', Arn: LAMBDA_ARN }] }),
    );
  });

  it('delivers the EventBridge event to the Lambda target of a matching rule, in process', async () => {
    // Act
    const put = await harness.client.send(
      new PutEventsCommand({
        Entries: [
          {
            ...entry({ orderId: 7 }),
            Resources: ['arn:aws:s3:::bucket'],
            Time: new Date('2024-01-01T00:00:00.250Z'),
          },
        ],
      }),
    );
    await harness.eventBridge.idle();
    // Assess
    expect(put.FailedEntryCount).toBe(0);
    expect(harness.invocations).toHaveLength(1);
    expect(harness.invocations[0]?.functionArn).toBe(LAMBDA_ARN);
    expect(JSON.parse(harness.invocations[0]?.payload ?? '')).toEqual({
      version: '0',
      id: put.Entries?.[0]?.EventId,
      'detail-type': 'OrderPlaced',
      source: 'sharebus.orders',
      account: '111111111111',
      time: '2024-01-01T00:00:00Z',
      region: 'us-east-1',
      resources: ['arn:aws:s3:::bucket'],
      detail: { orderId: 7 },
    });
  });

  it('stamps events without Time with the current time, without milliseconds', async () => {
    // Act
    await harness.client.send(new PutEventsCommand({ Entries: [entry()] }));
    await harness.eventBridge.idle();
    // Assess
    const event = JSON.parse(harness.invocations[0]?.payload ?? '{}') as { time: string };
    expect(event.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(Math.abs(Date.parse(event.time) - Date.now())).toBeLessThan(5_000);
  });

  it('answers before delivering, as AWS does', async () => {
    // Prepare
    let release: () => void = () => {};
    harness.lambda = () => new Promise((resolve) => (release = resolve));
    // Act
    const put = await harness.client.send(new PutEventsCommand({ Entries: [entry()] }));
    // Assess
    expect(put.FailedEntryCount).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(harness.eventBridge.deadLetters.list()).toEqual([]);
    release();
    await harness.eventBridge.idle();
    expect(harness.invocations).toHaveLength(1);
  });

  it('delivers only to enabled rules whose pattern matches, on the bus the entry names', async () => {
    // Prepare
    await harness.client.send(new CreateEventBusCommand({ Name: 'custom' }));
    await harness.client.send(
      new PutRuleCommand({
        Name: 'custom-rule',
        EventBusName: 'custom',
        EventPattern: '{"source":["sharebus.orders"]}',
      }),
    );
    await harness.client.send(
      new PutTargetsCommand({
        Rule: 'custom-rule',
        EventBusName: 'custom',
        Targets: [{ Id: 'q', Arn: queueArn('custom') }],
      }),
    );
    await harness.client.send(
      new PutRuleCommand({ Name: 'off', EventPattern: '{"source":["sharebus.orders"]}' }),
    );
    await harness.client.send(
      new PutTargetsCommand({ Rule: 'off', Targets: [{ Id: 'q', Arn: queueArn('off') }] }),
    );
    await harness.client.send(new DisableRuleCommand({ Name: 'off' }));
    // Act
    await harness.client.send(
      new PutEventsCommand({
        Entries: [
          { ...entry(), EventBusName: 'custom' },
          { ...entry(), Source: 'someone.else' },
        ],
      }),
    );
    await harness.eventBridge.idle();
    // Assess
    expect(harness.invocations).toHaveLength(0);
    expect(harness.eventBridge.queues.receive(queueArn('custom'))).toHaveLength(1);
    expect(harness.eventBridge.queues.receive(queueArn('off'))).toHaveLength(0);
  });

  it('passes Input as the Lambda payload when the target sets it', async () => {
    // Prepare
    await harness.client.send(
      new PutTargetsCommand({
        Rule: 'orders',
        Targets: [{ Id: 'fn', Arn: LAMBDA_ARN, Input: '{"fixed":true}' }],
      }),
    );
    // Act
    await harness.client.send(new PutEventsCommand({ Entries: [entry()] }));
    await harness.eventBridge.idle();
    // Assess
    expect(harness.invocations.map((i) => i.payload)).toEqual(['{"fixed":true}']);
  });

  it('reports each bad entry in Entries with AWS codes and delivers the good ones', async () => {
    // Act
    const put = await harness.client.send(
      new PutEventsCommand({
        Entries: [
          { DetailType: 'x', Detail: '{}' },
          { Source: 's', Detail: '{}' },
          { Source: 's', DetailType: 'x' },
          { Source: 's', DetailType: 'x', Detail: '"a string"' },
          { Source: 's', DetailType: 'x', Detail: '[1]' },
          { Source: 's', DetailType: 'x', Detail: '{oops' },
          { Source: 'aws.s3', DetailType: 'x', Detail: '{}' },
          entry(),
        ],
      }),
    );
    await harness.eventBridge.idle();
    // Assess
    expect(put.FailedEntryCount).toBe(7);
    expect(put.Entries).toEqual([
      {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: 'Parameter Source is not valid. Reason: Source is a required argument.',
      },
      {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: 'Parameter DetailType is not valid. Reason: DetailType is a required argument.',
      },
      {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: 'Parameter Detail is not valid. Reason: Detail is a required argument.',
      },
      { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' },
      { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' },
      { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' },
      { ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'Not authorized for the source.' },
      { EventId: expect.stringMatching(/^[0-9a-f-]{36}$/) },
    ]);
    expect(harness.invocations).toHaveLength(1);
  });

  it('fails an entry whose DetailType is over 128 characters, and delivers the others', async () => {
    // Act
    const put = await harness.client.send(
      new PutEventsCommand({
        Entries: [
          { ...entry(), DetailType: 'x'.repeat(129) },
          { ...entry(), DetailType: 'x'.repeat(128) },
        ],
      }),
    );
    await harness.eventBridge.idle();
    // Assess
    expect(put.FailedEntryCount).toBe(1);
    expect(put.Entries?.[0]).toEqual({
      ErrorCode: 'InvalidArgument',
      ErrorMessage: 'Parameter DetailType is not valid. Reason: DetailType is longer than 128 characters.',
    });
    expect(put.Entries?.[1]?.EventId).toEqual(expect.any(String));
    expect(
      harness.invocations.map((i) => (JSON.parse(i.payload) as { 'detail-type': string })['detail-type']),
    ).toEqual(['x'.repeat(128)]);
  });

  it('fails as MalformedDetail an entry whose Detail nests over 1,000 levels, and delivers the others once', async () => {
    // Prepare: a rule whose pattern makes the matcher walk the whole nested value (exists on an object, which
    // matches nothing), and a second target of the orders rule whose input transformer renders it.
    const nested = (levels: number): object => (levels === 1 ? { end: true } : { a: nested(levels - 1) });
    await harness.client.send(
      new PutRuleCommand({ Name: 'deep', EventPattern: '{"detail":{"a":[{"exists":true}]}}' }),
    );
    await harness.client.send(
      new PutTargetsCommand({ Rule: 'deep', Targets: [{ Id: 'fn', Arn: LAMBDA_ARN }] }),
    );
    await harness.client.send(
      new PutTargetsCommand({
        Rule: 'orders',
        Targets: [
          {
            Id: 'shaped',
            Arn: LAMBDA_ARN,
            InputTransformer: { InputPathsMap: { d: '$.detail' }, InputTemplate: '{"d": <d>}' },
          },
        ],
      }),
    );
    // Act
    const put = await harness.client.send(
      new PutEventsCommand({ Entries: [entry({ orderId: 1 }), entry(nested(1_001)), entry(nested(1_000))] }),
    );
    await harness.eventBridge.idle();
    // Assess
    expect(put.FailedEntryCount).toBe(1);
    expect(put.Entries?.[1]).toEqual({ ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' });
    const payloads = harness.invocations.map((i) => JSON.parse(i.payload) as Record<string, unknown>);
    expect(payloads.map((p) => p.detail ?? p.d)).toEqual([
      { orderId: 1 },
      { orderId: 1 },
      nested(1_000),
      nested(1_000),
    ]);
  });

  it('renders integers past 2^53 exactly through InputPath and InputTransformer, and minifies JSON templates', async () => {
    // Prepare: one target per rendering, told apart by function name.
    const detail =
      '{"id": 1234567890123456789, "n": -98765432109876543210, "s": "1234567890123456789", "small": 12}';
    await harness.client.send(
      new PutRuleCommand({ Name: 'exact', EventPattern: '{"source":["sharebus.ids"]}' }),
    );
    const paths = { InputPathsMap: { id: '$.detail.id', n: '$.detail.n' } };
    await harness.client.send(
      new PutTargetsCommand({
        Rule: 'exact',
        Targets: [
          { Id: 'path', Arn: `${LAMBDA_ARN}-path`, InputPath: '$.detail' },
          {
            Id: 'json',
            Arn: `${LAMBDA_ARN}-json`,
            InputTransformer: {
              ...paths,
              InputTemplate: '{\n  "id": <id>,\n  "text": "id <id>",\n  "all": [<n>, 1.50]\n}',
            },
          },
          {
            Id: 'text',
            Arn: `${LAMBDA_ARN}-text`,
            InputTransformer: { ...paths, InputTemplate: '"id <id> n <n>"' },
          },
          // Quoted whole, the number stays a string, as a small one does; the template's quotes are its own.
          {
            Id: 'quoted',
            Arn: `${LAMBDA_ARN}-quoted`,
            InputTransformer: {
              InputPathsMap: { ...paths.InputPathsMap, small: '$.detail.small' },
              InputTemplate: '{"id": "<id>", "small": "<small>", "q": "\\"<id>"}',
            },
          },
          {
            Id: 'whole',
            Arn: `${LAMBDA_ARN}-whole`,
            InputTransformer: { ...paths, InputTemplate: '"<id>"' },
          },
        ],
      }),
    );
    // Act
    await harness.client.send(
      new PutEventsCommand({ Entries: [{ Source: 'sharebus.ids', DetailType: 'Ids', Detail: detail }] }),
    );
    await harness.eventBridge.idle();
    // Assess
    const byTarget = Object.fromEntries(
      harness.invocations.map((i) => [i.functionArn.split('-').pop(), i.payload]),
    );
    expect(byTarget).toEqual({
      path: '{"id":1234567890123456789,"n":-98765432109876543210,"s":"1234567890123456789","small":12}',
      json: '{"id":1234567890123456789,"text":"id 1234567890123456789","all":[-98765432109876543210,1.50]}',
      text: '"id 1234567890123456789 n -98765432109876543210"',
      quoted: '{"id":"1234567890123456789","small":"12","q":"\\"1234567890123456789"}',
      whole: '"1234567890123456789"',
    });
  });

  it('renders an event holding an integer of hundreds of digits through InputPath, exactly', async () => {
    // Prepare
    const big = '9'.repeat(450);
    await harness.client.send(
      new PutRuleCommand({ Name: 'long', EventPattern: '{"source":["sharebus.long"]}' }),
    );
    await harness.client.send(
      new PutTargetsCommand({
        Rule: 'long',
        Targets: [
          { Id: 's', Arn: `${LAMBDA_ARN}-s`, InputPath: '$.detail.s' },
          { Id: 'big', Arn: `${LAMBDA_ARN}-big`, InputPath: '$.detail.big' },
        ],
      }),
    );
    // Act
    await harness.client.send(
      new PutEventsCommand({
        Entries: [{ Source: 'sharebus.long', DetailType: 'Long', Detail: `{"big": ${big}, "s": "hello"}` }],
      }),
    );
    await harness.eventBridge.idle();
    // Assess
    const byTarget = Object.fromEntries(
      harness.invocations.map((i) => [i.functionArn.split('-').pop(), i.payload]),
    );
    expect(byTarget).toEqual({ s: '"hello"', big });
    expect(harness.eventBridge.deadLetters.list()).toEqual([]);
  });

  it("refuses the whole request for an entry's malformed EventBusName or TraceHeader, and delivers none", async () => {
    // Act
    const error = await caught(() =>
      harness.client.send(
        new PutEventsCommand({
          Entries: [
            entry(),
            { ...entry(), EventBusName: 'bad name!' },
            { ...entry(), TraceHeader: 't'.repeat(501) },
          ],
        }),
      ),
    );
    await harness.eventBridge.idle();
    // Assess
    expect(error.name).toBe('ValidationException');
    expect(error.message).toBe(
      "2 validation errors detected: Value 'bad name!' at 'entries.2.member.eventBusName' failed to satisfy " +
        'constraint: Member must satisfy regular expression pattern: ' +
        '(arn:aws[\\w-]*:events:[a-z]+-[a-z]+-[\\w-]+:[0-9]{12}:event-bus\\/)?[\\.\\-_A-Za-z0-9]+; ' +
        `Value '${'t'.repeat(501)}' at 'entries.3.member.traceHeader' failed to satisfy constraint: ` +
        'Member must have length less than or equal to 500',
    );
    expect(harness.invocations).toHaveLength(0);
  });

  it('answers SerializationException for an entry member of the wrong JSON type, and delivers none', async () => {
    // Prepare: what only a raw HTTP client can send (the SDK and CLI type every member).
    const good = { Source: 'sharebus.orders', DetailType: 'OrderPlaced', Detail: '{"orderId":1}' };
    const put = async (entries: unknown[]) => {
      const res = await fetch(harness.eventBridge.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSEvents.PutEvents' },
        body: JSON.stringify({ Entries: entries }),
      });
      return [res.status, ((await res.json()) as { __type?: string }).__type];
    };
    // Act
    const answers = [
      await put([good, { ...good, Source: 1 }]),
      await put([good, { ...good, Detail: { orderId: 1 } }]),
      await put([good, { ...good, Resources: 'arn:aws:s3:::b' }]),
      await put([good, { ...good, Resources: [1] }]),
      await put([good, { ...good, Time: 'yesterday' }]),
      await put([good, 'entry']),
    ];
    await harness.eventBridge.idle();
    // Assess
    for (const answer of answers) expect(answer).toEqual([400, 'SerializationException']);
    expect(harness.invocations).toHaveLength(0);
  });

  it('refuses more than 10 entries with a ValidationException and delivers none', async () => {
    // Act
    const error = await caught(() =>
      harness.client.send(new PutEventsCommand({ Entries: Array.from({ length: 11 }, () => entry()) })),
    );
    await harness.eventBridge.idle();
    // Assess
    expect(error.name).toBe('ValidationException');
    expect(error.message).toMatch(
      /^1 validation error detected: Value '\[PutEventsRequestEntry\(time=null, source=sharebus\.orders, .*\)\]' at 'entries' failed to satisfy constraint: Member must have length less than or equal to 10$/,
    );
    expect(harness.invocations).toHaveLength(0);
  });

  it('refuses entries whose total size, counted as AWS documents, is over the limit', async () => {
    // Prepare: Source + DetailType + Detail + Time (14) + a resource; exactly the limit passes
    const source = 'sharebus.orders';
    const detailType = 'OrderPlaced';
    const resource = 'arn:aws:s3:::b';
    const fixed = 14 + source.length + detailType.length + resource.length + '{"pad":""}'.length;
    const limit = 262_144;
    const atLimit = {
      Source: source,
      DetailType: detailType,
      Resources: [resource],
      Time: new Date(),
      Detail: JSON.stringify({ pad: 'x'.repeat(limit - fixed) }),
    };
    const overLimit = { ...atLimit, Detail: JSON.stringify({ pad: `${'x'.repeat(limit - fixed - 1)}é` }) };
    // Act
    const ok = await harness.client.send(new PutEventsCommand({ Entries: [atLimit] }));
    const error = await caught(() => harness.client.send(new PutEventsCommand({ Entries: [overLimit] })));
    await harness.eventBridge.idle();
    // Assess
    expect(ok.FailedEntryCount).toBe(0);
    expect(error.name).toBe('ValidationException');
    expect(error.message).toBe('Total size of the entries in the request is over the limit.');
    expect(harness.invocations).toHaveLength(1);
  });

  it('takes a raised size limit', async () => {
    // Prepare
    const big = await startHarness({ maxEntrySizeBytes: 1_048_576 });
    try {
      // Act
      const put = await big.client.send(
        new PutEventsCommand({
          Entries: [{ ...entry(), Detail: JSON.stringify({ pad: 'x'.repeat(500_000) }) }],
        }),
      );
      // Assess
      expect(put.FailedEntryCount).toBe(0);
    } finally {
      await big.close();
    }
  });

  it('accepts events for a bus that does not exist, as AWS does, but warns that they went nowhere', async () => {
    // Act
    const put = await harness.client.send(
      new PutEventsCommand({ Entries: [{ ...entry(), EventBusName: 'ghost' }] }),
    );
    await harness.eventBridge.idle();
    // Assess
    expect(put.FailedEntryCount).toBe(0);
    expect(put.Entries?.[0]?.EventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(harness.invocations).toHaveLength(0);
    expect(harness.warnings.join('\n')).toMatch(/event bus ghost, which does not exist/);
  });

  it('warns of a rule taken as not matching when its conditions on arrays were too costly to decide', async () => {
    // Prepare: deciding it exactly could take hours (see costly-arrays.ts)
    const detail = costlyDetail();
    const condition = costlyCondition();
    await harness.client.send(
      new PutRuleCommand({
        Name: 'costly',
        EventPattern: JSON.stringify({ source: ['sharebus.orders'], detail: condition }),
      }),
    );
    await harness.client.send(
      new PutTargetsCommand({ Rule: 'costly', Targets: [{ Id: 'fn', Arn: LAMBDA_ARN, Input: '"costly"' }] }),
    );
    // A disabled rule would deliver nothing either way: not named.
    await harness.client.send(
      new PutRuleCommand({
        Name: 'costly-but-disabled',
        State: 'DISABLED',
        EventPattern: JSON.stringify({ source: ['sharebus.orders'], detail: condition }),
      }),
    );
    // Act
    const put = await harness.client.send(new PutEventsCommand({ Entries: [entry(detail)] }));
    await harness.eventBridge.idle();
    // Assess: the other rule's delivery only, and a word on the costly one
    expect(put.FailedEntryCount).toBe(0);
    expect(harness.invocations.map((i) => JSON.parse(i.payload).source)).toEqual(['sharebus.orders']);
    expect(harness.warnings).toEqual([
      `[eventbridge] event ${put.Entries?.[0]?.EventId} on event bus default: taken as not matching rule costly, ` +
        'whose conditions on arrays of objects were too costly to decide (past 2 s, or 20 million values tried, in this event ' +
        'and any put with it)',
    ]);
  });

  it('gives the entries of one PutEvents one budget for costly conditions on arrays, not one each', async () => {
    // Prepare: an entry that spends the whole budget (see costly-arrays.ts), and one that needs more of it than a
    // search is left once it is spent, though it is decided at once alone.
    const rules = { costly: costlyCondition(), slow: slowCondition() };
    for (const [name, detail] of Object.entries(rules)) {
      const pattern = JSON.stringify({ source: ['sharebus.orders'], detail });
      await putQueueRule(harness, { bus: 'default', name, pattern, queue: name });
    }
    const queued = () => ({
      costly: harness.eventBridge.queues.receive(queueArn('costly')).length,
      slow: harness.eventBridge.queues.receive(queueArn('slow')).length,
    });
    // Act
    const both = await harness.client.send(
      new PutEventsCommand({ Entries: [entry(costlyDetail()), entry(slowDetail())] }),
    );
    await harness.eventBridge.idle();
    const together = queued();
    const warnedTogether = harness.warnings.splice(0);
    await harness.client.send(new PutEventsCommand({ Entries: [entry(slowDetail())] }));
    await harness.eventBridge.idle();
    const alone = queued();
    // Assess: together, neither is delivered, and both are said; alone, the second is delivered.
    expect(both.FailedEntryCount).toBe(0);
    const [costlyId, slowId] = (both.Entries ?? []).map((e) => e.EventId);
    const why =
      'whose conditions on arrays of objects were too costly to decide (past 2 s, or 20 million values tried, in ' +
      'this event and any put with it)';
    expect({ together, warnedTogether, alone, warnedAlone: harness.warnings }).toEqual({
      together: { costly: 0, slow: 0 },
      warnedTogether: [
        `[eventbridge] event ${costlyId} on event bus default: taken as not matching rule costly, ${why}`,
        `[eventbridge] event ${slowId} on event bus default: taken as not matching rule slow, ${why}`,
      ],
      alone: { costly: 0, slow: 1 },
      warnedAlone: [],
    });
  });

  it("routes nothing put on another account's or region's bus ARN, though this server has a bus of that name", async () => {
    // Prepare: a rule on this server's default bus that every entry below would match.
    await harness.client.send(
      new PutRuleCommand({ Name: 'all', EventPattern: '{"source":["sharebus.orders"]}' }),
    );
    await harness.client.send(
      new PutTargetsCommand({ Rule: 'all', Targets: [{ Id: 'q', Arn: queueArn('all') }] }),
    );
    const foreign = [
      'arn:aws:events:us-east-1:222222222222:event-bus/default',
      'arn:aws:events:eu-west-1:111111111111:event-bus/default',
      'arn:aws-cn:events:us-east-1:111111111111:event-bus/default',
    ];
    // Act
    const put = await harness.client.send(
      new PutEventsCommand({
        Entries: [
          ...foreign.map((EventBusName) => ({ ...entry(), EventBusName })),
          { ...entry(), EventBusName: 'arn:aws:events:us-east-1:111111111111:event-bus/default' },
        ],
      }),
    );
    await harness.eventBridge.idle();
    // Assess: accepted, as AWS accepts them, and only the entry for this server's own bus reached its rule.
    expect(put.FailedEntryCount).toBe(0);
    expect(harness.eventBridge.queues.receive(queueArn('all'))).toHaveLength(1);
    for (const arn of foreign)
      expect(harness.warnings.join('\n')).toContain(`event bus ${arn}, of another account`);
  });

  it('keeps the precision of numbers in Detail', async () => {
    // Act
    await harness.client.send(
      new PutEventsCommand({
        Entries: [{ ...entry(), Detail: '{"big": 12345678901234567890123, "f": 1.0}' }],
      }),
    );
    await harness.eventBridge.idle();
    // Assess
    expect(harness.invocations[0]?.payload).toContain('"detail":{"big": 12345678901234567890123, "f": 1.0}');
  });
});
