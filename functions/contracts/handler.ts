// POST /contracts, GET /contracts, GET /contracts/{type}. API Gateway hands path parameters over decoded. Any key
// may read the catalogue: router() refuses a request without one, as it does on every authorized route.
import middy from '@middy/core';
import { createSilenceCutRegistry } from '../shared/clients.js';
import { httpErrors, json, parseJsonBody, principalOf, router } from '../shared/http.js';
import { lambdaContextLogs } from '../shared/logger.js';
import { SchemaValidator } from '../shared/schema-validator.js';
import { contractView, getContract, listContracts, registerContract } from './contracts.js';

const ports = {
  registry: createSilenceCutRegistry(),
  validator: new SchemaValidator(),
  now: () => new Date(),
};

export const handler = middy()
  .use(lambdaContextLogs())
  .use(httpErrors())
  .handler(
    router({
      'POST /contracts': async (event) => {
        const principal = principalOf(event);
        const { contract, created } = await registerContract(ports, principal, parseJsonBody(event));
        return json(created ? 201 : 200, contractView(contract));
      },
      'GET /contracts': async (event) => {
        return json(200, await listContracts(ports, event.queryStringParameters?.nextToken));
      },
      'GET /contracts/{type}': async (event) => {
        const { type = '' } = event.pathParameters ?? {};
        return json(200, await getContract(ports, type, event.queryStringParameters?.nextToken));
      },
    }),
  );
