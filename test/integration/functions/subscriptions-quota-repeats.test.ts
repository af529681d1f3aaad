// Repeats of one subscription at the bus's rules quota: a repeat must hear 409 subscription_exists, not 503
// rules_quota_reached, when its twin took the last place while the repeat waited to try again (race review of
// concurrent requests, session 61: two copies each of two subscriptions, sent at once with two places left,
// answered one copy 503 in most rounds).
import { randomUUID } from 'node:crypto';
import {
  CreateEventBusCommand,
  DeleteRuleCommand,
  ListRulesCommand,
  PutRuleCommand,
} from '@aws-sdk/client-eventbridge';
import { registerContract } from '../../../functions/contracts/contracts.js';
import { EventBridgeBus } from '../../../functions/shared/bus.js';
import { ContractResolver } from '../../../functions/shared/contract-resolver.js';
import { DynamoDbRegistry } from '../../../functions/shared/registry/dynamodb-registry.js';
import type { Principal, Subscription } from '../../../functions/shared/registry/registry.js';
import { SchemaValidator } from '../../../functions/shared/schema-validator.js';
import {
  createSubscription,
  type SubscriptionPorts,
} from '../../../functions/subscriptions/subscriptions.js';
import { type Harness, LAMBDA_ARN, startHarness } from '../eventbridge/harness.js';
import { caught, clockAt, closeClients, freshRegistry, onboard, type TestRegistry } from './harness.js';

const TYPE = 'tax.company.registered';
const NOW = '2025-06-07T08:09:10.000Z';
const schema = { type: 'object', properties: { companyId: { type: 'string' } } };

let test: TestRegistry;
let harness: Harness;
let filing: Principal;
let grants: Principal;

beforeAll(async () => {
  test = await freshRegistry();
  harness = await startHarness();
  filing = (await onboard(test.registry, 'tax', ['filing'])).principals.filing!;
  grants = (await onboard(test.registry, 'housing', ['grants'])).principals.grants!;
  await registerContract(
    { registry: test.registry, validator: new SchemaValidator(), now: clockAt(NOW) },
    filing,
    {
      type: TYPE,
      version: '1.0.0',
      description: TYPE,
      sharing: 'open',
      schema,
    },
  );
});
afterAll(async () => {
  await harness.close();
  closeClients();
});

function portsOf(busName: string, registry: DynamoDbRegistry): SubscriptionPorts {
  return {
    registry,
    bus: new EventBridgeBus({
      client: harness.client,
      busName,
      deliverFunctionArn: LAMBDA_ARN,
      backoffBaseMs: 1,
    }),
    contracts: new ContractResolver(registry),
    now: clockAt(NOW),
    endpointPolicy: 'https-only',
  };
}

it('answers 409 to a repeat whose twin took the place freed while the repeat waited for its second try', async () => {
  // Prepare: a bus at 300 rules, the last a repeat's of another subscription (which it removes once it learns it is a
  // repeat). This request's PutRule is refused; while it looks for its twin for the last time, the place comes free
  // and its twin (the same subscription, sent at the same moment) takes it and is stored.
  const busName = `bus-${randomUUID()}`;
  await harness.client.send(new CreateEventBusCommand({ Name: busName }));
  for (let n = 0; n < 300; n++) {
    await harness.client.send(
      new PutRuleCommand({ EventBusName: busName, Name: `other-${n}`, EventPattern: '{"source":["x"]}' }),
    );
  }
  const input = { type: TYPE, endpoint: { url: `https://receiver.example.org/${randomUUID()}/hook` } };
  let checks = 0;
  let twin: Subscription | undefined;
  class RacedRegistry extends DynamoDbRegistry {
    override async findSameSubscription(subscription: Subscription): Promise<string | undefined> {
      checks++;
      const found = await super.findSameSubscription(subscription);
      // The check before the rule, then four while the quota's refusal is looked into: at the last, the twin.
      if (checks === 5) {
        await harness.client.send(new DeleteRuleCommand({ EventBusName: busName, Name: 'other-299' }));
        twin = await createSubscription(portsOf(busName, test.registry), grants, input);
      }
      return found;
    }
  }
  const raced = new RacedRegistry({ client: test.documentClient, tableName: test.tableName });
  // Act
  const error = await caught(() => createSubscription(portsOf(busName, raced), grants, input));
  // Assess
  expect(twin?.status).toBe('active');
  expect(error).toMatchObject({ status: 409, code: 'subscription_exists' });
  expect(error.message).toContain(twin!.id);
  const rules = await harness.client.send(
    new ListRulesCommand({ EventBusName: busName, NamePrefix: 'sharebus-' }),
  );
  expect(rules.Rules?.map((r) => r.Name)).toEqual([twin!.ruleName]);
});
