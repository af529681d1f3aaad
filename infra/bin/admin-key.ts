// `npm run admin-key -- --table <TableName>`: creates (or rotates) the platform-admin API key of a deployed
// sharebus. Uses your AWS credentials; prints the key once and stores only its hash, replacing any
// previous admin key.
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { generateApiKey, hashApiKey } from '../../functions/shared/api-keys.js';
import { DynamoDbRegistry } from '../../functions/shared/registry/dynamodb-registry.js';

const USAGE =
  'Usage: npm run admin-key -- --table <TableName> [--region <region>]\n(the table name is the stack output TableName)';

/** One line saying what went wrong and what to do, then the exit code: no stack, which reads as a crash of ours. */
function fail(message: string, code: number): never {
  console.error(`admin-key: ${message}`);
  process.exit(code);
}

let parsed: ReturnType<typeof parseArgs<{ options: typeof options }>>;
const options = {
  table: { type: 'string' },
  region: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;
try {
  parsed = parseArgs({ options });
} catch (error) {
  fail(`${(error as Error).message} (npm run admin-key -- --help)`, 2);
}
const { values } = parsed;
const table = values.table ?? process.env.SHAREBUS_TABLE_NAME;
if (values.help || !table) {
  console.error(USAGE);
  process.exit(values.help ? 0 : 2);
}

// The AWS CLI reads AWS_DEFAULT_REGION, which the SDK ignores; `npm start` prints it for the CLI (walkthrough review,
// 2026-12-05), so it counts here too, after --region and AWS_REGION.
const region = values.region ?? (process.env.AWS_REGION ? undefined : process.env.AWS_DEFAULT_REGION);
const client = DynamoDBDocumentClient.from(new DynamoDBClient(region ? { region } : {}));
const key = generateApiKey();
try {
  await new DynamoDbRegistry({ client, tableName: table }).putAdminKey(hashApiKey(key));
} catch (error) {
  const { name, message } = error as Error;
  if (name === 'ResourceNotFoundException')
    fail(`no table ${table} here: give the stack output TableName, and --region the stack's region.`, 1);
  if (/region is missing/i.test(message))
    fail('no AWS region: give --region, or set AWS_REGION or AWS_DEFAULT_REGION.', 1);
  if (name === 'CredentialsProviderError') fail(`no AWS credentials: ${message}`, 1);
  fail(`the key could not be stored (${name}: ${message}); the previous admin key still works.`, 1);
}
console.log(
  `Platform admin key for ${table} (shown once; the previous admin key stops working within 30 s, as warm authorizers forget it):\n${key}`,
);
