// Use case: hand one matched event to the subscriber's endpoint. A failed POST throws, so the invocation's
// retries and dead-letter queue take over; an event for a subscription that no longer exists is dropped.
import * as z from 'zod';
import { DeliveredCloudEventSchema, majorPrefix } from '../../contracts/envelope.js';
import type { EndpointPolicy } from '../shared/config.js';
import { internalHostReason } from '../shared/internal-address.js';
import { type Registry, whyUndeliverable } from '../shared/registry/registry.js';
import { postWebhook, RefusedAddressError, type Resolve } from './webhook-post.js';

// Strict: a member a later version adds to the target's input (a projection, say) would be stripped and the event
// delivered whole; refused, the invocation fails and the event waits in the dead-letter queue. Rules' targets are
// put again in today's form at a deploy (retarget) and a local start (reconcile), so only input already in flight,
// or dead-lettered by the later version and redriven, meets this.
export const DeliveryInputSchema = z.strictObject({
  subscriptionId: z.string().min(1),
  event: DeliveredCloudEventSchema,
});

/** Which delivery an attempt was: the subscription and the event's id. */
export interface DeliveryIds {
  readonly subscriptionId: string;
  readonly eventId: string;
}

/** A failed attempt of a delivery the input names: the invocation fails, so Lambda retries it and dead-letters it. */
export class DeliveryFailedError extends Error {
  override name = 'DeliveryFailedError';
  readonly ids: DeliveryIds;
  /** The webhook's answer, when it answered. */
  readonly status: number | undefined;
  constructor(
    message: string,
    options: { readonly ids: DeliveryIds; readonly status?: number; readonly cause?: unknown },
  ) {
    super(message, options.cause !== undefined ? { cause: options.cause } : undefined);
    this.ids = options.ids;
    this.status = options.status;
  }
}

export interface DeliverPorts {
  readonly registry: Registry;
  readonly timeoutMs: number;
  /**
   * `https-only` (deployed): no connection is made to an internal address, however the endpoint's name resolves
   * at the time of the POST (a name can be pointed there after the subscription was made). @default 'allow-http'
   */
  readonly endpointPolicy?: EndpointPolicy;
  /** How endpoint names are resolved. @default the system's resolver */
  readonly resolve?: Resolve;
}

export type DeliveryOutcome = DeliveryIds &
  (
    | { readonly delivered: true; readonly status: number }
    | { readonly delivered: false; readonly reason: 'subscription_gone' }
    | {
        readonly delivered: false;
        /** The event is not of the contract (type and major version) the subscription was granted. */
        readonly reason: 'not_subscribed_contract';
        readonly dataschema: string;
      }
  );

const isInternal = (address: string): boolean => internalHostReason(address) !== undefined;

export async function deliverEvent(ports: DeliverPorts, input: unknown): Promise<DeliveryOutcome> {
  const { subscriptionId, event } = DeliveryInputSchema.parse(input);
  const ids = { subscriptionId, eventId: event.id };
  let subscription: Awaited<ReturnType<Registry['getSubscription']>>;
  try {
    subscription = await ports.registry.getSubscription(subscriptionId);
  } catch (error) {
    // A fault or a timeout of the registry fails the attempt like a webhook's: retried, then dead-lettered, and named
    // by its delivery. Before (session 63) it left no line of the function's own, only the runtime's record.
    throw new DeliveryFailedError(
      `subscription ${subscriptionId}: the registry could not be read (${(error as Error).name}: ${(error as Error).message})`,
      { ids, cause: error },
    );
  }
  if (!subscription) {
    return { ...ids, delivered: false, reason: 'subscription_gone' };
  }
  // The subscription's rule matches only its contract's major, but whoever can put rules or start replays on the bus
  // could send this function any event under any subscription id: a subscriber then got a contract it was never
  // granted, restricted ones included (authorization review, 2026-12-05). The dataschema names type and version.
  if (!event.dataschema.startsWith(majorPrefix(subscription.type, subscription.major))) {
    return { ...ids, delivered: false, reason: 'not_subscribed_contract', dataschema: event.dataschema };
  }
  // A status a later version wrote (awaiting approval, say), or what it says a reader must know (a projection, a
  // signature), met after a rollback: this version cannot tell what the subscriber may have, so it delivers nothing,
  // and the failure keeps the event in the dead-letter queue for a redrive once that version is back, rather than
  // dropping it.
  const undeliverable = whyUndeliverable(subscription);
  if (undeliverable !== undefined) {
    throw new DeliveryFailedError(`subscription ${subscriptionId} ${undeliverable}`, { ids });
  }
  // Named by origin only in errors, which reach logs and the dead-letter queue: a webhook's path and query
  // often carry its secret (`/hook?token=...`, `/services/T000/B000/XXXX`).
  // The event's id too: a line per failed attempt, for a burst, differs in nothing else, and the dead letter to
  // redrive (GET /_local/dead-letters locally) is found by it. A publisher's id is printable ASCII without spaces;
  // one put on the bus by other means is quoted as JSON, at most 128 characters of it, so that a line break in it
  // cannot start a line of its own in a log.
  const endpoint = new URL(subscription.endpoint.url);
  const eventId = /^[\x21-\x7e]{1,128}$/.test(event.id) ? event.id : JSON.stringify(event.id.slice(0, 128));
  const target = `POST ${endpoint.origin}/… (subscription ${subscriptionId}, event ${eventId})`;
  let status: number;
  try {
    status = await postWebhook(endpoint, {
      headers: {
        'content-type': 'application/cloudevents+json; charset=utf-8',
        'user-agent': 'sharebus-deliver/1',
      },
      body: JSON.stringify(event),
      timeoutMs: ports.timeoutMs,
      ...(ports.endpointPolicy === 'https-only' ? { refuseAddress: isInternal } : {}),
      ...(ports.resolve !== undefined ? { resolve: ports.resolve } : {}),
    });
  } catch (error) {
    if (error instanceof RefusedAddressError) {
      throw new DeliveryFailedError(
        `${target} refused: its host resolves to ${error.address}, an internal address; a webhook must be on the internet`,
        { ids },
      );
    }
    throw new DeliveryFailedError(`${target} failed: ${(error as Error).message}`, { ids, cause: error });
  }
  if (status < 200 || status >= 300) {
    throw new DeliveryFailedError(`${target} answered ${status}`, { ids, status });
  }
  return { ...ids, delivered: true, status };
}
