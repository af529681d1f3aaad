// The HTTP requests behind API destinations: the call with one event's input, built and judged as AWS's user guide
// describes ("API destinations"), and an OAuth connection's client-credentials token request.
import {
  request as httpRequest,
  type IncomingHttpHeaders,
  validateHeaderName,
  validateHeaderValue,
} from 'node:http';
import { request as httpsRequest } from 'node:https';
import { gunzipSync, inflateSync, constants as zlibConstants } from 'node:zlib';
import { DeliveryFailureError, type HttpParameters } from './delivery.js';
import { InvalidJsonPathError, parseJsonPath, readJsonPath } from './json-path.js';
import { isObject, utcTime } from './request.js';
import { unitsPrefix } from './text.js';

/** A connection's header, query string or body parameters. */
export type HttpParameterList = ReadonlyArray<{
  readonly Key: string;
  readonly Value: string;
  readonly IsValueSecret?: boolean;
}>;

export interface ConnectionParameters {
  readonly HeaderParameters?: HttpParameterList;
  readonly QueryStringParameters?: HttpParameterList;
  readonly BodyParameters?: HttpParameterList;
}

/** Headers EventBridge sets on every call; a connection or target cannot change them (AWS's user guide). */
const FIXED_HEADERS = {
  'user-agent': 'Amazon/EventBridge/ApiDestinations',
  range: 'bytes=0-1048575',
  'accept-encoding': 'gzip,deflate',
} as const;

/** How much of an answer's body is kept, and at most how much of it decompressed: its start is all that is shown. */
const KEPT_ANSWER_BYTES = 64 * 1024;
const SHOWN_ANSWER_BYTES = 64 * 1024;

/**
 * The start of an answer as text, decompressed from its start; one that would decompress past 64 KB (a gzip bomb
 * among them) is shown as nothing rather than inflated.
 */
function answerText(raw: Buffer, encoding: string | undefined): string {
  const how = String(encoding ?? '').toLowerCase();
  if (how !== 'gzip' && how !== 'deflate') return raw.subarray(0, SHOWN_ANSWER_BYTES).toString('utf8');
  const options = { finishFlush: zlibConstants.Z_SYNC_FLUSH, maxOutputLength: SHOWN_ANSWER_BYTES };
  try {
    return (how === 'gzip' ? gunzipSync(raw, options) : inflateSync(raw, options)).toString('utf8');
  } catch {
    return '';
  }
}

/** What an HTTP request got: its status, headers and the start of its body as text (decompressed). */
interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
}

/**
 * One HTTP request on a connection of its own (`Connection: close`, as AWS's calls say), with exactly the headers
 * given: node:http rather than fetch, which turns a 407 into a network error and refuses headers such as
 * Keep-Alive. Rejects when no whole answer came (the signal aborted it, or the connection failed).
 */
function send(
  url: URL,
  method: string,
  headers: ReadonlyMap<string, string>,
  body: string | undefined,
  signal: AbortSignal,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const out: Record<string, string> = Object.fromEntries(headers);
    if (body !== undefined) out['content-length'] = String(Buffer.byteLength(body));
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, {
      method,
      headers: out,
      agent: false,
      signal,
    });
    req.on('error', reject);
    // Node gives up a request answered 101 with Upgrade headers when nobody listens for it, with neither a response
    // nor an error, and its abort is then silent: without these the call would never settle. A 101 is a status like
    // any other (not 2xx: a failure), the socket it hands over closed.
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, headers: res.headers, text: '' });
    });
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    req.on('response', (res) => {
      // Only the start of an answer is ever shown (in a failure's message): keep that much, read the rest away.
      const chunks: Buffer[] = [];
      let kept = 0;
      res.on('data', (chunk: Buffer) => {
        if (kept < KEPT_ANSWER_BYTES) chunks.push(chunk);
        kept += chunk.length;
      });
      const answer = (): Answer => ({
        status: res.statusCode ?? 0,
        headers: res.headers,
        text: answerText(Buffer.concat(chunks), res.headers['content-encoding']),
      });
      // An answer cut short is judged by its status, as it was given; one still coming when the time is up (or the
      // server stops) is no answer.
      const cutShort = (): void => (signal.aborted ? reject(signal.reason) : resolve(answer()));
      res.on('error', cutShort);
      res.on('aborted', cutShort);
      res.on('end', () => resolve(answer()));
    });
    req.end(body);
  });
}

/**
 * Headers EventBridge leaves out of a call whoever sets them (AWS's user guide, "Headers EventBridge removes"),
 * besides those it sets itself.
 */
const REMOVED_HEADERS = new Set(
  [
    'A-IM',
    'Accept-Charset',
    'Accept-Datetime',
    'Accept-Encoding',
    'Cache-Control',
    'Connection',
    'Content-Encoding',
    'Content-Length',
    'Content-MD5',
    'Date',
    'Expect',
    'Forwarded',
    'From',
    'Host',
    'HTTP2-Settings',
    'If-Match',
    'If-Modified-Since',
    'If-None-Match',
    'If-Range',
    'If-Unmodified-Since',
    'Max-Forwards',
    'Origin',
    'Pragma',
    'Proxy-Authorization',
    'Range',
    'Referer',
    'TE',
    'Trailer',
    'Transfer-Encoding',
    'User-Agent',
    'Upgrade',
    'Via',
    'Warning',
  ].map((h) => h.toLowerCase()),
);

export interface Call {
  readonly endpoint: string;
  readonly method: string;
  /** The target input, rendered (Input, InputPath, InputTransformer or the event). */
  readonly payload: string;
  /** The event, whose fields the target's `$.` parameter values name. */
  readonly event: Readonly<Record<string, unknown>>;
  readonly target: HttpParameters | undefined;
  readonly connection: ConnectionParameters;
  /** The connection's authorization: a header name and value. */
  readonly authorization: readonly [string, string];
}

export type CallResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly status?: number; readonly failure: DeliveryFailureError };

/**
 * Makes the call and judges its answer as AWS does: 2xx delivered; 401, 407, 409, 429, 5xx, a timeout or no
 * answer retried (a Retry-After counting); any other status not retried. The ERROR_CODEs are AWS's documented
 * ones; which one AWS gives an HTTP status is not documented, nor its ERROR_MESSAGE.
 */
export async function callEndpoint(call: Call, signal: AbortSignal, timeoutMs: number): Promise<CallResult> {
  let url: URL;
  try {
    url = new URL(fillPath(call.endpoint, call.target?.PathParameterValues ?? [], call.event));
  } catch (error) {
    return { ok: false, failure: cannotCall(error) };
  }
  // The connection's parameters win over the target's ("values from the Connection take precedence"). A key, as
  // well as a value, may be a JSON path (target parameters' guide: all but HeaderParameters' keys).
  const query = new Map<string, string>();
  for (const [key, value] of Object.entries(call.target?.QueryStringParameters ?? {}))
    query.set(resolve(key, call.event), resolve(value, call.event));
  for (const { Key, Value } of call.connection.QueryStringParameters ?? []) query.set(Key, Value);
  appendQuery(url, query);
  const headers = new Map<string, string>([['content-type', 'application/json; charset=utf-8']]);
  const setHeader = (key: string, value: string): void => {
    if (!REMOVED_HEADERS.has(key.toLowerCase())) headers.set(key.toLowerCase(), value);
  };
  for (const [key, value] of Object.entries(call.target?.HeaderParameters ?? {}))
    setHeader(key, resolve(value, call.event));
  for (const { Key, Value } of call.connection.HeaderParameters ?? []) setHeader(Key, Value);
  setHeader(call.authorization[0], call.authorization[1]);
  for (const [key, value] of Object.entries(FIXED_HEADERS)) headers.set(key, value);
  const withBody = call.method !== 'GET' && call.method !== 'HEAD';
  const body = withBody ? withBodyParameters(call.payload, call.connection.BodyParameters ?? []) : undefined;
  const problem = requestProblem(headers);
  if (problem !== undefined) return { ok: false, failure: cannotCall(problem) };
  let answer: Answer;
  try {
    // The whole answer within the time allowed: one still coming at the timeout is a timeout, retried.
    answer = await send(url, call.method, headers, body, signal);
  } catch (error) {
    return { ok: false, failure: unanswered(error, signal, url, timeoutMs) };
  }
  const { status, text } = answer;
  if (status >= 200 && status < 300) return { ok: true };
  const retryable = status === 401 || status === 407 || status === 409 || status === 429 || status >= 500;
  const retryAfter = retryAfterMs(headerValue(answer.headers['retry-after']));
  const message = `${call.method} ${url.origin}${url.pathname} answered HTTP ${status}${text ? `: ${unitsPrefix(text, 256)}` : ''}`;
  return {
    ok: false,
    status,
    // "If Retry-After value is negative, EventBridge stops retrying delivery for that event."
    failure: new DeliveryFailureError('ERROR_FROM_TARGET', message, retryable && retryAfter !== -1, {
      logged: `${call.method} ${url.origin}/… answered HTTP ${status}`,
      ...(retryAfter !== undefined && retryAfter >= 0 ? { retryAfterMs: retryAfter } : {}),
    }),
  };
}

/** Why no HTTP request can carry these headers (a name or value Node refuses), if none can. */
function requestProblem(headers: ReadonlyMap<string, string>): Error | undefined {
  for (const [name, value] of headers) {
    try {
      validateHeaderName(name);
      validateHeaderValue(name, value);
    } catch (error) {
      return error as Error;
    }
  }
  return undefined;
}

const headerValue = (value: string | string[] | undefined): string | null =>
  value === undefined ? null : Array.isArray(value) ? (value[0] ?? null) : value;

/** A URL or header no HTTP request can carry (a JSON-path value read a newline, say): no retry will send it. */
function cannotCall(error: unknown): DeliveryFailureError {
  return new DeliveryFailureError(
    'INVALID_PARAMETER',
    `The request cannot be made: ${causeOf(error)}`,
    false,
    {
      cause: error,
    },
  );
}

/** Why a request got no answer: it timed out or could not connect (both retried), or the server stopped. */
function unanswered(error: unknown, signal: AbortSignal, url: URL, timeoutMs: number): DeliveryFailureError {
  const reason: unknown = signal.aborted ? signal.reason : undefined;
  if (reason instanceof DOMException && reason.name === 'TimeoutError') {
    return new DeliveryFailureError('TIMEOUT', `${url.origin} did not answer within ${timeoutMs} ms.`, true, {
      cause: error,
    });
  }
  if (signal.aborted) {
    return new DeliveryFailureError('INTERNAL_ERROR', 'The embedded EventBridge stopped.', false, {
      cause: error,
    });
  }
  return new DeliveryFailureError(
    'CONNECTION_FAILURE',
    `${url.origin} could not be reached: ${causeOf(error)}`,
    true,
    {
      cause: error,
    },
  );
}

/** Each `*` of the endpoint, in order, takes the next path parameter value (URL-encoded). */
function fillPath(
  endpoint: string,
  values: readonly string[],
  event: Readonly<Record<string, unknown>>,
): string {
  let next = 0;
  return endpoint.replace(/\*/g, (star) => {
    const value = values[next++];
    return value === undefined ? star : encodeURIComponent(resolve(value, event));
  });
}

/**
 * Appends parameters to the URL's query string, form-encoded, after what the endpoint already has, which is left
 * exactly as written (a signed URL's `%2F` or `~`, a bare `flag`): AWS appends them to the endpoint.
 */
function appendQuery(url: URL, parameters: ReadonlyMap<string, string>): void {
  if (parameters.size === 0) return;
  const added = new URLSearchParams([...parameters]).toString();
  url.search = url.search.length > 1 ? `${url.search}&${added}` : added;
}

/** A target parameter value: a JSON path (`$.detail.id`) reads the event (nothing found reads ""), else as written. */
function resolve(value: string, event: Readonly<Record<string, unknown>>): string {
  if (!value.startsWith('$.')) return value;
  let found: { found: boolean; value: unknown };
  try {
    found = readJsonPath(event, parseJsonPath(value));
  } catch (error) {
    if (error instanceof InvalidJsonPathError) return value;
    throw error;
  }
  if (!found.found || found.value === null || found.value === undefined) return '';
  return typeof found.value === 'string' ? found.value : JSON.stringify(found.value);
}

/** The connection's body parameters join a JSON object body, over its keys; any other body goes as it is. */
function withBodyParameters(payload: string, parameters: HttpParameterList): string {
  if (parameters.length === 0) return payload;
  let body: unknown;
  try {
    body = JSON.parse(payload);
  } catch {
    return payload;
  }
  if (!isObject(body)) return payload;
  // Defined, not assigned: assigning a key `__proto__` (any text is a key in AWS's model) set the body's prototype
  // to nothing, and the parameter was silently left out (keys review, 2026-12-06).
  for (const { Key, Value } of parameters)
    Object.defineProperty(body, Key, { value: Value, enumerable: true, writable: true, configurable: true });
  return JSON.stringify(body);
}

/** Retry-After in ms (seconds, or an HTTP date); -1 when negative, undefined when absent or unreadable. */
function retryAfterMs(header: string | null): number | undefined {
  if (header === null) return undefined;
  const trimmed = header.trim();
  if (/^-?\d+$/.test(trimmed)) {
    const secondsValue = Number(trimmed);
    return secondsValue < 0 ? -1 : secondsValue * 1000;
  }
  // Past the three forms, a date naming its zone (`Mon, 7 Dec 2026 10:00:00 +0000`, ISO with `Z`) is still read, as
  // before: only a date without one depends on this machine's zone.
  const date =
    httpDate(trimmed) ?? (/(?:GMT|UTC|Z|[+-]\d{2}:?\d{2})$/i.test(trimmed) ? Date.parse(trimmed) : undefined);
  return date === undefined || Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MONTH = `(${MONTHS.join('|')})`;
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})';
const IMF_FIXDATE = new RegExp(`^[A-Z][a-z]{2}, (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`);
const RFC850_DATE = new RegExp(`^[A-Z][a-z]{5,8}, (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`);
const ASCTIME_DATE = new RegExp(`^[A-Z][a-z]{2} ${MONTH} ([ \\d]\\d) ${TIME} (\\d{4})$`);

/**
 * An HTTP-date (RFC 9110 5.6.7) in epoch ms: IMF-fixdate, RFC 850 or asctime, each UTC. Date.parse read asctime,
 * which has no zone, in this machine's time zone: 3 hours late in Sao Paulo, at once in Shanghai (clock review).
 */
function httpDate(text: string): number | undefined {
  const imf = IMF_FIXDATE.exec(text);
  const rfc850 = imf ? null : RFC850_DATE.exec(text);
  const asctime = imf || rfc850 ? null : ASCTIME_DATE.exec(text);
  let parts: [day: string, month: string, year: number, h: string, m: string, s: string] | undefined;
  if (imf) parts = [imf[1]!, imf[2]!, Number(imf[3]), imf[4]!, imf[5]!, imf[6]!];
  else if (rfc850) {
    // A two-digit year more than 50 years ahead is of the century before (RFC 9110).
    let year = 2000 + Number(rfc850[3]);
    if (year > new Date().getUTCFullYear() + 50) year -= 100;
    parts = [rfc850[1]!, rfc850[2]!, year, rfc850[4]!, rfc850[5]!, rfc850[6]!];
  } else if (asctime) {
    parts = [asctime[2]!.trim(), asctime[1]!, Number(asctime[6]), asctime[3]!, asctime[4]!, asctime[5]!];
  }
  if (parts === undefined) return undefined;
  const [day, month, year, hours, minutes, seconds] = parts;
  // Not a day of that month, or an hour past 23: not a date (Date would roll it over).
  return utcTime(
    year,
    MONTHS.indexOf(month) + 1,
    Number(day),
    Number(hours),
    Number(minutes),
    Number(seconds),
  );
}

export interface TokenRequest {
  readonly endpoint: string;
  readonly method: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly parameters: ConnectionParameters;
}

/**
 * The client-credentials grant of RFC 6749 (4.4): the client's id and secret as HTTP Basic credentials, the
 * connection's OAuth body parameters with `grant_type` form-encoded, its header and query parameters added.
 * AWS does not document its request; this is the form the RFC asks every server to take. `expiresAt` is on the
 * monotonic clock (performance.now()).
 */
export async function requestToken(
  request: TokenRequest,
  signal: AbortSignal,
): Promise<{ header: string; expiresAt: number }> {
  const url = new URL(request.endpoint);
  const query = new Map<string, string>();
  for (const { Key, Value } of request.parameters.QueryStringParameters ?? []) query.set(Key, Value);
  const form = new URLSearchParams({ grant_type: 'client_credentials' });
  for (const { Key, Value } of request.parameters.BodyParameters ?? []) form.set(Key, Value);
  const credentials = `${encodeURIComponent(request.clientId)}:${encodeURIComponent(request.clientSecret)}`;
  // One value per header: the connection's replace ours (Accept, say), but not the two that say what is sent,
  // the form's type and the client's credentials.
  const headers = new Map<string, string>([['accept', 'application/json']]);
  // Not the headers EventBridge removes from its calls (Host, Transfer-Encoding, Connection...): they would break
  // the request.
  for (const { Key, Value } of request.parameters.HeaderParameters ?? [])
    if (!REMOVED_HEADERS.has(Key.toLowerCase())) headers.set(Key.toLowerCase(), Value);
  headers.set('content-type', 'application/x-www-form-urlencoded');
  headers.set('authorization', `Basic ${Buffer.from(credentials).toString('base64')}`);
  const withBody = request.method !== 'GET';
  if (!withBody) for (const [key, value] of form) query.set(key, value);
  appendQuery(url, query);
  // On the monotonic clock, as the token is kept (see ConnectionStore's Token): not the wall clock, which NTP may set.
  const requestedAt = performance.now();
  const problem = requestProblem(headers);
  if (problem !== undefined) throw new Error(`The token request cannot be made: ${problem.message}`);
  const response = await send(
    url,
    request.method,
    headers,
    withBody ? form.toString() : undefined,
    signal,
  ).catch((error: unknown) => {
    throw new Error(`${url.origin} could not be reached: ${causeOf(error)}`, { cause: error });
  });
  const { text } = response;
  if (response.status < 200 || response.status >= 300) {
    throw new Error(`${url.origin}${url.pathname} answered HTTP ${response.status}`);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const token = isObject(body) ? body.access_token : undefined;
  if (typeof token !== 'string' || token === '' || !isObject(body)) {
    throw new Error(`${url.origin}${url.pathname} answered without an access_token`);
  }
  const type = typeof body.token_type === 'string' && body.token_type !== '' ? body.token_type : 'Bearer';
  // "Bearer" as RFC 6750 spells it, whatever case the server answered.
  const scheme = type.toLowerCase() === 'bearer' ? 'Bearer' : type;
  const expiresIn = typeof body.expires_in === 'number' ? body.expires_in : Number(body.expires_in);
  return {
    header: `${scheme} ${token}`,
    expiresAt: Number.isFinite(expiresIn) ? requestedAt + expiresIn * 1000 : Number.POSITIVE_INFINITY,
  };
}

function causeOf(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  return cause instanceof Error ? cause.message : String(cause);
}
