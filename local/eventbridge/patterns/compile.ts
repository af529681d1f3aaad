// Turns pattern JSON into branches of field conditions, refusing what AWS refuses with AWS's words.
// The walk follows event-ruler's JsonRuleCompiler token by token so that, of several faults, the one AWS
// reports first is the one we report; `$or` is expanded into branches (disjunctive normal form) as it does.

import { InvalidEventPatternError } from './errors.js';
import { type CaseAlternatives, caseAlternatives } from './ignore-case.js';
import { type CidrRange, CidrSyntaxError, ipHex, looksLikeIp, parseCidr, parseIp } from './ip-address.js';
import { jacksonSyntaxFault } from './jackson-syntax.js';
import {
  type JsonNode,
  JsonTextError,
  jacksonLocation,
  parseJsonText,
  readJsonPrefix,
  type Span,
} from './json-text.js';
import { comparableKey, MAX_KEY, MIN_KEY, NUMBER_RANGE_MESSAGE } from './numbers.js';
import {
  MAX_WILDCARD_COMPLEXITY,
  parseWildcard,
  type Wildcard,
  WildcardSyntaxError,
  wildcardComplexity,
} from './wildcard.js';

/** One way a single event value can satisfy a field's condition. */
export type ValueMatcher =
  | { readonly kind: 'exact-string'; readonly value: string }
  | { readonly kind: 'exact-ip'; readonly hex: string }
  /** `key` is set when the number is comparable; otherwise AWS compares the number's text. */
  | { readonly kind: 'exact-number'; readonly text: string; readonly key: number | undefined }
  | { readonly kind: 'exact-literal'; readonly literal: 'true' | 'false' | 'null' }
  | { readonly kind: 'prefix'; readonly value: string }
  | { readonly kind: 'suffix'; readonly value: string }
  | {
      readonly kind: 'equals-ignore-case';
      readonly value: string;
      readonly alts: readonly CaseAlternatives[];
    }
  | {
      readonly kind: 'prefix-ignore-case';
      readonly value: string;
      readonly alts: readonly CaseAlternatives[];
    }
  | {
      readonly kind: 'suffix-ignore-case';
      readonly value: string;
      readonly alts: readonly CaseAlternatives[];
    }
  | { readonly kind: 'wildcard'; readonly value: string; readonly wildcard: Wildcard }
  | {
      readonly kind: 'numeric';
      readonly low: number;
      readonly lowOpen: boolean;
      readonly high: number;
      readonly highOpen: boolean;
    }
  | { readonly kind: 'cidr'; readonly range: CidrRange }
  | { readonly kind: 'exists' }
  | {
      readonly kind: 'anything-but';
      readonly strings: ReadonlySet<string>;
      readonly numbers: ReadonlySet<number>;
    }
  | { readonly kind: 'anything-but-prefix'; readonly values: readonly string[] }
  | { readonly kind: 'anything-but-suffix'; readonly values: readonly string[] }
  | {
      readonly kind: 'anything-but-ignore-case';
      readonly values: readonly string[];
      readonly alts: ReadonlyArray<readonly CaseAlternatives[]>;
    }
  | {
      readonly kind: 'anything-but-wildcard';
      readonly values: readonly string[];
      readonly wildcards: readonly Wildcard[];
    };

/** What one dotted path of an event must satisfy: any matcher on any value, or (if `absent`) no value at all. */
export interface FieldCondition {
  readonly path: string;
  readonly matchers: readonly ValueMatcher[];
  /** Contains `{"exists": false}`. */
  readonly absent: boolean;
}

/** One alternative of the pattern: every condition must hold. */
export type Branch = ReadonlyMap<string, FieldCondition>;

/**
 * Most branches the `$or`s of one pattern may expand to. AWS documents no limit, but each `$or` beside another
 * multiplies the branches: 18 two-way `$or`s (711 characters) make 262,144, which would take minutes to add to a
 * bus and overflowed the stack here. 4,096 (twelve such `$or`s) take 0.05 to 0.18 s to add.
 */
export const MAX_OR_BRANCHES = 4_096;

/** The AWS reason for refusing a too-complex wildcard. */
export const TOO_COMPLEX_MESSAGE =
  'Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character';

/** Field names a `$or` branch may not use (event-ruler reserves them). */
const RESERVED_IN_OR = new Set([
  'exactly',
  'equals-ignore-case',
  'prefix',
  'suffix',
  'anything-but',
  'exists',
  'wildcard',
  'numeric',
  'cidr',
  '=',
  '<',
  '<=',
  '>',
  '>=',
  'regex',
  'not-wildcard',
  'not-equals-ignore-case',
  'date-after',
  'date-on-or-after',
  'date-before',
  'date-on-or-before',
  'in-date-range',
  'ip-address-in-range',
  'ip-address-not-in-range',
]);

/** The pattern being compiled and where its nodes sit, so that a refusal can say where (see refuse). */
let reading: { readonly text: string; readonly spans: ReadonlyMap<JsonNode, Span> } | undefined;

/**
 * Where AWS's parser (event-ruler's compiler on Jackson, reading token by token) stands when it meets a fault,
 * which its message ends with: `{ past: node }`, just past the node (a string's closing quote, a list's `]`);
 * `{ at: node }`, just past the node's first token as Jackson has read it (a string's opening quote, as it reads
 * the text only when asked; a `[` or `{`; a whole number or literal), which is also where it stands on the key
 * before that value, having read on past the colon. `twice`: the fault was met inside a step that catches and
 * reports it again, so the location is written twice (anything-but lists). No `where`: AWS's message has no
 * location (its fault is not the parser's, as with CIDR ranges).
 */
interface Where {
  readonly past?: JsonNode;
  readonly at?: JsonNode;
  readonly twice?: boolean;
  /** AWS's message says no place, though the fault is met there (for ordering it against a syntax fault). */
  readonly silent?: boolean;
}

/**
 * Where in the text each refusal was met (Infinity: only once the text was read to its end), so that, of a fault of
 * the compiler's and one of the parser's, the one AWS meets first is reported.
 */
const metAt = new WeakMap<InvalidEventPatternError, number>();

function refuse(reason: string, where?: Where): never {
  const node = where?.past ?? where?.at;
  const span = node === undefined ? undefined : reading?.spans.get(node);
  let offset = Number.POSITIVE_INFINITY;
  if (node !== undefined && span !== undefined) {
    const opened = node.kind === 'string' || node.kind === 'array' || node.kind === 'object';
    offset = where?.past !== undefined || !opened ? span.end : span.at + 1;
  }
  // A list or object the text ends inside has no end: a fault met there comes after the parser's.
  const text = reading?.text;
  const location =
    text !== undefined && where?.silent !== true && Number.isFinite(offset)
      ? `\n at ${jacksonLocation(text, offset)}`
      : undefined;
  const error = new InvalidEventPatternError(
    reason,
    location === undefined ? {} : { location: where?.twice ? location + location : location },
  );
  metAt.set(error, offset);
  throw error;
}

/** The text Jackson reports for a token in "Invalid member"/"Bad value" messages. */
function tokenText(node: JsonNode | undefined): string {
  if (node === undefined) return ']';
  switch (node.kind) {
    case 'object':
      return '{';
    case 'array':
      return '[';
    case 'string':
      return node.value;
    case 'number':
      return node.text;
    default:
      return node.kind;
  }
}

function comparable(text: string, where: Where): number {
  const key = comparableKey(Number(text));
  return key === undefined ? refuse(NUMBER_RANGE_MESSAGE, where) : key;
}

function wildcardOf(text: string, where: Where): Wildcard {
  try {
    return parseWildcard(text);
  } catch (e) {
    if (e instanceof WildcardSyntaxError) refuse(e.message, where);
    throw e;
  }
}

/**
 * Only one member is allowed in a match expression; `message` is what AWS says when there are more, standing on
 * the second key.
 */
function expectSingle(entries: ReadonlyArray<readonly [string, JsonNode]>, message: string): void {
  const second = entries[1];
  if (second !== undefined) refuse(message, { at: second[1] });
}

const ONE_KEY = 'Only one key allowed in match expression';
const TOO_MANY = 'Too many elements in numeric expression';

function numericMatcher(list: JsonNode & { kind: 'array' }): ValueMatcher {
  const items = list.items;
  /** Standing on the n-th item, or on the list's `]` when there is none. */
  const on = (n: number): Where => {
    const item = items[n];
    return item === undefined ? { past: list } : { at: item };
  };
  // Ranges are checked once the list is read.
  const end: Where = { past: list };
  const first = items[0];
  if (first?.kind !== 'string') refuse(`Invalid member in numeric match: ${tokenText(first)}`, on(0));
  const op = first.value;
  const operand = items[1];
  const numericOperand = (label: string): string =>
    operand?.kind === 'number' ? operand.text : refuse(`Value of ${label} must be numeric`, on(1));
  switch (op) {
    case '=': {
      const text = numericOperand('equals');
      if (items.length > 2) refuse(TOO_MANY, on(2));
      return { kind: 'exact-number', text, key: comparable(text, end) };
    }
    case '>':
    case '>=': {
      const lowText = numericOperand(op);
      const next = items[2];
      if (next === undefined) {
        return {
          kind: 'numeric',
          low: comparable(lowText, end),
          lowOpen: op === '>',
          high: MAX_KEY,
          highOpen: false,
        };
      }
      if (next.kind !== 'string') refuse(`Bad value in numeric range: ${tokenText(next)}`, on(2));
      const op2 = next.value;
      if (op2 !== '<' && op2 !== '<=') refuse(`Bad numeric range operator: ${op2}`, { past: next });
      const top = items[3];
      if (top?.kind !== 'number') refuse(`Value of ${op2} must be numeric`, on(3));
      if (items.length > 4) refuse('Too many terms in numeric range expression', on(4));
      const low = comparable(lowText, end);
      const high = comparable(top.text, end);
      if (low >= high) refuse('Bottom must be less than top', end);
      return { kind: 'numeric', low, lowOpen: op === '>', high, highOpen: op2 === '<' };
    }
    case '<':
    case '<=': {
      const text = numericOperand(op);
      if (items.length > 2) refuse(TOO_MANY, on(2));
      return {
        kind: 'numeric',
        low: MIN_KEY,
        lowOpen: false,
        high: comparable(text, end),
        highOpen: op === '<',
      };
    }
    default:
      // Met once the operand is read.
      return refuse(`Unrecognized numeric range operator: ${op}`, on(1));
  }
}

type AnythingButSetKind = 'equals-ignore-case' | 'prefix' | 'suffix' | 'wildcard';

function anythingButSet(kind: AnythingButSetKind, operand: JsonNode): ValueMatcher {
  const typeMessage =
    kind === 'equals-ignore-case'
      ? 'Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.'
      : kind === 'wildcard'
        ? 'wildcard match pattern must be a string'
        : 'prefix/suffix match pattern must be a string';
  const list = operand.kind === 'array';
  const items = list ? operand.items : [operand];
  const values: string[] = [];
  for (const item of items) {
    // A list's items are read inside a step that reports their faults again.
    if (item.kind !== 'string') refuse(typeMessage, { at: item, twice: list });
    if ((kind === 'prefix' || kind === 'suffix') && item.value === '')
      refuse('Null prefix/suffix not allowed', { past: item, twice: list });
    values.push(item.value);
  }
  switch (kind) {
    case 'prefix':
      return { kind: 'anything-but-prefix', values };
    case 'suffix':
      return { kind: 'anything-but-suffix', values };
    case 'equals-ignore-case':
      return { kind: 'anything-but-ignore-case', values, alts: values.map(caseAlternatives) };
    case 'wildcard':
      // Checked once the value, or the whole list, is read.
      return {
        kind: 'anything-but-wildcard',
        values,
        wildcards: values.map((value) => wildcardOf(value, { past: operand })),
      };
  }
}

function anythingButMatcher(
  operand: JsonNode,
  entries: ReadonlyArray<readonly [string, JsonNode]>,
): ValueMatcher {
  const single = 'Value of anything-but must be an array or single string/number value.';
  if (operand.kind === 'object') {
    const inner = operand.entries[0];
    if (inner === undefined) refuse('Anything-But expression name not found', { past: operand });
    const [op, value] = inner;
    if (op !== 'equals-ignore-case' && op !== 'prefix' && op !== 'suffix' && op !== 'wildcard') {
      refuse(`Unsupported anything-but pattern: ${op}`, { at: value });
    }
    if (value.kind !== 'array' && value.kind !== 'string' && value.kind !== 'number')
      refuse(single, { at: value });
    const matcher = anythingButSet(op, value);
    expectSingle(operand.entries, TOO_MANY);
    expectSingle(entries, TOO_MANY);
    return matcher;
  }
  if (operand.kind !== 'array' && operand.kind !== 'string' && operand.kind !== 'number') {
    refuse(single, { at: operand });
  }
  const strings = new Set<string>();
  const numbers = new Set<number>();
  if (operand.kind === 'array') {
    for (const item of operand.items) {
      // Read inside a step that reports a parser fault again, and another fault once, where it stands.
      if (item.kind === 'string') strings.add(item.value);
      else if (item.kind === 'number') numbers.add(comparable(item.text, { at: item }));
      else
        refuse('Inside anything but list, start|null|boolean is not supported.', { at: item, twice: true });
    }
    if (strings.size > 0 === numbers.size > 0) {
      refuse(
        'Inside anything but list, either all values are number or string, mixed type is not supported',
        { past: operand },
      );
    }
  } else if (operand.kind === 'string') strings.add(operand.value);
  // A single number out of range is refused outside the parser: no location.
  else numbers.add(comparable(operand.text, { at: operand, silent: true }));
  expectSingle(entries, TOO_MANY);
  return { kind: 'anything-but', strings, numbers };
}

/** `prefix`/`suffix` accept a string or `{"equals-ignore-case": string}`. */
function affixMatcher(
  which: 'prefix' | 'suffix',
  value: JsonNode,
  entries: ReadonlyArray<readonly [string, JsonNode]>,
): ValueMatcher {
  if (value.kind === 'object') {
    const inner = value.entries[0];
    const label = which === 'prefix' ? 'Prefix' : 'Suffix';
    if (inner === undefined) refuse(`${label} expression name not found`, { past: value });
    if (inner[0] !== 'equals-ignore-case')
      refuse(`Unsupported ${which} pattern: ${inner[0]}`, { at: inner[1] });
    if (inner[1].kind !== 'string')
      refuse('equals-ignore-case match pattern must be a string', { at: inner[1] });
    const text = inner[1].value;
    expectSingle(value.entries, ONE_KEY);
    expectSingle(entries, ONE_KEY);
    return which === 'prefix'
      ? { kind: 'prefix-ignore-case', value: text, alts: caseAlternatives(text) }
      : { kind: 'suffix-ignore-case', value: text, alts: caseAlternatives(text) };
  }
  if (value.kind !== 'string') refuse(`${which} match pattern must be a string`, { at: value });
  expectSingle(entries, ONE_KEY);
  return { kind: which, value: value.value };
}

function matchExpression(node: JsonNode & { kind: 'object' }): {
  matcher?: ValueMatcher;
  absent?: true;
} {
  const entries = node.entries;
  const first = entries[0];
  if (first === undefined) refuse('Match expression name not found', { past: node });
  const [name, value] = first;
  switch (name) {
    case 'exactly':
      if (value.kind !== 'string') refuse('exact match pattern must be a string', { at: value });
      expectSingle(entries, ONE_KEY);
      return { matcher: { kind: 'exact-string', value: value.value } };
    case 'prefix':
    case 'suffix':
      return { matcher: affixMatcher(name, value, entries) };
    case 'numeric': {
      if (value.kind !== 'array') refuse('Value of numeric must be an array.', { at: value });
      const matcher = numericMatcher(value);
      expectSingle(entries, TOO_MANY);
      return { matcher };
    }
    case 'anything-but':
      return { matcher: anythingButMatcher(value, entries) };
    case 'exists': {
      if (value.kind !== 'true' && value.kind !== 'false')
        refuse('exists match pattern must be either true or false.', { at: value });
      expectSingle(entries, ONE_KEY);
      return value.kind === 'true' ? { matcher: { kind: 'exists' } } : { absent: true };
    }
    case 'cidr': {
      if (value.kind !== 'string') refuse('prefix match pattern must be a string', { at: value });
      let range: CidrRange;
      try {
        range = parseCidr(value.value);
      } catch (e) {
        // Refused outside the parser: no location.
        if (e instanceof CidrSyntaxError) refuse(e.message, { past: value, silent: true });
        throw e;
      }
      expectSingle(entries, ONE_KEY);
      return { matcher: { kind: 'cidr', range } };
    }
    case 'equals-ignore-case':
      if (value.kind !== 'string') refuse('equals-ignore-case match pattern must be a string', { at: value });
      expectSingle(entries, ONE_KEY);
      return {
        matcher: { kind: 'equals-ignore-case', value: value.value, alts: caseAlternatives(value.value) },
      };
    case 'wildcard': {
      if (value.kind !== 'string') refuse('wildcard match pattern must be a string', { at: value });
      const wildcard = wildcardOf(value.value, { past: value });
      expectSingle(entries, ONE_KEY);
      return { matcher: { kind: 'wildcard', value: value.value, wildcard } };
    }
    default:
      return refuse(`Unrecognized match type ${name}`, { at: value });
  }
}

function fieldCondition(path: string, list: JsonNode & { kind: 'array' }): FieldCondition {
  const items = list.items;
  const matchers: ValueMatcher[] = [];
  let absent = false;
  for (const item of items) {
    switch (item.kind) {
      case 'object': {
        const m = matchExpression(item);
        if (m.matcher !== undefined) matchers.push(m.matcher);
        if (m.absent) absent = true;
        break;
      }
      case 'string': {
        // AWS treats a literal that reads as an IP address as that address, so 10.0.0.1 also matches 010.0.0.1.
        const ip = looksLikeIp(item.value) ? parseIp(item.value) : undefined;
        matchers.push(
          ip === undefined
            ? { kind: 'exact-string', value: item.value }
            : { kind: 'exact-ip', hex: ipHex(ip) },
        );
        break;
      }
      case 'number':
        matchers.push({ kind: 'exact-number', text: item.text, key: comparableKey(Number(item.text)) });
        break;
      case 'true':
      case 'false':
      case 'null':
        matchers.push({ kind: 'exact-literal', literal: item.kind });
        break;
      case 'array':
        refuse('Match value must be String, number, true, false, or null', { at: item });
    }
  }
  if (items.length === 0) refuse('Empty arrays are not allowed', { past: list });
  // A copy of its own length, as each list kept with a rule: grown by push, it holds room for 17 (152 bytes).
  return { path, matchers: matchers.slice(), absent };
}

type MutableBranch = Map<string, FieldCondition>;

function parseObject(
  branches: MutableBranch[],
  path: readonly string[],
  node: JsonNode & { kind: 'object' },
  insideOr: boolean,
): void {
  const entries = node.entries;
  for (const [key, value] of entries) {
    if (key === '$or') {
      parseOr(branches, path, value);
      continue;
    }
    if (insideOr && RESERVED_IN_OR.has(key)) {
      refuse(`${key} is Ruler reserved fieldName which cannot be used inside $or.`, { at: value });
    }
    if (value.kind === 'object') parseObject(branches, [...path, key], value, insideOr);
    else if (value.kind === 'array') {
      const condition = fieldCondition([...path, key].join('.'), value);
      if (branches.length === 0) branches.push(new Map());
      // A repeated key replaces the earlier one, as in AWS (its parser keeps the last occurrence).
      for (const branch of branches) branch.set(condition.path, condition);
    } else refuse(`"${key}" must be an object or an array`, { at: value });
  }
  if (entries.length === 0) refuse('Empty objects are not allowed', { past: node });
}

function parseOr(branches: MutableBranch[], path: readonly string[], value: JsonNode): void {
  const before = branches.map((b) => new Map(b));
  branches.length = 0;
  if (value.kind !== 'array') refuse('It must be an Array followed with $or.', { at: value });
  for (const item of value.items) {
    if (item.kind !== 'object')
      refuse('Only JSON object is allowed in array of $or relationship.', { at: item });
    const forked = before.map((b) => new Map(b));
    if (forked.length === 0) forked.push(new Map());
    parseObject(forked, path, item, true);
    for (const branch of forked) branches.push(branch);
    if (branches.length > MAX_OR_BRANCHES) {
      refuse(`The $or conditions combine into more than ${MAX_OR_BRANCHES} alternatives`);
    }
  }
  if (value.items.length < 2)
    refuse('There must have at least 2 Objects in $or relationship.', { past: value });
}

function checkWildcardComplexity(branches: readonly Branch[]): void {
  // Wildcards by path, then by text: branches share one automaton per field, and a wildcard written twice (in
  // one list or in two branches) is one pattern there, as event-ruler's complexity check counts a set of them.
  const byPath = new Map<string, Map<string, Wildcard>>();
  for (const branch of branches) {
    for (const condition of branch.values()) {
      for (const m of condition.matchers) {
        if (m.kind !== 'wildcard') continue;
        const texts = byPath.get(condition.path) ?? new Map<string, Wildcard>();
        texts.set(m.value, m.wildcard);
        byPath.set(condition.path, texts);
      }
    }
  }
  for (const texts of byPath.values()) {
    const wildcards = [...texts.values()];
    if (
      wildcards.some((w) => w.segments.length > 1) &&
      wildcardComplexity(wildcards) > MAX_WILDCARD_COMPLEXITY
    ) {
      refuse(TOO_COMPLEX_MESSAGE);
    }
  }
}

/** The branches of a pattern read as a tree (see compileBranches), without the wildcard complexity check. */
function compileTree(root: JsonNode): MutableBranch[] {
  // Where a text that begins otherwise is refused, jacksonSyntaxFault says (see locatedRefusal).
  if (root.kind !== 'object') refuse('Filter is not an object');
  const branches: MutableBranch[] = [];
  parseObject(branches, [], root, false);
  return branches;
}

/**
 * The lists and objects the text ends inside, outermost first, each with the key it is the value of (undefined
 * for the root and list items).
 */
function openChain(
  root: JsonNode | undefined,
  spans: ReadonlyMap<JsonNode, Span>,
): Array<readonly [JsonNode, string | undefined]> {
  const chain: Array<readonly [JsonNode, string | undefined]> = [];
  let node = root;
  let key: string | undefined;
  while (node !== undefined && (node.kind === 'object' || node.kind === 'array')) {
    if (Number.isFinite(spans.get(node)?.end)) break;
    chain.push([node, key]);
    if (node.kind === 'object') {
      const last = node.entries.at(-1);
      key = last?.[0];
      node = last?.[1];
    } else {
      key = undefined;
      node = node.items.at(-1);
    }
  }
  return chain;
}

/** Anything-but reads its lists inside a step that reports a fault again, from where the parser then stands. */
function inAnythingButList(chain: ReadonlyArray<readonly [JsonNode, string | undefined]>): boolean {
  const [list, key] = chain.at(-1) ?? [];
  if (list?.kind !== 'array') return false;
  if (key === 'anything-but') return chain.at(-3)?.[0].kind === 'array';
  // `{"anything-but": {"prefix": [...]}}` as a value of a field's list.
  const outer = chain.at(-2)?.[1];
  return (
    outer === 'anything-but' &&
    chain.at(-4)?.[0].kind === 'array' &&
    (key === 'prefix' || key === 'suffix' || key === 'equals-ignore-case' || key === 'wildcard')
  );
}

/** Parses and validates pattern JSON into its branches. Throws InvalidEventPatternError. */
export function compileBranches(patternJson: string): Branch[] {
  // Most patterns are taken: they are read without noting where each node sits, which only a refusal needs (it is
  // read again then, see locatedRefusal).
  let root: JsonNode | undefined;
  try {
    root = parseJsonText(patternJson);
  } catch (e) {
    if (!(e instanceof JsonTextError)) throw e;
    throw locatedRefusal(patternJson, undefined);
  }
  let branches: MutableBranch[];
  try {
    branches = compileTree(root);
  } catch (e) {
    if (!(e instanceof InvalidEventPatternError)) throw e;
    throw locatedRefusal(patternJson, e);
  }
  // The machine refuses this once the rule is read, outside the parser: no location.
  checkWildcardComplexity(branches);
  return branches.slice();
}

/**
 * The refusal of a pattern found refused (`unlocated`, or undefined when it is not JSON), read again token by token
 * as AWS reads it, to say where, and which fault comes first.
 */
function locatedRefusal(patternJson: string, unlocated: InvalidEventPatternError | undefined): Error {
  const spans = new Map<JsonNode, Span>();
  const { root, fault } = readJsonPrefix(patternJson, spans);
  reading = { text: patternJson, spans };
  try {
    // The compiler asks for an object first: of a text that begins otherwise, the parser's answer says where.
    const object = root?.kind === 'object' ? root : undefined;
    if (fault === undefined && object !== undefined) {
      compileTree(object);
      return unlocated ?? new InvalidEventPatternError('Filter is not valid JSON');
    }
    // Not JSON. AWS's compiler reads the pattern token by token: a fault of its own met first is the one reported.
    const syntax = jacksonSyntaxFault(patternJson);
    if (object !== undefined) {
      try {
        compileTree(object);
      } catch (e) {
        // Met where the text stops being read (a list left open, past our reader's nesting limit) is not met.
        const met = e instanceof InvalidEventPatternError ? metAt.get(e) : undefined;
        const first = Number.isFinite(met) && (met as number) <= (syntax?.offset ?? Number.POSITIVE_INFINITY);
        if (met === undefined || first) return e as Error;
      }
    }
    // What AWS's parser would not read past (text after the root object, which it never reads) is refused in ours.
    if (syntax === undefined)
      return new InvalidEventPatternError(`Filter is not valid JSON: ${fault?.message ?? ''}`);
    if (syntax.unlocated) return new InvalidEventPatternError(syntax.message);
    let location = `\n at ${jacksonLocation(patternJson, syntax.offset, syntax.linesTo)}`;
    if (inAnythingButList(openChain(root, spans))) {
      // Reported again from where the parser then stands: past a character it refused (a line break it refused
      // is not counted as one), else where it said.
      const stands = syntax.stands ?? syntax.offset;
      location += `\n at ${jacksonLocation(patternJson, stands, syntax.linesTo ?? syntax.offset)}`;
    }
    return new InvalidEventPatternError(syntax.message, { location });
  } catch (e) {
    return e as Error;
  } finally {
    reading = undefined;
  }
}
