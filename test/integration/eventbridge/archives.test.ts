import { existsSync } from 'node:fs';
import { appendFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  CancelReplayCommand,
  CreateArchiveCommand,
  CreateConnectionCommand,
  CreateEventBusCommand,
  DeleteArchiveCommand,
  DeleteEventBusCommand,
  DeleteRuleCommand,
  DescribeArchiveCommand,
  DescribeEventBusCommand,
  DescribeReplayCommand,
  DescribeRuleCommand,
  DisableRuleCommand,
  EnableRuleCommand,
  ListArchivesCommand,
  type ListArchivesCommandInput,
  type ListArchivesCommandOutput,
  ListConnectionsCommand,
  ListReplaysCommand,
  type ListReplaysCommandInput,
  ListRuleNamesByTargetCommand,
  ListRulesCommand,
  ListTargetsByRuleCommand,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
  StartReplayCommand,
  UpdateArchiveCommand,
} from '@aws-sdk/client-eventbridge';
import { jest } from '@jest/globals';
import { costlyCondition, costlyDetail, slowCondition, slowDetail } from '../../costly-arrays.js';
import { caught, type Harness, putQueueRule, queueArn, startHarness, useHarness } from './harness.js';

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

/** The `orders` bus and its `orders-archive`, which the replay tests start from. */
/** The directory of an archive's segments, named by its incarnation (archives.json says which). */
async function eventsDir(dataDir: string, archive = 'orders-archive'): Promise<string> {
  const index = JSON.parse(await readFile(join(dataDir, 'archives.json'), 'utf8')) as {
    archives: Array<{ name: string; incarnation: string }>;
  };
  const incarnation = index.archives.find((a) => a.name === archive)?.incarnation ?? 'none';
  return join(dataDir, 'archives', 'events', incarnation);
}

/** The file of an archive's first segment of events. */
async function firstSegment(dataDir: string, archive = 'orders-archive'): Promise<string> {
  return join(await eventsDir(dataDir, archive), '00000001.jsonl');
}

/**
 * A dataDir laid out as versions before segments left it: the orders archive with `orders` (events), its events in
 * the one file `archives/orders-archive.jsonl`, lines {json, time, ingestedAt}. Answers that file's path.
 */
async function oldLayout(dataDir: string, orders: number[]): Promise<string> {
  const first = await startHarness({ dataDir });
  await createOrdersArchive(first);
  await putOrders(first, orders);
  await first.eventBridge.idle();
  await first.close();
  const lines = (await readFile(await firstSegment(dataDir), 'utf8')).split('\n').filter(Boolean);
  const legacy = lines.map((line) => {
    const { json, time, ingestedAt } = JSON.parse(line) as Record<string, unknown>;
    return JSON.stringify({ json, time, ingestedAt });
  });
  await rm(join(dataDir, 'archives', 'events'), { recursive: true });
  const file = join(dataDir, 'archives', 'orders-archive.jsonl');
  await writeFile(file, `${legacy.join('\n')}\n`);
  return file;
}

/**
 * Starts on the dataDir twice (so that events moved or added a second time would show, counted twice), then once more
 * to replay the orders archive to queue `queue`: its EventCount then, what `archives/` holds, and the orders replayed.
 */
async function startedThrice(
  dataDir: string,
  queue: string,
  /** Gets the warnings of the three runs. */
  warned: string[] = [],
): Promise<{ count: number | undefined; files: string[]; replayed: number[] }> {
  const logger = { warn: (message: string) => warned.push(message), error: () => {} };
  for (const _ of [1, 2]) {
    const h = await startHarness({ dataDir, logger });
    await h.eventBridge.idle();
    await h.close();
  }
  const third = await startHarness({ dataDir, logger });
  try {
    await addQueueRule(third, queue);
    const described = await third.client.send(new DescribeArchiveCommand({ ArchiveName: 'orders-archive' }));
    await startOrdersReplay(third, queue);
    await third.eventBridge.idle();
    return {
      count: described.EventCount,
      files: await readdir(join(dataDir, 'archives')),
      replayed: bodies(third, queue).map((e) => (e.detail as { orderId: number }).orderId),
    };
  } finally {
    await third.close();
  }
}

async function createOrdersArchive(harness: Harness): Promise<void> {
  await harness.client.send(new CreateEventBusCommand({ Name: 'orders' }));
  await harness.client.send(
    new CreateArchiveCommand({ ArchiveName: 'orders-archive', EventSourceArn: BUS_ARN }),
  );
}

/** A replay of the orders archive over the minute either side of now, back to its bus. */
function startOrdersReplay(harness: Harness, name: string) {
  return harness.client.send(
    new StartReplayCommand({
      ReplayName: name,
      EventSourceArn: ARCHIVE_ARN,
      EventStartTime: new Date(Date.now() - 60_000),
      EventEndTime: new Date(Date.now() + 60_000),
      Destination: { Arn: BUS_ARN },
    }),
  );
}

/** A rule on orders for its orders, queuing them in a queue of its name; resolves with the rule's ARN. */
function addQueueRule(harness: Harness, name: string): Promise<string> {
  return putQueueRule(harness, {
    bus: 'orders',
    name,
    pattern: '{"source":["sharebus.orders"]}',
    queue: name,
  });
}

/**
 * The `live` rule on orders, and `detail` put on an `inbound` bus whose rule forwards it to orders through a template
 * that writes the detail first; resolves once it is archived and delivered.
 */
async function forwardToOrders(harness: Harness, detail: Record<string, unknown>): Promise<void> {
  await addQueueRule(harness, 'live');
  await harness.client.send(new CreateEventBusCommand({ Name: 'inbound' }));
  await harness.client.send(
    new PutRuleCommand({
      Name: 'forward',
      EventBusName: 'inbound',
      EventPattern: '{"source":["sharebus.orders"]}',
    }),
  );
  const paths = {
    d: '$.detail',
    v: '$.version',
    i: '$.id',
    t: '$.detail-type',
    s: '$.source',
    a: '$.account',
  };
  await harness.client.send(
    new PutTargetsCommand({
      Rule: 'forward',
      EventBusName: 'inbound',
      Targets: [
        {
          Id: 'orders',
          Arn: BUS_ARN,
          InputTransformer: {
            InputPathsMap: { ...paths, at: '$.time', r: '$.region', rs: '$.resources' },
            InputTemplate:
              '{"detail": <d>, "version": <v>, "id": <i>, "detail-type": <t>, "source": <s>, "account": <a>, "time": <at>, "region": <r>, "resources": <rs>}',
          },
        },
      ],
    }),
  );
  await harness.client.send(
    new PutEventsCommand({
      Entries: [
        {
          Source: 'sharebus.orders',
          DetailType: 'OrderPlaced',
          Detail: JSON.stringify(detail),
          EventBusName: 'inbound',
        },
      ],
    }),
  );
  await harness.eventBridge.idle();
}

const bodies = (harness: Harness, queue: string) =>
  harness.eventBridge.queues
    .receive(queueArn(queue))
    .map((m) => JSON.parse(m.body) as Record<string, unknown>);

describe('embedded EventBridge: archives', () => {
  const harness = useHarness();

  afterEach(() => {
    jest.restoreAllMocks();
  });

  beforeEach(async () => {
    await harness.client.send(new CreateEventBusCommand({ Name: 'orders' }));
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

  it('leaves out an event whose match with its pattern is too costly to decide, and says so', async () => {
    // Prepare: see costly-arrays.ts
    await harness.client.send(
      new CreateArchiveCommand({
        ArchiveName: 'orders-archive',
        EventSourceArn: BUS_ARN,
        EventPattern: JSON.stringify({ detail: costlyCondition() }),
      }),
    );
    // Act
    const put = await harness.client.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: 'sharebus.orders',
            DetailType: 'OrderPlaced',
            Detail: JSON.stringify(costlyDetail()),
            EventBusName: 'orders',
          },
        ],
      }),
    );
    // Assess
    const described = await harness.client.send(
      new DescribeArchiveCommand({ ArchiveName: 'orders-archive' }),
    );
    expect(described.EventCount).toBe(0);
    // Said to the server's logger, not to the console (before 2026-12-07).
    expect(harness.warnings).toEqual([
      `[eventbridge] event ${put.Entries?.[0]?.EventId} not archived in archive orders-archive: its pattern's ` +
        'conditions on arrays of objects were too costly to decide (past 2 s, or 20 million values tried, in this ' +
        'event and any put with it)',
    ]);
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

  it('drops events past RetentionDays, and at once when UpdateArchive shortens it', async () => {
    // Prepare: the server's clock, moved by hand.
    const start = Date.now();
    let offset = 0;
    jest.spyOn(Date, 'now').mockImplementation(() => start + offset);
    const day = 86_400_000;
    const count = async () =>
      (await harness.client.send(new DescribeArchiveCommand({ ArchiveName: 'kept-two-days' }))).EventCount;
    await harness.client.send(
      new CreateArchiveCommand({ ArchiveName: 'kept-two-days', EventSourceArn: BUS_ARN, RetentionDays: 2 }),
    );
    await putOrders(harness, [1, 2]);
    offset = 1.5 * day;
    await putOrders(harness, [3]);
    // Act
    offset = 2 * day + 60_000;
    const afterTwoDays = await count();
    offset = 2.6 * day;
    const beforeUpdate = await count();
    await harness.client.send(new UpdateArchiveCommand({ ArchiveName: 'kept-two-days', RetentionDays: 1 }));
    const afterUpdate = await count();
    // Assess: the third event was 1.1 days old when retention became one day.
    expect({ afterTwoDays, beforeUpdate, afterUpdate }).toEqual({
      afterTwoDays: 1,
      beforeUpdate: 1,
      afterUpdate: 0,
    });
  });

  it('stores an empty Description or EventPattern as none, and clamps RetentionDays to an int32', async () => {
    // Act
    await harness.client.send(
      new CreateArchiveCommand({
        ArchiveName: 'empty-fields',
        EventSourceArn: BUS_ARN,
        Description: '',
        EventPattern: '',
        RetentionDays: 0,
        KmsKeyIdentifier: '',
      }),
    );
    await harness.client.send(
      new CreateArchiveCommand({ ArchiveName: 'long-kept', EventSourceArn: BUS_ARN, RetentionDays: 2 ** 31 }),
    );
    const empty = await harness.client.send(new DescribeArchiveCommand({ ArchiveName: 'empty-fields' }));
    const longKept = await harness.client.send(new DescribeArchiveCommand({ ArchiveName: 'long-kept' }));
    const rule = await harness.client.send(
      new DescribeRuleCommand({ Name: 'Events-Archive-empty-fields', EventBusName: 'orders' }),
    );
    // Assess
    expect(empty).toMatchObject({ ArchiveName: 'empty-fields', State: 'ENABLED', RetentionDays: 0 });
    expect(empty.Description).toBeUndefined();
    expect(empty.EventPattern).toBeUndefined();
    expect(empty.KmsKeyIdentifier).toBeUndefined();
    expect(rule.EventPattern).toBe('{"replay-name":[{"exists":false}]}');
    expect(longKept.RetentionDays).toBe(2_147_483_647);
  });

  it('clamps a RetentionDays past an int32 at UpdateArchive as at CreateArchive', async () => {
    // Prepare
    await harness.client.send(
      new CreateArchiveCommand({ ArchiveName: 'kept-longer', EventSourceArn: BUS_ARN, RetentionDays: 1 }),
    );
    // Act
    await harness.client.send(
      new UpdateArchiveCommand({ ArchiveName: 'kept-longer', RetentionDays: 2 ** 31 }),
    );
    // Assess
    const described = await harness.client.send(new DescribeArchiveCommand({ ArchiveName: 'kept-longer' }));
    const listed = await harness.client.send(new ListArchivesCommand({ NamePrefix: 'kept-longer' }));
    expect(described.RetentionDays).toBe(2_147_483_647);
    expect(listed.Archives?.[0]?.RetentionDays).toBe(2_147_483_647);
  });

  // UpdateArchive's reference: "CreationTime: The time at which the archive was updated" (archive review, session 64:
  // it answered the creation's time).
  it("answers UpdateArchive's CreationTime with the update's time, DescribeArchive's with the creation's", async () => {
    // Prepare
    const created = await harness.client.send(
      new CreateArchiveCommand({ ArchiveName: 'dated', EventSourceArn: BUS_ARN }),
    );
    const createdMs = created.CreationTime?.getTime() ?? Number.NaN;
    while (Date.now() <= createdMs) await new Promise((resolveWait) => setTimeout(resolveWait, 5));
    // Act
    const updated = await harness.client.send(
      new UpdateArchiveCommand({ ArchiveName: 'dated', Description: 'updated' }),
    );
    const described = await harness.client.send(new DescribeArchiveCommand({ ArchiveName: 'dated' }));
    // Assess
    expect(updated.CreationTime?.getTime()).toBeGreaterThan(createdMs);
    expect(described.CreationTime).toEqual(created.CreationTime);
  });

  it('shows the KmsKeyIdentifier it was given, which UpdateArchive changes, or clears when left out or ""', async () => {
    // Prepare
    const key = 'arn:aws:kms:us-east-1:111111111111:key/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab';
    await harness.client.send(
      new CreateArchiveCommand({
        ArchiveName: 'keyed',
        EventSourceArn: BUS_ARN,
        KmsKeyIdentifier: 'alias/first',
      }),
    );
    const describe = () => harness.client.send(new DescribeArchiveCommand({ ArchiveName: 'keyed' }));
    const created = await describe();
    // Act
    await harness.client.send(new UpdateArchiveCommand({ ArchiveName: 'keyed', KmsKeyIdentifier: key }));
    const changed = await describe();
    await harness.client.send(
      new UpdateArchiveCommand({
        ArchiveName: 'keyed',
        Description: 'key given again',
        KmsKeyIdentifier: key,
      }),
    );
    const kept = await describe();
    await harness.client.send(new UpdateArchiveCommand({ ArchiveName: 'keyed', KmsKeyIdentifier: '' }));
    const cleared = await describe();
    await harness.client.send(new UpdateArchiveCommand({ ArchiveName: 'keyed', KmsKeyIdentifier: key }));
    await harness.client.send(
      new UpdateArchiveCommand({ ArchiveName: 'keyed', Description: 'key left out' }),
    );
    const leftOut = await describe();
    const listed = await harness.client.send(new ListArchivesCommand({ NamePrefix: 'keyed' }));
    // Assess
    expect(created.KmsKeyIdentifier).toBe('alias/first');
    expect(changed.KmsKeyIdentifier).toBe(key);
    expect(kept).toMatchObject({ KmsKeyIdentifier: key, Description: 'key given again' });
    expect(cleared.KmsKeyIdentifier).toBeUndefined();
    expect(cleared.Description).toBe('key given again');
    expect(leftOut.KmsKeyIdentifier).toBeUndefined();
    expect(leftOut.Description).toBe('key left out');
    // ListArchives' entries have no such field in AWS's model.
    expect(listed.Archives?.[0]).not.toHaveProperty('KmsKeyIdentifier');
  });

  it('clears the Description and EventPattern an UpdateArchive sets to empty', async () => {
    // Prepare
    await harness.client.send(
      new CreateArchiveCommand({
        ArchiveName: 'orders-archive',
        EventSourceArn: BUS_ARN,
        Description: 'all orders',
        EventPattern: '{"source":["sharebus.orders"]}',
        RetentionDays: 3,
      }),
    );
    // Act
    await harness.client.send(
      new UpdateArchiveCommand({
        ArchiveName: 'orders-archive',
        Description: '',
        EventPattern: '',
        RetentionDays: 0,
      }),
    );
    await putOrders(harness, [1], 'someone.else');
    // Assess
    const described = await harness.client.send(
      new DescribeArchiveCommand({ ArchiveName: 'orders-archive' }),
    );
    expect(described).toMatchObject({ State: 'ENABLED', RetentionDays: 0, EventCount: 1 });
    expect(described.Description).toBeUndefined();
    expect(described.EventPattern).toBeUndefined();
    const rule = await harness.client.send(
      new DescribeRuleCommand({ Name: 'Events-Archive-orders-archive', EventBusName: 'orders' }),
    );
    expect(rule.EventPattern).toBe('{"replay-name":[{"exists":false}]}');
  });

  it('asks UpdateArchive for a change before it looks the archive up, and changes nothing on a bad one', async () => {
    // Prepare
    await harness.client.send(
      new CreateArchiveCommand({
        ArchiveName: 'orders-archive',
        EventSourceArn: BUS_ARN,
        Description: 'kept',
      }),
    );
    // Act
    const noChange = await caught(() =>
      harness.client.send(new UpdateArchiveCommand({ ArchiveName: 'missing' })),
    );
    const missing = await caught(() =>
      harness.client.send(new UpdateArchiveCommand({ ArchiveName: 'missing', Description: 'x' })),
    );
    const badPattern = await caught(() =>
      harness.client.send(
        new UpdateArchiveCommand({
          ArchiveName: 'orders-archive',
          Description: 'must-not-save',
          RetentionDays: 99,
          EventPattern: '{bad',
        }),
      ),
    );
    const badKey = await caught(() =>
      harness.client.send(
        new UpdateArchiveCommand({ ArchiveName: 'orders-archive', KmsKeyIdentifier: 'invalid!' }),
      ),
    );
    const keyOnly = await harness.client.send(
      new UpdateArchiveCommand({ ArchiveName: 'orders-archive', KmsKeyIdentifier: '' }),
    );
    // Assess
    expect([noChange.name, noChange.message]).toEqual([
      'ValidationException',
      'At least one of EventPattern, RetentionDays or Description must be provided.',
    ]);
    expect([missing.name, missing.message]).toEqual([
      'ResourceNotFoundException',
      'Archive missing does not exist.',
    ]);
    expect(badPattern.name).toBe('InvalidEventPatternException');
    expect([badKey.name, badKey.message]).toEqual([
      'ValidationException',
      "1 validation error detected: Value 'invalid!' at 'kmsKeyIdentifier' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9_\\-/:]*$",
    ]);
    expect(keyOnly.State).toBe('ENABLED');
    const described = await harness.client.send(
      new DescribeArchiveCommand({ ArchiveName: 'orders-archive' }),
    );
    expect(described).toMatchObject({ Description: 'kept', RetentionDays: 0 });
    expect(described.EventPattern).toBeUndefined();
  });

  it('refuses an EventSourceArn that is not an event bus of this account and region with AWS messages', async () => {
    // Prepare
    const create = (source: string) =>
      caught(() =>
        harness.client.send(new CreateArchiveCommand({ ArchiveName: 'bad-source', EventSourceArn: source })),
      );
    // Act
    const answers = await Promise.all(
      [
        'orders',
        'arn:aws:events:us-east-1:111111111111:rule/orders/some-rule',
        'arn:aws:events:us-east-1::event-bus/orders',
        'arn:aws:events:us-west-2:111111111111:event-bus/orders',
        'arn:aws:events:us-east-1:999000999000:event-bus/orders',
        'arn:aws-cn:events:us-east-1:111111111111:event-bus/orders',
      ].map(async (source) => {
        const error = await create(source);
        return [error.name, error.message];
      }),
    );
    // Assess
    const invalid = (reason: string) => [
      'ValidationException',
      `Parameter EventSourceArn is not valid. Reason: ${reason}`,
    ];
    expect(answers).toEqual([
      [
        'ValidationException',
        "1 validation error detected: Value 'orders' at 'eventSourceArn' failed to satisfy constraint: Member must satisfy regular expression pattern: ^arn:aws([a-z]|\\-)*:events:([a-z]|\\d|\\-)*:([0-9]{12})?:.+\\/.+$",
      ],
      invalid('Must contain an event bus ARN.'),
      invalid('Must contain an event bus ARN.'),
      invalid('Creating cross-region archive is not permitted.'),
      invalid('Creating cross-account archive is not permitted.'),
      invalid('Creating cross-partition archive is not permitted.'),
    ]);
    expect((await harness.client.send(new ListArchivesCommand({}))).Archives).toEqual([]);
  });

  it('lists archives by at most one filter, in pages whose token holds to its filter', async () => {
    // Prepare
    for (const name of ['orders-a', 'orders-b', 'orders-c']) {
      await harness.client.send(new CreateArchiveCommand({ ArchiveName: name, EventSourceArn: BUS_ARN }));
    }
    const list = (input: ListArchivesCommandInput) => harness.client.send(new ListArchivesCommand(input));
    // Act
    const first = await list({ NamePrefix: 'orders', Limit: 1 });
    const second = await list({ NamePrefix: 'orders', Limit: 1, NextToken: first.NextToken });
    const again = await list({ NamePrefix: 'orders', Limit: 1, NextToken: first.NextToken });
    const wider = await list({ NamePrefix: 'orders', Limit: 2, NextToken: first.NextToken });
    const otherPrefix = await caught(() =>
      list({ NamePrefix: 'orders-b', Limit: 1, NextToken: first.NextToken }),
    );
    const otherFilter = await caught(() =>
      list({ EventSourceArn: BUS_ARN, Limit: 1, NextToken: first.NextToken }),
    );
    const bogus = await caught(() => list({ NamePrefix: 'orders', NextToken: 'bogus' }));
    const twoFilters = await caught(() => list({ NamePrefix: 'orders', State: 'ENABLED' }));
    const badState = await caught(() => list({ State: 'INVALID' as 'ENABLED' }));
    const busName = await caught(() => list({ EventSourceArn: 'orders' }));
    const foreignBus = await caught(() =>
      list({ EventSourceArn: BUS_ARN.replace('111111111111', '222222222222') }),
    );
    // A token of another operation whose filters read alike (ListConnections has none; NamePrefix matches its name).
    for (const name of ['c1', 'c2']) {
      await harness.client.send(
        new CreateConnectionCommand({
          Name: name,
          AuthorizationType: 'API_KEY',
          AuthParameters: { ApiKeyAuthParameters: { ApiKeyName: 'k', ApiKeyValue: 'v' } },
        }),
      );
    }
    const connections = await harness.client.send(new ListConnectionsCommand({ Limit: 1 }));
    const connectionsToken = await caught(() =>
      list({ NamePrefix: 'ListConnections', NextToken: connections.NextToken }),
    );
    // Assess
    const names = (r: ListArchivesCommandOutput) => r.Archives?.map((a) => a.ArchiveName);
    expect(names(first)).toEqual(['orders-a']);
    expect(names(second)).toEqual(['orders-b']);
    expect(names(again)).toEqual(['orders-b']);
    expect(names(wider)).toEqual(['orders-b', 'orders-c']);
    expect(wider.NextToken).toBeUndefined();
    expect(otherPrefix.message).toBe('Parameter NextToken is not valid. Reason: Token invalid.');
    expect(otherFilter.message).toBe('Parameter NextToken is not valid. Reason: Token invalid.');
    expect(bogus.message).toBe('Parameter NextToken is not valid. Reason: Malformed request.');
    expect([twoFilters.name, twoFilters.message]).toEqual([
      'ValidationException',
      'At most one filter is allowed for ListArchives. Use either : State, EventSourceArn, or NamePrefix.',
    ]);
    expect(badState.message).toBe(
      "1 validation error detected: Value 'INVALID' at 'state' failed to satisfy constraint: Member must satisfy enum value set: [CREATE_FAILED, ENABLED, UPDATING, UPDATE_FAILED, CREATING, DISABLED]",
    );
    expect(busName.name).toBe('ValidationException');
    expect([foreignBus.name, foreignBus.message]).toEqual([
      'ResourceNotFoundException',
      'Event bus arn:aws:events:us-east-1:222222222222:event-bus/orders does not exist.',
    ]);
    expect(connectionsToken.message).toBe('Parameter NextToken is not valid. Reason: Token invalid.');
  });
});

describe('embedded EventBridge: the managed rule of an archive', () => {
  const RULE = 'Events-Archive-orders-archive';
  const RULE_ARN = `arn:aws:events:us-east-1:111111111111:rule/orders/${RULE}`;
  const MANAGED_BY = 'prod.vhs.events.aws.internal';
  const harness = useHarness();

  const ruleNames = async (prefix?: string) =>
    (
      await harness.client.send(
        new ListRulesCommand({ EventBusName: 'orders', ...(prefix ? { NamePrefix: prefix } : {}) }),
      )
    ).Rules?.map((r) => r.Name);
  const eventCount = async () =>
    (await harness.client.send(new DescribeArchiveCommand({ ArchiveName: 'orders-archive' }))).EventCount;

  beforeEach(async () => {
    await harness.client.send(new CreateEventBusCommand({ Name: 'orders' }));
    await harness.client.send(
      new CreateArchiveCommand({
        ArchiveName: 'orders-archive',
        EventSourceArn: BUS_ARN,
        EventPattern: '{"source":["sharebus.orders"]}',
      }),
    );
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
    expect(described.EventPattern).toBe('{"replay-name":[{"exists":false}],"source":["sharebus.orders"]}');
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
    expect(updated.EventPattern).toBe('{"replay-name":[{"exists":false}],"detail-type":["OrderPlaced"]}');
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

  it('refuses PutTargets of its own target with AWS ValidationException, any other with ManagedRuleException', async () => {
    // Prepare
    const ref = { EventBusName: 'orders' };
    const own = await harness.client.send(new ListTargetsByRuleCommand({ Rule: RULE, ...ref }));
    const ownTarget = own.Targets?.[0];
    // Act
    const ownRefused = await caught(() =>
      harness.client.send(
        new PutTargetsCommand({ Rule: RULE, ...ref, Targets: ownTarget ? [ownTarget] : [] }),
      ),
    );
    const otherRefused = await caught(() =>
      harness.client.send(
        new PutTargetsCommand({ Rule: RULE, ...ref, Targets: [{ Id: RULE, Arn: queueArn('q') }] }),
      ),
    );
    // Assess
    expect(ownTarget?.Arn).toBe('arn:aws:events:us-east-1:::');
    expect([ownRefused.name, ownRefused.message]).toEqual([
      'ValidationException',
      'Parameter arn:aws:events:us-east-1::: is not valid. Reason: Service as target config for ARN: ' +
        "arn:aws:events:us-east-1::: not found. The API call hasn't been recognized as managed rules call",
    ]);
    expect([otherRefused.name, otherRefused.message]).toEqual([
      'ManagedRuleException',
      `${RULE} is a managed rule.`,
    ]);
    const after = await harness.client.send(new ListTargetsByRuleCommand({ Rule: RULE, ...ref }));
    expect(after.Targets).toEqual(own.Targets);
  });

  it('lists the managed rules of the bus by their target ARN in ListRuleNamesByTarget, in pages', async () => {
    // Prepare
    const RULE2 = 'Events-Archive-orders-archive-2';
    const MANAGED_TARGET = 'arn:aws:events:us-east-1:::';
    await harness.client.send(
      new CreateArchiveCommand({ ArchiveName: 'orders-archive-2', EventSourceArn: BUS_ARN }),
    );
    await addQueueRule(harness, 'live');
    const byTarget = (
      TargetArn: string,
      more: { EventBusName?: string; Limit?: number; NextToken?: string },
    ) => harness.client.send(new ListRuleNamesByTargetCommand({ TargetArn, ...more }));
    // Act
    const all = await byTarget(MANAGED_TARGET, { EventBusName: 'orders' });
    const first = await byTarget(MANAGED_TARGET, { EventBusName: 'orders', Limit: 1 });
    const second = await byTarget(MANAGED_TARGET, {
      EventBusName: 'orders',
      Limit: 1,
      ...(first.NextToken ? { NextToken: first.NextToken } : {}),
    });
    const byQueue = await byTarget(queueArn('live'), { EventBusName: 'orders' });
    const onDefault = await byTarget(MANAGED_TARGET, {});
    await harness.client.send(
      new RemoveTargetsCommand({ Rule: RULE2, EventBusName: 'orders', Ids: [RULE2], Force: true }),
    );
    const afterRemoval = await byTarget(MANAGED_TARGET, { EventBusName: 'orders' });
    // Assess
    expect(all.RuleNames).toEqual([RULE, RULE2]);
    expect(all.NextToken).toBeUndefined();
    expect(first.RuleNames).toEqual([RULE]);
    expect(first.NextToken).toBeDefined();
    expect(second.RuleNames).toEqual([RULE2]);
    expect(second.NextToken).toBeUndefined();
    expect(byQueue.RuleNames).toEqual(['live']);
    expect(onDefault.RuleNames).toEqual([]);
    expect(afterRemoval.RuleNames).toEqual([RULE]);
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
    expect(removed).toMatchObject({ FailedEntryCount: 0, FailedEntries: [] });
    expect(await ruleNames()).toEqual([]);
    const archive = await harness.client.send(new DescribeArchiveCommand({ ArchiveName: 'orders-archive' }));
    expect(archive).toMatchObject({
      State: 'DISABLED',
      StateReason: 'Managed rule for the archive was forcefully deleted.',
      EventCount: 1,
    });
  });

  it('lists by State only the archives in that state', async () => {
    // Prepare: a second archive, still enabled, beside the one a forced removal of its target disables.
    await harness.client.send(
      new CreateArchiveCommand({ ArchiveName: 'other-archive', EventSourceArn: BUS_ARN }),
    );
    await harness.client.send(
      new RemoveTargetsCommand({ Rule: RULE, EventBusName: 'orders', Ids: [RULE], Force: true }),
    );
    const names = async (State: 'ENABLED' | 'DISABLED') =>
      (await harness.client.send(new ListArchivesCommand({ State }))).Archives?.map((a) => [
        a.ArchiveName,
        a.State,
      ]);
    // Act
    const disabled = await names('DISABLED');
    const enabled = await names('ENABLED');
    // Assess
    expect(disabled).toEqual([['orders-archive', 'DISABLED']]);
    expect(enabled).toEqual([['other-archive', 'ENABLED']]);
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
      "A rule with the pattern 'Events-Archive-second' already exists. Please choose a different archive name or delete your rule, then, try again.",
    ]);
    const rule = await harness.client.send(
      new DescribeRuleCommand({ Name: 'Events-Archive-second', EventBusName: 'orders' }),
    );
    expect(rule.EventPattern).toBe('{"source":["x"]}');
    expect(rule.ManagedBy).toBeUndefined();
    expect(
      (await harness.client.send(new ListArchivesCommand({}))).Archives?.map((a) => a.ArchiveName),
    ).toEqual(['orders-archive']);
  });

  it('puts the target back and enables the archive again on any UpdateArchive after a forced removal', async () => {
    // Prepare
    const ref = { Rule: RULE, EventBusName: 'orders' };
    const before = await harness.client.send(new ListTargetsByRuleCommand(ref));
    await harness.client.send(new RemoveTargetsCommand({ ...ref, Ids: [RULE], Force: true }));
    await putOrders(harness, [1]);
    // Act
    const updated = await harness.client.send(
      new UpdateArchiveCommand({ ArchiveName: 'orders-archive', Description: 'repair-target' }),
    );
    await putOrders(harness, [2]);
    // Assess
    expect(updated.State).toBe('ENABLED');
    const archive = await harness.client.send(new DescribeArchiveCommand({ ArchiveName: 'orders-archive' }));
    expect(archive).toMatchObject({ State: 'ENABLED', Description: 'repair-target', EventCount: 1 });
    expect(archive.StateReason).toBeUndefined();
    const after = await harness.client.send(new ListTargetsByRuleCommand(ref));
    expect(after.Targets).toEqual(before.Targets);
    expect(after.Targets).toHaveLength(1);
  });

  it('creates a forcefully deleted managed rule again on UpdateArchive', async () => {
    // Prepare
    const ref = { EventBusName: 'orders' };
    const before = await harness.client.send(new ListTargetsByRuleCommand({ Rule: RULE, ...ref }));
    await harness.client.send(new RemoveTargetsCommand({ Rule: RULE, ...ref, Ids: [RULE], Force: true }));
    await harness.client.send(new DeleteRuleCommand({ Name: RULE, ...ref, Force: true }));
    // Act
    await harness.client.send(
      new UpdateArchiveCommand({
        ArchiveName: 'orders-archive',
        Description: 'repair-check',
        EventPattern: '{"source":["repaired"]}',
      }),
    );
    // Assess
    const rules = await harness.client.send(new ListRulesCommand(ref));
    expect(rules.Rules).toEqual([
      {
        Name: RULE,
        Arn: RULE_ARN,
        EventPattern: '{"replay-name":[{"exists":false}],"source":["repaired"]}',
        State: 'ENABLED',
        ManagedBy: MANAGED_BY,
        EventBusName: 'orders',
      },
    ]);
    const targets = await harness.client.send(new ListTargetsByRuleCommand({ Rule: RULE, ...ref }));
    expect(targets.Targets).toEqual(before.Targets);
    const archive = await harness.client.send(new DescribeArchiveCommand({ ArchiveName: 'orders-archive' }));
    expect(archive).toMatchObject({ State: 'ENABLED', EventPattern: '{"source":["repaired"]}' });
    expect(archive.StateReason).toBeUndefined();
  });

  it('answers no failure when Force removes an id the managed rule has no target for', async () => {
    // Act
    const removed = await harness.client.send(
      new RemoveTargetsCommand({ Rule: RULE, EventBusName: 'orders', Ids: ['nonexistent'], Force: true }),
    );
    // Assess
    expect(removed).toMatchObject({ FailedEntryCount: 0, FailedEntries: [] });
    const archive = await harness.client.send(new DescribeArchiveCommand({ ArchiveName: 'orders-archive' }));
    expect(archive.State).toBe('ENABLED');
    const targets = await harness.client.send(
      new ListTargetsByRuleCommand({ Rule: RULE, EventBusName: 'orders' }),
    );
    expect(targets.Targets?.map((t) => t.Id)).toEqual([RULE]);
  });

  it('keeps a bus that has rules, its archive rule or ordinary ones, from DeleteEventBus', async () => {
    // Prepare
    await harness.client.send(new CreateEventBusCommand({ Name: 'plain' }));
    await harness.client.send(
      new PutRuleCommand({ Name: 'ordinary', EventBusName: 'plain', EventPattern: '{"source":["x"]}' }),
    );
    // Act
    const withArchive = await caught(() =>
      harness.client.send(new DeleteEventBusCommand({ Name: 'orders' })),
    );
    const withRule = await caught(() => harness.client.send(new DeleteEventBusCommand({ Name: 'plain' })));
    // Assess
    for (const error of [withArchive, withRule]) {
      expect([error.name, error.message]).toEqual([
        'ValidationException',
        "EventBus can't be deleted since it has rules.",
      ]);
    }
    await harness.client.send(new DescribeEventBusCommand({ Name: 'orders' }));
    await harness.client.send(new DescribeEventBusCommand({ Name: 'plain' }));
    expect(await ruleNames()).toEqual([RULE]);
    const archive = await harness.client.send(new DescribeArchiveCommand({ ArchiveName: 'orders-archive' }));
    expect(archive.State).toBe('ENABLED');
  });

  it('deletes the bus once its managed rule is gone, keeping the archive, which can no longer be updated', async () => {
    // Prepare
    const ref = { EventBusName: 'orders' };
    await harness.client.send(new RemoveTargetsCommand({ Rule: RULE, ...ref, Ids: [RULE], Force: true }));
    await harness.client.send(new DeleteRuleCommand({ Name: RULE, ...ref, Force: true }));
    // Act
    await harness.client.send(new DeleteEventBusCommand({ Name: 'orders' }));
    const update = await caught(() =>
      harness.client.send(
        new UpdateArchiveCommand({ ArchiveName: 'orders-archive', Description: 'must-not-save' }),
      ),
    );
    // Assess
    expect([update.name, update.message]).toEqual([
      'ResourceNotFoundException',
      'Archive orders-archive managed rule does not exist.',
    ]);
    const archive = await harness.client.send(new DescribeArchiveCommand({ ArchiveName: 'orders-archive' }));
    expect(archive).toMatchObject({
      State: 'DISABLED',
      StateReason: 'Managed rule for the archive was forcefully deleted.',
    });
    expect(archive.Description).toBeUndefined();
    const listed = await harness.client.send(new ListArchivesCommand({ NamePrefix: 'orders' }));
    expect(listed.Archives?.map((a) => [a.ArchiveName, a.State])).toEqual([['orders-archive', 'DISABLED']]);
  });

  it('writes the managed rule pattern as AWS does: compact, replay-name first and overriding', async () => {
    // Prepare
    const spaced = '{ "source" : [ "control.updated" ] }';
    await harness.client.send(
      new CreateArchiveCommand({ ArchiveName: 'spaced', EventSourceArn: BUS_ARN, EventPattern: spaced }),
    );
    await harness.client.send(
      new CreateArchiveCommand({
        ArchiveName: 'replays-only',
        EventSourceArn: BUS_ARN,
        EventPattern: '{"replay-name":[{"exists":true}],"source":["probe"]}',
      }),
    );
    // Act
    const rules = await harness.client.send(
      new ListRulesCommand({ EventBusName: 'orders', NamePrefix: 'Events-Archive-' }),
    );
    const archive = await harness.client.send(new DescribeArchiveCommand({ ArchiveName: 'spaced' }));
    // Assess
    expect(rules.Rules?.map((r) => [r.Name, r.EventPattern])).toEqual([
      [RULE, '{"replay-name":[{"exists":false}],"source":["sharebus.orders"]}'],
      ['Events-Archive-replays-only', '{"replay-name":[{"exists":false}],"source":["probe"]}'],
      ['Events-Archive-spaced', '{"replay-name":[{"exists":false}],"source":["control.updated"]}'],
    ]);
    expect(archive.EventPattern).toBe(spaced);
  });

  it('archives what its managed rule matches, a replay-name condition of its pattern overridden', async () => {
    // Prepare: the first archive's pattern alone would take no event put on the bus; its rule takes source "x".
    const create = (ArchiveName: string, EventPattern: string) =>
      harness.client.send(new CreateArchiveCommand({ ArchiveName, EventSourceArn: BUS_ARN, EventPattern }));
    await create('x-only', '{"replay-name":[{"exists":true}],"source":["x"]}');
    await create('all', '{"replay-name":["r1"]}');
    await create('updated', '{"source":["y"]}');
    await harness.client.send(
      new UpdateArchiveCommand({
        ArchiveName: 'updated',
        EventPattern: '{"replay-name":["r1"],"source":["x"]}',
      }),
    );
    // Act
    await putOrders(harness, [1], 'x');
    await putOrders(harness, [2], 'y');
    await harness.eventBridge.idle();
    // Assess
    const counts = async (h: Harness) =>
      Promise.all(
        ['x-only', 'all', 'updated'].map(
          async (ArchiveName) =>
            (await h.client.send(new DescribeArchiveCommand({ ArchiveName }))).EventCount,
        ),
      );
    expect(await counts(harness)).toEqual([1, 2, 1]);
    const updated = await harness.client.send(new DescribeArchiveCommand({ ArchiveName: 'updated' }));
    expect(updated.EventPattern).toBe('{"replay-name":["r1"],"source":["x"]}');
  });

  it('keeps the numbers of a pattern with a replay-name member as written, as the matcher compares them', async () => {
    // Prepare: diff review, 2026-12-05: the pattern less replay-name was written anew, 12345678901234567890 rounded.
    const big = '{"detail":{"n":[12345678901234567890]}}';
    for (const [ArchiveName, EventPattern] of [
      ['plain', big],
      ['with-replay-name', `{"replay-name":[{"exists":false}],${big.slice(1)}`],
    ]) {
      await harness.client.send(
        new CreateArchiveCommand({ ArchiveName, EventSourceArn: BUS_ARN, EventPattern }),
      );
    }
    // Act
    await harness.client.send(
      new PutEventsCommand({
        Entries: [
          { Source: 's', DetailType: 'd', Detail: '{"n":12345678901234567890}', EventBusName: 'orders' },
        ],
      }),
    );
    await harness.eventBridge.idle();
    // Assess
    const counts = await Promise.all(
      ['plain', 'with-replay-name'].map(
        async (ArchiveName) =>
          (await harness.client.send(new DescribeArchiveCommand({ ArchiveName }))).EventCount,
      ),
    );
    expect(counts).toEqual([1, 1]);
  });

  it('shows the managed rule on its own bus only', async () => {
    // Prepare
    await harness.client.send(new CreateEventBusCommand({ Name: 'elsewhere' }));
    await harness.client.send(
      new PutRuleCommand({ Name: 'default-rule', EventPattern: '{"source":["sharebus.orders"]}' }),
    );
    // Act
    const onDefault = await harness.client.send(new ListRulesCommand({}));
    const onOther = await harness.client.send(new ListRulesCommand({ EventBusName: 'elsewhere' }));
    const describedElsewhere = await caught(() =>
      harness.client.send(new DescribeRuleCommand({ Name: RULE, EventBusName: 'elsewhere' })),
    );
    // Assess
    expect(onDefault.Rules?.map((r) => r.Name)).toEqual(['default-rule']);
    expect(onOther.Rules).toEqual([]);
    expect([describedElsewhere.name, describedElsewhere.message]).toEqual([
      'ResourceNotFoundException',
      `Rule ${RULE} does not exist on EventBus elsewhere.`,
    ]);
  });

  it('pages ListRules through the managed rule with Limit and NextToken', async () => {
    // Prepare
    for (const name of ['a-rule', 'f-rule', 'z-rule']) {
      await harness.client.send(
        new PutRuleCommand({ Name: name, EventBusName: 'orders', EventPattern: '{"source":["x"]}' }),
      );
    }
    // Act
    const pages: (string | undefined)[][] = [];
    let nextToken: string | undefined;
    do {
      const page = await harness.client.send(
        new ListRulesCommand({
          EventBusName: 'orders',
          Limit: 1,
          ...(nextToken ? { NextToken: nextToken } : {}),
        }),
      );
      pages.push(page.Rules?.map((r) => r.Name) ?? []);
      nextToken = page.NextToken;
    } while (nextToken !== undefined && pages.length < 10);
    const managedPage = await harness.client.send(
      new ListRulesCommand({ EventBusName: 'orders', NamePrefix: 'Events-', Limit: 1 }),
    );
    const unpaged = await harness.client.send(new ListRulesCommand({ EventBusName: 'orders' }));
    // Assess
    expect(pages.every((names) => names.length === 1)).toBe(true);
    expect(pages.flat()).toEqual(unpaged.Rules?.map((r) => r.Name));
    expect([...pages.flat()].sort()).toEqual([RULE, 'a-rule', 'f-rule', 'z-rule']);
    expect(managedPage.Rules?.map((r) => [r.Name, r.ManagedBy])).toEqual([[RULE, MANAGED_BY]]);
    expect(managedPage.NextToken).toBeUndefined();
  });
});

describe('embedded EventBridge: replays', () => {
  const harness = useHarness();

  beforeEach(async () => {
    await createOrdersArchive(harness);
  });

  it("replays no event past the archive's RetentionDays, though nothing since has dropped it", async () => {
    // Prepare: the server's clock, moved by hand; no put or read of the archive after the first event expires. Both
    // events in one segment (an hour's), which retention does not drop while the second is kept, so it is the
    // replay that leaves the first out (the idle sweep would drop a segment of the first alone before).
    const start = Date.now();
    let offset = 0;
    const now = jest.spyOn(Date, 'now').mockImplementation(() => start + offset);
    try {
      await harness.client.send(
        new UpdateArchiveCommand({ ArchiveName: 'orders-archive', RetentionDays: 1 }),
      );
      await addQueueRule(harness, 'live');
      await putOrders(harness, [1]);
      offset = 50 * 60_000;
      await putOrders(harness, [2]);
      await harness.eventBridge.idle();
      bodies(harness, 'live');
      offset = 86_400_000 + 20 * 60_000;
      // Act
      await harness.client.send(
        new StartReplayCommand({
          ReplayName: 'after-a-day',
          EventSourceArn: ARCHIVE_ARN,
          EventStartTime: new Date(start - 60_000),
          EventEndTime: new Date(start + offset),
          Destination: { Arn: BUS_ARN },
        }),
      );
      await harness.eventBridge.idle();
      // Assess
      expect(bodies(harness, 'live').map((event) => event.detail)).toEqual([{ orderId: 2 }]);
    } finally {
      now.mockRestore();
    }
  });

  it('replays events whose checks are costly one a macrotask, each with a budget of its own as when put', async () => {
    // Prepare: an event that spends a whole budget, one that needs more than a search is left once it is spent
    // (see costly-arrays.ts), and another costly one, archived; then rules for them
    const ids: string[] = [];
    for (const detail of [costlyDetail(), slowDetail(), costlyDetail()]) {
      const put = await harness.client.send(
        new PutEventsCommand({
          Entries: [
            {
              Source: 'sharebus.orders',
              DetailType: 'OrderPlaced',
              Detail: JSON.stringify(detail),
              EventBusName: 'orders',
            },
          ],
        }),
      );
      ids.push(put.Entries?.[0]?.EventId ?? '');
    }
    await harness.eventBridge.idle();
    const rules = { costly: costlyCondition(), slow: slowCondition() };
    for (const [name, detail] of Object.entries(rules)) {
      const pattern = JSON.stringify({ source: ['sharebus.orders'], detail });
      await putQueueRule(harness, { bus: 'orders', name, pattern, queue: name });
    }
    // Act: the warnings said so far, read between macrotasks until the replay is done
    const seen = new Set<number>();
    const warnings = harness.warnings;
    let watching = true;
    const watch = () => {
      seen.add(warnings.length);
      // An immediate, queued before the replay's next step is: it runs between any two of its steps.
      if (watching) setImmediate(watch);
    };
    watch();
    try {
      await startOrdersReplay(harness, 'costly');
      await harness.eventBridge.idle();
    } finally {
      watching = false;
    }
    // Assess: the server had a turn between the two costly events (one warning said: before, all three were
    // replayed in one macrotask, 4 s); the second event decided with a budget of its own, and each costly one said
    const why =
      'whose conditions on arrays of objects were too costly to decide (past 2 s, or 20 million values tried, in ' +
      'this replayed event)';
    expect({
      betweenCostly: seen.has(1),
      replayed: { costly: bodies(harness, 'costly').length, slow: bodies(harness, 'slow').length },
      warned: harness.warnings,
    }).toEqual({
      betweenCostly: true,
      replayed: { costly: 0, slow: 1 },
      warned: [
        `[eventbridge] event ${ids[0]} on event bus orders: taken as not matching rule costly, ${why}`,
        `[eventbridge] event ${ids[2]} on event bus orders: taken as not matching rule costly, ${why}`,
      ],
    });
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

  it('puts replay-name beside the top-level region of a forwarded event, never inside its detail', async () => {
    // Prepare: a bus that forwards to orders through a template writing detail first, a detail with the keys
    const detail = { nested: { 'replay-name': 'z', text: '"}], \\' }, region: 'y', resources: 'x' };
    await forwardToOrders(harness, detail);
    const [live] = bodies(harness, 'live');
    // Act
    await startOrdersReplay(harness, 'forwarded');
    await harness.eventBridge.idle();
    const replayed = harness.eventBridge.queues.receive(queueArn('live')).map((m) => m.body);
    // Assess
    expect(replayed).toHaveLength(1);
    const event = JSON.parse(replayed[0] ?? '{}') as Record<string, unknown>;
    expect(event).toEqual({ ...live, 'replay-name': 'forwarded' });
    expect(event.detail).toEqual(detail);
    const keys = Object.keys(event);
    expect(keys.indexOf('replay-name')).toBe(keys.indexOf('region') + 1);
  });

  it('puts replay-name beside the top-level region of a forwarded event whose detail, written first, has a region', async () => {
    // Prepare: no replay-name anywhere in the event, so its text is marked where it stands.
    const detail = { region: 'inside', orderId: 1 };
    await forwardToOrders(harness, detail);
    const [live] = bodies(harness, 'live');
    // Act
    await startOrdersReplay(harness, 'region-inside');
    await harness.eventBridge.idle();
    const replayed = harness.eventBridge.queues.receive(queueArn('live')).map((m) => m.body);
    // Assess
    expect(replayed).toHaveLength(1);
    const event = JSON.parse(replayed[0] ?? '{}') as Record<string, unknown>;
    expect(event).toEqual({ ...live, 'replay-name': 'region-inside' });
    const keys = Object.keys(event);
    expect(keys.slice(0, 2)).toEqual(['detail', 'version']);
    expect(keys.indexOf('replay-name')).toBe(keys.indexOf('region') + 1);
  });

  it('archives no replayed event on the bus a rule forwards it to', async () => {
    // Prepare: orders forwards its events to downstream, which archives them and queues them for `arrived`.
    const DOWNSTREAM_ARN = BUS_ARN.replace('orders', 'downstream');
    await harness.client.send(new CreateEventBusCommand({ Name: 'downstream' }));
    await harness.client.send(
      new CreateArchiveCommand({ ArchiveName: 'downstream-archive', EventSourceArn: DOWNSTREAM_ARN }),
    );
    await harness.client.send(
      new PutRuleCommand({
        Name: 'arrived',
        EventBusName: 'downstream',
        EventPattern: '{"source":["sharebus.orders"]}',
      }),
    );
    await harness.client.send(
      new PutTargetsCommand({
        Rule: 'arrived',
        EventBusName: 'downstream',
        Targets: [{ Id: 'q', Arn: queueArn('arrived') }],
      }),
    );
    await harness.client.send(
      new PutRuleCommand({
        Name: 'forward',
        EventBusName: 'orders',
        EventPattern: '{"source":["sharebus.orders"]}',
      }),
    );
    await harness.client.send(
      new PutTargetsCommand({
        Rule: 'forward',
        EventBusName: 'orders',
        Targets: [{ Id: 'down', Arn: DOWNSTREAM_ARN }],
      }),
    );
    await putOrders(harness, [1]);
    await harness.eventBridge.idle();
    bodies(harness, 'arrived');
    const downstreamCount = async () =>
      (await harness.client.send(new DescribeArchiveCommand({ ArchiveName: 'downstream-archive' })))
        .EventCount;
    const before = await downstreamCount();
    // Act
    await startOrdersReplay(harness, 'forwarded-on');
    await harness.eventBridge.idle();
    // Assess: the replayed event reached downstream, marked, and its archive kept only the event put live.
    expect(bodies(harness, 'arrived').map((e) => e['replay-name'])).toEqual(['forwarded-on']);
    expect([before, await downstreamCount()]).toEqual([1, 1]);
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
    await addQueueRule(harness, 'kept');
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
    // AWS answered the window, not the cross-bus refusal, for this one (recorded by LocalStack's validated tests).
    const backwardsElsewhere = await start('l', {
      EventStartTime: window.EventEndTime,
      EventEndTime: window.EventEndTime,
      Destination: { Arn: 'arn:aws:events:us-east-1:111111111111:event-bus/elsewhere' },
    });
    const missingRule = await start('g', {
      Destination: { Arn: BUS_ARN, FilterArns: ['arn:aws:events:us-east-1:111111111111:rule/orders/ghost'] },
    });
    const otherBusRule = await start('h', {
      Destination: { Arn: BUS_ARN, FilterArns: ['arn:aws:events:us-east-1:111111111111:rule/elsewhere/r'] },
    });
    const otherRegionArchive = await start('i', {
      EventSourceArn: 'arn:aws:events:eu-west-1:111111111111:archive/orders-archive',
    });
    const otherAccountRule = await start('k', {
      Destination: { Arn: BUS_ARN, FilterArns: ['arn:aws:events:us-east-1:999999999999:rule/orders/kept'] },
    });
    const otherAccountBus = await start('j', {
      Destination: { Arn: 'arn:aws:events:us-east-1:999999999999:event-bus/orders' },
    });
    const notAnArn = await start('e', { EventSourceArn: 'not-an-arn' });
    const notABus = await start('f', { Destination: { Arn: ARCHIVE_ARN } });
    // Assess
    expect(unknownArchive.message).toBe(
      'Parameter EventSourceArn is not valid. Reason: Archive ghost does not exist.',
    );
    expect(crossBus.message).toBe(
      'Parameter Destination.Arn is not valid. Reason: Cross event bus replay is not permitted.',
    );
    expect(otherRegionArchive.message).toBe(
      'Parameter EventSourceArn is not valid. Reason: Archive orders-archive does not exist.',
    );
    expect(otherAccountBus.message).toBe(crossBus.message);
    expect(unknownBus.name).toBe('ResourceNotFoundException');
    expect(unknownBus.message).toBe('Event bus ghost does not exist.');
    expect(backwards.message).toBe(
      'Parameter EventEndTime is not valid. Reason: EventStartTime must be before EventEndTime.',
    );
    expect(backwardsElsewhere.message).toBe(backwards.message);
    expect([notAnArn.name, notAnArn.message]).toEqual([
      'ValidationException',
      "1 validation error detected: Value 'not-an-arn' at 'eventSourceArn' failed to satisfy constraint: " +
        'Member must satisfy regular expression pattern: ' +
        '^arn:aws([a-z]|\\-)*:events:([a-z]|\\d|\\-)*:([0-9]{12})?:.+\\/.+$',
    ]);
    expect([missingRule.name, missingRule.message]).toEqual([
      'ResourceNotFoundException',
      'Rule ghost does not exist on EventBus orders.',
    ]);
    // A rule of that name is on the bus, but the ARN names another account's: routing would never reach it.
    expect([otherAccountRule.name, otherAccountRule.message]).toEqual([
      'ResourceNotFoundException',
      'Rule kept does not exist on EventBus orders.',
    ]);
    expect([otherBusRule.name, otherBusRule.message]).toEqual([
      'ValidationException',
      'Parameter Destination.FilterArns is not valid. Reason: Rule must be on the destination event bus.',
    ]);
    expect([notABus.name, notABus.message]).toEqual([
      'ValidationException',
      'Parameter Destination.Arn is not valid. Reason: Must contain an event bus ARN.',
    ]);
    expect((await harness.client.send(new ListReplaysCommand({}))).Replays).toEqual([]);
  });

  it('replays by the time in the event, not in the order the events were archived', async () => {
    // Prepare: put with times 10 and 20 minutes ago, then now.
    await addQueueRule(harness, 'ordered');
    const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000);
    for (const [orderId, time] of [
      [1, minutesAgo(10)],
      [2, minutesAgo(20)],
      [3, undefined],
    ] as const) {
      await harness.client.send(
        new PutEventsCommand({
          Entries: [
            {
              Source: 'sharebus.orders',
              DetailType: 'OrderPlaced',
              Detail: JSON.stringify({ orderId }),
              EventBusName: 'orders',
              ...(time ? { Time: time } : {}),
            },
          ],
        }),
      );
    }
    await harness.eventBridge.idle();
    bodies(harness, 'ordered');
    // Act
    await harness.client.send(
      new StartReplayCommand({
        ReplayName: 'by-time',
        EventSourceArn: ARCHIVE_ARN,
        EventStartTime: minutesAgo(30),
        EventEndTime: new Date(Date.now() + 60_000),
        Destination: { Arn: BUS_ARN },
      }),
    );
    await harness.eventBridge.idle();
    const described = await harness.client.send(new DescribeReplayCommand({ ReplayName: 'by-time' }));
    // Assess
    const replayed = bodies(harness, 'ordered').map((e) => (e.detail as { orderId: number }).orderId);
    expect(replayed).toEqual([2, 1, 3]);
    // The last event replayed is the latest in the window: the one put without a Time, less than a minute ago.
    expect(Date.now() - (described.EventLastReplayedTime?.getTime() ?? 0)).toBeLessThan(60_000);
  });

  it('replays an event at the end of a window in the next window only, so windows end to end replay it once', async () => {
    // Prepare: two events, at whole minutes 2 and 1 minutes before the last one.
    await addQueueRule(harness, 'windows');
    const last = Math.floor(Date.now() / 60_000) * 60_000;
    const at = (minutesBefore: number) => new Date(last - minutesBefore * 60_000);
    await harness.client.send(
      new PutEventsCommand({
        Entries: [2, 1].map((orderId) => ({
          Source: 'sharebus.orders',
          DetailType: 'OrderPlaced',
          Detail: JSON.stringify({ orderId }),
          EventBusName: 'orders',
          Time: at(orderId),
        })),
      }),
    );
    await harness.eventBridge.idle();
    bodies(harness, 'windows');
    const replay = async (name: string, from: number, to: number) => {
      await harness.client.send(
        new StartReplayCommand({
          ReplayName: name,
          EventSourceArn: ARCHIVE_ARN,
          EventStartTime: at(from),
          EventEndTime: at(to),
          Destination: { Arn: BUS_ARN },
        }),
      );
      await harness.eventBridge.idle();
      return bodies(harness, 'windows').map((e) => (e.detail as { orderId: number }).orderId);
    };
    // Act
    const first = await replay('first', 3, 1);
    const second = await replay('second', 1, 0);
    // Assess: "Any event with a creation time prior to the EventEndTime specified is replayed."
    expect(first).toEqual([2]);
    expect(second).toEqual([1]);
  });

  it('lists replays by at most one filter, and refuses a malformed one', async () => {
    // Prepare
    await harness.client.send(
      new StartReplayCommand({
        ReplayName: 'listed',
        EventSourceArn: ARCHIVE_ARN,
        EventStartTime: new Date(Date.now() - 60_000),
        EventEndTime: new Date(),
        Destination: { Arn: BUS_ARN },
      }),
    );
    await harness.eventBridge.idle();
    const list = (input: ListReplaysCommandInput) => harness.client.send(new ListReplaysCommand(input));
    // Act
    const byArchive = await list({ EventSourceArn: ARCHIVE_ARN });
    const twoFilters = await caught(() => list({ NamePrefix: 'listed', State: 'COMPLETED' }));
    const badPrefix = await caught(() => list({ NamePrefix: 'a b' }));
    const badArn = await caught(() => list({ EventSourceArn: 'zzz' }));
    // Assess
    expect(byArchive.Replays?.map((r) => r.ReplayName)).toEqual(['listed']);
    expect([twoFilters.name, twoFilters.message]).toEqual([
      'ValidationException',
      'At most one filter is allowed for ListReplays. Use either : State, EventSourceArn, or NamePrefix.',
    ]);
    expect(badPrefix.message).toBe(
      "1 validation error detected: Value 'a b' at 'namePrefix' failed to satisfy constraint: " +
        'Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+',
    );
    expect(badArn.name).toBe('ValidationException');
    expect(badArn.message).toContain("Value 'zzz' at 'eventSourceArn' failed to satisfy constraint");
  });

  it('lists by EventSourceArn only the replays of that archive', async () => {
    // Prepare: a replay of each of two archives of the bus.
    await harness.client.send(
      new CreateArchiveCommand({ ArchiveName: 'other-archive', EventSourceArn: BUS_ARN }),
    );
    await startOrdersReplay(harness, 'of-orders');
    await harness.client.send(
      new StartReplayCommand({
        ReplayName: 'of-other',
        EventSourceArn: ARCHIVE_ARN.replace('orders-archive', 'other-archive'),
        EventStartTime: new Date(Date.now() - 60_000),
        EventEndTime: new Date(Date.now() + 60_000),
        Destination: { Arn: BUS_ARN },
      }),
    );
    await harness.eventBridge.idle();
    // Act
    const listed = await harness.client.send(new ListReplaysCommand({ EventSourceArn: ARCHIVE_ARN }));
    // Assess
    expect(listed.Replays?.map((r) => [r.ReplayName, r.EventSourceArn])).toEqual([
      ['of-orders', ARCHIVE_ARN],
    ]);
  });

  it('takes an 11th replay once the others have ended', async () => {
    // Prepare
    for (let i = 0; i < 10; i++) await startOrdersReplay(harness, `ended-${i}`);
    await harness.eventBridge.idle();
    // Act
    const eleventh = await startOrdersReplay(harness, 'eleventh');
    // Assess
    expect(eleventh.State).toBe('STARTING');
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
    await harness.eventBridge.idle();
    const { $metadata: _before, ...before } = await harness.client.send(
      new DescribeReplayCommand({ ReplayName: 'once' }),
    );
    // Act
    const error = await caught(() =>
      harness.client.send(
        new StartReplayCommand({ ...request, EventStartTime: new Date(Date.now() - 30_000) }),
      ),
    );
    // Assess: refused, and the first replay is still there as it was
    expect(error.name).toBe('ResourceAlreadyExistsException');
    expect(error.message).toBe('Replay once already exists.');
    const { $metadata: _after, ...after } = await harness.client.send(
      new DescribeReplayCommand({ ReplayName: 'once' }),
    );
    expect(after).toEqual(before);
  });

  it('answers ResourceNotFoundException for a replay that does not exist', async () => {
    // Act
    const error = await caught(() => harness.client.send(new DescribeReplayCommand({ ReplayName: 'nope' })));
    // Assess
    expect(error.name).toBe('ResourceNotFoundException');
  });
});

describe('embedded EventBridge: cancelling replays', () => {
  // A replay stays STARTING for 1 s times delayScale: 200 ms here, time enough to reach it.
  const harness = useHarness({ delayScale: 0.2 });

  beforeEach(async () => {
    await createOrdersArchive(harness);
  });

  it('cancels a replay that is starting, as AWS answers: CANCELLING, then CANCELLED, nothing replayed', async () => {
    // Prepare
    await addQueueRule(harness, 'live');
    await putOrders(harness, [1, 2]);
    await harness.eventBridge.idle();
    // The two live deliveries, taken out of the queue: what is left at the end was replayed.
    expect(bodies(harness, 'live')).toHaveLength(2);
    await startOrdersReplay(harness, 'stopped-early');
    const starting = await harness.client.send(new DescribeReplayCommand({ ReplayName: 'stopped-early' }));
    // Act
    const cancelled = await harness.client.send(new CancelReplayCommand({ ReplayName: 'stopped-early' }));
    const cancelling = await harness.client.send(new DescribeReplayCommand({ ReplayName: 'stopped-early' }));
    await harness.eventBridge.idle();
    const ended = await harness.client.send(new DescribeReplayCommand({ ReplayName: 'stopped-early' }));
    // Assess
    expect(starting.State).toBe('STARTING');
    expect(cancelled).toMatchObject({
      ReplayArn: 'arn:aws:events:us-east-1:111111111111:replay/stopped-early',
      State: 'CANCELLING',
    });
    expect([cancelling.State, cancelling.ReplayEndTime]).toEqual(['CANCELLING', undefined]);
    expect(ended.State).toBe('CANCELLED');
    expect(ended.ReplayEndTime).toBeInstanceOf(Date);
    expect(bodies(harness, 'live')).toEqual([]);
  });

  it('refuses to cancel a replay that has ended, changing nothing', async () => {
    // Prepare
    await startOrdersReplay(harness, 'done');
    await harness.eventBridge.idle();
    // Act
    const error = await caught(() => harness.client.send(new CancelReplayCommand({ ReplayName: 'done' })));
    const described = await harness.client.send(new DescribeReplayCommand({ ReplayName: 'done' }));
    // Assess
    expect([error.name, error.message]).toEqual([
      'IllegalStatusException',
      'Replay done is not in a valid state for this operation.',
    ]);
    expect(described.State).toBe('COMPLETED');
  });

  it('replays the events archived while it was starting, as their time says', async () => {
    // Prepare
    await addQueueRule(harness, 'live');
    await putOrders(harness, [1]);
    await harness.eventBridge.idle();
    bodies(harness, 'live');
    await startOrdersReplay(harness, 'late');
    // Act: archived after StartReplay, before the replay leaves STARTING.
    await putOrders(harness, [2]);
    const during = await harness.client.send(new DescribeReplayCommand({ ReplayName: 'late' }));
    await harness.eventBridge.idle();
    // Assess
    expect(during.State).toBe('STARTING');
    const replayed = bodies(harness, 'live').filter((b) => 'replay-name' in b);
    expect(replayed.map((b) => (b.detail as { orderId: number }).orderId).sort()).toEqual([1, 2]);
  });

  it('fails a replay whose archive was deleted before it started, replaying nothing', async () => {
    // Prepare
    await addQueueRule(harness, 'live');
    await putOrders(harness, [1, 2]);
    await harness.eventBridge.idle();
    bodies(harness, 'live');
    await startOrdersReplay(harness, 'orphan');
    // Act
    await harness.client.send(new DeleteArchiveCommand({ ArchiveName: 'orders-archive' }));
    await harness.eventBridge.idle();
    const described = await harness.client.send(new DescribeReplayCommand({ ReplayName: 'orphan' }));
    // Assess
    expect([described.State, described.StateReason]).toEqual([
      'FAILED',
      'The archive was deleted before the replay started.',
    ]);
    expect(bodies(harness, 'live')).toEqual([]);
  });

  it('fails a replay whose archive was deleted and made again under its name before it started', async () => {
    // Prepare
    await addQueueRule(harness, 'live');
    await putOrders(harness, [1]);
    await harness.eventBridge.idle();
    bodies(harness, 'live');
    await startOrdersReplay(harness, 'orphan');
    // Act: another archive of the same name and bus, made while the replay is starting.
    await harness.client.send(new DeleteArchiveCommand({ ArchiveName: 'orders-archive' }));
    await harness.client.send(
      new CreateArchiveCommand({ ArchiveName: 'orders-archive', EventSourceArn: BUS_ARN }),
    );
    await harness.eventBridge.idle();
    const described = await harness.client.send(new DescribeReplayCommand({ ReplayName: 'orphan' }));
    // Assess
    expect([described.State, described.StateReason]).toEqual([
      'FAILED',
      'The archive was deleted before the replay started.',
    ]);
    expect(bodies(harness, 'live')).toEqual([]);
  });

  it('ends a replay still starting as CANCELLED when the server stops, saying so after a restart', async () => {
    // Prepare: a server of its own with a dataDir, two replays still STARTING when it stops, one of them cancelled.
    const dataDir = await mkdtemp(join(tmpdir(), 'sharebus-replay-stop-'));
    try {
      const first = await startHarness({ dataDir, delayScale: 0.2 });
      await createOrdersArchive(first);
      for (const name of ['interrupted', 'cancelled']) await startOrdersReplay(first, name);
      await first.client.send(new CancelReplayCommand({ ReplayName: 'cancelled' }));
      // Act
      await first.close();
      const second = await startHarness({ dataDir });
      const interrupted = await second.client.send(new DescribeReplayCommand({ ReplayName: 'interrupted' }));
      const cancelled = await second.client.send(new DescribeReplayCommand({ ReplayName: 'cancelled' }));
      await second.close();
      // Assess: the stop is the reason of the first only; the second was the user's cancel.
      expect([interrupted.State, interrupted.StateReason]).toEqual([
        'CANCELLED',
        'The embedded EventBridge stopped.',
      ]);
      expect([cancelled.State, cancelled.StateReason]).toEqual(['CANCELLED', undefined]);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('embedded EventBridge: replays at once', () => {
  // Replays stay STARTING for 20 s: all ten are still going when the eleventh comes.
  const harness = useHarness({ delayScale: 20 });

  beforeEach(async () => {
    await createOrdersArchive(harness);
  });

  it('refuses an 11th replay while ten are going, as AWS does, and starts none', async () => {
    // Prepare
    for (let i = 0; i < 10; i++) await startOrdersReplay(harness, `going-${i}`);
    // Act
    const eleventh = await caught(() => startOrdersReplay(harness, 'eleventh'));
    // Assess
    expect([eleventh.name, eleventh.message]).toEqual([
      'LimitExceededException',
      'The requested resource exceeds the maximum number allowed.',
    ]);
    const listed = await harness.client.send(new ListReplaysCommand({}));
    expect(listed.Replays?.map((r) => [r.ReplayName, r.State])).toEqual(
      Array.from({ length: 10 }, (_, i) => [`going-${i}`, 'STARTING']),
    );
  });

  it('counts a replay still cancelling as going', async () => {
    // Prepare: it stays CANCELLING until its next step, 100 s away.
    for (let i = 0; i < 10; i++) await startOrdersReplay(harness, `going-${i}`);
    await harness.client.send(new CancelReplayCommand({ ReplayName: 'going-0' }));
    // Act
    const whileCancelling = await caught(() => startOrdersReplay(harness, 'eleventh'));
    // Assess
    const cancelling = await harness.client.send(new DescribeReplayCommand({ ReplayName: 'going-0' }));
    expect(cancelling.State).toBe('CANCELLING');
    expect(whileCancelling.name).toBe('LimitExceededException');
  });
});

describe('embedded EventBridge: archives in dataDir', () => {
  let dataDir: string;

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sharebus-eventbridge-'));
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('starts after a crash tore the last line of an archive, keeping the rest and the events after', async () => {
    // Prepare: three events on disk, then half a line, as a kill mid-write leaves it.
    const first = await startHarness({ dataDir });
    await createOrdersArchive(first);
    await putOrders(first, [1, 2, 3]);
    await first.eventBridge.idle();
    await first.close();
    const segment = await firstSegment(dataDir);
    await appendFile(segment, '{"json":"{\\"version\\":');
    // Act
    const second = await startHarness({ dataDir });
    let afterTear: number | undefined;
    try {
      afterTear = (await second.client.send(new DescribeArchiveCommand({ ArchiveName: 'orders-archive' })))
        .EventCount;
      await putOrders(second, [4]);
      await second.eventBridge.idle();
    } finally {
      await second.close();
    }
    const third = await startHarness({ dataDir });
    let afterMore: number | undefined;
    try {
      afterMore = (await third.client.send(new DescribeArchiveCommand({ ArchiveName: 'orders-archive' })))
        .EventCount;
    } finally {
      await third.close();
    }
    // Assess: the torn line is skipped, and said so, at the start after the crash
    expect({ afterTear, afterMore }).toEqual({ afterTear: 3, afterMore: 4 });
    expect([second.warnings, third.warnings]).toEqual([
      [`[eventbridge] archive orders-archive: skipped 1 unreadable line(s) in ${dirname(segment)}`],
      [],
    ]);
  });

  // Session 50 (coverage review): a line of a segment the index vouches for, damaged on disk after it was written,
  // was left out of a replay without a word (such a segment is not read at start, where damage is said).
  it('says when a replay leaves out a line of a closed segment that was damaged on disk, and replays the rest', async () => {
    // Prepare: over 8 MB of events, so the first segment is closed, then one of its lines overwritten in place, and
    // another past its times (found only as the replay reads it)
    const first = await startHarness({ dataDir });
    await createOrdersArchive(first);
    for (let orderId = 0; orderId < 45; orderId++) {
      await first.client.send(
        new PutEventsCommand({
          Entries: [
            {
              Source: 'sharebus.orders',
              DetailType: 'OrderPlaced',
              Detail: JSON.stringify({ orderId, pad: 'x'.repeat(200_000) }),
              EventBusName: 'orders',
            },
          ],
        }),
      );
    }
    await first.eventBridge.idle();
    await first.close();
    const segment = await firstSegment(dataDir);
    const lines = (await readFile(segment, 'utf8')).split('\n');
    lines[2] = '#'.repeat((lines[2] as string).length);
    lines[3] = `${(lines[3] as string).slice(0, 200)}${'#'.repeat((lines[3] as string).length - 200)}`;
    await writeFile(segment, lines.join('\n'));
    expect(existsSync(join(dirname(segment), '00000002.jsonl'))).toBe(true);
    const second = await startHarness({ dataDir });
    try {
      // Act
      await startOrdersReplay(second, 'after-damage');
      await second.eventBridge.idle();
      const replay = await second.client.send(new DescribeReplayCommand({ ReplayName: 'after-damage' }));
      // Assess
      expect(replay.State).toBe('COMPLETED');
      expect(second.warnings).toEqual([
        "[eventbridge] replay after-damage: left out 2 unreadable line(s) of archive orders-archive's files (changed on disk since they were written)",
      ]);
    } finally {
      await second.close();
    }
  });

  it('starts after a crash cut the last newline, and appends the next event on a line of its own', async () => {
    // Prepare
    const first = await startHarness({ dataDir });
    await createOrdersArchive(first);
    await putOrders(first, [1, 2]);
    await first.eventBridge.idle();
    await first.close();
    const file = await firstSegment(dataDir);
    await writeFile(file, (await readFile(file, 'utf8')).replace(/\n$/, ''));
    // Act
    const counts: Array<number | undefined> = [];
    for (const orders of [[3], []]) {
      const h = await startHarness({ dataDir });
      try {
        if (orders.length > 0) await putOrders(h, orders);
        await h.eventBridge.idle();
        counts.push(
          (await h.client.send(new DescribeArchiveCommand({ ArchiveName: 'orders-archive' }))).EventCount,
        );
      } finally {
        await h.close();
      }
    }
    // Assess
    expect(counts).toEqual([3, 3]);
  });

  it('archives after a restart what its managed rule matches, a replay-name condition overridden', async () => {
    // Prepare
    const first = await startHarness({ dataDir });
    try {
      await first.client.send(new CreateEventBusCommand({ Name: 'orders' }));
      await first.client.send(
        new CreateArchiveCommand({
          ArchiveName: 'x-only',
          EventSourceArn: BUS_ARN,
          EventPattern: '{"replay-name":[{"exists":true}],"source":["x"]}',
        }),
      );
      await first.client.send(
        new CreateArchiveCommand({
          ArchiveName: 'all',
          EventSourceArn: BUS_ARN,
          EventPattern: '{"replay-name":["r"]}',
        }),
      );
    } finally {
      await first.close();
    }
    // Act
    const second = await startHarness({ dataDir });
    let counts: (number | undefined)[] = [];
    try {
      await putOrders(second, [1], 'x');
      await putOrders(second, [2], 'y');
      await second.eventBridge.idle();
      counts = await Promise.all(
        ['x-only', 'all'].map(
          async (ArchiveName) =>
            (await second.client.send(new DescribeArchiveCommand({ ArchiveName }))).EventCount,
        ),
      );
    } finally {
      await second.close();
    }
    // Assess
    expect(counts).toEqual([1, 2]);
  });

  it('keeps archives and their events across a restart and replays them', async () => {
    // Prepare
    const first = await startHarness({ dataDir });
    await first.client.send(new CreateEventBusCommand({ Name: 'orders' }));
    await first.client.send(
      new CreateArchiveCommand({
        ArchiveName: 'orders-archive',
        EventSourceArn: BUS_ARN,
        KmsKeyIdentifier: 'alias/k',
      }),
    );
    await putOrders(first, [1, 2, 3]);
    await first.eventBridge.idle();
    await first.close();
    const second = await startHarness({ dataDir });
    try {
      await addQueueRule(second, 'after-restart');
      // Act
      const described = await second.client.send(
        new DescribeArchiveCommand({ ArchiveName: 'orders-archive' }),
      );
      await startOrdersReplay(second, 'after-restart');
      await second.eventBridge.idle();
      const rules = await second.client.send(new ListRulesCommand({ EventBusName: 'orders' }));
      // Assess
      expect(described).toMatchObject({ EventCount: 3, KmsKeyIdentifier: 'alias/k' });
      expect(rules.Rules?.map((r) => r.Name)).toEqual(['Events-Archive-orders-archive', 'after-restart']);
      const replayed = bodies(second, 'after-restart');
      expect(replayed.map((e) => (e.detail as { orderId: number }).orderId)).toEqual([1, 2, 3]);
    } finally {
      await second.close();
    }
  });
  it('moves the events of the one file versions before segments kept into segments, once, and replays them', async () => {
    // Prepare
    await oldLayout(dataDir, [1, 2, 3]);
    // Act
    const after = await startedThrice(dataDir, 'after-move');
    // Assess
    expect(after).toEqual({ count: 3, files: ['events'], replayed: [1, 2, 3] });
  });

  // Upgrade review, 2026-12-06: a version before segments, started on this dataDir (bisecting, say), cannot see the
  // segments and archives what it ingests in the one file; back on this version, that file was removed unread.
  it('adds to the segments, once, the events an older version archived in the old file that they lack', async () => {
    // Prepare: orders 1 and 2 archived in segments; then an old file beside them holding what it may hold: orders 1
    // and 2 again (a move a stop cut short), an order 0 ingested before the archive was made (an earlier archive's
    // of the name), and orders 3 and 4, archived later by an older version, 3 by a clock that was behind (its
    // ingestion time that of order 1).
    const first = await startHarness({ dataDir });
    await createOrdersArchive(first);
    await putOrders(first, [1, 2]);
    await first.eventBridge.idle();
    await first.close();
    const segment = await firstSegment(dataDir);
    const before = await readFile(segment, 'utf8');
    const second = await startHarness({ dataDir });
    await putOrders(second, [3, 4]);
    await second.eventBridge.idle();
    await second.close();
    const oldLine = (line: string, change: Record<string, unknown> = {}) => {
      const { json, time, ingestedAt } = JSON.parse(line) as Record<string, unknown>;
      return JSON.stringify({ json, time, ingestedAt, ...change });
    };
    const [one, two, three, four] = (await readFile(segment, 'utf8')).split('\n').filter(Boolean) as [
      string,
      string,
      string,
      string,
    ];
    const { creationTime } = (
      JSON.parse(await readFile(join(dataDir, 'archives.json'), 'utf8')) as {
        archives: Array<{ creationTime: number }>;
      }
    ).archives[0] as { creationTime: number };
    const earlier = oldLine(one, {
      json: (JSON.parse(one) as { json: string }).json.replace('"orderId":1', '"orderId":0'),
      ingestedAt: creationTime - 1_000,
    });
    await writeFile(segment, before);
    const legacy = join(dataDir, 'archives', 'orders-archive.jsonl');
    const behind = oldLine(three, { ingestedAt: (JSON.parse(one) as { ingestedAt: number }).ingestedAt });
    await writeFile(legacy, `${[earlier, oldLine(one), oldLine(two), behind, oldLine(four)].join('\n')}\n`);
    const warned: string[] = [];
    // Act
    const after = await startedThrice(dataDir, 'after-upgrade', warned);
    // Assess
    expect(after).toEqual({ count: 4, files: ['events'], replayed: [1, 2, 3, 4] });
    expect(warned).toEqual([
      `[eventbridge] archive orders-archive: 2 event(s) that an older version archived in ${legacy}, not in its segments, added to them`,
    ]);
  });

  it('removes the events of an archive deleted, and of one whose removal a stop cut short', async () => {
    // Prepare: two archives, one deleted; then a directory of a deleted incarnation left behind.
    const first = await startHarness({ dataDir });
    await createOrdersArchive(first);
    await first.client.send(new CreateArchiveCommand({ ArchiveName: 'gone', EventSourceArn: BUS_ARN }));
    await putOrders(first, [1]);
    await first.eventBridge.idle();
    const kept = await eventsDir(dataDir);
    const gone = await eventsDir(dataDir, 'gone');
    // Act
    await first.client.send(new DeleteArchiveCommand({ ArchiveName: 'gone' }));
    await first.eventBridge.idle();
    const afterDelete = await readdir(join(dataDir, 'archives', 'events'));
    await first.close();
    const stale = join(dataDir, 'archives', 'events', 'an-incarnation-deleted-before');
    await mkdir(stale);
    await writeFile(join(stale, '00000001.jsonl'), '');
    const second = await startHarness({ dataDir });
    await second.eventBridge.idle();
    const count = (await second.client.send(new DescribeArchiveCommand({ ArchiveName: 'orders-archive' })))
      .EventCount;
    await second.close();
    // Assess
    expect(gone).not.toBe(kept);
    expect(afterDelete).toEqual([kept.split('/').at(-1)]);
    expect(await readdir(join(dataDir, 'archives', 'events'))).toEqual([kept.split('/').at(-1)]);
    expect(count).toBe(1);
  });

  it.each(['.', '..', 'events', 'orders-archive.jsonl'])(
    'keeps the events of an archive named %s across restarts, beside one named orders-archive',
    async (name) => {
      // Prepare
      const first = await startHarness({ dataDir });
      await createOrdersArchive(first);
      await first.client.send(new CreateArchiveCommand({ ArchiveName: name, EventSourceArn: BUS_ARN }));
      await putOrders(first, [1, 2]);
      await first.eventBridge.idle();
      await first.close();
      // Act: two starts, as a start that lost them would show at the second.
      const counts: Array<Array<number | undefined>> = [];
      for (const _ of [1, 2]) {
        const h = await startHarness({ dataDir });
        try {
          const described = await Promise.all(
            [name, 'orders-archive'].map((n) =>
              h.client.send(new DescribeArchiveCommand({ ArchiveName: n })),
            ),
          );
          counts.push(described.map((d) => d.EventCount));
          await h.eventBridge.idle();
        } finally {
          await h.close();
        }
      }
      // Assess
      expect(counts).toEqual([
        [2, 2],
        [2, 2],
      ]);
    },
  );

  it('finds the moved events of an archive saved without an incarnation after a crash before archives.json is rewritten', async () => {
    // Prepare: the layout of versions before incarnations: archives.json without one, and the one events file.
    await oldLayout(dataDir, [1, 2, 3]);
    const indexFile = join(dataDir, 'archives.json');
    const index = JSON.parse(await readFile(indexFile, 'utf8')) as {
      archives: Array<Record<string, unknown>>;
    };
    for (const archive of index.archives) delete archive.incarnation;
    const withoutIncarnation = JSON.stringify(index);
    await writeFile(indexFile, withoutIncarnation);
    // Act: a start moves the events; then archives.json is put back as a kill before its rewrite would leave it.
    const second = await startHarness({ dataDir });
    await second.close();
    await writeFile(indexFile, withoutIncarnation);
    const third = await startHarness({ dataDir });
    const count = (await third.client.send(new DescribeArchiveCommand({ ArchiveName: 'orders-archive' })))
      .EventCount;
    await third.close();
    // Assess
    expect(count).toBe(3);
  });

  it('takes no events from an old file its archive does not own, whether that archive has events or not', async () => {
    // Prepare: an old-layout file of three orders, then (as after an older version's DeleteArchive cut short) no
    // archive of that name; then the name made again, with one event, and another file of the name put back.
    const legacy = await oldLayout(dataDir, [1, 2, 3]);
    const oldText = await readFile(legacy, 'utf8');
    const indexFile = join(dataDir, 'archives.json');
    await writeFile(indexFile, JSON.stringify({ archives: [], replays: [] }));
    // Act
    const second = await startHarness({ dataDir });
    await second.eventBridge.idle();
    const sweptAtStart = !(await readdir(join(dataDir, 'archives'))).includes('orders-archive.jsonl');
    await second.client.send(
      new CreateArchiveCommand({ ArchiveName: 'orders-archive', EventSourceArn: BUS_ARN }),
    );
    await writeFile(legacy, oldText);
    await second.client.send(new DeleteArchiveCommand({ ArchiveName: 'orders-archive' }));
    await writeFile(legacy, oldText);
    await second.client.send(
      new CreateArchiveCommand({ ArchiveName: 'orders-archive', EventSourceArn: BUS_ARN }),
    );
    const removedAtCreate = !(await readdir(join(dataDir, 'archives'))).includes('orders-archive.jsonl');
    await putOrders(second, [4]);
    await second.eventBridge.idle();
    await writeFile(legacy, oldText);
    await second.close();
    const third = await startHarness({ dataDir });
    const count = (await third.client.send(new DescribeArchiveCommand({ ArchiveName: 'orders-archive' })))
      .EventCount;
    await third.eventBridge.idle();
    await third.close();
    // Assess: the file swept at start, removed at CreateArchive, and beside segments removed without a move.
    expect({ sweptAtStart, removedAtCreate, count }).toEqual({
      sweptAtStart: true,
      removedAtCreate: true,
      count: 1,
    });
    expect(await readdir(join(dataDir, 'archives'))).toEqual(['events']);
  });

  it.each([['../x'], ['bad incarnation'], [12345], [null]])(
    'stops the start on an incarnation %p it did not write, naming archives.json, and removes nothing',
    async (incarnation) => {
      // Prepare
      const first = await startHarness({ dataDir });
      await createOrdersArchive(first);
      await putOrders(first, [1, 2]);
      await first.eventBridge.idle();
      await first.close();
      const indexFile = join(dataDir, 'archives.json');
      const index = JSON.parse(await readFile(indexFile, 'utf8')) as {
        archives: Array<Record<string, unknown>>;
      };
      const good = index.archives[0]?.incarnation;
      for (const archive of index.archives) archive.incarnation = incarnation;
      await writeFile(indexFile, JSON.stringify(index));
      // Act
      const refused = await caught(() => startHarness({ dataDir }));
      for (const archive of index.archives) archive.incarnation = good;
      await writeFile(indexFile, JSON.stringify(index));
      const again = await startHarness({ dataDir });
      const count = (await again.client.send(new DescribeArchiveCommand({ ArchiveName: 'orders-archive' })))
        .EventCount;
      await again.close();
      // Assess
      expect(refused.message).toContain(
        `cannot read ${indexFile}: archive orders-archive: incarnation ${JSON.stringify(incarnation)} is not one the server wrote`,
      );
      expect(count).toBe(2);
    },
  );

  it('stops the start, the old file intact, when the move of its events into segments fails', async () => {
    // Prepare: the old layout, and a file where the segments' directory must go.
    const legacy = await oldLayout(dataDir, [1, 2]);
    await writeFile(join(dataDir, 'archives', 'events'), 'not a directory');
    // Act
    const refused = await caught(() => startHarness({ dataDir }));
    await rm(join(dataDir, 'archives', 'events'));
    const second = await startHarness({ dataDir });
    const count = (await second.client.send(new DescribeArchiveCommand({ ArchiveName: 'orders-archive' })))
      .EventCount;
    await second.close();
    // Assess
    expect(refused.message).toContain(`cannot move the events of archive orders-archive from ${legacy} into`);
    expect(count).toBe(2);
  });
});

describe('embedded EventBridge: archives in memory', () => {
  // No dataDir: the archives' events are in the heap. A putOrders event is some 300 bytes of JSON.
  const harness = useHarness({ maxArchiveMemoryBytes: 1_024 });

  it('drops the oldest events past maxArchiveMemoryBytes, says so at once, and replays those it kept', async () => {
    // Prepare
    await createOrdersArchive(harness);
    // Act: eight orders put one by one, then the archive replayed to a queue.
    for (const orderId of [1, 2, 3, 4, 5, 6, 7, 8]) await putOrders(harness, [orderId]);
    const described = await harness.client.send(
      new DescribeArchiveCommand({ ArchiveName: 'orders-archive' }),
    );
    await addQueueRule(harness, 'replayed');
    await startOrdersReplay(harness, 'replayed');
    await harness.eventBridge.idle();
    // Assess: the newest that fit kept, and replayed; one warning for the first drop, the others within its minute.
    const kept = described.EventCount ?? 0;
    expect(kept).toBeGreaterThanOrEqual(2);
    expect(kept).toBeLessThan(8);
    expect(described.SizeBytes).toBeLessThanOrEqual(1_024);
    const replayed = bodies(harness, 'replayed').map((e) => (e.detail as { orderId: number }).orderId);
    expect(replayed).toEqual([1, 2, 3, 4, 5, 6, 7, 8].slice(8 - kept));
    expect(harness.warnings).toEqual([
      expect.stringMatching(
        /^\[eventbridge\] archives: dropped the 1 oldest event to hold at most 0\.000977 MiB of events in memory/,
      ),
    ]);
  });
});
