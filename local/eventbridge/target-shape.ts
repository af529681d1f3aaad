// The Target structure of AWS's service model for EventBridge (botocore 1.43.11,
// botocore/data/events/2015-10-07/service-2.json, Apache-2.0), member by member, as PutTargets reads a target:
// every member is held to its type, and only the model's members are kept. AWS's front end reads a request into
// its model before anything else, so a member of the wrong type is a SerializationException, and a member the
// model lacks is not kept: ListTargetsByRule shows what AWS's Target shape can hold and nothing else. Before
// (2026-12-03), a target was kept as sent: a wrong type deep in EcsParameters was stored, after which the CLI's
// list-targets-by-rule failed on that rule, and an unknown member nested 5,000 levels deep made
// ListTargetsByRule answer 500 for good.
import { serializationError } from './errors.js';
import { isObject, type JsonObject } from './request.js';

type Shape =
  | 'string'
  | 'integer'
  | 'boolean'
  | { readonly list: Shape }
  | { readonly map: Shape }
  | Structure;
interface Structure {
  readonly [member: string]: Shape;
}

const STRING = 'string';
const INTEGER = 'integer';
const BOOLEAN = 'boolean';
const list = (member: Shape): Shape => ({ list: member });
const map = (value: Shape): Shape => ({ map: value });

const TARGET: Structure = {
  Id: STRING,
  Arn: STRING,
  RoleArn: STRING,
  Input: STRING,
  InputPath: STRING,
  InputTransformer: {
    InputPathsMap: map(STRING),
    InputTemplate: STRING,
  },
  KinesisParameters: {
    PartitionKeyPath: STRING,
  },
  RunCommandParameters: {
    RunCommandTargets: list({
      Key: STRING,
      Values: list(STRING),
    }),
  },
  EcsParameters: {
    TaskDefinitionArn: STRING,
    TaskCount: INTEGER,
    LaunchType: STRING,
    NetworkConfiguration: {
      awsvpcConfiguration: {
        Subnets: list(STRING),
        SecurityGroups: list(STRING),
        AssignPublicIp: STRING,
      },
    },
    PlatformVersion: STRING,
    Group: STRING,
    CapacityProviderStrategy: list({
      capacityProvider: STRING,
      weight: INTEGER,
      base: INTEGER,
    }),
    EnableECSManagedTags: BOOLEAN,
    EnableExecuteCommand: BOOLEAN,
    PlacementConstraints: list({
      type: STRING,
      expression: STRING,
    }),
    PlacementStrategy: list({
      type: STRING,
      field: STRING,
    }),
    PropagateTags: STRING,
    ReferenceId: STRING,
    Tags: list({
      Key: STRING,
      Value: STRING,
    }),
  },
  BatchParameters: {
    JobDefinition: STRING,
    JobName: STRING,
    ArrayProperties: {
      Size: INTEGER,
    },
    RetryStrategy: {
      Attempts: INTEGER,
    },
  },
  SqsParameters: {
    MessageGroupId: STRING,
  },
  HttpParameters: {
    PathParameterValues: list(STRING),
    HeaderParameters: map(STRING),
    QueryStringParameters: map(STRING),
  },
  RedshiftDataParameters: {
    SecretManagerArn: STRING,
    Database: STRING,
    DbUser: STRING,
    Sql: STRING,
    StatementName: STRING,
    WithEvent: BOOLEAN,
    Sqls: list(STRING),
  },
  SageMakerPipelineParameters: {
    PipelineParameterList: list({
      Name: STRING,
      Value: STRING,
    }),
  },
  DeadLetterConfig: {
    Arn: STRING,
  },
  RetryPolicy: {
    MaximumRetryAttempts: INTEGER,
    MaximumEventAgeInSeconds: INTEGER,
  },
  AppSyncParameters: {
    GraphQLOperation: STRING,
  },
};

const isList = (shape: Shape): shape is { readonly list: Shape } =>
  typeof shape === 'object' && 'list' in shape;
const isMap = (shape: Shape): shape is { readonly map: Shape } => typeof shape === 'object' && 'map' in shape;

const NOUNS: Record<string, string> = { string: 'strings', integer: 'integers', boolean: 'booleans' };
/** How a list or map's items are named in its wrong-type message: "a list of strings", "a map of strings". */
const plural = (shape: Shape): string => (typeof shape === 'string' ? (NOUNS[shape] as string) : 'objects');

/** Whether `value` is of the shape's JSON type (a structure's members are read later). */
function typed(value: unknown, shape: Shape): boolean {
  if (shape === STRING) return typeof value === 'string';
  if (shape === INTEGER) return typeof value === 'number' && Number.isInteger(value);
  if (shape === BOOLEAN) return typeof value === 'boolean';
  return isList(shape) ? Array.isArray(value) : isObject(value);
}

/**
 * `value`, a member named `key`, as the model reads it: of the shape's type, holding only the shape's members, a
 * null member left out as absent. A value of the wrong type (a list or map holding one, or a null) is a
 * SerializationException, in the words RequestReader uses; `lenient` (replaying a journal written before these
 * checks) leaves it out instead.
 */
function read(value: unknown, shape: Shape, key: string, lenient: boolean): unknown {
  const wrong = (expected: string) => {
    if (lenient) return undefined;
    throw serializationError(`Expected ${expected} for ${key}.`);
  };
  if (!typed(value, shape)) {
    const noun = typeof shape === 'string' ? `a${shape === INTEGER ? 'n' : ''} ${shape}` : undefined;
    return wrong(noun ?? (isList(shape) ? 'a list' : isMap(shape) ? 'a map' : 'an object'));
  }
  if (typeof shape === 'string') return value;
  if (isList(shape)) {
    const items: unknown[] = [];
    for (const item of value as unknown[]) {
      const kept = typed(item, shape.list)
        ? read(item, shape.list, key, lenient)
        : wrong(`a list of ${plural(shape.list)}`);
      if (kept !== undefined) items.push(kept);
    }
    return items;
  }
  const out: JsonObject = {};
  if (isMap(shape)) {
    for (const [name, item] of Object.entries(value as JsonObject)) {
      const kept = typed(item, shape.map)
        ? read(item, shape.map, name, lenient)
        : wrong(`a map of ${plural(shape.map)}`);
      // A key is any text (`__proto__` included, which AWS's key patterns allow): defined, never assigned.
      if (kept !== undefined)
        Object.defineProperty(out, name, {
          value: kept,
          enumerable: true,
          writable: true,
          configurable: true,
        });
    }
    return out;
  }
  for (const [name, member] of Object.entries(shape)) {
    const item = (value as JsonObject)[name];
    if (item === undefined || item === null) continue;
    const kept = read(item, member, name, lenient);
    if (kept !== undefined) out[name] = kept;
  }
  return out;
}

/** A PutTargets target as AWS's model reads it (see the top of this file). */
export function modelTarget(target: JsonObject, lenient = false): JsonObject {
  return read(target, TARGET, 'Targets', lenient) as JsonObject;
}
