import { randomUUID } from 'node:crypto';
import {
  CreateTableCommand,
  DescribeTableCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import { CATALOGUE_INDEX, createTableInput, ensureTable } from '../../../functions/shared/registry/table.js';
import { dynamoDbClient } from './harness.js';

describe('registry table', () => {
  const client = dynamoDbClient();
  afterAll(() => client.destroy());

  it('creates an active on-demand table with the collections index', async () => {
    // Prepare
    const tableName = `registry-${randomUUID()}`;
    // Act
    await ensureTable(client, tableName);
    // Assess
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    expect(Table?.TableStatus).toBe('ACTIVE');
    expect(Table?.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    expect(Table?.GlobalSecondaryIndexes).toEqual([
      expect.objectContaining({
        IndexName: 'gsi1',
        KeySchema: [
          { AttributeName: 'gsi1pk', KeyType: 'HASH' },
          { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      }),
      expect.objectContaining({
        IndexName: 'catalogue',
        KeySchema: [
          { AttributeName: 'gsi1pk', KeyType: 'HASH' },
          { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...CATALOGUE_INDEX.nonKeyAttributes] },
        IndexStatus: 'ACTIVE',
      }),
    ]);
  });

  it('adds the catalogue index to a table an earlier version made without it, its items indexed', async () => {
    // Prepare: the table as sharebus made it before 2026-12-07, with a contract version in it
    const tableName = `registry-${randomUUID()}`;
    const input = createTableInput(tableName);
    await client.send(
      new CreateTableCommand({
        ...input,
        GlobalSecondaryIndexes: input.GlobalSecondaryIndexes?.filter((index) => index.IndexName === 'gsi1'),
      }),
    );
    const version = {
      pk: { S: 'CONTRACT#tax.filing.kept' },
      sk: { S: 'VERSION#000001.000000.000000' },
      gsi1pk: { S: 'CONTRACTS' },
      gsi1sk: { S: 'tax.filing.kept#000001.000000.000000' },
      entity: { S: 'contract' },
      schemaJson: { S: '{"type":"object"}' },
    };
    await client.send(new PutItemCommand({ TableName: tableName, Item: version }));
    // Act: twice at once, as two starts would
    await Promise.all([ensureTable(client, tableName), ensureTable(client, tableName)]);
    // Assess
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    expect(Table?.GlobalSecondaryIndexes?.map((index) => [index.IndexName, index.IndexStatus])).toEqual([
      ['gsi1', 'ACTIVE'],
      ['catalogue', 'ACTIVE'],
    ]);
    const found = await client.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: 'catalogue',
        KeyConditionExpression: 'gsi1pk = :c',
        ExpressionAttributeValues: { ':c': { S: 'CONTRACTS' } },
      }),
    );
    const { schemaJson: _, ...head } = version;
    expect(found.Items).toEqual([head]);
  });

  it('leaves an existing table and its items alone when asked again, also concurrently', async () => {
    // Prepare
    const tableName = `registry-${randomUUID()}`;
    await ensureTable(client, tableName);
    const key = { pk: { S: 'KEEP' }, sk: { S: 'ME' } };
    await client.send(new PutItemCommand({ TableName: tableName, Item: { ...key, note: { S: 'kept' } } }));
    const created = (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
    // Act
    const answers = await Promise.all([ensureTable(client, tableName), ensureTable(client, tableName)]);
    // Assess
    expect(answers).toEqual([undefined, undefined]);
    const item = await client.send(
      new GetItemCommand({ TableName: tableName, Key: key, ConsistentRead: true }),
    );
    expect(item.Item?.note).toEqual({ S: 'kept' });
    const after = (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
    expect(after?.CreationDateTime).toEqual(created?.CreationDateTime);
  });

  it('asks DynamoDB once about a table that is ready, as every start but the first does', async () => {
    // Prepare
    const tableName = `registry-${randomUUID()}`;
    await ensureTable(client, tableName);
    const asked: string[] = [];
    const counting = dynamoDbClient();
    counting.middlewareStack.add(
      (next, context) => async (args) => {
        asked.push(context.commandName ?? '');
        return next(args);
      },
      { step: 'initialize', name: 'countRequests' },
    );
    try {
      // Act
      await ensureTable(counting, tableName);
      // Assess
      expect(asked).toEqual(['DescribeTableCommand']);
    } finally {
      counting.destroy();
    }
  });

  it('creates the table once when several callers race to create it, and both find it ready', async () => {
    // Prepare
    const tableName = `registry-${randomUUID()}`;
    // Act
    await Promise.all([ensureTable(client, tableName), ensureTable(client, tableName)]);
    // Assess: usable at once by either caller
    await client.send(new PutItemCommand({ TableName: tableName, Item: { pk: { S: 'A' }, sk: { S: 'B' } } }));
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    expect(Table?.TableStatus).toBe('ACTIVE');
  });
});
