// The demo catalogue's seeding against DynamoDB Local: each system's key is handed over to be kept as soon as the
// system exists, and a system whose key was never kept is named rather than silently left without one.
import { DEMO_SYSTEMS } from '../../../contracts/index.js';
import { SchemaValidator } from '../../../functions/shared/schema-validator.js';
import { type DemoKeys, seedDemo } from '../../../local/demo.js';
import { clockAt, closeClients, freshRegistry } from '../functions/harness.js';

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
});
