// The registry port on one DynamoDB table (keys and access patterns: docs/registry.md). Every change and its
// audit entry are written in one transaction whose conditions enforce the registry's rules.
import { createHash, randomUUID } from 'node:crypto';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { VERSION_PART_MAX_DIGITS } from '../../../contracts/limits.js';
import { isJsonObject } from '../json-text.js';
import { logger } from '../logger.js';
import {
  type AuditEntry,
  type ContractHead,
  type ContractVersion,
  contractDifferences,
  type Department,
  type Principal,
  Registry,
  RegistryBusyError,
  RegistryConflictError,
  RegistryDuplicateError,
  RegistryNamedDepartmentError,
  RegistryNotFoundError,
  RegistryOwnershipError,
  RegistrySharingError,
  RegistryVersionConflictError,
  type StoredSharing,
  type Subscription,
  type SubscriptionKey,
  type SystemRecord,
} from './registry.js';
import { CATALOGUE_INDEX, GSI1 } from './table.js';

/** A value cannot be stored under the table's key scheme (e.g. an id with `#`, a version that is not semver). */
export class RegistryKeyError extends Error {
  override name = 'RegistryKeyError';
  constructor(
    message: string,
    readonly field: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** An item read from the table does not have the shape this adapter writes. */
export class RegistryItemError extends Error {
  override name = 'RegistryItemError';
}

export interface DynamoDbRegistryOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  /**
   * Most items one Query page evaluates. Tests set it low to prove that every page is read.
   * @default DynamoDB's own limit (1 MB per page)
   */
  readonly pageSize?: number;
  /**
   * Base of the jittered exponential wait between attempts of a transaction that DynamoDB cancelled for a
   * transient reason (see TRANSIENT_CANCELLATIONS). Tests set it low.
   * @default 25
   */
  readonly retryBaseMs?: number;
}

type Item = Record<string, unknown>;
type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

const SEMVER = /^(0|[1-9]\d{0,9})\.(0|[1-9]\d{0,9})\.(0|[1-9]\d{0,9})$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;
/** Parts padded to this width (the most SemverSchema accepts, as SEMVER here) sort as numbers. */
const VERSION_PART_WIDTH = VERSION_PART_MAX_DIGITS;

/** Whether `major` can be a version's first part under the key scheme (a key part of at most VERSION_PART_WIDTH). */
const isKeyMajor = (major: number): boolean =>
  Number.isSafeInteger(major) && major >= 0 && String(major).length <= VERSION_PART_WIDTH;

// Key builders: the one place that knows the key scheme.
const keys = {
  department: (id: string) => ({ pk: `DEPT#${id}`, sk: 'DEPT' }),
  system: (departmentId: string, id: string) => ({ pk: `DEPT#${departmentId}`, sk: `SYSTEM#${id}` }),
  apiKey: (hash: string) => ({ pk: `APIKEY#${hash}`, sk: 'APIKEY' }),
  adminKey: () => ({ pk: 'ADMINKEY', sk: 'ADMINKEY' }),
  contract: (type: string, sortableVersion: string) => ({
    pk: `CONTRACT#${type}`,
    sk: `VERSION#${sortableVersion}`,
  }),
  /** Who owns a contract type; written with the type's first version, checked with every later one. */
  contractOwner: (type: string) => ({ pk: `CONTRACT#${type}`, sk: 'OWNER' }),
  subscription: (id: string) => ({ pk: `SUB#${id}`, sk: 'SUB' }),
  /** Claims a subscription's identity (see subscriptionIdentity) for the subscription that has it. */
  subscriptionIdentity: (identity: string) => ({ pk: `SUBSAME#${identity}`, sk: 'SUBSAME' }),
  audit: (day: string, sortableAt: string, id: string) => ({ pk: `AUDIT#${day}`, sk: `${sortableAt}#${id}` }),
  auditDay: (day: string) => ({ pk: 'AUDITDAYS', sk: day }),
};

/**
 * A Query's key condition for the versions of a contract type, or of one major of it (their sort keys share the
 * padded major and its dot), in semver order, read consistently: a publish naming no version right after a new one
 * was registered must get the new one.
 */
const versionsOf = (type: string, major?: number) => ({
  KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
  ExpressionAttributeValues: {
    ':pk': `CONTRACT#${type}`,
    ':prefix': `VERSION#${major === undefined ? '' : `${String(major).padStart(VERSION_PART_WIDTH, '0')}.`}`,
  },
  ConsistentRead: true,
});

/**
 * Cancellation reasons that say nothing about the change itself: another transaction held one of its items at
 * that moment, or the table was throttled. The adapter retries those (TRANSACT_ATTEMPTS in all) before giving up
 * with RegistryBusyError; a retry re-evaluates every condition, so a race lost meanwhile reads as what it is.
 */
const TRANSIENT_CANCELLATIONS = new Set([
  'TransactionConflict',
  'ThrottlingError',
  'ProvisionedThroughputExceeded',
]);
const TRANSACT_ATTEMPTS = 4;

const COLLECTION = { departments: 'DEPTS', contracts: 'CONTRACTS', subscriptions: 'SUBS' } as const;

export class DynamoDbRegistry extends Registry {
  readonly #client: DynamoDBDocumentClient;
  readonly #tableName: string;
  readonly #pageSize: number | undefined;
  readonly #retryBaseMs: number;
  /** Days already in the audit-day index; saves one write per change once a day is known. */
  readonly #knownAuditDays = new Set<string>();

  constructor(options: DynamoDbRegistryOptions) {
    super();
    this.#client = options.client;
    this.#tableName = options.tableName;
    this.#pageSize = options.pageSize;
    this.#retryBaseMs = options.retryBaseMs ?? 25;
  }

  override async createDepartment(department: Department, audit: AuditEntry): Promise<void> {
    const id = keyPart(department.id, 'department.id');
    const failed = await this.#transact(
      [
        {
          Put: {
            TableName: this.#tableName,
            Item: {
              ...keys.department(id),
              gsi1pk: COLLECTION.departments,
              gsi1sk: id,
              entity: 'department',
              id,
              name: department.name,
              createdAt: department.createdAt,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      ],
      audit,
    );
    if (failed === 0) throw new RegistryConflictError(`department ${id} exists`, `department:${id}`);
  }

  override async getDepartment(id: string): Promise<Department | undefined> {
    if (!isKeyPart(id)) return undefined;
    const item = await this.#get(keys.department(id));
    return item && toDepartment(item);
  }

  override async listDepartments(): Promise<Department[]> {
    return this.#queryAll(
      {
        IndexName: GSI1.indexName,
        KeyConditionExpression: 'gsi1pk = :collection',
        ExpressionAttributeValues: { ':collection': COLLECTION.departments },
      },
      readable('department', toDepartment),
    );
  }

  override async createSystem(system: SystemRecord, apiKeyHash: string, audit: AuditEntry): Promise<void> {
    const departmentId = keyPart(system.departmentId, 'system.departmentId');
    const id = keyPart(system.id, 'system.id');
    const hash = keyHash(apiKeyHash);
    const failed = await this.#transact(
      [
        {
          Put: {
            TableName: this.#tableName,
            Item: {
              ...keys.system(departmentId, id),
              entity: 'system',
              departmentId,
              id,
              name: system.name,
              createdAt: system.createdAt,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        {
          ConditionCheck: {
            TableName: this.#tableName,
            Key: keys.department(departmentId),
            ConditionExpression: 'attribute_exists(pk)',
          },
        },
        {
          Put: {
            TableName: this.#tableName,
            Item: { ...keys.apiKey(hash), entity: 'apiKey', kind: 'system', departmentId, systemId: id },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      ],
      audit,
    );
    const entity = `system:${departmentId}/${id}`;
    if (failed === 0)
      throw new RegistryConflictError(`system ${id} of department ${departmentId} exists`, entity);
    if (failed === 1) {
      throw new RegistryNotFoundError(
        `department ${departmentId} does not exist`,
        `department:${departmentId}`,
      );
    }
    if (failed === 2)
      throw new RegistryConflictError(`the API key of system ${id} is already in use`, 'apiKey');
  }

  override async listSystems(departmentId: string): Promise<SystemRecord[]> {
    if (!isKeyPart(departmentId)) return [];
    return this.#queryAll(
      {
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': keys.department(departmentId).pk, ':prefix': 'SYSTEM#' },
      },
      readable('system', toSystem),
    );
  }

  /**
   * There is one admin key: storing a new hash revokes the previous one in the same transaction. Storing the
   * current hash again changes nothing.
   */
  override async putAdminKey(apiKeyHash: string): Promise<void> {
    const hash = keyHash(apiKeyHash);
    const current = await this.#get(keys.adminKey());
    const previous = current === undefined ? undefined : str(current, 'keyHash');
    const items: TransactItem[] = [
      {
        Put: {
          TableName: this.#tableName,
          Item: { ...keys.adminKey(), entity: 'adminKey', keyHash: hash },
          // Two rotations racing must not leave two admin keys behind.
          ...(previous === undefined
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : {
                ConditionExpression: 'keyHash = :previous',
                ExpressionAttributeValues: { ':previous': previous },
              }),
        },
      },
      {
        Put: {
          TableName: this.#tableName,
          Item: { ...keys.apiKey(hash), entity: 'apiKey', kind: 'admin' },
          ConditionExpression: 'attribute_not_exists(pk) OR kind = :admin',
          ExpressionAttributeValues: { ':admin': 'admin' },
        },
      },
    ];
    if (previous !== undefined && previous !== hash) {
      items.push({ Delete: { TableName: this.#tableName, Key: keys.apiKey(previous) } });
    }
    const failed = await this.#transact(items);
    if (failed === 0) throw new RegistryConflictError('the admin key was replaced concurrently', 'adminKey');
    if (failed === 1) throw new RegistryConflictError('this key hash belongs to a system', 'apiKey');
  }

  override async adminKeyHash(): Promise<string | undefined> {
    const current = await this.#get(keys.adminKey());
    return current === undefined ? undefined : str(current, 'keyHash');
  }

  override async findPrincipalByKeyHash(apiKeyHash: string): Promise<Principal | undefined> {
    if (!SHA256_HEX.test(apiKeyHash)) return undefined;
    const item = await this.#get(keys.apiKey(apiKeyHash));
    if (item === undefined) return undefined;
    if (item.kind === 'admin') return { kind: 'admin' };
    if (item.kind === 'system') {
      return { kind: 'system', departmentId: str(item, 'departmentId'), systemId: str(item, 'systemId') };
    }
    // A kind a later version writes (a console user, an approver) was taken for a system of the department it
    // names, with all a system may do, after a rollback: a key this version cannot tell the rights of is refused.
    // Design-fit review, 2026-12-06.
    return undefined;
  }

  override async putContractVersion(
    contract: ContractVersion,
    audit: AuditEntry,
    options: { readonly unlessDepartment?: string } = {},
  ): Promise<'created' | 'unchanged'> {
    const type = keyPart(contract.type, 'contract.type');
    const version = sortableVersion(contract.version, 'contract.version');
    if (version.major !== contract.major) {
      throw new RegistryKeyError(
        `contract.major ${contract.major} does not match version ${contract.version}`,
        'contract.major',
      );
    }
    const key = keys.contract(type, version.sortable);
    // A type registered before owner items existed has none yet: its first version names the owner. Versions
    // never change, so this read cannot race; the owner item below settles types that have no version yet.
    const first = await this.#edgeVersion(type, 'first');
    if (first !== undefined && first.ownerDepartment !== contract.ownerDepartment) {
      throw new RegistryOwnershipError(type, first.ownerDepartment);
    }
    // A department made after the caller looked for it, but before this write, would find its name taken.
    const named = first === undefined ? options.unlessDepartment : undefined;
    const departmentAbsent: TransactItem[] =
      named === undefined
        ? []
        : [
            {
              ConditionCheck: {
                TableName: this.#tableName,
                Key: keys.department(keyPart(named, 'unlessDepartment')),
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
          ];
    const failed = await this.#transact(
      [
        {
          // Claims the type for the caller's department, or checks that it already owns it. Idempotent: a
          // type registered before this item existed gets it with its next version.
          Update: {
            TableName: this.#tableName,
            Key: keys.contractOwner(type),
            // Also claims the sharing of the version's major (`major<N>Sharing`), so that two versions of one major
            // registered at once cannot be shared differently; a major registered before the claim existed is
            // held to its versions' sharing by the caller's read.
            UpdateExpression:
              'SET #entity = :entity, #type = :type, #owner = :owner, #since = if_not_exists(#since, :at), #sharing = :sharing',
            ConditionExpression:
              '(attribute_not_exists(pk) OR #owner = :owner) AND (attribute_not_exists(#sharing) OR #sharing = :sharing)',
            ExpressionAttributeNames: {
              '#entity': 'entity',
              '#type': 'type',
              '#owner': 'ownerDepartment',
              '#since': 'claimedAt',
              '#sharing': majorSharingAttribute(contract.major),
            },
            ExpressionAttributeValues: {
              ':entity': 'contractOwner',
              ':type': type,
              ':owner': contract.ownerDepartment,
              ':at': first?.createdAt ?? contract.createdAt,
              ':sharing': contract.sharing,
            },
          },
        },
        {
          Put: {
            TableName: this.#tableName,
            Item: {
              ...key,
              gsi1pk: COLLECTION.contracts,
              gsi1sk: `${type}#${version.sortable}`,
              entity: 'contract',
              type,
              version: contract.version,
              major: contract.major,
              description: contract.description,
              sharing: contract.sharing,
              // A string keeps the schema byte-exact and spares DynamoDB keys such as `$ref` or empty names.
              schemaJson: JSON.stringify(contract.schema),
              ownerDepartment: contract.ownerDepartment,
              createdBy: contract.createdBy,
              createdAt: contract.createdAt,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        ...departmentAbsent,
      ],
      audit,
    );
    if (failed === undefined) return 'created';
    if (failed === 2 && named !== undefined) throw new RegistryNamedDepartmentError(type, named);
    // Owner items are never deleted: the one that refused the claim is there to read.
    const owner = failed === 0 ? await this.#get(keys.contractOwner(type)) : undefined;
    if (failed === 0 && owner === undefined)
      throw new RegistryConflictError(`${type} changed concurrently`, `contract:${type}`);
    if (owner !== undefined && str(owner, 'ownerDepartment') !== contract.ownerDepartment)
      throw new RegistryOwnershipError(type, str(owner, 'ownerDepartment'));
    const entity = `contract:${type}@${contract.version}`;
    const existingItem = await this.#get(key);
    if (existingItem === undefined) {
      // The claim of the major's sharing refused a new version; the same version again is judged below.
      if (owner !== undefined)
        throw new RegistrySharingError(
          type,
          contract.major,
          str(owner, majorSharingAttribute(contract.major)),
        );
      // Only a concurrent delete could empty the key, and versions are never deleted.
      throw new RegistryConflictError(`${entity} changed concurrently`, entity);
    }
    const differences = contractDifferences(toContract(existingItem), contract);
    if (differences.length === 0) return 'unchanged';
    throw new RegistryVersionConflictError(
      `${type} ${contract.version} exists with a different schema, description or sharing; publish a new version`,
      entity,
      differences,
    );
  }

  /** A type's lowest or highest version by semver, read consistently. */
  async #edgeVersion(type: string, edge: 'first' | 'latest'): Promise<ContractVersion | undefined> {
    const result = await throttledAsBusy(
      this.#client.send(
        new QueryCommand({
          TableName: this.#tableName,
          ...versionsOf(type),
          ScanIndexForward: edge === 'first',
          Limit: 1,
        }),
      ),
    );
    const item = result.Items?.[0];
    return item && toContract(item);
  }

  override async getContractVersion(type: string, version: string): Promise<ContractVersion | undefined> {
    if (!isKeyPart(type) || !SEMVER.test(version)) return undefined;
    const item = await this.#get(keys.contract(type, sortableVersion(version, 'version').sortable));
    return item && toContract(item);
  }

  override async listMajorVersions(
    type: string,
    major: number,
    enough?: (read: readonly ContractVersion[]) => boolean,
  ): Promise<ContractVersion[]> {
    if (!isKeyPart(type) || !isKeyMajor(major)) return [];
    if (enough === undefined) return this.#queryAll(versionsOf(type, major), toContract);
    const read: ContractVersion[] = [];
    for await (const page of this.#pages({ ...versionsOf(type, major), ScanIndexForward: false })) {
      for (const item of page) {
        const version = toContract(item);
        if (version !== undefined) read.push(version);
      }
      if (enough(read)) break;
    }
    return read.reverse();
  }

  override async majorSharing(type: string, major: number): Promise<StoredSharing | undefined> {
    if (!isKeyPart(type) || !isKeyMajor(major)) return undefined;
    const claim = (await this.#get(keys.contractOwner(type)))?.[majorSharingAttribute(major)];
    return typeof claim === 'string' ? claim : undefined;
  }

  override async latestContractVersion(type: string): Promise<ContractVersion | undefined> {
    return isKeyPart(type) ? this.#edgeVersion(type, 'latest') : undefined;
  }

  override async listContractVersions(
    type: string,
    page?: { readonly after: string | undefined; readonly limit: number },
  ): Promise<ContractVersion[]> {
    if (!isKeyPart(type)) return [];
    if (page === undefined) return this.#queryAll(versionsOf(type), toContract);
    const startKey =
      page.after === undefined
        ? undefined
        : keys.contract(type, sortableVersion(page.after, 'after').sortable);
    return this.#queryUpTo(versionsOf(type), page.limit, startKey, toContract);
  }

  override async listContracts(page?: {
    readonly after: { readonly type: string; readonly version?: string } | undefined;
    readonly limit: number;
  }): Promise<ContractHead[]> {
    const after = page?.after;
    if (after !== undefined && !isKeyPart(after.type)) return [];
    // Through CATALOGUE_INDEX, not GSI1, which holds each version whole, schema and all
    const heads = {
      // `$` sorts after the `#` that ends a type in gsi1sk and before every character a longer type goes on with.
      KeyConditionExpression: `gsi1pk = :collection${after === undefined ? '' : ' AND gsi1sk > :after'}`,
      ExpressionAttributeValues: {
        ':collection': COLLECTION.contracts,
        ...(after === undefined
          ? {}
          : {
              ':after':
                after.version === undefined
                  ? `${after.type}$`
                  : `${after.type}#${sortableVersion(after.version, 'after').sortable}`,
            }),
      },
      // Every attribute of a head, named (`type` is a reserved word); not the schema.
      ProjectionExpression: CONTRACT_HEAD_ATTRIBUTES.map((_, i) => `#h${i}`).join(', '),
      ExpressionAttributeNames: Object.fromEntries(
        CONTRACT_HEAD_ATTRIBUTES.map((name, i) => [`#h${i}`, name]),
      ),
    };
    const read = readable('contract', toContractHead);
    const through = (IndexName: string) =>
      page === undefined
        ? this.#queryAll({ ...heads, IndexName }, read)
        : this.#queryUpTo({ ...heads, IndexName }, page.limit, undefined, read);
    try {
      return await through(CATALOGUE_INDEX.indexName);
    } catch (error) {
      // The deploy that adds the index goes on while DynamoDB fills it, and a Query of it is refused until then
      // ("Cannot read from backfilling global secondary index"): GSI1 answers the same, its schemas billed (registry
      // diff review, 2026-12-07).
      // Those two refusals alone: /index/ also matched "Global secondary index catalogue does not project [x]" and
      // "Select type ALL_ATTRIBUTES is not supported for global secondary index", faults to surface, not to bill around.
      const message = (error as Error).message;
      if (
        !isNamed(error, 'ValidationException') ||
        !/backfilling global secondary index|does not have the specified index/i.test(message)
      ) {
        throw error;
      }
      return through(GSI1.indexName);
    }
  }

  override async createSubscription(subscription: Subscription, audit: AuditEntry): Promise<void> {
    const id = keyPart(subscription.id, 'subscription.id');
    const departmentId = keyPart(subscription.departmentId, 'subscription.departmentId');
    const identity = subscriptionIdentity(subscription);
    // Again when the subscription that held the identity was deleted between the write and the read of its claim:
    // the claim is free then, and a 409 could name no subscription (race review, 2026-12-07).
    for (let attempt = 1; ; attempt += 1) {
      const failed = await this.#transact(
        [
          {
            Put: {
              TableName: this.#tableName,
              Item: {
                ...keys.subscription(id),
                gsi1pk: COLLECTION.subscriptions,
                gsi1sk: `${departmentId}#${id}`,
                entity: 'subscription',
                id,
                type: subscription.type,
                major: subscription.major,
                version: subscription.version,
                // Event patterns use keys such as `$or` and may be empty objects: kept as JSON like schemas.
                ...(subscription.filter === undefined
                  ? {}
                  : { filterJson: JSON.stringify(subscription.filter) }),
                endpoint: { url: subscription.endpoint.url },
                departmentId,
                systemId: subscription.systemId,
                ruleName: subscription.ruleName,
                status: subscription.status,
                createdAt: subscription.createdAt,
              },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          {
            Put: {
              TableName: this.#tableName,
              Item: {
                ...keys.subscriptionIdentity(identity),
                entity: 'subscriptionIdentity',
                subscriptionId: id,
              },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
        ],
        audit,
        attempt,
      );
      if (failed === 0) throw new RegistryConflictError(`subscription ${id} exists`, `subscription:${id}`);
      if (failed !== 1) return;
      const existing = await this.#get(keys.subscriptionIdentity(identity));
      if (existing !== undefined) throw new RegistryDuplicateError(str(existing, 'subscriptionId'));
      if (attempt === 3) {
        throw new RegistryConflictError(
          `subscription ${id}'s identity changed concurrently`,
          `subscription:${id}`,
        );
      }
    }
  }

  override async findSameSubscription(subscription: Subscription): Promise<string | undefined> {
    const item = await this.#get(keys.subscriptionIdentity(subscriptionIdentity(subscription)));
    return item && str(item, 'subscriptionId');
  }

  override async getSubscription(id: string): Promise<Subscription | undefined> {
    if (!isKeyPart(id)) return undefined;
    const item = await this.#get(keys.subscription(id));
    return item && toSubscription(item);
  }

  override async listSubscriptions(
    departmentId?: string,
    page?: { readonly after: SubscriptionKey | undefined; readonly limit: number },
  ): Promise<Subscription[]> {
    if (departmentId !== undefined && !isKeyPart(departmentId)) return [];
    const input = {
      IndexName: GSI1.indexName,
      KeyConditionExpression:
        departmentId === undefined
          ? 'gsi1pk = :collection'
          : 'gsi1pk = :collection AND begins_with(gsi1sk, :prefix)',
      ExpressionAttributeValues: {
        ':collection': COLLECTION.subscriptions,
        ...(departmentId === undefined ? {} : { ':prefix': `${departmentId}#` }),
      },
    };
    const read = readable('subscription', toSubscription);
    if (page === undefined) return this.#queryAll(input, read);
    const after = page.after;
    // A key DynamoDB would refuse (too long, or outside the department's part of the index) has nothing after it
    // that this listing holds.
    if (
      after !== undefined &&
      (!isKeyPart(after.id) ||
        !isKeyPart(after.departmentId) ||
        (departmentId !== undefined && after.departmentId !== departmentId))
    ) {
      return [];
    }
    const startKey =
      after === undefined
        ? undefined
        : {
            ...keys.subscription(after.id),
            gsi1pk: COLLECTION.subscriptions,
            gsi1sk: `${after.departmentId}#${after.id}`,
          };
    return this.#queryUpTo(input, page.limit, startKey, read);
  }

  override async deleteSubscription(subscription: Subscription, audit: AuditEntry): Promise<boolean> {
    if (!isKeyPart(subscription.id)) return false;
    // Its identity claim goes with it; one stored before there were claims has none, which the condition allows.
    return this.#deleteSubscription(subscription.id, subscriptionIdentity(subscription), audit);
  }

  async #deleteSubscription(id: string, identity: string | undefined, audit: AuditEntry): Promise<boolean> {
    const failed = await this.#transact(
      [
        {
          Delete: {
            TableName: this.#tableName,
            Key: keys.subscription(id),
            ConditionExpression: 'attribute_exists(pk)',
          },
        },
        ...(identity !== undefined
          ? [
              {
                Delete: {
                  TableName: this.#tableName,
                  Key: keys.subscriptionIdentity(identity),
                  ConditionExpression: 'attribute_not_exists(pk) OR subscriptionId = :id',
                  ExpressionAttributeValues: { ':id': id },
                },
              },
            ]
          : []),
      ],
      audit,
    );
    // The claim is another subscription's (this one's was lost): leave it to that one, delete this one alone. The
    // audit entry gets a new id: its id makes the transaction's token, and a token is not reused for other items.
    if (failed === 1) return this.#deleteSubscription(id, undefined, { ...audit, id: randomUUID() });
    return failed === undefined;
  }

  override async listAudit(limit?: number): Promise<AuditEntry[]> {
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) {
      throw new RangeError(`audit limit must be a whole number of zero or more, got ${limit}`);
    }
    const entries: AuditEntry[] = [];
    const wanted = limit ?? Number.POSITIVE_INFINITY;
    if (wanted === 0) return entries;
    // Newest day first, then newest entry first within the day, stopping as soon as enough are read.
    for await (const dayPage of this.#pages({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': 'AUDITDAYS' },
      ScanIndexForward: false,
    })) {
      for (const dayItem of dayPage) {
        const day = str(dayItem, 'sk');
        for await (const page of this.#pages(
          {
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': `AUDIT#${day}` },
            ScanIndexForward: false,
          },
          () => wanted - entries.length,
        )) {
          for (const item of page) {
            entries.push(toAudit(item));
            if (entries.length >= wanted) return entries;
          }
        }
      }
    }
    return entries;
  }

  /**
   * Runs one transaction: the given items, then the audit entry when there is one. Answers the index of the
   * item whose condition failed, or undefined when everything was written. `round` counts a caller's own retries of
   * a cancelled change, so that no attempt reuses a cancelled one's token.
   */
  async #transact(items: TransactItem[], audit?: AuditEntry, round = 1): Promise<number | undefined> {
    const all = [...items];
    if (audit !== undefined) all.push(await this.#auditPut(audit));
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#transactOnce(all, audit, attempt, round);
      } catch (error) {
        if (!isTransactionCanceled(error) || !isTransient(error)) throw error;
        if (attempt === TRANSACT_ATTEMPTS) {
          throw new RegistryBusyError(
            `the registry cancelled the change ${attempt} times, because other changes held the same records at the same moment or the table was throttled; nothing was written, retry`,
            { cause: error },
          );
        }
        // Full jitter: two writers that collided do not collide again in step.
        await sleep(Math.random() * this.#retryBaseMs * 2 ** (attempt - 1));
      }
    }
  }

  /**
   * One TransactWriteItems: undefined when it committed, or the index of the item whose condition failed.
   * Throws the cancellation when no condition failed (a transient reason: #transact decides).
   */
  async #transactOnce(
    all: TransactItem[],
    audit: AuditEntry | undefined,
    attempt: number,
    round = 1,
  ): Promise<number | undefined> {
    // An SDK retry of a transaction that did commit must not come back as a false conflict. Each of our own
    // attempts follows a cancellation, which committed nothing, and gets a token of its own.
    const token =
      audit === undefined
        ? undefined
        : createHash('sha256')
            .update(attempt === 1 && round === 1 ? audit.id : `${audit.id}#${round}#${attempt}`)
            .digest('hex')
            .slice(0, 36);
    try {
      // The change itself: a transaction the client gave up on may still commit (see throttledAsBusy).
      const command = new TransactWriteCommand({
        TransactItems: all,
        ...(token === undefined ? {} : { ClientRequestToken: token }),
      });
      // The SDK hands over only its last attempt's error: a first attempt cut for silence, then retries throttled,
      // reads as throttled alone, though that first attempt may still commit. Each attempt's error is seen here.
      const change = { unsure: false };
      command.middlewareStack.add(
        (next) => async (args) => {
          try {
            return await next(args);
          } catch (error) {
            if (isNamed(error, NO_ANSWER) || isNamed(error, STILL_RUNNING)) change.unsure = true;
            throw error;
          }
        },
        // Inside the retries (finalizeRequest, high), so each attempt passes here; no name: lib-dynamodb's command
        // shares its stack with the client command it wraps, and a named middleware there is added twice.
        { step: 'finalizeRequest', priority: 'low' },
      );
      await throttledAsBusy(this.#client.send(command), change);
      return undefined;
    } catch (error) {
      // The token is derived from the audit id, so DynamoDB itself says the id was used for another change.
      if (audit !== undefined && isNamed(error, 'IdempotentParameterMismatchException')) {
        throw new RegistryConflictError(`audit entry ${audit.id} exists`, `audit:${audit.id}`, {
          cause: error,
        });
      }
      if (!isTransactionCanceled(error)) throw error;
      const reasons = error.CancellationReasons ?? [];
      const failed = reasons.findIndex((reason) => reason.Code === 'ConditionalCheckFailed');
      if (failed < 0) throw error;
      if (audit !== undefined && failed === all.length - 1) {
        throw new RegistryConflictError(`audit entry ${audit.id} exists`, `audit:${audit.id}`, {
          cause: error,
        });
      }
      return failed;
    }
  }

  async #auditPut(audit: AuditEntry): Promise<TransactItem> {
    const at = new Date(audit.at);
    if (Number.isNaN(at.getTime()))
      throw new RegistryKeyError(`audit.at ${audit.at} is not a date`, 'audit.at');
    const sortableAt = at.toISOString();
    const day = sortableAt.slice(0, 10);
    await this.#rememberAuditDay(day);
    return {
      Put: {
        TableName: this.#tableName,
        Item: {
          ...keys.audit(day, sortableAt, keyPart(audit.id, 'audit.id')),
          entity: 'audit',
          id: audit.id,
          at: audit.at,
          actor: audit.actor,
          action: audit.action,
          target: audit.target,
        },
        // Append-only: an entry is never overwritten.
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  }

  /**
   * Audit entries live in one partition per day; this index of days lets listAudit walk back over gaps. It
   * is written before the transaction (an empty day is harmless) and outside it, so that changes on the same
   * day do not all contend for one item.
   */
  async #rememberAuditDay(day: string): Promise<void> {
    if (this.#knownAuditDays.has(day)) return;
    await throttledAsBusy(
      this.#client.send(
        new PutCommand({ TableName: this.#tableName, Item: { ...keys.auditDay(day), entity: 'auditDay' } }),
      ),
    );
    this.#knownAuditDays.add(day);
  }

  async #get(key: { pk: string; sk: string }): Promise<Item | undefined> {
    const result = await throttledAsBusy(
      this.#client.send(new GetCommand({ TableName: this.#tableName, Key: key, ConsistentRead: true })),
    );
    return result.Item;
  }

  /**
   * At most `limit` records that `read` makes of a Query's items, after the key `from` if given: one page of a
   * listing. Items it leaves out do not count, so a page is short only at the end of the listing (the use cases take
   * a short page for the end).
   */
  async #queryUpTo<T>(
    input: Omit<QueryCommandInput, 'TableName'>,
    limit: number,
    from: Record<string, unknown> | undefined,
    read: Reader<T>,
  ): Promise<T[]> {
    const records: T[] = [];
    // Each Query asks for a whole page, not only the items still missing: with items left out, a Limit of what is
    // missing read the rest one item a Query (200 items of another entity after 99 subscriptions: 200 Queries).
    // What a page reads past the limit is dropped; the next page starts after the last item kept.
    pages: for await (const got of this.#pages(input, () => limit, from)) {
      for (const item of got) {
        const record = read(item);
        if (record === undefined) continue;
        records.push(record);
        if (records.length >= limit) break pages;
      }
    }
    read.report?.();
    return records;
  }

  /** Every record that `read` makes of a Query's items. */
  async #queryAll<T>(input: Omit<QueryCommandInput, 'TableName'>, read: Reader<T>): Promise<T[]> {
    const records: T[] = [];
    for await (const page of this.#pages(input)) {
      for (const item of page) {
        const record = read(item);
        if (record !== undefined) records.push(record);
      }
    }
    read.report?.();
    return records;
  }

  /**
   * Every page of a Query, after the key `from` if given; `remaining` caps a page's Limit when the caller stops
   * early.
   */
  async *#pages(
    input: Omit<QueryCommandInput, 'TableName'>,
    remaining?: () => number,
    from?: Record<string, unknown>,
  ): AsyncGenerator<Item[]> {
    let startKey: Record<string, unknown> | undefined = from;
    do {
      const limit = Math.min(
        this.#pageSize ?? Number.POSITIVE_INFINITY,
        remaining?.() ?? Number.POSITIVE_INFINITY,
      );
      const result = await throttledAsBusy(
        this.#client.send(
          new QueryCommand({
            ...input,
            TableName: this.#tableName,
            ...(Number.isFinite(limit) ? { Limit: limit } : {}),
            ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
          }),
        ),
      );
      yield result.Items ?? [];
      startKey = result.LastEvaluatedKey;
    } while (startKey !== undefined);
  }
}

/** A cancellation whose reasons are all transient or None (no condition failed): worth another attempt. */
function isTransient(error: TransactionCanceledException): boolean {
  const codes = (error.CancellationReasons ?? []).map((reason) => reason.Code ?? 'None');
  return (
    codes.some((code) => TRANSIENT_CANCELLATIONS.has(code)) &&
    codes.every((code) => code === 'None' || TRANSIENT_CANCELLATIONS.has(code))
  );
}

/**
 * DynamoDB's refusals of a request for its rate, which the client retries with backoff: the table's or the account's
 * throughput (an on-demand table meeting a burst past twice its previous peak, or a hot partition). One that
 * outlasted the retries used to reach the caller as a 500 internal_error and be logged as an error that pages
 * (review, 2026-12-06); TransactionInProgressException is not one, since the transaction may still commit (see
 * STILL_RUNNING).
 */
const THROTTLES: ReadonlySet<string> = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
]);

/**
 * The SDK's error when every attempt was cut for silence (REGISTRY_SILENCE_TIMEOUT_MS) or past its request timeout: the
 * table answered too slowly, not wrongly. It reached the caller as a 500 internal_error (exhaustion review, 2026-12-07:
 * locally, DynamoDB Local starved of CPU took over a second to answer, and 5 of 14 publishes and a contract
 * registration were answered 500 while a resend a moment later went through).
 */
const NO_ANSWER = 'TimeoutError';

/**
 * DynamoDB's answer to a transaction sent again (the SDK's retry, same ClientRequestToken) while the first is still
 * running, which the SDK retries as throttling: one that outlasted those retries reached the caller as a 500
 * internal_error, and may still commit (errpaths review, 2026-12-07).
 */
const STILL_RUNNING = 'TransactionInProgressException';

/**
 * `sending`, with a throttle, or a table that did not answer in time, that outlasted the client's retries answered as
 * RegistryBusyError: retry in a moment. `change`, given when the request is the change itself (a transaction), which
 * may still commit after the client gave up on it, with whether an attempt of it went unanswered or was still running;
 * a read, or the audit-day index written before the change, changes nothing the caller made, and says so
 * (mayHaveChanged false: errpaths review, 2026-12-07, a subscription whose audit-day write was cut for silence kept a
 * rule though no transaction had been sent).
 */
async function throttledAsBusy<T>(sending: Promise<T>, change?: { readonly unsure: boolean }): Promise<T> {
  try {
    return await sending;
  } catch (error) {
    if (!(error instanceof Error)) throw error;
    if (error.name === NO_ANSWER)
      throw new RegistryBusyError(
        `The registry's table did not answer in time through the client's retries: send the request again in a moment${change ? ' (a change may have been made)' : ''}.`,
        { cause: error, mayHaveChanged: change !== undefined },
      );
    if (error.name === STILL_RUNNING)
      throw new RegistryBusyError(
        "The registry's table was still making the change through the client's retries: send the request again in a moment (a change may have been made).",
        { cause: error, mayHaveChanged: true },
      );
    if (!THROTTLES.has(error.name)) throw error;
    const mayHaveChanged = change?.unsure === true;
    throw new RegistryBusyError(
      `The registry's table was throttled (${error.name}) and stayed so through the client's retries: send the request again in a moment${mayHaveChanged ? ' (a change may have been made)' : ''}.`,
      { cause: error, mayHaveChanged },
    );
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function isTransactionCanceled(error: unknown): error is TransactionCanceledException {
  return error instanceof TransactionCanceledException || isNamed(error, 'TransactionCanceledException');
}

/** By `name` rather than instanceof alone: a second copy of the SDK in node_modules has its own classes. */
function isNamed(error: unknown, name: string): boolean {
  return error instanceof Error && error.name === name;
}

/**
 * Bytes a key part may take. DynamoDB refuses a partition key over 2,048 bytes (a ValidationException, which
 * answered a 500 to `DELETE /subscriptions/<2,045 characters>`); no id or name the API accepts comes close.
 */
const MAX_KEY_PART_BYTES = 1_024;

/** Whether `value` can be part of a key: a lookup of any other value finds nothing. */
function isKeyPart(value: string): boolean {
  return value.length > 0 && !value.includes('#') && Buffer.byteLength(value) <= MAX_KEY_PART_BYTES;
}

/** `#` separates key parts, so a value holding one could read as another item's key. */
function keyPart(value: string, field: string): string {
  if (!isKeyPart(value)) {
    throw new RegistryKeyError(
      `${field} must be non-empty, without '#' and at most ${MAX_KEY_PART_BYTES} bytes, got '${value.slice(0, 64)}'`,
      field,
    );
  }
  return value;
}

function keyHash(value: string): string {
  // Only hashes are stored: anything else here is most likely a raw key passed by mistake.
  if (!SHA256_HEX.test(value)) {
    throw new RegistryKeyError('an API key hash must be 64 lowercase hex digits (sha256)', 'apiKeyHash');
  }
  return value;
}

/** The owner item's attribute claiming how a major's versions are shared. */
const majorSharingAttribute = (major: number): string => `major${major}Sharing`;

function sortableVersion(version: string, field: string): { major: number; sortable: string } {
  const parts = SEMVER.exec(version);
  if (parts === null)
    throw new RegistryKeyError(`${field} must be MAJOR.MINOR.PATCH, got '${version}'`, field);
  const [, major = '', minor = '', patch = ''] = parts;
  const pad = (part: string) => part.padStart(VERSION_PART_WIDTH, '0');
  return { major: Number(major), sortable: `${pad(major)}.${pad(minor)}.${pad(patch)}` };
}

function str(item: Item, name: string): string {
  const value = item[name];
  if (typeof value !== 'string') throw new RegistryItemError(`item ${describe(item)} has no string ${name}`);
  return value;
}

function num(item: Item, name: string): number {
  const value = item[name];
  if (typeof value !== 'number') throw new RegistryItemError(`item ${describe(item)} has no number ${name}`);
  return value;
}

function json(item: Item, name: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(str(item, name));
  } catch (error) {
    if (error instanceof RegistryItemError) throw error;
    // Not JSON (a later version's encoding, say): unreadable as any other item, so a listing leaves it out (readable).
    throw new RegistryItemError(`item ${describe(item)} has no JSON in ${name}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new RegistryItemError(`item ${describe(item)} has no JSON object in ${name}`);
  }
  return parsed as Record<string, unknown>;
}

function describe(item: Item): string {
  return `${String(item.pk)} / ${String(item.sk)}`;
}

function toDepartment(item: Item): Department {
  return { id: str(item, 'id'), name: str(item, 'name'), createdAt: str(item, 'createdAt') };
}

function toSystem(item: Item): SystemRecord {
  return {
    departmentId: str(item, 'departmentId'),
    id: str(item, 'id'),
    name: str(item, 'name'),
    createdAt: str(item, 'createdAt'),
  };
}

/**
 * The attributes toContractHead reads, for listings to read no more: what the catalogue's index holds (the keys too,
 * for RegistryItemError to name a bad item, and the entity, to leave out another kind's).
 */
const CONTRACT_HEAD_ATTRIBUTES = ['pk', 'sk', ...CATALOGUE_INDEX.nonKeyAttributes] as const;

function toContractHead(item: Item): ContractHead {
  // Any level is read as stored: a later version's threw here, and took the whole catalogue, the type's publishes
  // and (with a subscription to it) the local start down after a rollback. Decisions ask for `open` alone.
  const sharing: StoredSharing = str(item, 'sharing');
  return {
    type: str(item, 'type'),
    version: str(item, 'version'),
    major: num(item, 'major'),
    description: str(item, 'description'),
    sharing,
    ownerDepartment: str(item, 'ownerDepartment'),
    createdBy: str(item, 'createdBy'),
    createdAt: str(item, 'createdAt'),
  };
}

function toContract(item: Item): ContractVersion {
  return { ...toContractHead(item), schema: json(item, 'schemaJson') };
}

function toSubscription(item: Item): Subscription {
  const endpoint = item.endpoint;
  if (typeof endpoint !== 'object' || endpoint === null) {
    throw new RegistryItemError(`item ${describe(item)} has no endpoint`);
  }
  // Any status is read, not only the one this version writes: a later version's (a subscription awaiting approval)
  // threw here, so after a rollback GET /subscriptions, the local start's reconcile and every delivery to that
  // department failed (design-fit review, 2026-12-06). Its users decide what a status they do not know means.
  const status = str(item, 'status');
  return {
    id: str(item, 'id'),
    type: str(item, 'type'),
    major: num(item, 'major'),
    version: str(item, 'version'),
    ...(item.filterJson === undefined ? {} : { filter: json(item, 'filterJson') }),
    endpoint: { url: str(endpoint as Item, 'url') },
    departmentId: str(item, 'departmentId'),
    systemId: str(item, 'systemId'),
    ruleName: str(item, 'ruleName'),
    status,
    createdAt: str(item, 'createdAt'),
    ...requirements(item),
  };
}

/**
 * The item's `requires` (a list or a string set of names): what a later version says a reader must know to route or
 * deliver to it. Anything else there (a map, say) is read as one requirement this version cannot meet.
 */
function requirements(item: Item): { requires?: string[] } {
  const value = item.requires;
  if (value === undefined) return {};
  const names = value instanceof Set ? [...value] : Array.isArray(value) ? value : [value];
  return { requires: names.map((name) => (typeof name === 'string' ? name : JSON.stringify(name))) };
}

/**
 * `read` for a listing, which leaves out (undefined) an item of another entity in the same collection (a kind a later
 * version adds), as not this listing's, and one this version cannot read (a field a later version stopped writing),
 * with a warning, rather than failing the whole listing (and, for subscriptions, the local start's reconcile). A
 * subscription left out gets no rule; delivering to it still fails (getSubscription throws), so its events wait in
 * the DLQ.
 */
function readable<T>(entity: string, read: (item: Item) => T): Reader<T> {
  let unreadable = 0;
  let first = '';
  const leniently = (item: Item): T | undefined => {
    if (item.entity !== entity) return undefined;
    try {
      return read(item);
    } catch (error) {
      if (!(error instanceof RegistryItemError)) throw error;
      unreadable++;
      first ||= error.message;
      return undefined;
    }
  };
  // One line a listing, not one an item: a client polling a listing would otherwise log as many lines as items.
  const report = () => {
    if (unreadable > 0) {
      logger.warn('left out of a listing items this version cannot read', { count: unreadable, first });
    }
  };
  return Object.assign(leniently, { report });
}

/**
 * What a listing makes of each item a Query reads, undefined for one it leaves out; `report`, if any, is called once
 * the listing is done.
 */
type Reader<T> = ((item: Item) => T | undefined) & { readonly report?: () => void };

function toPrincipal(value: unknown): Principal {
  if (typeof value !== 'object' || value === null)
    throw new RegistryItemError('audit actor is not an object');
  const actor = value as Item;
  if (actor.kind === 'admin') return { kind: 'admin' };
  if (actor.kind !== 'system') throw new RegistryItemError(`audit actor has kind ${String(actor.kind)}`);
  return { kind: 'system', departmentId: str(actor, 'departmentId'), systemId: str(actor, 'systemId') };
}

function toAudit(item: Item): AuditEntry {
  return {
    id: str(item, 'id'),
    at: str(item, 'at'),
    actor: toPrincipal(item.actor),
    action: str(item, 'action'),
    target: str(item, 'target'),
  };
}

/**
 * What makes two subscriptions the same for their receiver: the department, the type and major, the endpoint (as
 * a URL) and the filter (keys, values and `$or` branches in any order, a dotted key as the objects it stands for).
 * Hashed, to fit a key whatever the filter's size.
 */
function subscriptionIdentity(subscription: Subscription): string {
  const { departmentId, type, major, endpoint, filter } = subscription;
  const fields = JSON.stringify([departmentId, type, major, sameEndpoint(endpoint.url)]);
  const pattern = isJsonObject(filter) ? (undotted(filter) ?? filter) : (filter ?? null);
  return createHash('sha256')
    .update(`${fields.slice(0, -1)},${canonicalText(pattern)}]`)
    .digest('hex');
}

/**
 * A filter with each dotted key (`"a.b": [...]`) written as the objects it stands for (`"a": {"b": [...]}`), merged
 * with the fields beside it, in `$or` branches too: EventBridge reads a field by its path, the names joined with
 * dots, so the two match the same events. Filters without dotted keys come out as they went in, so their identity
 * is the one stored before dotted keys were read so (2026-12-06). Undefined when two keys name one path (`"a.b"`
 * beside `"a": {"b": ...}`, or `"a"` holding conditions beside `"a.b"`), or a dotted key names `$or`: such a filter is
 * taken as written, since two subscriptions are the same only where that is sure.
 */
function undotted(pattern: Record<string, unknown>): Record<string, unknown> | undefined {
  // Without a prototype, so that a field called __proto__ is a field like any other.
  const out: Record<string, unknown> = Object.create(null);
  for (const [key, value] of Object.entries(pattern)) {
    if (key === '$or') {
      if (!Array.isArray(value)) return undefined;
      const branches: unknown[] = [];
      for (const branch of value) {
        const plain = isJsonObject(branch) ? undotted(branch) : undefined;
        if (plain === undefined) return undefined;
        branches.push(plain);
      }
      out.$or = branches;
      continue;
    }
    const names = key.split('.');
    if (names.includes('$or')) return undefined;
    let inner = value;
    if (isJsonObject(value)) {
      const plain = undotted(value);
      if (plain === undefined) return undefined;
      inner = plain;
    }
    // The objects the names before the last stand for, merged with those made already.
    let at = out;
    for (const name of names.slice(0, -1)) {
      if (!Object.hasOwn(at, name)) at[name] = Object.create(null);
      const next = at[name];
      if (!isJsonObject(next)) return undefined;
      at = next;
    }
    if (!mergeField(at, names.at(-1) as string, inner)) return undefined;
  }
  return out;
}

/** Puts `value` at `name` of `into`, merging two objects of fields; false when two keys would name one path. */
function mergeField(into: Record<string, unknown>, name: string, value: unknown): boolean {
  if (!Object.hasOwn(into, name)) {
    into[name] = value;
    return true;
  }
  const there = into[name];
  if (name === '$or' || !isJsonObject(there) || !isJsonObject(value)) return false;
  return Object.entries(value).every(([inner, field]) => mergeField(there, inner, field));
}

/**
 * A filter as JSON text with its object keys sorted, and its arrays (values, `$or` branches, anything-but lists),
 * which EventBridge reads as sets, sorted and without repeats; a numeric condition's operators and operands are
 * pairs, and keep their order. `place` says what an object there is: a pattern (its keys are fields or `$or`) or a
 * condition (its keys are operators, such as `numeric`, which a field may also be called).
 */
function canonicalText(value: unknown, place: 'pattern' | 'condition' = 'pattern', ordered = false): string {
  if (Array.isArray(value)) {
    const items = value.map((item) => canonicalText(item, place));
    return `[${(ordered ? items : [...new Set(items)].sort()).join(',')}]`;
  }
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  const record = value as Record<string, unknown>;
  const members = Object.keys(record)
    .sort()
    .map((name) => {
      const inner = record[name];
      // A field's list holds conditions; `$or` holds patterns; an object under a field is a nested pattern.
      const text =
        place === 'condition'
          ? canonicalText(inner, 'condition', name === 'numeric')
          : canonicalText(inner, Array.isArray(inner) && name !== '$or' ? 'condition' : 'pattern');
      return `${JSON.stringify(name)}:${text}`;
    });
  return `{${members.join(',')}}`;
}

/** The URL as its receiver is reached: scheme and host in lower case, no default port, no fragment. */
function sameEndpoint(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.hash = '';
    return parsed.href;
  } catch {
    return url;
  }
}
