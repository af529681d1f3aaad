import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateArchiveCommand,
  CreateEventBusCommand,
  DeleteRuleCommand,
  DescribeArchiveCommand,
  DescribeRuleCommand,
  DisableRuleCommand,
  EnableRuleCommand,
  ListRulesCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
  type Target,
} from '@aws-sdk/client-eventbridge';
import {
  caught,
  type Harness,
  LAMBDA_ARN,
  queueArn,
  sleep,
  startHarness,
  useHarness,
  waitFor,
} from './harness.js';

// The harness runs at delayScale 0.001: rate(1 minute) fires every 60 ms, rate(1 day) every 86.4 s.
const RULE_ARN = 'arn:aws:events:us-east-1:111111111111:rule/tick';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Several scaled minutes: long enough for a live schedule to fire a few times. */
const QUIET_MS = 400;

async function putScheduledRule(
  harness: Harness,
  scheduleExpression: string,
  targets: Target[] = [{ Id: 'fn', Arn: LAMBDA_ARN }],
): Promise<void> {
  // Created disabled and enabled once its targets are in, so no fire happens before they are.
  await harness.client.send(
    new PutRuleCommand({ Name: 'tick', ScheduleExpression: scheduleExpression, State: 'DISABLED' }),
  );
  await harness.client.send(new PutTargetsCommand({ Rule: 'tick', Targets: targets }));
  await harness.client.send(new EnableRuleCommand({ Name: 'tick' }));
}

const payloads = (harness: Harness): Array<Record<string, unknown>> =>
  harness.invocations.map((i) => JSON.parse(i.payload) as Record<string, unknown>);

describe('embedded EventBridge: scheduled rules', () => {
  const harness = useHarness();

  it("delivers AWS's Scheduled Event to the targets of a rate rule, once per scaled period", async () => {
    // Prepare
    const enabled = Date.now();
    await putScheduledRule(harness, 'rate(1 minute)');
    // Act
    // Eight: a rule firing twice a period would have to outrun the clock by three periods or more to pass.
    await waitFor(() => harness.invocations.length >= 8);
    await harness.client.send(new DisableRuleCommand({ Name: 'tick' }));
    const disabled = Date.now();
    await sleep(QUIET_MS);
    // Assess: no more fires than scaled minutes went by (a slow machine makes fewer, never more), each its own
    const periods = Math.floor((disabled - enabled) / 60) + 1;
    expect(harness.invocations.length).toBeLessThanOrEqual(periods);
    expect(new Set(payloads(harness).map((p) => p.id)).size).toBe(harness.invocations.length);
    const [first, second] = payloads(harness);
    expect(Object.keys(first ?? {})).toEqual([
      'version',
      'id',
      'detail-type',
      'source',
      'account',
      'time',
      'region',
      'resources',
      'detail',
    ]);
    expect(first).toEqual({
      version: '0',
      id: expect.stringMatching(UUID),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '111111111111',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      region: 'us-east-1',
      resources: [RULE_ARN],
      detail: {},
    });
    expect(second?.id).not.toBe(first?.id);
    expect(harness.invocations[0]?.functionArn).toBe(LAMBDA_ARN);
  });

  it('puts the scheduled event on the default bus, where other matching rules and archives see it', async () => {
    // Prepare: a rule for every scheduled event, and one for something else
    const watcher = queueArn('watcher');
    const other = queueArn('other');
    await harness.client.send(
      new PutRuleCommand({
        Name: 'watch-schedules',
        EventPattern: JSON.stringify({ source: ['aws.events'], 'detail-type': ['Scheduled Event'] }),
      }),
    );
    await harness.client.send(
      new PutTargetsCommand({ Rule: 'watch-schedules', Targets: [{ Id: 'q', Arn: watcher }] }),
    );
    await harness.client.send(
      new PutRuleCommand({ Name: 'orders', EventPattern: JSON.stringify({ source: ['sharebus.orders'] }) }),
    );
    await harness.client.send(new PutTargetsCommand({ Rule: 'orders', Targets: [{ Id: 'q', Arn: other }] }));
    await harness.client.send(
      new CreateArchiveCommand({
        ArchiveName: 'everything',
        EventSourceArn: 'arn:aws:events:us-east-1:111111111111:event-bus/default',
      }),
    );
    await putScheduledRule(harness, 'rate(1 minute)');
    // Act
    await waitFor(() => harness.eventBridge.queues.peek(watcher).length >= 2);
    await harness.client.send(new DisableRuleCommand({ Name: 'tick' }));
    await harness.eventBridge.idle();
    // Assess: the watcher got the same events as the rule's own target, once each; the other rule none
    const watched = harness.eventBridge.queues
      .peek(watcher)
      .map((m) => JSON.parse(m.body) as { id: string; resources: string[] });
    const own = new Set(payloads(harness).map((p) => p.id));
    expect(watched.every((e) => own.has(e.id))).toBe(true);
    expect(new Set(watched.map((e) => e.id)).size).toBe(watched.length);
    expect(watched[0]?.resources).toEqual([RULE_ARN]);
    expect(harness.eventBridge.queues.peek(other)).toEqual([]);
    const archive = await harness.client.send(new DescribeArchiveCommand({ ArchiveName: 'everything' }));
    expect(archive.EventCount).toBeGreaterThanOrEqual(2);
  });

  it('delivers each fire once to a rule whose own pattern matches its scheduled event too', async () => {
    // Prepare: PutRule takes a rule with both; it "triggers on matching events as well as on a schedule".
    await harness.client.send(
      new PutRuleCommand({
        Name: 'tick',
        ScheduleExpression: 'rate(1 minute)',
        EventPattern: JSON.stringify({ source: ['aws.events'] }),
        State: 'DISABLED',
      }),
    );
    await harness.client.send(
      new PutTargetsCommand({ Rule: 'tick', Targets: [{ Id: 'fn', Arn: LAMBDA_ARN }] }),
    );
    await harness.client.send(new EnableRuleCommand({ Name: 'tick' }));
    // Act
    // Eight: a rule firing twice a period would have to outrun the clock by three periods or more to pass.
    await waitFor(() => harness.invocations.length >= 8);
    await harness.client.send(new DisableRuleCommand({ Name: 'tick' }));
    await harness.eventBridge.idle();
    // Assess
    const ids = payloads(harness).map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('renders Input and InputTransformer for scheduled events as for any other event', async () => {
    // Prepare
    const queue = queueArn('ticks');
    await putScheduledRule(harness, 'rate(1 minute)', [
      { Id: 'fn', Arn: LAMBDA_ARN, Input: '{"job":"nightly-report"}' },
      {
        Id: 'queue',
        Arn: queue,
        InputTransformer: {
          InputPathsMap: { rule: '$.resources[0]', type: '$.detail-type' },
          InputTemplate: '{"rule": <rule>, "type": <type>, "name": <aws.events.rule-name>}',
        },
      },
    ]);
    // Act
    await waitFor(
      () => harness.invocations.length >= 1 && harness.eventBridge.queues.peek(queue).length >= 1,
    );
    // Assess
    expect(harness.invocations[0]?.payload).toBe('{"job":"nightly-report"}');
    expect(JSON.parse(harness.eventBridge.queues.peek(queue)[0]?.body ?? '{}')).toEqual({
      rule: RULE_ARN,
      type: 'Scheduled Event',
      name: 'tick',
    });
  });

  it('stops firing while the rule is disabled, and fires again once it is enabled', async () => {
    // Prepare
    await putScheduledRule(harness, 'rate(1 minute)');
    await waitFor(() => harness.invocations.length >= 1);
    // Act
    await harness.client.send(new DisableRuleCommand({ Name: 'tick' }));
    await harness.eventBridge.idle();
    const whenDisabled = harness.invocations.length;
    await sleep(QUIET_MS);
    const whileDisabled = harness.invocations.length;
    await harness.client.send(new EnableRuleCommand({ Name: 'tick' }));
    await waitFor(() => harness.invocations.length > whileDisabled);
    // Assess
    expect(whileDisabled).toBe(whenDisabled);
  });

  it('follows the rule when it is put again: another expression, then none', async () => {
    // Prepare: rate(1 day) is 86.4 s at this scale, so it does not fire during the test
    await putScheduledRule(harness, 'rate(1 day)');
    await sleep(QUIET_MS);
    const underDailyRate = harness.invocations.length;
    // Act
    await harness.client.send(new PutRuleCommand({ Name: 'tick', ScheduleExpression: 'rate(1 minute)' }));
    await waitFor(() => harness.invocations.length >= 1);
    await harness.client.send(
      new PutRuleCommand({ Name: 'tick', EventPattern: '{"source":["sharebus.x"]}' }),
    );
    await harness.eventBridge.idle();
    const whenScheduleRemoved = harness.invocations.length;
    await sleep(QUIET_MS);
    // Assess
    expect(underDailyRate).toBe(0);
    expect(harness.invocations.length).toBe(whenScheduleRemoved);
    const described = await harness.client.send(new DescribeRuleCommand({ Name: 'tick' }));
    expect(described.ScheduleExpression).toBeUndefined();
  });

  it('stops the schedule of a deleted rule, even when a rule of that name comes back', async () => {
    // Prepare
    await putScheduledRule(harness, 'rate(1 minute)');
    await waitFor(() => harness.invocations.length >= 1);
    // Act
    await harness.client.send(new RemoveTargetsCommand({ Rule: 'tick', Ids: ['fn'] }));
    await harness.client.send(new DeleteRuleCommand({ Name: 'tick' }));
    await harness.client.send(
      new PutRuleCommand({ Name: 'tick', EventPattern: '{"source":["sharebus.x"]}' }),
    );
    await harness.client.send(
      new PutTargetsCommand({ Rule: 'tick', Targets: [{ Id: 'fn', Arn: LAMBDA_ARN }] }),
    );
    await harness.eventBridge.idle();
    const whenRecreated = harness.invocations.length;
    await sleep(QUIET_MS);
    // Assess
    expect(harness.invocations.length).toBe(whenRecreated);
  });

  it('retries a failing target and dead-letters the scheduled event with the attributes AWS adds', async () => {
    // Prepare
    const dlq = queueArn('tick-dlq');
    harness.lambda = async () => {
      throw new Error('report service down');
    };
    await putScheduledRule(harness, 'rate(1 minute)', [
      { Id: 'fn', Arn: LAMBDA_ARN, RetryPolicy: { MaximumRetryAttempts: 1 }, DeadLetterConfig: { Arn: dlq } },
    ]);
    // Act
    await waitFor(() => harness.eventBridge.queues.peek(dlq).length >= 1);
    await harness.client.send(new DisableRuleCommand({ Name: 'tick' }));
    await harness.eventBridge.idle();
    // Assess
    const [message] = harness.eventBridge.queues.peek(dlq);
    expect(JSON.parse(message?.body ?? '{}')).toMatchObject({
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      resources: [RULE_ARN],
    });
    expect(message?.attributes).toMatchObject({
      RULE_ARN: { DataType: 'String', StringValue: RULE_ARN },
      ERROR_CODE: { DataType: 'String', StringValue: 'ERROR_FROM_TARGET' },
      EXHAUSTED_RETRY_CONDITION: { DataType: 'String', StringValue: 'MaximumRetryAttempts' },
      RETRY_ATTEMPTS: { DataType: 'Number', StringValue: '1' },
    });
  });

  it('refuses schedules AWS refuses, writing nothing, and keeps them to the default bus', async () => {
    // Prepare
    await harness.client.send(new CreateEventBusCommand({ Name: 'orders' }));
    // Act
    const invalid = await Promise.all(
      [
        'soon',
        'rate(1 minutes)',
        'rate(0 minutes)',
        'cron(0 10 * * * *)',
        'cron(0 10 ? * 3#1,6#3 *)',
        'cron(0  10 * * ? *)',
        'cron( 0 10 * * ? * )',
      ].map((expression) =>
        caught(() =>
          harness.client.send(new PutRuleCommand({ Name: 'bad', ScheduleExpression: expression })),
        ),
      ),
    );
    const custom = await caught(() =>
      harness.client.send(
        new PutRuleCommand({ Name: 'tick', EventBusName: 'orders', ScheduleExpression: 'rate(5 minutes)' }),
      ),
    );
    // Assess
    for (const error of invalid) {
      expect(error.name).toBe('ValidationException');
      expect(error.$metadata?.httpStatusCode).toBe(400);
      expect(error.message).toBe('Parameter ScheduleExpression is not valid.');
    }
    expect(custom.name).toBe('ValidationException');
    expect(custom.message).toBe('ScheduleExpression is supported only on the default event bus.');
    expect((await harness.client.send(new ListRulesCommand({}))).Rules).toEqual([]);
    expect((await harness.client.send(new ListRulesCommand({ EventBusName: 'orders' }))).Rules).toEqual([]);
  });

  it('refuses ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS with a schedule, but not with an empty one', async () => {
    // Prepare
    const State = 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS';
    const EventPattern = '{"source":["sharebus.x"]}';
    // Act
    const refused = await caught(() =>
      harness.client.send(new PutRuleCommand({ Name: 'tick', ScheduleExpression: 'rate(1 day)', State })),
    );
    await harness.client.send(
      new PutRuleCommand({ Name: 'audit', ScheduleExpression: '', EventPattern, State }),
    );
    const described = await harness.client.send(new DescribeRuleCommand({ Name: 'audit' }));
    // Assess
    expect(refused.name).toBe('ValidationException');
    expect(refused.message).toBe(
      'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS rule state is not supported with scheduled rule expressions.',
    );
    expect((await harness.client.send(new ListRulesCommand({}))).Rules?.map((r) => r.Name)).toEqual([
      'audit',
    ]);
    expect(described).toMatchObject({ ScheduleExpression: '', EventPattern, State });
  });

  it('runs a rule whose expression can never match without firing it, and keeps the others running', async () => {
    // Prepare: AWS accepts 31 February and a year before 1970 (recorded); they simply never come
    for (const [name, expression] of [
      ['february-31', 'cron(0 0 31 FEB ? *)'],
      ['year-1969', 'cron(0 0 1 1 ? 1969)'],
      ['far-future', 'rate(2147483647 days)'],
    ]) {
      await harness.client.send(new PutRuleCommand({ Name: name, ScheduleExpression: expression }));
      await harness.client.send(
        new PutTargetsCommand({ Rule: name, Targets: [{ Id: 'fn', Arn: LAMBDA_ARN, Input: `"${name}"` }] }),
      );
    }
    // Act
    await putScheduledRule(harness, 'rate(1 minute)');
    await waitFor(() => harness.invocations.length >= 2);
    // Assess
    expect(harness.invocations.map((i) => JSON.parse(i.payload)['detail-type'])).toEqual(
      harness.invocations.map(() => 'Scheduled Event'),
    );
    expect(harness.warnings).toEqual([]);
    // A fire tried for a time that never comes fails ("Invalid time value") and is logged as an error, not invoked
    expect(harness.errors).toEqual([]);
  });

  it('stores an accepted schedule as given and warns about nothing', async () => {
    // Act
    const put = await harness.client.send(
      new PutRuleCommand({ Name: 'tick', ScheduleExpression: 'cron(0 10 ? * 6#3 *)' }),
    );
    const described = await harness.client.send(new DescribeRuleCommand({ Name: 'tick' }));
    // Assess
    expect(put.RuleArn).toBe(RULE_ARN);
    expect(described).toMatchObject({ ScheduleExpression: 'cron(0 10 ? * 6#3 *)', State: 'ENABLED' });
    expect(harness.warnings).toEqual([]);
  });
});

describe('embedded EventBridge: scheduled rules on an injected clock and after close', () => {
  it('fires a cron rule at its whole UTC minute, with that minute as the event time', async () => {
    // Prepare: a clock frozen 50 ms before 10:00 on the third Friday of March 2024
    const harness = await startHarness({ now: () => Date.parse('2024-03-15T09:59:59.950Z') });
    try {
      // Act
      await putScheduledRule(harness, 'cron(0 10 ? * 6#3 *)');
      await waitFor(() => harness.invocations.length >= 1);
      await harness.eventBridge.idle();
      // Assess
      expect(payloads(harness)).toEqual([
        expect.objectContaining({ 'detail-type': 'Scheduled Event', time: '2024-03-15T10:00:00Z' }),
      ]);
    } finally {
      await harness.close();
    }
  });

  it('fires what AWS fired on Tuesday 15 September 2026 at 22:33 UTC, and not the rule for the 16th', async () => {
    // Prepare: the expressions AWS was given at 22:32:59 that day (radkawar/stackd scheduled_delivery.json)
    const harness = await startHarness({ now: () => Date.parse('2026-09-15T22:32:59.950Z') });
    const expressions = {
      baseline: 'cron(33 22 * * ? *)',
      'minute-suffix': 'cron(33x 22 * * ? *)',
      'zero-increment': 'cron(33/0 22 * * ? *)',
      'oversize-increment': 'cron(33/61 22 * * ? *)',
      'nearest-weekday': 'cron(33 22 15W * ? *)',
      'weekday-range': 'cron(33 22 1-31W * ? *)',
      'nth-weekday': 'cron(33 22 ? * TUE#3 *)',
      'last-day-offset': 'cron(33 22 L-15 * ? *)',
      'weekday-suffix': 'cron(33 22 ? * TUESDAY *)',
      'nonmatching-day': 'cron(33 22 16 * ? *)',
    };
    try {
      for (const [name, expression] of Object.entries(expressions)) {
        await harness.client.send(
          new PutRuleCommand({ Name: name, ScheduleExpression: expression, State: 'DISABLED' }),
        );
        await harness.client.send(
          new PutTargetsCommand({ Rule: name, Targets: [{ Id: 'fn', Arn: LAMBDA_ARN }] }),
        );
        await harness.client.send(new EnableRuleCommand({ Name: name }));
      }
      // Act
      await waitFor(() => harness.invocations.length >= 9);
      await sleep(QUIET_MS);
      await harness.eventBridge.idle();
      // Assess
      const fired = payloads(harness).map((p) => [(p.resources as string[])[0]?.split('/')[1], p.time]);
      expect(fired.sort()).toEqual(
        Object.keys(expressions)
          .filter((name) => name !== 'nonmatching-day')
          .sort()
          .map((name) => [name, '2026-09-15T22:33:00Z']),
      );
    } finally {
      await harness.close();
    }
  });

  it('counts a rate again from when its rule is enabled again, after a restart too', async () => {
    // Prepare: at real speed on a clock the test moves, a rule put at 10:00:00, disabled at 10:00:10 and enabled
    // again at 10:00:30; then a restart at 10:01:29.950, 50 ms before its first period since 10:00:30 ends.
    const dataDir = await mkdtemp(join(tmpdir(), 'sharebus-schedule-'));
    const start = Date.parse('2024-03-04T10:00:00Z');
    let clock = start;
    try {
      const first = await startHarness({ dataDir, delayScale: 1, now: () => clock });
      await first.client.send(new PutRuleCommand({ Name: 'tick', ScheduleExpression: 'rate(1 minute)' }));
      await first.client.send(
        new PutTargetsCommand({ Rule: 'tick', Targets: [{ Id: 'fn', Arn: LAMBDA_ARN }] }),
      );
      clock = start + 10_000;
      await first.client.send(new DisableRuleCommand({ Name: 'tick' }));
      clock = start + 30_000;
      await first.client.send(new EnableRuleCommand({ Name: 'tick' }));
      await first.close();
      // Act
      const second = await startHarness({ dataDir, delayScale: 1, now: () => start + 89_950 });
      try {
        await waitFor(() => second.invocations.length >= 1);
        await second.eventBridge.idle();
        // Assess: a count kept from 10:00:00 would fire next at 10:02:00, not 10:01:30.
        expect(payloads(second)).toEqual([
          expect.objectContaining({ 'detail-type': 'Scheduled Event', time: '2024-03-04T10:01:30Z' }),
        ]);
      } finally {
        await second.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('fires nothing once the server is stopped', async () => {
    // Prepare
    const harness = await startHarness();
    await putScheduledRule(harness, 'rate(1 minute)');
    await waitFor(() => harness.invocations.length >= 1);
    // Act
    await harness.close();
    const whenClosed = harness.invocations.length;
    await sleep(QUIET_MS);
    // Assess
    expect(harness.invocations.length).toBe(whenClosed);
  });
});
