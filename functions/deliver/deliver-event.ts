// Use case: hand one matched event to the subscriber's endpoint. A failed POST throws, so the invocation's
// retries and dead-letter queue take over; an event for a subscription that no longer exists is dropped.
import { lookup } from 'node:dns/promises';
import { z } from 'zod';
import { CloudEventSchema } from '../../contracts/envelope.js';
import type { EndpointPolicy } from '../shared/config.js';
import { internalHostReason } from '../shared/internal-address.js';
import type { Registry } from '../shared/registry/registry.js';

export const DeliveryInputSchema = z.object({ subscriptionId: z.string().min(1), event: CloudEventSchema });
export type DeliveryInput = z.infer<typeof DeliveryInputSchema>;

export class DeliveryFailedError extends Error {
  override name = 'DeliveryFailedError';
  constructor(
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface DeliverPorts {
  readonly registry: Registry;
  readonly fetch: typeof fetch;
  readonly timeoutMs: number;
  /**
   * `https-only` (deployed): the endpoint's name must not resolve to an internal address, checked before each
   * POST (a name can be pointed there after the subscription was made). @default 'allow-http'
   */
  readonly endpointPolicy?: EndpointPolicy;
}

export type DeliveryOutcome =
  | { readonly delivered: true; readonly status: number }
  | {
      readonly delivered: false;
      readonly reason: 'subscription_gone';
      readonly subscriptionId: string;
      readonly eventId: string;
    };

/** Throws when the endpoint's host resolves to a loopback, link-local or private address. */
async function refuseInternal(endpoint: URL, target: string): Promise<void> {
  const host = endpoint.hostname.replace(/^\[|\]$/g, '');
  let addresses: Array<{ address: string }>;
  try {
    addresses = await lookup(host, { all: true });
  } catch (error) {
    throw new DeliveryFailedError(`${target} failed: ${(error as Error).message}`, undefined, {
      cause: error,
    });
  }
  const internal = addresses.find(({ address }) => internalHostReason(address) !== undefined);
  if (internal !== undefined) {
    throw new DeliveryFailedError(
      `${target} refused: its host resolves to ${internal.address}, an internal address; a webhook must be on the internet`,
    );
  }
}

export async function deliverEvent(ports: DeliverPorts, input: unknown): Promise<DeliveryOutcome> {
  const { subscriptionId, event } = DeliveryInputSchema.parse(input);
  const subscription = await ports.registry.getSubscription(subscriptionId);
  if (!subscription) {
    return { delivered: false, reason: 'subscription_gone', subscriptionId, eventId: event.id };
  }
  // Named by origin only in errors, which reach logs and the dead-letter queue: a webhook's path and query
  // often carry its secret (`/hook?token=...`, `/services/T000/B000/XXXX`).
  const endpoint = new URL(subscription.endpoint.url);
  const target = `POST ${endpoint.origin}/… (subscription ${subscriptionId})`;
  if (ports.endpointPolicy === 'https-only') await refuseInternal(endpoint, target);
  let response: Response;
  try {
    response = await ports.fetch(subscription.endpoint.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/cloudevents+json; charset=utf-8',
        'user-agent': 'sharebus-deliver/1',
      },
      body: JSON.stringify(event),
      signal: AbortSignal.timeout(ports.timeoutMs),
      redirect: 'manual',
    });
  } catch (error) {
    throw new DeliveryFailedError(`${target} failed: ${(error as Error).message}`, undefined, {
      cause: error,
    });
  }
  await response.body?.cancel();
  if (response.status < 200 || response.status >= 300) {
    throw new DeliveryFailedError(`${target} answered ${response.status}`, response.status);
  }
  return { delivered: true, status: response.status };
}
