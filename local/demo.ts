// Seeds the demo catalogue (the enterprise-establishment case) through the same use cases the API runs,
// so a fresh `npm start` has departments, systems with API keys, and contracts to try. Idempotent: what
// exists is left alone. System keys are shown once by the API, so the local runtime keeps the demo keys in
// a file beside its data (never in AWS) to print them again on the next start.
import { DEMO_CONTRACTS, DEMO_DEPARTMENTS, DEMO_SYSTEMS } from '../contracts/index.js';
import { registerContract } from '../functions/contracts/contracts.js';
import { createDepartment, createSystem } from '../functions/departments/departments.js';
import { isSystem } from '../functions/shared/access.js';
import { hashApiKey } from '../functions/shared/api-keys.js';
import { ConflictError, SharebusError } from '../functions/shared/errors.js';
import type { Registry } from '../functions/shared/registry/registry.js';
import type { SchemaValidator } from '../functions/shared/schema-validator.js';

export interface DemoSeedPorts {
  readonly registry: Registry;
  readonly validator: SchemaValidator;
  readonly now: () => Date;
}

/** `department/system` → API key, for the systems whose key is known. */
export type DemoKeys = Record<string, string>;

/**
 * Seeds what is missing; a demo system that exists but whose key `knownKeys` lacks (created before a stop that came
 * before its key was kept, or by hand), or holds one the registry does not know for it (kept for another table: the
 * tables share the data directory's demo-keys.json), is in `lost`, and that key is not handed back (though still
 * kept). A demo contract the registry refuses (a type someone else registered first, or named after another
 * department) is skipped, said in `skipped`, so that a start does not fail for good on it.
 */
export async function seedDemo(
  ports: DemoSeedPorts,
  knownKeys: DemoKeys,
  /** Called with all keys known so far as soon as a system is created, so that a stop right after keeps its key. */
  keep: (keys: DemoKeys) => void = () => {},
): Promise<{ keys: DemoKeys; skipped: string[]; lost: string[] }> {
  const skipped: string[] = [];
  const lost: string[] = [];
  const admin = { kind: 'admin' } as const;
  const keys: DemoKeys = { ...knownKeys };
  for (const department of DEMO_DEPARTMENTS) {
    await ignoreConflict(() => createDepartment(ports, admin, department));
  }
  for (const system of DEMO_SYSTEMS) {
    const name = `${system.departmentId}/${system.id}`;
    const created = await ignoreConflict(() =>
      createSystem(ports, admin, system.departmentId, { id: system.id, name: system.name }),
    );
    if (created) {
      keys[name] = created.apiKey;
      keep(keys);
    } else if (!(await opens(ports.registry, keys[name], system))) lost.push(name);
  }
  for (const contract of DEMO_CONTRACTS) {
    const owner = DEMO_SYSTEMS.find((system) => system.departmentId === contract.owner);
    if (!owner) throw new Error(`the demo catalogue has no system for ${contract.owner}`);
    const registration = contract.registration();
    try {
      await registerContract(
        ports,
        { kind: 'system', departmentId: owner.departmentId, systemId: owner.id },
        registration,
      );
    } catch (error) {
      if (!(error instanceof SharebusError) || !error.expose) throw error;
      skipped.push(`${registration.type}: ${error.message}`);
    }
  }
  // A lost system's kept key is not handed back, but stays in what is kept: it may open the system in another table.
  return {
    keys: Object.fromEntries(Object.entries(keys).filter(([name]) => !lost.includes(name))),
    skipped,
    lost,
  };
}

async function ignoreConflict<T>(action: () => Promise<T>): Promise<T | undefined> {
  try {
    return await action();
  } catch (error) {
    if (error instanceof ConflictError) return undefined;
    throw error;
  }
}

/** Whether `key` is the registry's key of `system`. */
async function opens(
  registry: Registry,
  key: string | undefined,
  system: { readonly departmentId: string; readonly id: string },
): Promise<boolean> {
  // demo-keys.json is edited by hand at times: a value that is no key is none.
  if (typeof key !== 'string') return false;
  return isSystem(await registry.findPrincipalByKeyHash(hashApiKey(key)), system.departmentId, system.id);
}
