import { spawn } from 'node:child_process';
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

  it('stops DynamoDB Local when the process that started it is killed', async () => {
    // Prepare: a separate node process starts DynamoDB Local and prints its endpoint.
    const script = `import { startDynamoDbLocal } from './local/dynamodb/launcher.ts';
      const d = await startDynamoDbLocal(); console.log(d.endpoint); setInterval(() => {}, 1000);`;
    // tsx as a loader, not its CLI: the CLI would run the script in a grandchild that survives the kill.
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const endpoint = await new Promise<string>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
    });
    await expect(fetch(endpoint)).resolves.toBeDefined();
    // Act: no chance to clean up.
    child.kill('SIGKILL');
    // Assess
    let up = true;
    for (let i = 0; i < 100 && up; i++) {
      up = await fetch(endpoint).then(
        () => true,
        () => false,
      );
      if (up) await new Promise((r) => setTimeout(r, 100));
    }
    expect(up).toBe(false);
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
