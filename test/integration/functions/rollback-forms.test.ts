// Rollback review, 2026-12-06: forms a later version plausibly writes, read by this version after a rollback. Each
// test fails on the code before the review (failing open, or failing the whole listing); docs/registry.md.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { buildEnvelope } from '../../../contracts/envelope.js';
import { DeliveryFailedError, deliverEvent } from '../../../functions/deliver/deliver-event.js';
import { ContractResolver } from '../../../functions/shared/contract-resolver.js';
import { reconcileRules } from '../../../functions/subscriptions/subscriptions.js';
import { audit, contract, department, subscription } from '../registry/harness.js';
import { caught, closeClients, freshRegistry, RecordingBus, type TestRegistry } from './harness.js';

let test: TestRegistry;
let server: Server;
let baseUrl = '';
const received: string[] = [];

const event = buildEnvelope({
  id: 'evt-1',
  source: 'tax',
  type: 'tax.company.registered',
  version: '1.0.0',
  time: '2025-01-01T00:00:00.000Z',
  data: { companyId: '42', ssn: '010101-1234' },
});

beforeAll(async () => {
  test = await freshRegistry();
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
beforeEach(() => {
  received.length = 0;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  closeClients();
});

describe('subscription items a later version writes', () => {
  it('delivers nothing to a subscription requiring what it lacks (a projection), and gives it no rule', async () => {
    // Prepare: the contract too, in a registry of its own, so that reconcile could put the rule (it threw before, and
    // the catch made the rule's absence prove nothing)
    const own = await freshRegistry();
    await own.registry.createDepartment(department('tax'), audit());
    await own.registry.putContractVersion(contract(event.type, '1.0.0'), audit());
    await own.registry.createSubscription(
      subscription('sub-proj', 'housing', { type: event.type, endpoint: { url: `${baseUrl}/hook` } }),
      audit(),
    );
    // As the projection version might store it: only companyId may leave the bus for this subscriber.
    await own.documentClient.send(
      new UpdateCommand({
        TableName: own.tableName,
        Key: { pk: 'SUB#sub-proj', sk: 'SUB' },
        UpdateExpression: 'SET projectionJson = :p, #requires = :r',
        ExpressionAttributeNames: { '#requires': 'requires' },
        ExpressionAttributeValues: {
          ':p': JSON.stringify({ fields: ['/companyId'] }),
          ':r': new Set(['projection']),
        },
      }),
    );
    // Act
    const error = await caught(() =>
      deliverEvent({ registry: own.registry, timeoutMs: 2_000 }, { subscriptionId: 'sub-proj', event }),
    );
    const bus = new RecordingBus();
    await reconcileRules({
      registry: own.registry,
      bus,
      contracts: new ContractResolver(own.registry),
    });
    // Assess
    expect(error).toBeInstanceOf(DeliveryFailedError);
    expect(error.message).toBe(
      'subscription sub-proj requires ["projection"], which this version does not support',
    );
    expect(received).toEqual([]);
    expect(bus.rules.has('sub-sub-proj')).toBe(false);
  });

  it('delivers nothing to a subscription whose requirement is stored as a map, reading it as one it cannot meet', async () => {
    // Prepare: `requires` written as a map by a later version (a requirement with its settings)
    await test.registry.createSubscription(
      subscription('sub-map', 'housing', { type: event.type, endpoint: { url: `${baseUrl}/map` } }),
      audit(),
    );
    await test.documentClient.send(
      new UpdateCommand({
        TableName: test.tableName,
        Key: { pk: 'SUB#sub-map', sk: 'SUB' },
        UpdateExpression: 'SET #requires = :r',
        ExpressionAttributeNames: { '#requires': 'requires' },
        ExpressionAttributeValues: { ':r': { signing: 'hmac-sha256' } },
      }),
    );
    // Act
    const error = await caught(() =>
      deliverEvent({ registry: test.registry, timeoutMs: 2_000 }, { subscriptionId: 'sub-map', event }),
    );
    // Assess
    expect(error).toBeInstanceOf(DeliveryFailedError);
    expect(error.message).toBe(
      'subscription sub-map requires ["{\\"signing\\":\\"hmac-sha256\\"}"], which this version does not support',
    );
    expect(received).toEqual([]);
  });

  it('refuses a deliver input with a member it does not know (a projection), rather than strip it', async () => {
    // Prepare
    await test.registry.createSubscription(
      subscription('sub-in', 'housing', { type: event.type, endpoint: { url: `${baseUrl}/in` } }),
      audit(),
    );
    // Act
    const error = await caught(() =>
      deliverEvent(
        { registry: test.registry, timeoutMs: 2_000 },
        {
          subscriptionId: 'sub-in',
          event,
          projection: ['/companyId'],
        },
      ),
    );
    // Assess
    expect(error.name).toBe('ZodError');
    expect(received).toEqual([]);
  });

  it('leaves a subscription it cannot read (no systemId: made by a console user) out of lists (so of the rules reconcile puts), and fails to read it by id (so to deliver to it)', async () => {
    // Prepare
    const own = await freshRegistry();
    await own.registry.createSubscription(subscription('s1', 'health'), audit());
    await own.documentClient.send(
      new PutCommand({
        TableName: own.tableName,
        Item: {
          pk: 'SUB#s2',
          sk: 'SUB',
          gsi1pk: 'SUBS',
          gsi1sk: 'health#s2',
          entity: 'subscription',
          id: 's2',
          type: 'tax.registration.completed',
          major: 1,
          version: '1.0.0',
          endpoint: { url: 'https://example.org/hooks/s2' },
          departmentId: 'health',
          createdBy: { kind: 'user', userId: 'alice' },
          ruleName: 'sub-s2',
          status: 'active',
          createdAt: '2025-01-04T00:00:00.000Z',
        },
      }),
    );
    // Act
    const all = await own.registry.listSubscriptions('health');
    const page = await own.registry.listSubscriptions(undefined, { after: undefined, limit: 1 });
    const read = await caught(() => own.registry.getSubscription('s2'));
    // Assess
    expect(all.map((s) => s.id)).toEqual(['s1']);
    expect(page.map((s) => s.id)).toEqual(['s1']);
    expect(read.name).toBe('RegistryItemError');
  });

  it('leaves another entity of the SUBS collection (an approval request) out, counting it in no page', async () => {
    // Prepare
    const own = await freshRegistry();
    await own.registry.createSubscription(subscription('s1', 'health'), audit());
    await own.documentClient.send(
      new PutCommand({
        TableName: own.tableName,
        Item: {
          pk: 'SUBREQ#r1',
          sk: 'SUBREQ',
          gsi1pk: 'SUBS',
          gsi1sk: 'health#a0',
          entity: 'subscriptionRequest',
          // Every member a subscription has, as a request for one may well carry: only its entity tells it apart
          // (mutation review, 2026-12-07: without them, dropping the entity check passed every test).
          id: 'a0',
          type: 'tax.registration.completed',
          major: 1,
          version: '1.0.0',
          endpoint: { url: 'https://example.org/hooks/a0' },
          departmentId: 'health',
          systemId: 'clinic',
          ruleName: 'sharebus-sub-a0',
          status: 'active',
          createdAt: '2025-01-04T00:00:00.000Z',
        },
      }),
    );
    // Act
    const all = await own.registry.listSubscriptions('health');
    const page = await own.registry.listSubscriptions('health', { after: undefined, limit: 1 });
    // Assess: a page of one is s1, not a short page that would end the listing
    expect(all.map((s) => s.id)).toEqual(['s1']);
    expect(page.map((s) => s.id)).toEqual(['s1']);
  });
});

describe('contract items a later version writes', () => {
  it('reads a sharing level it does not know as stored, in the catalogue, the type and reconcile', async () => {
    // Prepare
    const own = await freshRegistry();
    await own.registry.createDepartment(department('tax'), audit());
    await own.registry.putContractVersion(contract('tax.a', '1.0.0'), audit());
    await own.registry.putContractVersion(contract('tax.b', '1.0.0'), audit());
    await own.documentClient.send(
      new UpdateCommand({
        TableName: own.tableName,
        Key: { pk: 'CONTRACT#tax.b', sk: 'VERSION#0000000001.0000000000.0000000000' },
        UpdateExpression: 'SET sharing = :s',
        ExpressionAttributeValues: { ':s': 'internal' },
      }),
    );
    // A subscription to it, made by the later version: reconcile threw on it, so the local start failed
    await own.registry.createSubscription(
      subscription('s1', 'health', { type: 'tax.b', version: '1.0.0' }),
      audit(),
    );
    const bus = new RecordingBus();
    // Act
    const catalogue = await own.registry.listContracts();
    const latest = await own.registry.latestContractVersion('tax.b');
    await reconcileRules({ registry: own.registry, bus, contracts: new ContractResolver(own.registry) });
    // Assess
    expect(catalogue.map((c) => [c.type, c.sharing])).toEqual([
      ['tax.a', 'open'],
      ['tax.b', 'internal'],
    ]);
    expect(latest?.sharing).toBe('internal');
    expect([...bus.rules.keys()]).toEqual(['sub-s1']);
  });
});
