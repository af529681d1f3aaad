import {
  CreateEventBusCommand,
  DeleteRuleCommand,
  DescribeRuleCommand,
  DisableRuleCommand,
  EnableRuleCommand,
  ListEventBusesCommand,
  ListRulesCommand,
  type ListRulesCommandOutput,
  PutRuleCommand,
  PutTargetsCommand,
  TestEventPatternCommand,
} from '@aws-sdk/client-eventbridge';
import { costlyCondition, costlyDetail } from '../../costly-arrays.js';
import { caught, LAMBDA_ARN, rawCall, useHarness, useSharedHarness } from './harness.js';

const PATTERN = JSON.stringify({ source: ['sharebus.test'] });

describe('embedded EventBridge: rules', () => {
  const harness = useHarness();

  it('puts and describes a rule on the default bus with an ARN without bus segment', async () => {
    // Act
    const put = await harness.client.send(
      new PutRuleCommand({ Name: 'r1', EventPattern: PATTERN, Description: 'first' }),
    );
    const described = await harness.client.send(new DescribeRuleCommand({ Name: 'r1' }));
    // Assess
    expect(put.RuleArn).toBe('arn:aws:events:us-east-1:111111111111:rule/r1');
    expect(described).toMatchObject({
      Name: 'r1',
      Arn: put.RuleArn,
      EventPattern: PATTERN,
      State: 'ENABLED',
      Description: 'first',
      EventBusName: 'default',
      CreatedBy: '111111111111',
    });
  });

  it('refuses a DeleteRule whose Force is not a boolean, as any member of the wrong type, deleting nothing', async () => {
    // Prepare
    await harness.client.send(new PutRuleCommand({ Name: 'r1', EventPattern: PATTERN }));
    // Act
    const deleted = await rawCall(harness.eventBridge.endpoint, 'DeleteRule', '{"Name":"r1","Force":"yes"}');
    const described = await harness.client.send(new DescribeRuleCommand({ Name: 'r1' }));
    // Assess
    expect(deleted).toEqual({
      status: 400,
      json: { __type: 'SerializationException', message: 'Expected a boolean for Force.' },
    });
    expect(described.Name).toBe('r1');
  });

  it('puts a rule on a custom bus, named by ARN, with the bus in the rule ARN', async () => {
    // Prepare
    const bus = await harness.client.send(new CreateEventBusCommand({ Name: 'orders' }));
    // Act
    const put = await harness.client.send(
      new PutRuleCommand({ Name: 'r1', EventBusName: bus.EventBusArn, EventPattern: PATTERN }),
    );
    const listed = await harness.client.send(new ListRulesCommand({ EventBusName: 'orders' }));
    // Assess
    expect(put.RuleArn).toBe('arn:aws:events:us-east-1:111111111111:rule/orders/r1');
    expect(listed.Rules).toEqual([
      { Name: 'r1', Arn: put.RuleArn, EventPattern: PATTERN, State: 'ENABLED', EventBusName: 'orders' },
    ]);
  });

  it('replaces a rule on a second PutRule and keeps its targets', async () => {
    // Prepare
    await harness.client.send(new PutRuleCommand({ Name: 'r1', EventPattern: PATTERN, Description: 'old' }));
    await harness.client.send(new PutTargetsCommand({ Rule: 'r1', Targets: [{ Id: 't', Arn: LAMBDA_ARN }] }));
    const newPattern = JSON.stringify({ source: ['other'] });
    // Act
    await harness.client.send(
      new PutRuleCommand({ Name: 'r1', EventPattern: newPattern, State: 'DISABLED' }),
    );
    const described = await harness.client.send(new DescribeRuleCommand({ Name: 'r1' }));
    // Assess
    expect(described.EventPattern).toBe(newPattern);
    expect(described.State).toBe('DISABLED');
    expect(described.Description).toBeUndefined();
    const deleteError = await caught(() => harness.client.send(new DeleteRuleCommand({ Name: 'r1' })));
    expect(deleteError.message).toBe("Rule can't be deleted since it has targets.");
  });

  it('lists rules by name prefix and in pages', async () => {
    // Prepare
    for (const name of ['a-1', 'a-2', 'a-3', 'b-1']) {
      await harness.client.send(new PutRuleCommand({ Name: name, EventPattern: PATTERN }));
    }
    // Act
    const first = await harness.client.send(new ListRulesCommand({ NamePrefix: 'a-', Limit: 2 }));
    const second = await harness.client.send(
      new ListRulesCommand({ NamePrefix: 'a-', Limit: 2, NextToken: first.NextToken }),
    );
    // Assess
    expect(first.Rules?.map((r) => r.Name)).toEqual(['a-1', 'a-2']);
    expect(second.Rules?.map((r) => r.Name)).toEqual(['a-3']);
    expect(second.NextToken).toBeUndefined();
  });

  it("takes the bus's own ARN for EventBusName, and answers not found for another account's or region's", async () => {
    // Prepare
    await harness.client.send(new PutRuleCommand({ Name: 'r1', EventPattern: PATTERN }));
    const own = 'arn:aws:events:us-east-1:111111111111:event-bus/default';
    // Act
    const described = await harness.client.send(new DescribeRuleCommand({ Name: 'r1', EventBusName: own }));
    const refused = await Promise.all(
      [
        'arn:aws:events:us-east-1:222222222222:event-bus/default',
        'arn:aws:events:eu-west-1:111111111111:event-bus/default',
      ].map((EventBusName) =>
        caught(() => harness.client.send(new DescribeRuleCommand({ Name: 'r1', EventBusName }))),
      ),
    );
    const put = await caught(() =>
      harness.client.send(
        new PutRuleCommand({
          Name: 'r2',
          EventBusName: 'arn:aws:events:us-east-1:222222222222:event-bus/default',
          EventPattern: PATTERN,
        }),
      ),
    );
    const listed = await harness.client.send(new ListRulesCommand({}));
    // Assess
    expect(described.Name).toBe('r1');
    expect(put.name).toBe('ResourceNotFoundException');
    expect(listed.Rules?.map((r) => r.Name)).toEqual(['r1']);
    expect(refused.map((e) => [e.name, e.message])).toEqual([
      [
        'ResourceNotFoundException',
        'Event bus arn:aws:events:us-east-1:222222222222:event-bus/default does not exist.',
      ],
      [
        'ResourceNotFoundException',
        'Event bus arn:aws:events:eu-west-1:111111111111:event-bus/default does not exist.',
      ],
    ]);
  });

  it('lists rules by character code, capitals first, whatever the locale, and pages in that order', async () => {
    // Prepare
    for (const name of ['alpha', 'a_b', 'Zed', 'a.b', 'A2', 'a-b']) {
      await harness.client.send(new PutRuleCommand({ Name: name, EventPattern: PATTERN }));
    }
    // Act
    const first = await harness.client.send(new ListRulesCommand({ Limit: 3 }));
    const second = await harness.client.send(new ListRulesCommand({ Limit: 3, NextToken: first.NextToken }));
    // Assess
    expect([...(first.Rules ?? []), ...(second.Rules ?? [])].map((r) => r.Name)).toEqual([
      'A2',
      'Zed',
      'a-b',
      'a.b',
      'a_b',
      'alpha',
    ]);
  });

  it('lists every rule to a loop that deletes each page as it goes, and every rule once to one that adds', async () => {
    // Prepare
    const names = ['r1', 'r2', 'r3', 'r4', 'r5', 'r6'];
    for (const name of names)
      await harness.client.send(new PutRuleCommand({ Name: name, EventPattern: PATTERN }));
    // Act: delete each page once it is listed, then list again while adding a rule before the cursor
    const deleted: string[] = [];
    let nextToken: string | undefined;
    do {
      const listed: ListRulesCommandOutput = await harness.client.send(
        new ListRulesCommand({ Limit: 2, NextToken: nextToken }),
      );
      for (const rule of listed.Rules ?? []) {
        await harness.client.send(new DeleteRuleCommand({ Name: rule.Name }));
        deleted.push(rule.Name ?? '');
      }
      nextToken = listed.NextToken;
    } while (nextToken);
    for (const name of names)
      await harness.client.send(new PutRuleCommand({ Name: name, EventPattern: PATTERN }));
    const seen: string[] = [];
    nextToken = undefined;
    do {
      const listed: ListRulesCommandOutput = await harness.client.send(
        new ListRulesCommand({ Limit: 2, NextToken: nextToken }),
      );
      seen.push(...(listed.Rules ?? []).map((r) => r.Name ?? ''));
      if (seen.length === 2)
        await harness.client.send(new PutRuleCommand({ Name: 'r0', EventPattern: PATTERN }));
      nextToken = listed.NextToken;
    } while (nextToken);
    // Assess
    expect(deleted).toEqual(names);
    expect(seen).toEqual(names);
  });

  it('refuses a NextToken made by another listing: another prefix, another bus or another operation', async () => {
    // Prepare
    for (const name of ['a-1', 'a-2', 'a-3']) {
      await harness.client.send(new PutRuleCommand({ Name: name, EventPattern: PATTERN }));
    }
    await harness.client.send(new CreateEventBusCommand({ Name: 'other' }));
    const { NextToken } = await harness.client.send(new ListRulesCommand({ NamePrefix: 'a-', Limit: 1 }));
    // Act
    const refusals = await Promise.all(
      [
        new ListRulesCommand({ NamePrefix: 'a', NextToken }),
        new ListRulesCommand({ NamePrefix: 'a-', EventBusName: 'other', NextToken }),
        new ListEventBusesCommand({ NextToken }),
      ].map((command) => caught(() => harness.client.send(command as ListRulesCommand))),
    );
    const sameListing = await harness.client.send(
      new ListRulesCommand({ NamePrefix: 'a-', Limit: 5, NextToken }),
    );
    // Assess
    expect(refusals.map((e) => [e.name, e.message])).toEqual(
      Array(3).fill(['ValidationException', 'The NextToken provided is invalid.']),
    );
    expect(sameListing.Rules?.map((r) => r.Name)).toEqual(['a-2', 'a-3']);
  });

  it('refuses a NextToken it did not issue', async () => {
    // Act
    const error = await caught(() => harness.client.send(new ListRulesCommand({ NextToken: 'bogus!' })));
    // Assess
    expect(error.name).toBe('ValidationException');
  });

  it('disables and enables a rule', async () => {
    // Prepare
    await harness.client.send(new PutRuleCommand({ Name: 'r1', EventPattern: PATTERN }));
    // Act
    await harness.client.send(new DisableRuleCommand({ Name: 'r1' }));
    const disabled = await harness.client.send(new DescribeRuleCommand({ Name: 'r1' }));
    await harness.client.send(new EnableRuleCommand({ Name: 'r1' }));
    const enabled = await harness.client.send(new DescribeRuleCommand({ Name: 'r1' }));
    // Assess
    expect(disabled.State).toBe('DISABLED');
    expect(enabled.State).toBe('ENABLED');
  });

  it('deletes a rule without targets, and deleting a missing rule succeeds as in AWS', async () => {
    // Prepare
    await harness.client.send(new PutRuleCommand({ Name: 'r1', EventPattern: PATTERN }));
    // Act
    await harness.client.send(new DeleteRuleCommand({ Name: 'r1' }));
    await harness.client.send(new DeleteRuleCommand({ Name: 'r1' }));
    // Assess
    const rules = await harness.client.send(new ListRulesCommand({}));
    expect(rules.Rules).toEqual([]);
  });

  it('answers ResourceNotFoundException naming the rule and bus for a missing rule', async () => {
    // Act
    const describe = await caught(() => harness.client.send(new DescribeRuleCommand({ Name: 'nope' })));
    const enable = await caught(() => harness.client.send(new EnableRuleCommand({ Name: 'nope' })));
    // Assess
    expect(describe.name).toBe('ResourceNotFoundException');
    expect(describe.message).toBe('Rule nope does not exist on EventBus default.');
    expect(enable.name).toBe('ResourceNotFoundException');
  });

  it('refuses a rule on a bus that does not exist', async () => {
    // Act
    const error = await caught(() =>
      harness.client.send(new PutRuleCommand({ Name: 'r1', EventBusName: 'missing', EventPattern: PATTERN })),
    );
    // Assess
    expect(error.name).toBe('ResourceNotFoundException');
    expect(error.message).toBe('Event bus missing does not exist.');
  });

  it('refuses a rule with neither EventPattern nor ScheduleExpression', async () => {
    // Act
    const error = await caught(() => harness.client.send(new PutRuleCommand({ Name: 'r1' })));
    // Assess
    expect(error.name).toBe('ValidationException');
    expect(error.message).toBe('Parameter(s) EventPattern or ScheduleExpression must be specified.');
    expect((await harness.client.send(new ListRulesCommand({}))).Rules).toEqual([]);
  });

  it('refuses an invalid event pattern as InvalidEventPatternException', async () => {
    // Act
    const notJson = await caught(() =>
      harness.client.send(new PutRuleCommand({ Name: 'r1', EventPattern: '{' })),
    );
    const emptyList = await caught(() =>
      harness.client.send(new PutRuleCommand({ Name: 'r1', EventPattern: '{"source": []}' })),
    );
    // Assess
    expect(notJson.name).toBe('InvalidEventPatternException');
    expect(notJson.message).toMatch(/^Event pattern is not valid\. Reason: /);
    expect(emptyList.name).toBe('InvalidEventPatternException');
    expect((await harness.client.send(new ListRulesCommand({}))).Rules).toEqual([]);
  });

  it('refuses an event pattern longer than 2048 characters', async () => {
    // Prepare
    const pattern = JSON.stringify({ source: ['x'.repeat(2100)] });
    // Act
    const error = await caught(() =>
      harness.client.send(new PutRuleCommand({ Name: 'r1', EventPattern: pattern })),
    );
    // Assess
    expect(error.name).toBe('InvalidEventPatternException');
    expect(error.message).toMatch(/maximum is 2048/);
  });

  it('takes an event pattern of exactly 2048 characters and refuses one of 2049', async () => {
    // Prepare: {"source":["xx…"]} is 15 characters around the value
    const pattern = (length: number) => JSON.stringify({ source: ['x'.repeat(length - 15)] });
    expect(pattern(2048)).toHaveLength(2048);
    // Act
    await harness.client.send(new PutRuleCommand({ Name: 'r2048', EventPattern: pattern(2048) }));
    const error = await caught(() =>
      harness.client.send(new PutRuleCommand({ Name: 'r2049', EventPattern: pattern(2049) })),
    );
    // Assess
    expect(error.message).toMatch(/Event pattern is 2049 characters long; the maximum is 2048/);
    expect((await harness.client.send(new ListRulesCommand({}))).Rules?.map((rule) => rule.Name)).toEqual([
      'r2048',
    ]);
  });

  it('validates the rule name with the AWS constraint message', async () => {
    // Act
    const error = await caught(() =>
      harness.client.send(new PutRuleCommand({ Name: 'x'.repeat(65), EventPattern: PATTERN })),
    );
    // Assess
    expect(error.name).toBe('ValidationException');
    expect(error.message).toBe(
      `1 validation error detected: Value '${'x'.repeat(65)}' at 'name' failed to satisfy constraint: ` +
        'Member must have length less than or equal to 64',
    );
  });

  it('stores a schedule rule on the default bus only', async () => {
    // Prepare
    await harness.client.send(new CreateEventBusCommand({ Name: 'orders' }));
    // Act
    const put = await harness.client.send(
      new PutRuleCommand({ Name: 'tick', ScheduleExpression: 'rate(5 minutes)' }),
    );
    const custom = await caught(() =>
      harness.client.send(
        new PutRuleCommand({ Name: 'tick', EventBusName: 'orders', ScheduleExpression: 'rate(5 minutes)' }),
      ),
    );
    const invalid = await caught(() =>
      harness.client.send(new PutRuleCommand({ Name: 'bad', ScheduleExpression: 'soon' })),
    );
    // Assess
    expect(put.RuleArn).toBe('arn:aws:events:us-east-1:111111111111:rule/tick');
    expect(custom.message).toBe('ScheduleExpression is supported only on the default event bus.');
    expect(invalid.message).toBe('Parameter ScheduleExpression is not valid.');
  });
});

describe('embedded EventBridge: the rules quota', () => {
  const harness = useHarness({ maxRulesPerBus: 3 });
  const put = (name: string, bus?: string) =>
    harness.client.send(
      new PutRuleCommand({
        Name: name,
        EventPattern: '{"source":["x"]}',
        ...(bus ? { EventBusName: bus } : {}),
      }),
    );

  it('refuses a rule past the quota with LimitExceededException, changing nothing, and counts each bus alone', async () => {
    // Prepare
    for (const name of ['a', 'b', 'c']) await put(name);
    await harness.client.send(new CreateEventBusCommand({ Name: 'orders' }));
    // Act
    const refused = await caught(() => put('d'));
    const updated = await put('c');
    const elsewhere = await put('d', 'orders');
    await harness.client.send(new DeleteRuleCommand({ Name: 'a' }));
    const afterDelete = await put('d');
    // Assess
    expect(refused).toMatchObject({
      name: 'LimitExceededException',
      message: 'The requested resource exceeds the maximum number allowed.',
    });
    expect(updated.RuleArn).toBe('arn:aws:events:us-east-1:111111111111:rule/c');
    expect(elsewhere.RuleArn).toBe('arn:aws:events:us-east-1:111111111111:rule/orders/d');
    expect(afterDelete.RuleArn).toBe('arn:aws:events:us-east-1:111111111111:rule/d');
    const names = (await harness.client.send(new ListRulesCommand({}))).Rules?.map((r) => r.Name);
    expect(names).toEqual(['b', 'c', 'd']);
  });
});

describe("embedded EventBridge: the rules quota's default", () => {
  const harness = useHarness();

  it("is AWS's default of 300 rules per bus", async () => {
    // Prepare
    for (let n = 0; n < 300; n++) {
      await harness.client.send(new PutRuleCommand({ Name: `r${n}`, EventPattern: '{"source":["x"]}' }));
    }
    // Act
    const refused = await caught(() =>
      harness.client.send(new PutRuleCommand({ Name: 'r300', EventPattern: '{"source":["x"]}' })),
    );
    // Assess
    expect(refused.name).toBe('LimitExceededException');
  });
});

describe('embedded EventBridge: the quota of rules containing wildcards', () => {
  const harness = useHarness();
  const put = (name: string, pattern: unknown) =>
    harness.client.send(new PutRuleCommand({ Name: name, EventPattern: JSON.stringify(pattern) }));
  const wildcard = (n: number) => ({ source: ['x'], detail: { file: [{ wildcard: `${n}-*.pdf` }] } });

  it("is AWS's fixed 30 a bus: the 31st is refused, other rules and the 30 put again are not", async () => {
    // Prepare: half plain wildcards, half anything-but wildcards.
    for (let n = 0; n < 30; n++) {
      await put(
        `w${n}`,
        n % 2 === 0 ? wildcard(n) : { detail: { file: [{ 'anything-but': { wildcard: `${n}*` } }] } },
      );
    }
    // Act
    const refused = await caught(() => put('w30', wildcard(30)));
    const inOr = await caught(() => put('w31', { $or: [{ source: ['y'] }, wildcard(31)] }));
    const plain = await put('plain', { source: ['x'] });
    const again = await put('w0', wildcard(100));
    const turnedPlain = await put('w1', { source: ['x'] });
    const afterwards = await put('w30', wildcard(30));
    // Assess
    expect([refused.name, refused.message]).toEqual([
      'LimitExceededException',
      'The requested resource exceeds the maximum number allowed.',
    ]);
    expect(inOr.name).toBe('LimitExceededException');
    expect([plain.RuleArn, again.RuleArn, turnedPlain.RuleArn, afterwards.RuleArn]).toEqual(
      ['plain', 'w0', 'w1', 'w30'].map((name) => `arn:aws:events:us-east-1:111111111111:rule/${name}`),
    );
    const names = (await harness.client.send(new ListRulesCommand({ NamePrefix: 'w31' }))).Rules;
    expect(names).toEqual([]);
  });
});

describe('embedded EventBridge: TestEventPattern', () => {
  const harness = useSharedHarness();

  const event = {
    id: '1',
    source: 'order',
    'detail-type': 'Test',
    account: '111111111111',
    region: 'us-east-1',
    time: '2024-01-01T00:00:00Z',
    detail: {},
  };

  it('answers whether the event matches', async () => {
    // Act
    const match = await harness.client.send(
      new TestEventPatternCommand({ Event: JSON.stringify(event), EventPattern: '{"source":["order"]}' }),
    );
    const noMatch = await harness.client.send(
      new TestEventPatternCommand({ Event: JSON.stringify(event), EventPattern: '{"source":["shipment"]}' }),
    );
    // Assess
    expect(match.Result).toBe(true);
    expect(noMatch.Result).toBe(false);
  });

  it('answers false, and says why, when the conditions on arrays are too costly to decide', async () => {
    // Prepare: see costly-arrays.ts; AWS would decide, after a while of its own
    harness.warnings.length = 0;
    // Act
    const answer = await harness.client.send(
      new TestEventPatternCommand({
        Event: JSON.stringify({ ...event, detail: costlyDetail() }),
        EventPattern: JSON.stringify({ detail: costlyCondition() }),
      }),
    );
    // Assess
    expect(answer.Result).toBe(false);
    expect(harness.warnings).toEqual([
      '[eventbridge] TestEventPattern answered false: the conditions on arrays of objects were too costly to ' +
        'decide (past 2 s, or 20 million values tried)',
    ]);
  });

  it.each(['id', 'account', 'source', 'time', 'region', 'detail-type'])(
    'refuses an event without its mandatory %s',
    async (field) => {
      // Prepare: `resources`, which the reference lists too, AWS does not ask for (the conformance cases' events,
      // run against AWS's TestEventPattern, mostly have none), nor does `event` have it.
      const without: Record<string, unknown> = { ...event };
      delete without[field];
      // Act
      const error = await caught(() =>
        harness.client.send(
          new TestEventPatternCommand({
            Event: JSON.stringify(without),
            EventPattern: '{"source":["order"]}',
          }),
        ),
      );
      // Assess
      expect([error.name, error.message]).toEqual(['ValidationException', 'Parameter Event is not valid.']);
    },
  );

  it('refuses an event nesting over 1,000 levels, as Jackson does, and takes one of 1,000', async () => {
    // Prepare
    const nested = (levels: number): object => (levels === 1 ? { end: true } : { a: nested(levels - 1) });
    const test = (detail: object) =>
      harness.client.send(
        new TestEventPatternCommand({
          Event: JSON.stringify({ ...event, detail }),
          // exists on an object matches nothing, but has the matcher walk the whole nested value.
          EventPattern: '{"detail":{"a":[{"exists":true}]}}',
        }),
      );
    // Act
    const error = await caught(() => test(nested(1_000)));
    const answer = await test(nested(999));
    // Assess
    expect(error.name).toBe('ValidationException');
    expect(error.message).toBe('Parameter Event is not valid.');
    expect(answer.Result).toBe(false);
  });

  it('counts arrays among the 1,000 levels too, in an event whose text is short', async () => {
    // Prepare: Jackson counts arrays as it counts objects. 1,001 levels of brackets take about 2,000 characters, so a
    // depth check that skips short texts must not skip these.
    const arrays = (levels: number): unknown[] => (levels === 1 ? [] : [arrays(levels - 1)]);
    const test = (levels: number) =>
      harness.client.send(
        new TestEventPatternCommand({
          Event: JSON.stringify({ ...event, detail: { a: arrays(levels) } }),
          EventPattern: '{"source":["order"]}',
        }),
      );
    // Act: the event, its detail and 999 arrays are 1,001 levels; 998 arrays make 1,000.
    const error = await caught(() => test(999));
    const answer = await test(998);
    // Assess
    expect([error.name, error.message]).toEqual(['ValidationException', 'Parameter Event is not valid.']);
    expect(answer.Result).toBe(true);
  });

  it('refuses an invalid pattern as InvalidEventPatternException', async () => {
    // Act
    const error = await caught(() =>
      harness.client.send(new TestEventPatternCommand({ Event: JSON.stringify(event), EventPattern: '[1]' })),
    );
    // Assess
    expect(error.name).toBe('InvalidEventPatternException');
  });
});
