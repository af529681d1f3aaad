import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateArchiveCommand,
  CreateEventBusCommand,
  DeleteArchiveCommand,
  DeleteRuleCommand,
  DescribeArchiveCommand,
  DescribeReplayCommand,
  DescribeRuleCommand,
  DisableRuleCommand,
  EnableRuleCommand,
  ListArchivesCommand,
  ListReplaysCommand,
  ListRulesCommand,
  ListTargetsByRuleCommand,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
  StartReplayCommand,
  UpdateArchiveCommand,
} from '@aws-sdk/client-eventbridge';
import { caught, type Harness, queueArn, startHarness } from './harness.js';

const BUS_ARN = 'arn:aws:events:us-east-1:111111111111:event-bus/orders';
const ARCHIVE_ARN = 'arn:aws:events:us-east-1:111111111111:archive/orders-archive';

async function putOrders(harness: Harness, ids: number[], source = 'sharebus.orders'): Promise<void> {
  await harness.client.send(
    new PutEventsCommand({
      Entries: ids.map((orderId) => ({
        Source: source,
        DetailType: 'OrderPlaced',
        Detail: JSON.stringify({ orderId }),
        EventBusName: 'orders',
      })),
    }),
  );
}

async function addQueueRule(harness: Harness, name: string): Promise<string> {
  const rule = await harness.client.send(
    new PutRuleCommand({
      Name: name,
      EventBusName: 'orders',
      EventPattern: '{"source":["sharebus.orders"]}',
    }),
  );
  await harness.client.send(
    new PutTargetsCommand({
      Rule: name,
      EventBusName: 'orders',
      Targets: [{ Id: 'q', Arn: queueArn(name) }],
    }),
  );
  return rule.RuleArn ?? '';
}

const bodies = (harness: Harness, queue: string) =>
  harness.eventBridge.queues
    .receive(queueArn(queue))
    .map((m) => JSON.parse(m.body) as Record<string, unknown>);

describe('embedded EventBridge: archives', () => {
  let harness: Harness;

  beforeEach(async () => {
    harness = await startHarness();
    await harness.client.send(new CreateEventBusCommand({ Name: 'orders' }));
  });

  afterEach(async () => {
    await harness.close();
  });

  it('creates, describes, lists and deletes an archive', async () => {
    // Act
    const created = await harness.client.send(
      new CreateArchiveCommand({
        ArchiveName: 'orders-archive',
        EventSourceArn: BUS_ARN,
        Description: 'all orders',
        RetentionDays: 1,
      }),
    );
    const described = await harness.client.send(
      new DescribeArchiveCommand({ ArchiveName: 'orders-archive' }),
    );
    const listed = await harness.client.send(new ListArchivesCommand({ NamePrefix: 'orders' }));
    await harness.client.send(new DeleteArchiveCommand({ ArchiveName: 'orders-archive' }));
    const afterDelete = await harness.client.send(new ListArchivesCommand({}));
    // Assess
    expect(created).toMatchObject({ ArchiveArn: ARCHIVE_ARN, State: 'ENABLED' });
    expect(created.CreationTime).toBeInstanceOf(Date);
    expect(described).toMatchObject({
      ArchiveArn: ARCHIVE_ARN,
      ArchiveName: 'orders-archive',
      EventSourceArn: BUS_ARN,
      Description: 'all orders',
      State: 'ENABLED',
      RetentionDays: 1,
      SizeBytes: 0,
      EventCount: 0,
    });
    expect(listed.Archives?.map((a) => a.ArchiveName)).toEqual(['orders-archive']);
    expect(afterDelete.Archives).toEqual([]);
  });

  it('archives the events put on its bus that match its pattern', async () => {
    // Prepare
    await harness.client.send(
      new CreateArchiveCommand({
        ArchiveName: 'orders-archive',
        EventSourceArn: BUS_ARN,
        EventPattern: '{"source":["sharebus.orders"]}',
      }),
    );
    // Act
    await putOrders(harness, [1, 2]);
    await putOrders(harness, [3], 'someone.else');
    // Assess
    const described = await harness.client.send(
      new DescribeArchiveCommand({ ArchiveName: 'orders-archive' }),
    );
    expect(described.EventCount).toBe(2);
    expect(described.SizeBytes).toBeGreaterThan(0);
  });

  it('answers AWS errors for duplicate, missing and badly sourced archives', async () => {
    // Prepare
    await harness.client.send(
      new CreateArchiveCommand({ ArchiveName: 'orders-archive', EventSourceArn: BUS_ARN }),
    );
    // Act
    const duplicate = await caught(() =>
      harness.client.send(
        new CreateArchiveCommand({ ArchiveName: 'orders-archive', EventSourceArn: BUS_ARN }),
      ),
    );
    const missing = await caught(() =>
      harness.client.send(new DescribeArchiveCommand({ ArchiveName: 'nope' })),
    );
    const unknownBus = await caught(() =>
      harness.client.send(
        new CreateArchiveCommand({
          ArchiveName: 'other',
          EventSourceArn: 'arn:aws:events:us-east-1:111111111111:event-bus/ghost',
        }),
      ),
    );
    const badPattern = await caught(() =>
      harness.client.send(
        new CreateArchiveCommand({ ArchiveName: 'other', EventSourceArn: BUS_ARN, EventPattern: '[]' }),
      ),
    );
    // Assess
    expect(duplicate.name).toBe('ResourceAlreadyExistsException');
    expect(duplicate.message).toBe('Archive orders-archive already exists.');
    expect(missing.name).toBe('ResourceNotFoundException');
    expect(missing.message).toBe('Archive nope does not exist.');
    expect(unknownBus.name).toBe('ResourceNotFoundException');
    expect(unknownBus.message).toBe('Event bus ghost does not exist.');
    expect(badPattern.name).toBe('InvalidEventPatternException');
    const archives = await harness.client.send(new ListArchivesCommand({}));
    expect(archives.Archives?.map((a) => a.ArchiveName)).toEqual(['orders-archive']);
  });
});

describe('embedded EventBridge: the managed rule of an archive', () => {
  const RULE = 'Events-Archive-orders-archive';
  const RULE_ARN = `arn:aws:events:us-east-1:111111111111:rule/orders/${RULE}`;
  const MANAGED_BY = 'prod.vhs.events.aws.internal';
  let harness: Harness;

  const ruleNames = async (prefix?: string) =>
    (
      await harness.client.send(
        new ListRulesCommand({ EventBusName: 'orders', ...(prefix ? { NamePrefix: prefix } : {}) }),
      )
    ).Rules?.map((r) => r.Name);
  const eventCount = async () =>
    (await harness.client.send(new DescribeArchiveCommand({ ArchiveName: 'orders-archive' }))).EventCount;

  beforeEach(async () => {
    harness = await startHarness();
    await harness.client.send(new CreateEventBusCommand({ Name: 'orders' }));
    await harness.client.send(
      new CreateArchiveCommand({
        ArchiveName: 'orders-archive',
        EventSourceArn: BUS_ARN,
        EventPattern: '{"source":["sharebus.orders"]}',
      }),
    );
  });

  afterEach(async () => {
    await harness.close();
  });

  it('lists, describes and shows the target of the Events-Archive rule as AWS does', async () => {
    // Prepare
    await addQueueRule(harness, 'live');
    // Act
    const all = await harness.client.send(new ListRulesCommand({ EventBusName: 'orders' }));
    const byPrefix = await ruleNames('Events-Archive-');
    const subscriptions = await ruleNames('sharebus-sub-');
    const described = await harness.client.send(
      new DescribeRuleCommand({ Name: RULE, EventBusName: 'orders' }),
    );
    const targets = await harness.client.send(
      new ListTargetsByRuleCommand({ Rule: RULE, EventBusName: 'orders' }),
    );
    // Assess
    expect(all.Rules?.map((r) => [r.Name, r.ManagedBy])).toEqual([
      [RULE, MANAGED_BY],
      ['live', undefined],
    ]);
    expect(byPrefix).toEqual([RULE]);
    expect(subscriptions).toEqual([]);
    expect(described).toMatchObject({
      Name: RULE,
      Arn: RULE_ARN,
      State: 'ENABLED',
      ManagedBy: MANAGED_BY,
      EventBusName: 'orders',
      CreatedBy: '111111111111',
    });
    expect(described.Description).toBeUndefined();
    expect(JSON.parse(described.EventPattern ?? '{}')).toEqual({
      source: ['sharebus.orders'],
      'replay-name': [{ exists: false }],
    });
    expect(targets.Targets).toEqual([
      {
        Id: RULE,
        Arn: 'arn:aws:events:us-east-1:::',
        InputTransformer: {
          InputPathsMap: {},
          InputTemplate: expect.stringMatching(
            /^\{"archive-arn": "arn:aws:events:us-east-1:111111111111:archive\/orders-archive:[0-9a-f-]{36}","event": <aws\.events\.event\.json>,"ingestion-time": <aws\.events\.event\.ingestion-time>\}$/,
          ),
        },
      },
    ]);
  });

  it('follows UpdateArchive and goes with DeleteArchive', async () => {
    // Act
    await harness.client.send(
      new UpdateArchiveCommand({
        ArchiveName: 'orders-archive',
        EventPattern: '{"detail-type":["OrderPlaced"]}',
      }),
    );
    const updated = await harness.client.send(
      new DescribeRuleCommand({ Name: RULE, EventBusName: 'orders' }),
    );
    await harness.client.send(new DeleteArchiveCommand({ ArchiveName: 'orders-archive' }));
    const gone = await caught(() =>
      harness.client.send(new DescribeRuleCommand({ Name: RULE, EventBusName: 'orders' })),
    );
    // Assess
    expect(JSON.parse(updated.EventPattern ?? '{}')).toEqual({
      'detail-type': ['OrderPlaced'],
      'replay-name': [{ exists: false }],
    });
    expect(gone.name).toBe('ResourceNotFoundException');
    expect(gone.message).toBe(`Rule ${RULE} does not exist on EventBus orders.`);
    expect(await ruleNames()).toEqual([]);
  });

  it('refuses to change the managed rule with ManagedRuleException and keeps archiving', async () => {
    // Act
    const ref = { EventBusName: 'orders' };
    const refusals = await Promise.all([
      caught(() =>
        harness.client.send(new PutRuleCommand({ Name: RULE, ...ref, EventPattern: '{"source":["x"]}' })),
      ),
      caught(() => harness.client.send(new DisableRuleCommand({ Name: RULE, ...ref }))),
      caught(() => harness.client.send(new EnableRuleCommand({ Name: RULE, ...ref }))),
      caught(() =>
        harness.client.send(
          new PutTargetsCommand({ Rule: RULE, ...ref, Targets: [{ Id: 'q', Arn: queueArn('q') }] }),
        ),
      ),
    ]);
    const forceRequired = await Promise.all([
      caught(() => harness.client.send(new DeleteRuleCommand({ Name: RULE, ...ref }))),
      caught(() => harness.client.send(new RemoveTargetsCommand({ Rule: RULE, ...ref, Ids: [RULE] }))),
    ]);
    await putOrders(harness, [1]);
    // Assess
    for (const error of refusals) {
      expect([error.name, error.message]).toEqual(['ManagedRuleException', `${RULE} is a managed rule.`]);
    }
    for (const error of forceRequired) {
      expect([error.name, error.message]).toEqual([
        'ManagedRuleException',
        `${RULE} is a managed rule. Set 'force' parameter to true to override.`,
      ]);
    }
    const targets = await harness.client.send(new ListTargetsByRuleCommand({ Rule: RULE, ...ref }));
    expect(targets.Targets?.map((t) => t.Id)).toEqual([RULE]);
    expect(await eventCount()).toBe(1);
  });

  it('lets Force remove the target and then the rule, which disables the archive', async () => {
    // Prepare
    const ref = { EventBusName: 'orders' };
    await putOrders(harness, [1]);
    // Act
    const withTargets = await caught(() =>
      harness.client.send(new DeleteRuleCommand({ Name: RULE, ...ref, Force: true })),
    );
    const removed = await harness.client.send(
      new RemoveTargetsCommand({ Rule: RULE, ...ref, Ids: [RULE, 'other'], Force: true }),
    );
    await putOrders(harness, [2]);
    await harness.client.send(new DeleteRuleCommand({ Name: RULE, ...ref, Force: true }));
    // Assess
    expect([withTargets.name, withTargets.message]).toEqual([
      'ValidationException',
      "Rule can't be deleted since it has targets.",
    ]);
    expect(removed.FailedEntries).toEqual([
      {
        TargetId: 'other',
        ErrorCode: 'ResourceNotFoundException',
        ErrorMessage: `Rule '${RULE}' does not have a target with the Id 'other'.`,
      },
    ]);
    expect(await ruleNames()).toEqual([]);
    const archive = await harness.client.send(new DescribeArchiveCommand({ ArchiveName: 'orders-archive' }));
    expect(archive).toMatchObject({
      State: 'DISABLED',
      StateReason: 'Managed rule for the archive was forcefully deleted.',
      EventCount: 1,
    });
  });

  it('archives each event once and delivers nothing to the managed target', async () => {
    // Act
    await putOrders(harness, [1, 2, 3]);
    await harness.eventBridge.idle();
    // Assess
    expect(await eventCount()).toBe(3);
    expect(harness.eventBridge.deadLetters.list()).toEqual([]);
    expect(harness.warnings).toEqual([]);
  });

  it('refuses an archive whose rule name a rule of the bus already has', async () => {
    // Prepare
    await harness.client.send(
      new PutRuleCommand({
        Name: 'Events-Archive-second',
        EventBusName: 'orders',
        EventPattern: '{"source":["x"]}',
      }),
    );
    // Act
    const error = await caught(() =>
      harness.client.send(new CreateArchiveCommand({ ArchiveName: 'second', EventSourceArn: BUS_ARN })),
    );
    // Assess
    expect([error.name, error.message]).toEqual([
      'ResourceAlreadyExistsException',
      'Rule Events-Archive-second already exists.',
    ]);
    expect(
      (await harness.client.send(new ListArchivesCommand({}))).Archives?.map((a) => a.ArchiveName),
    ).toEqual(['orders-archive']);
  });
});

describe('embedded EventBridge: replays', () => {
  let harness: Harness;

  beforeEach(async () => {
    harness = await startHarness();
    await harness.client.send(new CreateEventBusCommand({ Name: 'orders' }));
    await harness.client.send(
      new CreateArchiveCommand({ ArchiveName: 'orders-archive', EventSourceArn: BUS_ARN }),
    );
  });

  afterEach(async () => {
    await harness.close();
  });

  it('replays the archived events of a window to the bus rules, marked with replay-name', async () => {
    // Prepare
    await addQueueRule(harness, 'live');
    const start = new Date(Date.now() - 60_000);
    await putOrders(harness, [1, 2]);
    await harness.eventBridge.idle();
    const original = bodies(harness, 'live');
    // Act
    const started = await harness.client.send(
      new StartReplayCommand({
        ReplayName: 'replay-1',
        EventSourceArn: ARCHIVE_ARN,
        EventStartTime: start,
        EventEndTime: new Date(Date.now() + 60_000),
        Destination: { Arn: BUS_ARN },
      }),
    );
    await harness.eventBridge.idle();
    const replayed = bodies(harness, 'live');
    const described = await harness.client.send(new DescribeReplayCommand({ ReplayName: 'replay-1' }));
    // Assess
    expect(started).toMatchObject({
      ReplayArn: 'arn:aws:events:us-east-1:111111111111:replay/replay-1',
      State: 'STARTING',
    });
    expect(replayed).toEqual(original.map((event) => ({ ...event, 'replay-name': 'replay-1' })));
    expect(Object.keys(replayed[0] ?? {})).toEqual([
      'version',
      'id',
      'detail-type',
      'source',
      'account',
      'time',
      'region',
      'replay-name',
      'resources',
      'detail',
    ]);
    expect(described).toMatchObject({
      ReplayName: 'replay-1',
      State: 'COMPLETED',
      EventSourceArn: ARCHIVE_ARN,
      Destination: { Arn: BUS_ARN },
    });
    expect(described.ReplayEndTime).toBeInstanceOf(Date);
    expect(described.EventLastReplayedTime).toBeInstanceOf(Date);
    const archive = await harness.client.send(new DescribeArchiveCommand({ ArchiveName: 'orders-archive' }));
    expect(archive.EventCount).toBe(2);
  });

  it('replays only to the rules named in FilterArns, and only events inside the window', async () => {
    // Prepare
    const chosen = await addQueueRule(harness, 'chosen');
    await addQueueRule(harness, 'other');
    await putOrders(harness, [1]);
    await harness.eventBridge.idle();
    bodies(harness, 'chosen');
    bodies(harness, 'other');
    // Act
    await harness.client.send(
      new StartReplayCommand({
        ReplayName: 'filtered',
        EventSourceArn: ARCHIVE_ARN,
        EventStartTime: new Date(Date.now() - 60_000),
        EventEndTime: new Date(Date.now() + 60_000),
        Destination: { Arn: BUS_ARN, FilterArns: [chosen] },
      }),
    );
    await harness.client.send(
      new StartReplayCommand({
        ReplayName: 'empty-window',
        EventSourceArn: ARCHIVE_ARN,
        EventStartTime: new Date(Date.now() - 7_200_000),
        EventEndTime: new Date(Date.now() - 3_600_000),
        Destination: { Arn: BUS_ARN },
      }),
    );
    await harness.eventBridge.idle();
    // Assess
    expect(bodies(harness, 'chosen')).toHaveLength(1);
    expect(bodies(harness, 'other')).toHaveLength(0);
    const replays = await harness.client.send(new ListReplaysCommand({}));
    expect(replays.Replays?.map((r) => [r.ReplayName, r.State])).toEqual([
      ['empty-window', 'COMPLETED'],
      ['filtered', 'COMPLETED'],
    ]);
  });

  it('answers AWS errors for bad replays and starts none', async () => {
    // Prepare
    await harness.client.send(new CreateEventBusCommand({ Name: 'elsewhere' }));
    const window = { EventStartTime: new Date(Date.now() - 60_000), EventEndTime: new Date() };
    const start = (name: string, overrides: Partial<ConstructorParameters<typeof StartReplayCommand>[0]>) =>
      caught(() =>
        harness.client.send(
          new StartReplayCommand({
            ReplayName: name,
            EventSourceArn: ARCHIVE_ARN,
            Destination: { Arn: BUS_ARN },
            ...window,
            ...overrides,
          }),
        ),
      );
    // Act
    const unknownArchive = await start('a', {
      EventSourceArn: 'arn:aws:events:us-east-1:111111111111:archive/ghost',
    });
    const crossBus = await start('b', {
      Destination: { Arn: 'arn:aws:events:us-east-1:111111111111:event-bus/elsewhere' },
    });
    const unknownBus = await start('c', {
      Destination: { Arn: 'arn:aws:events:us-east-1:111111111111:event-bus/ghost' },
    });
    const backwards = await start('d', {
      EventStartTime: window.EventEndTime,
      EventEndTime: window.EventStartTime,
    });
    // Assess
    expect(unknownArchive.message).toBe(
      'Parameter EventSourceArn is not valid. Reason: Archive ghost does not exist.',
    );
    expect(crossBus.message).toBe(
      'Parameter Destination.Arn is not valid. Reason: Cross event bus replay is not permitted.',
    );
    expect(unknownBus.name).toBe('ResourceNotFoundException');
    expect(unknownBus.message).toBe('Event bus ghost does not exist.');
    expect(backwards.message).toBe(
      'Parameter EventEndTime is not valid. Reason: EventStartTime must be before EventEndTime.',
    );
    expect((await harness.client.send(new ListReplaysCommand({}))).Replays).toEqual([]);
  });

  it('refuses a second replay of the same name', async () => {
    // Prepare
    const request = {
      ReplayName: 'once',
      EventSourceArn: ARCHIVE_ARN,
      EventStartTime: new Date(Date.now() - 60_000),
      EventEndTime: new Date(),
      Destination: { Arn: BUS_ARN },
    };
    await harness.client.send(new StartReplayCommand(request));
    // Act
    const error = await caught(() => harness.client.send(new StartReplayCommand(request)));
    // Assess
    expect(error.name).toBe('ResourceAlreadyExistsException');
    expect(error.message).toBe('Replay once already exists.');
  });

  it('answers ResourceNotFoundException for a replay that does not exist', async () => {
    // Act
    const error = await caught(() => harness.client.send(new DescribeReplayCommand({ ReplayName: 'nope' })));
    // Assess
    expect(error.name).toBe('ResourceNotFoundException');
  });
});

describe('embedded EventBridge: archives in dataDir', () => {
  let dataDir: string;

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sharebus-eventbridge-'));
  });

  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps archives and their events across a restart and replays them', async () => {
    // Prepare
    const first = await startHarness({ dataDir });
    await first.client.send(new CreateEventBusCommand({ Name: 'orders' }));
    await first.client.send(
      new CreateArchiveCommand({ ArchiveName: 'orders-archive', EventSourceArn: BUS_ARN }),
    );
    await putOrders(first, [1, 2, 3]);
    await first.eventBridge.idle();
    await first.close();
    const second = await startHarness({ dataDir });
    try {
      await second.client.send(new CreateEventBusCommand({ Name: 'orders' }));
      await addQueueRule(second, 'after-restart');
      // Act
      const described = await second.client.send(
        new DescribeArchiveCommand({ ArchiveName: 'orders-archive' }),
      );
      await second.client.send(
        new StartReplayCommand({
          ReplayName: 'after-restart',
          EventSourceArn: ARCHIVE_ARN,
          EventStartTime: new Date(Date.now() - 60_000),
          EventEndTime: new Date(Date.now() + 60_000),
          Destination: { Arn: BUS_ARN },
        }),
      );
      await second.eventBridge.idle();
      const rules = await second.client.send(new ListRulesCommand({ EventBusName: 'orders' }));
      // Assess
      expect(described.EventCount).toBe(3);
      expect(rules.Rules?.map((r) => r.Name)).toEqual(['after-restart', 'Events-Archive-orders-archive']);
      const replayed = bodies(second, 'after-restart');
      expect(replayed.map((e) => (e.detail as { orderId: number }).orderId)).toEqual([1, 2, 3]);
    } finally {
      await second.close();
    }
  });
});
