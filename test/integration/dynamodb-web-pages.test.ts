// DynamoDB Local as sharebus runs it refuses what a web page could send (LoopbackDynamoDbLocal.java's WebPageGuard):
// a Host naming neither loopback nor an allowed name (DNS rebinding), or another site's Origin. The suite's DynamoDB
// Local (test/global-setup.mjs) is the one under test, but for the allowed names.
import { request } from 'node:http';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { startDynamoDbLocal } from '../../local/dynamodb/launcher.js';
import { isLoopbackHost } from '../../local/loopback-host.js';

const endpoint = process.env.SHAREBUS_TEST_DYNAMODB_ENDPOINT as string;

/** Any signature does, but one is needed. */
const SIGNED =
  'AWS4-HMAC-SHA256 Credential=a/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0';

/** A DynamoDB operation sent over plain HTTP with the given headers (fetch cannot send a Host): status and body. */
function call(
  url: string,
  operation: string,
  body: object,
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'x-amz-target': `DynamoDB_20120810.${operation}`,
          authorization: SIGNED,
          ...headers,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

const client = new DynamoDBClient({
  endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});
afterAll(() => client.destroy());

const tableNames = async (): Promise<string[]> =>
  (await client.send(new ListTablesCommand({}))).TableNames ?? [];

describe('DynamoDB Local, as sharebus runs it, and web pages', () => {
  // The forms sharebus's own servers answer (test/unit/local/loopback-host.test.ts), and numeric ones a URL takes
  it.each([
    '127.0.0.1:4512',
    '127.0.0.1',
    '127.1.2.3:80',
    'localhost:4512',
    'LOCALHOST:4512',
    'console.localhost:8080',
    '[::1]:4512',
    '[0:0:0:0:0:0:0:1]:4512',
    '[::ffff:127.0.0.1]:4512',
    '[::ffff:7f00:1]:4512',
    '127.1',
    '0x7f.1',
    '2130706433',
    '0177.0.0.1',
    '127.0.0.1.',
  ])('answers Host %s, a loopback name or address, as sharebus judges one', async (host) => {
    // Act
    const answer = await call(endpoint, 'ListTables', {}, { host });
    // Assess
    expect(isLoopbackHost(host)).toBe(true);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toHaveProperty('TableNames');
  });

  it.each([
    'evil.example:4512',
    'evil.example',
    '127.0.0.1.evil.example:4512',
    'localhost.evil.example:4512',
    'localhostx:4512',
    'notlocalhost:4512',
    'localhost.',
    '0.0.0.0:4512',
    '10.0.0.1:4512',
    '127.+0.0.1',
    '127..0.1',
    '08.0.0.1',
    '1.2.3.4.5',
    '[::2]:4512',
    '[::ffff:10.0.0.1]:4512',
    '[127.0.0.1]',
    'evil.example@127.0.0.1:4512',
    'bad host',
  ])('refuses Host %s, which a page rebound to 127.0.0.1 would send, as sharebus judges it', async (host) => {
    // Act
    const answer = await call(endpoint, 'ListTables', {}, { host });
    // Assess
    expect(isLoopbackHost(host)).toBe(false);
    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.body)).toEqual({
      __type: 'com.amazonaws.dynamodb.v20120810#AccessDeniedException',
      Message: `DynamoDB Local, as sharebus runs it, answers requests to a loopback name or address only (127.0.0.1 or localhost) or to a name given in SHAREBUS_ALLOWED_HOSTS, not to Host ${JSON.stringify(host)}: a web page could send such requests through DNS rebinding.`,
    });
  });

  it('makes no table for a rebound page', async () => {
    // Prepare
    const table = `web-page-${process.pid}`;
    const create = {
      TableName: table,
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    };
    // Act
    const answer = await call(endpoint, 'CreateTable', create, { host: 'evil.example' });
    // Assess
    expect(answer.status).toBe(403);
    expect(await tableNames()).not.toContain(table);
  });

  it('refuses a request from a page served elsewhere, naming its Origin, and makes nothing', async () => {
    // Prepare: a request under a loopback Host, as any page can send 127.0.0.1
    const table = `web-origin-${process.pid}`;
    const create = {
      TableName: table,
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    };
    // Act
    const answers = await Promise.all(
      ['https://evil.example', 'null', 'http://localhost:3000/'].map((origin) =>
        call(endpoint, 'CreateTable', create, { origin }),
      ),
    );
    // Assess
    expect(answers.map((a) => a.status)).toEqual([403, 403, 403]);
    expect(JSON.parse(answers[1]?.body ?? '')).toEqual({
      __type: 'com.amazonaws.dynamodb.v20120810#AccessDeniedException',
      Message:
        'DynamoDB Local, as sharebus runs it, answers no request from a web page served elsewhere than this machine, and this one came from Origin "null".',
    });
    expect(await tableNames()).not.toContain(table);
  });

  it('answers a page served from this machine', async () => {
    // Act
    const answers = await Promise.all(
      ['http://127.0.0.1:4510', 'http://localhost:3000', 'http://[::1]:8080'].map((origin) =>
        call(endpoint, 'ListTables', {}, { origin }),
      ),
    );
    // Assess
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
  });

  it('is refused to the AWS SDK as AccessDeniedException, with the reason', async () => {
    // Prepare: the SDK's own request, its Host changed once signed, as a rebound page's would read
    const rebound = new DynamoDBClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
    rebound.middlewareStack.add(
      (next) => async (args) => {
        (args.request as { headers: Record<string, string> }).headers.host = 'evil.example';
        return next(args);
      },
      { step: 'finalizeRequest', priority: 'low', name: 'reboundHost' },
    );
    try {
      // Act
      const sent = rebound.send(new ListTablesCommand({}));
      // Assess
      await expect(sent).rejects.toMatchObject({
        name: 'AccessDeniedException',
        message: expect.stringContaining('not to Host "evil.example"'),
        $metadata: { httpStatusCode: 403 },
      });
    } finally {
      rebound.destroy();
    }
  });
});

describe('DynamoDB Local with allowed host names', () => {
  it('answers those names in Host and Origin, whatever their port, and no others', async () => {
    // Prepare
    const dynamodb = await startDynamoDbLocal({ allowedHosts: new Set(['bus.example.gov']) });
    try {
      // Act
      const statuses = [];
      for (const headers of [
        { host: 'bus.example.gov' },
        { host: 'BUS.example.gov:443' },
        { origin: 'https://bus.example.gov' },
        { host: 'x.bus.example.gov' },
        { host: 'other.example.gov' },
        { origin: 'https://other.example.gov' },
      ]) {
        statuses.push((await call(dynamodb.endpoint, 'ListTables', {}, headers)).status);
      }
      // Assess
      expect(statuses).toEqual([200, 200, 200, 403, 403, 403]);
    } finally {
      await dynamodb.stop();
    }
  });
});
