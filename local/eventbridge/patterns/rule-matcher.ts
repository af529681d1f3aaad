// All rules of one bus in one structure, walked once per event, in the manner of AWS's event-ruler.
//
// Each rule branch is a list of field conditions in a fixed order (indexable ones first, source and detail-type
// leading). Its leading positive source and detail-type conditions (its anchors) are inserted in a trie, so that
// rules sharing them share a path (past a crowded node, more of its positive conditions: see CROWDED); the
// conditions leaving a trie node are indexed by path (FieldIndex: hash maps, tries, interval trees), so each
// event value is looked up once per node reached and leads straight to the next nodes. Where the walk ends, the
// branches held there are checked against their other conditions by a compact program per node (see Program):
// the common kinds are tested inline, the others (interned, with an integer id) evaluated at most once per event
// and memoized, however many rules share them. The programs of all nodes sit end to end in one arena, so an
// event's checks read a few short stretches of one array rather than objects scattered over the heap. Work per
// event thus follows the rules whose anchors the event matches, not the rules on the bus. Events with arrays of
// objects get AWS's same-element check on each matching branch.

import type { FieldCondition, ValueMatcher } from './compile.js';
import type { CompiledPattern } from './compiled-pattern.js';
import type { Membership } from './event-fields.js';
import { FieldIndex, type ProbeSink } from './field-index.js';
import { foldCase } from './ignore-case.js';
import { eventEntries, type JsonNode, parseJsonText } from './json-text.js';
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
  /**
   * The values by the array elements they sit in, for the same-element check, built at most once per event (valid
   * while `elementsEpoch` is the matcher's epoch), whatever the number of rules that ask.
   */
  elements: Map<number, ElementValues> | undefined;
  elementsEpoch: number;
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

// How each terminal's remaining conditions are tested, in its node's Program. The kinds most rules use, as a
// condition's only matcher, carry their test inline; other conditions are GENERAL, evaluated from their matchers
// once per event (memoized by condition id in `memo`), however many rules share them.
const GENERAL = 0;
const EXACT = 1;
const NUMERIC = 2;
const PREFIX = 3;
const SUFFIX = 4;
const EXISTS = 5;
/** exists:false alone. */
const ABSENT = 6;
/** anything-but with strings only. */
const ANYTHING_BUT = 7;
/** equals-ignore-case with a pattern of ASCII units, which accept exactly their ASCII lower or upper case. */
const IGNORE_CASE = 8;
/** Most strings an anything-but list tested inline may hold; longer ones are GENERAL. */
const ANYTHING_BUT_INLINE = 8;
/** Ops take the low 4 bits of a condition's first number in a program; its slot index the rest. */
const OP_BITS = 4;
const OP_MASK = 15;
/** Numbers per condition in a program: op and slot, then two operands (see Program). */
const C_WIDTH = 3;
/** Order of conditions within a terminal: a terminal stops at its first failing one, so cheap selective first. */
const OP_RANK = [5, 0, 1, 3, 4, 2, 2, 6, 3];

function opOf(c: FieldCondition): number {
  const m = c.matchers[0];
  if (m === undefined) return c.absent ? ABSENT : GENERAL;
  if (c.absent || c.matchers.length !== 1) return GENERAL;
  switch (m.kind) {
    case 'exact-string':
      // textKey keeps 12 bits of length: longer texts (the API refuses patterns over 2,048 characters, the
      // library does not) are tested from their matchers.
      return m.value.length < KEY_LENGTHS ? EXACT : GENERAL;
    case 'prefix':
      return PREFIX;
    case 'suffix':
      return SUFFIX;
    case 'exists':
      return EXISTS;
    case 'numeric':
      return NUMERIC;
    case 'anything-but':
      // Inline, each value is compared with each string, and again for every rule that has the list: a long list
      // is tested from its matcher (a set lookup per value), once per event. 300 rules each excluding 300 strings
      // took 20 s for an event of 40,000 listed values that way.
      return m.numbers.size === 0 && m.strings.size <= ANYTHING_BUT_INLINE ? ANYTHING_BUT : GENERAL;
    case 'equals-ignore-case':
      return isAscii(m.value) && m.value.length < KEY_LENGTHS ? IGNORE_CASE : GENERAL;
    default:
      return GENERAL;
  }
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** ASCII lower case of one UTF-16 unit (other units unchanged). */
const lowerAscii = (unit: number): number => (unit >= 0x41 && unit <= 0x5a ? unit + 32 : unit);

/** The low bits of a text key hold the text's length: texts as long as KEY_LENGTHS or longer are GENERAL. */
const KEY_BITS = 12;
const KEY_LENGTHS = 1 << KEY_BITS;

/** A string's length and first unit in one number, as EXACT and the others compare them: -1 as first if empty. */
const textKey = (text: string): number =>
  text.length + KEY_LENGTHS * (text.length > 0 ? text.charCodeAt(0) + 1 : 0);
/** The length a text key holds (for a text shorter than KEY_LENGTHS). */
const keyLength = (key: number): number => key & (KEY_LENGTHS - 1);
/** The first unit a text key holds, -1 for the empty text. */
const keyFirst = (key: number): number => (key >> KEY_BITS) - 1;

/** `array` when it holds `length` numbers, else a copy of its first `used` in one with room to grow. */
function withRoom<T extends Int32Array | Float64Array>(array: T, length: number, used = array.length): T {
  if (length <= array.length) return array;
  const grown = new (array.constructor as new (size: number) => T)(Math.max(16, 2 * length));
  grown.set(array.subarray(0, used));
  return grown;
}

/** Numbers before a terminal's conditions: condition count, index in the node's terminals, rule index, slot count. */
const T_HEAD = 4;

/**
 * A node's terminals as one compact program that the walk runs without touching branches or rules: per terminal
 * [condCount, terminal index, rule index, slotCount, the branch's slots..., then C_WIDTH numbers per condition:
 * op | slot << OP_BITS, x, y], where
 * - EXACT: x = textKey (length and first UTF-16 unit; texts of KEY_LENGTHS or more are GENERAL), y = text index;
 * - PREFIX, SUFFIX: x = the text's first (last) unit or -1 if empty, y = text index;
 * - NUMERIC: x = index of [low, high, openness] in `bounds`;
 * - ANYTHING_BUT: x = index of [count, textKey of each string] in `bounds`, y = index of the first string;
 * - IGNORE_CASE: x = textKey of the pattern in ASCII lower case, y = index of that text;
 * - EXISTS, ABSENT: nothing;
 * - GENERAL: x = condition id.
 * Deciding a terminal thus reads this small contiguous array and the event's slots, and reaches a condition's
 * text only when the value's length and first or last unit already agree; a terminal that holds is accepted by
 * its rule index, and its branch is read only when its values sit in arrays of objects. Conditions are not
 * memoized across terminals (recomputing these is cheaper than the memo's reads), GENERAL ones are.
 */
interface Program {
  readonly code: Int32Array;
  readonly bounds: Float64Array;
  readonly texts: readonly string[];
}

const EMPTY_PROGRAM: Program = { code: new Int32Array(0), bounds: new Float64Array(0), texts: [] };

/** The program of one terminal (a branch's `rest` for rule `rule`), as terminal 0, its texts and bounds its own. */
function packTerminal(rest: readonly Cond[], slots: readonly Slot[], rule: number): Program {
  const code: number[] = [];
  const bounds: number[] = [];
  const texts: string[] = [];
  const ordered = rest
    .map((cond) => ({ cond, op: opOf(cond.condition) }))
    .sort((p, q) => (OP_RANK[p.op] as number) - (OP_RANK[q.op] as number));
  code.push(ordered.length, 0, rule, slots.length, ...slots.map((slot) => slot.index));
  for (const { cond, op } of ordered) {
    const m = cond.condition.matchers[0];
    let x = 0;
    let y = 0;
    if (op === GENERAL) x = cond.id;
    else if (m?.kind === 'exact-string') {
      x = textKey(m.value);
      y = texts.push(m.value) - 1;
    } else if (m?.kind === 'prefix' || m?.kind === 'suffix') {
      x = m.value.length === 0 ? -1 : m.value.charCodeAt(m.kind === 'prefix' ? 0 : m.value.length - 1);
      y = texts.push(m.value) - 1;
    } else if (m?.kind === 'numeric') {
      x = bounds.length;
      bounds.push(m.low, m.high, (m.lowOpen ? 1 : 0) | (m.highOpen ? 2 : 0));
    } else if (m?.kind === 'anything-but' && op === ANYTHING_BUT) {
      x = bounds.length;
      y = texts.length;
      bounds.push(m.strings.size);
      for (const text of m.strings) {
        bounds.push(textKey(text));
        texts.push(text);
      }
    } else if (m?.kind === 'equals-ignore-case' && op === IGNORE_CASE) {
      const lower = foldCase(m.value);
      x = textKey(lower);
      y = texts.push(lower) - 1;
    }
    code.push(op | (cond.slot.index << OP_BITS), x, y);
  }
  return { code: Int32Array.from(code), bounds: Float64Array.from(bounds), texts: texts.slice() };
}

/** Programs end to end, their references into bounds and texts shifted to match; `starts` receives where each begins. */
function concatPrograms(programs: readonly Program[], starts: number[]): Program {
  if (programs.length === 0) return EMPTY_PROGRAM;
  let codeLength = 0;
  let boundsLength = 0;
  for (const p of programs) {
    codeLength += p.code.length;
    boundsLength += p.bounds.length;
  }
  const code = new Int32Array(codeLength);
  const bounds = new Float64Array(boundsLength);
  const texts: string[] = [];
  let at = 0;
  let boundsAt = 0;
  for (const p of programs) {
    place(p, code, at, bounds, boundsAt, texts);
    starts.push(at);
    at += p.code.length;
    boundsAt += p.bounds.length;
  }
  return { code, bounds, texts };
}

/**
 * Copies `piece` into `code` from `at` and into `bounds` from `boundsAt`, and appends its texts to `texts`, its
 * references into bounds and texts shifted to match. The arrays must have room.
 */
function place(
  piece: Program,
  code: Int32Array,
  at: number,
  bounds: Float64Array,
  boundsAt: number,
  texts: string[],
): void {
  code.set(piece.code, at);
  relocate(code, at, at + piece.code.length, boundsAt, texts.length);
  bounds.set(piece.bounds, boundsAt);
  for (const text of piece.texts) texts.push(text);
}

/** Shifts the indexes into `bounds` (x of NUMERIC, ANYTHING_BUT) and `texts` (y of the text kinds) in code[from..to]. */
function relocate(code: Int32Array, from: number, to: number, boundsBase: number, textsBase: number): void {
  if (boundsBase === 0 && textsBase === 0) return;
  for (let at = from; at < to; ) {
    const conds = code[at] as number;
    at += T_HEAD + (code[at + 3] as number);
    for (const end = at + conds * C_WIDTH; at < end; at += C_WIDTH) {
      const op = (code[at] as number) & OP_MASK;
      if (op === NUMERIC || op === ANYTHING_BUT) code[at + 1] = (code[at + 1] as number) + boundsBase;
      if (op === EXACT || op === PREFIX || op === SUFFIX || op === ANYTHING_BUT || op === IGNORE_CASE) {
        code[at + 2] = (code[at + 2] as number) + textsBase;
      }
    }
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
  /** The rule's place in the matcher's per-rule arrays (ruleEpoch, ruleSerial, ruleKeys). */
  readonly index: number;
  /** Trimmed to its length once the rule is added (see add). */
  branches: BranchEntry<K>[];
}

interface BranchEntry<K> {
  readonly rule: RuleEntry<K>;
  /** The leading conditions, in trie order: the path to the node holding the branch. */
  readonly conds: readonly Cond[];
  /** In path order, the order AWS evaluates array consistency in. */
  readonly byPath: readonly Cond[];
  /**
   * The branch's part of its node's program (see Program), with terminal index 0: packed once, when added, from
   * the conditions after the anchors. It lists the branch's distinct slots, which are all accept() reads to tell
   * whether arrays of objects are involved.
   */
  readonly program: Program;
  /** Its place among its node's terminals, and where its program starts in the node's code (see append). */
  terminal: number;
  head: number;
}

/** The positive conditions leaving a trie node on one path, indexed to the nodes they lead to. */
interface EdgeGroup<K> {
  /** The event path its conditions test (for inspection; lookups go by `slot`). */
  readonly path: string;
  readonly slot: Slot;
  readonly index: FieldIndex<TrieNode<K>>;
  /** The same edges by condition, to find a rule's path when it is added or removed. */
  readonly children: Map<Cond, TrieNode<K>>;
  /** Its place in its node's `groups`, so that it leaves them in constant time. */
  at: number;
}

/** Values the plain same-element search may look at in one event before the indexed search takes over. */
const QUICK_STEPS = 4_096;

/**
 * Steps (values tried) the indexed same-element search may take for one event (or for the events of one
 * sharingSearchBudget), 1 to 8 s here by the shape, and SEARCH_MS the time, whichever runs out first. Past them, each
 * branch's search stops after QUICK_STEPS steps of its own, and a branch it has not decided by then is taken as not
 * matching (see RuleMatcher.unsettled); most are decided in a few steps. Steps alone bound the time only loosely (a
 * step costs more as more elements are chosen), so the clock bounds it too; past SEARCH_MS a costly event may be
 * answered differently from run to run, as a faster or slower machine would. Remembering failed sub-searches keeps it
 * polynomial in the values of each array, but not in the number of arrays at one path: dotted keys (`a.b` beside `a`
 * holding `b`) put one array there per way of writing the path, the elements chosen in each are part of what it
 * remembers, and conditions over them can state any boolean satisfiability problem. 8 such arrays of 4 objects took
 * 13 s, 16 took hours (diff review, 2026-12-06); now they stop within about 2 s. The costliest ordinary case found, 300
 * rules of two conditions on one array of 18,000 objects, takes 11 million steps, 1 s.
 */
const SEARCH_STEPS = 20_000_000;
const SEARCH_MS = 2_000;
/** The budget as the warnings of a search stopped by it say it. */
export const SEARCH_BUDGET_TEXT = `past ${SEARCH_MS / 1000} s, or ${SEARCH_STEPS / 1_000_000} million values tried`;
/** Steps between two readings of the clock for SEARCH_MS. */
const CLOCK_EVERY = 65_536;

/**
 * What the indexed same-element searches have spent of SEARCH_STEPS and SEARCH_MS: one event's, or those of every
 * event any matcher matches within one sharingSearchBudget (the entries of one PutEvents, on their bus's rules and
 * its archives' patterns).
 */
class SearchBudget {
  /** Steps taken. */
  steps!: number;
  /** When the first indexed search began (performance.now(); -1: none yet), and the next clock reading. */
  started!: number;
  nextClockReading!: number;
  /** Set once the searches have taken SEARCH_MS. */
  outOfTime!: boolean;

  constructor() {
    this.reset();
  }

  /** Nothing spent: a fresh budget for the next event. */
  reset(): this {
    this.steps = 0;
    this.started = -1;
    this.nextClockReading = CLOCK_EVERY;
    this.outOfTime = false;
    return this;
  }
}

/** The budget every matcher draws on while sharingSearchBudget runs. */
let sharedBudget: SearchBudget | undefined;

/**
 * Runs `work` with one same-element search budget (SEARCH_STEPS, SEARCH_MS) for every event matched in it, by any
 * matcher, rather than one per event and matcher: otherwise a PutEvents of 10 costly entries, each matched by its
 * bus's rules and by several archives' patterns, could hold the process for 2 s each time. Nested calls share the
 * outermost budget. (A replay gives each event its own, as its put did, and yields between costly ones.)
 */
export function sharingSearchBudget<T>(work: () => T): T {
  if (sharedBudget !== undefined) return work();
  sharedBudget = new SearchBudget();
  try {
    return work();
  } finally {
    sharedBudget = undefined;
  }
}

/** The values at one path that sit in the elements of one array, by element (see arrayConsistent). */
interface ElementValues {
  readonly inside: Map<number, number[]>;
  /** How many values sit in the array. */
  count: number;
  /** The values that do not, once asked for. */
  outside: number[] | undefined;
}

/** One branch's same-element search for one event (see arrayConsistent). */
interface Search {
  readonly conds: readonly Cond[];
  /** The sub-searches that failed, by condition and the elements chosen that later conditions can see. */
  readonly failed: Set<string>;
  /** By condition index, the arrays the values of that condition and later ones sit in (see laterArrays). */
  readonly later: Array<ReadonlySet<number> | undefined>;
  /** The budget's steps when this search began. */
  readonly start: number;
  /** Set once the search was stopped, past the event's budget and its own allowance (SEARCH_STEPS, SEARCH_MS). */
  stopped: boolean;
}

/** Shared by nodes without terminals or edges of a kind, so that most nodes (leaves) stay small. */
const NONE: readonly never[] = [];

class TrieNode<K> implements Program {
  /**
   * The branches ending here, by terminal index. A removed one leaves a hole (and its program a tombstone, see
   * RuleMatcher.detach) until holes outnumber the live terminals and the node is compacted.
   */
  terminals: readonly (BranchEntry<K> | undefined)[] = NONE;
  live = 0;
  // How to decide the terminals, without touching them until one holds: the node's own program, its terminals'
  // programs appended as they come (arrays with room to grow; `codeLength` and `boundsLength` are in use).
  code = EMPTY_PROGRAM.code;
  codeLength = 0;
  bounds = EMPTY_PROGRAM.bounds;
  boundsLength = 0;
  texts: string[] = [];
  /** Whether the matcher's arena holds the current program, from pc to pcEnd. */
  inArena = false;
  pc = 0;
  pcEnd = 0;
  /** Positive edges grouped by path (a plain array: nodes have few paths, and scanning it allocates nothing). */
  groups: readonly EdgeGroup<K>[] = NONE;
  /**
   * The same groups by their slot, once there are more than MANY_GROUPS (rules each on a field of their own): a
   * group is then found without a scan, and an event visits only the groups of the fields it has.
   */
  bySlot: Map<Slot, EdgeGroup<K>> | undefined = undefined;
  /** Marks the node as already reached from its parent during one probe, to visit it once. */
  stamp = -1;

  isEmpty(): boolean {
    return this.live === 0 && this.groups.length === 0;
  }

  /** The group of a path, by the path's slot. */
  groupOf(slot: Slot): EdgeGroup<K> | undefined {
    if (this.bySlot !== undefined) return this.bySlot.get(slot);
    for (const g of this.groups) if (g.slot === slot) return g;
    return undefined;
  }
}

interface PathNode {
  readonly children: Map<string, PathNode>;
  /**
   * The keys of the children, when none of them has children of its own and there are few (LEAF_READS): then only
   * those keys of an event object can lead anywhere (a dotted key such as "a.b" names a path two steps down, and
   * there is none), so the walk reads them directly instead of enumerating the object. Undefined otherwise.
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

/**
 * Most children whose keys the walk reads directly. Past it, enumerating the event object's own keys costs less
 * than looking up every key the rules name (10,000 rules each on its own field took 6 ms per event that way), and
 * setting `leafKeys` after each change would cost as much as the children.
 */
const LEAF_READS = 32;

/** Groups of edges (paths) a trie node scans; past it, they are found and visited through `TrieNode.bySlot`. */
const MANY_GROUPS = 16;

/** Sets `leafKeys` and `leafNodes` after the node's children changed. */
function setLeaves(node: PathNode): void {
  let leaves = node.children.size > 0 && node.children.size <= LEAF_READS;
  if (leaves) for (const child of node.children.values()) if (child.children.size > 0) leaves = false;
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

// The branches a pattern's `$or`s expand into share their conditions' objects: 4,096 branches of twelve
// conditions have 24 distinct ones, so each is keyed once.
const conditionKeys = new WeakMap<FieldCondition, string>();

function conditionKey(c: FieldCondition): string {
  let key = conditionKeys.get(c);
  if (key === undefined) {
    key = JSON.stringify([c.path, c.absent, c.matchers.map(matcherKey).sort()]);
    conditionKeys.set(c, key);
  }
  return key;
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

/**
 * Live terminals from which a node takes no more: a branch that would end there goes on by another of its positive
 * conditions (see narrowness), so an event reaching the node checks at most this many terminals that could have
 * gone on, and looks the rest up.
 */
const CROWDED = 32;

/**
 * How widely an index lookup on a positive condition lets events through, for choosing which to file a branch
 * under past a crowded node: exact values 0, ranges, prefixes and patterns 1, `exists` 2 (any value).
 */
function narrowness(cond: Cond): number {
  let rank = 0;
  for (const m of cond.matchers)
    rank = Math.max(rank, m.kind.startsWith('exact') ? 0 : m.kind === 'exists' ? 2 : 1);
  return rank;
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
  private readonly root = new TrieNode<K>();
  private readonly paths: PathNode = newPathNode();
  private nextSerial = 0;

  // Per-event scratch state; matching is synchronous, so one set per matcher suffices.
  private epoch = 0;
  private stamp = 0;
  // Per condition id, the epoch of the event its result is memoized for (-1: none) and the result (1: held), for
  // GENERAL conditions. Doubles, so that the epoch never wraps.
  private memo = new Float64Array(128);
  private readonly condById: Array<Cond | undefined> = [];
  /** Slots by index (as programs name them), and the indices free for reuse. */
  private readonly slotList: Array<Slot | undefined> = [];
  private readonly freeSlots: number[] = [];
  /** Indexes of the rules matched by this event. */
  private readonly matched: number[] = [];
  /** The slots this event has values in, each once; kept only once some node has many groups (`bySlot`). */
  private readonly touched: Slot[] = [];
  private manyGroups = false;
  /**
   * The programs of all nodes with terminals end to end, so that deciding an event's candidate rules reads a few
   * stretches of one compact array: on a large bus that stays in cache far better than one small array per node
   * scattered over the heap. Nodes new or changed since it was built run their own program; it is rebuilt, in
   * time linear in the bus's rules, after changes to more than an eighth of the terminals, so a change costs a
   * constant amount of rebuilding on average, however the rules are spread over nodes.
   */
  private arena: Program = EMPTY_PROGRAM;
  /** Nodes with terminals; changes to terminals since the arena was built (changed nodes run their own program). */
  private readonly programmed = new Set<TrieNode<K>>();
  private changesSinceArena = 0;
  private terminalCount = 0;
  // Per rule index: the epoch of the event the rule last matched (doubles: the epoch never wraps), the order it
  // was added in, and its key.
  private ruleEpoch = new Float64Array(64);
  private ruleSerial = new Float64Array(64);
  private readonly ruleKeys: Array<K | undefined> = [];
  private readonly freeRuleIndexes: number[] = [];
  private readonly reach = new Reach<K>();
  private hasMembership = false;
  /** Steps the plain same-element search has taken for this event (see arrayConsistent). */
  private quickSteps = 0;
  /** Steps the plain same-element search may take before the indexed search decides. */
  private readonly quickBudget: number;
  /** What the indexed same-element searches of this event have spent (see SearchBudget), and its steps' limit. */
  private spent = new SearchBudget();
  private readonly ownBudget = this.spent;
  private readonly searchBudget: number;
  /** The rules (indexes) of the event last matched whose same-element search was stopped (see SEARCH_STEPS). */
  private readonly stopped: number[] = [];
  private uncomparableNumber = false;
  private nextArrayId = 0;

  /**
   * `quickSearchSteps`: how many values the plain same-element search may look at in one event before the
   * indexed search takes over (QUICK_STEPS); tests give 0, so that every such search is the indexed one.
   * `searchSteps`: the indexed search's budget of steps for one event, or for those sharing one budget
   * (SEARCH_STEPS); tests give less.
   */
  constructor(options: { readonly quickSearchSteps?: number; readonly searchSteps?: number } = {}) {
    this.quickBudget = options.quickSearchSteps ?? QUICK_STEPS;
    this.searchBudget = options.searchSteps ?? SEARCH_STEPS;
  }

  /**
   * The rules of the event last matched that were taken as not matching because their same-element search was
   * stopped, past its budget of steps or time (SEARCH_STEPS): not what AWS would answer, so the caller says so.
   */
  get unsettled(): K[] {
    // A rule another branch of which matched is settled.
    const rules = this.stopped.filter((rule) => this.ruleEpoch[rule] !== this.epoch);
    return rules.map((rule) => this.ruleKeys[rule] as K);
  }

  get size(): number {
    return this.rules.size;
  }

  /** Adds a rule, replacing any rule with the same key. */
  add(key: K, pattern: CompiledPattern): void {
    this.remove(key);
    const rule: RuleEntry<K> = { key, index: this.acquireRuleIndex(key), branches: [] };
    for (const branch of pattern.branches) {
      const conds = [...branch.values()].map((c) => this.acquire(c));
      conds.sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : 0));
      const byPath = [...conds].sort((a, b) => {
        const x = a.condition.path;
        const y = b.condition.path;
        return x < y ? -1 : x > y ? 1 : 0;
      });
      let anchors = anchorCount(conds);
      let node = this.root;
      for (let i = 0; i < anchors; i++) node = this.edge(node, conds[i] as Cond);
      // A crowded node (many subscriptions to one contract, each with its own content filter) would have every
      // event check all its terminals: the branch goes on down the trie by its other positive conditions instead,
      // the narrowest first.
      while (node.live >= CROWDED && anchors < conds.length && (conds[anchors] as Cond).positive) {
        let best = anchors;
        for (let i = anchors + 1; i < conds.length && (conds[i] as Cond).positive; i++)
          if (narrowness(conds[i] as Cond) < narrowness(conds[best] as Cond)) best = i;
        [conds[anchors], conds[best]] = [conds[best] as Cond, conds[anchors] as Cond];
        node = this.edge(node, conds[anchors++] as Cond);
      }
      const slots = [...new Set(byPath.map((c) => c.slot))];
      const entry: BranchEntry<K> = {
        rule,
        conds: conds.slice(0, anchors),
        byPath,
        program: packTerminal(conds.slice(anchors), slots, rule.index),
        terminal: -1,
        head: -1,
      };
      this.terminalCount++;
      this.append(node, entry);
      this.changed(node);
      rule.branches.push(entry);
    }
    // Kept as long as the rule: a copy of its own length, where the list grown by push holds room for 17 (152 bytes).
    rule.branches = rule.branches.slice();
    this.rules.set(key, rule);
  }

  remove(key: K): void {
    const rule = this.rules.get(key);
    if (rule === undefined) return;
    this.rules.delete(key);
    this.ruleKeys[rule.index] = undefined;
    this.freeRuleIndexes.push(rule.index);
    for (const entry of rule.branches) {
      const trail: TrieNode<K>[] = [this.root];
      let node = this.root;
      for (const cond of entry.conds) {
        node = this.next(node, cond) as TrieNode<K>;
        trail.push(node);
      }
      this.terminalCount--;
      this.detach(node, entry);
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
    if (this.changesSinceArena > this.terminalCount >> 3) this.rebuildArena();
    this.epoch++;
    this.matched.length = 0;
    this.touched.length = 0;
    this.hasMembership = false;
    this.uncomparableNumber = false;
    this.nextArrayId = 0;
    // One budget for the event, not one per branch: 3,000 rules each just under it cost 3,000 × 4,096 steps.
    this.quickSteps = 0;
    this.spent = sharedBudget ?? this.ownBudget.reset();
    this.stopped.length = 0;
  }

  private finish(): K[] {
    this.visit(this.root);
    const matched = this.matched;
    const n = matched.length;
    if (n === 0) return [];
    // In the order the rules were added. Few rules match one event: an insertion sort, no comparator calls.
    const serial = this.ruleSerial;
    for (let i = 1; i < n; i++) {
      const rule = matched[i] as number;
      let j = i - 1;
      for (; j >= 0 && (serial[matched[j] as number] as number) > (serial[rule] as number); j--)
        matched[j + 1] = matched[j] as number;
      matched[j + 1] = rule;
    }
    const keys = new Array<K>(n);
    for (let i = 0; i < n; i++) keys[i] = this.ruleKeys[matched[i] as number] as K;
    return keys;
  }

  /** Follows every edge out of `node` that the event satisfies (as event-ruler walks its name states). */
  private visit(node: TrieNode<K>): void {
    const program: Program = node.inArena ? this.arena : node;
    const code = program.code;
    for (
      let at = node.inArena ? node.pc : 0, stop = node.inArena ? node.pcEnd : node.codeLength;
      at < stop;
    ) {
      const head = at;
      at += T_HEAD + (code[at + 3] as number);
      const end = at + (code[head] as number) * C_WIDTH;
      // A removed terminal's rule index is -1 (a tombstone, see detach). Its conditions and slots may be gone.
      let holds = (code[head + 2] as number) >= 0;
      for (; at < end && holds; at += C_WIDTH) holds = this.test(program, at);
      at = end;
      if (holds) this.accept(node, code, head);
    }
    const groups = node.groups;
    const bySlot = node.bySlot;
    if (bySlot !== undefined && this.touched.length < groups.length) {
      const touched = this.touched;
      for (let t = 0; t < touched.length; t++) {
        const group = bySlot.get(touched[t] as Slot);
        if (group !== undefined) this.follow(group);
      }
      return;
    }
    for (let g = 0; g < groups.length; g++) {
      const group = groups[g] as EdgeGroup<K>;
      if (group.slot.epoch === this.epoch) this.follow(group);
    }
  }

  /** Visits the nodes that the event's values at the group's path lead to. */
  private follow(group: EdgeGroup<K>): void {
    const slot = group.slot;
    const reach = this.reach;
    const start = reach.top;
    reach.stamp = ++this.stamp;
    const values = slot.values;
    for (let i = 0; i < slot.count; i++) group.index.probe(values[i] as Leaf, reach);
    const end = reach.top;
    for (let i = start; i < end; i++) this.visit(reach.reached[i] as TrieNode<K>);
    reach.top = start;
  }

  /** Makes `entry` the node's last terminal, its program appended to the node's. */
  private append(node: TrieNode<K>, entry: BranchEntry<K>): void {
    if (node.terminals === NONE) node.terminals = [];
    const index = (node.terminals as (BranchEntry<K> | undefined)[]).push(entry) - 1;
    node.live++;
    const piece = entry.program;
    const at = node.codeLength;
    entry.terminal = index;
    entry.head = at;
    node.code = withRoom(node.code, at + piece.code.length, at);
    node.bounds = withRoom(node.bounds, node.boundsLength + piece.bounds.length, node.boundsLength);
    place(piece, node.code, at, node.bounds, node.boundsLength, node.texts);
    node.code[at + 1] = index;
    node.codeLength = at + piece.code.length;
    node.boundsLength += piece.bounds.length;
  }

  /**
   * Takes a removed branch out of its node in constant time: its terminal becomes a hole and its program a
   * tombstone (rule index -1), in the node's code and in the arena's copy, so the node stays in the arena. Once the
   * holes outnumber the live terminals, the node is compacted (its live terminals re-appended), which costs as much
   * as the removals since the last compaction did: emptying a node of n rules costs O(n), not O(n²).
   */
  private detach(node: TrieNode<K>, entry: BranchEntry<K>): void {
    (node.terminals as (BranchEntry<K> | undefined)[])[entry.terminal] = undefined;
    node.live--;
    node.code[entry.head + 2] = -1;
    if (node.inArena) this.arena.code[node.pc + entry.head + 2] = -1;
    entry.terminal = -1;
    entry.head = -1;
    if (node.terminals.length - node.live <= node.live) return;
    const live = node.terminals.filter((t): t is BranchEntry<K> => t !== undefined);
    node.terminals = NONE;
    node.live = 0;
    node.codeLength = 0;
    node.boundsLength = 0;
    node.texts = [];
    for (const t of live) this.append(node, t);
    this.changed(node);
  }

  /** After a node's terminals changed: it runs its own program until the arena is rebuilt. */
  private changed(node: TrieNode<K>): void {
    node.inArena = false;
    if (node.live > 0) this.programmed.add(node);
    else this.programmed.delete(node);
    this.changesSinceArena++;
  }

  private rebuildArena(): void {
    const nodes = [...this.programmed];
    const starts: number[] = [];
    const programs = nodes.map((node) => ({
      code: node.code.subarray(0, node.codeLength),
      bounds: node.bounds.subarray(0, node.boundsLength),
      texts: node.texts,
    }));
    this.arena = concatPrograms(programs, starts);
    nodes.forEach((node, n) => {
      node.pc = starts[n] as number;
      node.pcEnd = node.pc + node.codeLength;
      node.inArena = true;
    });
    this.changesSinceArena = 0;
  }

  /** A terminal whose conditions hold (`head` is its start in `code`): its rule matches, arrays permitting. */
  private accept(node: TrieNode<K>, code: Int32Array, head: number): void {
    const rule = code[head + 2] as number;
    if (this.ruleEpoch[rule] === this.epoch) return;
    if (this.hasMembership) {
      let arrays = false;
      const slots = head + T_HEAD;
      for (let i = slots, end = slots + (code[head + 3] as number); i < end && !arrays; i++) {
        const slot = this.slotList[code[i] as number] as Slot;
        arrays = slot.epoch === this.epoch && slot.anyMembership;
      }
      if (arrays && !this.arrayConsistent(node.terminals[code[head + 1] as number] as BranchEntry<K>)) return;
    }
    this.ruleEpoch[rule] = this.epoch;
    this.matched.push(rule);
  }

  private acquireRuleIndex(key: K): number {
    const index = this.freeRuleIndexes.pop() ?? this.ruleKeys.length;
    this.ruleEpoch = withRoom(this.ruleEpoch, index + 1);
    this.ruleSerial = withRoom(this.ruleSerial, index + 1);
    this.ruleEpoch[index] = -1;
    this.ruleSerial[index] = this.nextSerial++;
    this.ruleKeys[index] = key;
    return index;
  }

  /**
   * Whether the event has values satisfying the condition at `at` of a program (see Program). Exact unless arrays
   * of objects are involved; then it is a necessary condition and accept() decides.
   */
  private test(program: Program, at: number): boolean {
    const code = program.code;
    const head = code[at] as number;
    const op = head & OP_MASK;
    const x = code[at + 1] as number;
    if (op === GENERAL) {
      const memo = this.memo;
      return memo[2 * x] === this.epoch ? memo[2 * x + 1] === 1 : this.evaluate(x);
    }
    const slot = this.slotList[head >> OP_BITS] as Slot;
    const count = slot.epoch === this.epoch ? slot.count : 0;
    if (op === EXISTS) return count > 0;
    if (op === ABSENT) return count === 0 || slot.anyMembership;
    const values = slot.values;
    if (op === EXACT) {
      // Length and first unit first: most values that differ do so there, without reading the text.
      const length = keyLength(x);
      const first = keyFirst(x);
      for (let i = 0; i < count; i++) {
        const v = values[i];
        if (
          typeof v === 'string' &&
          v.length === length &&
          (length === 0 || v.charCodeAt(0) === first) &&
          v === program.texts[code[at + 2] as number]
        ) {
          return true;
        }
      }
      return false;
    }
    if (op === NUMERIC) {
      const bounds = program.bounds;
      const low = bounds[x] as number;
      const high = bounds[x + 1] as number;
      const open = bounds[x + 2] as number;
      for (let i = 0; i < count; i++) {
        const v = values[i];
        if (typeof v !== 'number') continue;
        const k = comparableKey(v) as number;
        if (((open & 1) !== 0 ? k > low : k >= low) && ((open & 2) !== 0 ? k < high : k <= high)) return true;
      }
      return false;
    }
    if (op === ANYTHING_BUT) {
      // Holds when some value is not one of the strings (a non-string never is).
      const bounds = program.bounds;
      const n = bounds[x] as number;
      const texts = code[at + 2] as number;
      for (let i = 0; i < count; i++) {
        const v = values[i];
        if (typeof v !== 'string') return true;
        const key = textKey(v);
        let listed = false;
        for (let j = 0; j < n && !listed; j++) {
          listed = bounds[x + 1 + j] === key && v === program.texts[texts + j];
        }
        if (!listed) return true;
      }
      return false;
    }
    if (op === IGNORE_CASE) {
      const length = keyLength(x);
      const first = keyFirst(x);
      for (let i = 0; i < count; i++) {
        const v = values[i];
        if (typeof v !== 'string' || v.length !== length) continue;
        if (length > 0 && lowerAscii(v.charCodeAt(0)) !== first) continue;
        const text = program.texts[code[at + 2] as number] as string;
        let same = true;
        for (let j = 1; j < length && same; j++) same = lowerAscii(v.charCodeAt(j)) === text.charCodeAt(j);
        if (same) return true;
      }
      return false;
    }
    // PREFIX, SUFFIX: a non-empty value matching starts (ends) with the text's first (last) unit, also in AWS's
    // quoted forms (see quotedStartsWith), so only values that do are compared with the text.
    for (let i = 0; i < count; i++) {
      const v = values[i];
      if (typeof v !== 'string') continue;
      if (x >= 0 && v.length > 0 && v.charCodeAt(op === PREFIX ? 0 : v.length - 1) !== x) continue;
      const text = program.texts[code[at + 2] as number] as string;
      if (op === PREFIX ? quotedStartsWith(v, text) : quotedEndsWith(v, text)) return true;
    }
    return false;
  }

  /** A GENERAL condition not yet evaluated for this event, from its matchers; memoized for the event. */
  private evaluate(id: number): boolean {
    const cond = this.condById[id] as Cond;
    const slot = cond.slot;
    const count = slot.epoch === this.epoch ? slot.count : 0;
    // exists:false may still hold when every value sits in another array element; the exact check decides.
    let result = cond.absent && (count === 0 || slot.anyMembership);
    for (let i = 0; i < count && !result; i++) result = anyMatcher(cond.matchers, slot.values[i] as Leaf);
    this.memo[2 * id] = this.epoch;
    this.memo[2 * id + 1] = result ? 1 : 0;
    return result;
  }

  /** The branch holds with values drawn from consistent array elements (AWS's array-consistent matching). */
  private arrayConsistent(entry: BranchEntry<K>): boolean {
    // A search that failed from one choice of the elements that later conditions' values sit in fails from any other
    // choice that agrees on those: remembering such failures keeps the search polynomial in the values of each
    // array (not in the number of arrays at one path: see SEARCH_STEPS). Without it, k conditions on k sibling
    // arrays of m objects, and one that fails last, tried m^k combinations (an event of 20 arrays of 4, 830 bytes,
    // held the process for hours). And each condition's values are found by the element chosen, not scanned:
    // scanning made two conditions on one array of n objects cost n² (0.55 s for 18,000 objects, 246 KB).
    // Most events have few values in arrays: the plain search decides them within a few steps, with no memo to
    // build; past QUICK_STEPS in an event it gives up, and the indexed search decides.
    const quick = this.quickFrom(entry.byPath, 0, undefined);
    if (quick !== undefined) return quick;
    if (this.spent.started < 0) this.spent.started = performance.now();
    const search: Search = {
      conds: entry.byPath,
      failed: new Set(),
      later: [],
      start: this.spent.steps,
      stopped: false,
    };
    const holds = this.consistentFrom(search, 0, undefined);
    if (!holds && search.stopped && !this.stopped.includes(entry.rule.index))
      this.stopped.push(entry.rule.index);
    return holds;
  }

  /** The plain search: every value of each condition in turn. Undefined once it has taken its budget of steps. */
  private quickFrom(conds: readonly Cond[], i: number, membership: Membership): boolean | undefined {
    const cond = conds[i];
    if (cond === undefined) return true;
    const slot = cond.slot;
    const n = slot.epoch === this.epoch ? slot.count : 0;
    this.quickSteps += n + 1;
    if (this.quickSteps > this.quickBudget) return undefined;
    if (cond.absent) {
      let present = false;
      for (let j = 0; j < n && !present; j++) present = mergeChain(membership, slot.chains[j]) !== null;
      if (!present) {
        const rest = this.quickFrom(conds, i + 1, membership);
        if (rest !== false) return rest;
      }
    }
    for (let j = 0; j < n; j++) {
      const merged = mergeChain(membership, slot.chains[j]);
      if (merged === null || !anyMatcher(cond.matchers, slot.values[j] as Leaf)) continue;
      const rest = this.quickFrom(conds, i + 1, merged);
      if (rest !== false) return rest;
    }
    return false;
  }

  /** The slot's values by the array elements they sit in, for this event. */
  private elementsOf(slot: Slot): Map<number, ElementValues> {
    if (slot.elementsEpoch === this.epoch && slot.elements !== undefined) return slot.elements;
    const byArray = new Map<number, ElementValues>();
    const n = slot.epoch === this.epoch ? slot.count : 0;
    for (let j = 0; j < n; j++) {
      for (let link = slot.chains[j]; link !== undefined; link = link.up) {
        let values = byArray.get(link.array);
        if (values === undefined) {
          values = { inside: new Map(), count: 0, outside: undefined };
          byArray.set(link.array, values);
        }
        const list = values.inside.get(link.index);
        if (list === undefined) values.inside.set(link.index, [j]);
        else list.push(j);
        values.count++;
      }
    }
    slot.elements = byArray;
    slot.elementsEpoch = this.epoch;
    return byArray;
  }

  /** The values of condition i that may agree with `membership` (undefined: all of them). */
  private candidates(search: Search, i: number, membership: Membership): readonly number[] | undefined {
    if (membership === undefined) return undefined;
    const slot = (search.conds[i] as Cond).slot;
    const byArray = this.elementsOf(slot);
    // By the chosen element of the array that holds most of the values, so that few lie outside it (an inner array
    // of one object, in an array of such arrays, would leave all the others to try).
    let best: ElementValues | undefined;
    let array = -1;
    let index = -1;
    for (let p = 0; p < membership.length; p += 2) {
      const values = byArray.get(membership[p] as number);
      if (values !== undefined && (best === undefined || values.count > best.count)) {
        best = values;
        array = membership[p] as number;
        index = membership[p + 1] as number;
      }
    }
    if (best === undefined) return undefined;
    const inside = best.inside.get(index) ?? NONE;
    const n = slot.epoch === this.epoch ? slot.count : 0;
    if (best.count === n) return inside;
    // Values outside that array agree with any element of it.
    if (best.outside === undefined) {
      const outside: number[] = [];
      for (let j = 0; j < n; j++) {
        let within = false;
        for (let link = slot.chains[j]; link !== undefined && !within; link = link.up)
          within = link.array === array;
        if (!within) outside.push(j);
      }
      best.outside = outside;
    }
    return [...inside, ...best.outside];
  }

  /** The arrays that the values of conditions i.. sit in (computed once per search and condition). */
  private laterArrays(search: Search, i: number): ReadonlySet<number> {
    let set = search.later[i];
    if (set === undefined) {
      const cond = search.conds[i];
      set =
        cond === undefined
          ? new Set()
          : new Set([...this.laterArrays(search, i + 1), ...this.elementsOf(cond.slot).keys()]);
      search.later[i] = set;
    }
    return set;
  }

  /** Whether the chain has an element of an array in `seen` that `membership` has not chosen yet. */
  private addsSeen(membership: Membership, chain: Chain | undefined, seen: ReadonlySet<number>): boolean {
    for (let link = chain; link !== undefined; link = link.up) {
      if (!seen.has(link.array)) continue;
      let chosen = false;
      if (membership !== undefined)
        for (let p = 0; p < membership.length && !chosen; p += 2) chosen = membership[p] === link.array;
      if (!chosen) return true;
    }
    return false;
  }

  /** Conditions conds[i..] hold with values agreeing with `membership`, choosing values in path order. */
  private consistentFrom(search: Search, i: number, membership: Membership): boolean {
    const cond = search.conds[i];
    if (cond === undefined) return true;
    // Past the event's budget of steps or time, a search past its own first QUICK_STEPS stops: every sub-search
    // answers no at once. Those QUICK_STEPS still decide the many branches that a few steps decide.
    if (search.stopped) return false;
    if (
      (this.spent.outOfTime || this.spent.steps > this.searchBudget) &&
      this.spent.steps - search.start > QUICK_STEPS
    ) {
      search.stopped = true;
      return false;
    }
    let key = `${i}`;
    if (membership !== undefined) {
      // Only the elements chosen of arrays that this or a later condition's values sit in.
      const seen = this.laterArrays(search, i);
      const pairs: number[][] = [];
      for (let p = 0; p < membership.length; p += 2)
        if (seen.has(membership[p] as number))
          pairs.push([membership[p] as number, membership[p + 1] as number]);
      pairs.sort((a, b) => (a[0] as number) - (b[0] as number));
      for (const [array, index] of pairs) key += `,${array}:${index}`;
    }
    if (search.failed.has(key)) return false;
    const slot = cond.slot;
    const listed = this.candidates(search, i, membership);
    const n = listed !== undefined ? listed.length : slot.epoch === this.epoch ? slot.count : 0;
    const spent = this.spent;
    spent.steps += n + 1;
    if (spent.steps >= spent.nextClockReading) {
      spent.nextClockReading = spent.steps + CLOCK_EVERY;
      spent.outOfTime = performance.now() - spent.started > SEARCH_MS;
    }
    let unchanged = false;
    if (cond.absent) {
      let present = false;
      for (let c = 0; c < n && !present; c++) {
        const j = listed !== undefined ? (listed[c] as number) : c;
        present = mergeChain(membership, slot.chains[j]) !== null;
      }
      if (!present) {
        if (this.consistentFrom(search, i + 1, membership)) return true;
        unchanged = true;
      }
    }
    for (let c = 0; c < n; c++) {
      const j = listed !== undefined ? (listed[c] as number) : c;
      const merged = mergeChain(membership, slot.chains[j]);
      if (merged === null) continue;
      // Every value that adds no element of an array later conditions' values sit in (one outside all arrays of
      // objects, in elements already chosen, or in arrays no later condition sees) leads to the same sub-search as
      // the membership itself: it is tried once, not once per value.
      const same =
        merged === membership || !this.addsSeen(membership, slot.chains[j], this.laterArrays(search, i + 1));
      if (same && unchanged) continue;
      if (!anyMatcher(cond.matchers, slot.values[j] as Leaf)) continue;
      if (same) unchanged = true;
      if (this.consistentFrom(search, i + 1, merged)) return true;
    }
    search.failed.add(key);
    return false;
  }

  private record(node: PathNode, leaf: Leaf, chain: Chain | undefined): void {
    const slot = node.slot;
    if (slot === undefined) return;
    if (slot.epoch !== this.epoch) {
      slot.epoch = this.epoch;
      slot.count = 0;
      slot.anyMembership = false;
      if (this.manyGroups) this.touched.push(slot);
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
        for (const [key, value] of eventEntries(json)) {
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
    const child = new TrieNode<K>();
    const path = cond.condition.path;
    let group = node.groupOf(cond.slot);
    if (group === undefined) {
      const at = node.groups.length;
      group = { path, slot: cond.slot, index: new FieldIndex<TrieNode<K>>(), children: new Map(), at };
      if (node.groups === NONE) node.groups = [];
      (node.groups as EdgeGroup<K>[]).push(group);
      if (node.bySlot !== undefined) node.bySlot.set(cond.slot, group);
      else if (node.groups.length > MANY_GROUPS) {
        node.bySlot = new Map(node.groups.map((g) => [g.slot, g]));
        this.manyGroups = true;
      }
    }
    for (const m of cond.condition.matchers) group.index.add(m, child);
    group.children.set(cond, child);
    return child;
  }

  private next(node: TrieNode<K>, cond: Cond): TrieNode<K> | undefined {
    return node.groupOf(cond.slot)?.children.get(cond);
  }

  /** Removes the edge from `node` through `cond` to the now empty `child`. */
  private cut(node: TrieNode<K>, cond: Cond, child: TrieNode<K>): void {
    const group = node.groupOf(cond.slot) as EdgeGroup<K>;
    for (const m of cond.condition.matchers) group.index.remove(m, child);
    group.children.delete(cond);
    if (group.index.size > 0) return;
    // The last group takes its place: the order of groups decides nothing, and a node may have thousands.
    const groups = node.groups as EdgeGroup<K>[];
    const last = groups.pop() as EdgeGroup<K>;
    if (last !== group) {
      groups[group.at] = last;
      last.at = group.at;
    }
    node.bySlot?.delete(cond.slot);
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
    this.memo = withRoom(this.memo, 2 * (id + 1));
    this.memo[2 * id] = -1;
    this.condById[id] = cond;
    return cond;
  }

  private release(cond: Cond): void {
    if (--cond.refs > 0) return;
    this.releasePath(cond.condition.path);
    this.conds.delete(cond.key);
    this.condById[cond.id] = undefined;
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
      node.slot = {
        index,
        epoch: -1,
        count: 0,
        values: [],
        chains: [],
        anyMembership: false,
        elements: undefined,
        elementsEpoch: -1,
      };
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
