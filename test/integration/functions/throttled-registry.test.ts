// The functions when DynamoDB keeps throttling the registry's table past the client's retries (an on-demand table
// meeting a burst past twice its previous peak, or a hot partition): the caller is told to send the request again in a
// moment (503 registry_busy with Retry-After), and nothing is changed. Its own file: the functions' clients are made
// at import, here pointed at a proxy in front of DynamoDB Local that throttles when told to.
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Principal } from '../../../functions/shared/registry/registry.js';
import { invoke, type LocalHandlers } from '../../../local/lambda/invoker.js';
import { linesWritten } from '../../lines-written.js';
import {
  closeClients,
  freshRegistry,
  functionEnvironment,
  onboard,
  registerOpenContract,
  type TestRegistry,
  tableSnapshot,
} from './harness.js';

const TYPE = 'tax.company.audited';

let test: TestRegistry;
let filing: Principal;
let handlers: LocalHandlers;
let proxy: Server;
/** The DynamoDB operations throttled (`Query`, `TransactWriteItems`, ...); `*` throttles every one. */
let throttled: ReadonlySet<string> = new Set();
/** The operations the proxy throttled, one per attempt. */
const refused: string[] = [];
/** The operations that reached EventBridge: none may, from a publish whose contract could not be read. */
let busCalls = 0;

beforeAll(async () => {
  test = await freshRegistry();
  filing = (await onboard(test.registry, 'tax', ['filing'])).principals.filing as Principal;
  await registerOpenContract(test.registry, filing, TYPE);
  const upstream = new URL(process.env.SHAREBUS_TEST_DYNAMODB_ENDPOINT as string);
  proxy = createServer((incoming, answer) => {
    const operation = String(incoming.headers['x-amz-target']).replace('DynamoDB_20120810.', '');
    if (throttled.has('*') || throttled.has(operation)) {
      incoming.resume();
      refused.push(operation);
      // As DynamoDB answers it (JSON 1.0 protocol), and the SDK counts it as throttling: retried with backoff.
      answer.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
      answer.end(
        JSON.stringify({
          __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
          message:
            'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.',
        }),
      );
      return;
    }
    const onward = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: incoming.method,
        path: incoming.url,
        headers: incoming.headers,
      },
      (upstreamAnswer) => {
        answer.writeHead(upstreamAnswer.statusCode ?? 502, upstreamAnswer.headers);
        upstreamAnswer.pipe(answer);
      },
    );
    onward.on('error', () => answer.destroy());
    incoming.pipe(onward);
  });
  await new Promise<void>((resolveListen) => proxy.listen(0, '127.0.0.1', resolveListen));
  const bus = createServer((incoming, answer) => {
    busCalls += 1;
    incoming.resume();
    answer.writeHead(500).end();
  });
  await new Promise<void>((resolveListen) => bus.listen(0, '127.0.0.1', resolveListen));
  bus.unref();
  functionEnvironment({
    tableName: test.tableName,
    dynamoDb: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    eventBridge: `http://127.0.0.1:${(bus.address() as AddressInfo).port}`,
  });
  // One at a time: jest's ESM loader fails imports made side by side (see read-functions-hung-registry).
  const contracts = await import('../../../functions/contracts/handler.js');
  const publish = await import('../../../functions/publish/handler.js');
  handlers = { contracts: contracts.handler, publish: publish.handler } as unknown as LocalHandlers;
});

afterAll(async () => {
  proxy.closeAllConnections();
  await new Promise<void>((resolveClose) => proxy.close(() => resolveClose()));
  closeClients();
});

beforeEach(() => {
  throttled = new Set();
  refused.length = 0;
  busCalls = 0;
});

/**
 * Calls a function as API Gateway would, with the authorizer's principal for the filing system; `logged` is the level
 * and message of each line the function logged, kept from the test output.
 */
async function call(name: 'contracts' | 'publish', routeKey: string, extra: Record<string, unknown> = {}) {
  let answer = { statusCode: 0 } as { statusCode: number; headers?: Record<string, string>; body?: string };
  const lines = await linesWritten(async () => {
    answer = (await invoke(handlers, name, {
      routeKey,
      headers: { 'content-type': 'application/json' },
      isBase64Encoded: false,
      requestContext: { authorizer: { lambda: filing } },
      ...extra,
    })) as typeof answer;
  });
  return {
    status: answer.statusCode,
    retryAfter: answer.headers?.['retry-after'],
    body: answer.body ? (JSON.parse(answer.body) as Record<string, unknown>) : undefined,
    logged: lines.map((line) => {
      const { level, message } = JSON.parse(line) as { level: string; message: string };
      return `${level} ${message}`;
    }),
  };
}

const BUSY = {
  status: 503,
  retryAfter: '1',
  body: {
    code: 'registry_busy',
    detail:
      "The registry's table was throttled (ProvisionedThroughputExceededException) and stayed so through the client's retries: send the request again in a moment.",
  },
  // Expected under load, and the caller is told to retry: a warning, not an error that pages.
  logged: ['WARN registry busy'],
};

// Handlers review, 2026-12-06: a throttle that outlasted the DynamoDB client's retries was answered 500
// internal_error and logged as an error that pages, which does not tell the caller that the same request a moment
// later may pass.
it('answers a publish whose contract read is throttled 503 registry_busy with Retry-After, and publishes nothing', async () => {
  // Prepare
  throttled = new Set(['*']);
  // Act
  const answer = await call('publish', 'POST /events', {
    body: JSON.stringify({ type: TYPE, data: { company: 'ACME' } }),
  });
  // Assess: each read tried as the client's retries allow, EventBridge never called
  expect(answer).toMatchObject(BUSY);
  expect(refused.length).toBeGreaterThan(1);
  expect(busCalls).toBe(0);
});

it('answers a contract listing throttled 503 registry_busy', async () => {
  // Prepare
  throttled = new Set(['Query']);
  // Act
  const answer = await call('contracts', 'GET /contracts');
  // Assess
  expect(answer).toMatchObject(BUSY);
  expect(refused.every((operation) => operation === 'Query')).toBe(true);
});

it('answers a registration whose transaction is throttled 503 registry_busy, and writes nothing', async () => {
  // Prepare: the reads pass, the transaction is throttled as a whole (not cancelled item by item)
  throttled = new Set(['TransactWriteItems']);
  const before = await tableSnapshot(test);
  const registration = {
    body: JSON.stringify({
      type: TYPE,
      version: '1.1.0',
      description: TYPE,
      sharing: 'open',
      schema: { type: 'object' },
    }),
  };
  // Act
  const answer = await call('contracts', 'POST /contracts', registration);
  // Assess
  expect(answer).toMatchObject(BUSY);
  expect(refused).toContain('TransactWriteItems');
  expect(await tableSnapshot(test)).toEqual(before);
  // And once the throttling stops, the same request goes through
  throttled = new Set();
  const again = await call('contracts', 'POST /contracts', registration);
  expect(again.status).toBe(201);
});
