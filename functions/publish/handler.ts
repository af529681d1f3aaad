// POST /events: one event or a batch, answered 202 once the bus has accepted every event.
import middy from '@middy/core';
import { createBus, createSilenceCutRegistry } from '../shared/clients.js';
import { ContractResolver } from '../shared/contract-resolver.js';
import { httpErrors, json, parseJsonBody, principalOf, router } from '../shared/http.js';
import { lambdaContextLogs } from '../shared/logger.js';
import { SchemaValidator } from '../shared/schema-validator.js';
import { publishEvents } from './publish-events.js';

const ports = {
  bus: createBus(),
  contracts: new ContractResolver(createSilenceCutRegistry()),
  validator: new SchemaValidator(),
  now: () => new Date(),
};

export const handler = middy()
  .use(lambdaContextLogs())
  .use(httpErrors())
  .handler(
    router({
      'POST /events': async (event, context) => {
        const principal = principalOf(event);
        // The bus gets what is left of this invocation (see PublishPorts.remainingMs).
        // middy hands a handler called without a context an empty object, not undefined.
        const remaining = context?.getRemainingTimeInMillis;
        const timed =
          typeof remaining === 'function' ? { ...ports, remainingMs: () => remaining.call(context) } : ports;
        const result = await publishEvents(timed, principal, parseJsonBody(event));
        return json(202, result.batch ? { events: result.events } : result.events[0]);
      },
    }),
  );
