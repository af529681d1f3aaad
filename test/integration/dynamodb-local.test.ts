import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { startDynamoDbLocal } from '../../local/dynamodb/launcher.js';

describe('DynamoDB Local launcher', () => {
  it('serves the DynamoDB API on the port it picked and stops cleanly', async () => {
    // Prepare
    const dynamodb = await startDynamoDbLocal();
    const client = new DynamoDBClient({
      endpoint: dynamodb.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    try {
      // Act
      const tables = await client.send(new ListTablesCommand({}));
      // Assess
      expect(tables.TableNames).toEqual([]);
    } finally {
      client.destroy();
      await dynamodb.stop();
    }
    await expect(fetch(dynamodb.endpoint)).rejects.toThrow();
  });

  it('says which Java to install when java cannot be run', async () => {
    const saved = process.env.JAVA_HOME;
    process.env.JAVA_HOME = '/nonexistent-java-home';
    try {
      await expect(startDynamoDbLocal()).rejects.toThrow(
        /needs Java 17 or newer.*apt-get install openjdk-17/,
      );
    } finally {
      if (saved === undefined) delete process.env.JAVA_HOME;
      else process.env.JAVA_HOME = saved;
    }
  });
});
