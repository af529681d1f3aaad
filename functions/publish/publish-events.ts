// Use case: a department publishes records. Every event of a request is checked (contract, ownership,
// schema, size) before anything reaches the bus, so a rejected request puts nothing on it; accepted
// events are answered only once EventBridge has taken them.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { buildEnvelope, busSource, type CloudEvent } from '../../contracts/envelope.js';
import { ContractTypeSchema, SemverSchema } from '../../contracts/naming.js';
import { requireSystem } from '../shared/access.js';
import { type Bus, type BusEntry, entrySize } from '../shared/bus.js';
import type { ContractResolver } from '../shared/contract-resolver.js';
import {
  BusRejectedError,
  BusUnavailableError,
  ForbiddenError,
  PayloadTooLargeError,
  SharebusError,
  UnprocessableError,
} from '../shared/errors.js';
import { parseRequest } from '../shared/http.js';
import type { ContractVersion, Principal } from '../shared/registry/registry.js';
import type { SchemaValidator } from '../shared/schema-validator.js';

export interface PublishPorts {
  readonly bus: Bus;
  readonly contracts: ContractResolver;
  readonly validator: SchemaValidator;
  readonly now: () => Date;
  readonly newId?: () => string;
}

/** EventBridge's entry size limit. */
export const MAX_EVENT_BYTES = 256 * 1024;
export const MAX_BATCH = 100;

const EventInputSchema = z.strictObject({
  type: ContractTypeSchema,
  version: SemverSchema.optional(),
  data: z.unknown().refine((value) => value !== undefined, 'is required'),
  subject: z.string().min(1).max(1_024).optional(),
  correlationId: z.string().min(1).max(256).optional(),
});

const BatchSchema = z.strictObject({
  events: z
    .array(EventInputSchema)
    .min(1, 'must hold at least one event')
    .max(MAX_BATCH, `must hold at most ${MAX_BATCH} events`),
});

export type PublishBody = z.infer<typeof EventInputSchema>;

export interface PublishedEvent {
  readonly id: string;
  readonly type: string;
  readonly version: string;
}

function isBatch(body: unknown): boolean {
  return typeof body === 'object' && body !== null && !Array.isArray(body) && 'events' in body;
}

/** Publishes one event (`{type, data, ...}`) or a batch (`{events: [...]}`). */
export async function publishEvents(
  ports: PublishPorts,
  principal: Principal,
  body: unknown,
): Promise<{ batch: boolean; events: PublishedEvent[] }> {
  const caller = requireSystem(principal, 'publish events');
  const batch = isBatch(body);
  const inputs = batch ? parseRequest(BatchSchema, body).events : [parseRequest(EventInputSchema, body)];
  const newId = ports.newId ?? randomUUID;
  const now = ports.now();

  const entries: BusEntry[] = [];
  const published: PublishedEvent[] = [];
  const resolved = new Map<string, Promise<ContractVersion>>();
  /** One event's contract, checks and bus entry; throws the client error at fault. */
  const checkEvent = async (
    input: (typeof inputs)[number],
    pointer: string,
  ): Promise<{ entry: BusEntry; published: PublishedEvent }> => {
    // A batch usually repeats one type: resolve each (type, version) once per request. A refusal is not
    // shared, since it names the field of the event that asked.
    const key = `${input.type}@${input.version ?? 'latest'}`;
    let resolving = resolved.get(key);
    if (!resolving) {
      resolving = ports.contracts.resolve(input.type, input.version, pointer);
      resolved.set(key, resolving);
      resolving.catch(() => resolved.delete(key));
    }
    const contract = await resolving;
    if (contract.ownerDepartment !== caller.departmentId) {
      throw new ForbiddenError(
        'not_owner',
        `Only department ${contract.ownerDepartment} may publish ${input.type}; the caller belongs to ${caller.departmentId}.`,
        { fields: [{ field: `${pointer}/type`, message: `owned by ${contract.ownerDepartment}` }] },
      );
    }
    const problems = ports.validator.validate(
      contract.type,
      contract.version,
      contract.schema,
      input.data,
      `${pointer}/data`,
    );
    if (problems.length > 0) {
      const first = problems[0]!;
      throw new UnprocessableError(
        'invalid_data',
        `The data does not match ${contract.type} ${contract.version}: ${first.field} ${first.message}.`,
        { fields: problems },
      );
    }
    const envelope: CloudEvent = buildEnvelope({
      id: newId(),
      source: caller.departmentId,
      type: contract.type,
      version: contract.version,
      time: now,
      ...(input.subject === undefined ? {} : { subject: input.subject }),
      ...(input.correlationId === undefined ? {} : { correlationId: input.correlationId }),
      data: input.data,
    });
    const entry: BusEntry = {
      eventId: envelope.id,
      source: busSource(caller.departmentId),
      detailType: contract.type,
      detail: JSON.stringify(envelope),
      time: now,
    };
    const size = entrySize(entry);
    if (size > MAX_EVENT_BYTES) {
      throw new PayloadTooLargeError(
        'event_too_large',
        `The event is ${size} bytes on the bus, over EventBridge's limit of ${MAX_EVENT_BYTES} bytes (256 KB).`,
        {
          fields: [
            { field: `${pointer}/data`, message: `makes the event ${size} bytes (limit ${MAX_EVENT_BYTES})` },
          ],
        },
      );
    }
    return { entry, published: { id: envelope.id, type: contract.type, version: contract.version } };
  };

  // Every event is checked, so that a batch's answer names every field at fault, not the first event's only.
  const faults: SharebusError[] = [];
  for (const [index, input] of inputs.entries()) {
    const pointer = batch ? `/events/${index}` : '';
    try {
      const checked = await checkEvent(input, pointer);
      entries.push(checked.entry);
      published.push(checked.published);
    } catch (error) {
      if (!(error instanceof SharebusError) || !error.expose) throw error;
      faults.push(error);
    }
  }
  if (faults.length > 0) throw allFaults(faults);

  const result = await ports.bus.publish(entries);
  const refused = result.failed.filter((failure) => failure.permanent);
  if (refused.length > 0) {
    // Resending would be refused again: not a 503 with Retry-After, but the bus's own words for each event.
    const first = refused[0]!;
    throw new BusRejectedError(
      `The bus refused ${refused.length} of ${entries.length} events (${first.code}: ${first.message}); resending them will not help. ${result.accepted.length} were published${result.failed.length > refused.length ? `, ${result.failed.length - refused.length} may be resent` : ''}.`,
      { extensions: { accepted: result.accepted, failed: result.failed } },
    );
  }
  if (result.failed.length > 0) {
    throw new BusUnavailableError(
      `The bus did not accept ${result.failed.length} of ${entries.length} events after retries; resend the failed ones.`,
      { extensions: { accepted: result.accepted, failed: result.failed } },
    );
  }
  return { batch, events: published };
}

/**
 * The answer for a request whose events are at fault: the first fault's status, code and words, and every
 * fault's fields.
 */
function allFaults(faults: readonly SharebusError[]): SharebusError {
  const first = faults[0]!;
  if (faults.length === 1) return first;
  return new SharebusError(
    first.status,
    first.code,
    `${first.message} ${faults.length} events of the batch are at fault; errors names the fields.`,
    { fields: faults.flatMap((fault) => fault.fields), extensions: first.extensions },
  );
}
