// Use cases: registering immutable contract versions and reading the catalogue.
import * as z from 'zod';
import { ContractTypeSchema, majorOf, SemverSchema, SharingSchema } from '../../contracts/naming.js';
import { requireSystem } from '../shared/access.js';
import { auditEntry } from '../shared/audit.js';
import {
  BadRequestError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  PayloadTooLargeError,
} from '../shared/errors.js';
import { parseRequest } from '../shared/http.js';
import { humanText } from '../shared/human-text.js';
import { jsonObject } from '../shared/json-object.js';
import {
  decodePageToken,
  encodePageToken,
  fillPage,
  invalidNextToken,
  PAGE_BYTES,
} from '../shared/page-token.js';
import {
  type ContractHead,
  type ContractVersion,
  type Principal,
  type Registry,
  RegistryConflictError,
  RegistryNamedDepartmentError,
  RegistryOwnershipError,
  RegistrySharingError,
  RegistryVersionConflictError,
} from '../shared/registry/registry.js';
import { InvalidSchemaError, type SchemaValidator } from '../shared/schema-validator.js';

export interface ContractPorts {
  readonly registry: Registry;
  readonly validator: SchemaValidator;
  readonly now: () => Date;
}

/** A contract version is one DynamoDB item (at most 400 KB) holding its schema as JSON, with room to spare. */
export const MAX_SCHEMA_BYTES = 256 * 1024;

export const RegisterContractSchema = z.strictObject({
  type: ContractTypeSchema,
  version: SemverSchema,
  description: humanText(2_000, { lines: true }),
  sharing: SharingSchema,
  schema: jsonObject('must be a JSON Schema object'),
});

export async function registerContract(
  ports: ContractPorts,
  principal: Principal,
  body: unknown,
): Promise<{ contract: ContractVersion; created: boolean }> {
  const caller = requireSystem(principal, 'register a contract');
  const input = parseRequest(RegisterContractSchema, body);
  const schemaBytes = Buffer.byteLength(JSON.stringify(input.schema));
  if (schemaBytes > MAX_SCHEMA_BYTES) {
    throw new PayloadTooLargeError(
      'schema_too_large',
      `The schema is ${schemaBytes} bytes as JSON; a contract's schema may be at most ${MAX_SCHEMA_BYTES} bytes.`,
      { fields: [{ field: '/schema', message: `is ${schemaBytes} bytes, over ${MAX_SCHEMA_BYTES}` }] },
    );
  }
  try {
    ports.validator.check(input.schema);
  } catch (error) {
    if (error instanceof InvalidSchemaError) {
      throw new BadRequestError('invalid_schema', error.message, { fields: error.fields, cause: error });
    }
    throw error;
  }
  const major = majorOf(input.version);
  // The major's claimed sharing, one item: the write below holds the version to it. Only a major with no claim (none
  // yet, or registered before claims) is read, its versions alone: a major of 300 versions of 200 KB was read whole
  // by every registration, 60 MB, past the function's 10 s (scale review, 2026-12-07).
  const claimed = await ports.registry.majorSharing(input.type, major);
  const versions = claimed === undefined ? await ports.registry.listMajorVersions(input.type, major) : [];
  // A new type named after another department (`tax.return.filed` registered by market regulation) would pass for
  // that department's data, and would keep the department out of its own name for good. A type that exists keeps
  // its owner whatever departments are made later (its versions answer not_owner to anyone else).
  const named = input.type.split('.')[0]!;
  const namesOther =
    named !== caller.departmentId &&
    claimed === undefined &&
    versions.length === 0 &&
    (await ports.registry.latestContractVersion(input.type)) === undefined;
  if (namesOther && (await ports.registry.getDepartment(named)) !== undefined) {
    throw namesOtherDepartment(input.type, named);
  }
  const now = ports.now();
  const contract: ContractVersion = {
    type: input.type,
    version: input.version,
    major,
    description: input.description,
    sharing: input.sharing,
    schema: input.schema,
    ownerDepartment: caller.departmentId,
    createdBy: caller.systemId,
    createdAt: now.toISOString(),
  };
  // A subscription receives every version of its major, judged by the sharing of the one it named: a version
  // sharing otherwise than the others of its major would reach subscribers its class should not.
  // The registry claims the major's sharing with the write (two versions registered at once); this read covers
  // majors registered before that claim existed.
  // The version itself registered already: the registry answers unchanged or contract_version_conflict, as it does
  // in a claimed major (a major's claim and its versions must give one answer to one request).
  const again = versions.some((v) => v.version === contract.version);
  const sibling = again ? undefined : versions.find((v) => v.sharing !== contract.sharing);
  if (sibling) throw sharingNeedsNewMajor(contract, `${input.type} ${sibling.version} is`, sibling.sharing);
  try {
    const outcome = await ports.registry.putContractVersion(
      contract,
      auditEntry(principal, 'contract.registered', `contract:${input.type}@${input.version}`, now),
      // The department may be made between the read above and this write (race review, 2026-12-05): checked with it.
      namesOther ? { unlessDepartment: named } : {},
    );
    if (outcome === 'created') return { contract, created: true };
    const stored = await ports.registry.getContractVersion(input.type, input.version);
    return { contract: stored ?? contract, created: false };
  } catch (error) {
    // The registry decides ownership, atomically with the write: another department's version is refused there.
    if (error instanceof RegistryOwnershipError) {
      throw notOwner(input.type, error.owner, caller.departmentId, error);
    }
    if (error instanceof RegistryNamedDepartmentError) throw namesOtherDepartment(input.type, named);
    if (error instanceof RegistrySharingError) {
      throw sharingNeedsNewMajor(contract, `major ${contract.major} of ${input.type} is`, error.sharing);
    }
    if (error instanceof RegistryConflictError) {
      // Named, so that a changed description is not taken for a changed schema (walkthrough review, 2026-12-05).
      const parts = error instanceof RegistryVersionConflictError ? error.differences : [];
      const what = parts.length > 0 ? parts.join(' and ') : 'definition';
      throw new ConflictError(
        'contract_version_conflict',
        `${input.type} ${input.version} is already registered with a different ${what}; versions are immutable, register a new version instead.`,
        {
          fields: [
            { field: '/version', message: `already registered with a different ${what}` },
            ...parts.map((part) => ({
              field: `/${part}`,
              message: `differs from ${input.version}'s as registered`,
            })),
          ],
          cause: error,
        },
      );
    }
    throw error;
  }
}

function sharingNeedsNewMajor(contract: ContractVersion, what: string, sharing: string): ConflictError {
  return new ConflictError(
    'sharing_needs_new_major',
    `${what} shared as "${sharing}"; every version of major ${contract.major} must be shared alike, so sharing it as "${contract.sharing}" needs a new major version.`,
    { fields: [{ field: '/sharing', message: `major ${contract.major} is shared as ${sharing}` }] },
  );
}

/** A new type whose first segment is another department's id: that department's to register. */
function namesOtherDepartment(type: string, named: string): ForbiddenError {
  return new ForbiddenError(
    'type_names_other_department',
    `Contract type ${type} starts with ${named}, another department's id; only ${named} may register types named after it.`,
    { fields: [{ field: '/type', message: `names department ${named}` }] },
  );
}

function notOwner(type: string, owner: string, caller: string, cause?: unknown): ForbiddenError {
  return new ForbiddenError(
    'not_owner',
    `Contract type ${type} is owned by department ${owner}, not ${caller}.`,
    {
      fields: [{ field: '/type', message: `owned by ${owner}` }],
      cause,
    },
  );
}

/** The public view of a contract version. */
export function contractView(contract: ContractVersion) {
  return {
    type: contract.type,
    version: contract.version,
    description: contract.description,
    sharing: contract.sharing,
    owner: contract.ownerDepartment,
    schema: contract.schema,
    createdAt: contract.createdAt,
  };
}

export interface ContractSummary {
  readonly type: string;
  readonly owner: string;
  readonly sharing: string;
  readonly description: string;
  readonly latestVersion: string;
  readonly versions: readonly string[];
  /**
   * Each major's sharing and latest version, lowest major first. A subscription receives one major, judged by that
   * major's sharing: `sharing` above is the latest version's alone, so a type whose major 1 is open and major 2
   * restricted read as restricted, while major 1 was being delivered to every department subscribed to it.
   */
  readonly majors: readonly {
    readonly major: number;
    readonly sharing: string;
    readonly latestVersion: string;
  }[];
}

/** Bytes of type summaries in one answer of GET /contracts. */
export const CATALOGUE_PAGE_BYTES = PAGE_BYTES;
/** Version heads read from the registry at a time while a page of the catalogue fills. */
const HEADS_PER_READ = 100;

function summaryOf(versions: readonly ContractHead[]): ContractSummary {
  const latest = versions[versions.length - 1]!;
  return {
    type: latest.type,
    owner: latest.ownerDepartment,
    sharing: latest.sharing,
    description: latest.description,
    latestVersion: latest.version,
    versions: versions.map((v) => v.version),
    majors: majorsOf(versions),
  };
}

/** Each major of a type's versions (in semver order), with the sharing and version of its latest. */
function majorsOf(versions: readonly ContractHead[]): ContractSummary['majors'] {
  const byMajor = new Map<number, { major: number; sharing: string; latestVersion: string }>();
  for (const v of versions)
    byMajor.set(v.major, { major: v.major, sharing: v.sharing, latestVersion: v.version });
  return [...byMajor.values()];
}

/**
 * One entry per type, by type, versions in semver order; the description and sharing are the latest version's. As
 * many types as `pageBytes` allow (at least one), and `nextToken` when more follow; the next page is asked for with
 * that token.
 */
export async function listContracts(
  ports: Pick<ContractPorts, 'registry'>,
  nextToken?: string,
  limits: { readonly pageBytes: number; readonly perRead: number } = {
    pageBytes: CATALOGUE_PAGE_BYTES,
    perRead: HEADS_PER_READ,
  },
): Promise<{ contracts: ContractSummary[]; nextToken?: string }> {
  const startType = nextToken === undefined ? undefined : typeAfter(nextToken);
  const contracts: ContractSummary[] = [];
  let bytes = 0;
  /** The versions read so far of the type being read. */
  let versions: ContractHead[] = [];
  /** Adds the type being read to the page; false, adding nothing, when the page is full without it. */
  const added = (): boolean => {
    const summary = summaryOf(versions);
    const size = Buffer.byteLength(JSON.stringify(summary));
    if (contracts.length > 0 && bytes + size > limits.pageBytes) return false;
    contracts.push(summary);
    bytes += size;
    versions = [];
    return true;
  };
  const full = () => ({
    contracts,
    nextToken: encodePageToken({ list: 'contracts', after: contracts[contracts.length - 1]!.type }),
  });
  let after: { type: string; version?: string } | undefined =
    startType === undefined ? undefined : { type: startType };
  for (;;) {
    const heads = await ports.registry.listContracts({ after, limit: limits.perRead });
    for (const head of heads) {
      if (versions.length > 0 && versions[0]!.type !== head.type && !added()) return full();
      versions.push(head);
    }
    if (heads.length < limits.perRead) {
      if (versions.length > 0 && !added()) return full();
      // A token is only given while types follow it, and contracts are never removed.
      if (startType !== undefined && contracts.length === 0)
        throw invalidNextToken('no contract type follows it');
      return { contracts };
    }
    const last = heads[heads.length - 1]!;
    after = { type: last.type, version: last.version };
  }
}

/** The type a nextToken of the catalogue resumes after. */
function typeAfter(token: string): string {
  const fields = decodePageToken(token) as { list?: unknown; after?: unknown } | null;
  if (
    typeof fields !== 'object' ||
    fields === null ||
    fields.list !== 'contracts' ||
    !ContractTypeSchema.safeParse(fields.after).success
  ) {
    throw invalidNextToken('it is not a token this API gave');
  }
  return fields.after as string;
}

/** Bytes of version views in one answer of GET /contracts/{type}. */
export const CONTRACT_PAGE_BYTES = PAGE_BYTES;
/** Versions read from the registry at a time while a page fills. */
const VERSIONS_PER_READ = 8;

type ContractVersionView = ReturnType<typeof contractView>;

/**
 * A type's versions, oldest first, with their schemas: as many as CONTRACT_PAGE_BYTES allow (at least one), and
 * `nextToken` when more follow; the next page is asked for with that token.
 */
export async function getContract(
  ports: Pick<ContractPorts, 'registry'>,
  type: string,
  nextToken?: string,
): Promise<{ type: string; owner: string; versions: ContractVersionView[]; nextToken?: string }> {
  const {
    views: versions,
    after,
    full,
  } = await fillPage({
    read: (after: string | undefined, limit) => ports.registry.listContractVersions(type, { after, limit }),
    view: contractView,
    keyOf: (version) => version.version,
    after: nextToken === undefined ? undefined : versionAfter(nextToken, type),
    pageBytes: CONTRACT_PAGE_BYTES,
    perRead: VERSIONS_PER_READ,
  });
  const first = versions[0];
  if (first === undefined) {
    // A token is only given while versions follow it, and versions are never removed.
    if (nextToken !== undefined) throw invalidNextToken('no version follows it');
    throw new NotFoundError('unknown_contract', `No contract of type ${JSON.stringify(type)} is registered.`);
  }
  return {
    type,
    owner: first.owner,
    versions,
    ...(full ? { nextToken: encodePageToken({ type, after }) } : {}),
  };
}

/** The version a nextToken of `type`'s listing resumes after. */
function versionAfter(token: string, type: string): string {
  const fields = decodePageToken(token) as { type?: unknown; after?: unknown } | null;
  if (typeof fields !== 'object' || fields === null || typeof fields.after !== 'string') {
    throw invalidNextToken('it is not a token this API gave');
  }
  if (fields.type !== type) throw invalidNextToken(`it belongs to another contract type's listing`);
  if (!SemverSchema.safeParse(fields.after).success)
    throw invalidNextToken('it is not a token this API gave');
  return fields.after;
}
