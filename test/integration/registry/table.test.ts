import { randomUUID } from 'node:crypto';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
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

  it('leaves an existing table alone when asked again, also concurrently', async () => {
    const tableName = `registry-${randomUUID()}`;
    await ensureTable(client, tableName);
    await expect(
      Promise.all([ensureTable(client, tableName), ensureTable(client, tableName)]),
    ).resolves.toEqual([undefined, undefined]);
  });

  it('creates the table once when several callers race to create it', async () => {
    const tableName = `registry-${randomUUID()}`;
    await Promise.all([ensureTable(client, tableName), ensureTable(client, tableName)]);
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    expect(Table?.TableStatus).toBe('ACTIVE');
  });
});
