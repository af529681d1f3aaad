// POST /subscriptions, GET /subscriptions, DELETE /subscriptions/{id}.
import middy from '@middy/core';
import { createBus, createSilenceCutRegistry } from '../shared/clients.js';
import { endpointPolicyFromEnv } from '../shared/config.js';
import { ContractResolver } from '../shared/contract-resolver.js';
import { httpErrors, json, noContent, parseJsonBody, principalOf, router } from '../shared/http.js';
import { lambdaContextLogs } from '../shared/logger.js';
import {
  createSubscription,
  deleteSubscription,
  listSubscriptions,
  subscriptionView,
} from './subscriptions.js';

const registry = createSilenceCutRegistry();
const ports = {
  registry,
  bus: createBus(),
  contracts: new ContractResolver(registry),
  now: () => new Date(),
  endpointPolicy: endpointPolicyFromEnv(),
};

export const handler = middy()
  .use(lambdaContextLogs())
  .use(httpErrors())
  .handler(
    router({
      'POST /subscriptions': async (event) => {
        const principal = principalOf(event);
        return json(201, subscriptionView(await createSubscription(ports, principal, parseJsonBody(event))));
      },
      'GET /subscriptions': async (event) => {
        const principal = principalOf(event);
        return json(200, await listSubscriptions(ports, principal, event.queryStringParameters?.nextToken));
      },
      'DELETE /subscriptions/{id}': async (event) => {
        const principal = principalOf(event);
        await deleteSubscription(ports, principal, event.pathParameters?.id ?? '');
        return noContent();
      },
    }),
  );
