// Index of the matchers that apply to one path, so one lookup per event value finds every matcher it satisfies:
// hash maps for exact values, character tries for prefixes and suffixes (case-folded ones too), an interval tree
// for numeric and CIDR ranges. Rare matchers (odd case mappings, wildcards with no literal text) are scanned, and
// so is everything while the index is small. Entries an index only narrows down are re-checked exactly.

import type { ValueMatcher } from './compile.js';
import { foldCase, isFoldSafe } from './ignore-case.js';
import { type Leaf, leafIpHex, leafMatches } from './leaf-match.js';
import { comparableKey } from './numbers.js';
import { NumericRanges } from './numeric-ranges.js';

/** What a hit yields, with the matcher to re-check when the index only narrows candidates. */
interface Entry<T> {
  readonly item: T;
  readonly verify: ValueMatcher | undefined;
}

class CharTrie<T> {
  private readonly root: TrieNode<T> = newTrieNode();
  /** Number of entries; walks are skipped while it is zero. */
  size = 0;
  /** Counts walkInside calls, to mark the nodes one of them has reached. */
  private walks = 0;

  add(key: string, entry: Entry<T>): void {
    this.size++;
    let node = this.root;
    for (let i = 0; i < key.length; i++) {
      const c = key.charCodeAt(i);
      let child = childOf(node, c);
      if (child === undefined) {
        child = newTrieNode();
        if (node.first === undefined) {
          node.firstChar = c;
          node.first = child;
        } else {
          node.next ??= new Map();
          node.next.set(c, child);
        }
      }
      node = child;
    }
    node.entries ??= [];
    node.entries.push(entry);
  }

  remove(key: string, item: T): void {
    const path: Array<TrieNode<T>> = [this.root];
    let node = this.root;
    for (let i = 0; i < key.length; i++) {
      const child = childOf(node, key.charCodeAt(i));
      if (child === undefined) return;
      node = child;
      path.push(node);
    }
    if (removeEntry(node.entries, item)) this.size--;
    // Prune nodes left with nothing, bottom-up.
    for (let i = path.length - 1; i > 0; i--) {
      const n = path[i] as TrieNode<T>;
      if ((n.entries?.length ?? 0) > 0 || n.first !== undefined || (n.next?.size ?? 0) > 0) break;
      const parent = path[i - 1] as TrieNode<T>;
      const c = key.charCodeAt(i - 1);
      if (parent.first === n) {
        parent.first = undefined;
        parent.firstChar = -1;
      } else parent.next?.delete(c);
    }
  }

  /** Reports the entries of every key that is a prefix of s (+ `tail` appended), walking forwards. */
  walk(s: string, tail: number, leaf: Leaf, sink: ProbeSink<T>): void {
    let node: TrieNode<T> | undefined = this.root;
    emit(node, leaf, sink);
    for (let i = 0; i < s.length && node !== undefined; i++) {
      node = childOf(node, s.charCodeAt(i));
      if (node !== undefined) emit(node, leaf, sink);
    }
    if (node !== undefined && tail >= 0) {
      node = childOf(node, tail);
      if (node !== undefined) emit(node, leaf, sink);
    }
  }

  /**
   * Reports the entries of every non-empty key found anywhere in s, each once however often it occurs there (its
   * check reads the whole value: once per occurrence made "a" repeated 250,000 times against `*a*` take 0.8 s).
   */
  walkInside(s: string, leaf: Leaf, sink: ProbeSink<T>): void {
    const walk = ++this.walks;
    for (let start = 0; start < s.length; start++) {
      let node: TrieNode<T> | undefined = this.root;
      for (let i = start; i < s.length && node !== undefined; i++) {
        node = childOf(node, s.charCodeAt(i));
        if (node !== undefined && node.walk !== walk) {
          node.walk = walk;
          emit(node, leaf, sink);
        }
      }
    }
  }

  /** Reports the entries of every key that is a prefix of reverse(s) (+ `tail`), i.e. a suffix of tail+s. */
  walkBackwards(s: string, tail: number, leaf: Leaf, sink: ProbeSink<T>): void {
    let node: TrieNode<T> | undefined = this.root;
    emit(node, leaf, sink);
    for (let i = s.length - 1; i >= 0 && node !== undefined; i--) {
      node = childOf(node, s.charCodeAt(i));
      if (node !== undefined) emit(node, leaf, sink);
    }
    if (node !== undefined && tail >= 0) {
      node = childOf(node, tail);
      if (node !== undefined) emit(node, leaf, sink);
    }
  }
}

/** Receives probe hits. An object rather than a callback: no closure per probe on the hot path. */
export interface ProbeSink<T> {
  hit(item: T): void;
}

/**
 * One character step. Most nodes have a single child (keys share a start, then run on alone), so the first child
 * sits inline and a walk follows it without a map lookup; further children go in `next`.
 */
interface TrieNode<T> {
  firstChar: number;
  first: TrieNode<T> | undefined;
  next: Map<number, TrieNode<T>> | undefined;
  entries: Array<Entry<T>> | undefined;
  /** The last walkInside that reached the node. */
  walk: number;
}

function newTrieNode<T>(): TrieNode<T> {
  return { firstChar: -1, first: undefined, next: undefined, entries: undefined, walk: 0 };
}

function childOf<T>(node: TrieNode<T>, c: number): TrieNode<T> | undefined {
  if (node.firstChar === c) return node.first;
  return node.next?.get(c);
}

function emit<T>(node: TrieNode<T>, leaf: Leaf, sink: ProbeSink<T>): void {
  const entries = node.entries;
  if (entries !== undefined) for (const e of entries) check(e, leaf, sink);
}

function check<T>(e: Entry<T>, leaf: Leaf, sink: ProbeSink<T>): void {
  if (e.verify === undefined || leafMatches(e.verify, leaf)) sink.hit(e.item);
}

function removeEntry<T>(list: Array<Entry<T>> | undefined, item: T): boolean {
  if (list === undefined) return false;
  const i = list.findIndex((e) => e.item === item);
  if (i >= 0) list.splice(i, 1);
  return i >= 0;
}

function reversed(s: string): string {
  let out = '';
  for (let i = s.length - 1; i >= 0; i--) out += s[i];
  return out;
}

const QUOTE = 0x22;

function exactEntry<V, T>(map: Map<V, T[]>, key: V, item: T, adding: boolean): true {
  const list = map.get(key);
  if (adding) {
    if (list === undefined) map.set(key, [item]);
    else list.push(item);
  } else if (list !== undefined) {
    const i = list.indexOf(item);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) map.delete(key);
  }
  return true;
}

function hitAll<T>(items: readonly T[] | undefined, sink: ProbeSink<T>): void {
  if (items !== undefined) for (let i = 0; i < items.length; i++) sink.hit(items[i] as T);
}

/** Up to this many matchers, a linear scan beats the index structures. */
const SCAN_LIMIT = 4;

/** The matchers applying to one path, each yielding an item (for the bus matcher: the next trie node). */
export class FieldIndex<T> {
  /** The entries while the index is scanned; once `parts` is built, they live there only. */
  private all: Array<Entry<T>> = [];
  private count = 0;
  /** Built only once the index outgrows a scan: most trie nodes lead on through a few matchers only. */
  private parts: IndexParts<T> | undefined;

  get size(): number {
    return this.count;
  }

  add(m: ValueMatcher, item: T): void {
    this.count++;
    if (this.parts !== undefined) {
      this.parts.apply(m, item, true);
      return;
    }
    this.all.push({ item, verify: m });
    if (this.all.length > SCAN_LIMIT) {
      this.parts = new IndexParts<T>();
      for (const e of this.all) this.parts.apply(e.verify as ValueMatcher, e.item, true);
      // Removing from a list of every entry would cost O(entries) per removal on a large index.
      this.all = [];
    }
  }

  /** Removes a matcher added with `item` (the caller knows it is there). */
  remove(m: ValueMatcher, item: T): void {
    this.count--;
    if (this.parts !== undefined) {
      this.parts.apply(m, item, false);
      return;
    }
    const i = this.all.findIndex((e) => e.item === item && e.verify === m);
    if (i >= 0) this.all.splice(i, 1);
  }

  /** Reports the item of every matcher this value satisfies to `sink` (an item may come more than once). */
  probe(leaf: Leaf, sink: ProbeSink<T>): void {
    if (this.parts !== undefined) {
      this.parts.probe(leaf, sink);
      return;
    }
    const all = this.all;
    for (let i = 0; i < all.length; i++) {
      const e = all[i] as Entry<T>;
      if (leafMatches(e.verify as ValueMatcher, leaf)) sink.hit(e.item);
    }
  }
}

/** The index structures of a FieldIndex that outgrew scanning. */
// Bits of IndexParts.used: the structures that ever held an entry. A probe consults only those, so it reads this
// object's own fields rather than touching (and missing the cache on) a dozen empty maps and tries.
const STRINGS = 1;
const NUMBERS = 2;
const NUMBER_TEXTS = 4;
const LITERALS = 8;
const ADDRESSES = 16;
const PREFIX = 32;
const SUFFIX = 64;
const FOLDED = 128;
const WILD_PREFIX = 256;
const WILD_SUFFIX = 512;
const INTERVALS = 1024;
const EXISTS = 2048;
const SCAN = 4096;
const CIDRS = 8192;
const WILD_INSIDE = 16384;
/** The structures a string probe walks beyond one hash lookup: only then is its result worth remembering. */
const STRING_WALKS =
  ADDRESSES | CIDRS | PREFIX | SUFFIX | FOLDED | WILD_PREFIX | WILD_SUFFIX | WILD_INSIDE | SCAN;

/**
 * Part of an address's hex digits as a number, from digit `from`: all of an IPv4 address, or 52 bits (13 digits,
 * what a double holds exactly) of an IPv6 one.
 */
function addressKey(hex: string, from = 0): number {
  return Number.parseInt(hex.slice(from, from + 13), 16);
}

/**
 * Most distinct string values whose probe results one index remembers, and the longest such value (EventBridge
 * caps a source at 256 characters): a field of long or ever-new values must not pin them in memory.
 */
const REMEMBERED_VALUES = 4_096;
const REMEMBERED_LENGTH = 256;

class IndexParts<T> {
  private used = 0;
  /**
   * What a probe found for each string value, while the index is unchanged. The fields the bus's trie indexes most
   * (source, detail-type) take few distinct values, and probing one otherwise walks up to five character tries
   * and folds its case; this turns that into one map lookup. Cleared by any change to the index.
   */
  private readonly remembered = new Map<string, T[]>();
  // Exact values by type, keyed without building strings on the probe path.
  private readonly strings = new Map<string, T[]>();
  private readonly numbers = new Map<number, T[]>();
  private readonly numberTexts = new Map<string, T[]>();
  private readonly literals = new Map<string, T[]>();
  private readonly addresses = new Map<string, T[]>();
  private readonly prefix = new CharTrie<T>();
  private readonly suffix = new CharTrie<T>();
  private readonly foldExact = new Map<string, Array<Entry<T>>>();
  private foldExactEntries = 0;
  private readonly foldPrefix = new CharTrie<T>();
  private readonly foldSuffix = new CharTrie<T>();
  private readonly wildPrefix = new CharTrie<T>();
  private readonly wildSuffix = new CharTrie<T>();
  /** Wildcards that start and end with a star (`*-7-*`), by their longest literal segment, which a match holds. */
  private readonly wildInside = new CharTrie<T>();
  private readonly ranges = new NumericRanges<T>();
  // CIDR ranges as ranges of address keys. An IPv6 address takes two keys, its top 52 bits and the next 52: a
  // range within one block of the top key (any prefix of 52 bits or more, as /64 subnets are) is filed under that
  // block by the second key, a wider one by the top key alone. Either way 24 bits are left out, so IPv6 hits are
  // narrowed down and checked against the item's exact ranges.
  private readonly cidr4 = new NumericRanges<T>();
  private readonly cidr6 = new NumericRanges<T>();
  private readonly cidr6Blocks = new Map<number, NumericRanges<T>>();
  private readonly cidr6Exact = new Map<T, ValueMatcher[]>();
  private readonly exists: T[] = [];
  private readonly scan: Array<Entry<T>> = [];

  apply(m: ValueMatcher, item: T, adding: boolean): void {
    this.remembered.clear();
    if (this.place(m, item, adding)) return;
    this.used |= SCAN;
    if (adding) this.scan.push({ item, verify: m });
    else removeEntry(this.scan, item);
  }

  /** Adds or removes the matcher in the structure for its kind; false when it has none and is scanned. */
  private place(m: ValueMatcher, item: T, adding: boolean): boolean {
    const entry: Entry<T> = { item, verify: undefined };
    const checked: Entry<T> = { item, verify: m };
    const inTrie = (trie: CharTrie<T>, bit: number, key: string, e: Entry<T>): true => {
      this.used |= bit;
      if (adding) trie.add(key, e);
      else trie.remove(key, item);
      return true;
    };
    switch (m.kind) {
      case 'exact-string':
        this.used |= STRINGS;
        return exactEntry(this.strings, m.value, item, adding);
      case 'exact-number':
        this.used |= m.key !== undefined ? NUMBERS : NUMBER_TEXTS;
        return m.key !== undefined
          ? exactEntry(this.numbers, m.key, item, adding)
          : exactEntry(this.numberTexts, m.text, item, adding);
      case 'exact-literal':
        this.used |= LITERALS;
        return exactEntry(this.literals, m.literal, item, adding);
      case 'exact-ip':
        this.used |= ADDRESSES;
        return exactEntry(this.addresses, m.hex, item, adding);
      case 'prefix':
        return inTrie(this.prefix, PREFIX, m.value, entry);
      case 'suffix':
        return inTrie(this.suffix, SUFFIX, reversed(m.value), entry);
      case 'exists':
        this.used |= EXISTS;
        if (adding) this.exists.push(item);
        else {
          const i = this.exists.indexOf(item);
          if (i >= 0) this.exists.splice(i, 1);
        }
        return true;
      case 'cidr': {
        this.used |= CIDRS;
        const { low, high } = m.range;
        const v6 = low.length > 8;
        const top = addressKey(low);
        const block = v6 && top === addressKey(high);
        const from = block ? 13 : 0;
        const keys = {
          low: addressKey(low, from),
          lowOpen: false,
          high: addressKey(high, from),
          highOpen: false,
        };
        const set = !v6
          ? this.cidr4
          : !block
            ? this.cidr6
            : (this.cidr6Blocks.get(top) ?? new NumericRanges<T>());
        if (block) this.cidr6Blocks.set(top, set);
        if (adding) set.add(keys, item);
        else set.remove(keys, item);
        if (block && set.size === 0) this.cidr6Blocks.delete(top);
        if (v6) {
          const exact = this.cidr6Exact.get(item) ?? [];
          if (adding) exact.push(m);
          else if (exact.includes(m)) exact.splice(exact.indexOf(m), 1);
          if (exact.length > 0) this.cidr6Exact.set(item, exact);
          else this.cidr6Exact.delete(item);
        }
        return true;
      }
      case 'numeric':
        this.used |= INTERVALS;
        if (adding) this.ranges.add(m, item);
        else this.ranges.remove(m, item);
        return true;
      case 'equals-ignore-case':
      case 'prefix-ignore-case':
      case 'suffix-ignore-case':
        if (isFoldSafe(m.value)) {
          const key = foldCase(m.value);
          if (m.kind === 'prefix-ignore-case') return inTrie(this.foldPrefix, FOLDED, key, checked);
          if (m.kind === 'suffix-ignore-case') return inTrie(this.foldSuffix, FOLDED, reversed(key), checked);
          this.used |= FOLDED;
          this.foldExactEntries += adding ? 1 : -1;
          const list = this.foldExact.get(key) ?? [];
          if (adding) list.push(checked);
          else removeEntry(list, item);
          if (list.length > 0) this.foldExact.set(key, list);
          else this.foldExact.delete(key);
          return true;
        }
        break;
      case 'wildcard': {
        const segs = m.wildcard.segments;
        const first = segs[0] as string;
        const last = segs[segs.length - 1] as string;
        if (first !== '') return inTrie(this.wildPrefix, WILD_PREFIX, first, checked);
        if (last !== '') return inTrie(this.wildSuffix, WILD_SUFFIX, reversed(last), checked);
        const longest = segs.reduce((a, b) => (b.length > a.length ? b : a));
        if (longest !== '') return inTrie(this.wildInside, WILD_INSIDE, longest, checked);
        break;
      }
      default:
        break;
    }
    return false;
  }

  probe(leaf: Leaf, sink: ProbeSink<T>): void {
    if (typeof leaf === 'string' && leaf.length <= REMEMBERED_LENGTH && (this.used & STRING_WALKS) !== 0) {
      let items = this.remembered.get(leaf);
      if (items === undefined) {
        const found: T[] = [];
        this.probeAll(leaf, { hit: (item) => found.push(item) });
        if (this.remembered.size < REMEMBERED_VALUES) this.remembered.set(leaf, found);
        items = found;
      }
      hitAll(items, sink);
      return;
    }
    this.probeAll(leaf, sink);
  }

  private probeAddress(hex: string, leaf: string, sink: ProbeSink<T>): void {
    hitAll(this.addresses.get(hex), sink);
    if (hex.length === 8) {
      if (this.cidr4.size > 0) this.cidr4.stab(addressKey(hex), sink);
    } else if (this.cidr6Exact.size > 0) {
      const exact = this.cidr6Exact;
      const checked: ProbeSink<T> = {
        hit(item) {
          if (exact.get(item)?.some((m) => leafMatches(m, leaf))) sink.hit(item);
        },
      };
      const top = addressKey(hex);
      if (this.cidr6.size > 0) this.cidr6.stab(top, checked);
      this.cidr6Blocks.get(top)?.stab(addressKey(hex, 13), checked);
    }
  }

  private probeAll(leaf: Leaf, sink: ProbeSink<T>): void {
    const used = this.used;
    if ((used & EXISTS) !== 0) hitAll(this.exists, sink);
    if (typeof leaf === 'string') {
      if ((used & STRINGS) !== 0) hitAll(this.strings.get(leaf), sink);
      if ((used & (ADDRESSES | CIDRS)) !== 0) {
        const hex = leafIpHex(leaf);
        if (hex !== undefined) this.probeAddress(hex, leaf, sink);
      }
      // The matcher compares quoted text, so a prefix may run into the closing quote, a suffix into the opening.
      if ((used & PREFIX) !== 0 && this.prefix.size > 0) this.prefix.walk(leaf, QUOTE, leaf, sink);
      if ((used & SUFFIX) !== 0 && this.suffix.size > 0) this.suffix.walkBackwards(leaf, QUOTE, leaf, sink);
      if ((used & WILD_PREFIX) !== 0 && this.wildPrefix.size > 0) this.wildPrefix.walk(leaf, -1, leaf, sink);
      if ((used & WILD_SUFFIX) !== 0 && this.wildSuffix.size > 0)
        this.wildSuffix.walkBackwards(leaf, -1, leaf, sink);
      if ((used & WILD_INSIDE) !== 0 && this.wildInside.size > 0)
        this.wildInside.walkInside(leaf, leaf, sink);
      if ((used & FOLDED) !== 0 && this.foldExactEntries + this.foldPrefix.size + this.foldSuffix.size > 0) {
        const folded = foldCase(leaf);
        const same = this.foldExact.get(folded);
        if (same !== undefined) for (const e of same) check(e, leaf, sink);
        if (this.foldPrefix.size > 0) this.foldPrefix.walk(folded, QUOTE, leaf, sink);
        if (this.foldSuffix.size > 0) this.foldSuffix.walkBackwards(folded, QUOTE, leaf, sink);
      }
    } else if (typeof leaf === 'number') {
      const key = comparableKey(leaf) as number;
      if ((used & NUMBERS) !== 0) hitAll(this.numbers.get(key), sink);
      if ((used & INTERVALS) !== 0 && this.ranges.size > 0) this.ranges.stab(key, sink);
    } else if (leaf === null) {
      if ((used & LITERALS) !== 0) hitAll(this.literals.get('null'), sink);
    } else if (typeof leaf === 'boolean') {
      if ((used & LITERALS) !== 0) hitAll(this.literals.get(leaf ? 'true' : 'false'), sink);
    } else if ((used & NUMBER_TEXTS) !== 0) hitAll(this.numberTexts.get(leaf.text), sink);
    if ((used & SCAN) !== 0) for (const e of this.scan) check(e, leaf, sink);
  }
}
