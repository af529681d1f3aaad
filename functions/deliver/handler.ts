// Target of every subscription rule: POSTs the CloudEvent to the subscriber. Errors are rethrown so that the
// invocation fails: Lambda's asynchronous retries (two) and the function's dead-letter queue apply, in AWS and
// locally alike, where the embedded EventBridge plays that part of Lambda (README, "The envelope").
import middy from '@middy/core';
import { DEFAULT_WEBHOOK_TIMEOUT_SECONDS } from '../routes.js';
import { createSilenceCutRegistry } from '../shared/clients.js';
import { ENV, endpointPolicyFromEnv, optionalEnv } from '../shared/config.js';
import { lambdaContextLogs, logger } from '../shared/logger.js';
import { deliverEvent } from './deliver-event.js';

const ports = {
  registry: createSilenceCutRegistry(),
  timeoutMs: Number(optionalEnv(ENV.deliveryTimeoutMs) ?? DEFAULT_WEBHOOK_TIMEOUT_SECONDS * 1000),
  endpointPolicy: endpointPolicyFromEnv(),
};

export const handler = middy<unknown, void>()
  .use(lambdaContextLogs())
  .handler(async (input) => {
    const outcome = await deliverEvent(ports, input);
    // Ids only: the event's data is a department's record, often personal data, and logs are kept for months.
    if (outcome.delivered) return;
    if (outcome.reason === 'subscription_gone') {
      logger.info('dropped an event for a deleted subscription', {
        subscriptionId: outcome.subscriptionId,
        eventId: outcome.eventId,
      });
      return;
    }
    // Not retried, nor dead-lettered: it must never reach this endpoint. An error, as something routed it wrongly.
    logger.error('refused to deliver an event of a contract the subscription was not granted', {
      subscriptionId: outcome.subscriptionId,
      eventId: outcome.eventId,
      dataschema: outcome.dataschema,
    });
  });
