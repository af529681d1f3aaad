// IP addresses the way AWS's matcher reads them (event-ruler's CIDR class on top of Java's InetAddress):
// a cheap shape check first, then a strict literal parse; IPv4-mapped IPv6 addresses become IPv4.

const IPV4_SHAPE = /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/;
const IPV6_SHAPE = /^[0-9a-fA-F:]*:[0-9a-fA-F:]*$/;

/** Thrown for a cidr pattern AWS refuses; the message is AWS's. */
export class CidrSyntaxError extends Error {
  override name = 'CidrSyntaxError';
}

export function looksLikeIp(text: string): boolean {
  return IPV4_SHAPE.test(text) || IPV6_SHAPE.test(text);
}

function parseIpv4(text: string): Uint8Array | undefined {
  // Java takes no dotted IPv4 literal over 15 characters ("0010.0000.0000.0001" is a host name to it).
  if (text.length > 15) return undefined;
  const parts = text.split('.');
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const part = parts[i] as string;
    // Java reads each dotted part as a decimal number; leading zeros are still one octet.
    const n = Number.parseInt(part, 10);
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

function parseIpv6(text: string): Uint8Array | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (s: string): string[] | undefined => {
    if (s === '') return [];
    const g = s.split(':');
    // Java bounds a group by its value, not its digits: "0000a" is the group a.
    return g.every((x) => /^[0-9a-fA-F]+$/.test(x) && Number.parseInt(x, 16) <= 0xffff) ? g : undefined;
  };
  const head = groupsOf(halves[0] as string);
  const tail = halves.length === 2 ? groupsOf(halves[1] as string) : [];
  if (head === undefined || tail === undefined) return undefined;
  const total = head.length + tail.length;
  if (halves.length === 1 ? total !== 8 : total > 7) return undefined;
  const groups = [...head, ...Array<string>(8 - total).fill('0'), ...tail];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const n = Number.parseInt(g, 16);
    out[2 * i] = n >> 8;
    out[2 * i + 1] = n & 0xff;
  });
  // Java's InetAddress turns ::ffff:a.b.c.d into an IPv4 address.
  if (out.subarray(0, 10).every((b) => b === 0) && out[10] === 0xff && out[11] === 0xff) return out.slice(12);
  return out;
}

/** The address bytes (4 or 16) of an IP literal, or undefined when it is not one. */
export function parseIp(text: string): Uint8Array | undefined {
  if (IPV4_SHAPE.test(text)) return parseIpv4(text);
  if (IPV6_SHAPE.test(text)) return parseIpv6(text);
  return undefined;
}

/** Hex form of an address, the key we index and compare addresses by (same length => same order as bytes). */
export function ipHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

export interface CidrRange {
  /** Hex of the lowest address in range (AWS keeps the host bits written in the pattern, unmasked). */
  readonly low: string;
  /** Hex of the highest address in range. */
  readonly high: string;
}

/** Parses a cidr pattern value like AWS does, including its error messages. */
export function parseCidr(text: string): CidrRange {
  // Java's String.split drops trailing empty strings, so "10.0.0.0/24/" still counts as one '/'.
  const parts = text.split('/');
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  if (parts.length !== 2) throw new CidrSyntaxError("Malformed CIDR, one '/' required");
  const [addressText, maskText] = parts as [string, string];
  if (!/^[+-]?\d+$/.test(maskText) || Math.abs(Number(maskText)) > 2147483647) {
    throw new CidrSyntaxError('Malformed CIDR, mask bits must be an integer');
  }
  const maskBits = Number(maskText);
  if (maskBits < 0) throw new CidrSyntaxError('Malformed CIDR, mask bits must not be negative');
  let bytes: Uint8Array | undefined;
  if (looksLikeIp(addressText)) {
    bytes = parseIp(addressText);
    if (bytes === undefined) throw new CidrSyntaxError(`Invalid IP address: ${addressText}`);
  }
  if (bytes === undefined) throw new CidrSyntaxError(`Nonstandard IP address: ${addressText}`);
  if (bytes.length === 4 && maskBits > 31) throw new CidrSyntaxError('IPv4 mask bits must be < 32');
  if (bytes.length === 16 && maskBits > 127) throw new CidrSyntaxError('IPv6 mask bits must be < 128');
  const top = bytes.slice();
  let hostBits = bytes.length * 8 - maskBits;
  for (let i = top.length - 1; i >= 0 && hostBits > 0; i--, hostBits -= 8) {
    top[i] = hostBits >= 8 ? 0xff : (top[i] as number) | ((1 << hostBits) - 1);
  }
  return { low: ipHex(bytes), high: ipHex(top) };
}

export function inCidr(range: CidrRange, addressHex: string): boolean {
  return addressHex.length === range.low.length && addressHex >= range.low && addressHex <= range.high;
}
