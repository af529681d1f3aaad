// The HTTP edge of every API function: JSON in, JSON or problem+json out, the caller's identity from the
// authorizer, and routing by API Gateway route key. Use cases never see an API Gateway event.
import type { MiddlewareObj } from '@middy/core';
import type {
  APIGatewayProxyEventV2WithLambdaAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import type * as z from 'zod';
import { ROUTES, type Route } from '../routes.js';
import {
  BadRequestError,
  BusUnavailableError,
  type FieldProblem,
  NotFoundError,
  RegistryBusyProblem,
  UnauthorizedError,
  UnsupportedMediaTypeError,
} from './errors.js';
import { groupDigits } from './group-digits.js';
import { jsonPointer } from './json-pointer.js';
import { findJsonFault } from './json-text.js';
import { logger } from './logger.js';
import { problemOf, problemResponse } from './problem.js';
import { type Principal, RegistryBusyError } from './registry/registry.js';

/**
 * What the authorizer attaches to every request. It never denies: an HTTP API authorizer's denial cannot
 * carry a problem+json body, so it labels the request and the function refuses it (see docs/architecture.md).
 */
export type AuthorizerContext =
  | { readonly kind: 'admin' }
  | { readonly kind: 'system'; readonly departmentId: string; readonly systemId: string }
  | { readonly kind: 'anonymous'; readonly authError: 'missing_api_key' | 'unknown_api_key' };

export type ApiEvent = APIGatewayProxyEventV2WithLambdaAuthorizer<AuthorizerContext>;
export type ApiResult = APIGatewayProxyStructuredResultV2;
export type RouteHandler = (event: ApiEvent, context?: Context) => Promise<ApiResult>;

export function json(statusCode: number, body: unknown): ApiResult {
  return {
    statusCode,
    // Answers carry API keys (a new system's), webhook URLs with their secrets, schemas: no cache keeps them
    // (OWASP REST Security Cheat Sheet; RFC 6749 §5.1 asks the same of token answers).
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    body: JSON.stringify(body),
  };
}

export function noContent(): ApiResult {
  return { statusCode: 204, headers: {}, body: '' };
}

/** The caller, or a 401 naming what is wrong with the key. */
export function principalOf(event: ApiEvent): Principal {
  const context = event.requestContext.authorizer?.lambda;
  if (context?.kind === 'admin') return { kind: 'admin' };
  if (context?.kind === 'system') {
    return { kind: 'system', departmentId: context.departmentId, systemId: context.systemId };
  }
  if (context?.kind === 'anonymous' && context.authError === 'unknown_api_key') {
    throw new UnauthorizedError('unknown_api_key', 'The API key in the Authorization header is not known.');
  }
  throw new UnauthorizedError(
    'missing_api_key',
    'This request needs an API key: send the header `Authorization: Bearer <api key>`.',
  );
}

/**
 * What is wrong with a Content-Type for a JSON body, if anything: it must be `application/json` or a `+json` type,
 * whatever its parameters, in UTF-8 (or its ASCII subset) if a charset is named.
 */
function jsonMediaTypeFault(value: string): string | undefined {
  const [type = '', ...parameters] = value.split(';');
  if (!/^application\/(?:[\w.+-]*\+)?json$/i.test(type.trim())) {
    return `The request body is sent as ${JSON.stringify(value)}; send JSON with the header \`Content-Type: application/json\`.`;
  }
  for (const parameter of parameters) {
    const [name = '', given = ''] = parameter.split('=');
    if (name.trim().toLowerCase() !== 'charset') continue;
    const charset = given.trim().replace(/^"|"$/g, '');
    // JSON is UTF-8 (RFC 8259, 8.1): the body is JSON, its encoding is what is refused (walkthrough review, 2026-12-05).
    if (!['utf-8', 'utf8', 'us-ascii'].includes(charset.toLowerCase())) {
      return `The request body is sent as ${JSON.stringify(value)}, in charset ${JSON.stringify(charset)}; JSON must be UTF-8: send it encoded as UTF-8, with \`Content-Type: application/json\` (or \`; charset=utf-8\`).`;
    }
  }
  return undefined;
}

/**
 * The request body as JSON. A body sent as another media type is refused (415) rather than guessed at; one with
 * no Content-Type is read as JSON. JSON that JSON.parse would silently change (a repeated key, a number a double
 * cannot hold) or that nests past MAX_BODY_DEPTH is refused, naming where.
 */
export function parseJsonBody(event: ApiEvent): unknown {
  const mediaType = event.headers?.['content-type']?.trim();
  const mediaFault = mediaType ? jsonMediaTypeFault(mediaType) : undefined;
  if (mediaFault) throw new UnsupportedMediaTypeError('unsupported_media_type', mediaFault);
  // Nothing on the way decodes a compressed body (API Gateway's HTTP APIs do not): a gzip body was refused as "not
  // UTF-8", and one said to be `br` but sent plain was read (interop review, 2026-12-07). RFC 9110, 8.4: 415.
  const coding = event.headers?.['content-encoding']?.trim().toLowerCase();
  if (coding && coding !== 'identity') {
    throw new UnsupportedMediaTypeError(
      'unsupported_media_type',
      `The request body is sent with Content-Encoding ${JSON.stringify(coding)}, which sharebus does not decode; send it uncompressed, without that header.`,
    );
  }
  if (event.body === undefined || event.body === '') {
    throw new BadRequestError('malformed_json', 'The request body is empty; a JSON document is expected.');
  }
  const text = event.isBase64Encoded ? utf8Text(Buffer.from(event.body, 'base64')) : event.body;
  // Windows editors (Notepad before 2019, PowerShell 5's Out-File and Set-Content) save UTF-8 with a byte order mark,
  // which JSON text must not start with (RFC 8259, 8.1); JSON.parse's own words name an invisible character.
  if (text.charCodeAt(0) === 0xfeff) {
    throw new BadRequestError(
      'malformed_json',
      'The request body starts with a byte order mark (U+FEFF), which JSON text must not; send the file as UTF-8 without a BOM.',
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new BadRequestError(
      'malformed_json',
      `The request body is not valid JSON: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  const fault = findJsonFault(text);
  if (fault !== undefined) {
    throw new BadRequestError(fault.kind, `${fieldName(fault.field)}: ${fault.message}.`, {
      fields: [{ field: fault.field, message: fault.message }],
    });
  }
  return value;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The body's bytes as text: JSON must be UTF-8 (RFC 8259, 8.1), and other bytes would be changed to U+FFFD. */
function utf8Text(bytes: Buffer): string {
  try {
    return strictUtf8.decode(bytes);
  } catch (error) {
    throw new BadRequestError(
      'malformed_json',
      'The request body is not UTF-8 text, which JSON must be; send it encoded as UTF-8.',
      { cause: error },
    );
  }
}

/**
 * One problem per field at fault. Given the `input` parsed, a field it lacks is said to be required, in those words
 * whichever schema found it missing (zod's own words for it, "expected string, received undefined", read as a
 * type error).
 */
export function zodProblems(error: z.ZodError, input?: unknown): FieldProblem[] {
  // zod judges a list's or string's length even on a value of the wrong kind ("must be a list" and "must hold at
  // most 100 events" for one string): the kind is what is wrong.
  const wrongKind = new Set(
    error.issues.filter((issue) => issue.code === 'invalid_type').map((issue) => jsonPointer(issue.path)),
  );
  const judged = error.issues.filter(
    (issue) =>
      !((issue.code === 'too_small' || issue.code === 'too_big') && wrongKind.has(jsonPointer(issue.path))),
  );
  return judged.flatMap((issue) => {
    const base = jsonPointer(issue.path);
    // One issue lists every unknown key; each is a field at fault of its own.
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ field: base + jsonPointer([key]), message: 'is not a known field' }));
    }
    if (input !== undefined && absent(input, issue.path)) return [{ field: base, message: 'is required' }];
    return [{ field: base, message: issue.message }];
  });
}

/** Whether `path` names a member its parent, an object or array in `input`, does not have. */
function absent(input: unknown, path: readonly PropertyKey[]): boolean {
  if (path.length === 0) return false;
  let parent = input;
  for (const key of path.slice(0, -1)) {
    if (typeof parent !== 'object' || parent === null || !Object.hasOwn(parent, key)) return false;
    parent = (parent as Record<PropertyKey, unknown>)[key];
  }
  const last = path[path.length - 1] as PropertyKey;
  return typeof parent === 'object' && parent !== null && !Object.hasOwn(parent, last);
}

/** A JSON value as a message names it: a short one itself, a string, list or object by its kind. */
function kindOf(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object' && value !== null) return 'an object';
  if (typeof value === 'string') return 'a string';
  return String(value);
}

const KIND_WORDS: Record<string, string> = {
  object: 'an object',
  array: 'a list',
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'a boolean',
};

const UNIT_WORDS: Record<string, string> = { string: 'characters', array: 'items' };

/**
 * Messages in the API's words for the zod checks that carry no message of their own (a schema's own message wins,
 * as zod ranks them): "must be an object, got a string" rather than "Invalid input: expected object, received
 * string", "must not be empty" rather than "Too small: expected string to have >=1 characters". Undefined leaves
 * zod's.
 */
const requestMessages: z.core.$ZodErrorMap = (issue) => {
  if (issue.code === 'invalid_type') {
    const expected = KIND_WORDS[issue.expected];
    return expected && `must be ${expected}, got ${kindOf(issue.input)}`;
  }
  if (issue.code === 'too_small' || issue.code === 'too_big') {
    const bound = Number(issue.code === 'too_small' ? issue.minimum : issue.maximum);
    const unit = UNIT_WORDS[issue.origin];
    if (unit !== undefined) {
      if (issue.code === 'too_small' && bound === 1) return 'must not be empty';
      return `must have ${issue.code === 'too_small' ? 'at least' : 'at most'} ${groupDigits(bound)} ${unit}`;
    }
    if (issue.origin === 'number' || issue.origin === 'int') {
      const [inclusive, strict] =
        issue.code === 'too_small' ? ['at least', 'greater than'] : ['at most', 'less than'];
      return `must be ${issue.inclusive === false ? strict : inclusive} ${bound}`;
    }
  }
  if (issue.code === 'invalid_value' && issue.values.length > 0) {
    const values = issue.values.map((value) => JSON.stringify(value));
    return values.length === 1 ? `must be ${values[0]}` : `must be one of ${values.join(', ')}`;
  }
  return undefined;
};

/** Parses a request body with its zod schema, or a 400 `invalid_request` naming every field at fault. */
export function parseRequest<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body, { error: requestMessages });
  if (result.success) return result.data;
  throw invalidRequest(zodProblems(result.error, body));
}

/** A 400 `invalid_request` naming every field at fault (at least one), its detail the first. */
export function invalidRequest(fields: readonly FieldProblem[]): BadRequestError {
  const first = fields[0]!;
  return new BadRequestError('invalid_request', `${fieldName(first.field)}: ${first.message}`, { fields });
}

/**
 * A field as a detail names it: its JSON Pointer, or for the pointer "" (the body as a whole) words, rather than a
 * detail starting with ": " (walkthrough review, 2026-12-05).
 */
function fieldName(field: string): string {
  return field === '' ? 'The request body' : field;
}

/** Picks the route handler by API Gateway route key (`POST /contracts`), the same key locally and in AWS. */
export function router(
  routes: Record<string, RouteHandler>,
): (event: ApiEvent, context?: Context) => Promise<ApiResult> {
  return async (event, context) => {
    const route = routes[event.routeKey];
    if (!route) throw new NotFoundError('route_not_found', `No route ${event.routeKey} in this function.`);
    const declared = ROUTE_OF.get(event.routeKey);
    // Who asks comes first: a request without a key is told so (401), whatever else is wrong with it.
    if (declared?.authorized) principalOf(event);
    refuseUnknownQuery(event, declared?.query ?? []);
    return route(event, context);
  };
}

const ROUTE_OF: ReadonlyMap<string, Route> = new Map(ROUTES.map((r) => [r.routeKey, r]));

/**
 * A 400 naming every query parameter the route does not take (walkthrough review, 2026-12-05: `?nexttoken=`
 * answered the first page, so a client paging with it never got further). API Gateway joins a repeated parameter
 * with commas, which a page token then refuses.
 */
function refuseUnknownQuery(event: ApiEvent, takes: readonly string[]): void {
  const unknown = Object.keys(event.queryStringParameters ?? {}).filter((name) => !takes.includes(name));
  if (unknown.length === 0) return;
  const taken = `it takes ${takes.length > 0 ? takes.join(', ') : 'none'}`;
  const message = `is not a query parameter of ${event.routeKey}: ${taken}`;
  // Named as a parameter: the field "" would read as the body as a whole (`?=x` has a parameter named "").
  const first = unknown[0]!;
  throw new BadRequestError(
    'invalid_request',
    `${event.routeKey} has no query parameter ${JSON.stringify(first)}: ${taken}.`,
    {
      fields: unknown.map((field) => ({ field, message })),
    },
  );
}

/**
 * The problems a resend a moment later can cure, which say when with Retry-After: not rules_quota_reached, a 503 only
 * an operator can help with (a client that obeyed Retry-After there resent every second for nothing: review,
 * 2026-12-05).
 */
const RETRY_AFTER_ONE_SECOND: ReadonlySet<string> = new Set(['registry_busy', 'bus_unavailable', 'bus_busy']);

/**
 * The headers an answer with this code carries besides its body. registry_busy, bus_unavailable and bus_busy say what
 * to resend; Retry-After says when. A 401 must name the scheme to authenticate with (RFC 9110 §11.6.1), and a key
 * that was sent but is not known is an invalid token (RFC 6750 §3.1); a request that sent none gets no error code.
 */
function extraHeaders(code: string): Record<string, string> {
  if (RETRY_AFTER_ONE_SECOND.has(code)) return { 'retry-after': '1' };
  if (code === 'missing_api_key') return { 'www-authenticate': 'Bearer realm="sharebus"' };
  if (code === 'unknown_api_key')
    return { 'www-authenticate': 'Bearer realm="sharebus", error="invalid_token"' };
  return {};
}

/** The codes of contention expected under load, and the words each is logged with (as a warning). */
const BUSY: ReadonlyMap<string, string> = new Map([
  ['registry_busy', 'registry busy'],
  ['bus_busy', 'bus busy'],
]);

/**
 * Turns thrown errors into problem+json answers; server errors are logged with their cause and shown generically.
 * A registry that stayed busy is a 503 the caller can act on, so it is shown, with a Retry-After.
 */
export function httpErrors(): MiddlewareObj<ApiEvent, ApiResult, Error, Context> {
  return {
    onError: async (request) => {
      const error =
        request.error instanceof RegistryBusyError
          ? new RegistryBusyProblem(request.error.message, { cause: request.error })
          : request.error;
      const problem = problemOf(error);
      // Contention is expected under load and the caller is told to retry: a warning, not an error that pages.
      const busy = BUSY.get(problem.code);
      if (busy !== undefined) logger.warn(busy, { error, routeKey: request.event.routeKey });
      else if (error instanceof BusUnavailableError && error.throttled) {
        // Each event's id and the bus's reason, not the stack: a bus refusing under load answered hundreds of
        // requests a minute, each logged as an error of 5 KB (exhaustion review, 2026-12-07).
        const failed = error.extensions.failed as readonly { readonly message?: string }[] | undefined;
        logger.warn('bus throttled', {
          routeKey: request.event.routeKey,
          events: failed?.length,
          reason: failed?.[0]?.message,
        });
      } else if (problem.status >= 500)
        logger.error('request failed', { error, routeKey: request.event.routeKey });
      const response = problemResponse(problem);
      request.response = { ...response, headers: { ...response.headers, ...extraHeaders(problem.code) } };
    },
  };
}
