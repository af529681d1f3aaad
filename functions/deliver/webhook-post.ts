// One POST to a webhook, over node:http(s) rather than fetch so that the addresses a name resolves to can be
// judged on the very lookup the socket connects with. Checking with a lookup of our own and then letting fetch
// resolve again left a window: a name answering a public address to the check and an internal one to the connect
// (DNS rebinding) reached the platform's own network.
import { promises as dns, type LookupAddress } from 'node:dns';
import { type ClientRequest, request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';

/** All addresses of a name, as `dns.lookup` with `all: true` gives them. */
export type Resolve = (hostname: string) => Promise<LookupAddress[]>;

export const systemResolve: Resolve = (hostname) => dns.lookup(hostname, { all: true, verbatim: true });

/** The endpoint's host is, or resolves to, an address the caller refuses; nothing was sent. */
export class RefusedAddressError extends Error {
  override name = 'RefusedAddressError';
  constructor(readonly address: string) {
    super(`refused address ${address}`);
  }
}

export interface PostOptions {
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** From the start of the request to the response's status line. */
  readonly timeoutMs: number;
  /** When given, no connection is made to an address it refuses, whether named in the URL or resolved. */
  readonly refuseAddress?: (address: string) => boolean;
  /** @default systemResolve */
  readonly resolve?: Resolve;
}

/** The most bytes of response headers read (Node's default, 16 KB, would fail a webhook's 2xx past it). */
export const MAX_RESPONSE_HEADER_BYTES = 1024 * 1024;

/**
 * POSTs `body` to `url` over a connection of its own and resolves with the response's status, without following
 * redirects. The response body is not read: the connection is closed once the status is in. Rejects with
 * RefusedAddressError before connecting to a refused address, with the socket's error when the endpoint cannot
 * be reached, or with a timeout error.
 */
export function postWebhook(url: URL, options: PostOptions): Promise<number> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const refuse = options.refuseAddress;
  // An address in the URL is connected to without any lookup.
  if (refuse !== undefined && isIP(host) !== 0 && refuse(host)) {
    return Promise.reject(new RefusedAddressError(host));
  }
  const request: RequestOptions = {
    method: 'POST',
    headers: { ...options.headers, 'content-length': Buffer.byteLength(options.body) },
    // A connection of its own: one kept alive from an earlier request would be reused without the lookup below.
    agent: false,
    // The status line decides, whatever the headers after it (up to 1 MB): with Node's 16 KB, a webhook answering
    // 200 with 20 KB of headers failed with "Header overflow" and was sent the event again.
    maxHeaderSize: MAX_RESPONSE_HEADER_BYTES,
    ...(refuse !== undefined ? { lookup: guardedLookup(options.resolve ?? systemResolve, refuse) } : {}),
  };
  return new Promise<number>((resolve, reject) => {
    let req: ClientRequest;
    // Settled once, by whichever comes first. The request's own events are not enough: a request Node has given
    // up (an upgrade answer nobody listens for) emits neither a response nor an error, and destroying it then is
    // silent, so the promise would never settle; in Lambda the event loop would drain and the invocation end as
    // a success, the event lost.
    let settled = false;
    const settle = (status: number | undefined, error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (status !== undefined) resolve(status);
      else reject(error);
    };
    const timer = setTimeout(() => {
      const error = new Error(`no answer within ${options.timeoutMs} ms`);
      settle(undefined, error);
      req.destroy(error);
    }, options.timeoutMs);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    req = send(url, request, (res) => {
      // The status is the answer; a body, however long it streams, is not read.
      res.destroy();
      settle(res.statusCode ?? 0);
    });
    // 101 Switching Protocols with Upgrade headers: a status like any other (not 2xx, so a failure), the socket
    // it hands over closed.
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      settle(res.statusCode ?? 0);
    });
    req.on('error', (error) => settle(undefined, error));
    req.on('close', () => settle(undefined, new Error('the connection closed before an answer')));
    req.end(options.body);
  });
}

/**
 * A lookup for net.connect that resolves the name once and fails when any of its addresses is refused, so the
 * addresses judged are the addresses connected to.
 */
function guardedLookup(resolve: Resolve, refuse: (address: string) => boolean): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (addresses) => {
        const refused = addresses.find(({ address }) => refuse(address));
        if (refused !== undefined) {
          callback(new RefusedAddressError(refused.address), '', 0);
          return;
        }
        const usable =
          options.family === 4 || options.family === 6
            ? addresses.filter(({ family }) => family === options.family)
            : addresses;
        const first = usable[0];
        if (first === undefined) {
          const error: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
          error.code = 'ENOTFOUND';
          callback(error, '', 0);
        } else if (options.all === true) callback(null, usable);
        else callback(null, first.address, first.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 0),
    );
  };
}
