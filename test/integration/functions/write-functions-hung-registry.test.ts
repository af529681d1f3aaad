// The functions that change the registry (departments, contracts, subscriptions) when DynamoDB takes a connection and
// never answers on it. Each cuts that attempt and tries again, rather than wait until the function times out; and
// when the write had landed and only its answer was lost, the retry is answered as the change it was (DynamoDB keeps
// the transaction's ClientRequestToken), not refused by the change's own condition as a conflict. Its own file: the
// functions' clients are made at import, here pointed at a proxy that can hold connections in front of DynamoDB Local.

import { CreateEventBusCommand, ListRulesCommand } from '@aws-sdk/client-eventbridge';
import { jest } from '@jest/globals';
import { registerContract } from '../../../functions/contracts/contracts.js';
import { REGISTRY_SILENCE_TIMEOUT_MS } from '../../../functions/shared/clients.js';
import { logger } from '../../../functions/shared/logger.js';
import type { Principal } from '../../../functions/shared/registry/registry.js';
import { SchemaValidator } from '../../../functions/shared/schema-validator.js';
import { invoke, type LocalHandlers } from '../../../local/lambda/invoker.js';
import { type Harness, LAMBDA_ARN, startHarness } from '../eventbridge/harness.js';
import {
  admin,
  clockAt,
  closeClients,
  freshRegistry,
  functionEnvironment,
  onboard,
  type TestRegistry,
} from './harness.js';
import { StallingProxy } from './stalling-proxy.js';

let test: TestRegistry;
let proxy: StallingProxy;
let harness: Harness;
let handlers: LocalHandlers;
let filing: Principal;
let benefits: Principal;

/** Room for one attempt cut at REGISTRY_SILENCE_TIMEOUT_MS and the next, well short of the functions' own 10 s. */
const TIME_GIVEN_MS = REGISTRY_SILENCE_TIMEOUT_MS * 3;
const BUS = 'sharebus';
const TYPE = 'tax.company.registered';
/** The contract subscribed to, registered before the tests: the subscriptions test does not rest on the contracts one. */
const SUBSCRIBED = 'tax.company.audited';

beforeAll(async () => {
  test = await freshRegistry();
  filing = (await onboard(test.registry, 'tax', ['filing'])).principals.filing as Principal;
  benefits = (await onboard(test.registry, 'welfare', ['benefits'])).principals.benefits as Principal;
  await registerContract(
    { registry: test.registry, validator: new SchemaValidator(), now: clockAt('2025-01-01T00:00:00.000Z') },
    filing,
    {
      type: SUBSCRIBED,
      version: '1.0.0',
      description: 'audited',
      sharing: 'open',
      schema: { type: 'object' },
    },
  );
  harness = await startHarness();
  await harness.client.send(new CreateEventBusCommand({ Name: BUS }));
  proxy = await new StallingProxy(new URL(process.env.SHAREBUS_TEST_DYNAMODB_ENDPOINT as string)).listen();
  functionEnvironment({
    tableName: test.tableName,
    busName: BUS,
    dynamoDb: proxy.url,
    eventBridge: harness.eventBridge.endpoint,
    deliverFunctionArn: LAMBDA_ARN,
  });
  // One at a time: jest's ESM loader fails imports made side by side of modules a test file imports already.
  const departments = await import('../../../functions/departments/handler.js');
  const contracts = await import('../../../functions/contracts/handler.js');
  const subscriptions = await import('../../../functions/subscriptions/handler.js');
  handlers = {
    departments: departments.handler,
    contracts: contracts.handler,
    subscriptions: subscriptions.handler,
  } as unknown as LocalHandlers;
});

afterAll(async () => {
  await proxy.close();
  await harness.close();
  closeClients();
});

beforeEach(() => proxy.reset());

/** Calls a function as API Gateway would, with the authorizer's principal, and answers its status and body. */
async function call(
  name: 'departments' | 'contracts' | 'subscriptions',
  routeKey: string,
  principal: Principal,
  body: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const answer = (await invoke(
    handlers,
    name,
    {
      routeKey,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      isBase64Encoded: false,
      requestContext: { authorizer: { lambda: principal } },
    },
    { timeoutMs: TIME_GIVEN_MS },
  )) as { statusCode: number; body: string };
  return { status: answer.statusCode, body: JSON.parse(answer.body) as Record<string, unknown> };
}

async function auditOf(target: string) {
  return (await test.registry.listAudit()).filter((entry) => entry.target === target);
}

describe('a registry connection that never answers', () => {
  it('costs the departments function one cut attempt, and the department is created', async () => {
    // Prepare: the departments function's client has no connection yet, so its first is the one held
    proxy.stall = 1;
    // Act
    const answer = await call('departments', 'POST /departments', admin, { id: 'customs', name: 'Customs' });
    // Assess
    expect(proxy.held).toHaveLength(1);
    expect(answer).toMatchObject({ status: 201, body: { id: 'customs', name: 'Customs' } });
    expect(await test.registry.getDepartment('customs')).toMatchObject({ id: 'customs' });
    expect(await auditOf('department:customs')).toHaveLength(1);
  });
});

describe('a transaction that committed, its answer lost on the way back', () => {
  it('is answered 201 by the departments function, not 409 by its own condition, and audited once', async () => {
    // Prepare
    proxy.loseAnswers = 1;
    const before = proxy.transactions;
    // Act
    const answer = await call('departments', 'POST /departments', admin, { id: 'housing', name: 'Housing' });
    // Assess: two attempts of one transaction reached DynamoDB, and the first committed
    expect(proxy.held).toHaveLength(1);
    expect(proxy.lost).toEqual(['HTTP/1.1 200 OK']);
    expect(proxy.transactions - before).toBe(2);
    expect(answer).toMatchObject({ status: 201, body: { id: 'housing', name: 'Housing' } });
    expect(await auditOf('department:housing')).toHaveLength(1);
  });

  it('is answered 201 by the contracts function: the version is new to the caller, who made it', async () => {
    // Prepare
    proxy.loseAnswers = 1;
    const before = proxy.transactions;
    const schema = { type: 'object', properties: { companyId: { type: 'string' } } };
    // Act
    const answer = await call('contracts', 'POST /contracts', filing, {
      type: TYPE,
      version: '1.0.0',
      description: 'A company was registered for tax',
      sharing: 'open',
      schema,
    });
    // Assess
    expect(proxy.held).toHaveLength(1);
    expect(proxy.lost).toEqual(['HTTP/1.1 200 OK']);
    expect(proxy.transactions - before).toBe(2);
    expect(answer).toMatchObject({ status: 201, body: { type: TYPE, version: '1.0.0', schema } });
    expect((await test.registry.listContractVersions(TYPE)).map((c) => c.version)).toEqual(['1.0.0']);
    expect(await auditOf(`contract:${TYPE}@1.0.0`)).toHaveLength(1);
  });

  it('is answered 201 by the subscriptions function, with one subscription and one rule', async () => {
    // Prepare
    proxy.loseAnswers = 1;
    const before = proxy.transactions;
    // The function's read-back of a failed write would answer 201 too: the write itself must have succeeded.
    const warned = jest.spyOn(logger, 'warn');
    // Act
    const answer = await call('subscriptions', 'POST /subscriptions', benefits, {
      type: SUBSCRIBED,
      endpoint: { url: 'https://receiver.example.org/hook' },
    });
    // Assess
    expect(proxy.held).toHaveLength(1);
    expect(proxy.lost).toEqual(['HTTP/1.1 200 OK']);
    expect(proxy.transactions - before).toBe(2);
    expect(answer).toMatchObject({
      status: 201,
      body: { type: SUBSCRIBED, department: 'welfare', system: 'benefits' },
    });
    const stored = await test.registry.listSubscriptions('welfare');
    expect(stored.map((s) => s.id)).toEqual([answer.body.id]);
    expect(await auditOf(`subscription:${answer.body.id as string}`)).toHaveLength(1);
    const rules = await harness.client.send(new ListRulesCommand({ EventBusName: BUS }));
    expect(rules.Rules?.map((r) => r.Name)).toEqual([stored[0]?.ruleName]);
    expect(warned).not.toHaveBeenCalled();
    warned.mockRestore();
  });
});
