// Code-first contracts: a department writes the data shape once in zod and gets the JSON Schema it
// registers, the typed data for its code, and checked envelopes, all from the same definition.
import * as z from 'zod';
import { type BuildEnvelopeInput, buildEnvelope, type CloudEvent, dataschemaFor } from './envelope.js';
import { InvalidContractDefinitionError, InvalidEventDataError } from './errors.js';
import {
  ContractTypeSchema,
  DepartmentIdSchema,
  SemverSchema,
  type Sharing,
  SharingSchema,
} from './naming.js';

export const JSON_SCHEMA_DRAFT_2020_12 = 'https://json-schema.org/draft/2020-12/schema';

/** A JSON Schema document as plain JSON (draft 2020-12). */
export type JsonSchema = z.core.JSONSchema.BaseSchema;

/** The body of `POST /contracts`. */
export interface ContractRegistration {
  readonly type: string;
  readonly version: string;
  readonly description: string;
  readonly sharing: Sharing;
  readonly schema: JsonSchema;
}

export interface ContractDefinition<TType extends string, TData extends z.ZodObject> {
  readonly type: TType;
  readonly version: string;
  readonly description: string;
  readonly sharing: Sharing;
  /** The department that owns the contract and alone may publish it. */
  readonly owner: string;
  readonly data: TData;
}

export type EventInput<TData> = Omit<BuildEnvelopeInput<TData>, 'source' | 'type' | 'version'>;

export interface Contract<TType extends string = string, TData extends z.ZodObject = z.ZodObject>
  extends ContractDefinition<TType, TData> {
  /** The URN naming this contract version in an envelope's `dataschema`. */
  readonly dataschema: string;
  /** JSON Schema draft 2020-12 of `data`, with `$schema`, as the registry stores it. */
  readonly schema: JsonSchema;
  registration(): ContractRegistration;
  /** Builds an envelope of this contract from its owner; throws `InvalidEventDataError` on bad data. */
  event(input: EventInput<z.output<TData>>): CloudEvent<z.output<TData>>;
}

/** The data type carried by a contract's events. */
export type DataOf<C> = C extends Contract<string, infer TData> ? z.output<TData> : never;

const DefinitionSchema = z.object({
  type: ContractTypeSchema,
  version: SemverSchema,
  description: z
    .string({ error: 'description must be a string' })
    .trim()
    .min(1, { error: 'description must not be empty' }),
  sharing: SharingSchema,
  owner: DepartmentIdSchema,
  data: z.instanceof(z.ZodObject, { error: 'data must be a zod object schema (z.object(...))' }),
});

/** Defines a contract; throws `InvalidContractDefinitionError` naming the bad field at definition time. */
export function defineContract<const TType extends string, TData extends z.ZodObject>(
  definition: ContractDefinition<TType, TData>,
): Contract<TType, TData> {
  const checked = DefinitionSchema.safeParse(definition);
  if (!checked.success) throw new InvalidContractDefinitionError(definition.type, checked.error);

  const { type, version, description, sharing, owner, data } = definition;
  const schema = toContractJsonSchema(type, description, data);
  const dataschema = dataschemaFor(type, version);

  return {
    type,
    version,
    description,
    sharing,
    owner,
    data,
    dataschema,
    schema,
    registration: () => ({ type, version, description, sharing, schema: structuredClone(schema) }),
    event: (input) => {
      const checked = data.safeParse(input.data);
      if (!checked.success) throw new InvalidEventDataError(type, checked.error);
      return buildEnvelope({ ...input, data: checked.data, source: owner, type, version });
    },
  };
}

function toContractJsonSchema(type: string, description: string, data: z.ZodObject): JsonSchema {
  let generated: JsonSchema;
  try {
    generated = z.toJSONSchema(data, { target: 'draft-2020-12' });
  } catch (cause) {
    // Transforms, dates, bigints and the like have no JSON Schema form, so they cannot cross the bus.
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new InvalidContractDefinitionError(
      type,
      new z.ZodError([
        {
          code: 'custom',
          path: ['data'],
          message: `data cannot be expressed as JSON Schema: ${reason}`,
          input: data,
        },
      ]),
    );
  }
  // The JSON round trip drops zod's non-enumerable helpers so the schema is plain data to store and send.
  const plain = JSON.parse(JSON.stringify(generated)) as JsonSchema;
  const { $schema: _draft, title: _title, description: _description, ...body } = plain;
  return { $schema: JSON_SCHEMA_DRAFT_2020_12, title: type, description, ...body };
}
