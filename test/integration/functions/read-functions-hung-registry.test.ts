// The functions that only read the registry (authorizer, publish, deliver) when DynamoDB takes a connection and never
// answers on it: each cuts that attempt and tries again on a new connection, rather than wait until the function
// times out. Its own file: the functions' clients are made at import, here pointed at a proxy that can hold
// connections unanswered in front of DynamoDB Local.
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { buildEnvelope } from '../../../contracts/envelope.js';
import { FUNCTION_TIMEOUT_SECONDS } from '../../../functions/routes.js';
import { READ_SILENCE_TIMEOUT_MS } from '../../../functions/shared/clients.js';
import { invoke, type LocalHandlers } from '../../../local/lambda/invoker.js';
import { closeClients, freshRegistry, onboard, systemPrincipal, type TestRegistry } from './harness.js';

/** The pieces a slowed answer is sent in, each READ_SILENCE_TIMEOUT_MS / 5 after the last: never silent that long. */
const SLOW_PIECES = 8;

/**
 * A TCP proxy to DynamoDB Local that leaves the next `stall` connections it takes unanswered, as a hung one is, and
 * sends the next `slow` answers' first chunk in SLOW_PIECES pieces: older than READ_SILENCE_TIMEOUT_MS, never silent.
 */
class StallingProxy {
  stall = 0;
  slow = 0;
  /** The HTTP requests it has passed on: one per attempt. */
  requests = 0;
  readonly held: Socket[] = [];
  /** Every socket open on either side, destroyed at close: a client's retry may still be connecting. */
  readonly #open = new Set<Socket>();
  readonly server: Server;

  constructor(upstream: URL) {
    this.server = createServer((socket) => {
      this.#track(socket);
      if (this.stall > 0) {
        this.stall -= 1;
        this.held.push(socket);
        socket.resume();
        return;
      }
      const onward = this.#track(connect(Number(upstream.port), upstream.hostname));
      socket.on('data', (chunk: Buffer) => {
        this.requests += chunk.toString('latin1').match(/^POST \S+ HTTP\/1\.1\r$/gm)?.length ?? 0;
      });
      socket.pipe(onward);
      onward.on('data', (chunk: Buffer) => {
        if (this.slow === 0) {
          socket.write(chunk);
          return;
        }
        this.slow -= 1;
        onward.pause();
        void this.#slowly(socket, chunk).then(() => onward.resume());
      });
      onward.on('end', () => socket.end());
      for (const [one, other] of [
        [socket, onward],
        [onward, socket],
      ] as const) {
        one.on('error', () => other.destroy());
        one.on('close', () => other.destroy());
      }
    });
  }

  async #slowly(socket: Socket, chunk: Buffer): Promise<void> {
    const size = Math.ceil(chunk.length / SLOW_PIECES);
    for (let at = 0; at < chunk.length && !socket.destroyed; at += size) {
      await new Promise((resolve) => setTimeout(resolve, READ_SILENCE_TIMEOUT_MS / 5));
      socket.write(chunk.subarray(at, at + size));
    }
  }

  #track(socket: Socket): Socket {
    this.#open.add(socket);
    socket.on('close', () => this.#open.delete(socket));
    return socket;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    const closed = new Promise((resolve) => this.server.close(resolve));
    for (const socket of this.#open) socket.destroy();
    await closed;
  }
}

let test: TestRegistry;
let proxy: StallingProxy;
let handlers: LocalHandlers;
let systemKey: string;

/** Room for one attempt cut at READ_SILENCE_TIMEOUT_MS and the next, well short of any function's own timeout. */
const TIME_GIVEN_MS = READ_SILENCE_TIMEOUT_MS * 3;

beforeAll(async () => {
  test = await freshRegistry();
  systemKey = (await onboard(test.registry, 'tax', ['filing'])).apiKeys.filing as string;
  const endpoint = process.env.SHAREBUS_TEST_DYNAMODB_ENDPOINT as string;
  proxy = new StallingProxy(new URL(endpoint));
  await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
  Object.assign(process.env, {
    SHAREBUS_TABLE_NAME: test.tableName,
    SHAREBUS_BUS_NAME: 'sharebus',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: proxy.url,
    // Never reached: no event gets as far as the bus.
    AWS_ENDPOINT_URL_EVENTBRIDGE: 'http://127.0.0.1:9',
  });
  const [authorizer, publish, deliver] = await Promise.all([
    import('../../../functions/authorizer/handler.js'),
    import('../../../functions/publish/handler.js'),
    import('../../../functions/deliver/handler.js'),
  ]);
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

beforeEach(() => {
  proxy.stall = 0;
  proxy.slow = 0;
  proxy.held.length = 0;
});

it("cuts attempts short enough that all of a DynamoDB client's and their backoff fit in the authorizer's timeout", async () => {
  // Prepare: the client's attempts as the functions' own read them (AWS_MAX_ATTEMPTS, else DynamoDB's 4)
  const client = new DynamoDBClient({});
  // Act
  const attempts = await client.config.maxAttempts();
  client.destroy();
  // Assess: the standard strategy's backoff before the 4th attempt is at most 50 + 100 + 200 ms
  expect(READ_SILENCE_TIMEOUT_MS * attempts + 500).toBeLessThan(FUNCTION_TIMEOUT_SECONDS.authorizer * 1000);
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

describe('a registry connection that answers slowly, never silent for READ_SILENCE_TIMEOUT_MS', () => {
  it('is waited on: the authorizer makes one attempt, though it lasts longer than READ_SILENCE_TIMEOUT_MS', async () => {
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
