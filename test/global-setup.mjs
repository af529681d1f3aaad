// One DynamoDB Local for the whole suite: test files share it and keep apart by table name.
// Plain ESM loaded by jest itself (no transform), so the TypeScript launcher is loaded through tsx.
import { tsImport } from 'tsx/esm/api';

export default async function globalSetup() {
  // Node 20 is what these machines run; the SDK's notice about its 2027 plans is noise in every worker.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { startDynamoDbLocal } = await tsImport('../local/dynamodb/launcher.ts', import.meta.url);
  const dynamodb = await startDynamoDbLocal();
  globalThis.__sharebusDynamoDb = dynamodb;
  // Workers are forked after this and inherit the variable.
  process.env.SHAREBUS_TEST_DYNAMODB_ENDPOINT = dynamodb.endpoint;
}
