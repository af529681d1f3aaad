// The local front door builds API Gateway's payload-2.0 event from real HTTP requests; these are the places
// where it used to build a different one than AWS does.
import { connect } from 'node:net';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { FUNCTIONS } from '../../functions/routes.js';
import { type FrontDoor, startFrontDoor } from '../../local/front-door.js';
import type { LocalHandler, LocalHandlers } from '../../local/lambda/invoker.js';

/** Every function answers with the event it was given; the authorizer lets everything through. */
const echo: LocalHandler = async (event) => ({ statusCode: 200, body: JSON.stringify(event) });
const handlers = {
  ...Object.fromEntries(Object.keys(FUNCTIONS).map((name) => [name, echo])),
  authorizer: async () => ({ isAuthorized: true, context: { kind: 'admin' } }),
} as unknown as LocalHandlers;

/** Sends a request as written, on a raw socket (no client normalizing the path or merging headers), and reads the echoed event. */
function send(
  door: FrontDoor,
  method: string,
  path: string,
  headers: Array<[string, string]> = [],
  body = '',
): Promise<{ status: number; event: APIGatewayProxyEventV2 | undefined }> {
  return new Promise((resolve, reject) => {
    const socket = connect(door.port, '127.0.0.1');
    const lines = [`${method} ${path} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close'];
    for (const [name, value] of headers) lines.push(`${name}: ${value}`);
    if (body !== '') lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
    socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]);
      const parsed = JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>;
      resolve({
        status,
        event: 'routeKey' in parsed ? (parsed as unknown as APIGatewayProxyEventV2) : undefined,
      });
    });
  });
}

describe('local front door: the payload-2.0 event', () => {
  let door: FrontDoor;

  beforeAll(async () => {
    door = await startFrontDoor({ handlers });
  });

  afterAll(async () => {
    await door.stop();
  });

  it('joins a query parameter given twice with a comma, as API Gateway does', async () => {
    // Act
    const { event } = await send(door, 'GET', '/contracts?tag=a&tag=b&one=1');
    // Assess
    expect(event?.queryStringParameters).toEqual({ tag: 'a,b', one: '1' });
    expect(event?.rawQueryString).toBe('tag=a&tag=b&one=1');
  });

  it.each([
    [undefined, true],
    ['application/json', false],
    ['application/json; charset=utf-8', false],
    ['text/plain', false],
    ['application/x-www-form-urlencoded', true],
    ['application/cloudevents+json', true],
  ])('passes a body sent as %p base64-encoded: %p, as recorded against AWS', async (type, encoded) => {
    // Act
    const { event } = await send(
      door,
      'POST',
      '/events',
      type === undefined ? [] : [['Content-Type', type]],
      '{"a":1}',
    );
    // Assess
    expect(event?.isBase64Encoded).toBe(encoded);
    expect(event?.body).toBe(encoded ? Buffer.from('{"a":1}').toString('base64') : '{"a":1}');
  });

  it('answers a body over 10 MB 413 and serves the next request on the same connection', async () => {
    // Prepare: a keep-alive request whose body is past API Gateway's 10 MB, then another on the same connection
    const body = Buffer.alloc(10 * 1024 * 1024 + 1, 'a');
    const socket = connect(door.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    // Act
    socket.write(`POST /events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${body.length}\r\n\r\n`);
    socket.write(body);
    // The second asks for the connection to close once answered
    socket.write('GET /contracts HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    await new Promise((resolve) => socket.once('close', resolve));
    // Assess
    const statuses = Buffer.concat(chunks)
      .toString('utf8')
      .match(/HTTP\/1\.1 \d{3}/g);
    expect(statuses).toEqual(['HTTP/1.1 413', 'HTTP/1.1 200']);
  });

  it('writes requestContext.time as API Gateway does', async () => {
    // Act
    const { event } = await send(door, 'GET', '/contracts');
    // Assess
    expect(event?.requestContext.time).toMatch(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
  });

  it('joins a header sent twice with a comma rather than keeping the first', async () => {
    // Act
    const { event } = await send(door, 'GET', '/contracts', [
      ['Authorization', 'Bearer first'],
      ['Authorization', 'Bearer second'],
      ['X-Trace', 'a'],
      ['X-Trace', 'b'],
    ]);
    // Assess
    expect(event?.headers.authorization).toBe('Bearer first,Bearer second');
    expect(event?.headers['x-trace']).toBe('a,b');
  });

  it('reads a path starting with two slashes as a path, not as a host', async () => {
    // Act
    const hosted = await send(door, 'GET', '//somewhere/contracts');
    const plain = await send(door, 'GET', '/contracts/land.parcel.registered?');
    // Assess
    expect(hosted).toEqual({ status: 404, event: undefined });
    expect(plain.event?.pathParameters).toEqual({ type: 'land.parcel.registered' });
    expect(plain.event?.rawPath).toBe('/contracts/land.parcel.registered');
    expect(plain.event?.queryStringParameters).toBeUndefined();
  });

  it('names the request in apigw-requestid on every answer and types an untyped body as text, as API Gateway does', async () => {
    // Act
    const routed = await fetch(`${door.url}/contracts`);
    const event = (await routed.json()) as APIGatewayProxyEventV2;
    const unrouted = await fetch(`${door.url}/nowhere`);
    // Assess
    expect(routed.headers.get('apigw-requestid')).toBe(event.requestContext.requestId);
    expect(routed.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(unrouted.status).toBe(404);
    expect(unrouted.headers.get('apigw-requestid')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('hands on the path decoded twice, and refuses one that does not decode with 400, as API Gateway does', async () => {
    // Act
    const spaced = await send(door, 'GET', '/contracts/a%20b?x=%20');
    const refused = await send(door, 'GET', '/contracts/100%25');
    // Assess
    expect(spaced.event?.rawPath).toBe('/contracts/a b');
    expect(spaced.event?.requestContext.http.path).toBe('/contracts/a b');
    expect(spaced.event?.pathParameters).toEqual({ type: 'a b' });
    expect(spaced.event?.rawQueryString).toBe('x=%20');
    expect(refused).toEqual({ status: 400, event: undefined });
  });

  it('leaves a fragment out of the path and query, and reads an absolute-form target by its path', async () => {
    // Act
    const fragment = await send(door, 'GET', '/contracts/a.b#frag');
    const queryFragment = await send(door, 'GET', '/contracts?x=1#y=2');
    const absolute = await send(door, 'GET', 'http://127.0.0.1/contracts/a.b?x=1');
    // Assess
    expect(fragment.event?.pathParameters).toEqual({ type: 'a.b' });
    expect(queryFragment.event?.queryStringParameters).toEqual({ x: '1' });
    expect(absolute.event?.rawPath).toBe('/contracts/a.b');
    expect(absolute.event?.queryStringParameters).toEqual({ x: '1' });
  });
});
