import { randomUUID } from 'node:crypto';
import { DescribeTableCommand, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { ensureTable } from '../../../functions/shared/registry/table.js';
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
    ]);
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
