// The demo catalogue's seeding against DynamoDB Local: each system's key is handed over to be kept as soon as the
// system exists, a system whose key was never kept is named rather than silently left without one, and a demo
// contract the registry refuses is skipped without the rest, while a registry failure still fails the seeding.
import { jest } from '@jest/globals';
import { DEMO_CONTRACTS, DEMO_DEPARTMENTS, DEMO_SYSTEMS } from '../../../contracts/index.js';
import { registerContract } from '../../../functions/contracts/contracts.js';
import { hashApiKey } from '../../../functions/shared/api-keys.js';
import { SchemaValidator } from '../../../functions/shared/schema-validator.js';
import { type DemoKeys, seedDemo } from '../../../local/demo.js';
import { clockAt, closeClients, freshRegistry, onboard } from '../functions/harness.js';

const now = clockAt('2025-02-03T04:05:06.000Z');
const names = DEMO_SYSTEMS.map((s) => `${s.departmentId}/${s.id}`);

afterAll(() => closeClients());

describe('seedDemo', () => {
  it('hands over the keys to keep after each system it creates, not once at the end', async () => {
    // Prepare
    const { registry } = await freshRegistry();
    const kept: DemoKeys[] = [];
    // Act
    const seeded = await seedDemo({ registry, validator: new SchemaValidator(), now }, {}, (keys) =>
      kept.push({ ...keys }),
    );
    // Assess: the n-th hand-over holds the first n systems' keys
    expect(kept.map((keys) => Object.keys(keys))).toEqual(names.map((_, i) => names.slice(0, i + 1)));
    expect(kept.at(-1)).toEqual(seeded.keys);
    expect(seeded.lost).toEqual([]);
  });

  it('names the systems a stopped seeding created without keeping their keys, and keeps the rest', async () => {
    // Prepare: a first seeding stops right after its second system, before that key is kept
    const { registry } = await freshRegistry();
    const ports = { registry, validator: new SchemaValidator(), now };
    let kept: DemoKeys = {};
    const stop = new Error('stopped');
    const first = await seedDemo(ports, {}, (keys) => {
      if (Object.keys(keys).length === 2) throw stop;
      kept = { ...keys };
    }).catch((error: unknown) => error);
    // Act
    const second = await seedDemo(ports, kept);
    // Assess
    expect(first).toBe(stop);
    expect(second.lost).toEqual([names[1]]);
    expect(Object.keys(second.keys).sort()).toEqual(names.filter((n) => n !== names[1]).sort());
    expect(second.keys[names[0] as string]).toBe(kept[names[0] as string]);
  });

  it('makes the departments, systems and contracts as the catalogue defines them, each key opening its system', async () => {
    // Prepare
    const { registry } = await freshRegistry();
    // Act
    const seeded = await seedDemo({ registry, validator: new SchemaValidator(), now }, {});
    // Assess
    for (const department of DEMO_DEPARTMENTS) {
      expect(await registry.getDepartment(department.id)).toMatchObject({
        id: department.id,
        name: department.name,
      });
    }
    for (const system of DEMO_SYSTEMS) {
      expect(await registry.listSystems(system.departmentId)).toEqual([
        expect.objectContaining({ departmentId: system.departmentId, id: system.id, name: system.name }),
      ]);
      const key = seeded.keys[`${system.departmentId}/${system.id}`] as string;
      expect(await registry.findPrincipalByKeyHash(hashApiKey(key))).toEqual({
        kind: 'system',
        departmentId: system.departmentId,
        systemId: system.id,
      });
    }
    for (const contract of DEMO_CONTRACTS) {
      const registration = contract.registration();
      const owner = DEMO_SYSTEMS.find((system) => system.departmentId === contract.owner);
      expect(await registry.getContractVersion(registration.type, registration.version)).toMatchObject({
        ...registration,
        ownerDepartment: contract.owner,
        createdBy: owner?.id,
      });
    }
    expect(seeded.skipped).toEqual([]);
  });

  it('skips a demo contract whose type another department registered first, saying why, and registers the rest', async () => {
    // Prepare: a department of the user's registers the first demo contract's type before any seeding
    const { registry } = await freshRegistry();
    const ports = { registry, validator: new SchemaValidator(), now };
    const { principals } = await onboard(registry, 'portal', ['desk']);
    const [first, ...rest] = DEMO_CONTRACTS.map((contract) => contract.registration());
    await registerContract(ports, principals.desk!, first);
    // Act
    const seeded = await seedDemo(ports, {});
    // Assess
    expect(seeded.skipped).toEqual([
      `${first?.type}: Contract type ${first?.type} is owned by department portal, not government-services.`,
    ]);
    for (const registration of rest) {
      expect(await registry.getContractVersion(registration.type, registration.version)).toBeDefined();
    }
  });

  it('replaces the kept key of a system it had to make again, as under an old demo-keys.json and a new registry', async () => {
    // Prepare: keys kept for every demo system, none of which the registry has
    const { registry } = await freshRegistry();
    const stale: DemoKeys = Object.fromEntries(names.map((name) => [name, `sbk_stale_${name}`]));
    // Act
    const seeded = await seedDemo({ registry, validator: new SchemaValidator(), now }, stale);
    // Assess: each key handed back opens its system
    for (const name of names) {
      const [departmentId, systemId] = name.split('/');
      expect(await registry.findPrincipalByKeyHash(hashApiKey(seeded.keys[name] as string))).toEqual({
        kind: 'system',
        departmentId,
        systemId,
      });
    }
    expect(seeded.lost).toEqual([]);
  });

  it('names each system whose key is not kept, in the catalogue order, and hands nothing to keep when it makes nothing', async () => {
    // Prepare: a complete seeding, then the keys of two systems are missing from those kept
    const { registry } = await freshRegistry();
    const ports = { registry, validator: new SchemaValidator(), now };
    const { keys } = await seedDemo(ports, {});
    const missing = [names[4] as string, names[2] as string];
    const known = Object.fromEntries(Object.entries(keys).filter(([name]) => !missing.includes(name)));
    const kept: DemoKeys[] = [];
    // Act
    const second = await seedDemo(ports, known, (k) => kept.push(k));
    // Assess
    expect(second.lost).toEqual([names[2], names[4]]);
    expect(second.keys).toEqual(known);
    expect(second.skipped).toEqual([]);
    expect(kept).toEqual([]);
  });

  it.each([
    ['a system', 'createSystem'],
    ['a contract', 'putContractVersion'],
  ] as const)(
    'fails on a registry failure while making %s rather than take it for one that exists or is refused',
    async (_, write) => {
      // Prepare: the registry fails the first such write, as DynamoDB Local would were it stopped
      const { registry } = await freshRegistry();
      const down = new Error('connect ECONNREFUSED 127.0.0.1:4512');
      jest.spyOn(registry, write).mockRejectedValueOnce(down);
      // Act
      const seeded = seedDemo({ registry, validator: new SchemaValidator(), now }, {});
      // Assess
      await expect(seeded).rejects.toBe(down);
    },
  );

  it('names a system whose kept key the registry does not know for it, rather than hand back that key', async () => {
    // Prepare: keys kept for another registry (SHAREBUS_TABLE_NAME changed and changed back on one data directory)
    const validator = new SchemaValidator();
    const { registry } = await freshRegistry();
    const other = await freshRegistry();
    await seedDemo({ registry, validator, now }, {});
    const { keys: otherKeys } = await seedDemo({ registry: other.registry, validator, now }, {});
    // Act
    const seeded = await seedDemo({ registry, validator, now }, otherKeys);
    // Assess
    expect(seeded.lost).toEqual(names);
    expect(seeded.keys).toEqual({});
  });

  it('keeps, while not handing it back, a kept key the registry does not know for its system, as it opens it in another table', async () => {
    // Prepare: table X complete, its keys kept; table Y holds only the first demo system, whose key was never kept
    const validator = new SchemaValidator();
    const x = (await freshRegistry()).registry;
    const y = (await freshRegistry()).registry;
    const { keys: xKeys } = await seedDemo({ registry: x, validator, now }, {});
    const stopped = new Error('stopped');
    const firstOnY = await seedDemo({ registry: y, validator, now }, {}, () => {
      throw stopped;
    }).catch((error: unknown) => error);
    let kept: DemoKeys = {};
    const onY = await seedDemo({ registry: y, validator, now }, xKeys, (keys) => {
      kept = { ...keys };
    });
    // Act: back on X with what the start on Y kept
    const backOnX = await seedDemo({ registry: x, validator, now }, kept);
    // Assess
    expect(firstOnY).toBe(stopped);
    expect(onY.lost).toEqual([names[0]]);
    expect(onY.keys[names[0] as string]).toBeUndefined();
    expect(backOnX.keys[names[0] as string]).toBe(xKeys[names[0] as string]);
  });
});
