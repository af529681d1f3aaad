// The Lambda functions' CEILING across PutEvents read at once: a request's invocations reach the queues at the
// dispatcher's next flush() (once answered, with a dataDir after its write, or after the event loop's turn), after
// the other requests read in that turn have been decided. Before
// (review3, 2026-12-07) each request reckoned with its own entries alone: 20 at once took the queues from 101% to 253%
// of their limit.

import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, type Agent as HttpAgent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutEventsCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CEILING } from '../../../local/eventbridge/lambda-async.js';
import {
  type Harness,
  heldGate,
  LAMBDA_ARN,
  orderEntry,
  otherEntry,
  queueArn,
  routeOrders,
  startHarness,
  waitFor,
} from './harness.js';

const LIMIT = 60_000;

/** Sends an operation on a connection of `agent`, unsigned (the embedded EventBridge does not check signatures). */
function send(
  agent: HttpAgent,
  endpoint: string,
  target: string,
  body: string,
): Promise<{ FailedEntryCount?: number }> {
  const url = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: 'POST',
        path: '/',
        agent,
        headers: {
          'x-amz-target': `AWSEvents.${target}`,
          'content-type': 'application/x-amz-json-1.1',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve(JSON.parse(text) as { FailedEntryCount?: number }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe("embedded EventBridge: the Lambda queues' ceiling across PutEvents read at once", () => {
  let harness: Harness;
  let dir: string;
  let release: () => void = () => {};
  const agent = new Agent({ keepAlive: true, maxSockets: 50 });

  afterEach(async () => {
    release();
    await harness.close();
    await rm(dir, { recursive: true, force: true });
  });

  afterAll(() => agent.destroy());

  it('counts the entries of requests answered but not yet flushed', async () => {
    // Prepare: a dataDir (each request answered once its write lands); nothing ends; five targets of the others rule
    // on the function; the orders fill the queue.
    dir = await mkdtemp(join(tmpdir(), 'sharebus-lambda-ceiling-'));
    harness = await startHarness({
      asyncFunctions: { [LAMBDA_ARN]: { deadLetterArn: queueArn('consumer-dlq'), maximumRetryAttempts: 0 } },
      maxLambdaQueueBytes: LIMIT,
      dataDir: dir,
    });
    const held = heldGate();
    release = held.release;
    harness.lambda = () => held.gate;
    await routeOrders(harness);
    await harness.client.send(
      new PutRuleCommand({ Name: 'others', EventPattern: '{"source":["sharebus.other"]}' }),
    );
    await harness.client.send(
      new PutTargetsCommand({
        Rule: 'others',
        Targets: [1, 2, 3, 4, 5].map((n) => ({ Id: `fn${n}`, Arn: LAMBDA_ARN })),
      }),
    );
    for (let orderId = 1; orderId <= 100; orderId++) {
      const put = await harness.client.send(new PutEventsCommand({ Entries: [orderEntry(orderId)] }));
      if (put.FailedEntryCount === 1) break;
    }
    // Twenty connections open, so that the requests below are read together.
    const endpoint = harness.eventBridge.endpoint;
    await Promise.all(Array.from({ length: 20 }, () => send(agent, endpoint, 'ListEventBuses', '{}')));

    // Act: twenty PutEvents of ten other events at once.
    const puts = await Promise.all(
      Array.from({ length: 20 }, (_, r) =>
        send(
          agent,
          endpoint,
          'PutEvents',
          JSON.stringify({ Entries: Array.from({ length: 10 }, (_, n) => otherEntry(r * 10 + n)) }),
        ),
      ),
    );
    const taken = puts.reduce((sum, put) => sum + 10 - (put.FailedEntryCount ?? 0), 0);
    await waitFor(
      () => harness.invocations.filter((i) => i.payload.includes('"sharebus.other"')).length === 5 * taken,
    );

    // Assess: the queues within the ceiling.
    const status = (await (await fetch(`${endpoint}/_local/invocations`)).json()) as { heldBytes: number };
    expect(taken).toBeGreaterThan(0);
    expect(status.heldBytes).toBeLessThanOrEqual(Math.floor(LIMIT * CEILING));
  });
});
