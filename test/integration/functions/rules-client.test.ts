// The EventBridge client the functions manage rules with: EventBridge's quota refusal (LimitExceededException) is
// final, and answered at once, while its rate refusal (ThrottlingException) is still tried again as the SDK does; and
// a connection that never answers is cut and the call tried again on another. The retarget function's client, adaptive,
// tries a concurrent modification again too.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateEventBusCommand, DescribeRuleCommand, PutRuleCommand } from '@aws-sdk/client-eventbridge';
import { AdaptiveRetryStrategy } from '@smithy/core/retry';
import { FUNCTION_TIMEOUT_SECONDS } from '../../../functions/routes.js';
import {
  createRetargetClient,
  createRulesClient,
  RULES_SILENCE_TIMEOUT_MS,
} from '../../../functions/shared/clients.js';
import { type Harness, startHarness } from '../eventbridge/harness.js';
import { StallingProxy } from './stalling-proxy.js';

const SAVED = { ...process.env };
let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({ maxRulesPerBus: 1 });
  await harness.client.send(new CreateEventBusCommand({ Name: 'sharebus' }));
  Object.assign(process.env, {
    AWS_REGION: harness.eventBridge.region,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
  });
});

afterAll(async () => {
  process.env = SAVED;
  await harness.close();
});

const rule = (name: string) =>
  new PutRuleCommand({ EventBusName: 'sharebus', Name: name, EventPattern: '{"source":["x"]}' });

/** An EventBridge endpoint that answers each call with the error `refusal(call)` names, or a made rule. */
async function scriptedEndpoint(refusal: (call: number) => string | undefined) {
  let calls = 0;
  const server: Server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      calls++;
      const type = refusal(calls);
      response.writeHead(type === undefined ? 200 : 400, { 'content-type': 'application/x-amz-json-1.1' });
      response.end(
        JSON.stringify(
          type === undefined
            ? { RuleArn: 'arn:aws:events:us-east-1:111111111111:rule/sharebus/made' }
            : {
                __type: type,
                message: type === 'ThrottlingException' ? 'Rate exceeded' : 'Concurrent modification',
              },
        ),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.env.AWS_ENDPOINT_URL_EVENTBRIDGE = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    calls: () => calls,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** An EventBridge endpoint that throttles every call, as its control plane answers past its rate; the rules client's. */
const throttlingEndpoint = () => scriptedEndpoint(() => 'ThrottlingException');

it('hears a full bus refused once, not after the two retries the SDK gives throttling', async () => {
  // Prepare
  process.env.AWS_ENDPOINT_URL_EVENTBRIDGE = harness.eventBridge.endpoint;
  const client = createRulesClient();
  await client.send(rule('first'));
  // Act
  const refused = await client.send(rule('second')).catch((error: unknown) => error);
  // Assess
  expect(refused).toMatchObject({ name: 'LimitExceededException', $metadata: { attempts: 1 } });
  client.destroy();
});

it.each([
  ['a throttled call', 'ThrottlingException'],
  ['a call refused for a concurrent modification', 'ConcurrentModificationException'],
])('tries %s again, up to the SDK’s three attempts, and passes the refusal on', async (_, refusal) => {
  // Prepare
  const endpoint = await scriptedEndpoint(() => refusal);
  const client = createRulesClient();
  try {
    // Act
    const refused = await client.send(rule('refused')).catch((error: unknown) => error);
    // Assess
    expect(refused).toMatchObject({ name: refusal, $metadata: { attempts: 3 } });
    expect(endpoint.calls()).toBe(3);
  } finally {
    client.destroy();
    await endpoint.close();
  }
});

it('makes as many attempts as AWS_MAX_ATTEMPTS says, as any client of the SDK does', async () => {
  // Prepare
  const throttling = await throttlingEndpoint();
  process.env.AWS_MAX_ATTEMPTS = '2';
  const client = createRulesClient();
  try {
    // Act
    const refused = await client.send(rule('fourth')).catch((error: unknown) => error);
    // Assess
    expect(refused).toMatchObject({ name: 'ThrottlingException', $metadata: { attempts: 2 } });
    expect(throttling.calls()).toBe(2);
  } finally {
    delete process.env.AWS_MAX_ATTEMPTS;
    client.destroy();
    await throttling.close();
  }
});

it('cuts an attempt whose connection stays silent and makes the rule on the next, before the function times out', async () => {
  // Prepare: a bus of its own (the quota here is one rule a bus), behind a proxy that holds the first connection
  await harness.client.send(new CreateEventBusCommand({ Name: 'hung' }));
  const proxy = await new StallingProxy(new URL(harness.eventBridge.endpoint)).listen();
  proxy.stall = 1;
  process.env.AWS_ENDPOINT_URL_EVENTBRIDGE = proxy.url;
  const client = createRulesClient();
  try {
    // Act
    const made = await client.send(
      new PutRuleCommand({ EventBusName: 'hung', Name: 'after-a-hang', EventPattern: '{"source":["x"]}' }),
      // A client that waited on the silence would fail here, not hang the suite.
      { abortSignal: AbortSignal.timeout(RULES_SILENCE_TIMEOUT_MS * 3) },
    );
    // Assess: one attempt held and cut, the second answered
    expect(proxy.held).toHaveLength(1);
    expect(made.$metadata.attempts).toBe(2);
    const described = await harness.client.send(
      new DescribeRuleCommand({ EventBusName: 'hung', Name: 'after-a-hang' }),
    );
    expect(described.Arn).toBe(made.RuleArn);
  } finally {
    client.destroy();
    await proxy.close();
  }
});

it.each([
  ['the rules client', createRulesClient],
  ['the retarget function’s client', () => createRetargetClient(RULES_SILENCE_TIMEOUT_MS)],
])(
  '%s tries a call refused for a concurrent modification again, and hears the answer of the next attempt',
  async (_, create) => {
    // Prepare: another change to the rule under way at the first attempt only (for retarget, a subscription being made
    // or deleted at the same rule)
    const endpoint = await scriptedEndpoint((call) =>
      call === 1 ? 'ConcurrentModificationException' : undefined,
    );
    const client = create();
    try {
      // Act
      const made = await client.send(rule('modified'));
      // Assess
      expect(made).toMatchObject({
        RuleArn: expect.stringContaining(':rule/sharebus/'),
        $metadata: { attempts: 2 },
      });
      expect(endpoint.calls()).toBe(2);
    } finally {
      client.destroy();
      await endpoint.close();
    }
  },
);

it('the retarget function’s client, adaptive, passes a concurrent modification at every one of its four attempts on', async () => {
  // Prepare
  const endpoint = await scriptedEndpoint(() => 'ConcurrentModificationException');
  const client = createRetargetClient(RULES_SILENCE_TIMEOUT_MS);
  try {
    // Act
    const refused = await client.send(rule('retargeted')).catch((error: unknown) => error);
    // Assess
    expect(refused).toMatchObject({ name: 'ConcurrentModificationException', $metadata: { attempts: 4 } });
    expect(endpoint.calls()).toBe(4);
    expect(await client.config.retryStrategy()).toBeInstanceOf(AdaptiveRetryStrategy);
    expect(await client.config.maxAttempts()).toBe(4);
  } finally {
    client.destroy();
    await endpoint.close();
  }
});

it("cuts attempts short enough that the client's three, and their backoff, fit in the subscriptions function's timeout", async () => {
  // Prepare: the client's attempts as the function's own read them (AWS_MAX_ATTEMPTS, else 3)
  const client = createRulesClient();
  // Act
  const attempts = await client.config.maxAttempts();
  client.destroy();
  // Assess: the standard strategy's backoff before the 3rd attempt is at most 50 + 100 ms
  expect(RULES_SILENCE_TIMEOUT_MS * attempts + 150).toBeLessThan(
    FUNCTION_TIMEOUT_SECONDS.subscriptions * 1000,
  );
});
