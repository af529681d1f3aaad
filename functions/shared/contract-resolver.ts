// Finds the contract version an event or a subscription names. Named versions are immutable, so they are
// cached for the life of the function instance; "latest" is looked up each time (one item, read consistently)
// because new versions appear.
import { UnprocessableError } from './errors.js';
import type { ContractVersion, Registry } from './registry/registry.js';

/**
 * Named versions kept, least recently used let go of first. Each holds its schema (up to 256 KB): kept for good, a
 * long-lived process held every version it was ever asked for, past what the validator keeps compiled (soak review,
 * 2026-12-07: 1,000 versions of 100 KB published once each left 103 MB after GC, 62 MB of it held by this cache alone).
 */
export const MAX_CACHED_CONTRACT_VERSIONS = 500;

export class ContractResolver {
  /** By `type@version`, least recently used first. */
  readonly #cache = new Map<string, ContractVersion>();

  constructor(
    private readonly registry: Registry,
    private readonly maxCached = MAX_CACHED_CONTRACT_VERSIONS,
  ) {}

  #keep(key: string, version: ContractVersion): void {
    this.#cache.delete(key);
    this.#cache.set(key, version);
    for (const oldest of this.#cache.keys()) {
      if (this.#cache.size <= this.maxCached) break;
      this.#cache.delete(oldest);
    }
  }

  /** `pointer` names the request field the type came from, e.g. `/events/3`. */
  async resolve(type: string, version: string | undefined, pointer = ''): Promise<ContractVersion> {
    if (version !== undefined) {
      const key = `${type}@${version}`;
      const cached = this.#cache.get(key);
      if (cached) {
        this.#keep(key, cached);
        return cached;
      }
      const found = await this.registry.getContractVersion(type, version);
      if (found) {
        this.#keep(key, found);
        return found;
      }
    }
    if (version === undefined) {
      const latest = await this.registry.latestContractVersion(type);
      if (latest === undefined) throw unknownType(type, pointer);
      this.#keep(`${latest.type}@${latest.version}`, latest);
      return latest;
    }
    // Refused, naming the latest version: one item. Listing every version read each one whole, schemas and all
    // (DynamoDB reads whole items, whatever the projection): a type of 100 versions of 255 KB made each such publish
    // read 25 MB, 1.6 s locally, and 9 of 10 at once answered 500 (adversarial-input review, 2026-12-06).
    const latest = await this.registry.latestContractVersion(type);
    if (latest === undefined) throw unknownType(type, pointer);
    throw new UnprocessableError(
      'unknown_contract_version',
      `${type} has no version ${version}; its latest is ${latest.version} (GET /contracts/${type} lists every version).`,
      { fields: [{ field: `${pointer}/version`, message: 'is not a registered version of this type' }] },
    );
  }
}

function unknownType(type: string, pointer: string): UnprocessableError {
  return new UnprocessableError(
    'unknown_contract',
    `No contract of type ${JSON.stringify(type)} is registered.`,
    {
      fields: [{ field: `${pointer}/type`, message: 'is not a registered contract type' }],
    },
  );
}
