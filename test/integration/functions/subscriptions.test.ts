// The subscription use cases on the real registry and the real EventBridge adapter over the embedded
// EventBridge, so that the rules they build are judged and matched by EventBridge itself.
import { randomUUID } from 'node:crypto';
import {
  CreateEventBusCommand,
  DeleteRuleCommand,
  DescribeRuleCommand,
  ListRulesCommand,
  ListTargetsByRuleCommand,
  PutRuleCommand,
  RemoveTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { registerContract } from '../../../functions/contracts/contracts.js';
import { DeliveryInputSchema } from '../../../functions/deliver/deliver-event.js';
import { publishEvents } from '../../../functions/publish/publish-events.js';
import { auditEntry } from '../../../functions/shared/audit.js';
import { EventBridgeBus, type SubscriptionRule } from '../../../functions/shared/bus.js';
import { ContractResolver } from '../../../functions/shared/contract-resolver.js';
import type { SharebusError } from '../../../functions/shared/errors.js';
import { DynamoDbRegistry } from '../../../functions/shared/registry/dynamodb-registry.js';
import {
  type AuditEntry,
  type Principal,
  RegistryConflictError,
  type Subscription,
} from '../../../functions/shared/registry/registry.js';
import { SchemaValidator } from '../../../functions/shared/schema-validator.js';
import {
  createSubscription,
  deleteSubscription,
  type EndpointPolicy,
  eventPatternFor,
  listSubscriptions,
  reconcileRules,
  type SubscriptionPorts,
  subscriptionView,
} from '../../../functions/subscriptions/subscriptions.js';
import { type Harness, LAMBDA_ARN, startHarness } from '../eventbridge/harness.js';
import {
  admin,
  CountingRegistry,
  caught,
  clockAt,
  closeClients,
  dynamoDbClient,
  freshRegistry,
  onboard,
  schemasRead,
  type TestRegistry,
  tableSnapshot,
} from './harness.js';

const TYPE = 'tax.company.registered';
const NOW = '2025-06-07T08:09:10.000Z';
/** The endpoint of the running test: its own, since a department's second subscription to it is refused. */
let HOOK = 'https://receiver.example.org/hook';
beforeEach(() => {
  HOOK = `https://receiver.example.org/${randomUUID()}/hook`;
});

let test: TestRegistry;
let harness: Harness;
let filing: Principal;
let grants: Principal;
let benefits: Principal;
const validator = new SchemaValidator();

const schema = {
  type: 'object',
  properties: { companyId: { type: 'string' }, employees: { type: 'integer' } },
  required: ['companyId'],
};

/** A bus of its own for each test, so the rules a test sees are its own. */
async function setUp(options: { policy?: EndpointPolicy; registry?: DynamoDbRegistry } = {}) {
  const busName = `bus-${randomUUID()}`;
  await harness.client.send(new CreateEventBusCommand({ Name: busName }));
  const bus = new EventBridgeBus({
    client: harness.client,
    busName,
    deliverFunctionArn: LAMBDA_ARN,
    backoffBaseMs: 1,
  });
  const registry = options.registry ?? test.registry;
  const ports: SubscriptionPorts = {
    registry,
    bus,
    contracts: new ContractResolver(registry),
    now: clockAt(NOW),
    endpointPolicy: options.policy ?? 'https-only',
  };
  const ruleNames = async () =>
    ((await harness.client.send(new ListRulesCommand({ EventBusName: busName }))).Rules ?? []).map(
      (r) => r.Name,
    );
  return { busName, bus, ports, ruleNames };
}

beforeAll(async () => {
  test = await freshRegistry();
  harness = await startHarness();
  filing = (await onboard(test.registry, 'tax', ['filing'])).principals.filing!;
  grants = (await onboard(test.registry, 'housing', ['grants'])).principals.grants!;
  benefits = (await onboard(test.registry, 'welfare', ['benefits'])).principals.benefits!;
  const ports = { registry: test.registry, validator, now: clockAt(NOW) };
  const register = (type: string, version: string, sharing: string) =>
    registerContract(ports, filing, { type, version, description: type, sharing, schema });
  for (const version of ['1.0.0', '1.2.0', '10.0.0']) await register(TYPE, version, 'open');
  await register('tax.company.audited', '1.0.0', 'conditional');
  // Its 1.0.0 lists its fields and no others; 1.1.0 adds `size`.
  const closed = (extra: Record<string, unknown>) => ({
    type: 'object',
    properties: { companyId: { type: 'string' }, ...extra },
    additionalProperties: false,
  });
  await registerContract(ports, filing, {
    type: 'tax.company.closed',
    version: '1.0.0',
    description: 'closed',
    sharing: 'open',
    schema: closed({}),
  });
  await registerContract(ports, filing, {
    type: 'tax.company.closed',
    version: '1.1.0',
    description: 'closed',
    sharing: 'open',
    schema: closed({ size: { type: 'integer' } }),
  });
  await register('tax.company.investigated', '1.0.0', 'restricted');
  // A major shared two ways, as registering could leave it before it refused that: open 1.0.0, restricted 1.1.0.
  // The owner item of then did not claim the major's sharing either.
  const open = await register('tax.company.mixed', '1.0.0', 'open');
  await test.documentClient.send(
    new UpdateCommand({
      TableName: test.tableName,
      Key: { pk: 'CONTRACT#tax.company.mixed', sk: 'OWNER' },
      UpdateExpression: 'REMOVE major1Sharing',
    }),
  );
  const restricted = { ...open.contract, version: '1.1.0', sharing: 'restricted' as const };
  await test.registry.putContractVersion(
    restricted,
    auditEntry(filing, 'contract.registered', 'contract:mixed', new Date(NOW)),
  );
});
afterAll(async () => {
  await harness.close();
  closeClients();
});

describe('createSubscription', () => {
  it('stores the subscription and puts one rule whose target is the deliver function', async () => {
    // Prepare
    const { busName, ports } = await setUp();
    const filter = { employees: [{ numeric: ['>', 10] }] };
    // Act
    const subscription = await createSubscription(ports, grants, {
      type: TYPE,
      version: '1.0.0',
      filter,
      endpoint: { url: HOOK },
    });
    // Assess
    expect(subscription).toEqual({
      id: expect.any(String),
      type: TYPE,
      major: 1,
      version: '1.0.0',
      filter,
      endpoint: { url: HOOK },
      departmentId: 'housing',
      systemId: 'grants',
      ruleName: `sharebus-sub-${subscription.id}`,
      status: 'active',
      createdAt: NOW,
    });
    expect(await test.registry.getSubscription(subscription.id)).toEqual(subscription);
    const rule = await harness.client.send(
      new DescribeRuleCommand({ EventBusName: busName, Name: subscription.ruleName }),
    );
    expect(JSON.parse(rule.EventPattern ?? '')).toEqual({
      source: ['sharebus.tax'],
      'detail-type': [TYPE],
      detail: { dataschema: [{ prefix: `urn:sharebus:contract:${TYPE}:1.` }], data: filter },
    });
    const targets = await harness.client.send(
      new ListTargetsByRuleCommand({ EventBusName: busName, Rule: subscription.ruleName }),
    );
    expect(targets.Targets?.map((t) => t.Arn)).toEqual([LAMBDA_ARN]);
    const audit = (await test.registry.listAudit()).find(
      (e) => e.target === `subscription:${subscription.id}`,
    );
    expect(audit).toMatchObject({ action: 'subscription.created', actor: grants });
  });

  it('subscribes to the latest version’s major when no version is named', async () => {
    // Prepare
    const { ports } = await setUp();
    // Act
    const subscription = await createSubscription(ports, grants, { type: TYPE, endpoint: { url: HOOK } });
    // Assess
    expect(subscription).toMatchObject({ version: '10.0.0', major: 10 });
    expect(subscription.filter).toBeUndefined();
  });

  it('delivers events of the same major version that pass the filter, and no others', async () => {
    // Prepare
    const { bus, ports } = await setUp();
    const subscription = await createSubscription(ports, grants, {
      type: TYPE,
      version: '1.0.0',
      filter: { employees: [{ numeric: ['>', 10] }] },
      endpoint: { url: HOOK },
    });
    const publish = { bus, contracts: ports.contracts, validator, now: clockAt(NOW) };
    const events = [
      { type: TYPE, version: '1.2.0', data: { companyId: 'big-minor', employees: 50 } },
      { type: TYPE, version: '1.0.0', data: { companyId: 'small', employees: 5 } },
      { type: TYPE, version: '10.0.0', data: { companyId: 'big-other-major', employees: 50 } },
    ];
    harness.invocations.length = 0;
    // Act
    await publishEvents(publish, filing, { events });
    await harness.eventBridge.idle();
    // Assess
    expect(harness.invocations).toHaveLength(1);
    const delivered = DeliveryInputSchema.parse(JSON.parse(harness.invocations[0]!.payload));
    expect(delivered.subscriptionId).toBe(subscription.id);
    expect(delivered.event).toMatchObject({ type: TYPE, data: { companyId: 'big-minor' } });
  });

  it.each([
    { policy: 'https-only' as const, url: 'http://receiver.example.org/hook', why: 'plain http' },
    { policy: 'allow-http' as const, url: 'ftp://receiver.example.org/hook', why: 'another scheme' },
    { policy: 'allow-http' as const, url: '/hook', why: 'a relative URL' },
    { policy: 'allow-http' as const, url: 'https://user:secret@receiver.example.org/', why: 'credentials' },
    {
      policy: 'https-only' as const,
      url: 'https://:s3cret@receiver.example.org/hook',
      why: 'a password and no user name',
    },
    { policy: 'https-only' as const, url: 'https://169.254.169.254/latest/', why: 'the metadata address' },
    { policy: 'https-only' as const, url: 'https://0x7f.1/hook', why: 'loopback in hex' },
    { policy: 'https-only' as const, url: 'https://[::ffff:10.0.0.5]/hook', why: 'a mapped private address' },
    { policy: 'https-only' as const, url: 'https://localhost:8443/hook', why: 'localhost' },
    { policy: 'allow-http' as const, url: 'http://127.0.0.1:0/hook', why: 'port 0' },
    { policy: 'https-only' as const, url: 'https://receiver.example.org:00/hook', why: 'port 0 written 00' },
    { policy: 'https-only' as const, url: ' https://receiver.example.org/hook', why: 'a leading space' },
    { policy: 'https-only' as const, url: 'https://receiver.example.org/ho\tok', why: 'a tab' },
    { policy: 'https-only' as const, url: 'https://receiver.example.org/a b', why: 'a space in its path' },
    { policy: 'https-only' as const, url: 'https://receiver.example.org/a\ud800b', why: 'a lone surrogate' },
    // Called as /hook/secret before
    { policy: 'https-only' as const, url: 'https://receiver.example.org/hook\\secret', why: 'a backslash' },
    { policy: 'allow-http' as const, url: 'http:127.0.0.1:4721/hook', why: 'a scheme without //' },
    { policy: 'https-only' as const, url: 'https:/receiver.example.org/hook', why: 'a scheme with one /' },
    {
      policy: 'https-only' as const,
      url: 'HTTPS:receiver.example.org/hook',
      why: 'an upper-case scheme without //',
    },
  ])('refuses an endpoint with $why under $policy with 400 invalid_endpoint, leaving nothing', async (c) => {
    // Prepare
    const { ports, ruleNames } = await setUp({ policy: c.policy });
    const before = await tableSnapshot(test);
    // Act
    const error = await caught(() =>
      createSubscription(ports, grants, { type: TYPE, endpoint: { url: c.url } }),
    );
    // Assess
    expect(error).toMatchObject({
      status: 400,
      code: 'invalid_endpoint',
      fields: [{ field: '/endpoint/url' }],
    });
    expect(await tableSnapshot(test)).toEqual(before);
    expect(await ruleNames()).toEqual([]);
  });

  it('takes an endpoint of 2,048 characters and refuses one of 2,049 with 400 invalid_request, leaving nothing', async () => {
    // Prepare
    const { ports, ruleNames } = await setUp();
    const sized = (length: number) => `${HOOK}/${'a'.repeat(length - HOOK.length - 1)}`;
    const before = await tableSnapshot(test);
    // Act
    const error = await caught(() =>
      createSubscription(ports, grants, { type: TYPE, endpoint: { url: sized(2_049) } }),
    );
    const afterRefusal = { table: await tableSnapshot(test), rules: await ruleNames() };
    const made = await createSubscription(ports, grants, { type: TYPE, endpoint: { url: sized(2_048) } });
    // Assess
    expect(error).toMatchObject({
      status: 400,
      code: 'invalid_request',
      fields: [{ field: '/endpoint/url', message: 'must be at most 2,048 characters' }],
    });
    expect(afterRefusal).toEqual({ table: before, rules: [] });
    expect(made.endpoint.url).toHaveLength(2_048);
    expect(await ruleNames()).toEqual([made.ruleName]);
  });

  it('accepts a backslash in the query, which a URL parser sends as written', async () => {
    // Prepare
    const { ports } = await setUp({ policy: 'allow-http' });
    const url = 'http://127.0.0.1:9/hook?sig=a\\b';
    // Act: refused 400 invalid_endpoint ("called as a slash") by the check of 37bc7fe
    const subscription = await createSubscription(ports, grants, { type: TYPE, endpoint: { url } });
    // Assess
    expect(new URL(url).search).toBe('?sig=a\\b');
    expect(subscription.endpoint.url).toBe(url);
  });

  it('accepts a plain http endpoint when the policy allows it', async () => {
    // Prepare
    const { ports } = await setUp({ policy: 'allow-http' });
    // Act
    const subscription = await createSubscription(ports, grants, {
      type: TYPE,
      endpoint: { url: 'http://127.0.0.1:9/hook' },
    });
    // Assess
    expect(subscription.endpoint.url).toBe('http://127.0.0.1:9/hook');
  });

  it.each([
    { type: 'tax.company.audited', sharing: 'conditional' },
    { type: 'tax.company.investigated', sharing: 'restricted' },
    // Naming the open version of a major that also holds a restricted one: the subscription would get both.
    { type: 'tax.company.mixed', version: '1.0.0', sharing: 'restricted' },
  ])(
    'refuses a $sharing contract with 403 approval_required, leaving nothing',
    async ({ type, version, sharing }) => {
      // Prepare
      const { ports, ruleNames } = await setUp();
      const before = await tableSnapshot(test);
      // Act
      const error = await caught(() =>
        createSubscription(ports, grants, { type, ...(version ? { version } : {}), endpoint: { url: HOOK } }),
      );
      // Assess
      expect(error).toMatchObject({
        status: 403,
        code: 'approval_required',
        fields: [{ field: '/type', message: `sharing is ${sharing}` }],
      });
      expect(await tableSnapshot(test)).toEqual(before);
      expect(await ruleNames()).toEqual([]);
    },
  );

  it.each([
    {
      why: 'an invalid one',
      filter: { employees: [{ numeric: ['>>', 10] }] },
      field: '/filter/employees/0/numeric',
    },
    {
      why: 'one past its length limit',
      filter: { companyId: Array.from({ length: 2_000 }, (_, n) => `c${n}`) },
      field: '/filter',
    },
  ])(
    'refuses a filter EventBridge refuses, $why, with 400 invalid_filter, leaving nothing',
    async ({ filter, field }) => {
      // Prepare
      const { ports, ruleNames } = await setUp();
      const before = await tableSnapshot(test);
      // Act
      const error = await caught(() =>
        createSubscription(ports, grants, { type: TYPE, filter, endpoint: { url: HOOK } }),
      );
      // Assess
      expect(error).toMatchObject({ status: 400, code: 'invalid_filter', fields: [{ field }] });
      expect(await tableSnapshot(test)).toEqual(before);
      expect(await ruleNames()).toEqual([]);
    },
  );

  it.each([
    { filter: { employees: 'ten' }, field: '/filter/employees' },
    { filter: { employees: [{ numeric: ['>', 'ten'] }] }, field: '/filter/employees/0/numeric' },
    { filter: { companyId: ['c1'], employees: [{ between: [1, 2] }] }, field: '/filter/employees/0/between' },
    { filter: { companyId: ['c1'], address: { city: [] } }, field: '/filter/address/city' },
    { filter: { 'a/b~c': [{ prefix: 1 }] }, field: '/filter/a~1b~0c/0/prefix' },
    {
      filter: { $or: [{ companyId: ['c1'] }, { companyId: [{ wildcard: 'c**' }] }] },
      field: '/filter/$or/1/companyId/0/wildcard',
    },
    { filter: { companyId: [{ 'anything-but': [1, true] }] }, field: '/filter/companyId/0/anything-but' },
    { filter: { companyId: [{ exists: true, prefix: 'c' }] }, field: '/filter/companyId/0/prefix' },
    // EventBridge names no place for a CIDR fault: the whole filter is named.
    { filter: { companyId: ['c1'], ip: [{ cidr: '10.0.0.0/99' }] }, field: '/filter' },
  ])('names the part of the filter EventBridge refuses ($field) for $filter', async ({ filter, field }) => {
    // Prepare
    const { ports, ruleNames } = await setUp();
    const before = await tableSnapshot(test);
    // Act
    const error = await caught(() =>
      createSubscription(ports, grants, { type: TYPE, filter, endpoint: { url: HOOK } }),
    );
    // Assess
    expect(error).toMatchObject({ status: 400, code: 'invalid_filter', fields: [{ field }] });
    expect(error.message).not.toContain('[Source:');
    expect(await tableSnapshot(test)).toEqual(before);
    expect(await ruleNames()).toEqual([]);
  });

  it.each([
    ['>>', 'Unrecognized numeric range operator: >>'],
    // A reason may hold a newline of its own (the operator's): it is kept whole.
    ['>\n1', 'Unrecognized numeric range operator: >\n1'],
  ])(
    "says EventBridge's reason for refusing a filter (%j), without where in the rule's pattern its parser stood",
    async (operator, why) => {
      // Prepare
      const { ports } = await setUp();
      // Act
      const error = await caught(() =>
        createSubscription(ports, grants, {
          type: TYPE,
          filter: { employees: [{ numeric: [operator, 10] }] },
          endpoint: { url: HOOK },
        }),
      );
      // Assess
      const reason = `Event pattern is not valid. Reason: ${why}`;
      expect(error).toMatchObject({
        message: `EventBridge refuses the filter: ${reason}`,
        fields: [{ field: '/filter/employees/0/numeric', message: reason }],
      });
    },
  );

  it('deletes the rule it put when the registry write fails, and passes the failure on', async () => {
    // Prepare
    const failure = new RegistryConflictError('simulated write failure', 'subscription:x');
    let rulesAtWrite: Array<string | undefined> = [];
    let listRules = async (): Promise<Array<string | undefined>> => [];
    class FailingRegistry extends DynamoDbRegistry {
      override async createSubscription(_subscription: Subscription, _audit: AuditEntry): Promise<void> {
        rulesAtWrite = await listRules();
        throw failure;
      }
    }
    const registry = new FailingRegistry({ client: test.documentClient, tableName: test.tableName });
    const { ports, ruleNames } = await setUp({ registry });
    listRules = ruleNames;
    // Act
    const error = await caught(() =>
      createSubscription(ports, grants, { type: TYPE, endpoint: { url: HOOK } }),
    );
    // Assess
    expect(error).toBe(failure);
    expect(rulesAtWrite).toEqual([expect.stringMatching(/^sharebus-sub-/)]);
    expect(await ruleNames()).toEqual([]);
  });

  // Review, 2026-12-04: a write whose answer was lost (or on which the SDK gave up with TransactionInProgress while
  // it committed) had its rule deleted: the subscription was stored, listed and 409 to a retry, and received nothing.
  it('keeps the rule and answers the subscription when the registry write took effect but answered an error', async () => {
    // Prepare
    class AnswerLostRegistry extends DynamoDbRegistry {
      override async createSubscription(subscription: Subscription, audit: AuditEntry): Promise<void> {
        await super.createSubscription(subscription, audit);
        throw new Error('socket hang up');
      }
    }
    const registry = new AnswerLostRegistry({ client: test.documentClient, tableName: test.tableName });
    const { ports, ruleNames } = await setUp({ registry });
    // Act
    const created = await createSubscription(ports, benefits, { type: TYPE, endpoint: { url: HOOK } });
    // Assess
    expect(await registry.getSubscription(created.id)).toEqual(created);
    expect(await ruleNames()).toEqual([created.ruleName]);
  });

  it('keeps the rule and passes the failure on when neither the write nor the read after it answers', async () => {
    // Prepare
    const failure = new Error('connect ETIMEDOUT');
    class UnreachableRegistry extends DynamoDbRegistry {
      override async createSubscription(): Promise<void> {
        throw failure;
      }
      override async getSubscription(): Promise<Subscription | undefined> {
        throw new Error('connect ETIMEDOUT');
      }
    }
    const registry = new UnreachableRegistry({ client: test.documentClient, tableName: test.tableName });
    const { ports, ruleNames } = await setUp({ registry });
    // Act
    const error = await caught(() =>
      createSubscription(ports, benefits, { type: TYPE, endpoint: { url: HOOK } }),
    );
    // Assess: a rule without its subscription delivers nothing (the deliver function drops its events)
    expect(error).toBe(failure);
    expect(await ruleNames()).toEqual([expect.stringMatching(/^sharebus-sub-/)]);
  });

  // Review, 2026-12-06: the SDK may give up on a transaction DynamoDB is still running, which then commits after the
  // read back found nothing; deleting the rule then left a stored subscription that received nothing. The SDK's error
  // comes from the table's client, under the registry's own handling of it: a TimeoutError reaches the use case as a
  // RegistryBusyError (docs review, 2026-12-07: the use case looked for the SDK's name alone, and removed the rule).
  it.each([
    ['TransactionInProgressException', 'RegistryBusyError'],
    ['TimeoutError', 'RegistryBusyError'],
  ])(
    'keeps the rule and passes the failure on when the write ends in %s and the read after it finds nothing',
    async (name, answered) => {
      // Prepare: a client of its own (a document client shares its client's middleware), whose transactions fail
      // with the SDK's error before they are sent
      const client = dynamoDbClient();
      const documentClient = DynamoDBDocumentClient.from(client);
      documentClient.middlewareStack.add(
        (next, context) => async (args) => {
          if (context.commandName !== 'TransactWriteItemsCommand') return next(args);
          throw Object.assign(new Error(`simulated ${name}`), { name, $fault: 'client', $metadata: {} });
        },
        { step: 'initialize', name: 'undecidedTransactions' },
      );
      const registry = new DynamoDbRegistry({ client: documentClient, tableName: test.tableName });
      const { ports, ruleNames } = await setUp({ registry });
      // Act
      const error = await caught(() =>
        createSubscription(ports, benefits, { type: TYPE, endpoint: { url: HOOK } }),
      ).finally(() => client.destroy());
      // Assess
      expect(error).toMatchObject({ name: answered });
      expect(await ruleNames()).toEqual([expect.stringMatching(/^sharebus-sub-/)]);
      const stored = await test.registry.listSubscriptions('welfare');
      expect(stored.filter((s) => s.endpoint.url === HOOK)).toEqual([]);
    },
  );

  // Errpaths review, 2026-12-07: the registry said every TimeoutError may have changed something, the audit-day
  // write's too, which it makes before the transaction: nothing was stored, and the rule was kept all the same (in AWS
  // for good, under the bus's rules quota).
  it('takes its rule away again when the write before the transaction was not answered in time, nothing stored', async () => {
    // Prepare: a client of its own whose PutItem attempts (the audit-day index, written before the transaction by a
    // registry that does not know the day yet) are all cut for silence, inside the client's retries
    const client = dynamoDbClient();
    const documentClient = DynamoDBDocumentClient.from(client);
    let transactions = 0;
    documentClient.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'TransactWriteItemsCommand') transactions += 1;
        if (context.commandName !== 'PutItemCommand') return next(args);
        throw Object.assign(new Error('@smithy/node-http-handler - the request socket timed out'), {
          name: 'TimeoutError',
        });
      },
      { step: 'deserialize', name: 'silentAuditDay', priority: 'high' },
    );
    const registry = new DynamoDbRegistry({ client: documentClient, tableName: test.tableName });
    const { ports, ruleNames } = await setUp({ registry });
    // Act
    const error = await caught(() =>
      createSubscription(ports, benefits, { type: TYPE, endpoint: { url: HOOK } }),
    ).finally(() => client.destroy());
    // Assess
    expect(transactions).toBe(0);
    expect(error).toMatchObject({ name: 'RegistryBusyError', mayHaveChanged: false });
    expect(await ruleNames()).toEqual([]);
    const stored = await test.registry.listSubscriptions('welfare');
    expect(stored.filter((s) => s.endpoint.url === HOOK)).toEqual([]);
  });

  it('answers 503 rules_quota_reached when the bus holds as many rules as its quota allows, leaving nothing', async () => {
    // Prepare: a bus filled to AWS's default quota of 300 rules
    const { busName, ports } = await setUp();
    for (let n = 0; n < 300; n++) {
      await harness.client.send(
        new PutRuleCommand({ EventBusName: busName, Name: `other-${n}`, EventPattern: '{"source":["x"]}' }),
      );
    }
    const before = await tableSnapshot(test);
    const sharebusRules = async () =>
      (await harness.client.send(new ListRulesCommand({ EventBusName: busName, NamePrefix: 'sharebus-' })))
        .Rules ?? [];
    // Act
    const error = await caught(() =>
      createSubscription(ports, grants, { type: TYPE, endpoint: { url: HOOK } }),
    );
    const afterRefusal = { table: await tableSnapshot(test), rules: await sharebusRules() };
    await harness.client.send(new DeleteRuleCommand({ EventBusName: busName, Name: 'other-0' }));
    const made = await createSubscription(ports, grants, { type: TYPE, endpoint: { url: HOOK } });
    // Assess
    expect(error).toMatchObject({ status: 503, code: 'rules_quota_reached' });
    expect(error.message).toMatch(/Rules per event bus/);
    expect(afterRefusal).toEqual({ table: before, rules: [] });
    expect(made.status).toBe('active');
    expect((await sharebusRules()).map((r) => r.Name)).toEqual([made.ruleName]);
  });

  it('asks EventBridge for the rule twice, not more, before it answers 503 rules_quota_reached', async () => {
    // Prepare: a bus filled to AWS's default quota of 300 rules, its rule puts counted
    const { busName, ports } = await setUp();
    for (let n = 0; n < 300; n++) {
      await harness.client.send(
        new PutRuleCommand({ EventBusName: busName, Name: `other-${n}`, EventPattern: '{"source":["x"]}' }),
      );
    }
    let puts = 0;
    const bus = new (class extends EventBridgeBus {
      override async putSubscriptionRule(rule: SubscriptionRule): Promise<void> {
        puts++;
        return super.putSubscriptionRule(rule);
      }
    })({ client: harness.client, busName, deliverFunctionArn: LAMBDA_ARN, backoffBaseMs: 1 });
    // Act
    const error = await caught(() =>
      createSubscription({ ...ports, bus }, grants, { type: TYPE, endpoint: { url: HOOK } }),
    );
    // Assess
    expect(error).toMatchObject({ status: 503, code: 'rules_quota_reached' });
    expect(puts).toBe(2);
  });

  it('makes a subscription refused for a place another request held for a moment (a repeat making its rule)', async () => {
    // Prepare: a bus filled to 300 rules, the last one a repeat's (of another subscription), which it removes once it
    // learns it is a repeat: here, while this request looks for its own twin after the quota refused it (its second
    // check; the first is before its rule)
    let busName = '';
    let checks = 0;
    class RacedRegistry extends DynamoDbRegistry {
      override async findSameSubscription(subscription: Subscription): Promise<string | undefined> {
        checks++;
        const found = await super.findSameSubscription(subscription);
        if (checks === 2)
          await harness.client.send(new DeleteRuleCommand({ EventBusName: busName, Name: 'other-299' }));
        return found;
      }
    }
    const registry = new RacedRegistry({ client: test.documentClient, tableName: test.tableName });
    const set = await setUp({ registry });
    busName = set.busName;
    for (let n = 0; n < 300; n++) {
      await harness.client.send(
        new PutRuleCommand({ EventBusName: busName, Name: `other-${n}`, EventPattern: '{"source":["x"]}' }),
      );
    }
    // Act
    const made = await createSubscription(set.ports, grants, { type: TYPE, endpoint: { url: HOOK } });
    // Assess
    expect(checks).toBeGreaterThanOrEqual(2);
    expect(made.status).toBe('active');
    expect(await registry.getSubscription(made.id)).toMatchObject({ id: made.id });
    const rules = await harness.client.send(
      new ListRulesCommand({ EventBusName: busName, NamePrefix: 'sharebus-' }),
    );
    expect(rules.Rules?.map((r) => r.Name)).toEqual([made.ruleName]);
  });

  it('answers 409 rather than 503 to a repeat whose original took the last rule after the repeat was checked', async () => {
    // Prepare: the original made and the bus then filled to 300 rules; the repeat's first check for the same
    // subscription, and the first after the quota refused it, are answered as before the original was stored, as
    // for two requests at the same moment (the original's transaction still running)
    let hidden = 0;
    let checks = 0;
    class RacedRegistry extends DynamoDbRegistry {
      override async findSameSubscription(subscription: Subscription): Promise<string | undefined> {
        checks++;
        if (hidden === 0) return super.findSameSubscription(subscription);
        hidden--;
        return undefined;
      }
    }
    const registry = new RacedRegistry({ client: test.documentClient, tableName: test.tableName });
    const { busName, ports } = await setUp({ registry });
    const input = { type: TYPE, endpoint: { url: HOOK } };
    const original = await createSubscription(ports, grants, input);
    for (let n = 0; n < 299; n++) {
      await harness.client.send(
        new PutRuleCommand({ EventBusName: busName, Name: `other-${n}`, EventPattern: '{"source":["x"]}' }),
      );
    }
    const before = await tableSnapshot(test);
    hidden = 2;
    checks = 0;
    // Act
    const error = await caught(() => createSubscription(ports, grants, input));
    // Assess
    expect(error).toMatchObject({ status: 409, code: 'subscription_exists' });
    expect(error.message).toContain(original.id);
    expect(checks).toBe(3);
    expect(await tableSnapshot(test)).toEqual(before);
  });

  it("answers 503 rules_quota_reached naming the filter when a wildcard filter meets EventBridge's 30 such rules", async () => {
    // Prepare: a bus holding 30 rules with wildcard patterns, AWS's fixed quota.
    const { busName, ports } = await setUp();
    for (let n = 0; n < 30; n++) {
      await harness.client.send(
        new PutRuleCommand({
          EventBusName: busName,
          Name: `other-${n}`,
          EventPattern: JSON.stringify({ detail: { file: [{ wildcard: `${n}-*` }] } }),
        }),
      );
    }
    const before = await tableSnapshot(test);
    // Act
    const error = await caught(() =>
      createSubscription(ports, grants, {
        type: TYPE,
        endpoint: { url: HOOK },
        filter: { companyId: [{ wildcard: 'C-*-9' }] },
      }),
    );
    const afterRefusal = await tableSnapshot(test);
    const plain = await createSubscription(ports, grants, {
      type: TYPE,
      endpoint: { url: HOOK },
      filter: { companyId: [{ prefix: 'C-' }] },
    });
    // Assess
    expect(error).toMatchObject({
      status: 503,
      code: 'rules_quota_reached',
      fields: [{ field: '/filter', message: 'uses wildcard, 30 such rules per bus at most' }],
    });
    expect(error.message).toMatch(/its 30 rules with wildcards per bus, which cannot be raised/);
    expect(afterRefusal).toEqual(before);
    expect(plain.status).toBe('active');
  });

  it('takes its rule away again when the target cannot be put, and passes the failure on', async () => {
    // Prepare: a dead-letter ARN EventBridge refuses, so PutTargets fails after PutRule made the rule
    const { busName, ruleNames } = await setUp();
    const bus = new EventBridgeBus({
      client: harness.client,
      busName,
      deliverFunctionArn: LAMBDA_ARN,
      deadLetterArn: 'arn:aws:sns:us-east-1:111111111111:not-a-queue',
      backoffBaseMs: 1,
    });
    const ports: SubscriptionPorts = {
      registry: test.registry,
      bus,
      contracts: new ContractResolver(test.registry),
      now: clockAt(NOW),
      endpointPolicy: 'https-only',
    };
    const before = await tableSnapshot(test);
    // Act
    const error = await caught(() =>
      createSubscription(ports, grants, { type: TYPE, endpoint: { url: HOOK } }),
    );
    // Assess
    expect(error.message).toMatch(/DeadLetterConfig|dead-letter|Arn/i);
    expect(await ruleNames()).toEqual([]);
    expect(await tableSnapshot(test)).toEqual(before);
  });

  it("answers 409 subscription_exists for the department's same subscription again, naming it, and leaves nothing", async () => {
    // Prepare: a bus that records the rules it is asked to put
    const { busName, ports: plain, ruleNames } = await setUp();
    const put: string[] = [];
    class RecordingRulesBus extends EventBridgeBus {
      override async putSubscriptionRule(rule: SubscriptionRule): Promise<void> {
        put.push(rule.ruleName);
        return super.putSubscriptionRule(rule);
      }
    }
    const bus = new RecordingRulesBus({
      client: harness.client,
      busName,
      deliverFunctionArn: LAMBDA_ARN,
      backoffBaseMs: 1,
    });
    const ports = { ...plain, bus };
    const first = await createSubscription(ports, grants, { type: TYPE, endpoint: { url: HOOK } });
    const before = await tableSnapshot(test);
    // Act
    const error = await caught(() =>
      createSubscription(ports, grants, { type: TYPE, endpoint: { url: HOOK } }),
    );
    // Assess
    expect(error).toMatchObject({
      status: 409,
      code: 'subscription_exists',
      fields: [{ field: '/endpoint/url', message: `already subscribed as ${first.id}` }],
      extensions: { existingId: first.id },
    });
    expect(await tableSnapshot(test)).toEqual(before);
    expect(await ruleNames()).toEqual([first.ruleName]);
    // Found before any rule: not one put for the repeat and taken away again
    expect(put).toEqual([first.ruleName]);
  });

  it("lets exactly one of two same subscriptions made at once in, and takes the other one's rule away", async () => {
    // Prepare
    const { ports, ruleNames } = await setUp();
    // Act
    const results = await Promise.allSettled([
      createSubscription(ports, grants, { type: TYPE, endpoint: { url: HOOK } }),
      createSubscription(ports, grants, { type: TYPE, endpoint: { url: HOOK } }),
    ]);
    // Assess
    const made = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as SharebusError] : []));
    expect(made).toHaveLength(1);
    expect(refused.map((e) => [e.status, e.code])).toEqual([[409, 'subscription_exists']]);
    expect(await ruleNames()).toEqual([made[0]!.ruleName]);
  });

  it("says how much of EventBridge's 2,048 characters a filter may take when it takes too many", async () => {
    // Prepare
    const { ports, ruleNames } = await setUp();
    const filter = { district: Array.from({ length: 200 }, (_, i) => `district-${i}`) };
    // Act
    const error = await caught(() =>
      createSubscription(ports, grants, { type: TYPE, endpoint: { url: HOOK }, filter }),
    );
    // Assess
    expect(error).toMatchObject({ status: 400, code: 'invalid_filter', fields: [{ field: '/filter' }] });
    expect(error.message).toMatch(
      new RegExp(
        `EventBridge takes at most 2048; sharebus's own conditions for ${TYPE.replaceAll('.', '\\.')} take \\d+, so the filter \\(written as compact JSON\\) may take \\d+, and it takes ${JSON.stringify(filter).length}\\.$`,
      ),
    );
    expect(await ruleNames()).toEqual([]);
    // And the room it names is exact: a filter of that many characters fits, one more does not.
    const room = Number(/may take (\d+),/.exec(error.message)?.[1]);
    const sized = (length: number) => ({ district: ['x'.repeat(length - '{"district":[""]}'.length)] });
    const over = await caught(() =>
      createSubscription(ports, grants, { type: TYPE, endpoint: { url: HOOK }, filter: sized(room + 1) }),
    );
    const fits = await createSubscription(ports, grants, {
      type: TYPE,
      endpoint: { url: HOOK },
      filter: sized(room),
    });
    expect(over).toMatchObject({ status: 400, code: 'invalid_filter' });
    expect(JSON.stringify(fits.filter).length).toBe(room);
  });

  it("reads the versions of the subscription's major alone", async () => {
    // Prepare: every subscription read every version of the type whole before, schemas and all (adversarial-input
    // review, 2026-12-06); TYPE has versions 1.0.0, 1.2.0 and 10.0.0
    const { ports } = await setUp();
    // Act
    const read = await schemasRead(test, () =>
      createSubscription(ports, grants, {
        type: TYPE,
        version: '1.0.0',
        endpoint: { url: `${HOOK}?majors` },
        filter: { companyId: ['c-1'] },
      }),
    );
    // Assess: the version named, then its major's, newest first
    expect(read).toEqual([`${TYPE}@1.0.0`, `${TYPE}@1.2.0`, `${TYPE}@1.0.0`]);
  });

  it('judges a filter newest version first and reads no older page once every field it names is allowed', async () => {
    // Prepare: a major of three versions, each adding a field, read one version a page; with 100 versions of 200 KB
    // a filtered subscription read them all, 1.3 s (bench:registry, 2026-12-07)
    const type = 'tax.company.growing';
    const fields: Record<string, unknown> = { companyId: { type: 'string' } };
    for (const [version, field] of [
      ['1.0.0', undefined],
      ['1.1.0', 'size'],
      ['1.2.0', 'region'],
    ] as const) {
      if (field) fields[field] = { type: 'string' };
      await registerContract({ registry: test.registry, validator, now: clockAt(NOW) }, filing, {
        type,
        version,
        description: type,
        sharing: 'open',
        schema: { type: 'object', properties: { ...fields }, additionalProperties: false },
      });
    }
    const registry = new DynamoDbRegistry({
      client: test.documentClient,
      tableName: test.tableName,
      pageSize: 1,
    });
    const { ports, ruleNames } = await setUp({ registry });
    const subscribe = (filter: Record<string, unknown>) =>
      createSubscription(ports, grants, {
        type,
        filter,
        endpoint: { url: `${HOOK}?${Object.keys(filter)[0]}` },
      });
    // Act
    const allowedByNewest = await schemasRead(test, () => subscribe({ region: ['east'] }));
    let refused: Error | undefined;
    const allowedByNone = await schemasRead(test, async () => {
      refused = await caught(() => subscribe({ sector: ['mining'] }));
    });
    // Assess: the latest version (what no version named resolves to), then the newest page alone; a field no version
    // allows is looked for in every version, and refused
    expect(allowedByNewest).toEqual([`${type}@1.2.0`, `${type}@1.2.0`]);
    expect(allowedByNone).toEqual([`${type}@1.2.0`, `${type}@1.2.0`, `${type}@1.1.0`, `${type}@1.0.0`]);
    expect(refused).toMatchObject({
      status: 400,
      code: 'invalid_filter',
      fields: [{ field: '/filter/sector' }],
    });
    expect(await ruleNames()).toHaveLength(1);
  });

  it('reads no version of the major beside the one named when there is no filter to judge, its claim saying how it is shared', async () => {
    // Prepare: read whole for every subscription, 300 versions of 200 KB took it past the function's 10 s (scale
    // review, 2026-12-07)
    const { ports } = await setUp();
    // Act
    const read = await schemasRead(test, () =>
      createSubscription(ports, grants, {
        type: TYPE,
        version: '1.0.0',
        endpoint: { url: `${HOOK}?unfiltered` },
      }),
    );
    // Assess: the version named alone
    expect(read).toEqual([`${TYPE}@1.0.0`]);
  });

  it("refuses a version its major's claim understates, where it reads the versions to judge a filter", async () => {
    // Prepare: a major claimed open holding a restricted version, as code from before claims could leave it after a
    // rollback that far (registry diff review, 2026-12-07): the claim removed, 1.1.0 registered restricted, the
    // claim set back to open
    const type = 'tax.filing.understated';
    const register = (version: string, sharing: string) =>
      registerContract({ registry: test.registry, validator, now: clockAt(NOW) }, filing, {
        type,
        version,
        description: type,
        sharing,
        schema,
      });
    const claim = (expression: string) =>
      test.documentClient.send(
        new UpdateCommand({
          TableName: test.tableName,
          Key: { pk: `CONTRACT#${type}`, sk: 'OWNER' },
          UpdateExpression: expression,
          ...(expression.startsWith('SET') ? { ExpressionAttributeValues: { ':open': 'open' } } : {}),
        }),
      );
    await register('1.0.0', 'open');
    await claim('REMOVE major1Sharing');
    const restricted = { ...(await test.registry.getContractVersion(type, '1.0.0'))! };
    await test.registry.putContractVersion(
      { ...restricted, version: '1.1.0', sharing: 'restricted' },
      auditEntry(filing, 'contract.registered', `contract:${type}@1.1.0`, new Date(NOW)),
    );
    await claim('SET major1Sharing = :open');
    const { ports } = await setUp();
    // Act
    const error = await caught(() =>
      createSubscription(ports, grants, {
        type,
        version: '1.0.0',
        filter: { companyId: ['42'] },
        endpoint: { url: `${HOOK}?understated` },
      }),
    );
    // Assess
    expect(error).toMatchObject({ status: 403, code: 'approval_required' });
  });

  it('refuses an open version whose major, without a claim, also holds a conditional version', async () => {
    // Prepare: as code from before claims could leave a major: open 1.0.0, conditional 1.1.0, no claim of the major
    const type = 'tax.filing.reviewed';
    await registerContract({ registry: test.registry, validator, now: clockAt(NOW) }, filing, {
      type,
      version: '1.0.0',
      description: type,
      sharing: 'open',
      schema,
    });
    await test.documentClient.send(
      new UpdateCommand({
        TableName: test.tableName,
        Key: { pk: `CONTRACT#${type}`, sk: 'OWNER' },
        UpdateExpression: 'REMOVE major1Sharing',
      }),
    );
    const open = { ...(await test.registry.getContractVersion(type, '1.0.0'))! };
    await test.registry.putContractVersion(
      { ...open, version: '1.1.0', sharing: 'conditional' },
      auditEntry(filing, 'contract.registered', `contract:${type}@1.1.0`, new Date(NOW)),
    );
    await test.documentClient.send(
      new UpdateCommand({
        TableName: test.tableName,
        Key: { pk: `CONTRACT#${type}`, sk: 'OWNER' },
        UpdateExpression: 'REMOVE major1Sharing',
      }),
    );
    const { ports, ruleNames } = await setUp();
    const before = await tableSnapshot(test);
    // Act
    const error = await caught(() =>
      createSubscription(ports, grants, { type, version: '1.0.0', endpoint: { url: HOOK } }),
    );
    // Assess: the conditional version decides, though the one named is open
    expect(error).toMatchObject({
      status: 403,
      code: 'approval_required',
      fields: [{ field: '/type', message: 'sharing is conditional' }],
    });
    expect(await tableSnapshot(test)).toEqual(before);
    expect(await ruleNames()).toEqual([]);
  });

  it('refuses an empty filter with 400 invalid_request naming /filter, leaving nothing', async () => {
    // Prepare
    const { ports, ruleNames } = await setUp();
    const before = await tableSnapshot(test);
    // Act
    const error = await caught(() =>
      createSubscription(ports, grants, { type: TYPE, filter: {}, endpoint: { url: HOOK } }),
    );
    // Assess
    expect(error).toMatchObject({
      status: 400,
      code: 'invalid_request',
      fields: [{ field: '/filter', message: 'must not be empty; leave it out to receive every event' }],
    });
    expect(await tableSnapshot(test)).toEqual(before);
    expect(await ruleNames()).toEqual([]);
  });

  it('refuses a filter past what any quota lets EventBridge take before reading the versions to check it against', async () => {
    // Prepare: 20,000 fields (250 KB) were read against every version of the major before EventBridge refused
    // them; a body of 400,000 held the local runtime 15 s (adversarial-input review, 2026-12-06).
    const registry = CountingRegistry.on(test);
    const { ports, ruleNames } = await setUp({ registry });
    const filter = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, [1]]));
    const contract = { type: TYPE, ownerDepartment: 'tax', major: 1 };
    const before = await tableSnapshot(test);
    // Act
    const error = await caught(() =>
      createSubscription(ports, grants, { type: TYPE, version: '1.0.0', endpoint: { url: HOOK }, filter }),
    );
    // Assess
    expect(error).toMatchObject({ status: 400, code: 'invalid_filter', fields: [{ field: '/filter' }] });
    const length = eventPatternFor(contract, filter).length;
    const own = length - JSON.stringify(filter).length;
    expect(error.message).toBe(
      `EventBridge refuses the filter: the rule's event pattern, filter included, is ${length} characters; EventBridge takes at most 2,048 by default, 4,096 with a raised quota. sharebus's own conditions for ${TYPE} take ${own}, so the filter (written as compact JSON) may take ${2048 - own} by default, ${4096 - own} with a raised quota, and it takes ${length - own}.`,
    );
    expect(registry.reads).toMatchObject({ listContractVersions: 0, listMajorVersions: 0 });
    expect(await ruleNames()).toEqual([]);
    expect(await tableSnapshot(test)).toEqual(before);
  });

  it('refuses a filter on a field no version of the major allows with 400 invalid_filter naming it, leaving nothing', async () => {
    // Prepare
    const { ports, ruleNames } = await setUp();
    const before = await tableSnapshot(test);
    // Act
    const error = await caught(() =>
      createSubscription(ports, grants, {
        type: 'tax.company.closed',
        version: '1.0.0',
        endpoint: { url: HOOK },
        filter: { companyNmae: ['x'] },
      }),
    );
    const afterRefusal = { table: await tableSnapshot(test), rules: await ruleNames() };
    const later = await createSubscription(ports, grants, {
      type: 'tax.company.closed',
      version: '1.0.0',
      endpoint: { url: HOOK },
      filter: { size: [{ numeric: ['>', 10] }] },
    });
    // Assess: `size` is allowed, by 1.1.0 of the same major
    expect(error).toMatchObject({
      status: 400,
      code: 'invalid_filter',
      fields: [{ field: '/filter/companyNmae', message: 'no version 1.x allows this field' }],
    });
    expect(error.message).toBe(
      'The filter names data.companyNmae, which no version 1.x of tax.company.closed allows: it would never match.',
    );
    expect(afterRefusal).toEqual({ table: before, rules: [] });
    expect(await ruleNames()).toEqual([later.ruleName]);
  });

  it('refuses a filter needing fields of two versions together, which no event of one version can match', async () => {
    // Prepare: 1.0.0 has `region`, 1.1.0 has `sector` instead; each event is validated against one version alone
    const type = 'tax.company.reshaped';
    const register = (version: string, field: string) =>
      registerContract({ registry: test.registry, validator, now: clockAt(NOW) }, filing, {
        type,
        version,
        description: type,
        sharing: 'open',
        schema: { type: 'object', properties: { [field]: { type: 'string' } }, additionalProperties: false },
      });
    await register('1.0.0', 'region');
    await register('1.1.0', 'sector');
    const { bus, ports, ruleNames } = await setUp();
    const before = await tableSnapshot(test);
    // Act
    const error = await caught(() =>
      createSubscription(ports, grants, {
        type,
        endpoint: { url: HOOK },
        filter: { region: ['east'], sector: ['mining'] },
      }),
    );
    const afterRefusal = { table: await tableSnapshot(test), rules: await ruleNames() };
    // Assess: refused, naming the field the newest version lacks; and no event of the major could have matched
    expect(error).toMatchObject({
      status: 400,
      code: 'invalid_filter',
      fields: [
        { field: '/filter/region', message: "no version 1.x allows this field with the filter's others" },
      ],
    });
    expect(error.message).toBe(
      'The filter needs fields that no one version 1.x of tax.company.reshaped allows together (1.1.0, the newest, has no data.region): each event is of one version, so it would never match.',
    );
    expect(afterRefusal).toEqual({ table: before, rules: [] });
    const publish = { bus, contracts: ports.contracts, validator, now: clockAt(NOW) };
    const both = await caught(() =>
      publishEvents(publish, filing, { type, version: '1.1.0', data: { region: 'east', sector: 'mining' } }),
    );
    expect(both).toMatchObject({ status: 422, code: 'invalid_data' });
  });

  it('refuses a filter on a __proto__ field as on any field no version allows, not dropping it', async () => {
    // Prepare: JSON.parse makes `__proto__` an own key, as a request body does
    const { ports, ruleNames } = await setUp();
    const before = await tableSnapshot(test);
    const filters = ['{"__proto__":["never"],"size":[{"numeric":[">",10]}]}', '{"__proto__":["never"]}'];
    // Act
    const errors = [];
    for (const filter of filters) {
      errors.push(
        await caught(() =>
          createSubscription(ports, grants, {
            type: 'tax.company.closed',
            version: '1.0.0',
            endpoint: { url: HOOK },
            filter: JSON.parse(filter),
          }),
        ),
      );
    }
    // Assess
    for (const error of errors) {
      expect(error).toMatchObject({
        status: 400,
        code: 'invalid_filter',
        fields: [{ field: '/filter/__proto__', message: 'no version 1.x allows this field' }],
      });
    }
    expect({ table: await tableSnapshot(test), rules: await ruleNames() }).toEqual({
      table: before,
      rules: [],
    });
  });

  it('refuses the admin key, which has no endpoint of its own, writing nothing', async () => {
    // Prepare
    const { ports, ruleNames } = await setUp();
    const before = await tableSnapshot(test);
    // Act
    const error = await caught(() =>
      createSubscription(ports, admin, { type: TYPE, endpoint: { url: HOOK } }),
    );
    // Assess
    expect(error).toMatchObject({ status: 403, code: 'forbidden' });
    expect({ table: await tableSnapshot(test), rules: await ruleNames() }).toEqual({
      table: before,
      rules: [],
    });
  });
});

describe('listSubscriptions and deleteSubscription', () => {
  it('shows a system its own department’s subscriptions and the admin all of them', async () => {
    // Prepare
    const { ports } = await setUp();
    const mine = await createSubscription(ports, grants, { type: TYPE, endpoint: { url: HOOK } });
    const theirs = await createSubscription(ports, benefits, { type: TYPE, endpoint: { url: HOOK } });
    // Act
    const forGrants = await listSubscriptions(ports, grants);
    const forAdmin = await listSubscriptions(ports, admin);
    // Assess
    expect(forGrants.subscriptions.map((s) => s.department)).not.toContain('welfare');
    expect(forGrants.subscriptions.map((s) => s.id)).toContain(mine.id);
    expect(forAdmin.subscriptions.map((s) => s.id)).toEqual(expect.arrayContaining([mine.id, theirs.id]));
    expect(forAdmin).not.toHaveProperty('nextToken');
  });

  it('pages a long listing with nextToken, each subscription once, and refuses a token given to another caller', async () => {
    // Prepare: pages of 800 bytes hold two subscriptions; before, one answer held them all, and 1,500
    // subscriptions with long URLs and filters made a 6.4 MB answer, past Lambda's 6 MB: a bare 500.
    const { ports } = await setUp();
    const made: string[] = [];
    for (let i = 0; i < 7; i++) {
      const caller = i % 2 === 0 ? grants : benefits;
      made.push(
        (await createSubscription(ports, caller, { type: TYPE, endpoint: { url: `${HOOK}/${i}` } })).id,
      );
    }
    const forged = (after: unknown, scope: string | null) =>
      Buffer.from(JSON.stringify({ scope, after })).toString('base64url');
    const walk = async (caller: Principal) => {
      const pages = [await listSubscriptions(ports, caller, undefined, 800)];
      for (let token = pages[0]?.nextToken; token !== undefined; token = pages.at(-1)?.nextToken) {
        pages.push(await listSubscriptions(ports, caller, token, 800));
      }
      return pages;
    };
    // Act
    const adminPages = await walk(admin);
    const grantsPages = await walk(grants);
    const grantsToken = grantsPages[0]?.nextToken ?? '';
    const refusals = await Promise.all([
      caught(() => listSubscriptions(ports, admin, grantsToken)),
      caught(() => listSubscriptions(ports, benefits, grantsToken)),
      caught(() => listSubscriptions(ports, grants, 'not-a-token')),
      // The real token with characters Buffer's base64url would skip, and tokens no listing gives
      caught(() => listSubscriptions(ports, grants, `${grantsToken}!!!!`)),
      caught(() =>
        listSubscriptions(ports, grants, forged({ departmentId: 'welfare', id: made[1] }, 'housing')),
      ),
      caught(() => listSubscriptions(ports, grants, forged({ departmentId: 'housing', id: '' }, 'housing'))),
      caught(() =>
        listSubscriptions(ports, admin, forged({ departmentId: 'x'.repeat(900), id: made[0] }, null)),
      ),
    ]);
    // Assess
    const listed = adminPages.flatMap((page) => page.subscriptions.map((s) => s.id));
    expect(adminPages.length).toBeGreaterThan(2);
    // The table also holds the subscriptions of the tests before: each listed once, these seven among them.
    expect(new Set(listed).size).toBe(listed.length);
    expect(listed).toEqual(expect.arrayContaining(made));
    const forGrants = grantsPages.flatMap((page) => page.subscriptions);
    expect(new Set(forGrants.map((s) => s.department))).toEqual(new Set(['housing']));
    expect(forGrants.map((s) => s.id)).toEqual(expect.arrayContaining(made.filter((_, i) => i % 2 === 0)));
    expect(grantsPages.length).toBeGreaterThan(1);
    expect(adminPages.at(-1)).not.toHaveProperty('nextToken');
    for (const refusal of refusals) {
      expect(refusal).toMatchObject({
        status: 400,
        code: 'invalid_next_token',
        fields: [{ field: 'nextToken', message: expect.any(String) }],
      });
    }
  });

  it('fills a page to exactly its size in bytes: views taking all of it are one page, one byte less makes two', async () => {
    // Prepare: a department of its own, whose listing holds these two subscriptions only
    const { ports } = await setUp();
    const gardens = (await onboard(test.registry, 'parks', ['gardens'])).principals.gardens!;
    const made = [];
    for (const i of [1, 2]) {
      made.push(await createSubscription(ports, gardens, { type: TYPE, endpoint: { url: `${HOOK}/${i}` } }));
    }
    const views = made.map(subscriptionView).sort((a, b) => (a.id < b.id ? -1 : 1));
    const bytes = views.reduce((sum, view) => sum + Buffer.byteLength(JSON.stringify(view)), 0);
    // Act
    const exact = await listSubscriptions(ports, gardens, undefined, bytes);
    const short = await listSubscriptions(ports, gardens, undefined, bytes - 1);
    // Assess
    expect(exact).toEqual({ subscriptions: views });
    expect(short).toEqual({ subscriptions: views.slice(0, 1), nextToken: expect.any(String) });
  });

  it('answers 404 to another department and leaves the subscription and its rule in place', async () => {
    // Prepare
    const { ports, ruleNames } = await setUp();
    const subscription = await createSubscription(ports, grants, { type: TYPE, endpoint: { url: HOOK } });
    const before = await tableSnapshot(test);
    // Act
    const error = await caught(() => deleteSubscription(ports, benefits, subscription.id));
    // Assess
    expect(error).toMatchObject({ status: 404, code: 'subscription_not_found' });
    expect(await tableSnapshot(test)).toEqual(before);
    expect(await ruleNames()).toEqual([subscription.ruleName]);
  });

  it('answers 404 for an id that does not exist', async () => {
    // Prepare
    const { ports } = await setUp();
    // Act
    const error = await caught(() => deleteSubscription(ports, grants, 'no-such-subscription'));
    // Assess
    expect(error).toMatchObject({ status: 404, code: 'subscription_not_found' });
  });

  it.each([
    { who: 'its own department', principal: () => grants },
    { who: 'the admin', principal: () => admin },
  ])('lets $who remove the subscription, its rule and audit the removal', async ({ principal }) => {
    // Prepare
    const { ports, ruleNames } = await setUp();
    const subscription = await createSubscription(ports, grants, { type: TYPE, endpoint: { url: HOOK } });
    // Act
    await deleteSubscription(ports, principal(), subscription.id);
    // Assess
    expect(await test.registry.getSubscription(subscription.id)).toBeUndefined();
    expect(await ruleNames()).toEqual([]);
    const audit = (await test.registry.listAudit()).find(
      (e) => e.target === `subscription:${subscription.id}` && e.action === 'subscription.deleted',
    );
    expect(audit?.actor).toEqual(principal());
  });

  it('leaves a delete that failed part way for a repeated DELETE to finish, not a 404 over an orphaned rule', async () => {
    // Prepare
    const failure = new RegistryConflictError('simulated write failure', 'subscription:x');
    let failNext = true;
    class FailingRegistry extends DynamoDbRegistry {
      override async deleteSubscription(subscription: Subscription, audit: AuditEntry): Promise<boolean> {
        if (failNext) {
          failNext = false;
          throw failure;
        }
        return super.deleteSubscription(subscription, audit);
      }
    }
    const registry = new FailingRegistry({ client: test.documentClient, tableName: test.tableName });
    const { ports, ruleNames } = await setUp({ registry });
    const subscription = await createSubscription(ports, grants, { type: TYPE, endpoint: { url: HOOK } });
    // Act
    const first = await caught(() => deleteSubscription(ports, grants, subscription.id));
    const afterFirst = { record: await registry.getSubscription(subscription.id), rules: await ruleNames() };
    await deleteSubscription(ports, grants, subscription.id);
    // Assess
    expect(first).toBe(failure);
    expect(afterFirst.record?.id).toBe(subscription.id);
    expect(afterFirst.rules).toEqual([]);
    expect(await registry.getSubscription(subscription.id)).toBeUndefined();
  });
});

describe('reconcileRules', () => {
  /** A registry of the test's own, so that reconcile sees its subscriptions alone: tax's filing, with TYPE open. */
  async function registryOfItsOwn() {
    const own = await freshRegistry();
    const owner = (await onboard(own.registry, 'tax', ['filing'])).principals.filing!;
    await registerContract({ registry: own.registry, validator, now: clockAt(NOW) }, owner, {
      type: TYPE,
      version: '1.0.0',
      description: TYPE,
      sharing: 'open',
      schema,
    });
    return { own, owner };
  }

  // Diff review, 2026-12-05: with rules put 16 at once, a failure was thrown at once, and the others went on putting
  // rules after the runtime's start had given up and stopped the bus.
  it('throws the first failure only once the puts under way have ended, and starts none after it', async () => {
    // Prepare: 40 subscriptions in a registry of their own; the bus fails the 4th put and counts those running.
    const { own, owner } = await registryOfItsOwn();
    const { busName, ports: plain } = await setUp({ registry: own.registry });
    for (let i = 0; i < 40; i++) {
      await createSubscription(plain, owner, { type: TYPE, endpoint: { url: `${HOOK}/${i}` } });
    }
    let started = 0;
    let running = 0;
    class FailingFourthBus extends EventBridgeBus {
      override async putSubscriptionRule(rule: SubscriptionRule): Promise<void> {
        started++;
        if (started === 4) throw new Error('the 4th put fails');
        running++;
        try {
          await super.putSubscriptionRule(rule);
        } finally {
          running--;
        }
      }
    }
    const bus = new FailingFourthBus({ client: harness.client, busName, deliverFunctionArn: LAMBDA_ARN });
    // Act
    const error = await caught(() => reconcileRules({ ...plain, bus }));
    const whenThrown = { started, running };
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Assess: at most the 16 first taken were put; nothing was running when it threw, and nothing started since.
    expect(error.message).toBe('the 4th put fails');
    expect(whenThrown.running).toBe(0);
    expect(whenThrown.started).toBeLessThanOrEqual(16);
    expect(started).toBe(whenThrown.started);
  });

  // Design-fit review, 2026-12-06: a status a later version wrote (awaiting approval, say) made the registry throw,
  // so after a rollback the local start failed; read now, such a subscription must not be given a rule either.
  it('gives a rule only to active subscriptions, and removes the rule of one whose status it does not know', async () => {
    // Prepare: two subscriptions with their rules, then one set to a status a later version would write
    const { own, owner } = await registryOfItsOwn();
    const { ports, ruleNames } = await setUp({ registry: own.registry });
    const active = await createSubscription(ports, owner, {
      type: TYPE,
      endpoint: { url: `${HOOK}/active` },
    });
    const pending = await createSubscription(ports, owner, {
      type: TYPE,
      endpoint: { url: `${HOOK}/pending` },
    });
    await own.documentClient.send(
      new UpdateCommand({
        TableName: own.tableName,
        Key: { pk: `SUB#${pending.id}`, sk: 'SUB' },
        UpdateExpression: 'SET #status = :pending',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':pending': 'pending' },
      }),
    );
    // Act
    const result = await reconcileRules(ports);
    // Assess: the pending one is listed with its status, and has no rule
    expect(result).toEqual({ rules: 1, removed: [pending.ruleName] });
    expect(await ruleNames()).toEqual([active.ruleName]);
    const listed = await listSubscriptions(ports, owner, undefined);
    expect(listed.subscriptions.map((s) => [s.id, s.status]).sort()).toEqual(
      [
        [active.id, 'active'],
        [pending.id, 'pending'],
      ].sort(),
    );
  });

  it('removes orphaned rules before it puts any, so that a bus at its rules quota gets back the rule it lacks', async () => {
    // Prepare: a bus whose quota is 3, two subscriptions, then what a stop between a rule's change and the
    // registry's leaves: one subscription's rule gone (its deletion stopped), two rules no subscription has (their
    // creations stopped). Putting first, the missing rule was refused with RulesQuotaError at every start (race
    // review, 2026-12-07).
    const { own, owner } = await registryOfItsOwn();
    const small = await startHarness({ maxRulesPerBus: 3 });
    try {
      const busName = `bus-${randomUUID()}`;
      await small.client.send(new CreateEventBusCommand({ Name: busName }));
      const bus = new EventBridgeBus({ client: small.client, busName, deliverFunctionArn: LAMBDA_ARN });
      const ports: SubscriptionPorts = {
        registry: own.registry,
        bus,
        contracts: new ContractResolver(own.registry),
        now: clockAt(NOW),
        endpointPolicy: 'https-only',
      };
      const lost = await createSubscription(ports, owner, { type: TYPE, endpoint: { url: `${HOOK}/lost` } });
      const kept = await createSubscription(ports, owner, { type: TYPE, endpoint: { url: `${HOOK}/kept` } });
      await small.client.send(
        new RemoveTargetsCommand({ EventBusName: busName, Rule: lost.ruleName, Ids: ['deliver'] }),
      );
      await small.client.send(new DeleteRuleCommand({ EventBusName: busName, Name: lost.ruleName }));
      const orphans = ['sharebus-sub-orphan-1', 'sharebus-sub-orphan-2'];
      for (const name of orphans) {
        await small.client.send(
          new PutRuleCommand({ EventBusName: busName, Name: name, EventPattern: '{"source":["elsewhere"]}' }),
        );
      }
      // Act
      const result = await reconcileRules(ports);
      // Assess
      expect(result).toEqual({ rules: 2, removed: orphans });
      const rules = await small.client.send(new ListRulesCommand({ EventBusName: busName }));
      expect((rules.Rules ?? []).map((r) => r.Name).sort()).toEqual([kept.ruleName, lost.ruleName].sort());
    } finally {
      await small.close();
    }
  });

  it('re-creates missing rules, removes orphaned sharebus rules and leaves other rules alone', async () => {
    // Prepare
    const { own, owner: ownFiling } = await registryOfItsOwn();
    const { busName, ports, ruleNames } = await setUp({ registry: own.registry });
    const kept = await createSubscription(ports, ownFiling, { type: TYPE, endpoint: { url: HOOK } });
    const lost = await createSubscription(ports, ownFiling, {
      type: TYPE,
      filter: { companyId: ['42'] },
      endpoint: { url: HOOK },
    });
    // The embedded EventBridge forgets rules on restart: simulate it for one subscription.
    await harness.client.send(
      new RemoveTargetsCommand({ EventBusName: busName, Rule: lost.ruleName, Ids: ['deliver'] }),
    );
    await harness.client.send(new DeleteRuleCommand({ EventBusName: busName, Name: lost.ruleName }));
    const pattern = '{"source":["elsewhere"]}';
    await harness.client.send(
      new PutRuleCommand({ EventBusName: busName, Name: 'sharebus-sub-orphan', EventPattern: pattern }),
    );
    await harness.client.send(
      new PutRuleCommand({ EventBusName: busName, Name: 'archive-all', EventPattern: pattern }),
    );
    // Act
    const result = await reconcileRules(ports);
    // Assess
    expect(result).toEqual({ rules: 2, removed: ['sharebus-sub-orphan'] });
    expect((await ruleNames()).sort()).toEqual(['archive-all', kept.ruleName, lost.ruleName].sort());
    const restored = await harness.client.send(
      new DescribeRuleCommand({ EventBusName: busName, Name: lost.ruleName }),
    );
    expect(JSON.parse(restored.EventPattern ?? '').detail.data).toEqual({ companyId: ['42'] });
    const targets = await harness.client.send(
      new ListTargetsByRuleCommand({ EventBusName: busName, Rule: lost.ruleName }),
    );
    expect(targets.Targets?.map((t) => t.Arn)).toEqual([LAMBDA_ARN]);
  });
});
