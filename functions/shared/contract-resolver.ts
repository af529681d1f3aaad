// Finds the contract version an event or a subscription names. Named versions are immutable, so they are
// cached for the life of the function instance; "latest" is looked up each time (one item, read consistently)
// because new versions appear.
import { UnprocessableError } from './errors.js';
import type { ContractVersion, Registry } from './registry/registry.js';

export class ContractResolver {
  readonly #cache = new Map<string, ContractVersion>();

  constructor(private readonly registry: Registry) {}

  /** `pointer` names the request field the type came from, e.g. `/events/3`. */
  async resolve(type: string, version: string | undefined, pointer = ''): Promise<ContractVersion> {
    if (version !== undefined) {
      const key = `${type}@${version}`;
      const cached = this.#cache.get(key);
      if (cached) return cached;
      const found = await this.registry.getContractVersion(type, version);
      if (found) {
        this.#cache.set(key, found);
        return found;
      }
    }
    if (version === undefined) {
      const latest = await this.registry.latestContractVersion(type);
      if (latest === undefined) throw unknownType(type, pointer);
      this.#cache.set(`${latest.type}@${latest.version}`, latest);
      return latest;
    }
    // Refused: list what exists, for the answer.
    const versions = await this.registry.listContractVersions(type);
    if (versions.length === 0) throw unknownType(type, pointer);
    throw new UnprocessableError(
      'unknown_contract_version',
      `${type} has no version ${version}; registered versions: ${versions.map((v) => v.version).join(', ')}.`,
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
