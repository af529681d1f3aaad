// How a webhook's name becomes addresses: the hosts file, then DNS asked by c-ares, on the event loop.
//
// Not `dns.lookup`: its getaddrinfo runs on libuv's thread pool, at most two at a time (its share for slow work, of
// four threads), and each goes on past any timeout of ours, about ten seconds a lookup. So a subscriber whose name's
// DNS never answers held both, and every other webhook's name waited behind them until its own delivery timed out
// (delivery security review, 2026-12-07: in a network namespace whose resolver never answered, four deliveries to
// such names made one to a healthy webhook, started 100 ms later, time out at 10 s). A query of c-ares holds no
// thread and is given up after its own timeout.
import { promises as dns, type LookupAddress } from 'node:dns';
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';

/** All addresses of a name, as `dns.lookup` with `all: true` gives them. */
export type Resolve = (hostname: string) => Promise<LookupAddress[]>;

export interface WebhookResolveOptions {
  /** Read on every lookup (it is small, and may change while a process runs). @default '/etc/hosts' */
  readonly hostsFile?: string;
  /** DNS servers as `dns.Resolver#setServers` takes them. @default the system's (its resolv.conf) */
  readonly servers?: readonly string[];
  /** The first try of each query; c-ares doubles it for the next (2 s and 4 s: 6 s for a silent name). @default 2000 */
  readonly timeoutMs?: number;
  /** @default 2 */
  readonly tries?: number;
  /**
   * Asked for a name DNS answered without an address (no such name, SERVFAIL, REFUSED), or for a `localhost` name:
   * the system's lookup knows what c-ares does not (search domains for a one-label name, mDNS and other sources the
   * system is set up with). DNS answered quickly, so asking the system again is not waiting on a silent server.
   * @default dns.lookup
   */
  readonly fallback?: Resolve;
}

/**
 * No answer within the tries: the one case not passed on to the system's lookup, which would wait on the same silent
 * server on the thread pool. Any answer (no such name, no address of a family, SERVFAIL or REFUSED from a
 * split-horizon resolver for a name the system finds by other means) came quickly, so the system is asked.
 */
const UNANSWERED = new Set(['ETIMEOUT', 'ECANCELLED', 'EDESTRUCTION']);

const systemLookup: Resolve = (hostname) => dns.lookup(hostname, { all: true, verbatim: true });

export function webhookResolve(options: WebhookResolveOptions = {}): Resolve {
  const resolver = new dns.Resolver({ timeout: options.timeoutMs ?? 2_000, tries: options.tries ?? 2 });
  if (options.servers !== undefined) resolver.setServers([...options.servers]);
  const hostsFile = options.hostsFile ?? '/etc/hosts';
  const fallback = options.fallback ?? systemLookup;
  return async (hostname) => {
    const name = hostname.replace(/\.$/, '').toLowerCase();
    if (name === 'localhost' || name.endsWith('.localhost')) return fallback(hostname);
    const listed = await fromHostsFile(hostsFile, name);
    if (listed.length > 0) return listed;
    const [v4, v6] = await Promise.allSettled([resolver.resolve4(name), resolver.resolve6(name)]);
    const addresses: LookupAddress[] = [
      ...(v4.status === 'fulfilled' ? v4.value.map((address) => ({ address, family: 4 })) : []),
      ...(v6.status === 'fulfilled' ? v6.value.map((address) => ({ address, family: 6 })) : []),
    ];
    if (addresses.length > 0) return addresses;
    const errors = [v4, v6].flatMap((r) =>
      r.status === 'rejected' ? [r.reason as NodeJS.ErrnoException] : [],
    );
    const unanswered = errors.find((error) => UNANSWERED.has(error.code ?? ''));
    if (unanswered !== undefined) throw unanswered;
    return fallback(hostname);
  };
}

/**
 * The addresses the hosts file gives `name` (lower case, no final dot), in its order; none when it does not name it
 * or cannot be read (Lambda's names nothing but localhost).
 */
async function fromHostsFile(path: string, name: string): Promise<LookupAddress[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return [];
  }
  const addresses: LookupAddress[] = [];
  for (const line of text.split('\n')) {
    const [address, ...names] = (line.split('#', 1)[0] ?? '').trim().split(/\s+/);
    if (address === undefined || names.length === 0) continue;
    // An IPv6 address with a zone (fe80::1%eth0) is not one a webhook is posted to.
    const family = isIP(address);
    if (family === 0) continue;
    if (names.some((listed) => listed.replace(/\.$/, '').toLowerCase() === name)) {
      addresses.push({ address, family });
    }
  }
  return addresses;
}

/** The lookup deliveries use unless given another. */
export const systemResolve: Resolve = webhookResolve();
