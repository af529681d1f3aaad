// What the deliver function logs of each attempt, through its handler as Lambda runs it (the local invoker), against
// the real registry and a real HTTP receiver on this machine. Its own file: the function's clients are made at
// import, from the environment set first.
//
// Observability review, session 62: a deployed delivery logged no line of its own, delivered or failed. A failure
// reached the log only as the Lambda runtime's "Invoke Error" record (the subscription and event ids inside its
// errorMessage text, not as keys), and a delivery that succeeded left nothing: given the event id a publisher got,
// no query of the deliver function's log group found which subscriptions it went to, nor each attempt's outcome.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { buildEnvelope } from '../../../contracts/envelope.js';
import { ENV } from '../../../functions/shared/config.js';
import { invoke, type LocalHandlers } from '../../../local/lambda/invoker.js';
import { linesWritten } from '../../lines-written.js';
import { audit, subscription } from '../registry/harness.js';
import {
  caught,
  closeClients,
  dynamoDbClient,
  freshRegistry,
  functionEnvironment,
  type TestRegistry,
} from './harness.js';

let test: TestRegistry;
let handlers: LocalHandlers;
let server: Server;
let baseUrl: string;

const event = buildEnvelope({
  id: 'evt-logged',
  source: 'tax',
  type: 'tax.company.registered',
  version: '1.0.0',
  time: '2025-01-01T00:00:00.000Z',
  data: { companyId: 'RECORD-MARKER' },
});

/** A line the logger wrote, as CloudWatch Logs Insights reads it. */
interface Line {
  readonly level: string;
  readonly message: string;
  readonly function_request_id?: string;
  readonly subscriptionId?: string;
  readonly eventId?: string;
  readonly status?: number;
  readonly reason?: string;
}

beforeAll(async () => {
  test = await freshRegistry();
  functionEnvironment({ tableName: test.tableName, eventBridge: 'http://127.0.0.1:9' });
  // As npm start runs it, so that the receiver on 127.0.0.1 is reached.
  process.env[ENV.endpointPolicy] = 'allow-http';
  const deliver = await import('../../../functions/deliver/handler.js');
  handlers = { deliver: deliver.handler } as unknown as LocalHandlers;
  // /ok answers 204, anything else 500.
  server = createServer((req, res) => {
    req.resume().on('end', () => res.writeHead(req.url?.startsWith('/ok') ? 204 : 500).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  for (const [id, path] of [
    ['sub-logged-ok', '/ok?token=HOOK-SECRET'],
    ['sub-logged-500', '/fail/HOOK-SECRET'],
  ] as const) {
    await test.registry.createSubscription(
      subscription(id, 'housing', {
        type: event.type,
        endpoint: { url: `${baseUrl}${path}` },
        filter: { subscription: [id] },
      }),
      audit(),
    );
  }
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  closeClients();
});

it('logs each attempt once, with its invocation, subscription and event ids as keys, and no secret or record', async () => {
  // Act: one delivery the webhook takes, one it answers 500
  let failure: unknown;
  const lines = await linesWritten(async () => {
    await invoke(handlers, 'deliver', { subscriptionId: 'sub-logged-ok', event }, { timeoutMs: 5_000 });
    failure = await caught(() =>
      invoke(handlers, 'deliver', { subscriptionId: 'sub-logged-500', event }, { timeoutMs: 5_000 }),
    );
  });
  // Assess: the failure still fails the invocation (Lambda's retries and the dead-letter queue depend on it)
  expect((failure as Error).message).toBe(
    `POST ${baseUrl}/… (subscription sub-logged-500, event evt-logged) answered 500`,
  );
  const parsed = lines.map((line) => JSON.parse(line) as Line);
  expect(
    parsed.map(({ level, message, subscriptionId, eventId, status, reason }) => ({
      level,
      message,
      subscriptionId,
      eventId,
      status,
      reason,
    })),
  ).toEqual([
    {
      level: 'INFO',
      message: 'delivered',
      subscriptionId: 'sub-logged-ok',
      eventId: 'evt-logged',
      status: 204,
      reason: undefined,
    },
    {
      // Not WARN: a webhook's answer is the subscriber's fault, each attempt's line is a trace, and the dead letter
      // (its queue's alarm) is what asks for action; nor a second ERROR beside the runtime's.
      level: 'INFO',
      message: 'delivery attempt failed',
      subscriptionId: 'sub-logged-500',
      eventId: 'evt-logged',
      status: 500,
      reason: `POST ${baseUrl}/… (subscription sub-logged-500, event evt-logged) answered 500`,
    },
  ]);
  // Each line is tied to its invocation, so to the runtime's record of it and to its dead letter's RequestID.
  for (const line of parsed) expect(line.function_request_id).toMatch(/^[0-9a-f-]{36}$/);
  expect(lines.join('\n')).not.toMatch(/HOOK-SECRET|RECORD-MARKER|token=|\/fail/);
});

// Observability review, session 62: locally each attempt's context had a request id of its own, so these lines could
// not be joined to the embedded EventBridge's "asynchronous invocation <id>" lines, nor to the dead letter's requestId.
it("names on its lines the request id it is invoked under, as Lambda's context gives every attempt of an invocation", async () => {
  // Act
  const lines = await linesWritten(() =>
    invoke(
      handlers,
      'deliver',
      { subscriptionId: 'sub-logged-ok', event },
      { timeoutMs: 5_000, requestId: '3f1f8d5e-1111-4c2b-9a55-000000000001' },
    ),
  );
  // Assess
  expect(lines.map((line) => (JSON.parse(line) as Line).function_request_id)).toEqual([
    '3f1f8d5e-1111-4c2b-9a55-000000000001',
  ]);
});

// Left undone in session 62: an attempt the registry failed (a fault, a timeout, an item it cannot read) logged no line
// of the function's own, so a query by event id found nothing of it; only the runtime's "Invoke Error" record had it.
it('logs an attempt the registry failed, with its ids, and still fails the invocation', async () => {
  // Prepare: a subscription item with no endpoint, which the registry refuses to read
  await dynamoDbClient().send(
    new PutItemCommand({
      TableName: test.tableName,
      Item: { pk: { S: 'SUB#sub-logged-broken' }, sk: { S: 'SUB' }, id: { S: 'sub-logged-broken' } },
    }),
  );
  // Act
  let failure: unknown;
  const lines = await linesWritten(async () => {
    failure = await caught(() =>
      invoke(handlers, 'deliver', { subscriptionId: 'sub-logged-broken', event }, { timeoutMs: 5_000 }),
    );
  });
  // Assess
  const reason =
    'subscription sub-logged-broken: the registry could not be read (RegistryItemError: item SUB#sub-logged-broken / SUB has no endpoint)';
  expect((failure as Error).message).toBe(reason);
  expect(
    lines.map((line) => {
      const { level, message, subscriptionId, eventId, status, reason } = JSON.parse(line) as Line;
      return { level, message, subscriptionId, eventId, status, reason };
    }),
  ).toEqual([
    {
      level: 'INFO',
      message: 'delivery attempt failed',
      subscriptionId: 'sub-logged-broken',
      eventId: 'evt-logged',
      status: undefined,
      reason,
    },
  ]);
});
