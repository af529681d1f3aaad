// The local front door builds API Gateway's payload-2.0 event from real HTTP requests; these are the places
// where it used to build a different one than AWS does.
import { type AddressInfo, connect, createServer } from 'node:net';
import { jest } from '@jest/globals';
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
    // 127.0.0.1 unless the headers name another Host: Node answers the first of two.
    const hostGiven = headers.some(([name]) => name.toLowerCase() === 'host');
    const lines = [
      `${method} ${path} HTTP/1.1`,
      ...(hostGiven ? [] : ['Host: 127.0.0.1']),
      'Connection: close',
    ];
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

describe('local front door: a client gone mid-request', () => {
  // Interop review, 2026-12-07: its "Error: aborted" was printed with its whole stack as a failed handler.
  it('reports nothing when a client closes before its body is in, and goes on answering', async () => {
    // Prepare
    const door = await startFrontDoor({ handlers });
    const errors = jest.spyOn(console, 'error').mockImplementation(() => {});
    try {
      // Act: a POST announcing 1,000 bytes, sending 10, then gone
      await new Promise<void>((resolve) => {
        const socket = connect(door.port, '127.0.0.1', () => {
          socket.write('POST /events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n');
          socket.write('Content-Length: 1000\r\n\r\n{"events":');
          setTimeout(() => socket.destroy(), 50);
        });
        socket.on('close', () => resolve());
      });
      await new Promise((resolve) => setTimeout(resolve, 100));
      const after = await send(door, 'GET', '/health');
      // Assess
      expect(errors).not.toHaveBeenCalled();
      expect(after.status).toBe(200);
    } finally {
      errors.mockRestore();
      await door.stop();
    }
  });
});

describe('local front door: stopping', () => {
  /** A door whose functions answer after `delayMs`. */
  const slowDoor = (delayMs: number) =>
    startFrontDoor({
      handlers: {
        ...handlers,
        ...Object.fromEntries(
          Object.keys(FUNCTIONS).map((name) => [
            name,
            async () => {
              await new Promise((resolve) => setTimeout(resolve, delayMs));
              return { statusCode: 202, body: '{"done":true}' };
            },
          ]),
        ),
      } as unknown as LocalHandlers,
    });

  // Soak review, 2026-12-07: Ctrl-C cut a publish under way, whose events had gone out, with ECONNRESET.
  it('answers the requests under way before it ends, and takes no new connection', async () => {
    // Prepare
    const door = await slowDoor(400);
    const underWay = fetch(`${door.url}/health`).then(async (r) => ({
      status: r.status,
      body: await r.text(),
    }));
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Act
    const stopped = door.stop();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const refused = await fetch(`${door.url}/health`).then(
      () => 'answered',
      (error: Error) => (error.cause as NodeJS.ErrnoException | undefined)?.code,
    );
    // Assess
    expect(await underWay).toEqual({ status: 202, body: '{"done":true}' });
    await stopped;
    expect(refused).toBe('ECONNREFUSED');
  });

  // Crash review, 2026-12-07: server.close() leaves a keep-alive connection open while it carries a request, so
  // clients keeping theirs busy were served until the grace ran out, then cut: 30 s of 500s after DynamoDB Local died
  // under two publishers. The functions here take 150 to 450 ms, so the sixteen clients' requests overlap.
  it('serves no request that comes on a kept-alive connection after the stop began', async () => {
    // Prepare: sixteen clients, each sending one request after another on its kept-alive connection
    let calls = 0;
    const door = await startFrontDoor({
      handlers: {
        ...handlers,
        health: async () => {
          calls += 1;
          await new Promise((resolve) => setTimeout(resolve, 150 + Math.random() * 300));
          return { statusCode: 200, body: '{"status":"ok"}' };
        },
      } as unknown as LocalHandlers,
    });
    let running = true;
    const client = async () => {
      while (running) {
        const gone = await fetch(`${door.url}/health`).then(
          async (r) => {
            await r.text();
            return false;
          },
          () => true,
        );
        if (gone) return;
      }
    };
    const clients = Array.from({ length: 16 }, client);
    while (calls < 64) await new Promise((resolve) => setTimeout(resolve, 10));
    // Act
    const callsAtStop = calls;
    await door.stop(5_000);
    running = false;
    await Promise.all(clients);
    // Assess: the requests under way were answered (at most one a client), none after them; before, each client went
    // on being served until the grace ran out (129 to 140 requests after the stop)
    expect(calls - callsAtStop).toBeLessThanOrEqual(16);
  });

  it('tells a client whose request is under way when the stop begins that its connection closes with the answer', async () => {
    // Prepare: a request on a kept-alive connection, to a function that takes 400 ms
    const door = await slowDoor(400);
    const socket = connect(door.port, '127.0.0.1');
    const answers: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => answers.push(chunk));
    const closed = new Promise((resolve) => socket.once('close', resolve));
    socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Act
    await door.stop();
    await closed;
    // Assess: answered, and told not to send another request on that connection
    const [head] = Buffer.concat(answers).toString('utf8').split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 202 /);
    expect(head).toMatch(/\r\nconnection: close(\r\n|$)/i);
  });

  it('makes no request that comes pipelined behind one under way after the stop began', async () => {
    // Prepare: a function that takes 400 ms, and a connection carrying a first request to it
    let calls = 0;
    const door = await startFrontDoor({
      handlers: {
        ...handlers,
        health: async () => {
          calls += 1;
          await new Promise((resolve) => setTimeout(resolve, 400));
          return { statusCode: 200, body: '{"status":"ok"}' };
        },
      } as unknown as LocalHandlers,
    });
    const socket = connect(door.port, '127.0.0.1');
    const answers: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => answers.push(chunk));
    const closed = new Promise((resolve) => socket.once('close', resolve));
    socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    while (calls < 1) await new Promise((resolve) => setTimeout(resolve, 10));
    // Act: the stop begins, then a second request comes on the same connection
    const stopped = door.stop();
    socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await closed;
    await stopped;
    // Assess: the first answered, the second never made
    expect(Buffer.concat(answers).toString('utf8')).toMatch(/^HTTP\/1\.1 200 /);
    expect(calls).toBe(1);
  });

  it('cuts a request still under way once its grace is over', async () => {
    // Prepare
    const door = await slowDoor(5_000);
    const underWay = fetch(`${door.url}/health`).then(
      (r) => r.status,
      () => 'cut',
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Act
    await door.stop(200);
    // Assess: cut, not answered: the stop did not wait for the function's 5 s
    expect(await underWay).toBe('cut');
  });
});

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
    ['text/html; charset=utf-8', false],
    ['application/xml', false],
    ['application/javascript', false],
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

  it('passes a type that only starts as application/json does base64-encoded, as every type but the four', async () => {
    // Act
    const { event } = await send(
      door,
      'POST',
      '/events',
      [['Content-Type', 'application/json-seq']],
      '{"a":1}',
    );
    // Assess
    expect(event?.isBase64Encoded).toBe(true);
    expect(event?.body).toBe(Buffer.from('{"a":1}').toString('base64'));
  });

  it('passes a body that is not UTF-8 base64-encoded whatever its type, so the handler sees its bytes as sent', async () => {
    // Prepare: Latin-1 bytes (é as 0xE9) sent as JSON, which as text would reach the handler with U+FFFD instead
    const bytes = Buffer.from('{"name":"caf\xe9"}', 'latin1');
    // Act
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(door.port, '127.0.0.1');
      const chunks: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('error', reject);
      socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
      socket.write(
        `POST /events HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${bytes.length}\r\n\r\n`,
      );
      socket.end(bytes);
    });
    const event = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as APIGatewayProxyEventV2;
    // Assess
    expect(event.isBase64Encoded).toBe(true);
    expect(Buffer.from(event.body ?? '', 'base64')).toEqual(bytes);
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

  it('writes requestContext.time as API Gateway does, the same instant as timeEpoch', async () => {
    // Act
    const { event } = await send(door, 'GET', '/contracts');
    // Assess: toUTCString reads `Sat, 05 Dec 2026 22:47:00 GMT`
    const [, day, month, year, clock] =
      /^\w{3}, (\d{2}) (\w{3}) (\d{4}) (\d{2}:\d{2}:\d{2}) GMT$/.exec(
        new Date(event?.requestContext.timeEpoch ?? Number.NaN).toUTCString(),
      ) ?? [];
    expect(event?.requestContext.time).toMatch(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
    expect(event?.requestContext.time).toBe(`${day}/${month}/${year}:${clock} +0000`);
  });

  it('passes the Cookie header as cookies, not among the headers, as API Gateway does', async () => {
    // Act
    const { event } = await send(door, 'GET', '/contracts', [['Cookie', 'a=1; b=2']]);
    // Assess
    expect(event?.cookies).toEqual(['a=1', 'b=2']);
    expect(event?.headers).not.toHaveProperty('cookie');
  });

  it('gives a request without a body, to a route without parameters, neither in the event', async () => {
    // Act
    const { event } = await send(door, 'GET', '/contracts');
    // Assess
    expect(event).not.toHaveProperty('body');
    expect(event).not.toHaveProperty('pathParameters');
    expect(event?.isBase64Encoded).toBe(false);
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

  it('refuses a request line and header values past API Gateway’s 10,240 bytes, which Node alone would take', async () => {
    // Prepare: `GET /contracts HTTP/1.1` (23 bytes) and the values of Host (9) and Connection (5) besides X-Big
    const fits = 10_240 - 23 - 9 - 5;
    // Act
    const atQuota = await send(door, 'GET', '/contracts', [['X-Big', 'a'.repeat(fits)]]);
    const past = await send(door, 'GET', '/contracts', [['X-Big', 'a'.repeat(fits + 1)]]);
    // Assess
    expect(atQuota.status).toBe(200);
    expect(past).toEqual({ status: 431, event: undefined });
  });

  it('answers Expect: 100-continue only for a request it takes, refusing the others before their body', async () => {
    // Prepare: headers sent alone, the body only once `100 Continue` comes, as curl sends a body past 1 KB
    const ask = (path: string, extra: string) =>
      new Promise<string>((resolve, reject) => {
        const body = '{"events":[]}';
        const socket = connect(door.port, '127.0.0.1', () => {
          socket.write(
            `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\n${extra}` +
              `Expect: 100-continue\r\nContent-Length: ${body.length}\r\n\r\n`,
          );
        });
        let text = '';
        socket.on('data', (chunk: Buffer) => {
          text += chunk.toString('utf8');
          if (text.startsWith('HTTP/1.1 100 Continue\r\n\r\n') && !socket.writableEnded) socket.end(body);
        });
        socket.on('error', reject);
        socket.on('close', () => resolve(text));
      });
    // Act
    const taken = await ask('/events', '');
    const tooLarge = await ask('/events', `X-Big: ${'a'.repeat(10_240)}\r\n`);
    const unrouted = await ask('/nowhere', '');
    // Assess
    expect(taken).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 /);
    expect(JSON.parse(taken.slice(taken.lastIndexOf('\r\n\r\n') + 4)).body).toBe('{"events":[]}');
    expect(tooLarge).toMatch(/^HTTP\/1\.1 431 /);
    expect(unrouted).toMatch(/^HTTP\/1\.1 404 /);
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

describe('local front door: the authorizer, and the answer it makes of the function’s result', () => {
  /** Who was invoked, in order, and the last authorizer event. */
  const invoked: string[] = [];
  let authorizerEvent: { headers?: Record<string, string> } | undefined;
  /** What the functions answer next; undefined: the event they were given, as a 200. */
  let answer: unknown;
  const handlers = {
    ...Object.fromEntries(
      Object.keys(FUNCTIONS).map((name) => [
        name,
        (async (event) => {
          invoked.push(name);
          return answer ?? { statusCode: 200, body: JSON.stringify(event) };
        }) satisfies LocalHandler,
      ]),
    ),
    // Denies a request that asks for it, as a Lambda authorizer may (ours never does)
    authorizer: (async (event) => {
      invoked.push('authorizer');
      authorizerEvent = event as typeof authorizerEvent;
      if (authorizerEvent?.headers?.['x-malformed']) return { context: { kind: 'admin' } };
      if (authorizerEvent?.headers?.['x-array-context']) return { isAuthorized: true, context: ['admin'] };
      return authorizerEvent?.headers?.['x-deny']
        ? { isAuthorized: false }
        : { isAuthorized: true, context: { kind: 'system', departmentId: 'tax', systemId: 'filing' } };
    }) satisfies LocalHandler,
  } as unknown as LocalHandlers;
  let door: FrontDoor;

  beforeAll(async () => {
    door = await startFrontDoor({ handlers });
  });

  beforeEach(() => {
    invoked.length = 0;
    authorizerEvent = undefined;
    answer = undefined;
  });

  afterAll(async () => {
    await door.stop();
  });

  it('answers 403 Forbidden, as API Gateway does, when the authorizer denies, and never calls the function', async () => {
    // Act
    const denied = await fetch(`${door.url}/events`, { method: 'POST', headers: { 'x-deny': 'yes' } });
    // Assess
    expect(denied.status).toBe(403);
    expect(await denied.json()).toEqual({ message: 'Forbidden' });
    expect(invoked).toEqual(['authorizer']);
  });

  it('answers 500, as API Gateway does, when the authorizer’s result is not a simple response, and never calls the function', async () => {
    // Prepare: the failure is logged
    const logged = jest.spyOn(console, 'error').mockImplementation(() => {});
    // Act
    const malformed = await fetch(`${door.url}/events`, {
      method: 'POST',
      headers: { 'x-malformed': 'yes' },
    });
    // Assess
    expect(malformed.status).toBe(500);
    expect(await malformed.json()).toEqual({ message: 'Internal Server Error' });
    expect(invoked).toEqual(['authorizer']);
    logged.mockRestore();
  });

  it('answers 500 when the authorizer allows with a context that is an array, not an object, and never calls the function', async () => {
    // Prepare: the failure is logged
    const logged = jest.spyOn(console, 'error').mockImplementation(() => {});
    try {
      // Act
      const response = await fetch(`${door.url}/events`, {
        method: 'POST',
        headers: { 'x-array-context': 'yes' },
      });
      // Assess
      expect(response.status).toBe(500);
      expect(await response.json()).toEqual({ message: 'Internal Server Error' });
      expect(invoked).toEqual(['authorizer']);
    } finally {
      logged.mockRestore();
    }
  });

  it('hands the authorizer the request’s headers and the function its context, and runs no authorizer for /health', async () => {
    // Act
    const authorized = await fetch(`${door.url}/contracts`, { headers: { authorization: 'Bearer k' } });
    const event = (await authorized.json()) as APIGatewayProxyEventV2 & {
      requestContext: { authorizer?: unknown };
    };
    const invokedForContracts = [...invoked];
    invoked.length = 0;
    const health = await fetch(`${door.url}/health`, { headers: { 'x-deny': 'yes' } });
    // Assess
    expect(invokedForContracts).toEqual(['authorizer', 'contracts']);
    expect(authorizerEvent?.headers?.authorization).toBe('Bearer k');
    expect(event.requestContext.authorizer).toEqual({
      lambda: { kind: 'system', departmentId: 'tax', systemId: 'filing' },
    });
    expect(health.status).toBe(200);
    expect(invoked).toEqual(['health']);
  });

  it('answers with the status, headers (in any case), base64 body and cookies of a structured result', async () => {
    // Prepare
    answer = {
      statusCode: 201,
      headers: { 'Content-Type': 'application/xml', 'X-Extra': 'yes' },
      cookies: ['a=1; Path=/', 'b=2'],
      isBase64Encoded: true,
      body: Buffer.from('<ok/>').toString('base64'),
    };
    // Act
    const response = await fetch(`${door.url}/contracts`);
    // Assess
    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toBe('application/xml');
    expect(response.headers.get('x-extra')).toBe('yes');
    expect(response.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2']);
    expect(await response.text()).toBe('<ok/>');
  });

  it('types no body when the structured result has none', async () => {
    // Prepare
    answer = { statusCode: 201 };
    // Act
    const response = await fetch(`${door.url}/contracts`);
    // Assess
    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toBeNull();
    expect(response.headers.get('content-length')).toBe('0');
    expect(await response.text()).toBe('');
  });

  it.each([204, 304])(
    'answers a structured %p without Content-Length or body, as HTTP asks',
    async (statusCode) => {
      // Prepare: a body the function should not have given is not sent either
      answer = { statusCode, headers: { 'X-Extra': 'yes' }, body: 'stray' };
      // Act: on a raw socket, where nothing hides a header or a body
      const text = await new Promise<string>((resolve, reject) => {
        const socket = connect(door.port, '127.0.0.1', () => {
          socket.end('GET /contracts HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
        });
        let read = '';
        socket.on('data', (chunk: Buffer) => {
          read += chunk.toString('utf8');
        });
        socket.on('error', reject);
        socket.on('close', () => resolve(read));
      });
      // Assess
      const [head, body] = text.split('\r\n\r\n');
      expect(head).toMatch(new RegExp(`^HTTP/1\\.1 ${statusCode} `));
      expect(head).toMatch(/\r\nX-Extra: yes(\r\n|$)/i);
      expect(head).not.toMatch(/content-length/i);
      expect(body).toBe('');
    },
  );

  it.each([
    ['a string', 'Hello from Lambda!', 'Hello from Lambda!'],
    ['an object', { ok: true }, '{"ok":true}'],
  ])(
    'answers %s returned without statusCode as a 200 JSON body, as payload 2.0 infers',
    async (_, returned, body) => {
      // Prepare
      answer = returned;
      // Act
      const response = await fetch(`${door.url}/contracts`);
      // Assess
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/json');
      expect(await response.text()).toBe(body);
    },
  );
});

describe('local front door: the stage’s throttle', () => {
  const handlers = Object.fromEntries(
    [...Object.keys(FUNCTIONS), 'authorizer'].map((name) => [
      name,
      (async () =>
        name === 'authorizer'
          ? { isAuthorized: true, context: {} }
          : { statusCode: 204 }) satisfies LocalHandler,
    ]),
  ) as unknown as LocalHandlers;

  it('answers 429 Too Many Requests past a route’s burst, each route a bucket of its own, GET or not', async () => {
    // Prepare: a burst of 2, refilled too slowly to matter here (one request every 1,000 s)
    const door = await startFrontDoor({ handlers, throttle: { rateLimit: 0.001, burstLimit: 2 } });
    try {
      // Act: one at a time
      const health: Response[] = [];
      for (let i = 0; i < 3; i++) health.push(await fetch(`${door.url}/health`));
      const events: number[] = [];
      for (let i = 0; i < 3; i++) events.push((await fetch(`${door.url}/events`, { method: 'POST' })).status);
      const unrouted = await fetch(`${door.url}/nowhere`);
      // Assess
      expect(health.map((r) => r.status)).toEqual([204, 204, 429]);
      expect(health[2]?.headers.get('content-type')).toBe('application/json');
      expect(await health[2]?.json()).toEqual({ message: 'Too Many Requests' });
      expect(events).toEqual([204, 204, 429]);
      expect(unrouted.status).toBe(404);
    } finally {
      await door.stop();
    }
  });

  it('holds no more than its burst, however long the route was quiet', async () => {
    // Prepare: a burst of 1, refilled at 2 a second, taken by a first request; then quiet for 2.5 s, in which a
    // bucket without its cap would fill to 5
    const door = await startFrontDoor({ handlers, throttle: { rateLimit: 2, burstLimit: 1 } });
    try {
      expect((await fetch(`${door.url}/health`)).status).toBe(204);
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      // Act: 8 at once
      const statuses = await Promise.all(
        Array.from({ length: 8 }, async () => (await fetch(`${door.url}/health`)).status),
      );
      // Assess: the one token, and those refilled while they are answered (5 or more only if that took 2 s)
      expect(statuses.filter((status) => status === 204).length).toBeLessThan(5);
    } finally {
      await door.stop();
    }
  });
});

describe('local front door: the Host header', () => {
  let door: FrontDoor;
  const called: string[] = [];

  beforeAll(async () => {
    const recording = Object.fromEntries(
      Object.entries(handlers).map(([name, handler]) => [
        name,
        async (...args: Parameters<LocalHandler>) => {
          called.push(name);
          return (handler as LocalHandler)(...args);
        },
      ]),
    ) as unknown as LocalHandlers;
    door = await startFrontDoor({ handlers: recording });
  });

  afterAll(async () => {
    await door.stop();
  });

  /** POSTs a department on a raw socket under `host`, and reads the answer's status, content type and body. */
  function postUnder(
    host: string,
    origin?: string,
  ): Promise<{ status: number; type: string | undefined; body: string }> {
    return new Promise((resolve, reject) => {
      const socket = connect(door.port, '127.0.0.1');
      const body = '{"id":"tax","name":"Tax"}';
      socket.end(
        `POST /departments HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\n` +
          (origin === undefined ? '' : `Origin: ${origin}\r\n`) +
          `Authorization: Bearer k\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      );
      const chunks: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('error', reject);
      socket.on('close', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({
          status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]),
          type: /\r\ncontent-type: ([^\r]*)/i.exec(text)?.[1],
          body: text.slice(text.indexOf('\r\n\r\n') + 4),
        });
      });
    });
  }

  it.each(['evil.example:4510', '127.0.0.1.evil.example'])(
    'refuses Host %s (a page rebound to 127.0.0.1) with 403 host_not_allowed, calling no function',
    async (host) => {
      // Prepare
      called.length = 0;
      // Act
      const answer = await postUnder(host);
      // Assess
      expect([answer.status, answer.type]).toEqual([403, 'application/problem+json']);
      expect(JSON.parse(answer.body)).toMatchObject({
        status: 403,
        code: 'host_not_allowed',
        detail: expect.stringContaining(`not to Host ${JSON.stringify(host)}`),
        errors: [{ field: 'Host', message: 'is not a loopback name or address' }],
      });
      expect(called).toEqual([]);
    },
  );

  it.each(['https://evil.example', 'null'])(
    'refuses a request from Origin %s (a page sending 127.0.0.1 itself) with 403 host_not_allowed, calling no function',
    async (origin) => {
      // Prepare
      called.length = 0;
      // Act
      const answer = await postUnder(`127.0.0.1:${door.port}`, origin);
      // Assess
      expect(answer.status).toBe(403);
      expect(JSON.parse(answer.body)).toMatchObject({
        code: 'host_not_allowed',
        detail: `The local sharebus API answers no request from a web page served elsewhere than this machine, and this one came from Origin ${JSON.stringify(origin)}.`,
        errors: [{ field: 'Origin', message: 'is not a loopback origin' }],
      });
      expect(called).toEqual([]);
    },
  );

  it('answers a request from a page of its own machine (a loopback Origin)', async () => {
    // Prepare
    called.length = 0;
    // Act
    const answer = await postUnder(`127.0.0.1:${door.port}`, 'http://localhost:3000');
    // Assess
    expect(answer.status).toBe(200);
    expect(called).toEqual(['authorizer', 'departments']);
  });

  it.each(['localhost', '[::1]', '127.0.0.1'])('answers under Host %s', async (name) => {
    // Prepare
    called.length = 0;
    // Act
    const answer = await postUnder(`${name}:${door.port}`);
    // Assess
    expect(answer.status).toBe(200);
    expect(called).toEqual(['authorizer', 'departments']);
  });
});

describe('local front door: SHAREBUS_ALLOWED_HOSTS', () => {
  let door: FrontDoor;

  beforeAll(async () => {
    door = await startFrontDoor({ handlers, allowedHosts: new Set(['bus.example.gov']) });
  });

  afterAll(async () => {
    await door.stop();
  });

  it('answers the allowed name in Host and a page served from it, as behind a reverse proxy passing Host on', async () => {
    // Act
    const proxied = await send(door, 'GET', '/contracts', [['Host', 'bus.example.gov']]);
    const fromPage = await send(door, 'GET', '/contracts', [
      ['Host', 'bus.example.gov'],
      ['Origin', 'https://bus.example.gov'],
    ]);
    // Assess
    expect([proxied.status, fromPage.status]).toEqual([200, 200]);
    expect(proxied.event?.requestContext.domainName).toBe('bus.example.gov');
  });
});

describe('local front door: request bodies held at once', () => {
  // Exhaustion review, 2026-12-07: bodies were read whole whatever came at once, before any API key was looked at.
  it('answers 503 with Retry-After to a body past what bodies may hold at once, and takes bodies again once room is made', async () => {
    // Prepare: room for 1 MB of bodies; a request that has sent 700 KB of its 800 KB and waits.
    const door = await startFrontDoor({ handlers, maxBodyBytesAtOnce: 1_000_000 });
    const warnings = jest.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const first = await partBody(door, 800_000, 700_000);
      // Act: a second body of 500 KB while the first is held, then the first's last 100 KB, then a third of 500 KB.
      const second = await sendRaw(door, 500_000);
      const firstAnswer = await first.finish();
      const third = await sendRaw(door, 500_000);
      // Assess: the second refused, read to its end (its answer came on the same request); the first and third taken.
      expect(first.held).toBe(700_000);
      expect(second).toMatch(
        /^HTTP\/1\.1 503 [\s\S]*\r\nretry-after: 1\r\n[\s\S]*\{"message":"Service Unavailable"\}$/,
      );
      expect(firstAnswer).toMatch(/^HTTP\/1\.1 200 /);
      expect(third).toMatch(/^HTTP\/1\.1 200 /);
      expect(door.bodyBytesHeld).toBe(0);
      expect(warnings.mock.calls.map(([line]) => line)).toEqual([
        "front door: answered 1 request 503 (the last POST /events): the request bodies being read held 0.668 MiB of the 0.954 MiB they may hold at once (by default a thirty-second of Node's heap limit, at most 256 MiB: give Node more heap for more, with NODE_OPTIONS=--max-old-space-size)",
      ]);
    } finally {
      warnings.mockRestore();
      await door.stop();
    }
  });
});

describe('local front door: the 503 warning after the wall clock is set back', () => {
  // Clock review, 2026-12-07: the minute between warnings was measured on the wall clock, so one set back an hour
  // silenced the count for the hour, however much real time passed.
  it('is said again once more than a minute of real time has passed', async () => {
    // Prepare: room for 1,000 bytes of bodies, 500 of them held by a request that waits, so that every body of
    // 2,000 is refused
    const door = await startFrontDoor({ handlers, maxBodyBytesAtOnce: 1_000 });
    const warnings = jest.spyOn(console, 'warn').mockImplementation(() => {});
    const realWall = Date.now.bind(Date);
    const realMonotonic = performance.now.bind(performance);
    const holder = await partBody(door, 1_000, 500);
    try {
      await sendRaw(door, 2_000);
      await sendRaw(door, 2_000);
      const saidWithinTheMinute = warnings.mock.calls.length;
      // Act: 61 s of real time pass, during which the wall clock is set back an hour
      jest.spyOn(Date, 'now').mockImplementation(() => realWall() - 3_600_000 + 61_000);
      jest.spyOn(performance, 'now').mockImplementation(() => realMonotonic() + 61_000);
      const refused = await sendRaw(door, 2_000);
      // Assess: said at once, then again with the two refused since
      expect(refused).toMatch(/^HTTP\/1\.1 503 /);
      expect(saidWithinTheMinute).toBe(1);
      expect(warnings.mock.calls.map(([line]) => String(line).slice(0, 43))).toEqual([
        'front door: answered 1 request 503 (the las',
        'front door: answered 2 requests 503 (the la',
      ]);
    } finally {
      jest.restoreAllMocks();
      holder.destroy();
      await door.stop();
    }
  });
});

describe('local front door: a body larger than the bound, alone', () => {
  // Memory review, 2026-12-07: the bound by default is a thirty-second of the heap, below one of API Gateway's largest
  // bodies in a small heap; with no floor of two such bodies, one alone is still read.
  it('takes it while no other body is held, and refuses a second meanwhile', async () => {
    // Prepare: room for 1 MB of bodies; a request that has sent 1.2 MB of its 1.5 MB and waits.
    const door = await startFrontDoor({ handlers, maxBodyBytesAtOnce: 1_000_000 });
    const warnings = jest.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const first = await partBody(door, 1_500_000, 1_200_000);
      // Act: a second body of 100 KB while the first is held, then the first's last 300 KB.
      const second = await sendRaw(door, 100_000);
      const firstAnswer = await first.finish();
      // Assess: the first taken whole, past the bound; the second refused.
      expect(first.held).toBe(1_200_000);
      expect(second).toMatch(/^HTTP\/1\.1 503 /);
      expect(firstAnswer).toMatch(/^HTTP\/1\.1 200 /);
      expect(door.bodyBytesHeld).toBe(0);
    } finally {
      warnings.mockRestore();
      await door.stop();
    }
  });
});

describe('local front door: a bound on bodies at once that is not one', () => {
  it.each([0, -1, 1.5, Number.NaN])('refuses maxBodyBytesAtOnce %p, and listens on nothing', async (bad) => {
    // Prepare: a port free now.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    // Act
    const started = startFrontDoor({ handlers, port, maxBodyBytesAtOnce: bad });
    // Assess: refused, naming the option; the port still free.
    await expect(started).rejects.toThrow(
      new RangeError(`maxBodyBytesAtOnce must be a whole number of bytes above 0, got ${bad}`),
    );
    const again = createServer();
    await new Promise<void>((resolve, reject) => {
      again.once('error', reject);
      again.listen(port, '127.0.0.1', resolve);
    });
    await new Promise((resolve) => again.close(resolve));
  });
});

/**
 * A POST /events announcing `total` bytes that has sent `sent` of them and waits, resolved once the door holds them:
 * `finish` sends the rest and answers what came back, `destroy` drops the connection.
 */
async function partBody(
  door: FrontDoor,
  total: number,
  sent: number,
): Promise<{ held: number; finish(): Promise<string>; destroy(): void }> {
  const socket = connect(door.port, '127.0.0.1');
  const answer: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => answer.push(chunk));
  const closed = new Promise((resolve) => socket.once('close', resolve));
  socket.write(
    `POST /events HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: ${total}\r\n\r\n`,
  );
  socket.write(Buffer.alloc(sent, 'a'));
  for (let waited = 0; door.bodyBytesHeld < sent && waited < 5_000; waited += 10) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return {
    held: door.bodyBytesHeld,
    async finish() {
      socket.end(Buffer.alloc(total - sent, 'a'));
      await closed;
      return Buffer.concat(answer).toString('utf8');
    },
    destroy: () => socket.destroy(),
  };
}

/** POSTs a body of `bytes` to /events on a raw socket and resolves with the whole answer as text. */
function sendRaw(door: FrontDoor, bytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(door.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.write(
      `POST /events HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: ${bytes}\r\n\r\n`,
    );
    socket.end(Buffer.alloc(bytes, 'b'));
  });
}

describe('local front door: a body past 10 MB while it is drained', () => {
  // Review, 2026-12-07: the 10 MB taken before it passed the limit stayed held until its last byte came, which a slow
  // client could put off for minutes, answering other bodies 503 meanwhile.
  it('holds none of it while the rest comes', async () => {
    // Prepare
    const door = await startFrontDoor({ handlers, maxBodyBytesAtOnce: 21_000_000 });
    try {
      const socket = connect(door.port, '127.0.0.1');
      const answer: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => answer.push(chunk));
      const closed = new Promise((resolve) => socket.once('close', resolve));
      // Act: 11 MB of a 12 MB body, then a wait for the front door to have read it.
      socket.write(
        `POST /events HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: ${12 * 1024 * 1024}\r\n\r\n`,
      );
      let read = 0;
      await new Promise<void>((resolve) =>
        socket.write(Buffer.alloc(11 * 1024 * 1024, 'a'), () => resolve()),
      );
      for (let waited = 0; waited < 1_000; waited += 20) {
        read = Math.max(read, door.bodyBytesHeld);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const whileDrained = door.bodyBytesHeld;
      socket.end(Buffer.alloc(1024 * 1024, 'a'));
      await closed;
      // Assess: nothing held once past the limit, and the request answered 413.
      expect(whileDrained).toBe(0);
      expect(Buffer.concat(answer).toString('utf8')).toMatch(/^HTTP\/1\.1 413 /);
    } finally {
      await door.stop();
    }
  });
});

describe('local front door: its limits at their edge', () => {
  it('takes a body of exactly 10 MiB past API Gateway’s limit, leaving it to Lambda’s 6 MB to refuse (500, not 413)', async () => {
    // Prepare
    const door = await startFrontDoor({ handlers });
    const errors = jest.spyOn(console, 'error').mockImplementation(() => {});
    try {
      // Act
      const answer = await sendRaw(door, 10 * 1024 * 1024);
      // Assess: refused by the invocation, whose event is past 6 MB, not by the front door
      expect(answer).toMatch(/^HTTP\/1\.1 500 /);
      expect(String(errors.mock.calls[0]?.[1])).toMatch(
        /the request payload is \d+ bytes, over Lambda's limit/,
      );
    } finally {
      errors.mockRestore();
      await door.stop();
    }
  });

  it('takes a body that fills exactly what bodies may hold at once, beside another held', async () => {
    // Prepare: room for 1,000 bytes of bodies, 400 of them held by a body still coming
    const door = await startFrontDoor({ handlers, maxBodyBytesAtOnce: 1_000 });
    try {
      const holder = await partBody(door, 500, 400);
      // Act: a second body of the 600 bytes left
      const answer = await sendRaw(door, 600);
      const holderAnswer = await holder.finish();
      // Assess
      expect(holder.held).toBe(400);
      expect(answer).toMatch(/^HTTP\/1\.1 200 /);
      expect(holderAnswer).toMatch(/^HTTP\/1\.1 200 /);
    } finally {
      await door.stop();
    }
  });
});
