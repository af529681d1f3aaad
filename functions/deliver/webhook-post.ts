// One POST to a webhook, over node:http(s) rather than fetch so that the addresses a name resolves to can be
// judged on the very lookup the socket connects with. Checking with a lookup of our own and then letting fetch
// resolve again left a window: a name answering a public address to the check and an internal one to the connect
// (DNS rebinding) reached the platform's own network.
import { type ClientRequest, request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { type Resolve, systemResolve } from './webhook-resolve.js';

export type { Resolve } from './webhook-resolve.js';

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
  /**
   * From the start of the request to the response's status line (for a 2xx, to the event written and the answer
   * ended; an answer still streaming then counts as its status).
   */
  readonly timeoutMs: number;
  /** When given, no connection is made to an address it refuses, whether named in the URL or resolved. */
  readonly refuseAddress?: (address: string) => boolean;
  /** @default systemResolve */
  readonly resolve?: Resolve;
}

/**
 * The most bytes of response headers read: Node's default, 16 KB, failed a webhook's 2xx past it, but 1 MB (until
 * 2026-12-07) let each of the local runtime's 1,000 deliveries under way hold a megabyte of a hostile webhook's
 * headers, a gigabyte in all (delivery security review). 64 KiB is twice what an Application Load Balancer passes on.
 */
export const MAX_RESPONSE_HEADER_BYTES = 64 * 1024;

/**
 * POSTs `body` to `url` over a connection of its own and resolves with the response's status, without following
 * redirects. The response body is not read: the connection is closed once the status is in (for a 2xx, once the
 * event is written and the answer has ended, or at the timeout).
 * Rejects with RefusedAddressError before connecting to a refused address, with the socket's error when the endpoint
 * cannot be reached, or with a timeout error.
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
    // Not `Connection: close`, which Node says by itself for a connection of its own: a Node server (Express and
    // Fastify too) told it closes the connection as soon as it has answered, and a webhook that answers before it has
    // read the event (acknowledges, then reads the body) lost what it had not read yet, the delivery counted all the
    // same. The connection is not reused all the same: the one-off agent closes it once the answer has ended.
    headers: {
      ...options.headers,
      connection: 'keep-alive',
      'content-length': Buffer.byteLength(options.body),
    },
    // A connection of its own: one kept alive from an earlier request would be reused without the lookup below.
    agent: false,
    // The status line decides, whatever the headers after it (up to 64 KiB): with Node's 16 KB, a webhook answering
    // 200 with 20 KB of headers failed with "Header overflow" and was sent the event again.
    maxHeaderSize: MAX_RESPONSE_HEADER_BYTES,
    // A lookup of our own whether addresses are refused or not: Node's is dns.lookup, on libuv's thread pool, where
    // one subscriber's silent DNS held up every other's name (see webhook-resolve.ts).
    lookup: guardedLookup(options.resolve ?? systemResolve, refuse ?? (() => false)),
  };
  return new Promise<number>((resolve, reject) => {
    let req: ClientRequest;
    // Settled once, by whichever comes first. The request's own events are not enough: a request Node has given
    // up (an upgrade answer nobody listens for) emits neither a response nor an error, and destroying it then is
    // silent, so the promise would never settle; in Lambda the event loop would drain and the invocation end as
    // a success, the event lost.
    let settled = false;
    /** The answer's status, once its head is in. */
    let answered: number | undefined;
    const settle = (status: number | undefined, error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (status !== undefined) resolve(status);
      else reject(error);
    };
    const timer = setTimeout(() => {
      // Accepted, the event written, an answer still streaming: the status stands.
      if (answered !== undefined && req.writableFinished) settle(answered);
      const error = new Error(
        answered === undefined
          ? `no answer within ${options.timeoutMs} ms`
          : `answered ${answered} before taking the whole event, and had not taken it within ${options.timeoutMs} ms`,
      );
      settle(undefined, error);
      req.destroy(error);
    }, options.timeoutMs);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    req = send(url, request, (res) => {
      // The status is the answer; a body, however long it streams, is not read. Any answer but a 2xx is the answer at
      // once: the rest of the event need not be sent (RFC 9112, 9.5), so the connection is closed.
      const status = res.statusCode ?? 0;
      if (status < 200 || status > 299) {
        res.destroy();
        settle(status);
        return;
      }
      // But a webhook may accept before it has read the event (one that acknowledges at once, then reads what it is
      // streamed): a socket destroyed on the status, its answer unread, was reset, and dropped what the webhook had
      // not yet read, the delivery counted all the same (interop review, 2026-12-07: 195 KB of a 240 KB event
      // arrived). Nor may our side of the connection be ended while the answer is still open: a Node server (Express,
      // Fastify) aborts the request it is still reading when the client ends its side (review, 2026-12-07: a webhook
      // sending its 200 head at once and reading the event at 20 ms a chunk got 195 KB of 240 KB). So a 2xx stands
      // once the whole event is written and the answer has ended (or the webhook closed the connection, not reading
      // it); the agent then closes the connection. An answer whose body does not end within the timeout is taken as
      // its status, the connection closed.
      answered = status;
      res.resume();
      const done = () => {
        if (req.writableFinished && res.complete) settle(status);
      };
      req.once('finish', done);
      res.once('end', done);
      done();
    });
    // 101 Switching Protocols with Upgrade headers: a status like any other (not 2xx, so a failure), the socket
    // it hands over closed.
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      settle(res.statusCode ?? 0);
    });
    // After a 2xx, a webhook that closed the connection without reading the event: the status stands.
    req.on('error', (error: NodeJS.ErrnoException) =>
      settle(
        answered,
        error.code === 'HPE_HEADER_OVERFLOW'
          ? new Error(`answered with more than ${MAX_RESPONSE_HEADER_BYTES / 1024} KiB of headers`, {
              cause: error,
            })
          : error,
      ),
    );
    req.on('close', () => settle(answered, new Error('the connection closed before an answer')));
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
