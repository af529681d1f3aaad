// The local HTTP front door: what API Gateway's HTTP API does in AWS. It matches a request to a route of
// functions/routes.ts, runs the Lambda authorizer for authorized routes, builds the payload-2.0 event and
// turns the handler's result back into an HTTP answer. Unmatched requests get API Gateway's own answers.
import { isUtf8 } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  APIGatewayRequestAuthorizerEventV2,
} from 'aws-lambda';
import {
  type ApiThrottle,
  DEFAULT_API_THROTTLE,
  FUNCTION_TIMEOUT_SECONDS,
  ROUTES,
  type Route,
} from '../functions/routes.js';
import { ForbiddenError } from '../functions/shared/errors.js';
import { PROBLEM_CONTENT_TYPE, problemOf } from '../functions/shared/problem.js';
import { defaultQueueBytes } from './eventbridge/queue-store.js';
import { mebibytes } from './eventbridge/text.js';
import { invoke, type LocalHandlers } from './lambda/invoker.js';
import { webPageRefusal } from './loopback-host.js';

/** API Gateway's payload limit for HTTP APIs. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

/**
 * API Gateway's quota for HTTP APIs on the "total combined size of request line and header values" (HTTP API quotas,
 * not adjustable). Node takes 16 KiB of headers, so a request between the two was answered here and refused in AWS.
 */
export const MAX_REQUEST_LINE_AND_HEADER_VALUES_BYTES = 10_240;

/** The bytes of the request line and header values, as API Gateway's quota counts them. */
function requestLineAndHeaderValuesBytes(req: IncomingMessage): number {
  let bytes = Buffer.byteLength(`${req.method ?? ''} ${req.url ?? ''} HTTP/${req.httpVersion}`);
  for (let i = 1; i < req.rawHeaders.length; i += 2) bytes += Buffer.byteLength(req.rawHeaders[i]!);
  return bytes;
}

/** Whether the client waits for `100 Continue` before it sends its body: Node's own reading (`continueExpression`). */
function continueExpected(req: IncomingMessage): boolean {
  return req.httpVersion === '1.1' && /(?:^|\W)100-continue(?:$|\W)/i.test(req.headers.expect ?? '');
}

export interface FrontDoorOptions {
  readonly handlers: LocalHandlers;
  /** @default 0 (a free port) */
  readonly port?: number;
  /**
   * The address listened on. Only requests naming loopback, or one of allowedHosts, in Host are answered (see
   * loopback-host.ts), so another address would be reached but refused. @default '127.0.0.1'
   */
  readonly host?: string;
  /** The stage's throttle of each route, as deployed: past it API Gateway answers 429. `false` takes everything. @default DEFAULT_API_THROTTLE */
  readonly throttle?: ApiThrottle | false;
  /** Host names answered besides loopback, in Host and Origin (see parseAllowedHosts). @default none */
  readonly allowedHosts?: ReadonlySet<string>;
  /**
   * Bytes of request bodies held at once, across requests (see BodyBudget): a body that would take more is read to
   * its end and dropped, and its request answered 503. API Gateway has no such bound; here the bodies are in this
   * process's memory. @default defaultBodyBytesAtOnce()
   */
  readonly maxBodyBytesAtOnce?: number;
}

/**
 * A quarter of what the local queues may hold: a thirty-second of Node's heap limit, at most 256 MiB (129 MiB with
 * Node's default heap on a machine of 16 GB or more, 9.5 MiB at --max-old-space-size=256). A body held is also a
 * string, its parsed JSON, the event's envelope, the PutEvents request and the embedded EventBridge's copies of it:
 * some ten times its bytes in the heap. Memory review, 2026-12-07: a floor of two of API Gateway's largest bodies
 * (20 MiB) let 60 publishers of 250 KB events at once run a process of --max-old-space-size=96 or 128 out of heap.
 * A body is read whatever its size when no other is held (BodyBudget.take), so the largest is still taken alone.
 */
export function defaultBodyBytesAtOnce(): number {
  return Math.floor(defaultQueueBytes() / 4);
}

/** Refusals for want of room are said at once, then at most once a minute. */
const BODY_REFUSAL_LOG_EVERY_MS = 60_000;

/**
 * The bytes of request bodies held at once. Bodies were read whole whatever came at once (exhaustion review,
 * 2026-12-07): requests take a throttle token before their body is read and are authorized after, so a burst of 200
 * bodies of 10 MB, with no API key, was 2 GB held in a process that may have 256 MB of heap.
 */
class BodyBudget {
  #held = 0;
  #refused = 0;
  #loggedAt = Number.NEGATIVE_INFINITY;

  constructor(readonly max: number) {}

  get held(): number {
    return this.#held;
  }

  /**
   * Takes `bytes` for a body that holds `heldByIt` already, if they fit under the bound, or if no other body holds any:
   * a body alone is read whatever the bound, so that one of API Gateway's largest is taken when nothing else is read.
   */
  take(bytes: number, heldByIt = 0): boolean {
    if (this.#held + bytes > this.max && this.#held > heldByIt) return false;
    this.#held += bytes;
    return true;
  }

  give(bytes: number): void {
    this.#held -= bytes;
  }

  /** Counts a request refused, and says so: at once, then at most once a minute with the count since. */
  refused(routeKey: string): void {
    this.#refused++;
    // The minute on the monotonic clock: on the wall clock, one set back an hour silenced the count for the hour.
    const now = performance.now();
    if (now - this.#loggedAt < BODY_REFUSAL_LOG_EVERY_MS) return;
    console.warn(
      `front door: answered ${this.#refused} ${this.#refused === 1 ? 'request' : 'requests'} 503 (the last ${routeKey}): ` +
        `the request bodies being read held ${mebibytes(this.#held)} of the ${mebibytes(this.max)} they may hold at once ` +
        "(by default a thirty-second of Node's heap limit, at most 256 MiB: give Node more heap for more, with " +
        'NODE_OPTIONS=--max-old-space-size)',
    );
    this.#loggedAt = now;
    this.#refused = 0;
  }
}

/**
 * The stage's default route throttle, as API Gateway applies it: to each route on its own (its HTTP API guide files
 * the stage's limits under "route-level throttling", as "default route throttling limits"; its REST API guide calls
 * a stage's the "default per-method limits"). Infra review, 2026-12-05: one bucket was shared by every route.
 */
class RouteThrottles {
  readonly #buckets = new Map<string, Throttle>();

  constructor(readonly limits: ApiThrottle) {}

  /** Whether a request for `routeKey` may go through now, taking its token. */
  take(routeKey: string): boolean {
    let bucket = this.#buckets.get(routeKey);
    if (bucket === undefined) {
      bucket = new Throttle(this.limits);
      this.#buckets.set(routeKey, bucket);
    }
    return bucket.take();
  }
}

/** A token bucket, as API Gateway throttles a route: `burstLimit` at once, refilled at `rateLimit` a second. */
class Throttle {
  #tokens: number;
  #at = performance.now();

  constructor(readonly limits: ApiThrottle) {
    this.#tokens = limits.burstLimit;
  }

  /** Whether a request may go through now, taking its token. */
  take(): boolean {
    const now = performance.now();
    this.#tokens = Math.min(
      this.limits.burstLimit,
      this.#tokens + ((now - this.#at) / 1000) * this.limits.rateLimit,
    );
    this.#at = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}

export interface FrontDoor {
  readonly url: string;
  readonly port: number;
  /** Bytes of request bodies held now (see FrontDoorOptions.maxBodyBytesAtOnce). */
  readonly bodyBytesHeld: number;
  /**
   * Takes no more requests and ends once those under way are answered, or after `graceMs` (then their connections
   * are cut). @default STOP_GRACE_MS
   */
  stop(graceMs?: number): Promise<void>;
}

/**
 * How long a stop waits for the requests under way: the longest timeout of a function behind a route (and its
 * authorizer's), so that a request is answered unless its function would have timed out.
 */
export const STOP_GRACE_MS =
  1000 *
  Math.max(
    ...ROUTES.map((route) => FUNCTION_TIMEOUT_SECONDS[route.function] + FUNCTION_TIMEOUT_SECONDS.authorizer),
  );

interface CompiledRoute {
  readonly route: Route;
  readonly pattern: RegExp;
  readonly params: readonly string[];
}

const compiled: readonly CompiledRoute[] = ROUTES.map((route) => {
  const params: string[] = [];
  const source = route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    params.push(name);
    return '([^/]+)';
  });
  return { route, pattern: new RegExp(`^${source}$`), params };
});

/**
 * The path as API Gateway's HTTP APIs route it and hand it on (`rawPath`, `requestContext.http.path`): percent-decoded
 * twice, and cut at a `?` that the first pass makes, as recorded against AWS (hotsock/voker,
 * `vokerhttp/testdata/ingress-paths.json`): `a%2Fb` and `a%252Fb` are `a/b`, `a%3Fb` is `a`, and `a%25b`, which the
 * second pass cannot read, is refused with 400. Throws URIError for such a path.
 */
export function gatewayPath(sent: string): string {
  const once = decodeURIComponent(sent);
  const query = once.indexOf('?');
  return decodeURIComponent(query === -1 ? once : once.slice(0, query));
}

/** The route for a path as sent, with the path as API Gateway reads it; throws URIError when it cannot be read. */
export function matchRoute(
  method: string,
  sent: string,
): { route: Route; pathParameters: Record<string, string>; path: string } | undefined {
  const path = gatewayPath(sent);
  for (const candidate of compiled) {
    if (candidate.route.method !== method) continue;
    const match = candidate.pattern.exec(path);
    if (!match) continue;
    const pathParameters: Record<string, string> = {};
    candidate.params.forEach((name, index) => {
      pathParameters[name] = match[index + 1]!;
    });
    return { route: candidate.route, pathParameters, path };
  }
  return undefined;
}

/** Payload 2.0 headers: names in lower case, a header sent twice as its values joined by commas. */
function headersOf(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, values] of Object.entries(req.headersDistinct)) {
    if (values === undefined || name === 'cookie') continue;
    headers[name] = values.join(',');
  }
  return headers;
}

/** Payload 2.0 query parameters: a parameter given twice as its values joined by commas. */
function queryOf(search: string): Record<string, string> {
  const params = new URLSearchParams(search);
  return Object.fromEntries([...new Set(params.keys())].map((name) => [name, params.getAll(name).join(',')]));
}

/**
 * The request's body and the bytes of `budget` it holds (to give back once the request is answered); 'too-large' past
 * MAX_BODY_BYTES, or 'busy' when `budget` has no room for it: then read to its end and dropped, so that the
 * connection can serve the next request. Leaving it unread stalled that request for 6 s and then reset the
 * connection; closing it instead reset clients still writing, whose node:http then reported EPIPE rather than the 413
 * (reviews, 2026-12-05).
 */
async function readBody(
  req: IncomingMessage,
  budget: BodyBudget,
): Promise<{ body: Buffer; held: number } | 'too-large' | 'busy'> {
  let chunks: Buffer[] = [];
  let size = 0;
  let held = 0;
  let busy = false;
  try {
    for await (const chunk of req) {
      const bytes = (chunk as Buffer).length;
      size += bytes;
      if (busy) continue;
      if (size > MAX_BODY_BYTES) {
        // Too large: nothing of it is kept while the rest is drained (a slow client would hold its 10 MB of the
        // budget, and of memory, for as long as it took to send the rest).
        if (held > 0) {
          chunks = [];
          budget.give(held);
          held = 0;
        }
        continue;
      }
      if (budget.take(bytes, held)) {
        held += bytes;
        chunks.push(chunk as Buffer);
        continue;
      }
      busy = true;
      chunks = [];
      budget.give(held);
      held = 0;
    }
  } catch (error) {
    budget.give(held);
    throw error;
  }
  if (size > MAX_BODY_BYTES) {
    budget.give(held);
    return 'too-large';
  }
  return busy ? 'busy' : { body: Buffer.concat(chunks), held };
}

/**
 * Whether API Gateway passes a body of this media type as text: recorded against AWS (HTTP API, payload 2.0), only
 * text/*, application/json, application/xml and application/javascript; every other type, and a body with no
 * Content-Type, goes base64-encoded (ministackorg/ministack#766).
 */
function isTextual(contentType: string | undefined): boolean {
  return (
    contentType !== undefined &&
    /^(?:text\/|application\/(?:json|xml|javascript)\s*(?:;|$))/i.test(contentType)
  );
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `requestContext.time` as API Gateway writes it: `12/Mar/2020:19:03:58 +0000`. */
function requestTime(at: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(at.getUTCDate())}/${MONTHS[at.getUTCMonth()]}/${at.getUTCFullYear()}:${two(at.getUTCHours())}:${two(at.getUTCMinutes())}:${two(at.getUTCSeconds())} +0000`;
}

function send(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

async function handle(
  handlers: LocalHandlers,
  throttle: RouteThrottles | undefined,
  allowedHosts: ReadonlySet<string> | undefined,
  budget: BodyBudget,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  // Split by hand: `new URL` would read a path starting `//name/` as a host and drop its first segment. A fragment
  // is never the server's; an absolute-form target (`GET http://host/path`, as sent to a proxy) names the path after
  // its authority.
  const target = (req.url ?? '/').split('#')[0]!.replace(/^https?:\/\/[^/?]*/i, '') || '/';
  const queryAt = target.indexOf('?');
  const url = {
    pathname: queryAt === -1 ? target : target.slice(0, queryAt),
    search: queryAt === -1 ? '' : target.slice(queryAt),
  };
  const method = req.method ?? 'GET';
  // Every answer of an HTTP API names its request, the gateway's own refusals too.
  const requestId = randomUUID();
  res.setHeader('apigw-requestid', requestId);
  const refused = webPageRefusal(req.headers, 'The local sharebus API', allowedHosts);
  if (refused !== undefined) {
    const refusal = problemOf(
      new ForbiddenError('host_not_allowed', refused.message, { fields: [refused.field] }),
    );
    const body = JSON.stringify(refusal);
    // Unread, the body cannot leave the connection fit for another request.
    res.writeHead(403, {
      'content-type': PROBLEM_CONTENT_TYPE,
      'content-length': Buffer.byteLength(body),
      connection: 'close',
    });
    res.end(body);
    return;
  }
  // Refused before routing, as API Gateway refuses it on arrival. Its status and body are not recorded against AWS
  // (a user reported the words "HTTP header is larger than 10240 bytes."); 431 is HTTP's (RFC 6585, 5).
  if (requestLineAndHeaderValuesBytes(req) > MAX_REQUEST_LINE_AND_HEADER_VALUES_BYTES) {
    send(res, 431, JSON.stringify({ message: 'Request Header Fields Too Large' }));
    return;
  }
  let matched: ReturnType<typeof matchRoute>;
  try {
    matched = matchRoute(method, url.pathname);
  } catch (error) {
    if (!(error instanceof URIError)) throw error;
    send(res, 400, JSON.stringify({ message: 'Bad Request' }));
    return;
  }
  if (!matched) {
    send(res, 404, JSON.stringify({ message: 'Not Found' }));
    return;
  }
  if (throttle !== undefined && !throttle.take(matched.route.routeKey)) {
    send(res, 429, JSON.stringify({ message: 'Too Many Requests' }));
    return;
  }
  // `Expect: 100-continue` is answered only now: a request refused above gets its final status without sending its
  // body (and Node closes that connection), where Node alone sent `100 Continue` first and then refused it.
  if (continueExpected(req)) res.writeContinue();
  const read = await readBody(req, budget);
  if (read === 'too-large') {
    send(res, 413, JSON.stringify({ message: 'Request Entity Too Large' }));
    return;
  }
  if (read === 'busy') {
    budget.refused(matched.route.routeKey);
    res.setHeader('retry-after', '1');
    send(res, 503, JSON.stringify({ message: 'Service Unavailable' }));
    return;
  }
  // Held until the request is answered: the handler holds the body (as text, and parsed) until then.
  res.once('close', () => budget.give(read.held));
  const raw = read.body;
  const headers = headersOf(req);
  // Bytes that are not UTF-8 go as base64 whatever their media type, so that the handler sees them as sent and can
  // refuse them; as text they would reach it with U+FFFD in their place, a silent change to the data.
  const textual = isTextual(headers['content-type']) && isUtf8(raw);
  const now = new Date();
  const queryStringParameters = queryOf(url.search);
  const requestContext = {
    accountId: '000000000000',
    apiId: 'local',
    domainName: headers.host ?? 'localhost',
    domainPrefix: 'localhost',
    http: {
      method,
      path: matched.path,
      protocol: `HTTP/${req.httpVersion}`,
      sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
      userAgent: headers['user-agent'] ?? '',
    },
    requestId,
    routeKey: matched.route.routeKey,
    stage: '$default',
    time: requestTime(now),
    timeEpoch: now.getTime(),
  };
  const event: APIGatewayProxyEventV2 & { requestContext: { authorizer?: { lambda: unknown } } } = {
    version: '2.0',
    routeKey: matched.route.routeKey,
    rawPath: matched.path,
    rawQueryString: url.search.slice(1),
    ...(req.headers.cookie ? { cookies: req.headers.cookie.split(/;\s*/) } : {}),
    headers,
    ...(url.search.length > 1 ? { queryStringParameters } : {}),
    ...(Object.keys(matched.pathParameters).length > 0 ? { pathParameters: matched.pathParameters } : {}),
    requestContext,
    ...(raw.length > 0 ? { body: textual ? raw.toString('utf8') : raw.toString('base64') } : {}),
    isBase64Encoded: raw.length > 0 && !textual,
  };

  if (matched.route.authorized) {
    const authorizerEvent: APIGatewayRequestAuthorizerEventV2 = {
      version: '2.0',
      type: 'REQUEST',
      routeArn: `arn:aws:execute-api:us-east-1:000000000000:local/$default/${method}${matched.path}`,
      identitySource: [],
      routeKey: matched.route.routeKey,
      rawPath: matched.path,
      rawQueryString: event.rawQueryString,
      cookies: event.cookies ?? [],
      headers,
      queryStringParameters,
      requestContext,
      pathParameters: matched.pathParameters,
      stageVariables: {},
    };
    const decision = (await invoke(handlers, 'authorizer', authorizerEvent)) as {
      isAuthorized?: unknown;
      context?: unknown;
    } | null;
    // A result that is not a simple response fails the authorizer: API Gateway answers 500 (its access log's
    // authorizer error: "The response from the Lambda Authorizer function doesn't match the format that API Gateway
    // expects"), not 403. Here a missing or non-boolean isAuthorized was read as a denial.
    const context = decision?.context;
    if (
      typeof decision?.isAuthorized !== 'boolean' ||
      (context !== undefined && (typeof context !== 'object' || context === null || Array.isArray(context)))
    ) {
      throw new TypeError(
        `the authorizer's result is not a simple response ({"isAuthorized": boolean, "context"?: object}): ${JSON.stringify(decision)?.slice(0, 200)}`,
      );
    }
    if (!decision.isAuthorized) {
      send(res, 403, JSON.stringify({ message: 'Forbidden' }));
      return;
    }
    event.requestContext.authorizer = { lambda: context ?? {} };
  }

  const result = (await invoke(handlers, matched.route.function, event)) as
    | APIGatewayProxyStructuredResultV2
    | string
    | object;
  if (typeof result === 'object' && result !== null && 'statusCode' in result) {
    const structured = result as APIGatewayProxyStructuredResultV2;
    const body = structured.body ?? '';
    const payload = structured.isBase64Encoded ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8');
    const headersOut: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(structured.headers ?? {})) headersOut[name] = String(value);
    // API Gateway (payload 2.0) types a body the function left untyped as text.
    if (
      payload.length > 0 &&
      !Object.keys(headersOut).some((name) => name.toLowerCase() === 'content-type')
    ) {
      headersOut['content-type'] = 'text/plain; charset=utf-8';
    }
    if (structured.cookies?.length) headersOut['set-cookie'] = structured.cookies;
    const status = structured.statusCode ?? 200;
    // A 204 or 304 has no body, and HTTP forbids it a Content-Length (RFC 9110, 8.6); `content-length: 0` went out
    // with every 204 (review, 2026-12-06).
    if (status === 204 || status === 304) {
      res.writeHead(status, headersOut);
      res.end();
      return;
    }
    res.writeHead(status, { ...headersOut, 'content-length': payload.length });
    res.end(payload);
    return;
  }
  // Payload 2.0: a result without statusCode is sent as a 200 JSON body.
  send(res, 200, typeof result === 'string' ? result : JSON.stringify(result));
}

export async function startFrontDoor(options: FrontDoorOptions): Promise<FrontDoor> {
  const limits = options.throttle ?? DEFAULT_API_THROTTLE;
  const throttle = limits === false ? undefined : new RouteThrottles(limits);
  const maxBodies = options.maxBodyBytesAtOnce ?? defaultBodyBytesAtOnce();
  if (!(Number.isSafeInteger(maxBodies) && maxBodies > 0)) {
    throw new RangeError(`maxBodyBytesAtOnce must be a whole number of bytes above 0, got ${maxBodies}`);
  }
  const budget = new BodyBudget(maxBodies);
  // The answers of the requests under way, and what a stop waiting for them is told when none is left.
  const underWay = new Set<ServerResponse>();
  let drained: (() => void) | undefined;
  // Once a stop begins: server.close() takes no new connection, but a keep-alive connection goes on carrying
  // requests, so clients that keep one busy (a publisher with several requests under way) were still served until the
  // grace ran out, 30 s of 500s after DynamoDB Local died (crash review, 2026-12-07). Now each answer closes its
  // connection, and a request that comes after the stop began is refused unmade.
  let stopping = false;
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    underWay.add(res);
    res.once('close', () => {
      underWay.delete(res);
      if (underWay.size === 0) drained?.();
    });
    if (stopping) {
      res.setHeader('connection', 'close');
      res.setHeader('retry-after', '1');
      send(res, 503, JSON.stringify({ message: 'Service Unavailable' }));
      return;
    }
    handle(options.handlers, throttle, options.allowedHosts, budget, req, res).catch((error: unknown) => {
      // A client gone before its body was in (Node's "aborted"): nobody to answer, and no fault of ours to report. Its
      // whole stack was printed as a failed handler (interop review, 2026-12-07).
      if (req.destroyed && (error as NodeJS.ErrnoException).code === 'ECONNRESET') {
        res.destroy();
        return;
      }
      // What API Gateway answers when the integration itself fails.
      console.error('front door: handler failed', error);
      if (!res.headersSent) send(res, 500, JSON.stringify({ message: 'Internal Server Error' }));
      else res.destroy();
    });
  };
  const server: Server = createServer(listener);
  // With a listener of its own, Node leaves `100 Continue` to handle() (see continueExpected).
  server.on('checkContinue', listener);
  server.keepAliveTimeout = 5_000;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolveListen());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}`,
    port,
    get bodyBytesHeld() {
      return budget.held;
    },
    // A stop (Ctrl-C) cut the requests under way: a publish whose events went out was answered ECONNRESET, and its
    // client, not knowing, could send them again as new events; and EventBridge, stopped next, failed its PutEvents
    // (soak review, 2026-12-07). Now no connection is taken, idle ones close, and those under way are answered first.
    stop: (graceMs = STOP_GRACE_MS) =>
      new Promise<void>((resolveClose) => {
        stopping = true;
        for (const res of underWay) if (!res.headersSent) res.setHeader('connection', 'close');
        server.close(() => resolveClose());
        server.closeIdleConnections();
        if (underWay.size === 0) {
          server.closeAllConnections();
          return;
        }
        const cut = setTimeout(() => server.closeAllConnections(), graceMs);
        drained = () => {
          clearTimeout(cut);
          server.closeAllConnections();
        };
      }),
  };
}
