// What validating one value against a schema can cost, worked out from the schema alone before it is registered.
//
// Ajv applies a schema to a value by applying its subschemas: those of `allOf`, `not`, `$ref` and the like to the same
// value, those of `properties`, `items` and the like to the value's members. References can multiply that work: 24
// definitions each referring twice to the next take 1.6 KB and apply 2^24 subschemas to one value; a definition
// referring twice to itself through a property applies 2^d subschemas to the value d levels down. Data failing such a
// schema froze a publish for minutes. So a schema is refused when some value of some data, nested no deeper than a
// request body may be, would have more than a limit of subschemas applied to it: one limit for a value the data
// holds once per value above it, a lower one for a value it may hold by the thousand (an array's items, the values
// of names no schema names), whose cost the data multiplies.
//
// The work is followed the way the data is walked: a set of subschemas (with how many times each applies) for one
// value, then, for each member the value may have, the set for that member, until no new set turns up or the depth a
// body allows is reached. Members are told apart as the keywords tell them apart (each property name a schema names,
// any other name, each tuple index, any other index), so that a tree whose `left` and `right` each refer to the
// tree costs one subschema per value, not two; where one of several subschemas applies (`then` or `else`, a dynamic
// reference's candidates) each way gives a set of its own, as Ajv applies one. References resolve as Ajv resolves
// them: JSON Pointers, `$id`s (each a base URI for what it holds), `$anchor`s and draft-07's `"$id": "#name"`; a
// `$dynamicRef` may apply any schema with the `$dynamicAnchor` it names, or, naming none (and `$recursiveRef`), any
// schema it sits in, since Ajv then applies what it is compiling. Where it cannot
// tell, it counts more rather than less: every pattern of `patternProperties` for a name no schema names (so two
// patterns that each refer back to the schema are refused, though no name may match both), and
// `unevaluatedProperties` / `unevaluatedItems` for every member. A reference looping back to the value it was applied
// to without reaching into the data is reported (SchemaCost.loop), behind a condition too: Ajv would follow it for ever.
//
// Not counted: work that grows with the data within one keyword, as Ajv's `allErrors` meets it (a `required` list
// of thousands against as many items, a long `enum`, many `patternProperties` against many names, `uniqueItems`).
// Those are bounded by validation's own time limit (SchemaValidator.validateEach), which this count cannot replace.

import { unescapePointerSegment } from './json-pointer.js';
import { isJsonObject } from './json-text.js';
import { linearPattern } from './linear-pattern.js';

type Schema = Record<string, unknown>;

/** The steps left, and whether a loop within one value was met (see SchemaCost.loop). */
interface Budget {
  steps: number;
  looped: boolean;
}

/** The most sets of subschemas followed: past it, the sets of one level are merged (counting more, never less). */
const MAX_SETS = 20_000;

/**
 * The most steps (a subschema's reference followed, a member's subschemas gathered) the count may take: a schema it
 * cannot count within them is refused as too intricate to check. Contract schemas take a few thousand.
 */
export const MAX_STEPS = 2_000_000;

/** What one `patternProperties` test of a name costs, in steps of the budget. */
const PATTERN_TEST_STEPS = 10;

/** The base URI of a schema without an absolute `$id`, so that relative `$id`s and references resolve. */
const DEFAULT_BASE = 'https://contract.sharebus.invalid/schema';

export interface SchemaCost {
  /**
   * The most subschemas applied to one value, or the first count past its limit (counted no further than the larger
   * limit + 1); Infinity past the step budget.
   */
  readonly applications: number;
  /** Where that value sits in the data: property names, indexes, and `*` for any other name or index. */
  readonly at: readonly string[];
  /** Whether that value may come many times over (an item of an array, a property under a pattern or none). */
  readonly repeated: boolean;
  /**
   * True when subschemas refer to each other in a loop applied to one value (`{"if": …, "then": {"$ref": "#"}}`):
   * Ajv would follow it for ever on data that meets its conditions, and `at` names the first value found.
   */
  readonly loop?: true;
}

/**
 * The most subschemas a schema may apply to one value: `once` for a value the data holds once per value above it
 * (a property the schema names, a tuple's index), `repeated` for one it may hold by the thousand (an array's items,
 * the values of properties it does not name), whose cost the data multiplies.
 */
export interface CostLimits {
  readonly once: number;
  readonly repeated: number;
}

/** How one schema object reaches the subschemas it applies, to the same value and to the value's members. */
interface Edges {
  /** Applied to the same value (`allOf`, `$ref`, `if`...), once per entry. */
  readonly same: readonly Schema[];
  /** Groups of subschemas of which one applies, never all: `then` or `else`, a dynamic reference's candidates. */
  readonly choices: ReadonlyArray<readonly Schema[]>;
  /**
   * For finding loops, what the schema certainly applies to the same value when its conditions hold: its `$ref`,
   * `not`, `if` (and `then` and `else` beside one), `allOf`, `anyOf`, `oneOf`, `dependentSchemas`, and draft-07's
   * `dependencies`. Not a dynamic reference's candidates, which the count takes more of than Ajv applies.
   */
  readonly definite: readonly Schema[];
  readonly properties: ReadonlyMap<string, Schema>;
  readonly patterns: ReadonlyArray<{ readonly matches: (name: string) => boolean; readonly schema: Schema }>;
  readonly additional: Schema | undefined;
  /** Applied to every member of an object: `unevaluatedProperties`, counted as if nothing evaluated them. */
  readonly anyProperty: readonly Schema[];
  readonly propertyNames: Schema | undefined;
  /** Applied to the item of that index (`prefixItems`, draft-07's `items` array). */
  readonly prefix: readonly Schema[];
  /** Applied to the items past `prefix` (`items`, `additionalItems`). */
  readonly rest: readonly Schema[];
  /** Applied to every item (`contains`, `unevaluatedItems`). */
  readonly anyItem: readonly Schema[];
}

const SAME_ONE = ['not', 'if', 'then', 'else'] as const;
const SAME_LIST = ['allOf', 'anyOf', 'oneOf'] as const;
const SAME_MAP = ['dependentSchemas', 'dependencies'] as const;
/** Keywords holding subschemas, as the index walks them ($defs too: they are referred to). */
const ONE = [...SAME_ONE, 'additionalProperties', 'unevaluatedProperties', 'propertyNames'] as const;
const ONE_MORE = ['items', 'additionalItems', 'contains', 'unevaluatedItems'] as const;
const LISTS = [...SAME_LIST, 'prefixItems', 'items'] as const;
const MAPS = [...SAME_MAP, 'properties', 'patternProperties', '$defs', 'definitions'] as const;

const isSchema: (value: unknown) => value is Schema = isJsonObject;

/** `uri` resolved against `base`, or undefined when it is not a URI reference that resolves. */
function resolveUri(uri: string, base: string): URL | undefined {
  try {
    return new URL(uri, base);
  } catch {
    return undefined;
  }
}

const withoutFragment = (url: URL): string => url.href.replace(/#.*$/s, '');

/** The schema objects of one schema document, and what their `$id`s and anchors name. */
class SchemaDocument {
  readonly #resources = new Map<string, Schema>();
  readonly #anchors = new Map<string, Schema>();
  readonly #bases = new Map<Schema, string>();
  /** The schema object each one sits in (the root has none). */
  readonly #parents = new Map<Schema, Schema>();
  /** The schema objects with each `$dynamicAnchor` name. */
  readonly #dynamicAnchors = new Map<string, Schema[]>();
  readonly #edges = new Map<Schema, Edges>();

  constructor(root: Schema) {
    const rootId = typeof root.$id === 'string' ? resolveUri(root.$id, DEFAULT_BASE) : undefined;
    const stack: Array<[Schema, string]> = [[root, rootId ? withoutFragment(rootId) : DEFAULT_BASE]];
    this.#resources.set(DEFAULT_BASE, root);
    while (stack.length > 0) {
      const [node, parentBase] = stack.pop() as [Schema, string];
      if (this.#bases.has(node)) continue;
      let base = parentBase;
      const id = node.$id;
      if (typeof id === 'string') {
        if (id.startsWith('#'))
          this.#anchors.set(`${base}${id}`, node); // draft-07's plain-name fragment
        else {
          const url = resolveUri(id, base);
          if (url !== undefined) {
            base = withoutFragment(url);
            this.#resources.set(base, node);
          }
        }
      }
      for (const key of ['$anchor', '$dynamicAnchor']) {
        const name = node[key];
        if (typeof name === 'string') this.#anchors.set(`${base}#${name}`, node);
      }
      if (typeof node.$dynamicAnchor === 'string') {
        const named = this.#dynamicAnchors.get(node.$dynamicAnchor) ?? [];
        this.#dynamicAnchors.set(node.$dynamicAnchor, [...named, node]);
      }
      this.#bases.set(node, base);
      const held: Schema[] = [];
      for (const key of [...ONE, ...ONE_MORE]) if (isSchema(node[key])) held.push(node[key]);
      for (const key of LISTS) held.push(...schemasIn(node[key]));
      for (const key of MAPS) if (isSchema(node[key])) held.push(...schemasIn(Object.values(node[key])));
      for (const child of held) {
        if (!this.#parents.has(child) && child !== root) this.#parents.set(child, node);
        stack.push([child, base]);
      }
    }
  }

  /** The schema object a reference made from within `from` names, if it names one here. */
  resolve(from: Schema, ref: string): Schema | undefined {
    const url = resolveUri(ref, this.#bases.get(from) ?? DEFAULT_BASE);
    if (url === undefined) return undefined;
    const document = withoutFragment(url);
    const fragment = url.hash.slice(1);
    if (fragment === '' || fragment.startsWith('/')) {
      let node: unknown = this.#resources.get(document);
      for (const raw of fragment === '' ? [] : fragment.slice(1).split('/')) {
        let segment: string;
        try {
          segment = unescapePointerSegment(decodeURIComponent(raw));
        } catch {
          return undefined; // Malformed: the compiler refuses it, naming the fault.
        }
        if (typeof node !== 'object' || node === null || !Object.hasOwn(node, segment)) return undefined;
        node = (node as Record<string, unknown>)[segment];
      }
      return isSchema(node) ? node : undefined;
    }
    let name: string;
    try {
      name = decodeURIComponent(fragment);
    } catch {
      return undefined;
    }
    return this.#anchors.get(`${document}#${name}`);
  }

  /**
   * A reference (`$ref`, or `$dynamicRef` naming no dynamic anchor) whose JSON Pointer, into this document, steps
   * through a name the value there does not hold but has all the same: a member every object, list or string has
   * (`constructor`, `__proto__`, `toString`, `length`), or a character of a string. Ajv's resolver reads each step
   * as `value[name]`, so `#/$defs/constructor` found the function Object, and applied nothing.
   */
  inheritedReference(): { readonly keyword: '$ref' | '$dynamicRef'; readonly ref: string } | undefined {
    for (const node of this.#bases.keys()) {
      for (const keyword of ['$ref', '$dynamicRef'] as const) {
        const ref = node[keyword];
        if (typeof ref !== 'string') continue;
        const url = resolveUri(ref, this.#bases.get(node) ?? DEFAULT_BASE);
        const fragment = url?.hash.slice(1) ?? '';
        let value: unknown = url === undefined ? undefined : this.#resources.get(withoutFragment(url));
        if (value === undefined || !fragment.startsWith('/')) continue;
        for (const raw of fragment.slice(1).split('/')) {
          let segment: string;
          try {
            segment = unescapePointerSegment(decodeURIComponent(raw));
          } catch {
            break; // Malformed: the compiler refuses it, naming the fault.
          }
          const held = Array.isArray(value)
            ? /^(0|[1-9]\d*)$/.test(segment) && Number(segment) < value.length
            : typeof value === 'object' && value !== null && Object.hasOwn(value, segment);
          if (!held) {
            // Nothing there at all: Ajv refuses the reference itself.
            if (
              value !== null &&
              value !== undefined &&
              (value as Record<string, unknown>)[segment] !== undefined
            )
              return { keyword, ref };
            break;
          }
          value = (value as Record<string, unknown>)[segment];
        }
      }
    }
    return undefined;
  }

  /** Whether `node` applies anything to a value's members. */
  reachesMembers(node: Schema): boolean {
    const edges = this.edges(node);
    return (
      edges.properties.size > 0 ||
      edges.patterns.length > 0 ||
      edges.additional !== undefined ||
      edges.anyProperty.length > 0 ||
      edges.propertyNames !== undefined ||
      edges.prefix.length > 0 ||
      edges.rest.length > 0 ||
      edges.anyItem.length > 0
    );
  }

  edges(node: Schema): Edges {
    let edges = this.#edges.get(node);
    if (edges === undefined) {
      edges = this.#readEdges(node);
      this.#edges.set(node, edges);
    }
    return edges;
  }

  #readEdges(node: Schema): Edges {
    const same: Schema[] = [];
    const definite: Schema[] = [];
    const ref = node.$ref;
    const target = typeof ref === 'string' ? this.resolve(node, ref) : undefined;
    if (target !== undefined) {
      same.push(target);
      definite.push(target);
    }
    const choices: Schema[][] = [];
    // A dynamic reference applies one schema: one with the `$dynamicAnchor` it names (the outermost in scope), or,
    // when it names none, what Ajv is compiling when it meets it (measured: the root, for one under a property),
    // which may be any schema object it sits in.
    for (const key of ['$dynamicRef', '$recursiveRef']) {
      const dynamic = node[key];
      if (typeof dynamic !== 'string') continue;
      const named = this.resolve(node, dynamic);
      const anchor = named?.$dynamicAnchor;
      const candidates = new Set<Schema>();
      if (named !== undefined) candidates.add(named);
      if (key === '$dynamicRef' && typeof anchor === 'string' && dynamic.endsWith(`#${anchor}`)) {
        for (const candidate of this.#dynamicAnchors.get(anchor) ?? []) candidates.add(candidate);
      }
      // With no such anchor in its dynamic scope (one sitting unused in $defs, say), Ajv applies what it compiles.
      for (let up = this.#parents.get(node); up !== undefined; up = this.#parents.get(up)) candidates.add(up);
      if (candidates.size === 1) same.push(...candidates);
      else if (candidates.size > 1) choices.push([...candidates]);
    }
    const conditional = isSchema(node.then) && isSchema(node.else);
    if (conditional) choices.push([node.then as Schema, node.else as Schema]);
    for (const key of SAME_ONE) {
      if (!isSchema(node[key])) continue;
      const branch = key === 'then' || key === 'else';
      if (!(conditional && branch)) same.push(node[key]);
      // Ajv applies `then` and `else` only beside an `if`
      if (!branch || isSchema(node.if)) definite.push(node[key]);
    }
    for (const key of SAME_LIST) {
      const listed = schemasIn(node[key]);
      same.push(...listed);
      definite.push(...listed);
    }
    for (const key of SAME_MAP) {
      if (!isSchema(node[key])) continue;
      const mapped = schemasIn(Object.values(node[key]));
      same.push(...mapped);
      definite.push(...mapped);
    }
    const properties = new Map<string, Schema>();
    if (isSchema(node.properties)) {
      for (const [name, value] of Object.entries(node.properties))
        if (isSchema(value)) properties.set(name, value);
    }
    const patterns: Array<{ matches: (name: string) => boolean; schema: Schema }> = [];
    if (isSchema(node.patternProperties)) {
      for (const [pattern, schema] of Object.entries(node.patternProperties)) {
        if (isSchema(schema)) patterns.push({ matches: matcherOf(pattern), schema });
      }
    }
    const items = node.items;
    const prefix = Array.isArray(node.prefixItems) ? node.prefixItems : Array.isArray(items) ? items : [];
    return {
      same,
      choices,
      definite,
      properties,
      patterns,
      additional: isSchema(node.additionalProperties) ? node.additionalProperties : undefined,
      anyProperty: schemasIn([node.unevaluatedProperties]),
      propertyNames: isSchema(node.propertyNames) ? node.propertyNames : undefined,
      // An entry that is no schema object (`true`) applies nothing, but keeps its index.
      prefix: prefix.map((entry: unknown) => (isSchema(entry) ? entry : EMPTY)),
      rest: schemasIn([Array.isArray(items) ? undefined : items, node.additionalItems]),
      anyItem: schemasIn([node.contains, node.unevaluatedItems]),
    };
  }
}

/** Stands for a boolean subschema in a tuple: applies nothing that costs. */
const EMPTY: Schema = Object.freeze({});

function schemasIn(values: unknown): Schema[] {
  return Array.isArray(values) ? values.filter(isSchema) : [];
}

/** Whether a property name matches a `patternProperties` pattern; one that cannot be run matches every name. */
function matcherOf(pattern: string): (name: string) => boolean {
  try {
    const tester = linearPattern(pattern);
    return (name) => tester.test(name);
  } catch {
    return () => true; // The compiler refuses it or runs it on JavaScript's engine: assume the worst.
  }
}

/** Subschemas applied to one value, each with how many times it is. */
type Applied = Map<Schema, number>;

/** A member a value may have, as keywords tell members apart. */
type Member =
  | { readonly kind: 'property'; readonly name: string }
  | { readonly kind: 'other-property'; readonly patterns: boolean }
  | { readonly kind: 'property-name' }
  | { readonly kind: 'item'; readonly index: number }
  | { readonly kind: 'other-item' };

/** A reference of `schema` that Ajv would follow through a name the schema does not hold (see inheritedReference). */
export function inheritedReference(
  schema: unknown,
): { readonly keyword: '$ref' | '$dynamicRef'; readonly ref: string } | undefined {
  return isSchema(schema) ? new SchemaDocument(schema).inheritedReference() : undefined;
}

/**
 * The most subschemas `schema` applies to one value of any data nested up to `maxDepth` levels, stopping at the
 * first count past its limit (`limits`). Never recurses, so a chain of 100,000 definitions is no stack overflow.
 */
export function worstApplications(
  schema: unknown,
  limits: CostLimits,
  maxDepth: number,
  maxSteps = MAX_STEPS,
): SchemaCost {
  if (!isSchema(schema)) return { applications: 0, at: [], repeated: false };
  const cap = Math.max(limits.once, limits.repeated);
  const document = new SchemaDocument(schema);
  const budget: Budget = { steps: maxSteps, looped: false };
  const closure = (seeds: Applied) => close(document, seeds, cap, budget);
  const over = (cost: SchemaCost) => cost.applications > (cost.repeated ? limits.repeated : limits.once);
  let worst: SchemaCost = { applications: 0, at: [], repeated: false };
  const seen = new Set<string>();
  /** Counts one set of subschemas applied to a value; true when it is past its limit. */
  const visit = (applied: Applied, at: readonly string[], repeated: boolean, next: Level[]): boolean => {
    budget.steps -= applied.size; // its key, made and looked up
    if (budget.looped) {
      worst = { applications: total(applied, cap), at, repeated, loop: true };
      return true;
    }
    const cost: SchemaCost = { applications: total(applied, cap), at, repeated };
    const past = over(cost);
    if (past || cost.applications > worst.applications) worst = cost;
    if (past) return true;
    const key = `${keyOf(document, applied)}|${repeated}`;
    if (!seen.has(key)) {
      seen.add(key);
      next.push({ applied, at, repeated });
    }
    return false;
  };
  let level: Level[] = [];
  for (const applied of closure(new Map([[schema, 1]]))) if (visit(applied, [], false, level)) return worst;
  for (let depth = 1; depth <= maxDepth && level.length > 0; depth++) {
    const next: Level[] = [];
    for (const { applied, at, repeated } of level) {
      for (const member of membersOf(document, applied)) {
        budget.steps -= applied.size;
        if (budget.steps < 0) return { applications: Number.POSITIVE_INFINITY, at, repeated };
        // A member the keywords do not single out may come by the thousand: every item, every other name.
        const many =
          repeated ||
          member.kind === 'other-item' ||
          member.kind === 'other-property' ||
          member.kind === 'property-name';
        const childAt = [...at, segmentOf(member)];
        for (const child of closure(seedsFor(document, applied, member, cap, budget))) {
          if (child.size > 0 && visit(child, childAt, many, next)) return worst;
        }
      }
    }
    // Too many different sets to follow each: one set counting, for each subschema, the most of any.
    level = seen.size > MAX_SETS && next.length > 1 ? [merged(next)] : next;
  }
  return worst;
}

/** The sets of subschemas applied to the values of one level of the data. */
interface Level {
  readonly applied: Applied;
  readonly at: readonly string[];
  readonly repeated: boolean;
}

function merged(sets: readonly Level[]): Level {
  const applied: Applied = new Map();
  for (const set of sets) {
    for (const [node, count] of set.applied) applied.set(node, Math.max(count, applied.get(node) ?? 0));
  }
  return { applied, at: (sets[0] as Level).at, repeated: sets.some((set) => set.repeated) };
}

/** `count` more of what is counted so far, counted no further than `limit` + 1. */
const plus = (sofar: number, count: number, limit: number): number => Math.min(sofar + count, limit + 1);

const total = (applied: Applied, limit: number): number => {
  let sum = 0;
  for (const count of applied.values()) sum = plus(sum, count, limit);
  return sum;
};

/** A number for each schema object, so that a set of them can be named by a string. */
const ids = new WeakMap<Schema, number>();
let nextId = 0;

/** Names a set of applied subschemas with their counts (those `keep` keeps; all of them by default). */
function setKey(applied: Applied, keep: (node: Schema) => boolean = () => true): string {
  const parts: string[] = [];
  for (const [node, count] of applied) if (keep(node)) parts.push(`${idOf(node)}*${count}`);
  return parts.sort().join(',');
}

/**
 * Identifies what a set of applied subschemas leads to: those that reach into members, with their counts. Those that
 * only assert (`{ "type": "string" }`, `{ "$ref": ... }` once followed) cost where they apply and lead nowhere.
 */
function keyOf(document: SchemaDocument, applied: Applied): string {
  return setKey(applied, (node) => document.reachesMembers(node));
}

function segmentOf(member: Member): string {
  switch (member.kind) {
    case 'property':
      return member.name;
    case 'item':
      return String(member.index);
    case 'property-name':
      return '(a property name)';
    default:
      return '*';
  }
}

/** The members a value may have that the applied subschemas tell apart. */
function membersOf(document: SchemaDocument, applied: Applied): Member[] {
  const names = new Set<string>();
  let objectKeywords = false;
  let patterns = false;
  let propertyNames = false;
  let prefix = 0;
  let itemKeywords = false;
  for (const node of applied.keys()) {
    const edges = document.edges(node);
    for (const name of edges.properties.keys()) names.add(name);
    patterns ||= edges.patterns.length > 0;
    objectKeywords ||= edges.additional !== undefined || edges.anyProperty.length > 0;
    propertyNames ||= edges.propertyNames !== undefined;
    prefix = Math.max(prefix, edges.prefix.length);
    itemKeywords ||= edges.rest.length > 0 || edges.anyItem.length > 0;
  }
  const members: Member[] = [...names].map((name) => ({ kind: 'property', name }));
  if (patterns) members.push({ kind: 'other-property', patterns: true });
  if (objectKeywords || patterns) members.push({ kind: 'other-property', patterns: false });
  if (propertyNames) members.push({ kind: 'property-name' });
  for (let index = 0; index < prefix; index++) members.push({ kind: 'item', index });
  if (itemKeywords) members.push({ kind: 'other-item' });
  return members;
}

/** The subschemas the applied ones apply to `member` directly, before references are followed. */
function seedsFor(
  document: SchemaDocument,
  applied: Applied,
  member: Member,
  limit: number,
  budget: Budget,
): Applied {
  const seeds: Applied = new Map();
  const add = (node: Schema | undefined, count: number) => {
    if (node !== undefined && node !== EMPTY) seeds.set(node, plus(seeds.get(node) ?? 0, count, limit));
  };
  for (const [node, count] of applied) {
    const edges = document.edges(node);
    switch (member.kind) {
      case 'property': {
        add(edges.properties.get(member.name), count);
        let matched = false;
        // A pattern test (RE2) costs some ten steps of the count.
        budget.steps -= PATTERN_TEST_STEPS * edges.patterns.length;
        for (const pattern of edges.patterns) {
          if (pattern.matches(member.name)) {
            matched = true;
            add(pattern.schema, count);
          }
        }
        if (!matched && !edges.properties.has(member.name)) add(edges.additional, count);
        for (const schema of edges.anyProperty) add(schema, count);
        break;
      }
      case 'other-property':
        // A name no schema names, matching every pattern (as far as counting goes) or none.
        if (member.patterns && edges.patterns.length > 0)
          for (const pattern of edges.patterns) add(pattern.schema, count);
        else add(edges.additional, count);
        for (const schema of edges.anyProperty) add(schema, count);
        break;
      case 'property-name':
        add(edges.propertyNames, count);
        break;
      case 'item':
        if (member.index < edges.prefix.length) add(edges.prefix[member.index], count);
        else for (const schema of edges.rest) add(schema, count);
        for (const schema of edges.anyItem) add(schema, count);
        break;
      case 'other-item':
        for (const schema of [...edges.rest, ...edges.anyItem]) add(schema, count);
        break;
    }
  }
  return seeds;
}

/** Ways the choices of one value may go, each followed as a set of its own; past this many, every option at once. */
const MAX_WAYS = 64;

/**
 * `seeds` and every subschema they apply to the same value, with how many times each applies (at most `limit` + 1):
 * one set, or, where one of several subschemas applies (`then` or `else`, a dynamic reference's candidates), one set
 * per way the choices may go, since Ajv applies one of each, never all. A reference back to a subschema on the way
 * (a loop within one value) counts nothing more.
 */
function close(document: SchemaDocument, seeds: Applied, limit: number, budget: Budget): Applied[] {
  const met: Schema[] = [];
  const all = closeWith(document, seeds, limit, budget, undefined, met);
  const sizes = met.map((node) => document.edges(node).choices.map((group) => group.length));
  const ways = sizes.flat().reduce((product, size) => product * size, 1);
  if (met.length === 0 || ways > MAX_WAYS) return [all];
  const sets = new Map<string, Applied>();
  for (let way = 0; way < ways; way++) {
    // `way` in mixed radix: one digit per choice group, of its own size
    let rest = way;
    const picks = new Map(
      met.map((node, i) => [
        node,
        (sizes[i] as number[]).map((size) => {
          const pick = rest % size;
          rest = Math.floor(rest / size);
          return pick;
        }),
      ]),
    );
    const applied = closeWith(document, seeds, limit, budget, picks, []);
    sets.set(setKey(applied), applied);
  }
  return [...sets.values()];
}

/**
 * One set: with `picks`, the option each choice group of a subschema takes (every option when none is given), and
 * the subschemas with choices met added to `met`.
 */
function closeWith(
  document: SchemaDocument,
  seeds: Applied,
  limit: number,
  budget: Budget,
  picks: ReadonlyMap<Schema, readonly number[]> | undefined,
  met: Schema[],
): Applied {
  const targets = new Map<Schema, readonly Schema[]>();
  const targetsOf = (node: Schema): readonly Schema[] => {
    let list = targets.get(node);
    if (list === undefined) {
      const edges = document.edges(node);
      if (edges.choices.length === 0) list = edges.same;
      else {
        if (picks === undefined) met.push(node);
        const picked = picks?.get(node);
        list = [
          ...edges.same,
          ...edges.choices.flatMap((group, g) => {
            const pick = picked?.[g];
            return pick === undefined ? group : [group[pick] as Schema];
          }),
        ];
      }
      targets.set(node, list);
    }
    return list;
  };
  // Depth-first, without recursion: the order in which each subschema is finished, then counts pushed along it in
  // reverse, so that each one's count is complete before it passes it on.
  const finished: Schema[] = [];
  const state = new Map<Schema, 'open' | 'done'>();
  /** The edges (positions in its targets) that lead back to a subschema still open: a loop within one value. */
  const backEdges = new Map<Schema, Set<number>>();
  for (const seed of seeds.keys()) {
    if (state.has(seed)) continue;
    const stack: Array<{ node: Schema; next: number }> = [{ node: seed, next: 0 }];
    state.set(seed, 'open');
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as { node: Schema; next: number };
      const same = targetsOf(top.node);
      if (top.next < same.length) {
        budget.steps--;
        const position = top.next++;
        const target = same[position] as Schema;
        const seen = state.get(target);
        if (seen === undefined) {
          state.set(target, 'open');
          stack.push({ node: target, next: 0 });
        } else if (seen === 'open') {
          const back = backEdges.get(top.node) ?? new Set<number>();
          backEdges.set(top.node, back.add(position));
        }
        continue;
      }
      state.set(top.node, 'done');
      finished.push(top.node);
      stack.pop();
    }
  }
  if (backEdges.size > 0 && !budget.looped) budget.looped = definiteLoop(document, finished, budget);
  const counts: Applied = new Map(seeds);
  for (let i = finished.length - 1; i >= 0; i--) {
    const node = finished[i] as Schema;
    const count = counts.get(node) ?? 0;
    if (count === 0) continue;
    const same = targetsOf(node);
    const back = backEdges.get(node);
    for (let position = 0; position < same.length; position++) {
      if (back?.has(position)) continue;
      const target = same[position] as Schema;
      counts.set(target, plus(counts.get(target) ?? 0, count, limit));
    }
  }
  return counts;
}

/**
 * Whether `nodes` (the subschemas applied to one value) hold a loop of definite same-value applications
 * (Edges.definite): a back edge of the count may run through a dynamic reference's candidates alone.
 */
function definiteLoop(document: SchemaDocument, nodes: readonly Schema[], budget: Budget): boolean {
  const within = new Set(nodes);
  const state = new Map<Schema, 'open' | 'done'>();
  for (const start of nodes) {
    if (state.has(start)) continue;
    const stack: Array<{ node: Schema; targets: readonly Schema[]; next: number }> = [
      { node: start, targets: document.edges(start).definite, next: 0 },
    ];
    state.set(start, 'open');
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as { node: Schema; targets: readonly Schema[]; next: number };
      if (top.next < top.targets.length) {
        budget.steps--;
        const target = top.targets[top.next++] as Schema;
        if (!within.has(target)) continue;
        const seen = state.get(target);
        if (seen === 'open') return true;
        if (seen === undefined) {
          state.set(target, 'open');
          stack.push({ node: target, targets: document.edges(target).definite, next: 0 });
        }
        continue;
      }
      state.set(top.node, 'done');
      stack.pop();
    }
  }
  return false;
}

function idOf(node: Schema): number {
  let id = ids.get(node);
  if (id === undefined) {
    id = nextId++;
    ids.set(node, id);
  }
  return id;
}
