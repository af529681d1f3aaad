// Shared set-up for the use-case tests: the real registry on a DynamoDB Local table of the test file,
// departments and systems onboarded through the use cases themselves, a table snapshot that proves a refused
// request wrote nothing, and an in-memory stand-in for the bus port (the EventBridge adapter has its own tests).
import { randomUUID } from 'node:crypto';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { registerContract } from '../../../functions/contracts/contracts.js';
import { createDepartment, createSystem } from '../../../functions/departments/departments.js';
import {
  Bus,
  type BusEntry,
  type PublishFailure,
  type PublishResult,
  type RetargetOutcome,
  type SubscriptionRule,
} from '../../../functions/shared/bus.js';
import { DynamoDbRegistry } from '../../../functions/shared/registry/dynamodb-registry.js';
import type { ContractVersion, Principal } from '../../../functions/shared/registry/registry.js';
import { SchemaValidator } from '../../../functions/shared/schema-validator.js';
import type { TestRegistry } from '../registry/harness.js';

export { closeClients, dynamoDbClient, freshRegistry, type TestRegistry } from '../registry/harness.js';

export const admin: Principal = { kind: 'admin' };

/** Where a function's clients go, and what they name: see functionEnvironment. */
export interface FunctionEnvironment {
  readonly tableName: string;
  /** DynamoDB's endpoint: @default DynamoDB Local's, the test run's */
  readonly dynamoDb?: string;
  readonly eventBridge: string;
  /** @default 'sharebus' */
  readonly busName?: string;
  /** @default 'us-east-1' */
  readonly region?: string;
  /** The deliver function a subscription's rule targets (the subscriptions and retarget functions). */
  readonly deliverFunctionArn?: string;
}

/**
 * The function's environment as the stack gives it, pointed at local services. Their clients are made at import,
 * so a test file sets it before it imports a handler, and the file keeps it (each test file has its own process.env).
 */
export function functionEnvironment(environment: FunctionEnvironment): void {
  Object.assign(process.env, {
    SHAREBUS_TABLE_NAME: environment.tableName,
    SHAREBUS_BUS_NAME: environment.busName ?? 'sharebus',
    ...(environment.deliverFunctionArn === undefined
      ? {}
      : { SHAREBUS_DELIVER_FUNCTION_ARN: environment.deliverFunctionArn }),
    AWS_REGION: environment.region ?? 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: environment.dynamoDb ?? process.env.SHAREBUS_TEST_DYNAMODB_ENDPOINT,
    AWS_ENDPOINT_URL_EVENTBRIDGE: environment.eventBridge,
  });
}

/** A clock that answers the given instant, so stored timestamps can be asserted exactly. */
export function clockAt(iso: string): () => Date {
  return () => new Date(iso);
}

/** A system's identity as the authorizer would resolve it. */
export function systemPrincipal(departmentId: string, systemId: string): Principal {
  return { kind: 'system', departmentId, systemId };
}

/**
 * Every item of the table except the audit-day index, sorted: two snapshots are equal when nothing was
 * written. The day index is left out because the registry writes it ahead of a change, by design.
 */
export async function tableSnapshot(test: TestRegistry): Promise<string[]> {
  const items: string[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await test.documentClient.send(
      new ScanCommand({ TableName: test.tableName, ConsistentRead: true, ExclusiveStartKey: startKey }),
    );
    for (const item of page.Items ?? []) if (item.entity !== 'auditDay') items.push(JSON.stringify(item));
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
  return items.sort();
}

export interface Onboarded {
  readonly principals: Readonly<Record<string, Principal>>;
  readonly apiKeys: Readonly<Record<string, string>>;
}

/** Creates a department and its systems through the use cases, as the admin would. */
export async function onboard(
  registry: DynamoDbRegistry,
  departmentId: string,
  systemIds: readonly string[],
): Promise<Onboarded> {
  const ports = { registry, now: clockAt('2025-01-01T00:00:00.000Z') };
  await createDepartment(ports, admin, { id: departmentId, name: `Department ${departmentId}` });
  const principals: Record<string, Principal> = {};
  const apiKeys: Record<string, string> = {};
  for (const systemId of systemIds) {
    const created = await createSystem(ports, admin, departmentId, {
      id: systemId,
      name: `System ${systemId}`,
    });
    principals[systemId] = systemPrincipal(departmentId, systemId);
    apiKeys[systemId] = created.apiKey;
  }
  return { principals, apiKeys };
}

/** Registers version 1.0.0 of an open contract of `type` for its owner's department, its schema any object. */
export async function registerOpenContract(
  registry: DynamoDbRegistry,
  owner: Principal,
  type: string,
): Promise<void> {
  await registerContract(
    { registry, validator: new SchemaValidator(), now: clockAt('2025-01-01T00:00:00.000Z') },
    owner,
    { type, version: '1.0.0', description: type, sharing: 'open', schema: { type: 'object' } },
  );
}

/**
 * The contract versions (`<type>@<version>`) whose schemas the registry's reads brought back while `act` ran, in the
 * order read: what DynamoDB answered the test's registry, whichever of its methods asked. DynamoDB reads an item
 * whole, so a schema read is capacity spent: a type may have hundreds of versions of up to 256 KB each.
 */
export async function schemasRead(test: TestRegistry, act: () => Promise<unknown>): Promise<string[]> {
  const read: string[] = [];
  const name = `schemasRead-${randomUUID()}`;
  test.documentClient.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      const output = result.output as { Item?: Record<string, unknown>; Items?: Record<string, unknown>[] };
      for (const item of [...(output.Items ?? []), ...(output.Item === undefined ? [] : [output.Item])]) {
        if ('schemaJson' in item) read.push(`${String(item.type)}@${String(item.version)}`);
      }
      return result;
    },
    { step: 'initialize', name },
  );
  try {
    await act();
  } finally {
    test.documentClient.middlewareStack.remove(name);
  }
  return read;
}

/** The registry with a count of the reads that caches are meant to spare. */
export class CountingRegistry extends DynamoDbRegistry {
  readonly reads = {
    getContractVersion: 0,
    latestContractVersion: 0,
    listContractVersions: 0,
    listMajorVersions: 0,
    findPrincipalByKeyHash: 0,
  };

  static on(test: TestRegistry): CountingRegistry {
    return new CountingRegistry({ client: test.documentClient, tableName: test.tableName });
  }

  override async getContractVersion(type: string, version: string) {
    this.reads.getContractVersion += 1;
    return super.getContractVersion(type, version);
  }

  override async latestContractVersion(type: string) {
    this.reads.latestContractVersion += 1;
    return super.latestContractVersion(type);
  }

  override async listContractVersions(
    type: string,
    page?: { readonly after: string | undefined; readonly limit: number },
  ) {
    this.reads.listContractVersions += 1;
    return super.listContractVersions(type, page);
  }

  override async listMajorVersions(
    type: string,
    major: number,
    enough?: (read: readonly ContractVersion[]) => boolean,
  ) {
    this.reads.listMajorVersions += 1;
    return super.listMajorVersions(type, major, enough);
  }

  override async findPrincipalByKeyHash(apiKeyHash: string) {
    this.reads.findPrincipalByKeyHash += 1;
    return super.findPrincipalByKeyHash(apiKeyHash);
  }
}

/**
 * The bus port in memory: records every publish call and rule, and reports the entries `failWith` picks as
 * failed, as the EventBridge adapter does after its retries.
 */
export class RecordingBus extends Bus {
  readonly publishCalls: BusEntry[][] = [];
  readonly rules = new Map<string, SubscriptionRule>();
  failWith: (entry: BusEntry) => PublishFailure | undefined = () => undefined;

  override async publish(entries: readonly BusEntry[]): Promise<PublishResult> {
    this.publishCalls.push([...entries]);
    const accepted: string[] = [];
    const failed: PublishFailure[] = [];
    for (const entry of entries) {
      const failure = this.failWith(entry);
      if (failure) failed.push(failure);
      else accepted.push(entry.eventId);
    }
    return { accepted, failed };
  }

  override async putSubscriptionRule(rule: SubscriptionRule): Promise<void> {
    this.rules.set(rule.ruleName, rule);
  }

  /** Targets are not kept here, so a rule's target always has the bus's settings. */
  override async retargetSubscriptionRule(
    rule: Pick<SubscriptionRule, 'ruleName'>,
  ): Promise<RetargetOutcome> {
    return this.rules.has(rule.ruleName) ? 'unchanged' : 'missing';
  }

  override async deleteSubscriptionRule(ruleName: string): Promise<void> {
    this.rules.delete(ruleName);
  }

  override async listRuleNames(prefix: string): Promise<string[]> {
    return [...this.rules.keys()].filter((name) => name.startsWith(prefix));
  }

  /** Every entry of every publish call, in order. */
  get entries(): BusEntry[] {
    return this.publishCalls.flat();
  }
}

/** Runs `act` and returns what it throws, failing the test when it does not throw. */
export async function caught(act: () => Promise<unknown>): Promise<Error> {
  try {
    await act();
  } catch (error) {
    if (error instanceof Error) return error;
    throw error;
  }
  throw new Error('expected the call to fail, it succeeded');
}
