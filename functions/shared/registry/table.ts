// The registry table's design as data: key names, the two GSIs and the CreateTable input, shared by the CDK
// stack and the local runtime so both build the same table. docs/registry.md explains the design.
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type DynamoDBClient,
  type GlobalSecondaryIndexDescription,
  ResourceInUseException,
  ResourceNotFoundException,
  type TableDescription,
  UpdateTableCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';

/** Partition key of the table. */
export const PARTITION_KEY = 'pk';
/** Sort key of the table. */
export const SORT_KEY = 'sk';

/** The collections index: one partition per listable collection (departments, contracts, subscriptions). */
export const GSI1 = {
  indexName: 'gsi1',
  partitionKey: 'gsi1pk',
  sortKey: 'gsi1sk',
} as const;

/**
 * The catalogue index: the collections index's keys again, with only what a contract version's head holds, not its
 * schema. GET /contracts reads every version of each type on a page; through the collections index, which holds each
 * item whole (schemas of up to 256 KB), DynamoDB billed every schema and stopped each Query at 1 MB of them: six
 * versions of 200 KB were 150 read units, here under 1 (scale review, 2026-12-07). DynamoDB Local still reads whole
 * items for either index, so locally a type of 100 versions of 200 KB still takes the first page 1 to 2 s. Keys of its own
 * would have needed every contract item written again; these are on every item already, and DynamoDB fills a new
 * index itself. The projection cannot change once the index exists: a head that gains an attribute needs another.
 */
export const CATALOGUE_INDEX = {
  indexName: 'catalogue',
  partitionKey: GSI1.partitionKey,
  sortKey: GSI1.sortKey,
  /** Besides the table's and the index's keys, always there. */
  nonKeyAttributes: [
    'entity',
    'type',
    'version',
    'major',
    'description',
    'sharing',
    'ownerDepartment',
    'createdBy',
    'createdAt',
  ],
} as const;

export function createTableInput(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: PARTITION_KEY, AttributeType: 'S' },
      { AttributeName: SORT_KEY, AttributeType: 'S' },
      { AttributeName: GSI1.partitionKey, AttributeType: 'S' },
      { AttributeName: GSI1.sortKey, AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: PARTITION_KEY, KeyType: 'HASH' },
      { AttributeName: SORT_KEY, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: GSI1.indexName,
        KeySchema: [
          { AttributeName: GSI1.partitionKey, KeyType: 'HASH' },
          { AttributeName: GSI1.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
      {
        IndexName: CATALOGUE_INDEX.indexName,
        KeySchema: [
          { AttributeName: CATALOGUE_INDEX.partitionKey, KeyType: 'HASH' },
          { AttributeName: CATALOGUE_INDEX.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...CATALOGUE_INDEX.nonKeyAttributes] },
      },
    ],
  };
}

/**
 * Creates the table when it is missing, adds an index of createTableInput's that a table made by an earlier version
 * lacks (as a deploy of the stack does), and waits until the table and its indexes are ACTIVE. Safe to call again,
 * and by several processes at once (a concurrent create is taken as success).
 */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  let table: TableDescription | undefined;
  try {
    table = (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table ?? {};
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  if (table === undefined) {
    try {
      await client.send(new CreateTableCommand(createTableInput(tableName)));
    } catch (createError) {
      if (!(createError instanceof ResourceInUseException)) throw createError;
    }
    await waitUntilTableExists(
      { client, maxWaitTime: 120, minDelay: 1, maxDelay: 5 },
      { TableName: tableName },
    );
  } else {
    const missing = missingIndexes(table.GlobalSecondaryIndexes, tableName);
    // Every start but the first: one DescribeTable, as before the catalogue index, not a second to wait on
    if (
      missing.length === 0 &&
      table.TableStatus === 'ACTIVE' &&
      indexesActive(table.GlobalSecondaryIndexes)
    ) {
      return;
    }
    await addIndexes(client, tableName, missing);
  }
  await untilIndexesActive(client, tableName);
}

/** The indexes of the design that a table with `present` lacks. */
function missingIndexes(present: readonly GlobalSecondaryIndexDescription[] | undefined, tableName: string) {
  const names = new Set((present ?? []).map((index) => index.IndexName));
  return (createTableInput(tableName).GlobalSecondaryIndexes ?? []).filter(
    (index) => !names.has(index.IndexName),
  );
}

const indexesActive = (indexes: readonly GlobalSecondaryIndexDescription[] | undefined): boolean =>
  (indexes ?? []).every((index) => index.IndexStatus === 'ACTIVE');

/**
 * Adds `missing` to the table, one UpdateTable each (DynamoDB creates one index at a time). An index another
 * process added first is taken as added.
 */
async function addIndexes(
  client: DynamoDBClient,
  tableName: string,
  missing: NonNullable<CreateTableCommandInput['GlobalSecondaryIndexes']>,
): Promise<void> {
  const attributes = createTableInput(tableName).AttributeDefinitions ?? [];
  for (const index of missing) {
    await untilIndexesActive(client, tableName);
    const keys = new Set((index.KeySchema ?? []).map((key) => key.AttributeName));
    try {
      await client.send(
        new UpdateTableCommand({
          TableName: tableName,
          AttributeDefinitions: attributes.filter((attribute) => keys.has(attribute.AttributeName)),
          GlobalSecondaryIndexUpdates: [{ Create: index }],
        }),
      );
    } catch (error) {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
      const added = (Table?.GlobalSecondaryIndexes ?? []).some((each) => each.IndexName === index.IndexName);
      if (!added) throw error;
    }
  }
}

/** Waits until the table and each of its indexes is ACTIVE (an index just added is CREATING while DynamoDB fills it). */
async function untilIndexesActive(client: DynamoDBClient, tableName: string): Promise<void> {
  for (let tries = 1; ; tries += 1) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE' && indexesActive(Table.GlobalSecondaryIndexes)) return;
    if (tries >= 1200) throw new Error(`the table ${tableName} or an index of it is not ACTIVE after 120 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
