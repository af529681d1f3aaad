// Shared set-up for the registry tests: a real DynamoDB Local table per test and small record builders.
import { createHash, randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbRegistry } from '../../../functions/shared/registry/dynamodb-registry.js';
import type {
  AuditEntry,
  ContractVersion,
  Department,
  Principal,
  Subscription,
  SystemRecord,
} from '../../../functions/shared/registry/registry.js';
import { ensureTable } from '../../../functions/shared/registry/table.js';

export const admin: Principal = { kind: 'admin' };

export function dynamoDbClient(): DynamoDBClient {
  const endpoint = process.env.SHAREBUS_TEST_DYNAMODB_ENDPOINT;
  if (!endpoint) throw new Error('SHAREBUS_TEST_DYNAMODB_ENDPOINT is not set: run the tests through jest');
  return new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

export interface TestRegistry {
  readonly registry: DynamoDbRegistry;
  readonly client: DynamoDBClient;
  readonly documentClient: DynamoDBDocumentClient;
  readonly tableName: string;
  /** How many Query requests the registry has sent. */
  queries(): number;
}

const clients: DynamoDBClient[] = [];

/** Closes the clients of every registry made by this file's tests. */
export function closeClients(): void {
  for (const client of clients.splice(0)) client.destroy();
}

/**
 * A registry on a table of its own, so that list answers depend on this test alone. It has a client of its
 * own too: the document client shares its middleware stack with it, and the Query counter must not see
 * other tests' requests.
 */
export async function freshRegistry(options: { pageSize?: number } = {}): Promise<TestRegistry> {
  const client = dynamoDbClient();
  clients.push(client);
  const tableName = `registry-${randomUUID()}`;
  await ensureTable(client, tableName);
  const documentClient = DynamoDBDocumentClient.from(client);
  let queries = 0;
  const registry = new DynamoDbRegistry({ client: documentClient, tableName, ...options });
  // Counting Query requests lets a test prove that a list answer was read over several pages.
  documentClient.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'QueryCommand') queries += 1;
      return next(args);
    },
    { step: 'initialize', name: `countQueries-${tableName}` },
  );
  return { registry, client, documentClient, tableName, queries: () => queries };
}

export function keyHash(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function audit(overrides: Partial<AuditEntry> = {}): AuditEntry {
  return {
    id: randomUUID(),
    at: new Date().toISOString(),
    actor: admin,
    action: 'test.action',
    target: 'test:target',
    ...overrides,
  };
}

export function department(id: string, overrides: Partial<Department> = {}): Department {
  return { id, name: `Department ${id}`, createdAt: '2025-01-01T00:00:00.000Z', ...overrides };
}

export function system(departmentId: string, id: string): SystemRecord {
  return { departmentId, id, name: `System ${id}`, createdAt: '2025-01-02T00:00:00.000Z' };
}

export function contract(
  type: string,
  version: string,
  overrides: Partial<ContractVersion> = {},
): ContractVersion {
  return {
    type,
    version,
    major: Number(version.split('.')[0]),
    description: `${type} at ${version}`,
    sharing: 'open',
    schema: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
    ownerDepartment: 'tax',
    createdBy: 'tax/filing',
    createdAt: '2025-01-03T00:00:00.000Z',
    ...overrides,
  };
}

export function subscription(
  id: string,
  departmentId: string,
  overrides: Partial<Subscription> = {},
): Subscription {
  return {
    id,
    type: 'tax.registration.completed',
    major: 1,
    version: '1.0.0',
    // One endpoint per id: a department's second subscription to the same endpoint is refused as the same.
    endpoint: { url: `https://example.org/hooks/${id}` },
    departmentId,
    systemId: 'intake',
    ruleName: `sub-${id}`,
    status: 'active',
    createdAt: '2025-01-04T00:00:00.000Z',
    ...overrides,
  };
}
