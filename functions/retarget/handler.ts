// The stack's SubscriptionTargets custom resource: CloudFormation calls it at each deploy that changes the delivery
// settings (its properties), and it puts every subscription's deliver target again with them (retarget.ts). The
// settings come from the request's properties, not from the environment, so that a rollback, which sends the old
// properties, puts the old settings back. Delete does nothing: the rules are the subscriptions', and go with them.
// Not behind the API; the local runtime needs no such step, since every start puts all rules and targets again.
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { DELIVERY_RETRY_BOUNDS } from '../routes.js';
import { EventBridgeBus } from '../shared/bus.js';
import { createRegistry, createRetargetClient } from '../shared/clients.js';
import { lambdaContextLogs, logger } from '../shared/logger.js';
import { type CustomResourceAnswer, CustomResourceRequest, sendAnswer } from './custom-resource.js';
import { describeRetarget, retargetComplete, retargetSubscriptions } from './retarget.js';

const { maxRetries, maxEventAgeSeconds } = DELIVERY_RETRY_BOUNDS;

/** The properties the stack gives the resource. CloudFormation hands every number over as a string. */
export const DeliverySettings = z.object({
  BusName: z.string().min(1),
  DeliverFunctionArn: z.string().startsWith('arn:'),
  DeadLetterArn: z.string().startsWith('arn:').optional(),
  MaxRetries: z.coerce.number().int().min(maxRetries.min).max(maxRetries.max).optional(),
  MaxEventAgeSeconds: z.coerce
    .number()
    .int()
    .min(maxEventAgeSeconds.min)
    .max(maxEventAgeSeconds.max)
    .optional(),
});

/**
 * Time kept back from the function's timeout: a rule started just before the deadline may take its two calls (each
 * at most 4 attempts of 5 s, with a throttled call's backoff: under 30 s), and the answer its attempts (3 of 5 s, with
 * backoff: 18 s).
 */
export const ANSWER_MARGIN_MS = 90_000;

/** Each attempt of a DynamoDB or EventBridge call is cut after this: a hung connection is tried again, not waited on. */
const ATTEMPT_TIMEOUT_MS = 5_000;

const registry = createRegistry({ attemptTimeoutMs: ATTEMPT_TIMEOUT_MS });
const client = createRetargetClient(ATTEMPT_TIMEOUT_MS);

export const handler = middy<unknown, void>()
  .use(lambdaContextLogs())
  .handler(async (event, context: Context) => {
    const parsed = CustomResourceRequest.safeParse(event);
    if (!parsed.success) {
      // Nowhere to answer: fail the invocation, so that it shows in the function's errors.
      logger.error('not a CloudFormation custom resource request', { issues: parsed.error.issues });
      throw new Error(`not a CloudFormation custom resource request: ${z.prettifyError(parsed.error)}`);
    }
    const request = parsed.data;
    const answer = await answerFor(request, context);
    logger.info('answering CloudFormation', { requestType: request.RequestType, status: answer.Status });
    await sendAnswer(request, answer);
  });

async function answerFor(request: CustomResourceRequest, context: Context): Promise<CustomResourceAnswer> {
  const PhysicalResourceId =
    request.PhysicalResourceId ?? `${request.LogicalResourceId}-subscription-targets`;
  if (request.RequestType === 'Delete') return { Status: 'SUCCESS', PhysicalResourceId };
  const settings = DeliverySettings.safeParse(request.ResourceProperties);
  if (!settings.success) {
    return {
      Status: 'FAILED',
      Reason: `invalid properties: ${z.prettifyError(settings.error)}`,
      PhysicalResourceId,
    };
  }
  const { BusName, DeliverFunctionArn, DeadLetterArn, MaxRetries, MaxEventAgeSeconds } = settings.data;
  const before = request.OldResourceProperties?.BusName;
  const renamedFrom = typeof before === 'string' && before !== BusName ? before : undefined;
  const bus = new EventBridgeBus({
    client,
    busName: BusName,
    deliverFunctionArn: DeliverFunctionArn,
    ...(DeadLetterArn === undefined ? {} : { deadLetterArn: DeadLetterArn }),
    ...(MaxRetries === undefined ? {} : { maxRetries: MaxRetries }),
    ...(MaxEventAgeSeconds === undefined ? {} : { maxEventAgeSeconds: MaxEventAgeSeconds }),
  });
  try {
    const summary = await retargetSubscriptions({
      registry,
      bus,
      deadline: performance.now() + context.getRemainingTimeInMillis() - ANSWER_MARGIN_MS,
    });
    const reason = describeRetarget(summary);
    if (summary.missing.length > 0) {
      // A subscription without its rule or target receives nothing: someone must look.
      logger.warn('subscriptions without their rule or deliver target', { subscriptionIds: summary.missing });
    }
    // A new bus name makes a new bus: the subscriptions' rules stay on the old one, where nothing is published any
    // more, and the archive goes with it. Refused when no rule is on the new bus, so that CloudFormation rolls back
    // (infra review, 2026-12-05: every subscription was counted missing and the deploy succeeded). Not refused by
    // the name alone: the rollback's own Update also changes the name (back), and finds the rules.
    if (
      renamedFrom !== undefined &&
      summary.subscriptions > 0 &&
      summary.missing.length === summary.subscriptions
    ) {
      return {
        Status: 'FAILED',
        Reason: `the bus cannot be renamed from ${renamedFrom} to ${BusName}: none of the ${summary.subscriptions} subscriptions has its rule on ${BusName} (they are on ${renamedFrom}, and so is the archive). Set busName back to ${renamedFrom}; a bus name is fixed once deployed.`,
        PhysicalResourceId,
      };
    }
    if (!retargetComplete(summary)) {
      logger.error('could not put every subscription target again', { failed: summary.failed });
      return { Status: 'FAILED', Reason: reason, PhysicalResourceId };
    }
    logger.info(reason);
    return {
      Status: 'SUCCESS',
      Reason: reason,
      PhysicalResourceId,
      Data: {
        Subscriptions: summary.subscriptions,
        Updated: summary.updated,
        Unchanged: summary.unchanged,
        Missing: summary.missing.length,
      },
    };
  } catch (error) {
    logger.error('could not list the subscriptions', { error });
    return {
      Status: 'FAILED',
      Reason: `could not list the subscriptions: ${(error as Error).name}: ${(error as Error).message}`,
      PhysicalResourceId,
    };
  }
}
