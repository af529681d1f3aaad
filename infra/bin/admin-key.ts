// `npm run admin-key -- --table <TableName>`: creates (or rotates) the platform-admin API key of a deployed
// sharebus. Uses your AWS credentials; prints the key once and stores only its hash, replacing any
// previous admin key.
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { generateApiKey, hashApiKey } from '../../functions/shared/api-keys.js';
import { DynamoDbRegistry } from '../../functions/shared/registry/dynamodb-registry.js';

const { values } = parseArgs({
  options: { table: { type: 'string' }, region: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
});
const table = values.table ?? process.env.SHAREBUS_TABLE_NAME;
if (values.help || !table) {
  console.error(
    'Usage: npm run admin-key -- --table <TableName> [--region <region>]\n(the table name is the stack output TableName)',
  );
  process.exit(values.help ? 0 : 2);
}

const client = DynamoDBDocumentClient.from(
  new DynamoDBClient(values.region ? { region: values.region } : {}),
);
const key = generateApiKey();
await new DynamoDbRegistry({ client, tableName: table }).putAdminKey(hashApiKey(key));
console.log(
  `Platform admin key for ${table} (shown once; the previous admin key stops working within 30 s, as warm authorizers forget it):\n${key}`,
);
