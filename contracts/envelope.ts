// The CloudEvents 1.0 (JSON) envelope every event on the bus travels in, the URN that names a contract
// version inside it, and how an envelope maps onto an EventBridge entry.
import * as z from 'zod';
import { InvalidDataschemaError, InvalidEnvelopeError } from './errors.js';
import {
  ContractTypeSchema,
  DepartmentIdSchema,
  parseContractType,
  parseDepartmentId,
  parseSemver,
  SemverSchema,
} from './naming.js';

export const DATASCHEMA_PREFIX = 'urn:sharebus:contract:';

const DATASCHEMA_PATTERN =
  /^urn:sharebus:contract:([a-z][a-z0-9-]*(?:\.[a-z][a-z0-9-]*)+):((?:0|[1-9]\d*)\.(?:0|[1-9]\d*)\.(?:0|[1-9]\d*))$/;

/** The URN naming one contract version, e.g. `urn:sharebus:contract:tax.registration.completed:1.2.0`. */
export function dataschemaFor(type: string, version: string): string {
  return `${DATASCHEMA_PREFIX}${parseContractType(type)}:${parseSemver(version)}`;
}

/** Splits a dataschema URN back into the contract type and version it names. */
export function parseDataschema(uri: string): { type: string; version: string } {
  const match = DATASCHEMA_PATTERN.exec(uri);
  if (!match) {
    throw new InvalidDataschemaError(uri, `must look like ${DATASCHEMA_PREFIX}<type>:<MAJOR.MINOR.PATCH>`);
  }
  const [, type = '', version = ''] = match;
  const checkedType = ContractTypeSchema.safeParse(type);
  if (!checkedType.success) {
    throw new InvalidDataschemaError(uri, checkedType.error.issues[0]?.message ?? 'has a bad type', {
      cause: checkedType.error,
    });
  }
  const checkedVersion = SemverSchema.safeParse(version);
  if (!checkedVersion.success) {
    throw new InvalidDataschemaError(uri, checkedVersion.error.issues[0]?.message ?? 'has a bad version', {
      cause: checkedVersion.error,
    });
  }
  return { type, version };
}

/**
 * The dataschema prefix shared by every minor and patch release of one major version, for an EventBridge
 * `prefix` filter. The trailing dot keeps major 1 from also matching 10, 11, ...
 */
export function majorPrefix(type: string, major: number): string {
  if (!Number.isSafeInteger(major) || major < 0) {
    throw new RangeError(`major version ${major} must be a non-negative integer`);
  }
  return `${DATASCHEMA_PREFIX}${parseContractType(type)}:${major}.`;
}

/** Noncharacters beyond the first plane: U+1FFFE, U+1FFFF, … U+10FFFF, as a regular expression class's members. */
const SUPPLEMENTARY_NONCHARACTERS = Array.from({ length: 16 }, (_, plane) => {
  const hex = (plane + 1).toString(16);
  return `\\u{${hex}fffe}\\u{${hex}ffff}`;
}).join('');

/**
 * A CloudEvents 1.0 String: no control characters (U+0000 to U+001F, U+007F to U+009F), no noncharacters and no
 * unpaired surrogates (CloudEvents 1.0.2, "Type System"). Attributes travel in HTTP headers in the binary mode, where a
 * newline cannot go.
 */
export const CLOUDEVENTS_STRING = new RegExp(
  `^[^\\u0000-\\u001f\\u007f-\\u009f\\ud800-\\udfff\\ufdd0-\\ufdef\\ufffe\\uffff${SUPPLEMENTARY_NONCHARACTERS}]*$`,
  'u',
);

/** What a String attribute not fitting CLOUDEVENTS_STRING is told (the publish API's check). */
export const CLOUDEVENTS_STRING_FAULT =
  'must not hold control characters, noncharacters or unpaired surrogates (CloudEvents 1.0 strings)';

const CloudEventShape = {
  specversion: z.literal('1.0', { error: 'specversion must be "1.0"' }),
  id: z.string().min(1, { error: 'id must not be empty' }),
  source: DepartmentIdSchema,
  type: ContractTypeSchema,
  time: z.iso.datetime({
    offset: true,
    error: (issue) => `time ${JSON.stringify(issue.input)} must be an RFC 3339 timestamp with a zone`,
  }),
  datacontenttype: z.literal('application/json', { error: 'datacontenttype must be "application/json"' }),
  dataschema: z.string().regex(DATASCHEMA_PATTERN, {
    error: (issue) =>
      `dataschema ${JSON.stringify(issue.input)} must look like ${DATASCHEMA_PREFIX}<type>:<MAJOR.MINOR.PATCH>`,
  }),
  // Not held to CLOUDEVENTS_STRING here, only where events are published: events published before that check (on
  // the bus, in retries, in the archive for replays) must still be delivered (diff review, 2026-12-05).
  subject: z.string().min(1, { error: 'subject must not be empty when present' }).optional(),
  correlationid: z.string().min(1, { error: 'correlationid must not be empty when present' }).optional(),
};

// A dataschema naming another contract than `type` would let an event be validated against the wrong
// schema and routed by the wrong rule, so the two must agree.
function typeMatchesDataschema(
  event: { type: string; dataschema: string },
  ctx: z.RefinementCtx<{ type: string; dataschema: string }>,
): void {
  const named = DATASCHEMA_PATTERN.exec(event.dataschema)?.[1];
  if (named !== undefined && named !== event.type) {
    ctx.addIssue({
      code: 'custom',
      path: ['dataschema'],
      message: `dataschema names contract "${named}" but type is "${event.type}"`,
    });
  }
}

// Strict: an unknown attribute is rejected rather than silently dropped, and the JSON Schema says the same.
/** A CloudEvents 1.0 envelope whose `data` is not yet checked against its contract. */
export const CloudEventSchema = z
  .strictObject({ ...CloudEventShape, data: z.unknown() })
  .superRefine(typeMatchesDataschema);

/**
 * CloudEvents 1.0's naming convention: an attribute's name is lower-case ASCII letters and digits. One that is not
 * cannot be sharebus's, and a strict CloudEvents reader at the webhook would refuse the event.
 */
const EXTENSION_NAME = /^[a-z0-9]+$/;

/**
 * Attributes of CloudEvents 0.3 that 1.0 dropped, which readers still take as those on a 1.0 event: the CloudEvents
 * SDK for JavaScript (`cloudevents` 10.0.0, `HTTP.toEvent`) throws on `schemaurl` ("cannot set schemaurl on version
 * 1.0 event") and decodes `data` as base64 under `datacontentencoding: "base64"` (an object's: a TypeError). None can
 * be sharebus's.
 */
const CLOUDEVENTS_0_3_NAMES = new Set(['schemaurl', 'datacontentencoding']);

function extensionNames(event: Record<string, unknown>, ctx: z.RefinementCtx<Record<string, unknown>>): void {
  for (const key of Object.keys(event)) {
    if (key === 'data' || Object.hasOwn(CloudEventShape, key)) continue;
    if (CLOUDEVENTS_0_3_NAMES.has(key)) {
      ctx.addIssue({
        code: 'custom',
        path: [key],
        message: `${JSON.stringify(key)} is an attribute of CloudEvents 0.3, which CloudEvents readers take as such`,
      });
    } else if (!EXTENSION_NAME.test(key)) {
      ctx.addIssue({
        code: 'custom',
        path: [key],
        message: `${JSON.stringify(key)} is not a CloudEvents attribute name (lower-case letters and digits only)`,
      });
    }
  }
}

/**
 * The envelope as the deliver function reads it off the bus: what CloudEventSchema checks is checked alike, and an
 * attribute it does not know (an extension a later version adds) is kept and passed on to the subscriber, not
 * refused. Refused, every such event met by an older deliver function (during a deploy, or an archive replayed after
 * a rollback) failed its three attempts and went to the dead-letter queue (design review, 2026-12-06). CloudEvents
 * lets an event carry extension attributes its consumers do not know; one must be named and typed as CloudEvents
 * says (a String, without control characters, noncharacters or unpaired surrogates; an Integer or a Boolean: CloudEvents
 * has no other number than a 32-bit signed integer, and a strict reader refuses the whole event for one, as the
 * CloudEvents SDK for JavaScript's `new CloudEvent()` does `1.5`; its `HTTP.toEvent` checks no value).
 */
export const DeliveredCloudEventSchema = z
  .object({ ...CloudEventShape, data: z.unknown() })
  .catchall(z.union([z.string().regex(CLOUDEVENTS_STRING, CLOUDEVENTS_STRING_FAULT), z.int32(), z.boolean()]))
  .superRefine(typeMatchesDataschema)
  .superRefine(extensionNames);

/** The envelope with `data` checked by a contract's schema. */
export function cloudEventSchemaFor<TData extends z.ZodType>(data: TData) {
  return z.strictObject({ ...CloudEventShape, data }).superRefine(typeMatchesDataschema);
}

export type CloudEvent<TData = unknown> = Omit<z.infer<typeof CloudEventSchema>, 'data'> & { data: TData };

/** JSON Schema (draft 2020-12) of the envelope, for the API and documentation. */
export const ENVELOPE_JSON_SCHEMA = z.toJSONSchema(CloudEventSchema, { target: 'draft-2020-12' });

export interface BuildEnvelopeInput<TData> {
  readonly id: string;
  /** The owning department's id. */
  readonly source: string;
  /** The contract type. */
  readonly type: string;
  /** The contract version the data conforms to. */
  readonly version: string;
  /** When the fact happened: an RFC 3339 string or a Date. */
  readonly time: string | Date;
  readonly subject?: string;
  readonly correlationId?: string;
  readonly data: TData;
}

/** Builds a checked envelope; throws `InvalidEnvelopeError` naming the first bad attribute. */
export function buildEnvelope<TData>(input: BuildEnvelopeInput<TData>): CloudEvent<TData> {
  const envelope: CloudEvent<TData> = {
    specversion: '1.0',
    id: input.id,
    source: input.source,
    type: input.type,
    time: input.time instanceof Date ? input.time.toISOString() : input.time,
    datacontenttype: 'application/json',
    dataschema: `${DATASCHEMA_PREFIX}${input.type}:${input.version}`,
    ...(input.subject === undefined ? {} : { subject: input.subject }),
    ...(input.correlationId === undefined ? {} : { correlationid: input.correlationId }),
    data: input.data,
  };
  const checked = CloudEventSchema.safeParse(envelope);
  if (!checked.success) throw new InvalidEnvelopeError(checked.error);
  return envelope;
}

/** Parses an untrusted value as an envelope; throws `InvalidEnvelopeError` naming the first bad attribute. */
export function parseEnvelope(input: unknown): CloudEvent {
  const checked = CloudEventSchema.safeParse(input);
  if (!checked.success) throw new InvalidEnvelopeError(checked.error);
  return checked.data;
}

/** Every department publishes under its own EventBridge source, so rules can match on the owner. */
export const BUS_SOURCE_PREFIX = 'sharebus.';

export function busSource(departmentId: string): string {
  return `${BUS_SOURCE_PREFIX}${parseDepartmentId(departmentId)}`;
}

/** The department id behind a bus source, or undefined when the source is not one of ours. */
export function departmentOfBusSource(source: string): string | undefined {
  if (!source.startsWith(BUS_SOURCE_PREFIX)) return undefined;
  const id = source.slice(BUS_SOURCE_PREFIX.length);
  return DepartmentIdSchema.safeParse(id).success ? id : undefined;
}
