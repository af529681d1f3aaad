import { authorize, KeyCache } from '../../../functions/authorizer/authorize.js';
import { generateApiKey, hashApiKey } from '../../../functions/shared/api-keys.js';
import { CountingRegistry, closeClients, freshRegistry, onboard, type TestRegistry } from './harness.js';

let test: TestRegistry;
let systemKey: string;
const adminKey = generateApiKey();

/** A counting registry, a fresh cache and a clock the test moves by hand. */
function setUp(cacheTtlMs?: number) {
  const registry = CountingRegistry.on(test);
  const clock = { now: 1_000_000 };
  const ports = { registry, now: () => clock.now, ...(cacheTtlMs === undefined ? {} : { cacheTtlMs }) };
  return { registry, clock, ports, cache: new KeyCache() };
}

beforeAll(async () => {
  test = await freshRegistry();
  systemKey = (await onboard(test.registry, 'tax', ['filing'])).apiKeys.filing!;
  await test.registry.putAdminKey(hashApiKey(adminKey));
});
afterAll(() => closeClients());

describe('authorize', () => {
  it.each([
    { case: 'no Authorization header', header: undefined },
    { case: 'a header that is not a bearer token', header: 'Basic dXNlcjpwYXNz' },
    { case: 'a bearer header without a token', header: 'Bearer ' },
  ])('labels a request with $case as missing_api_key without reading the registry', async ({ header }) => {
    // Prepare
    const { registry, ports, cache } = setUp();
    // Act
    const context = await authorize(ports, cache, header);
    // Assess
    expect(context).toEqual({ kind: 'anonymous', authError: 'missing_api_key' });
    expect(registry.reads.findPrincipalByKeyHash).toBe(0);
  });

  it('labels an unknown key unknown_api_key and asks the registry again next time', async () => {
    // Prepare
    const { registry, ports, cache } = setUp();
    const header = `Bearer ${generateApiKey()}`;
    // Act
    const first = await authorize(ports, cache, header);
    const second = await authorize(ports, cache, header);
    // Assess
    expect(first).toEqual({ kind: 'anonymous', authError: 'unknown_api_key' });
    expect(second).toEqual(first);
    expect(registry.reads.findPrincipalByKeyHash).toBe(2);
  });

  it("resolves a system's key to its department and system", async () => {
    // Prepare
    const { ports, cache } = setUp();
    // Act
    const context = await authorize(ports, cache, `Bearer ${systemKey}`);
    // Assess
    expect(context).toEqual({ kind: 'system', departmentId: 'tax', systemId: 'filing' });
  });

  it('resolves the admin key, whatever the case of the scheme', async () => {
    // Prepare
    const { ports, cache } = setUp();
    // Act
    const context = await authorize(ports, cache, `bearer ${adminKey}`);
    // Assess
    expect(context).toEqual({ kind: 'admin' });
  });

  it('answers a known key from its cache without a second registry read', async () => {
    // Prepare
    const { registry, clock, ports, cache } = setUp(30_000);
    await authorize(ports, cache, `Bearer ${systemKey}`);
    clock.now += 29_999;
    // Act
    const cached = await authorize(ports, cache, `Bearer ${systemKey}`);
    // Assess
    expect(cached).toEqual({ kind: 'system', departmentId: 'tax', systemId: 'filing' });
    expect(registry.reads.findPrincipalByKeyHash).toBe(1);
  });

  it('reads the registry again once the cached entry has expired', async () => {
    // Prepare
    const { registry, clock, ports, cache } = setUp(30_000);
    await authorize(ports, cache, `Bearer ${systemKey}`);
    clock.now += 30_000;
    // Act
    const again = await authorize(ports, cache, `Bearer ${systemKey}`);
    // Assess
    expect(again).toEqual({ kind: 'system', departmentId: 'tax', systemId: 'filing' });
    expect(registry.reads.findPrincipalByKeyHash).toBe(2);
  });

  it('keeps a known key 30 s when told no cache time, as the deploy guide promises of a rotated admin key', async () => {
    // Prepare
    const { registry, clock, ports, cache } = setUp();
    await authorize(ports, cache, `Bearer ${systemKey}`);
    clock.now += 29_999;
    // Act
    const cached = await authorize(ports, cache, `Bearer ${systemKey}`);
    const readsWhileCached = registry.reads.findPrincipalByKeyHash;
    clock.now += 1;
    const again = await authorize(ports, cache, `Bearer ${systemKey}`);
    // Assess
    expect(cached).toEqual({ kind: 'system', departmentId: 'tax', systemId: 'filing' });
    expect(again).toEqual(cached);
    expect(readsWhileCached).toBe(1);
    expect(registry.reads.findPrincipalByKeyHash).toBe(2);
  });
});
