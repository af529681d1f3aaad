// The authorizer function's key cache when the wall clock is set back (clock review, 2026-12-06): its entries keep
// their 30 s on whichever of the wall and monotonic clocks is later, so a key replaced meanwhile stops working. Its
// own file: the function's registry client is made at import, from the environment this file sets.
import { jest } from '@jest/globals';
import { generateApiKey, hashApiKey } from '../../../functions/shared/api-keys.js';
import { invoke, type LocalHandlers } from '../../../local/lambda/invoker.js';
import { closeClients, freshRegistry, functionEnvironment, type TestRegistry } from './harness.js';

let test: TestRegistry;
let handlers: LocalHandlers;

beforeAll(async () => {
  test = await freshRegistry();
  functionEnvironment({
    tableName: test.tableName,
    // Never reached: the authorizer reads the registry alone.
    eventBridge: 'http://127.0.0.1:9',
  });
  const authorizer = await import('../../../functions/authorizer/handler.js');
  handlers = { authorizer: authorizer.handler } as unknown as LocalHandlers;
});

afterAll(() => closeClients());

const authorize = (key: string) =>
  invoke(handlers, 'authorizer', { headers: { authorization: `Bearer ${key}` } });

it('refuses a rotated admin key once 30 s have passed, though the wall clock was set back an hour meanwhile', async () => {
  // Prepare: the admin key in the authorizer's cache, then rotated
  const rotated = generateApiKey();
  await test.registry.putAdminKey(hashApiKey(rotated));
  const cached = await authorize(rotated);
  await test.registry.putAdminKey(hashApiKey(generateApiKey()));
  const realWall = Date.now.bind(Date);
  const realMonotonic = performance.now.bind(performance);
  let after: unknown;
  try {
    // Act: 31 s of real time pass, during which the wall clock is set back an hour
    jest.spyOn(Date, 'now').mockImplementation(() => realWall() - 3_600_000 + 31_000);
    jest.spyOn(performance, 'now').mockImplementation(() => realMonotonic() + 31_000);
    after = await authorize(rotated);
  } finally {
    jest.restoreAllMocks();
  }
  // Assess
  expect(cached).toEqual({ isAuthorized: true, context: { kind: 'admin' } });
  expect(after).toEqual({ isAuthorized: true, context: { kind: 'anonymous', authError: 'unknown_api_key' } });
});
