// Use case: a department publishes records. Every event of a request is checked (contract, ownership,
// size, schema) before anything reaches the bus, so a rejected request puts nothing on it; accepted
// events are answered only once EventBridge has taken them.
import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import {
  buildEnvelope,
  busSource,
  CLOUDEVENTS_STRING,
  CLOUDEVENTS_STRING_FAULT,
  type CloudEvent,
} from '../../contracts/envelope.js';
import { ContractTypeSchema, SemverSchema } from '../../contracts/naming.js';
import { requireSystem } from '../shared/access.js';
import { type Bus, type BusEntry, entrySize } from '../shared/bus.js';
import type { ContractResolver } from '../shared/contract-resolver.js';
import {
  BusRejectedError,
  BusUnavailableError,
  type FieldProblem,
  ForbiddenError,
  PayloadTooLargeError,
  SharebusError,
  UnprocessableError,
} from '../shared/errors.js';
import { invalidRequest, parseRequest } from '../shared/http.js';
import { logger } from '../shared/logger.js';
import type { ContractVersion, Principal } from '../shared/registry/registry.js';
import { type SchemaValidator, ValidationTimeoutError } from '../shared/schema-validator.js';

export interface PublishPorts {
  readonly bus: Bus;
  readonly contracts: ContractResolver;
  readonly validator: SchemaValidator;
  readonly now: () => Date;
  readonly newId?: () => string;
  /** The invocation's remaining time (Lambda's context.getRemainingTimeInMillis); unset, the bus's own deadline. */
  readonly remainingMs?: () => number;
}

/**
 * Kept back from the invocation's remaining time when the bus's deadline is set: the answer's own making and middy's
 * early timeout (5 ms). Past the function's timeout, middy answers a generic 500 while PutEvents may still be on its
 * way, and the caller learns nothing of which events were published.
 */
export const PUBLISH_ANSWER_MARGIN_MS = 500;
/** Less time than this left for EventBridge: nothing is sent, and the caller is told to resend (nothing published). */
export const MIN_PUBLISH_DEADLINE_MS = 250;

/**
 * The largest event sharebus puts on the bus: EventBridge's entry limit until AWS raised it to 1 MB on
 * 2026-01-29 (AWS Compute Blog, "More room to build"), kept so that every event fits the embedded EventBridge's
 * default and the subscribers' webhooks stay what they were promised.
 */
export const MAX_EVENT_BYTES = 256 * 1024;
export const MAX_BATCH = 100;

const EventInputSchema = z.strictObject({
  type: ContractTypeSchema,
  version: SemverSchema.optional(),
  // The publisher's own event id, so that an event resent after a lost answer or a 503 reaches subscribers under
  // the id it first went out with, and they can drop the second. Printable ASCII: it is often shown and logged.
  id: z
    .string()
    .regex(/^[\x21-\x7e]{1,128}$/, 'must be 1 to 128 printable ASCII characters, without spaces')
    .optional(),
  data: z.unknown().refine((value) => value !== undefined, 'is required'),
  subject: z.string().min(1).max(1_024).regex(CLOUDEVENTS_STRING, CLOUDEVENTS_STRING_FAULT).optional(),
  correlationId: z.string().min(1).max(256).regex(CLOUDEVENTS_STRING, CLOUDEVENTS_STRING_FAULT).optional(),
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
  // A list of events is the likeliest mistake of all: say what a batch looks like.
  if (Array.isArray(body)) {
    throw invalidRequest([
      { field: '', message: 'is a list; send one event as an object, or a batch as {"events": [...]}' },
    ]);
  }
  const batch = isBatch(body);
  const inputs = batch ? parseRequest(BatchSchema, body).events : [parseRequest(EventInputSchema, body)];
  refuseRepeatedIds(inputs);
  const newId = ports.newId ?? randomUUID;
  const now = ports.now();

  const resolved = new Map<string, Promise<ContractVersion>>();
  /**
   * The (type, version) of one event, being resolved. A batch usually repeats one type: each is resolved once per
   * request. A refusal is not shared, since it names the field of the event that asked: once refused, the next event
   * asking resolves it again.
   */
  const resolving = (input: (typeof inputs)[number], pointer: string): Promise<ContractVersion> => {
    const key = `${input.type}@${input.version ?? 'latest'}`;
    let found = resolved.get(key);
    if (!found) {
      found = ports.contracts.resolve(input.type, input.version, pointer);
      resolved.set(key, found);
      found.catch(() => resolved.delete(key));
    }
    return found;
  };
  /** One event's contract, that the caller owns it; throws the client error at fault. */
  const contractOf = async (input: (typeof inputs)[number], pointer: string): Promise<ContractVersion> => {
    const contract = await resolving(input, pointer);
    if (contract.ownerDepartment !== caller.departmentId) {
      throw new ForbiddenError(
        'not_owner',
        `Only department ${contract.ownerDepartment} may publish ${input.type}; the caller belongs to ${caller.departmentId}.`,
        { fields: [{ field: `${pointer}/type`, message: `owned by ${contract.ownerDepartment}` }] },
      );
    }
    return contract;
  };
  /** One event's bus entry, made before its data is checked; throws when it is over EventBridge's size limit. */
  const entryOf = (input: (typeof inputs)[number], contract: ContractVersion, pointer: string) => {
    const envelope: CloudEvent = buildEnvelope({
      id: input.id ?? newId(),
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
        `The event is ${size} bytes on the bus, over sharebus's limit of ${MAX_EVENT_BYTES} bytes (256 KB).`,
        {
          fields: [
            { field: `${pointer}/data`, message: `makes the event ${size} bytes (limit ${MAX_EVENT_BYTES})` },
          ],
        },
      );
    }
    return { entry, published: { id: envelope.id, type: contract.type, version: contract.version } };
  };

  // Every event is checked, so that a batch's answer names every field at fault, not the first event's only: first
  // each one's contract, then the size of its entry, then the data of those that fit (all within one time limit).
  // Size comes before the data: an event of up to 6 MB (Lambda's payload limit) took its share of the 2 s limit to be
  // validated before it was refused as too large (2026-12-06).
  const pointerOf = (index: number) => (batch ? `/events/${index}` : '');
  const faults = new Map<number, SharebusError>();
  // Each entry's place in the request: a failure names it, so that a client that gave no ids (each event then has
  // one it never saw) can tell which of its events to resend (API review, session 50).
  const indexOfEvent = new Map<string, number>();
  const located = <T extends { readonly eventId: string }>(failures: readonly T[]) =>
    batch ? failures.map((failure) => ({ ...failure, index: indexOfEvent.get(failure.eventId) })) : failures;
  const exposed = (error: unknown): SharebusError => {
    if (!(error instanceof SharebusError) || !error.expose) throw error;
    return error;
  };
  const contracts = new Map<number, ContractVersion>();
  // Every distinct type's read set off at once, then taken in order: a batch of ten types cost ten registry round
  // trips one after another (review, 2026-12-06).
  for (const [index, input] of inputs.entries()) resolving(input, pointerOf(index));
  for (const [index, input] of inputs.entries()) {
    try {
      contracts.set(index, await contractOf(input, pointerOf(index)));
    } catch (error) {
      faults.set(index, exposed(error));
    }
  }
  const made = new Map<number, ReturnType<typeof entryOf>>();
  for (const [index, contract] of contracts) {
    try {
      made.set(index, entryOf(inputs[index] as (typeof inputs)[number], contract, pointerOf(index)));
    } catch (error) {
      faults.set(index, exposed(error));
    }
  }
  const checked = [...made.keys()].map((index) => {
    const contract = contracts.get(index) as ContractVersion;
    return {
      index,
      type: contract.type,
      version: contract.version,
      schema: contract.schema,
      data: inputs[index]?.data,
      prefix: `${pointerOf(index)}/data`,
    };
  });
  let problems: readonly FieldProblem[][];
  /** The fault of a request stopped at the validation limit: it leads the answer. */
  let stopped: SharebusError | undefined;
  try {
    problems = ports.validator.validateEach(checked);
  } catch (error) {
    if (!(error instanceof ValidationTimeoutError)) throw error;
    // What was checked before the limit is answered with the rest; the event it stopped on is at fault for taking
    // the time, though those before it took their share; those after it were not checked.
    problems = error.done;
    const at = checked[error.index] as (typeof checked)[number];
    logger.warn(
      error.compiling
        ? 'compiling schemas stopped at its time limit'
        : 'validation stopped at its time limit',
      { type: at.type, version: at.version, ms: error.timeoutMs },
    );
    const unchecked = checked.length - error.index - 1;
    const after =
      unchecked === 1
        ? '; 1 event after it was not checked'
        : unchecked > 1
          ? `; ${unchecked} events after it were not checked`
          : '';
    stopped = error.compiling
      ? new UnprocessableError(
          'validation_timeout',
          `Compiling the schemas of the contract versions the request names took over ${error.timeoutMs} ms and was stopped at ${at.prefix} (${at.type} ${at.version}), so no event's data was checked. Nothing was published. Send fewer contract versions at once: each costs time to compile the first time a function meets it.`,
          {
            fields: [
              { field: at.prefix, message: `its schema could not be compiled within ${error.timeoutMs} ms` },
            ],
          },
        )
      : new UnprocessableError(
          'validation_timeout',
          `Checking the request's data took over ${error.timeoutMs} ms and was stopped at ${at.prefix} (${at.type} ${at.version})${after}. Nothing was published. The contract's schema costs too much for this data: send less of it at once, or ask the contract's owner for a simpler schema.`,
          { fields: [{ field: at.prefix, message: `could not be checked within ${error.timeoutMs} ms` }] },
        );
  }
  const entries: BusEntry[] = [];
  const published: PublishedEvent[] = [];
  for (const [position, { index, type, version }] of checked.entries()) {
    if (position >= problems.length) continue; // not checked: validation stopped before it
    const found = problems[position] ?? [];
    if (found.length > 0) {
      const first = found[0]!;
      faults.set(
        index,
        new UnprocessableError(
          'invalid_data',
          `The data does not match ${type} ${version}: ${first.field} ${first.message}.`,
          { fields: found },
        ),
      );
      continue;
    }
    const { entry, published: event } = made.get(index) as ReturnType<typeof entryOf>;
    entries.push(entry);
    indexOfEvent.set(entry.eventId, index);
    published.push(event);
  }
  // A request stopped at the validation limit is answered as such first, then the faults found before it and every
  // event's contract or size fault (those are checked before any data).
  const ordered = [...faults].sort(([a], [b]) => a - b).map(([, fault]) => fault);
  if (stopped !== undefined) ordered.unshift(stopped);
  if (ordered.length > 0) throw allFaults(ordered);

  // The bus has what is left of the invocation, less the answer's margin: before, it had its own 6 s from here
  // whatever the contract reads had taken, and slow reads with an EventBridge that did not answer ran past the
  // function's 10 s timeout, answered a bare 500 while PutEvents might still go through (handlers review, 2026-12-06).
  // A remaining time that is not a number is no limit: NaN is not below the least, and the bus takes a NaN limit as
  // none (Bus.publish's withinMs).
  const remaining = ports.remainingMs?.();
  const left = remaining === undefined ? undefined : remaining - PUBLISH_ANSWER_MARGIN_MS;
  if (left !== undefined && left < MIN_PUBLISH_DEADLINE_MS) {
    const events = entries.length === 1 ? 'the event' : `the ${entries.length} events`;
    logger.warn('too little of the invocation was left to publish', {
      remainingMs: remaining,
      entries: entries.length,
    });
    throw new BusUnavailableError(
      `Too little time was left to put ${events} on the bus, so nothing was sent: resend ${entries.length === 1 ? 'it' : 'them'}.`,
      {
        extensions: {
          accepted: [],
          failed: located(
            entries.map((entry) => ({
              eventId: entry.eventId,
              code: 'NoTimeLeft',
              message: "Not sent to EventBridge: too little of the request's time was left after its checks",
              permanent: false,
            })),
          ),
        },
      },
    );
  }
  const result = await ports.bus.publish(entries, left === undefined ? {} : { withinMs: left });
  // The ids alone (the data is a department's record), of every event the bus took, also when it failed others: the
  // ids a 502 or 503 names as accepted were delivered like the rest. The event id a publisher got back leads here,
  // and through api_request_id to the access log's line; the deliver function's lines name it too (observability
  // review, session 62). At most 100 ids of 128 characters: 13 KB, within CloudWatch's 256 KB event.
  if (result.accepted.length > 0) logger.info('published', { eventIds: result.accepted });
  const refused = result.failed.filter((failure) => failure.permanent);
  if (refused.length > 0) {
    // Resending would be refused again: not a 503 with Retry-After, but the bus's own words for each event.
    const first = refused[0]!;
    throw new BusRejectedError(
      `The bus refused ${refused.length} of ${entries.length} events (${first.code}: ${first.message}); resending them will not help. ${result.accepted.length} were published${result.failed.length > refused.length ? `, ${result.failed.length - refused.length} may be resent` : ''}.`,
      { extensions: { accepted: result.accepted, failed: located(result.failed) } },
    );
  }
  if (result.failed.length > 0) {
    throw new BusUnavailableError(
      `The bus did not accept ${result.failed.length} of ${entries.length} events after retries; resend the failed ones.`,
      {
        extensions: { accepted: result.accepted, failed: located(result.failed) },
        throttled: result.failed.every((failure) => failure.code === 'ThrottlingException'),
      },
    );
  }
  return { batch, events: published };
}

/** Two events of one request under one id would reach subscribers as one event sent twice. */
function refuseRepeatedIds(inputs: readonly PublishBody[]): void {
  const first = new Map<string, number>();
  const fields: FieldProblem[] = [];
  for (const [index, { id }] of inputs.entries()) {
    if (id === undefined) continue;
    const earlier = first.get(id);
    if (earlier === undefined) first.set(id, index);
    else fields.push({ field: `/events/${index}/id`, message: `repeats /events/${earlier}/id` });
  }
  if (fields.length > 0) throw invalidRequest(fields);
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
