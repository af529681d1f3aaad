// POST /departments, POST /departments/{id}/systems.
import middy from '@middy/core';
import { createSilenceCutRegistry } from '../shared/clients.js';
import { httpErrors, json, parseJsonBody, principalOf, router } from '../shared/http.js';
import { lambdaContextLogs } from '../shared/logger.js';
import { createDepartment, createSystem } from './departments.js';

const ports = {
  registry: createSilenceCutRegistry(),
  now: () => new Date(),
};

export const handler = middy()
  .use(lambdaContextLogs())
  .use(httpErrors())
  .handler(
    router({
      'POST /departments': async (event) => {
        const principal = principalOf(event);
        return json(201, await createDepartment(ports, principal, parseJsonBody(event)));
      },
      'POST /departments/{id}/systems': async (event) => {
        const principal = principalOf(event);
        const departmentId = event.pathParameters?.id ?? '';
        return json(201, await createSystem(ports, principal, departmentId, parseJsonBody(event)));
      },
    }),
  );
