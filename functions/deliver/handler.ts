// Target of every subscription rule: POSTs the CloudEvent to the subscriber. Errors are rethrown so that the
// invocation fails: Lambda's asynchronous retries (two) and the function's dead-letter queue apply, in AWS and
// locally alike, where the embedded EventBridge plays that part of Lambda (README, "The envelope").
import middy from '@middy/core';
import { DEFAULT_WEBHOOK_TIMEOUT_SECONDS } from '../routes.js';
import { createSilenceCutRegistry } from '../shared/clients.js';
import { ENV, endpointPolicyFromEnv, optionalEnv } from '../shared/config.js';
import { lambdaContextLogs, logger } from '../shared/logger.js';
import { DeliveryFailedError, deliverEvent } from './deliver-event.js';

const ports = {
  registry: createSilenceCutRegistry(),
  timeoutMs: Number(optionalEnv(ENV.deliveryTimeoutMs) ?? DEFAULT_WEBHOOK_TIMEOUT_SECONDS * 1000),
  endpointPolicy: endpointPolicyFromEnv(),
};

export const handler = middy<unknown, void>()
  .use(lambdaContextLogs())
  .handler(async (input) => {
    let outcome: Awaited<ReturnType<typeof deliverEvent>>;
    try {
      outcome = await deliverEvent(ports, input);
    } catch (error) {
      // A line of its own, keyed by the ids, for each failed attempt: in AWS the failure was otherwise only in the
      // runtime's "Invoke Error" record, the ids inside its text (observability review, session 62). INFO: the
      // runtime's record is the ERROR, the dead letter's alarm the call to act; locally, where the level is WARN, the
      // embedded EventBridge's line says it already, within its budget. Its message names the endpoint by origin.
      if (error instanceof DeliveryFailedError) {
        logger.info('delivery attempt failed', { ...error.ids, status: error.status, reason: error.message });
      }
      throw error;
    }
    // Ids only: the event's data is a department's record, often personal data, and logs are kept for months.
    const ids = { subscriptionId: outcome.subscriptionId, eventId: outcome.eventId };
    if (outcome.delivered) {
      // Which subscriptions an event reached, for the publisher's event id (observability review, session 62).
      logger.info('delivered', { ...ids, status: outcome.status });
      return;
    }
    if (outcome.reason === 'subscription_gone') {
      logger.info('dropped an event for a deleted subscription', ids);
      return;
    }
    // Not retried, nor dead-lettered: it must never reach this endpoint. An error, as something routed it wrongly.
    logger.error('refused to deliver an event of a contract the subscription was not granted', {
      ...ids,
      dataschema: outcome.dataschema,
    });
  });
