// Which Host headers the local servers answer (the HTTP API's front door and the embedded EventBridge). They listen on
// 127.0.0.1 only, so no other machine reaches them, but a web page open on this one can, by DNS rebinding: its own
// name, made to resolve to 127.0.0.1 once the page has loaded, lets its script send any request to a local port as
// its own origin, headers and all, and read the answer (a PutTargets sending every event to its server, say). Each
// such request carries the page's name in Host, which a loopback name or address never is. The same check as
// webpack-dev-server's and Vite's allowed hosts (browser review, 2026-12-06). A page on any site can also send
// 127.0.0.1 a "simple" request under a loopback Host, unreadable but made: its Origin says whose it is.
// DynamoDB Local gets the same check in Java (dynamodb/LoopbackDynamoDbLocal.java's WebPageGuard, 2026-12-07):
// a change to what is answered here belongs there too (test/integration/dynamodb-web-pages.test.ts holds both to
// one table of Host forms).

import { isIPv4 } from 'node:net';

/** Host headers already judged loopback: nearly every request repeats one of a few. */
const accepted = new Set<string>();
const MAX_REMEMBERED = 64;

/**
 * Whether `host` (a request's Host header) names this machine's loopback: `localhost` or a name under it (which
 * browsers resolve to loopback themselves), an IPv4 address in 127.0.0.0/8 in any form a URL takes, or `[::1]`
 * (and IPv4-mapped 127/8). No Host at all is taken too: browsers always send one.
 */
export function isLoopbackHost(host: string | undefined): boolean {
  if (host === undefined || host === '') return true;
  if (accepted.has(host)) return true;
  const hostname = hostnameOf(host);
  if (hostname === undefined) return false;
  const loopback =
    hostname === 'localhost' ||
    hostname.endsWith('.localhost') ||
    (isIPv4(hostname) && hostname.startsWith('127.')) ||
    hostname === '[::1]' ||
    /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(hostname);
  if (loopback && accepted.size < MAX_REMEMBERED) accepted.add(host);
  return loopback;
}

/** A header's value for a message: quoted, and cut past 256 characters. */
const quoted = (value: string): string =>
  JSON.stringify(value.length > 256 ? `${value.slice(0, 256)}…` : value);

/** Why a request was refused, for the answer: names the Host it carried and the names that are answered. */
function notLoopbackMessage(host: string, server: string): string {
  return (
    `${server} answers requests to a loopback name or address only (127.0.0.1 or localhost) or to a name ` +
    `given in SHAREBUS_ALLOWED_HOSTS, not to Host ` +
    `${quoted(host)}: a web page could send such requests through DNS rebinding.`
  );
}

/**
 * Whether `origin` (a request's Origin header) is absent or a loopback origin. A page on any site can send this
 * machine's 127.0.0.1 a "simple" request (a POST without custom headers, `mode: 'no-cors'`) with a loopback Host;
 * it cannot read the answer, but the request is made (a redrive of every dead letter, say). Browsers send Origin on
 * every such POST; the SDK, the CLI and curl send none.
 */
export function isLoopbackOrigin(origin: string | undefined): boolean {
  if (origin === undefined) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false; // `null` (a sandboxed or file: page) among them
  }
  // A browser sends an origin serialized: scheme, host and port, nothing else.
  return (
    (url.protocol === 'http:' || url.protocol === 'https:') &&
    url.origin === origin &&
    isLoopbackHost(url.host)
  );
}

/** Why a request from a web page's origin was refused. */
function notLoopbackOriginMessage(origin: string, server: string): string {
  return (
    `${server} answers no request from a web page served elsewhere than this machine, and this one came from ` +
    `Origin ${quoted(origin)}.`
  );
}

/** Why a request is refused as a web page's, and the header at fault; undefined for one to answer. */
export interface WebPageRefusal {
  readonly message: string;
  readonly field: { readonly field: 'Host' | 'Origin'; readonly message: string };
}

/**
 * The refusal for a request a web page could have sent (see above): its Host not loopback, or its Origin a page's
 * elsewhere. `server` names the server in the message.
 */
export function webPageRefusal(
  headers: { readonly host?: string | undefined; readonly origin?: string | undefined },
  server: string,
  allowed: ReadonlySet<string> = NONE,
): WebPageRefusal | undefined {
  if (!isLoopbackHost(headers.host) && !isAllowed(headers.host, allowed)) {
    return {
      message: notLoopbackMessage(headers.host ?? '', server),
      field: { field: 'Host', message: 'is not a loopback name or address' },
    };
  }
  if (!isLoopbackOrigin(headers.origin) && !isAllowedOrigin(headers.origin, allowed)) {
    return {
      message: notLoopbackOriginMessage(headers.origin ?? '', server),
      field: { field: 'Origin', message: 'is not a loopback origin' },
    };
  }
  return undefined;
}

const NONE: ReadonlySet<string> = new Set();

/** The host name of a Host header (lower case, without its port), or undefined when it is none. */
function hostnameOf(host: string): string | undefined {
  // Only a host and a port: `a@127.0.0.1` or `127.0.0.1/x` are no Host header a client sends.
  if (!/^[^@/?#\\]*$/.test(host)) return undefined;
  try {
    return new URL(`http://${host}/`).hostname;
  } catch {
    return undefined;
  }
}

/** Whether `host` names one of the `allowed` host names (SHAREBUS_ALLOWED_HOSTS), whatever its port. */
function isAllowed(host: string | undefined, allowed: ReadonlySet<string>): boolean {
  if (allowed.size === 0 || host === undefined) return false;
  const hostname = hostnameOf(host);
  return hostname !== undefined && allowed.has(hostname);
}

/** Whether `origin` is a page served from one of the `allowed` host names, over http or https. */
function isAllowedOrigin(origin: string | undefined, allowed: ReadonlySet<string>): boolean {
  if (allowed.size === 0 || origin === undefined) return false;
  try {
    const url = new URL(origin);
    return (
      (url.protocol === 'http:' || url.protocol === 'https:') &&
      url.origin === origin &&
      allowed.has(url.hostname)
    );
  } catch {
    return false;
  }
}

const HOST_NAME =
  /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

/**
 * The host names SHAREBUS_ALLOWED_HOSTS gives (comma-separated; empty: none), answered besides loopback: the names a
 * reverse proxy in front of `npm start` passes on in Host (Caddy and Traefik pass the client's), and the pages served
 * from them. Throws, naming `variable`, on anything that is not a plain host name: a port, a scheme, a wildcard.
 */
export function parseAllowedHosts(raw: string | undefined, variable: string): ReadonlySet<string> {
  const names = (raw ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '');
  // As a Host header's name is compared, after the URL parser's normalization: `10.0.5`, `010.0.0.5` or `123` (IPv4
  // in other forms, which no parsed Host ever equals) and `999.1.1.1` (no address) would be kept and never match.
  const bad = names.find((name) => !HOST_NAME.test(name) || hostnameOf(name) !== name);
  if (bad !== undefined) {
    throw new Error(
      `${variable} must be host names separated by commas, without a scheme, port or wildcard (as bus.example.gov); got ${JSON.stringify(bad)}`,
    );
  }
  return new Set(names);
}
