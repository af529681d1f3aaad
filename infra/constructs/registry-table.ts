// The registry table in AWS. Its keys and indexes are read from functions/shared/registry/table.ts, the
// same CreateTable input the local runtime uses, so the table design lives in one place.
import type {
  AttributeDefinition,
  CreateTableCommandInput,
  KeySchemaElement,
} from '@aws-sdk/client-dynamodb';
import { RemovalPolicy } from 'aws-cdk-lib';
import {
  type Attribute,
  AttributeType,
  BillingMode,
  type GlobalSecondaryIndexProps,
  ProjectionType,
  Table,
  TableEncryption,
} from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { createTableInput } from '../../functions/shared/registry/table.js';

export interface RegistryTableProps {
  /**
   * Refuse DeleteTable calls, so the registry (API key hashes, contracts, subscriptions, audit trail) cannot
   * be dropped by accident; the stack keeps the table on delete either way.
   * @default true
   */
  readonly deletionProtection?: boolean;
}

export class TableDesignError extends Error {
  override name = 'TableDesignError';
}

/** The parts of a CreateTable input that the CDK `Table` construct needs. */
export interface TableDesign {
  readonly partitionKey: Attribute;
  readonly sortKey?: Attribute;
  readonly globalSecondaryIndexes: readonly GlobalSecondaryIndexProps[];
}

/**
 * Translates a CreateTable input into CDK table props. Throws on anything the translation does not cover
 * (local indexes, provisioned capacity), so a change of design in table.ts cannot be dropped silently.
 */
export function tableDesignFrom(input: CreateTableCommandInput): TableDesign {
  if (input.LocalSecondaryIndexes?.length) {
    throw new TableDesignError('local secondary indexes are not translated to CDK yet');
  }
  if (input.BillingMode !== 'PAY_PER_REQUEST') {
    throw new TableDesignError(
      `billing mode ${String(input.BillingMode)} is not supported: use PAY_PER_REQUEST`,
    );
  }
  const attributes = input.AttributeDefinitions ?? [];
  const keys = keysOf(input.KeySchema, attributes, 'the table');
  const globalSecondaryIndexes = (input.GlobalSecondaryIndexes ?? []).map((index) => {
    const indexKeys = keysOf(index.KeySchema, attributes, `index ${index.IndexName}`);
    const projectionType = projectionTypeOf(index.Projection?.ProjectionType ?? 'ALL');
    return {
      indexName: required(index.IndexName, 'an index name'),
      ...indexKeys,
      projectionType,
      ...(projectionType === ProjectionType.INCLUDE
        ? { nonKeyAttributes: index.Projection?.NonKeyAttributes ?? [] }
        : {}),
    } satisfies GlobalSecondaryIndexProps;
  });
  return { ...keys, globalSecondaryIndexes };
}

/** The registry table: on-demand, point-in-time recovery, encrypted, kept when the stack is deleted. */
export class RegistryTable extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string, props: RegistryTableProps = {}) {
    super(scope, id);
    const design = tableDesignFrom(createTableInput('unused'));
    this.table = new Table(this, 'Table', {
      partitionKey: design.partitionKey,
      ...(design.sortKey ? { sortKey: design.sortKey } : {}),
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // The AWS managed key (aws/dynamodb) rather than a customer-managed one: the table holds registry
      // metadata and key hashes, not the data departments share; every use of the key is still in
      // CloudTrail, and a retained table can never outlive its key (a customer-managed key deleted with the
      // stack would leave the retained table unreadable).
      encryption: TableEncryption.AWS_MANAGED,
      deletionProtection: props.deletionProtection ?? true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const index of design.globalSecondaryIndexes) this.table.addGlobalSecondaryIndex(index);
  }
}

function keysOf(
  schema: readonly KeySchemaElement[] | undefined,
  attributes: readonly AttributeDefinition[],
  owner: string,
): { partitionKey: Attribute; sortKey?: Attribute } {
  const hash = schema?.find((key) => key.KeyType === 'HASH');
  const range = schema?.find((key) => key.KeyType === 'RANGE');
  if (!hash) throw new TableDesignError(`${owner} has no HASH key`);
  const partitionKey = attributeOf(required(hash.AttributeName, `a HASH key name on ${owner}`), attributes);
  if (!range) return { partitionKey };
  return {
    partitionKey,
    sortKey: attributeOf(required(range.AttributeName, `a RANGE key name on ${owner}`), attributes),
  };
}

function attributeOf(name: string, attributes: readonly AttributeDefinition[]): Attribute {
  const definition = attributes.find((attribute) => attribute.AttributeName === name);
  if (!definition) throw new TableDesignError(`key attribute ${name} has no AttributeDefinition`);
  switch (definition.AttributeType) {
    case 'S':
      return { name, type: AttributeType.STRING };
    case 'N':
      return { name, type: AttributeType.NUMBER };
    case 'B':
      return { name, type: AttributeType.BINARY };
    default:
      throw new TableDesignError(
        `key attribute ${name} has unknown type ${String(definition.AttributeType)}`,
      );
  }
}

function projectionTypeOf(type: string): ProjectionType {
  switch (type) {
    case 'ALL':
      return ProjectionType.ALL;
    case 'KEYS_ONLY':
      return ProjectionType.KEYS_ONLY;
    case 'INCLUDE':
      return ProjectionType.INCLUDE;
    default:
      throw new TableDesignError(`projection type ${type} is not supported`);
  }
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new TableDesignError(`the table design is missing ${what}`);
  return value;
}
