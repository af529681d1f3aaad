// The functions that only read the registry (authorizer, publish, deliver) when DynamoDB takes a connection and never
// answers on it: each cuts that attempt and tries again on a new connection, rather than wait until the function
// times out. Its own file: the functions' clients are made at import, here pointed at a proxy that can hold
// connections unanswered in front of DynamoDB Local.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { buildEnvelope } from '../../../contracts/envelope.js';
import { FUNCTION_TIMEOUT_SECONDS } from '../../../functions/routes.js';
import { REGISTRY_SILENCE_TIMEOUT_MS } from '../../../functions/shared/clients.js';
import { invoke, type LocalHandlers } from '../../../local/lambda/invoker.js';
import {
  closeClients,
  freshRegistry,
  functionEnvironment,
  onboard,
  systemPrincipal,
  type TestRegistry,
} from './harness.js';
import { StallingProxy } from './stalling-proxy.js';

let test: TestRegistry;
let proxy: StallingProxy;
let handlers: LocalHandlers;
let systemKey: string;

/** Room for one attempt cut at REGISTRY_SILENCE_TIMEOUT_MS and the next, well short of any function's own timeout. */
const TIME_GIVEN_MS = REGISTRY_SILENCE_TIMEOUT_MS * 3;

beforeAll(async () => {
  test = await freshRegistry();
  systemKey = (await onboard(test.registry, 'tax', ['filing'])).apiKeys.filing as string;
  const endpoint = process.env.SHAREBUS_TEST_DYNAMODB_ENDPOINT as string;
  proxy = await new StallingProxy(new URL(endpoint)).listen();
  functionEnvironment({
    tableName: test.tableName,
    dynamoDb: proxy.url,
    // Never reached: no event gets as far as the bus.
    eventBridge: 'http://127.0.0.1:9',
  });
  // One at a time: jest's ESM loader fails imports made side by side of modules a test file imports already ("request
  // for 'node:stream' is not in cache", seen in a full run).
  const authorizer = await import('../../../functions/authorizer/handler.js');
  const publish = await import('../../../functions/publish/handler.js');
  const deliver = await import('../../../functions/deliver/handler.js');
  handlers = {
    authorizer: authorizer.handler,
    publish: publish.handler,
    deliver: deliver.handler,
  } as unknown as LocalHandlers;
});

afterAll(async () => {
  await proxy.close();
  closeClients();
});

beforeEach(() => proxy.reset());

it("cuts attempts short enough that all of a DynamoDB client's and their backoff fit in the authorizer's timeout", async () => {
  // Prepare: the client's attempts as the functions' own read them (AWS_MAX_ATTEMPTS, else DynamoDB's 4)
  const client = new DynamoDBClient({});
  // Act
  const attempts = await client.config.maxAttempts();
  client.destroy();
  // Assess: the standard strategy's backoff before the 4th attempt is at most 50 + 100 + 200 ms
  expect(REGISTRY_SILENCE_TIMEOUT_MS * attempts + 500).toBeLessThan(
    FUNCTION_TIMEOUT_SECONDS.authorizer * 1000,
  );
});

describe('a registry connection that never answers', () => {
  it("costs the authorizer one cut attempt, and the key is still known, not a 500 at the function's timeout", async () => {
    // Prepare: the authorizer's client has no connection yet, so its first is the one held
    proxy.stall = 1;
    // Act
    const result = await invoke(
      handlers,
      'authorizer',
      { headers: { authorization: `Bearer ${systemKey}` } },
      { timeoutMs: TIME_GIVEN_MS },
    );
    // Assess
    expect(proxy.held).toHaveLength(1);
    expect(result).toEqual({
      isAuthorized: true,
      context: { kind: 'system', departmentId: 'tax', systemId: 'filing' },
    });
  });

  it('costs the publish function one cut attempt, and its answer is the contract lookup’s', async () => {
    // Prepare
    proxy.stall = 1;
    const principal = systemPrincipal('tax', 'filing');
    // Act
    const answer = (await invoke(
      handlers,
      'publish',
      {
        routeKey: 'POST /events',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'tax.nothing.registered', data: {} }),
        isBase64Encoded: false,
        requestContext: { authorizer: { lambda: principal } },
      },
      { timeoutMs: TIME_GIVEN_MS },
    )) as { statusCode: number; body: string };
    // Assess
    expect(proxy.held).toHaveLength(1);
    expect({ status: answer.statusCode, code: JSON.parse(answer.body).code }).toEqual({
      status: 422,
      code: 'unknown_contract',
    });
  });

  it('costs the deliver function one cut attempt, and it reads the subscription as gone', async () => {
    // Prepare
    proxy.stall = 1;
    const event = buildEnvelope({
      id: 'evt-hung',
      source: 'tax',
      type: 'tax.company.registered',
      version: '1.0.0',
      time: '2025-01-01T00:00:00.000Z',
      data: { companyId: '42' },
    });
    // Act: no subscription has this id, so nothing is POSTed
    const result = await invoke(
      handlers,
      'deliver',
      { subscriptionId: 'sub-never-made', event },
      { timeoutMs: TIME_GIVEN_MS },
    );
    // Assess
    expect(proxy.held).toHaveLength(1);
    expect(result).toBeUndefined();
  });
});

describe('a registry connection that answers slowly, never silent for REGISTRY_SILENCE_TIMEOUT_MS', () => {
  it('is waited on: the authorizer makes one attempt, though it lasts longer than REGISTRY_SILENCE_TIMEOUT_MS', async () => {
    // Prepare: a key no earlier test used, so that the authorizer's cache does not answer (last in the file: the
    // authorizer's first test needs a client with no connection yet)
    const key = (await onboard(test.registry, 'customs', ['desk'])).apiKeys.desk as string;
    proxy.slow = 1;
    const before = proxy.requests;
    // Act
    const result = await invoke(
      handlers,
      'authorizer',
      { headers: { authorization: `Bearer ${key}` } },
      { timeoutMs: TIME_GIVEN_MS },
    );
    // Assess
    expect(proxy.requests - before).toBe(1);
    expect(result).toEqual({
      isAuthorized: true,
      context: { kind: 'system', departmentId: 'customs', systemId: 'desk' },
    });
  });
});
