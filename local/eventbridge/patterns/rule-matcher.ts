// All rules of one bus in one structure, walked once per event, in the manner of AWS's event-ruler.
//
// Each rule branch is a list of field conditions in a fixed order (indexable ones first, source and detail-type
// leading). Its leading positive source and detail-type conditions (its anchors) are inserted in a trie, so that
// rules sharing them share a path; the conditions leaving a trie node are indexed by path (FieldIndex: hash maps,
// tries, interval trees), so each event value is looked up once per node reached and leads straight to the next
// nodes. Where the walk ends, the branches held there are checked against their other conditions, each distinct
// condition (interned, with an integer id) evaluated at most once per event and memoized in typed arrays, however
// many rules share it. Work per event thus follows the rules whose anchors the event matches, not the rules on
// the bus. Events with arrays of objects get AWS's same-element check on each matching branch.

import type { FieldCondition, ValueMatcher } from './compile.js';
import type { CompiledPattern } from './compiled-pattern.js';
import type { Membership } from './event-fields.js';
import { FieldIndex, type ProbeSink } from './field-index.js';
import { type JsonNode, parseJsonText } from './json-text.js';
import { type Leaf, leafMatches, numberLeaf, quotedEndsWith, quotedStartsWith } from './leaf-match.js';
import { comparableKey } from './numbers.js';

/** The values at one event path for the event being matched (valid while `epoch` is the matcher's). */
interface Slot {
  /** Position in the matcher's slot list. */
  readonly index: number;
  epoch: number;
  /** Number of valid entries in `values`/`chains` (the arrays are reused, not truncated: that is slow). */
  count: number;
  readonly values: Leaf[];
  readonly chains: Array<Chain | undefined>;
  anyMembership: boolean;
}

/**
 * The array elements a value sits in, innermost first. A linked chain, so that descending into an array element
 * allocates one small object rather than copying the outer membership.
 */
interface Chain {
  readonly array: number;
  readonly index: number;
  readonly up: Chain | undefined;
}

/** `membership` plus the chain's elements, or null when they disagree on an array (different elements). */
function mergeChain(membership: Membership, chain: Chain | undefined): Membership | null {
  let merged: number[] | undefined;
  for (let link = chain; link !== undefined; link = link.up) {
    const current = merged ?? membership ?? [];
    let found = false;
    for (let i = 0; i < current.length; i += 2) {
      if (current[i] === link.array) {
        if (current[i + 1] !== link.index) return null;
        found = true;
        break;
      }
    }
    if (!found) {
      merged ??= [...(membership ?? [])];
      merged.push(link.array, link.index);
    }
  }
  return merged ?? membership;
}

// The per-condition data holds() reads, one row of 8 doubles (64 bytes, a cache line) per condition id: the
// memo of this event's result, then how to test it. The kinds most rules use, as a condition's only matcher, are
// tested from the row (and, for strings, the condition's text) without touching the condition object or its
// matchers: on a large bus those sit in memory that one event's walk finds cold. Other conditions are GENERAL.
const ROW = 8;
/** The epoch of the event the row's result is for (-1: none). */
const R_EPOCH = 0;
/** 1 when the condition held. */
const R_RESULT = 1;
/** GENERAL, EXACT, NUMERIC, PREFIX, SUFFIX or EXISTS. */
const R_OP = 2;
/** The condition's path, as an index into the matcher's slot list. */
const R_SLOT = 3;
/** EXACT: the text's length; NUMERIC: the low bound (comparable key). */
const R_A = 4;
/** EXACT: the text's first UTF-16 unit (-1 if empty); NUMERIC: the high bound. */
const R_B = 5;
/** NUMERIC: openness, bit 0 the low bound, bit 1 the high one. */
const R_OPEN = 6;

const GENERAL = 0;
const EXACT = 1;
const NUMERIC = 2;
const PREFIX = 3;
const SUFFIX = 4;
const EXISTS = 5;

/** Writes a condition's test into its row; returns the text EXACT, PREFIX and SUFFIX compare with. */
function fillRow(rows: Float64Array, at: number, c: FieldCondition, slot: number): string {
  rows.fill(0, at, at + ROW);
  rows[at + R_EPOCH] = -1;
  rows[at + R_OP] = GENERAL;
  rows[at + R_SLOT] = slot;
  const m = c.matchers[0];
  if (c.absent || c.matchers.length !== 1 || m === undefined) return '';
  switch (m.kind) {
    case 'exact-string':
      rows[at + R_OP] = EXACT;
      rows[at + R_A] = m.value.length;
      rows[at + R_B] = m.value.length > 0 ? m.value.charCodeAt(0) : -1;
      return m.value;
    case 'prefix':
      rows[at + R_OP] = PREFIX;
      return m.value;
    case 'suffix':
      rows[at + R_OP] = SUFFIX;
      return m.value;
    case 'exists':
      rows[at + R_OP] = EXISTS;
      return '';
    case 'numeric':
      rows[at + R_OP] = NUMERIC;
      rows[at + R_A] = m.low;
      rows[at + R_B] = m.high;
      rows[at + R_OPEN] = (m.lowOpen ? 1 : 0) | (m.highOpen ? 2 : 0);
      return '';
    default:
      return '';
  }
}

interface Cond {
  readonly id: number;
  readonly key: string;
  readonly condition: FieldCondition;
  // Copied from `condition` so that evaluating a condition reads one object less.
  readonly matchers: readonly ValueMatcher[];
  readonly absent: boolean;
  /** Satisfied by some value found through an index (no anything-but, no exists:false). */
  readonly positive: boolean;
  /** Position of the condition in every branch's trie path. */
  readonly order: string;
  readonly slot: Slot;
  refs: number;
}

interface RuleEntry<K> {
  readonly key: K;
  readonly serial: number;
  readonly branches: BranchEntry<K>[];
  matchedEpoch: number;
}

interface BranchEntry<K> {
  readonly rule: RuleEntry<K>;
  /** The leading conditions, in trie order: the path to the node holding the branch. */
  readonly conds: readonly Cond[];
  /** The other conditions, checked one by one (each evaluated at most once per event) where the walk ends. */
  readonly rest: readonly Cond[];
  /** In path order, the order AWS evaluates array consistency in. */
  readonly byPath: readonly Cond[];
  /** The slots of `byPath`, distinct: whether arrays of objects are involved reads these alone. */
  readonly slots: readonly Slot[];
}

/** The positive conditions leaving a trie node on one path, indexed to the nodes they lead to. */
interface EdgeGroup<K> {
  readonly slot: Slot;
  readonly index: FieldIndex<TrieNode<K>>;
}

/** Shared by nodes without terminals or edges of a kind, so that most nodes (leaves) stay small. */
const NONE: readonly never[] = [];
const EMPTY_RESTS = new Int32Array(0);

function packRests(terminals: readonly BranchEntry<unknown>[]): Int32Array {
  const packed: number[] = [];
  for (const t of terminals) packed.push(t.rest.length, ...t.rest.map((c) => c.id));
  return packed.length === 0 ? EMPTY_RESTS : Int32Array.from(packed);
}

class TrieNode<K> {
  terminals: readonly BranchEntry<K>[] = NONE;
  /**
   * The terminals' remaining conditions as ids, packed as [restCount, id...] per terminal: the walk checks them
   * against the per-event memo reading one small contiguous array, and only touches a branch that holds.
   */
  rests: Int32Array = EMPTY_RESTS;
  /** Positive edges grouped by path (a plain array: nodes have few paths, and scanning it allocates nothing). */
  groups: readonly (readonly [string, EdgeGroup<K>])[] = NONE;
  /** Marks the node as already reached from its parent during one probe, to visit it once. */
  stamp = -1;

  constructor(readonly via: Cond | undefined) {}

  isEmpty(): boolean {
    return this.terminals.length === 0 && this.groups.length === 0;
  }

  group(path: string): EdgeGroup<K> | undefined {
    for (const [p, g] of this.groups) if (p === path) return g;
    return undefined;
  }
}

interface PathNode {
  readonly children: Map<string, PathNode>;
  /**
   * The keys of the children, when none of them has children of its own: then only those keys of an event
   * object can lead anywhere (a dotted key such as "a.b" names a path two steps down, and there is none), so the
   * walk reads them directly instead of enumerating the object. Undefined otherwise.
   */
  leafKeys: readonly string[] | undefined;
  /** The nodes of `leafKeys`, in the same order. */
  leafNodes: readonly PathNode[];
  slot: Slot | undefined;
  slotRefs: number;
  refs: number;
}

function newPathNode(): PathNode {
  return { children: new Map(), leafKeys: undefined, leafNodes: [], slot: undefined, slotRefs: 0, refs: 0 };
}

/** Sets `leafKeys` and `leafNodes` after the node's children changed. */
function setLeaves(node: PathNode): void {
  let leaves = node.children.size > 0;
  for (const child of node.children.values()) if (child.children.size > 0) leaves = false;
  node.leafKeys = leaves ? [...node.children.keys()] : undefined;
  node.leafNodes = leaves ? [...node.children.values()] : [];
}

function matcherKey(m: ValueMatcher): string {
  switch (m.kind) {
    case 'exact-string':
    case 'prefix':
    case 'suffix':
    case 'equals-ignore-case':
    case 'prefix-ignore-case':
    case 'suffix-ignore-case':
    case 'wildcard':
      return `${m.kind}:${m.value}`;
    case 'exact-ip':
      return `ip:${m.hex}`;
    case 'exact-number':
      return m.key !== undefined ? `n:${m.key}` : `t:${m.text}`;
    case 'exact-literal':
      return `l:${m.literal}`;
    case 'numeric':
      return `r:${m.low}:${m.lowOpen}:${m.high}:${m.highOpen}`;
    case 'cidr':
      return `c:${m.range.low}:${m.range.high}`;
    case 'exists':
      return 'e';
    case 'anything-but':
      return `ab:${JSON.stringify([[...m.strings].sort(), [...m.numbers].sort((a, b) => a - b)])}`;
    case 'anything-but-prefix':
    case 'anything-but-suffix':
    case 'anything-but-ignore-case':
    case 'anything-but-wildcard':
      return `${m.kind}:${JSON.stringify([...m.values].sort())}`;
  }
}

function conditionKey(c: FieldCondition): string {
  const parts = c.matchers.map(matcherKey).sort();
  return JSON.stringify([c.path, c.absent, parts]);
}

function isPositive(c: FieldCondition): boolean {
  return !c.absent && c.matchers.every((m) => !m.kind.startsWith('anything-but'));
}

function anyMatcher(matchers: readonly ValueMatcher[], leaf: Leaf): boolean {
  for (const m of matchers) if (leafMatches(m, leaf)) return true;
  return false;
}

/**
 * How many leading conditions of a branch (in trie order) go into the trie: its positive source and detail-type
 * conditions, or else its first positive condition. Those select, through hash lookups, the few branches worth
 * looking at; below them a trie would mostly hold one branch per node, and walking such sparse nodes costs more
 * (one cache miss after another on a large bus) than checking the rest against per-event memoized results.
 */
function anchorCount(conds: readonly Cond[]): number {
  let n = 0;
  while (n < conds.length && (conds[n] as Cond).positive && (conds[n] as Cond).order[1] !== '2') n++;
  return n === 0 && conds[0]?.positive === true ? 1 : n;
}

function pathRank(path: string): string {
  // Most rules name a source and a detail-type; putting them first lets rules share the top of the trie.
  return path === 'source' ? '0' : path === 'detail-type' ? '1' : '2';
}

/** Collects the nodes one edge-group probe reaches, each once (nested visits stack theirs above). */
class Reach<K> implements ProbeSink<TrieNode<K>> {
  readonly reached: TrieNode<K>[] = [];
  top = 0;
  stamp = 0;

  hit(child: TrieNode<K>): void {
    if (child.stamp !== this.stamp) {
      child.stamp = this.stamp;
      this.reached[this.top++] = child;
    }
  }
}

/** All rules of one bus compiled into one matcher; match() returns the keys of the matching rules. */
export class RuleMatcher<K> {
  private readonly rules = new Map<K, RuleEntry<K>>();
  private readonly conds = new Map<string, Cond>();
  private readonly freeIds: number[] = [];
  private nextCondId = 0;
  private readonly root = new TrieNode<K>(undefined);
  private readonly paths: PathNode = newPathNode();
  private nextSerial = 0;

  // Per-event scratch state; matching is synchronous, so one set per matcher suffices.
  private epoch = 0;
  private stamp = 0;
  // Per condition id, a row (see ROW): this event's memoized result and how to test the condition. Doubles, so
  // that the epoch never wraps.
  private rows = new Float64Array(64 * ROW);
  /** By condition id: the text of its row's test. */
  private readonly condText: string[] = [];
  private readonly condById: Array<Cond | undefined> = [];
  /** Slots by index (R_SLOT), and the indices free for reuse. */
  private readonly slotList: Array<Slot | undefined> = [];
  private readonly freeSlots: number[] = [];
  private readonly matched: RuleEntry<K>[] = [];
  private readonly reach = new Reach<K>();
  private hasMembership = false;
  private uncomparableNumber = false;
  private nextArrayId = 0;

  get size(): number {
    return this.rules.size;
  }

  /** Adds a rule, replacing any rule with the same key. */
  add(key: K, pattern: CompiledPattern): void {
    this.remove(key);
    const rule: RuleEntry<K> = { key, serial: this.nextSerial++, branches: [], matchedEpoch: -1 };
    for (const branch of pattern.branches) {
      const conds = [...branch.values()].map((c) => this.acquire(c));
      conds.sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : 0));
      const byPath = [...conds].sort((a, b) => {
        const x = a.condition.path;
        const y = b.condition.path;
        return x < y ? -1 : x > y ? 1 : 0;
      });
      const anchors = anchorCount(conds);
      const entry: BranchEntry<K> = {
        rule,
        conds: conds.slice(0, anchors),
        rest: conds.slice(anchors),
        byPath,
        slots: [...new Set(byPath.map((c) => c.slot))],
      };
      let node = this.root;
      for (const cond of entry.conds) node = this.edge(node, cond);
      node.terminals = [...node.terminals, entry];
      node.rests = packRests(node.terminals);
      rule.branches.push(entry);
    }
    this.rules.set(key, rule);
  }

  remove(key: K): void {
    const rule = this.rules.get(key);
    if (rule === undefined) return;
    this.rules.delete(key);
    for (const entry of rule.branches) {
      const trail: TrieNode<K>[] = [this.root];
      let node = this.root;
      for (const cond of entry.conds) {
        node = this.next(node, cond) as TrieNode<K>;
        trail.push(node);
      }
      node.terminals = node.terminals.filter((t) => t !== entry);
      node.rests = packRests(node.terminals);
      for (let i = trail.length - 1; i > 0 && (trail[i] as TrieNode<K>).isEmpty(); i--) {
        this.cut(trail[i - 1] as TrieNode<K>, entry.conds[i - 1] as Cond, trail[i] as TrieNode<K>);
      }
      for (const cond of entry.byPath) this.release(cond);
    }
  }

  /** Keys of the rules matching an already-parsed event (the full EventBridge event object). */
  match(event: unknown): K[] {
    this.begin();
    if (event === null || typeof event !== 'object' || Array.isArray(event)) return [];
    this.walkObject(event as Record<string, unknown>, this.paths, undefined);
    return this.finish();
  }

  /**
   * Keys of the rules matching an event given as JSON text. Equivalent to `match(JSON.parse(text))` except that
   * numbers AWS cannot compare numerically (beyond ±5e9) are compared by their original text, as AWS does.
   * Throws SyntaxError for invalid JSON.
   */
  matchJson(eventJson: string): K[] {
    return this.matchParsed(JSON.parse(eventJson), eventJson);
  }

  /** matchJson for an event already parsed (with JSON.parse) from `eventJson`: the same answer, one parse less. */
  matchParsed(parsed: unknown, eventJson: string): K[] {
    this.begin();
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return [];
    this.walkObject(parsed as Record<string, unknown>, this.paths, undefined);
    if (this.uncomparableNumber) {
      // Rare: JSON.parse lost the number's spelling and it matters; read the text ourselves.
      this.begin();
      this.walkNode(parseJsonText(eventJson), this.paths, undefined);
    }
    return this.finish();
  }

  private begin(): void {
    this.epoch++;
    this.matched.length = 0;
    this.hasMembership = false;
    this.uncomparableNumber = false;
    this.nextArrayId = 0;
  }

  private finish(): K[] {
    this.visit(this.root);
    const matched = this.matched;
    const n = matched.length;
    if (n === 0) return [];
    // In the order the rules were added. Few rules match one event: an insertion sort, no comparator calls.
    for (let i = 1; i < n; i++) {
      const rule = matched[i] as RuleEntry<K>;
      let j = i - 1;
      for (; j >= 0 && (matched[j] as RuleEntry<K>).serial > rule.serial; j--)
        matched[j + 1] = matched[j] as RuleEntry<K>;
      matched[j + 1] = rule;
    }
    const keys = new Array<K>(n);
    for (let i = 0; i < n; i++) keys[i] = (matched[i] as RuleEntry<K>).key;
    return keys;
  }

  /** Follows every edge out of `node` that the event satisfies (as event-ruler walks its name states). */
  private visit(node: TrieNode<K>): void {
    const rests = node.rests;
    for (let t = 0, at = 0; at < rests.length; t++) {
      const end = at + 1 + (rests[at] as number);
      let holds = true;
      for (at++; at < end && holds; at++) holds = this.holds(rests[at] as number);
      at = end;
      if (holds) this.accept(node.terminals[t] as BranchEntry<K>);
    }
    const groups = node.groups;
    for (let g = 0; g < groups.length; g++) {
      const group = (groups[g] as readonly [string, EdgeGroup<K>])[1];
      const slot = group.slot;
      if (slot.epoch !== this.epoch) continue;
      const reach = this.reach;
      const start = reach.top;
      reach.stamp = ++this.stamp;
      const values = slot.values;
      for (let i = 0; i < slot.count; i++) group.index.probe(values[i] as Leaf, reach);
      const end = reach.top;
      for (let i = start; i < end; i++) this.visit(reach.reached[i] as TrieNode<K>);
      reach.top = start;
    }
  }

  private accept(entry: BranchEntry<K>): void {
    const rule = entry.rule;
    if (rule.matchedEpoch === this.epoch) return;
    if (this.hasMembership && this.usesArrays(entry) && !this.arrayConsistent(entry)) return;
    rule.matchedEpoch = this.epoch;
    this.matched.push(rule);
  }

  /**
   * Whether the event satisfies a condition, evaluated at most once per event however many rules share it.
   * Exact unless arrays of objects are involved; then it is a necessary condition and accept() decides.
   */
  private holds(id: number): boolean {
    const at = id * ROW;
    const rows = this.rows;
    return rows[at + R_EPOCH] === this.epoch ? rows[at + R_RESULT] === 1 : this.evaluate(id, at);
  }

  /** holds() for a condition not yet evaluated for this event: a larger function, kept out of the walk's loop. */
  private evaluate(id: number, at: number): boolean {
    const rows = this.rows;
    const epoch = this.epoch;
    const slot = this.slotList[rows[at + R_SLOT] as number] as Slot;
    const count = slot.epoch === epoch ? slot.count : 0;
    const values = slot.values;
    const op = rows[at + R_OP];
    let result = false;
    if (op === EXACT) {
      // Length and first unit first: most values that differ do so there, without reading the text.
      const length = rows[at + R_A];
      const first = rows[at + R_B];
      for (let i = 0; i < count && !result; i++) {
        const v = values[i];
        result =
          typeof v === 'string' &&
          v.length === length &&
          (length === 0 || v.charCodeAt(0) === first) &&
          v === this.condText[id];
      }
    } else if (op === NUMERIC) {
      const low = rows[at + R_A] as number;
      const high = rows[at + R_B] as number;
      const open = rows[at + R_OPEN] as number;
      for (let i = 0; i < count && !result; i++) {
        const v = values[i];
        if (typeof v !== 'number') continue;
        const k = comparableKey(v) as number;
        result = ((open & 1) !== 0 ? k > low : k >= low) && ((open & 2) !== 0 ? k < high : k <= high);
      }
    } else if (op === PREFIX) {
      const text = this.condText[id] as string;
      for (let i = 0; i < count && !result; i++) {
        const v = values[i];
        result = typeof v === 'string' && quotedStartsWith(v, text);
      }
    } else if (op === SUFFIX) {
      const text = this.condText[id] as string;
      for (let i = 0; i < count && !result; i++) {
        const v = values[i];
        result = typeof v === 'string' && quotedEndsWith(v, text);
      }
    } else if (op === EXISTS) result = count > 0;
    else {
      const cond = this.condById[id] as Cond;
      // exists:false may still hold when every value sits in another array element; the exact check decides.
      result = cond.absent && (count === 0 || slot.anyMembership);
      for (let i = 0; i < count && !result; i++) result = anyMatcher(cond.matchers, values[i] as Leaf);
    }
    rows[at + R_EPOCH] = epoch;
    rows[at + R_RESULT] = result ? 1 : 0;
    return result;
  }

  /** Whether any value at the branch's paths sits in an array of objects (else the trie walk was exact). */
  private usesArrays(entry: BranchEntry<K>): boolean {
    const slots = entry.slots;
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i] as Slot;
      if (slot.epoch === this.epoch && slot.anyMembership) return true;
    }
    return false;
  }

  /** The branch holds with values drawn from consistent array elements (AWS's array-consistent matching). */
  private arrayConsistent(entry: BranchEntry<K>): boolean {
    return this.consistentFrom(entry.byPath, 0, undefined);
  }

  /** Conditions conds[i..] hold with values agreeing with `membership`, choosing values in path order. */
  private consistentFrom(conds: readonly Cond[], i: number, membership: Membership): boolean {
    const cond = conds[i];
    if (cond === undefined) return true;
    const slot = cond.slot;
    const n = slot.epoch === this.epoch ? slot.count : 0;
    if (cond.absent) {
      let present = false;
      for (let j = 0; j < n && !present; j++) present = mergeChain(membership, slot.chains[j]) !== null;
      if (!present && this.consistentFrom(conds, i + 1, membership)) return true;
    }
    for (let j = 0; j < n; j++) {
      const merged = mergeChain(membership, slot.chains[j]);
      if (merged === null) continue;
      if (anyMatcher(cond.matchers, slot.values[j] as Leaf) && this.consistentFrom(conds, i + 1, merged)) {
        return true;
      }
    }
    return false;
  }

  private record(node: PathNode, leaf: Leaf, chain: Chain | undefined): void {
    const slot = node.slot;
    if (slot === undefined) return;
    if (slot.epoch !== this.epoch) {
      slot.epoch = this.epoch;
      slot.count = 0;
      slot.anyMembership = false;
    }
    slot.values[slot.count] = leaf;
    slot.chains[slot.count] = chain;
    slot.count++;
    if (chain !== undefined) {
      slot.anyMembership = true;
      this.hasMembership = true;
    }
  }

  private child(node: PathNode, key: string): PathNode | undefined {
    const direct = node.children.get(key);
    if (direct !== undefined || key.indexOf('.') < 0) return direct;
    // A dotted event key is the same path as nested keys: {"a.b": 1} matches a pattern on a.b.
    let current: PathNode | undefined = node;
    for (const step of key.split('.')) {
      current = current.children.get(step);
      if (current === undefined) return undefined;
    }
    return current;
  }

  private walkObject(obj: Record<string, unknown>, node: PathNode, chain: Chain | undefined): void {
    const keys = node.leafKeys;
    if (keys !== undefined) {
      // Event objects are plain: a key they lack reads as undefined, or as an inherited function or object,
      // neither of which is a leaf, so reading a key the object lacks records nothing.
      for (let i = 0; i < keys.length; i++) {
        const value = obj[keys[i] as string];
        if (value !== undefined) this.walkValue(value, node.leafNodes[i] as PathNode, chain);
      }
      return;
    }
    if (node.children.size === 0) return;
    for (const key in obj) {
      const next = this.child(node, key);
      if (next !== undefined) this.walkValue(obj[key], next, chain);
    }
  }

  private walkValue(value: unknown, node: PathNode, chain: Chain | undefined): void {
    switch (typeof value) {
      case 'string':
      case 'boolean':
        this.record(node, value, chain);
        return;
      case 'number': {
        const leaf = comparableKey(value) === undefined ? this.uncomparable(String(value)) : value;
        this.record(node, leaf, chain);
        return;
      }
      case 'object':
        if (value === null) this.record(node, null, chain);
        else if (Array.isArray(value)) {
          const array = this.nextArrayId++;
          for (let index = 0; index < value.length; index++) {
            const item: unknown = value[index];
            // Scalars in an array carry no membership of it, as in AWS; objects and arrays do.
            this.walkValue(
              item,
              node,
              item !== null && typeof item === 'object' ? { array, index, up: chain } : chain,
            );
          }
        } else this.walkObject(value as Record<string, unknown>, node, chain);
        return;
      default:
        return;
    }
  }

  private uncomparable(text: string): Leaf {
    this.uncomparableNumber = true;
    return { text };
  }

  private walkNode(json: JsonNode, node: PathNode, chain: Chain | undefined): void {
    switch (json.kind) {
      case 'object':
        if (node.children.size === 0) return;
        for (const [key, value] of json.entries) {
          const next = this.child(node, key);
          if (next !== undefined) this.walkNode(value, next, chain);
        }
        return;
      case 'array': {
        const array = this.nextArrayId++;
        json.items.forEach((item, index) => {
          const inner = item.kind === 'object' || item.kind === 'array' ? { array, index, up: chain } : chain;
          this.walkNode(item, node, inner);
        });
        return;
      }
      case 'string':
        this.record(node, json.value, chain);
        return;
      case 'number':
        this.record(node, numberLeaf(json.text), chain);
        return;
      case 'true':
        this.record(node, true, chain);
        return;
      case 'false':
        this.record(node, false, chain);
        return;
      case 'null':
        this.record(node, null, chain);
        return;
    }
  }

  /** The node reached from `node` through `cond`, created (and indexed) if new. */
  private edge(node: TrieNode<K>, cond: Cond): TrieNode<K> {
    const existing = this.next(node, cond);
    if (existing !== undefined) return existing;
    const child = new TrieNode<K>(cond);
    const path = cond.condition.path;
    let group = node.group(path);
    if (group === undefined) {
      group = { slot: cond.slot, index: new FieldIndex<TrieNode<K>>() };
      node.groups = [...node.groups, [path, group]];
    }
    for (const m of cond.condition.matchers) group.index.add(m, child);
    return child;
  }

  private next(node: TrieNode<K>, cond: Cond): TrieNode<K> | undefined {
    return node.group(cond.condition.path)?.index.findItem((child) => child.via === cond);
  }

  /** Removes the edge from `node` through `cond` to the now empty `child`. */
  private cut(node: TrieNode<K>, cond: Cond, child: TrieNode<K>): void {
    const path = cond.condition.path;
    const group = node.group(path) as EdgeGroup<K>;
    for (const m of cond.condition.matchers) group.index.remove(m, child);
    if (group.index.size === 0) node.groups = node.groups.filter(([p]) => p !== path);
  }

  private acquire(condition: FieldCondition): Cond {
    const key = conditionKey(condition);
    const existing = this.conds.get(key);
    if (existing !== undefined) {
      existing.refs++;
      return existing;
    }
    const id = this.freeIds.pop() ?? this.nextCondId++;
    const positive = isPositive(condition);
    const cond: Cond = {
      id,
      key,
      condition,
      matchers: condition.matchers,
      absent: condition.absent,
      positive,
      order: `${positive ? 0 : 1}${pathRank(condition.path)}${condition.path}\u0000${key}`,
      slot: this.acquirePath(condition.path),
      refs: 1,
    };
    this.conds.set(key, cond);
    if ((id + 1) * ROW > this.rows.length) {
      const rows = new Float64Array(this.rows.length * 2);
      rows.set(this.rows);
      this.rows = rows;
    }
    this.condText[id] = fillRow(this.rows, id * ROW, condition, cond.slot.index);
    this.condById[id] = cond;
    return cond;
  }

  private release(cond: Cond): void {
    if (--cond.refs > 0) return;
    this.releasePath(cond.condition.path);
    this.conds.delete(cond.key);
    this.condById[cond.id] = undefined;
    this.condText[cond.id] = '';
    this.freeIds.push(cond.id);
  }

  private acquirePath(path: string): Slot {
    let node = this.paths;
    const trail = [node];
    for (const step of path.split('.')) {
      let next = node.children.get(step);
      if (next === undefined) {
        next = newPathNode();
        node.children.set(step, next);
      }
      next.refs++;
      node = next;
      trail.push(node);
    }
    for (const n of trail) setLeaves(n);
    if (node.slot === undefined) {
      const index = this.freeSlots.pop() ?? this.slotList.length;
      node.slot = { index, epoch: -1, count: 0, values: [], chains: [], anyMembership: false };
      this.slotList[index] = node.slot;
    }
    node.slotRefs++;
    return node.slot;
  }

  private releasePath(path: string): void {
    const steps = path.split('.');
    let end = this.paths;
    for (const step of steps) end = end.children.get(step) as PathNode;
    if (--end.slotRefs === 0) this.dropSlot(end);
    let node = this.paths;
    const trail = [node];
    for (const step of steps) {
      const next = node.children.get(step) as PathNode;
      if (--next.refs === 0) {
        // Nothing else goes through `next`: the whole branch below it goes.
        node.children.delete(step);
        break;
      }
      node = next;
      trail.push(node);
    }
    for (const n of trail) setLeaves(n);
  }

  private dropSlot(node: PathNode): void {
    const slot = node.slot as Slot;
    this.slotList[slot.index] = undefined;
    this.freeSlots.push(slot.index);
    node.slot = undefined;
  }
}
