import { jest } from '@jest/globals';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import fc from 'fast-check';
import { z } from 'zod';
import {
  BadRequestError,
  BusUnavailableError,
  RulesQuotaProblem,
  SharebusError,
} from '../../../functions/shared/errors.js';
import {
  type ApiEvent,
  type ApiResult,
  type AuthorizerContext,
  httpErrors,
  json,
  parseJsonBody,
  parseRequest,
  principalOf,
  router,
} from '../../../functions/shared/http.js';
import {
  escapePointerSegment,
  jsonPointer,
  unescapePointerSegment,
} from '../../../functions/shared/json-pointer.js';
import { logger } from '../../../functions/shared/logger.js';
import { RegistryBusyError } from '../../../functions/shared/registry/registry.js';

/** A payload-2.0 event as API Gateway sends it, with the authorizer's label. */
function apiEvent(
  overrides: {
    body?: string;
    isBase64Encoded?: boolean;
    routeKey?: string;
    auth?: AuthorizerContext;
    contentType?: string;
  } = {},
): ApiEvent {
  const routeKey = overrides.routeKey ?? 'POST /things';
  return {
    version: '2.0',
    routeKey,
    rawPath: '/things',
    rawQueryString: '',
    headers: overrides.contentType === undefined ? {} : { 'content-type': overrides.contentType },
    isBase64Encoded: overrides.isBase64Encoded ?? false,
    ...(overrides.body === undefined ? {} : { body: overrides.body }),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: {
        method: 'POST',
        path: '/things',
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'test',
      },
      requestId: 'req-1',
      routeKey,
      stage: '$default',
      time: '01/Jan/2025:00:00:00 +0000',
      timeEpoch: 0,
      authorizer: { lambda: overrides.auth ?? { kind: 'anonymous', authError: 'missing_api_key' } },
    },
  };
}

function thrown(act: () => unknown): SharebusError {
  try {
    act();
  } catch (error) {
    if (error instanceof SharebusError) return error;
    throw error;
  }
  throw new Error('expected a SharebusError, nothing was thrown');
}

describe('jsonPointer', () => {
  it('joins path parts, escaping "~" as ~0 and "/" as ~1 (RFC 6901)', () => {
    // Act
    const pointer = jsonPointer(['events', 2, 'data', 'a/b', 'c~d', '~/']);
    // Assess
    expect(pointer).toBe('/events/2/data/a~1b/c~0d/~0~1');
  });

  it('answers the empty pointer for the whole document', () => {
    // Act
    const pointer = jsonPointer([]);
    // Assess
    expect(pointer).toBe('');
  });

  it('reads every escaped segment back as it was: ~01 is "~1", not "/"', () => {
    // Assess
    expect(unescapePointerSegment('~01')).toBe('~1');
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('~', '/', '0', '1', 'a') }), (segment) => {
        expect(unescapePointerSegment(escapePointerSegment(segment))).toBe(segment);
      }),
    );
  });
});

describe('parseRequest', () => {
  const Schema = z.strictObject({
    name: z.string().min(1, 'must not be empty'),
    endpoint: z.strictObject({ url: z.string() }),
    tags: z.array(z.string()).optional(),
  });

  it('answers the parsed body when it is valid', () => {
    // Act
    const parsed = parseRequest(Schema, { name: 'n', endpoint: { url: 'u' } });
    // Assess
    expect(parsed).toEqual({ name: 'n', endpoint: { url: 'u' } });
  });

  it('names every field at fault as a JSON Pointer, nested and in arrays', () => {
    // Act
    const error = thrown(() => parseRequest(Schema, { name: '', endpoint: {}, tags: ['ok', 7] }));
    // Assess
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error).toMatchObject({ status: 400, code: 'invalid_request' });
    expect(error.fields.map((f) => f.field).sort()).toEqual(['/endpoint/url', '/name', '/tags/1']);
    expect(error.message).toMatch(/^\/(name|endpoint\/url|tags\/1): /);
  });

  it('names an unrecognized key by its own pointer, also inside a nested object', () => {
    // Act
    const top = thrown(() => parseRequest(Schema, { name: 'n', endpoint: { url: 'u' }, colour: 'red' }));
    const nested = thrown(() => parseRequest(Schema, { name: 'n', endpoint: { url: 'u', 'a/b': 1 } }));
    // Assess
    expect(top.fields).toEqual([{ field: '/colour', message: expect.any(String) }]);
    expect(nested.fields).toEqual([{ field: '/endpoint/a~1b', message: expect.any(String) }]);
  });

  it('names each of several unrecognized keys by its own pointer', () => {
    // Act
    const error = thrown(() =>
      parseRequest(Schema, { name: 'n', endpoint: { url: 'u' }, colour: 'red', size: 9 }),
    );
    // Assess
    expect(error.fields.map((f) => f.field).sort()).toEqual(['/colour', '/size']);
  });

  it('says "is required" of every field the body lacks, nested too, whichever schema found it missing', () => {
    // Prepare: a schema whose own message for a wrong type would otherwise be shown for a missing value too
    const Named = z.strictObject({
      id: z.string({ error: 'id must be a string' }),
      endpoint: z.strictObject({ url: z.string() }),
      tags: z.array(z.string()).optional(),
    });
    // Act
    const missing = thrown(() => parseRequest(Named, { endpoint: {} }));
    const wrong = thrown(() => parseRequest(Named, { id: 7, endpoint: { url: null }, tags: [null] }));
    // Assess: a value given but wrong keeps its schema's words
    expect(missing.fields).toEqual([
      { field: '/id', message: 'is required' },
      { field: '/endpoint/url', message: 'is required' },
    ]);
    expect(missing.message).toBe('/id: is required');
    expect(wrong.fields).toEqual([
      { field: '/id', message: 'id must be a string' },
      { field: '/endpoint/url', message: 'must be a string, got null' },
      { field: '/tags/0', message: 'must be a string, got null' },
    ]);
  });

  it.each([
    [{ endpoint: 'u' }, 'must be an object, got a string'],
    [{ tags: {} }, 'must be a list, got an object'],
    [{ count: 1.5 }, 'must be an integer, got 1.5'],
    [{ count: 0 }, 'must be greater than 0'],
    [{ count: 11 }, 'must be at most 10'],
    [{ code: '' }, 'must not be empty'],
    [{ code: 'abcd' }, 'must have at most 3 characters'],
    [{ tags: ['a', 'b', 'c'] }, 'must have at most 2 items'],
    [{ colour: 'blue' }, 'must be one of "red", "green"'],
    // The kind is what is wrong, not the length zod also judges.
    [{ tags: 'abc' }, 'must be a list, got a string'],
  ])("words zod's own checks as the API does: %j", (change, message) => {
    // Prepare
    const Checked = z.strictObject({
      endpoint: z.strictObject({ url: z.string() }).optional(),
      tags: z.array(z.string()).max(2).optional(),
      count: z.number().int().positive().max(10).optional(),
      code: z.string().min(1).max(3).optional(),
      colour: z.enum(['red', 'green']).optional(),
    });
    // Act
    const error = thrown(() => parseRequest(Checked, change));
    // Assess
    expect(error.fields).toEqual([{ field: `/${Object.keys(change)[0]}`, message }]);
  });

  it('writes a length bound of thousands with commas, without toLocaleString (ICU loaded at a first refusal)', () => {
    // Prepare
    const Long = z.strictObject({ text: z.string().max(2_048) });
    const localeCalls = jest.spyOn(Number.prototype, 'toLocaleString');
    try {
      // Act
      const error = thrown(() => parseRequest(Long, { text: 'x'.repeat(2_049) }));
      // Assess
      expect(error.fields).toEqual([{ field: '/text', message: 'must have at most 2,048 characters' }]);
      expect(localeCalls).not.toHaveBeenCalled();
    } finally {
      localeCalls.mockRestore();
    }
  });

  it('names the body itself "" (RFC 6901\'s whole document) when it is not an object at all', () => {
    // Act
    const error = thrown(() => parseRequest(Schema, [1, 2]));
    const emptyKey = thrown(() => parseRequest(Schema, { name: 'n', endpoint: { url: 'u' }, '': 1 }));
    // Assess: "/" is a key named "" (review, 2026-12-04: both read "/")
    expect(error.fields).toEqual([{ field: '', message: expect.any(String) }]);
    expect(error.message).toMatch(/^The request body: /);
    expect(emptyKey.fields).toEqual([{ field: '/', message: 'is not a known field' }]);
  });
});

describe('parseJsonBody', () => {
  it('parses a JSON body, also when API Gateway sent it base64-encoded', () => {
    // Act
    const plain = parseJsonBody(apiEvent({ body: '{"a":1}' }));
    const encoded = parseJsonBody(
      apiEvent({ body: Buffer.from('{"a":"é"}').toString('base64'), isBase64Encoded: true }),
    );
    // Assess
    expect(plain).toEqual({ a: 1 });
    expect(encoded).toEqual({ a: 'é' });
  });

  it('answers 400 malformed_json for a base64 body that is not UTF-8, rather than change its bytes to U+FFFD', () => {
    // Prepare: "a\xffb" as JSON text; decoded as before it read {"a":"a\ufffdb"}
    const body = Buffer.concat([Buffer.from('{"a":"a'), Buffer.from([0xff]), Buffer.from('b"}')]).toString(
      'base64',
    );
    // Act
    const error = thrown(() => parseJsonBody(apiEvent({ body, isBase64Encoded: true })));
    // Assess
    expect(error).toMatchObject({ status: 400, code: 'malformed_json' });
    expect(error.message).toContain('not UTF-8');
  });

  it.each([
    {
      case: 'a missing body',
      body: undefined,
      message: 'The request body is empty; a JSON document is expected.',
    },
    { case: 'an empty body', body: '', message: 'The request body is empty; a JSON document is expected.' },
    {
      case: 'a body that is not JSON',
      body: '{"a":',
      message: expect.stringMatching(/^The request body is not valid JSON: /),
    },
  ])('answers 400 malformed_json for $case', ({ body, message }) => {
    // Act
    const error = thrown(() => parseJsonBody(apiEvent(body === undefined ? {} : { body })));
    // Assess
    expect(error).toMatchObject({ status: 400, code: 'malformed_json', message });
  });

  it.each([
    'application/json',
    'Application/JSON',
    'application/json; charset=utf-8',
    'application/json;charset=UTF8',
    'application/json; charset="utf-8"',
    'application/json; charset=us-ascii',
    'application/json; charset=utf-8;',
    'application/json; version=1',
    'application/json;odata.metadata=minimal',
    'application/cloudevents+json',
    'application/vnd.a+b+json',
    '',
  ])('reads a body sent as %p', (contentType) => {
    // Act
    const value = parseJsonBody(apiEvent({ body: '{"a":1}', contentType }));
    // Assess
    expect(value).toEqual({ a: 1 });
  });

  it.each([
    'text/plain',
    'application/x-www-form-urlencoded',
    'application/jsonx',
    'text/application/json',
    'application/json; charset=iso-8859-1',
    'application/json; Charset=iso-8859-1',
    'multipart/form-data; boundary=x',
  ])('answers 415 unsupported_media_type for a body sent as %p', (contentType) => {
    // Act
    const error = thrown(() => parseJsonBody(apiEvent({ body: '{"a":1}', contentType })));
    // Assess
    expect(error).toMatchObject({ status: 415, code: 'unsupported_media_type' });
    expect(error.message).toContain(JSON.stringify(contentType));
  });

  // Walkthrough review, 2026-12-05: it said "send JSON" of a body that was JSON, in another charset.
  it('says it is the charset it refuses when a JSON type names one other than UTF-8', () => {
    // Act
    const error = thrown(() =>
      parseJsonBody(apiEvent({ body: '{"a":1}', contentType: 'application/json; charset="ISO-8859-1"' })),
    );
    // Assess
    expect(error).toMatchObject({ status: 415, code: 'unsupported_media_type' });
    expect(error.message).toMatch(/in charset "ISO-8859-1"; JSON must be UTF-8: send it encoded as UTF-8/);
  });

  // i18n review, 2026-12-07: Windows tools save UTF-8 with a byte order mark, and JSON.parse's words showed it as an
  // invisible "Unexpected token".
  it.each([
    ['as text', apiEvent({ body: '\ufeff{"a":1}' })],
    [
      'base64-encoded',
      apiEvent({ body: Buffer.from('\ufeff{"a":1}').toString('base64'), isBase64Encoded: true }),
    ],
  ])('names a byte order mark at the start of a body sent %s', (_, event) => {
    // Act
    const error = thrown(() => parseJsonBody(event));
    // Assess
    expect(error).toMatchObject({ status: 400, code: 'malformed_json' });
    expect(error.message).toMatch(/starts with a byte order mark \(U\+FEFF\).*without a BOM/);
  });

  // Interop review, 2026-12-07: a gzip body was refused as "not UTF-8", and one said to be `br` but sent plain was read.
  it.each([
    ['gzip', Buffer.from([0x1f, 0x8b, 0x08, 0x00]).toString('base64'), true],
    ['br', '{"a":1}', false],
    [' GZIP ', '{"a":1}', false],
  ])('answers 415 to a body sent with Content-Encoding %j, naming it', (coding, body, isBase64Encoded) => {
    // Prepare
    const event = apiEvent({ body, isBase64Encoded, contentType: 'application/json' });
    event.headers['content-encoding'] = coding;
    // Act
    const error = thrown(() => parseJsonBody(event));
    // Assess
    expect(error).toMatchObject({ status: 415, code: 'unsupported_media_type' });
    expect(error.message).toContain(`Content-Encoding ${JSON.stringify(coding.trim().toLowerCase())}`);
  });

  it('reads a body whose Content-Encoding is identity', () => {
    // Prepare
    const event = apiEvent({ body: '{"a":1}' });
    event.headers['content-encoding'] = 'identity';
    // Act
    const value = parseJsonBody(event);
    // Assess
    expect(value).toEqual({ a: 1 });
  });

  it('answers 400 invalid_request naming where a lone surrogate is, and the field', () => {
    // Act
    const error = thrown(() => parseJsonBody(apiEvent({ body: '{"data":{"name":"\\ud842 Yoshida"}}' })));
    // Assess
    expect(error).toMatchObject({
      status: 400,
      code: 'invalid_request',
      fields: [{ field: '/data/name', message: expect.stringContaining('lone surrogate') }],
    });
  });
});

describe('principalOf', () => {
  it('answers the admin and a system as the authorizer labelled them', () => {
    // Act
    const adminCaller = principalOf(apiEvent({ auth: { kind: 'admin' } }));
    const systemCaller = principalOf(
      apiEvent({ auth: { kind: 'system', departmentId: 'tax', systemId: 'filing' } }),
    );
    // Assess
    expect(adminCaller).toEqual({ kind: 'admin' });
    expect(systemCaller).toEqual({ kind: 'system', departmentId: 'tax', systemId: 'filing' });
  });

  it.each(['missing_api_key', 'unknown_api_key'] as const)(
    'answers 401 %s for an anonymous request',
    (authError) => {
      // Act
      const error = thrown(() => principalOf(apiEvent({ auth: { kind: 'anonymous', authError } })));
      // Assess
      expect(error).toMatchObject({ status: 401, code: authError });
    },
  );
});

/** A system's key, as the authorizer labels it: routes that need a key are judged past it. */
const SYSTEM = { kind: 'system', departmentId: 'tax', systemId: 'filing' } as const;

describe('router and httpErrors', () => {
  const context = {} as Context;
  const handler = middy<ApiEvent, ApiResult>()
    .use(httpErrors())
    .handler(
      router({
        'POST /things': async (event) => json(201, { got: parseJsonBody(event) }),
        'GET /boom': async () => {
          throw new Error('secret connection string');
        },
        'POST /events': async () => {
          throw new BusUnavailableError('1 of 2 events was not accepted', {
            extensions: { accepted: ['evt-1'], failed: [{ eventId: 'evt-2', code: 'InternalFailure' }] },
          });
        },
        'POST /subscriptions': async () => {
          throw new RulesQuotaProblem(new Error('LimitExceededException'));
        },
        'PUT /events': async () => {
          throw new BusUnavailableError('2 of 2 events were not accepted', {
            extensions: {
              accepted: [],
              failed: [
                { eventId: 'evt-1', code: 'ThrottlingException', message: 'Lambda function f is behind' },
                { eventId: 'evt-2', code: 'ThrottlingException', message: 'Lambda function f is behind' },
              ],
            },
            throttled: true,
          });
        },
        'PUT /busy': async () => {
          throw new RegistryBusyError(
            'the registry cancelled the change 4 times; nothing was written, retry',
          );
        },
      }),
    );

  it('runs the handler of the route key', async () => {
    // Act
    const result = await handler(apiEvent({ body: '{"a":1}' }), context);
    // Assess
    expect(result).toEqual({
      statusCode: 201,
      headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
      body: '{"got":{"a":1}}',
    });
  });

  it('answers a client error as problem+json', async () => {
    // Act
    const result = await handler(apiEvent({ body: 'nope' }), context);
    // Assess
    expect(result.statusCode).toBe(400);
    expect(result.headers).toEqual({ 'content-type': 'application/problem+json' });
    expect(JSON.parse(result.body ?? '')).toMatchObject({ code: 'malformed_json' });
  });

  it('answers 404 route_not_found for a route key the function does not serve', async () => {
    // Act
    const result = await handler(apiEvent({ routeKey: 'DELETE /things' }), context);
    // Assess
    expect(result.statusCode).toBe(404);
    expect(JSON.parse(result.body ?? '')).toMatchObject({ code: 'route_not_found' });
  });

  it('logs a server error and answers a generic 500 that does not leak it', async () => {
    // Prepare
    const logged = jest.spyOn(logger, 'error').mockImplementation(() => undefined);
    // Act
    const result = await handler(apiEvent({ routeKey: 'GET /boom' }), context);
    // Assess
    expect(result.statusCode).toBe(500);
    expect(result.body).not.toContain('secret');
    expect(JSON.parse(result.body ?? '')).toMatchObject({ code: 'internal_error' });
    expect(logged).toHaveBeenCalledTimes(1);
    logged.mockRestore();
  });

  it('answers a registry that stayed busy as a 503 registry_busy with Retry-After, and warns', async () => {
    // Prepare
    const logged = jest.spyOn(logger, 'warn').mockImplementation(() => undefined);
    // Act
    const result = await handler(apiEvent({ routeKey: 'PUT /busy' }), context);
    // Assess
    expect(result.statusCode).toBe(503);
    expect(result.headers).toEqual({ 'content-type': 'application/problem+json', 'retry-after': '1' });
    expect(JSON.parse(result.body ?? '')).toEqual({
      type: 'urn:sharebus:problem:registry_busy',
      title: 'Service Unavailable',
      status: 503,
      code: 'registry_busy',
      detail: 'the registry cancelled the change 4 times; nothing was written, retry',
    });
    expect(logged).toHaveBeenCalledTimes(1);
    logged.mockRestore();
  });

  it('answers bus_unavailable with Retry-After too, listing what to resend', async () => {
    // Prepare
    const logged = jest.spyOn(logger, 'error').mockImplementation(() => undefined);
    // Act
    const result = await handler(apiEvent({ routeKey: 'POST /events', auth: SYSTEM }), context);
    // Assess
    expect(result.statusCode).toBe(503);
    expect(result.headers).toEqual({ 'content-type': 'application/problem+json', 'retry-after': '1' });
    expect(JSON.parse(result.body ?? '')).toMatchObject({
      code: 'bus_unavailable',
      accepted: ['evt-1'],
      failed: [{ eventId: 'evt-2' }],
    });
    expect(logged).toHaveBeenCalledWith('request failed', expect.anything());
    logged.mockRestore();
  });

  it('logs a bus_unavailable whose every failure was throttled as a warning, with the count and the reason alone', async () => {
    // Prepare
    const warned = jest.spyOn(logger, 'warn').mockImplementation(() => undefined);
    const errors = jest.spyOn(logger, 'error').mockImplementation(() => undefined);
    // Act
    const result = await handler(apiEvent({ routeKey: 'PUT /events', auth: SYSTEM }), context);
    // Assess: contention, as registry_busy is, not an error with its stack.
    expect(result.statusCode).toBe(503);
    expect(warned.mock.calls).toEqual([
      ['bus throttled', { routeKey: 'PUT /events', events: 2, reason: 'Lambda function f is behind' }],
    ]);
    expect(errors).not.toHaveBeenCalled();
    warned.mockRestore();
    errors.mockRestore();
  });

  it('gives no Retry-After to rules_quota_reached, a 503 only an operator can help with', async () => {
    // Act
    const result = await handler(apiEvent({ routeKey: 'POST /subscriptions', auth: SYSTEM }), context);
    // Assess
    expect(result.statusCode).toBe(503);
    expect(result.headers).toEqual({ 'content-type': 'application/problem+json' });
    expect(JSON.parse(result.body ?? '')).toMatchObject({ code: 'rules_quota_reached' });
  });

  it('gives no Retry-After to a 500', async () => {
    // Prepare
    const logged = jest.spyOn(logger, 'error').mockImplementation(() => undefined);
    // Act
    const result = await handler(apiEvent({ routeKey: 'GET /boom' }), context);
    // Assess
    expect(result.headers).toEqual({ 'content-type': 'application/problem+json' });
    logged.mockRestore();
  });
});
