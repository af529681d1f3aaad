// Whether one event value satisfies one matcher. AWS's matcher compares the JSON text of the value (strings
// with their quotes), so a prefix ending in '"' can match the string's end and non-strings never match string
// operators; the functions below state those rules on the decoded value.

import type { ValueMatcher } from './compile.js';
import {
  type CaseAlternatives,
  endsWithIgnoreCase,
  matchesIgnoreCase,
  startsWithIgnoreCase,
} from './ignore-case.js';
import { inCidr, ipHex, looksLikeIp, parseIp } from './ip-address.js';
import { comparableKey } from './numbers.js';
import { type Wildcard, wildcardMatches } from './wildcard.js';

/**
 * A number AWS cannot compare numerically (beyond ±5e9), which it compares by its text instead. Comparable
 * numbers are plain JavaScript numbers.
 */
export interface TextNumber {
  readonly text: string;
}

/**
 * One leaf value of an event, as a plain value so that recording it allocates nothing: a string, a comparable
 * number, a TextNumber, true, false or null.
 */
export type Leaf = string | number | TextNumber | boolean | null;

/** The leaf for a JSON number written as `text`. */
export function numberLeaf(text: string): Leaf {
  const n = Number(text);
  return comparableKey(n) === undefined ? { text } : n;
}

// The last value leafIpHex read: the rules on a node that test one address field against their own CIDR ranges
// each ask about the same value, and parsing it costs a microsecond or two.
let lastIpLeaf = '';
let lastIpHex: string | undefined;

/** Hex of the address a string value reads as, or undefined. */
export function leafIpHex(leaf: Leaf): string | undefined {
  if (typeof leaf !== 'string') return undefined;
  if (leaf === lastIpLeaf) return lastIpHex;
  const bytes = looksLikeIp(leaf) ? parseIp(leaf) : undefined;
  lastIpLeaf = leaf;
  lastIpHex = bytes === undefined ? undefined : ipHex(bytes);
  return lastIpHex;
}

/** `"s"` starts with `"p`  <=>  s + '"' starts with p. */
export function quotedStartsWith(s: string, p: string): boolean {
  return s.startsWith(p) || (p.length === s.length + 1 && p.endsWith('"') && p.startsWith(s));
}

/** `"s"` ends with `p"`  <=>  '"' + s ends with p. */
export function quotedEndsWith(s: string, p: string): boolean {
  return s.endsWith(p) || (p.length === s.length + 1 && p.startsWith('"') && p.endsWith(s));
}

// Plain loops below, not Array.some: this runs per event value, and closures cost on that path.
function anyQuotedStart(s: string, prefixes: readonly string[]): boolean {
  for (const p of prefixes) if (quotedStartsWith(s, p)) return true;
  return false;
}

function anyQuotedEnd(s: string, suffixes: readonly string[]): boolean {
  for (const p of suffixes) if (quotedEndsWith(s, p)) return true;
  return false;
}

function anyIgnoreCase(s: string, patterns: ReadonlyArray<readonly CaseAlternatives[]>): boolean {
  for (const alts of patterns) if (matchesIgnoreCase(alts, s)) return true;
  return false;
}

function anyWildcard(s: string, wildcards: readonly Wildcard[]): boolean {
  for (const w of wildcards) if (wildcardMatches(w, s)) return true;
  return false;
}

export function leafMatches(m: ValueMatcher, v: Leaf): boolean {
  switch (m.kind) {
    case 'exists':
      return true;
    case 'exact-string':
      return v === m.value;
    case 'exact-ip':
      return leafIpHex(v) === m.hex;
    case 'exact-number':
      if (m.key !== undefined) return typeof v === 'number' && comparableKey(v) === m.key;
      return typeof v === 'object' && v !== null && v.text === m.text;
    case 'exact-literal':
      return m.literal === 'null' ? v === null : v === (m.literal === 'true');
    case 'prefix':
      return typeof v === 'string' && quotedStartsWith(v, m.value);
    case 'suffix':
      return typeof v === 'string' && quotedEndsWith(v, m.value);
    case 'equals-ignore-case':
      return typeof v === 'string' && matchesIgnoreCase(m.alts, v);
    case 'prefix-ignore-case':
      return typeof v === 'string' && startsWithIgnoreCase(m.alts, `${v}"`);
    case 'suffix-ignore-case':
      return typeof v === 'string' && endsWithIgnoreCase(m.alts, `"${v}`);
    case 'wildcard':
      return typeof v === 'string' && wildcardMatches(m.wildcard, v);
    case 'numeric': {
      if (typeof v !== 'number') return false;
      const k = comparableKey(v) as number;
      return (m.lowOpen ? k > m.low : k >= m.low) && (m.highOpen ? k < m.high : k <= m.high);
    }
    case 'cidr': {
      const hex = leafIpHex(v);
      return hex !== undefined && inCidr(m.range, hex);
    }
    case 'anything-but':
      if (typeof v === 'string') return !m.strings.has(v);
      if (typeof v === 'number') return !m.numbers.has(comparableKey(v) as number);
      return true;
    case 'anything-but-prefix':
      return typeof v !== 'string' || !anyQuotedStart(v, m.values);
    case 'anything-but-suffix':
      return typeof v !== 'string' || !anyQuotedEnd(v, m.values);
    case 'anything-but-ignore-case':
      return typeof v !== 'string' || !anyIgnoreCase(v, m.alts);
    case 'anything-but-wildcard':
      return typeof v !== 'string' || !anyWildcard(v, m.wildcards);
  }
}
