import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { AttributeType, ProjectionType } from 'aws-cdk-lib/aws-dynamodb';
import {
  CATALOGUE_INDEX,
  createTableInput,
  GSI1,
  PARTITION_KEY,
  SORT_KEY,
} from '../../functions/shared/registry/table.js';
import { TableDesignError, tableDesignFrom } from '../../infra/constructs/registry-table.js';

describe('tableDesignFrom', () => {
  it('reads the keys and the indexes of the registry from its CreateTable input', () => {
    // WHEN
    const design = tableDesignFrom(createTableInput('registry'));
    // THEN
    expect(design).toEqual({
      partitionKey: { name: PARTITION_KEY, type: AttributeType.STRING },
      sortKey: { name: SORT_KEY, type: AttributeType.STRING },
      globalSecondaryIndexes: [
        {
          indexName: GSI1.indexName,
          partitionKey: { name: GSI1.partitionKey, type: AttributeType.STRING },
          sortKey: { name: GSI1.sortKey, type: AttributeType.STRING },
          projectionType: ProjectionType.ALL,
        },
        {
          indexName: CATALOGUE_INDEX.indexName,
          partitionKey: { name: GSI1.partitionKey, type: AttributeType.STRING },
          sortKey: { name: GSI1.sortKey, type: AttributeType.STRING },
          projectionType: ProjectionType.INCLUDE,
          nonKeyAttributes: [...CATALOGUE_INDEX.nonKeyAttributes],
        },
      ],
    });
  });

  it('keeps the non-key attributes of an INCLUDE projection and reads number keys', () => {
    // GIVEN
    const input: CreateTableCommandInput = {
      TableName: 'other',
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'id', AttributeType: 'S' },
        { AttributeName: 'at', AttributeType: 'N' },
      ],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'byTime',
          KeySchema: [{ AttributeName: 'at', KeyType: 'HASH' }],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['name'] },
        },
      ],
    };
    // WHEN
    const design = tableDesignFrom(input);
    // THEN
    expect(design.sortKey).toBeUndefined();
    expect(design.globalSecondaryIndexes).toEqual([
      {
        indexName: 'byTime',
        partitionKey: { name: 'at', type: AttributeType.NUMBER },
        projectionType: ProjectionType.INCLUDE,
        nonKeyAttributes: ['name'],
      },
    ]);
  });

  it('refuses a design it cannot translate instead of dropping part of it', () => {
    // GIVEN
    const registry = createTableInput('registry');
    // WHEN / THEN
    expect(() =>
      tableDesignFrom({
        ...registry,
        LocalSecondaryIndexes: [
          {
            IndexName: 'local',
            KeySchema: registry.KeySchema,
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      }),
    ).toThrow(new TableDesignError('local secondary indexes are not translated to CDK yet'));
    expect(() => tableDesignFrom({ ...registry, BillingMode: 'PROVISIONED' })).toThrow(
      /billing mode PROVISIONED is not supported/,
    );
    expect(() => tableDesignFrom({ ...registry, AttributeDefinitions: [] })).toThrow(
      new TableDesignError(`key attribute ${PARTITION_KEY} has no AttributeDefinition`),
    );
  });
});
