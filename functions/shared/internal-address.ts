// Endpoints that name this network rather than the internet. Deployed, webhooks must be public https endpoints: a
// subscription naming a loopback, link-local (the instance metadata service), private or unique-local address would
// have the deliver function POST records inside the platform's own network.
import { BlockList, isIP } from 'node:net';

// Besides those, the blocks IANA's special-purpose registries set aside (documentation, benchmarking, protocol
// assignments, reserved: whole, though a few anycast services in them, 192.0.0.9 or 2001:4:112::/48, are reachable),
// multicast, and the IPv6 forms that carry an IPv4 address a gateway may forward to: no webhook is there, and a
// network the platform later runs in may route some of them.
const internal = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  // The retired 6to4 relay anycast block.
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  // Multicast, then the reserved block with the broadcast address.
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  internal.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  // The unspecified and loopback addresses, and the IPv4-compatible ones (`::7f00:1`) around them.
  ['::', 96],
  // IPv4-translated addresses (`::ffff:0:7f00:1`, RFC 2765); the IPv4-mapped ones are judged by the address they carry.
  ['::ffff:0:0:0', 96],
  // NAT64: an IPv4 address reached through the translator (`64:ff9b::a9fe:a9fe`), and its local-use block.
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  // IETF protocol assignments (Teredo among them, which carries an IPv4 address), documentation, 6to4 (likewise).
  ['2001::', 23],
  ['2001:db8::', 32],
  ['3fff::', 20],
  ['2002::', 16],
  // Segment routing (SRv6) SIDs, RFC 9602.
  ['5f00::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  internal.addSubnet(network, prefix, 'ipv6');
}

/**
 * Why a URL's hostname (as `new URL` gives it, so numeric and hex IPv4 forms are already dotted) is internal, or
 * undefined when it is not. Names are judged by name alone (`localhost`); one that resolves to an internal
 * address is not caught here.
 */
export function internalHostReason(hostname: string): string | undefined {
  // A fully qualified name may end with the root's dot (`localhost.`).
  const host = hostname
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '')
    .toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return 'names this machine';
  const family = isIP(host);
  if (family === 0) return undefined;
  const address = family === 6 ? (mappedIpv4(host) ?? host) : host;
  const type = isIP(address) === 4 ? 'ipv4' : 'ipv6';
  return internal.check(address, type) ? 'is a loopback, link-local, private or reserved address' : undefined;
}

/** The IPv4 address an IPv4-mapped IPv6 address (`::ffff:a9fe:a9fe`, `::ffff:169.254.169.254`) carries. */
function mappedIpv4(host: string): string | undefined {
  const match = /^::ffff:(?:([0-9a-f]{1,4}):([0-9a-f]{1,4})|(\d+\.\d+\.\d+\.\d+))$/.exec(host);
  if (!match) return undefined;
  if (match[3] !== undefined) return match[3];
  const high = Number.parseInt(match[1]!, 16);
  const low = Number.parseInt(match[2]!, 16);
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}
