import { registerContract } from '../../../functions/contracts/contracts.js';
import { ContractResolver } from '../../../functions/shared/contract-resolver.js';
import type { Principal } from '../../../functions/shared/registry/registry.js';
import { SchemaValidator } from '../../../functions/shared/schema-validator.js';
import {
  CountingRegistry,
  caught,
  clockAt,
  closeClients,
  freshRegistry,
  onboard,
  schemasRead,
  type TestRegistry,
} from './harness.js';

let test: TestRegistry;
let owner: Principal;
const validator = new SchemaValidator();

async function register(type: string, version: string): Promise<void> {
  const ports = {
    registry: test.registry,
    validator,
    now: clockAt('2025-01-01T00:00:00Z'),
  };
  await registerContract(ports, owner, {
    type,
    version,
    description: `${type} ${version}`,
    sharing: 'open',
    schema: { type: 'object' },
  });
}

beforeAll(async () => {
  test = await freshRegistry();
  owner = (await onboard(test.registry, 'tax', ['filing'])).principals.filing!;
  await register('tax.resolve.named', '1.0.0');
  await register('tax.resolve.named', '1.1.0');
});
afterAll(() => closeClients());

describe('ContractResolver', () => {
  it('reads a named version from the registry once and then from its cache', async () => {
    // Prepare
    const registry = CountingRegistry.on(test);
    const resolver = new ContractResolver(registry);
    // Act
    const first = await resolver.resolve('tax.resolve.named', '1.0.0');
    const second = await resolver.resolve('tax.resolve.named', '1.0.0');
    // Assess
    expect(first).toMatchObject({ type: 'tax.resolve.named', version: '1.0.0', ownerDepartment: 'tax' });
    expect(second).toEqual(first);
    expect(registry.reads).toMatchObject({ getContractVersion: 1, listContractVersions: 0 });
  });

  it('keeps at most the versions it is given room for, letting go of the least recently used first', async () => {
    // Prepare: room for two; 1.0.0 read, 1.1.0 read, 1.0.0 used again, so 1.1.0 is the least recently used
    for (const version of ['1.0.0', '1.1.0', '1.2.0']) await register('tax.resolve.lru', version);
    const registry = CountingRegistry.on(test);
    const resolver = new ContractResolver(registry, 2);
    await resolver.resolve('tax.resolve.lru', '1.0.0');
    await resolver.resolve('tax.resolve.lru', '1.1.0');
    await resolver.resolve('tax.resolve.lru', '1.0.0');
    // Act: a third version lets go of 1.1.0, which is read again; the other two are not
    await resolver.resolve('tax.resolve.lru', '1.2.0');
    await resolver.resolve('tax.resolve.lru', '1.0.0');
    await resolver.resolve('tax.resolve.lru', '1.1.0');
    // Assess: before, every version ever asked for was kept (soak review: 1,000 schemas of 100 KB held 62 MB)
    expect(registry.reads).toMatchObject({ getContractVersion: 4 });
  });

  it('counts the latest version it keeps against the same room', async () => {
    // Prepare
    await register('tax.resolve.room', '1.0.0');
    await register('tax.resolve.room', '1.1.0');
    const registry = CountingRegistry.on(test);
    const resolver = new ContractResolver(registry, 1);
    await resolver.resolve('tax.resolve.room', '1.0.0');
    // Act: the latest (1.1.0) kept, 1.0.0 let go of
    await resolver.resolve('tax.resolve.room', undefined);
    await resolver.resolve('tax.resolve.room', '1.1.0');
    await resolver.resolve('tax.resolve.room', '1.0.0');
    // Assess
    expect(registry.reads).toMatchObject({ getContractVersion: 2, latestContractVersion: 1 });
  });

  it('looks the latest version up every time, so a version registered since is found', async () => {
    // Prepare
    await register('tax.resolve.latest', '1.0.0');
    const registry = CountingRegistry.on(test);
    const resolver = new ContractResolver(registry);
    const before = await resolver.resolve('tax.resolve.latest', undefined);
    await register('tax.resolve.latest', '1.10.0');
    await register('tax.resolve.latest', '1.9.0');
    // Act
    const after = await resolver.resolve('tax.resolve.latest', undefined);
    // Assess
    expect(before.version).toBe('1.0.0');
    expect(after.version).toBe('1.10.0');
    expect(registry.reads).toMatchObject({ latestContractVersion: 2, listContractVersions: 0 });
  });

  it('caches the latest version it read, so naming it later costs no read', async () => {
    // Prepare
    const registry = CountingRegistry.on(test);
    const resolver = new ContractResolver(registry);
    await resolver.resolve('tax.resolve.named', undefined);
    // Act
    const named = await resolver.resolve('tax.resolve.named', '1.1.0');
    // Assess
    expect(named.version).toBe('1.1.0');
    expect(registry.reads).toMatchObject({ getContractVersion: 0, latestContractVersion: 1 });
  });

  it('answers 422 unknown_contract naming the type field under the given pointer', async () => {
    // Prepare
    const resolver = new ContractResolver(test.registry);
    // Act
    const error = await caught(() => resolver.resolve('tax.resolve.nobody', undefined, '/events/3'));
    // Assess
    expect(error).toMatchObject({
      status: 422,
      code: 'unknown_contract',
      fields: [{ field: '/events/3/type' }],
    });
  });

  it('answers 422 unknown_contract, naming the type field, for an unknown type with a version', async () => {
    // Prepare
    const resolver = new ContractResolver(test.registry);
    // Act
    const error = await caught(() => resolver.resolve('tax.resolve.nobody', '1.0.0', '/events/1'));
    // Assess
    expect(error).toMatchObject({
      status: 422,
      code: 'unknown_contract',
      fields: [{ field: '/events/1/type' }],
    });
  });

  it('answers 422 unknown_contract_version naming the latest version, reading no other', async () => {
    // Prepare: schemas of 200 KB, more than DynamoDB's 1 MB page together, registered out of semver order. Naming
    // every version read each whole, schemas and all (adversarial-input review, 2026-12-06).
    const type = 'tax.resolve.many';
    const schema = { type: 'object', description: 'x'.repeat(200_000) };
    const ports = { registry: test.registry, validator, now: clockAt('2025-01-01T00:00:00Z') };
    for (const version of ['1.10.0', '1.0.0', '2.0.0', '1.2.0', '1.9.0', '2.1.0']) {
      await registerContract(ports, owner, { type, version, description: type, sharing: 'open', schema });
    }
    const resolver = new ContractResolver(test.registry);
    let error: Error | undefined;
    // Act
    const schemas = await schemasRead(test, async () => {
      error = await caught(() => resolver.resolve(type, '1.3.0', '/events/2'));
    });
    // Assess
    expect(error).toMatchObject({
      status: 422,
      code: 'unknown_contract_version',
      message: `${type} has no version 1.3.0; its latest is 2.1.0 (GET /contracts/${type} lists every version).`,
      fields: [{ field: '/events/2/version', message: 'is not a registered version of this type' }],
    });
    expect(schemas).toEqual([`${type}@2.1.0`]);
  });
});
