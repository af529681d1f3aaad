// The registry port: departments, systems, API keys, contracts, subscriptions and the audit trail.
// Use cases depend on this abstract class; the DynamoDB adapter (dynamodb-registry.ts) implements it.
import { isDeepStrictEqual } from 'node:util';

export type Sharing = 'open' | 'conditional' | 'restricted';

/**
 * A contract version's sharing as stored: one of Sharing whenever this version writes it, but a level a later version
 * adds is read as it is (after a rollback it broke the whole catalogue). Every decision asks for `open` alone, so an
 * unknown level is treated as the strictest.
 */
export type StoredSharing = Sharing | (string & {});

/** Who is calling, as resolved from an API key. */
export type Principal =
  | { readonly kind: 'admin' }
  | { readonly kind: 'system'; readonly departmentId: string; readonly systemId: string };

export interface Department {
  readonly id: string;
  readonly name: string;
  readonly createdAt: string;
}

export interface SystemRecord {
  readonly departmentId: string;
  readonly id: string;
  readonly name: string;
  readonly createdAt: string;
}

/** One immutable version of a contract. */
export interface ContractVersion {
  /** Dot-separated lowercase segments, e.g. `housing-fund.account.opened`. */
  readonly type: string;
  /** `MAJOR.MINOR.PATCH`. */
  readonly version: string;
  readonly major: number;
  readonly description: string;
  readonly sharing: StoredSharing;
  /** JSON Schema (draft 2020-12 or 07) of the event's `data`. */
  readonly schema: Record<string, unknown>;
  readonly ownerDepartment: string;
  readonly createdBy: string;
  readonly createdAt: string;
}

/**
 * What of its definition `given` changes from the version `stored` under its type and version: its schema (compared
 * as stored, through JSON), description or sharing. None: the same version, registered again.
 */
export function contractDifferences(
  stored: ContractVersion,
  given: ContractVersion,
): Array<'schema' | 'description' | 'sharing'> {
  return [
    ...(isDeepStrictEqual(stored.schema, JSON.parse(JSON.stringify(given.schema)))
      ? []
      : ['schema' as const]),
    ...(stored.description === given.description ? [] : ['description' as const]),
    ...(stored.sharing === given.sharing ? [] : ['sharing' as const]),
  ];
}

/** A contract version without its schema, as listings read it. */
export type ContractHead = Omit<ContractVersion, 'schema'>;

/** Where a subscription sits in a listing. */
export interface SubscriptionKey {
  readonly departmentId: string;
  readonly id: string;
}

/** The status under which a subscription has its rule and is delivered to. */
export const SUBSCRIPTION_ACTIVE = 'active';

export interface Subscription {
  readonly id: string;
  readonly type: string;
  /** Events of every version with this major version are delivered. */
  readonly major: number;
  /** The version the subscriber named (or the latest at subscription time). */
  readonly version: string;
  /** EventBridge content filter over the event's `data`. */
  readonly filter?: Record<string, unknown>;
  readonly endpoint: { readonly url: string };
  readonly departmentId: string;
  readonly systemId: string;
  readonly ruleName: string;
  /**
   * `active` is the only status this version writes. A later one may write others (a subscription awaiting its
   * approval, say), and this version must still read them after a rollback: it lists them as they are, but neither
   * routes events to them nor delivers to them (SUBSCRIPTION_ACTIVE).
   */
  readonly status: string;
  readonly createdAt: string;
  /**
   * What a later version says a reader must know to route or deliver to this subscription (the item's `requires`:
   * field-level projection, webhook signing...). This version knows none, so a subscription with any is neither
   * routed nor delivered to (whyUndeliverable): ignored, a projection would be delivered whole after a rollback.
   */
  readonly requires?: readonly string[];
}

/**
 * Why this version may not route events to `subscription` nor deliver them, or undefined when it may: active, and
 * requiring nothing it lacks. Said to follow the subscription's id.
 */
export function whyUndeliverable(subscription: Subscription): string | undefined {
  if (subscription.status !== SUBSCRIPTION_ACTIVE) {
    return `has status ${JSON.stringify(subscription.status)}, which this version does not deliver to (only ${JSON.stringify(SUBSCRIPTION_ACTIVE)})`;
  }
  if (subscription.requires !== undefined && subscription.requires.length > 0) {
    return `requires ${JSON.stringify(subscription.requires)}, which this version does not support`;
  }
  return undefined;
}

/** Whether this version may route events to `subscription` and deliver them (see whyUndeliverable). */
export const isDeliverable = (subscription: Subscription): boolean =>
  whyUndeliverable(subscription) === undefined;

/** An audit record, written in the same transaction as the change it records. */
export interface AuditEntry {
  readonly id: string;
  readonly at: string;
  readonly actor: Principal;
  readonly action: string;
  /** What was changed, e.g. `department:tax` or `contract:tax.registration.completed@1.0.0`. */
  readonly target: string;
}

export class RegistryConflictError extends Error {
  override name = 'RegistryConflictError';
  constructor(
    message: string,
    readonly entity: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A contract version registered again with another definition; `differences` names what differs from the stored one. */
export class RegistryVersionConflictError extends RegistryConflictError {
  override name = 'RegistryVersionConflictError';
  constructor(
    message: string,
    entity: string,
    readonly differences: ReadonlyArray<'schema' | 'description' | 'sharing'>,
  ) {
    super(message, entity);
  }
}

/** A change needs a record that is not there, e.g. a system whose department does not exist. */
export class RegistryNotFoundError extends Error {
  override name = 'RegistryNotFoundError';
  constructor(
    message: string,
    readonly entity: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The store stayed busy; the caller may retry in a moment. Either it kept cancelling the change because other
 * transactions were touching the same items at the same moment (or throttled it), after the adapter's own retries, and
 * nothing was written; or it kept refusing a request for its rate through the client's retries.
 */
export class RegistryBusyError extends Error {
  override name = 'RegistryBusyError';
  /**
   * Whether the change may have been made all the same: the table did not answer the change's own write in time, or
   * was still running it, so it may still commit after the caller gives up (see dynamodb-registry.ts's
   * throttledAsBusy). False: the change was not made (a read, or a write before the change, is what failed).
   */
  readonly mayHaveChanged: boolean;
  constructor(message: string, options?: { cause?: unknown; mayHaveChanged?: boolean }) {
    super(message, options);
    this.mayHaveChanged = options?.mayHaveChanged ?? false;
  }
}

/** A version shared otherwise than the versions of its major already registered (claimed in the owner item). */
export class RegistrySharingError extends Error {
  override name = 'RegistrySharingError';
  constructor(
    readonly type: string,
    readonly major: number,
    /** How the major's versions are shared. */
    readonly sharing: string,
    options?: { cause?: unknown },
  ) {
    super(`contract type ${type} major ${major} is shared as ${sharing}`, options);
  }
}

/** The department already has a subscription with the same type, major, endpoint and filter. */
export class RegistryDuplicateError extends Error {
  override name = 'RegistryDuplicateError';
  constructor(
    /** The subscription that exists. */
    readonly existingId: string,
    options?: { cause?: unknown },
  ) {
    super(`the same subscription exists as ${existingId}`, options);
  }
}

/** A contract version from a department other than the one that owns its type. */
export class RegistryOwnershipError extends Error {
  override name = 'RegistryOwnershipError';
  constructor(
    readonly type: string,
    /** The department that owns the type. */
    readonly owner: string,
    options?: { cause?: unknown },
  ) {
    super(`contract type ${type} is owned by department ${owner}`, options);
  }
}

/** A new contract type named after a department that exists (checked with the write, as the department may be new). */
export class RegistryNamedDepartmentError extends Error {
  override name = 'RegistryNamedDepartmentError';
  constructor(
    readonly type: string,
    /** The department the type's first segment names. */
    readonly department: string,
  ) {
    super(`contract type ${type} names department ${department}, which exists`);
  }
}

export abstract class Registry {
  /** Throws RegistryConflictError when the department exists. */
  abstract createDepartment(department: Department, audit: AuditEntry): Promise<void>;
  abstract getDepartment(id: string): Promise<Department | undefined>;
  abstract listDepartments(): Promise<Department[]>;

  /**
   * Stores the system and the hash of its API key together. Throws RegistryConflictError when the system (or
   * the key hash) exists, RegistryNotFoundError when the department does not.
   */
  abstract createSystem(system: SystemRecord, apiKeyHash: string, audit: AuditEntry): Promise<void>;
  abstract listSystems(departmentId: string): Promise<SystemRecord[]>;

  /** Stores (or replaces) the hash of a platform-admin key. */
  abstract putAdminKey(apiKeyHash: string): Promise<void>;
  /** The hash of the current admin key, if one was put. */
  abstract adminKeyHash(): Promise<string | undefined>;
  abstract findPrincipalByKeyHash(apiKeyHash: string): Promise<Principal | undefined>;

  /**
   * Stores a contract version. Versions are immutable: when the same type and version exist with an identical
   * schema, description and sharing the answer is `unchanged`; when they differ, RegistryVersionConflictError.
   * The first department to store a version of a type owns the type: a version from another department throws
   * RegistryOwnershipError. The claim is part of the same write, so two departments racing to register a new
   * type cannot both win. With `unlessDepartment`, a type that has no version yet is stored only while no department
   * of that id exists, judged with the write (RegistryNamedDepartmentError otherwise).
   */
  abstract putContractVersion(
    contract: ContractVersion,
    audit: AuditEntry,
    options?: { readonly unlessDepartment?: string },
  ): Promise<'created' | 'unchanged'>;
  abstract getContractVersion(type: string, version: string): Promise<ContractVersion | undefined>;
  /**
   * The versions of a type, oldest first by semver: all of them, or with `page` at most `limit` of those after
   * version `after` (from the first when it is undefined).
   */
  abstract listContractVersions(
    type: string,
    page?: { readonly after: string | undefined; readonly limit: number },
  ): Promise<ContractVersion[]>;
  /**
   * The versions of one major of a type, oldest first by semver, read consistently: what registering a version and
   * subscribing check against (its sharing, its schemas), without reading the type's other majors. With `enough`,
   * they are read newest first, a page at a time, and reading stops at the first page after which `enough` holds
   * of all those read so far: the versions returned are then the newest ones only.
   */
  abstract listMajorVersions(
    type: string,
    major: number,
    enough?: (read: readonly ContractVersion[]) => boolean,
  ): Promise<ContractVersion[]>;
  /**
   * How every version of one major of a type is shared, as the registry claimed it with each version written since
   * claims exist (one item): undefined when the major has no claim (no version, or only versions from before claims,
   * which listMajorVersions then tells).
   */
  abstract majorSharing(type: string, major: number): Promise<StoredSharing | undefined>;
  /** The type's highest version by semver, read consistently (a version registered just before is seen). */
  abstract latestContractVersion(type: string): Promise<ContractVersion | undefined>;
  /**
   * Every version of every contract, by type then semver, without its schema: a listing needs none, and with
   * schemas of up to 256 KB each it would hold them all in memory at once. With `page`, at most `limit` of those
   * after `after`: after that version of that type, or after every version of the type when no version is given.
   */
  abstract listContracts(page?: {
    readonly after: { readonly type: string; readonly version?: string } | undefined;
    readonly limit: number;
  }): Promise<ContractHead[]>;

  /**
   * Throws RegistryDuplicateError when the department has a subscription to the same type and major, endpoint
   * and filter: each event would reach the endpoint twice. The claim is part of the write, so two such requests
   * at once cannot both succeed.
   */
  abstract createSubscription(subscription: Subscription, audit: AuditEntry): Promise<void>;
  /** The id of the department's subscription like this one (type, major, endpoint, filter), if there is one. */
  abstract findSameSubscription(subscription: Subscription): Promise<string | undefined>;
  abstract getSubscription(id: string): Promise<Subscription | undefined>;
  /**
   * A department's subscriptions, or everyone's when no department is given, by department then id: all of them,
   * or with `page` at most `limit` of those after the subscription `after` (from the first when undefined).
   */
  abstract listSubscriptions(
    departmentId?: string,
    page?: { readonly after: SubscriptionKey | undefined; readonly limit: number },
  ): Promise<Subscription[]>;
  /** Returns false when there was nothing to delete. */
  abstract deleteSubscription(subscription: Subscription, audit: AuditEntry): Promise<boolean>;

  /** Newest first. */
  abstract listAudit(limit?: number): Promise<AuditEntry[]>;
}
