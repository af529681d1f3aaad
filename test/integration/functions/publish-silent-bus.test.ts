// The publish function when EventBridge takes the connection and never answers: it answers 503 naming the events
// within its own timeout, rather than be cut off by it. Its own file: the function's clients are made at import, here
// pointed at an EventBridge that never answers.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  MIN_PUBLISH_DEADLINE_MS,
  PUBLISH_ANSWER_MARGIN_MS,
} from '../../../functions/publish/publish-events.js';
import { invoke, type LocalHandlers } from '../../../local/lambda/invoker.js';
import {
  closeClients,
  freshRegistry,
  functionEnvironment,
  onboard,
  registerOpenContract,
  systemPrincipal,
} from './harness.js';

const TYPE = 'tax.company.registered';
/** The invocation's timeout here: shorter than the bus's own 6 s deadline, which it must cut. */
const TIMEOUT_MS = 2_000;

let silent: Server;
let handlers: LocalHandlers;

beforeAll(async () => {
  const test = await freshRegistry();
  const { principals } = await onboard(test.registry, 'tax', ['filing']);
  await registerOpenContract(test.registry, principals.filing!, TYPE);
  silent = createServer(() => {});
  await new Promise<void>((resolveListen) => silent.listen(0, '127.0.0.1', resolveListen));
  functionEnvironment({
    tableName: test.tableName,
    eventBridge: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`,
  });
  const publish = await import('../../../functions/publish/handler.js');
  handlers = { publish: publish.handler } as unknown as LocalHandlers;
});

afterAll(async () => {
  silent.closeAllConnections();
  await new Promise<void>((resolveClose) => silent.close(() => resolveClose()));
  closeClients();
});

// Handlers review, 2026-12-06: the bus had its own 6 s however little of the invocation was left, and the function
// was cut off at its timeout with PutEvents perhaps still going through: a bare 500 that named no event.
it('answers 503 naming the events EventBridge did not answer for, before its own timeout', async () => {
  // Act
  const answer = (await invoke(
    handlers,
    'publish',
    {
      routeKey: 'POST /events',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'evt-silent', type: TYPE, data: {} }),
      isBase64Encoded: false,
      requestContext: { requestId: 'req-1', authorizer: { lambda: systemPrincipal('tax', 'filing') } },
    },
    { timeoutMs: TIMEOUT_MS },
  )) as { statusCode: number; body: string };
  // Assess: the bus waited what was left of the invocation less the margin (a few ms went on the contract read)
  const problem = JSON.parse(answer.body) as {
    code: string;
    failed: Array<{ eventId: string; message: string }>;
  };
  expect({ status: answer.statusCode, code: problem.code }).toEqual({ status: 503, code: 'bus_unavailable' });
  expect(problem.failed).toHaveLength(1);
  expect(problem.failed[0]?.eventId).toBe('evt-silent');
  const waited = Number(/did not answer within (\d+) ms/.exec(problem.failed[0]?.message ?? '')?.[1]);
  expect(waited).toBeLessThanOrEqual(TIMEOUT_MS - PUBLISH_ANSWER_MARGIN_MS);
  expect(waited).toBeGreaterThanOrEqual(MIN_PUBLISH_DEADLINE_MS);
});
