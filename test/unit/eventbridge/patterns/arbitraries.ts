// fast-check generators of events and patterns. Each run first draws a small vocabulary from awkward values
// (case variants, IPs, quotes, number spellings, big numbers), then builds patterns and events from it only, so
// random patterns meet values they are about often enough for the rare rules to be exercised.

import fc from 'fast-check';
import { type CompiledPattern, compilePattern } from '../../../../local/eventbridge/patterns/index.js';

const STRINGS = [
  '',
  'a',
  'A',
  'ab',
  'aB',
  'b',
  'x',
  'x"',
  '"b',
  'x*y',
  '10.0.0.1',
  '10.0.1.7',
  '::1',
  '2001:db8:1:2::1',
  '2001:db8:1:3::ff01',
  '::ffff:a00:1',
  'ß',
  'SS',
  'É',
  'é',
  // Case mappings that are not one unit to one unit, or not each other's inverse, and astral characters.
  'İ',
  'ı',
  'ς',
  'Σ',
  '\u212a',
  'ﬀ',
  '𝒜',
  // Chinese and emoji as records hold them (i18n review, 2026-12-07): prefixes of one another, a pair split by a
  // prefix or suffix, and a surrogate out of its pair (the two matchers must agree, whatever AWS does with it).
  '东城区',
  '东城',
  '𠮷田',
  '😀',
  'a😀',
  '\ud83d',
];
// Number spellings: same values written differently, and values beyond AWS's ±5e9 where spelling matters.
const NUMBERS = [
  '0',
  '1',
  '-1',
  '1.5',
  '300',
  '300.0',
  '3e2',
  '5000000000',
  '6000000000',
  '6e9',
  '1.0000001',
  '-7.25',
  // Edges: negative zero, the smallest double, the ends of AWS's range and its six decimals, a double whose
  // shortest text differs from how it is written.
  '-0',
  '5e-324',
  '4999999999.999999',
  '1.0000004',
  '1e21',
];
const WILDCARDS = [
  'a*',
  '*b',
  'a*c',
  '*',
  'x\\*y',
  '*a*',
  '',
  'ab',
  'x\\\\*',
  '*.0.*',
  'É*',
  '*"',
  '*\\**',
  'a*b*c',
  '东*区',
  '*😀',
];
// IPv6 ranges that share their top 52 bits (the index's key) and differ below, and addresses among them.
const CIDRS = [
  '10.0.0.0/24',
  '10.0.0.5/30',
  '::/120',
  '10.0.0.1/31',
  '2001:db8::/32',
  '2001:db8:1:2::/64',
  '2001:db8:1:3::ff00/120',
  // Odd prefix lengths, either side of the index's 52-bit IPv6 block, and the whole space.
  '0.0.0.0/1',
  '2001:db8::/51',
  '2001:db8:1:2::/65',
  '::/0',
];
const PATHS = ['source', 'detail.a', 'detail.n', 'detail.arr.x', 'detail.arr.y', 'detail.d.e', '.a'];

export interface Vocabulary {
  readonly strings: readonly string[];
  readonly numbers: readonly string[];
  readonly wildcards: readonly string[];
}

export const vocabulary: fc.Arbitrary<Vocabulary> = fc.record({
  strings: fc.subarray(STRINGS, { minLength: 2, maxLength: 5 }),
  numbers: fc.subarray(NUMBERS, { minLength: 2, maxLength: 4 }),
  wildcards: fc.subarray(WILDCARDS, { minLength: 1, maxLength: 3 }),
});

/** A JSON value whose numbers keep a chosen spelling. */
type Tree =
  | { readonly k: 'str'; readonly v: string }
  | { readonly k: 'num'; readonly text: string }
  | { readonly k: 'lit'; readonly v: 'true' | 'false' | 'null' }
  | { readonly k: 'arr'; readonly items: readonly Tree[] }
  | { readonly k: 'obj'; readonly entries: ReadonlyArray<readonly [string, Tree]> };

function treeText(t: Tree): string {
  switch (t.k) {
    case 'str':
      return JSON.stringify(t.v);
    case 'num':
      return t.text;
    case 'lit':
      return t.v;
    case 'arr':
      return `[${t.items.map(treeText).join(',')}]`;
    case 'obj':
      return `{${t.entries.map(([k, v]) => `${JSON.stringify(k)}:${treeText(v)}`).join(',')}}`;
  }
}

/** Random events as JSON text, numbers spelled as drawn. */
export function eventText(v: Vocabulary): fc.Arbitrary<string> {
  const str = fc.constantFrom(...v.strings).map((s): Tree => ({ k: 'str', v: s }));
  const num = fc.constantFrom(...v.numbers).map((text): Tree => ({ k: 'num', text }));
  const lit = fc.constantFrom('true', 'false', 'null').map((s): Tree => ({ k: 'lit', v: s }) as Tree);
  const leaf = fc.oneof(
    { weight: 4, arbitrary: str },
    { weight: 3, arbitrary: num },
    { weight: 1, arbitrary: lit },
  );
  const leafOrList = fc.oneof(
    { weight: 4, arbitrary: leaf },
    { weight: 1, arbitrary: fc.array(leaf, { maxLength: 3 }).map((items): Tree => ({ k: 'arr', items })) },
  );
  // Where a pattern may ask for an object: nothing in it, which `exists` and anything-but see as no value.
  const empty = fc.constantFrom<Tree>(
    { k: 'arr', items: [] },
    { k: 'obj', entries: [] },
    { k: 'lit', v: 'null' },
  );
  const obj = (parts: Record<string, fc.Arbitrary<Tree>>): fc.Arbitrary<Tree> =>
    fc.record(parts, { requiredKeys: [] }).map(
      (r): Tree => ({
        k: 'obj',
        entries: Object.entries(r).filter((e): e is [string, Tree] => e[1] !== undefined),
      }),
    );
  const element = obj({ x: leafOrList, y: leafOrList });
  // Elements are objects, sometimes leaves, sometimes arrays of objects (each inner array its own elements).
  const nested = fc
    .array(element, { minLength: 1, maxLength: 2 })
    .map((items): Tree => ({ k: 'arr', items }));
  const arrayOfObjects = fc.oneof(
    {
      weight: 8,
      arbitrary: fc
        .array(
          fc.oneof(
            { weight: 8, arbitrary: element },
            { weight: 2, arbitrary: leaf },
            { weight: 1, arbitrary: nested },
          ),
          { maxLength: 3 },
        )
        .map((items): Tree => ({ k: 'arr', items })),
    },
    { weight: 1, arbitrary: empty },
  );
  // "d.e" as one dotted key and as nested keys are the same path to AWS.
  const dotted = fc.oneof(
    leafOrList.map((x) => ['d.e', x] as const),
    leafOrList.map((x) => ['d', { k: 'obj', entries: [['e', x]] } as Tree] as const),
    empty.map((x) => ['d', x] as const),
  );
  return fc
    .tuple(
      obj({ source: str, 'detail-type': str }),
      obj({ a: leafOrList, n: leafOrList, arr: arrayOfObjects }),
      fc.option(dotted, { nil: undefined }),
      // Sometimes "a" again: a repeated key counts with its last value (JSON.parse's), on every path.
      fc.option(leafOrList, { nil: undefined, freq: 4 }),
      // Sometimes an empty key at the top, {"": {"a": ...}}: the path ".a", not "a".
      fc.option(leafOrList, { nil: undefined, freq: 4 }),
    )
    .map(([top, detail, d, again, underEmpty]) => {
      const detailEntries = detail.k === 'obj' ? [...detail.entries] : [];
      if (d !== undefined) detailEntries.push(d);
      if (again !== undefined) detailEntries.push(['a', again]);
      const entries = top.k === 'obj' ? [...top.entries] : [];
      entries.push(['detail', { k: 'obj', entries: detailEntries }]);
      if (underEmpty !== undefined) entries.push(['', { k: 'obj', entries: [['a', underEmpty]] }]);
      return treeText({ k: 'obj', entries });
    });
}

type J = string | number | boolean | null | J[] | { [key: string]: J };

function matcher(v: Vocabulary): fc.Arbitrary<J> {
  const strVal = fc.constantFrom(...v.strings);
  const nonEmpty = fc.constantFrom(...v.strings.map((s) => (s === '' ? 'a' : s)));
  const numVal = fc.constantFrom(...v.numbers.map(Number));
  const wildcardVal = fc.constantFrom(...v.wildcards);
  return fc.oneof(
    { weight: 3, arbitrary: fc.oneof(strVal, numVal, fc.constantFrom(true, false, null)) },
    {
      weight: 3,
      arbitrary: fc.oneof(
        strVal.map((s) => ({ prefix: s })),
        strVal.map((s) => ({ suffix: s })),
        strVal.map((s) => ({ 'equals-ignore-case': s })),
        strVal.map((s) => ({ prefix: { 'equals-ignore-case': s } })),
        strVal.map((s) => ({ suffix: { 'equals-ignore-case': s } })),
        wildcardVal.map((w) => ({ wildcard: w })),
      ),
    },
    {
      weight: 2,
      arbitrary: fc
        .oneof(
          strVal,
          numVal,
          fc.array(strVal, { minLength: 1, maxLength: 2 }),
          fc.array(numVal, { minLength: 1, maxLength: 2 }),
          nonEmpty.map((s) => ({ prefix: s })),
          nonEmpty.map((s) => ({ suffix: s })),
          fc.array(nonEmpty, { minLength: 1, maxLength: 2 }).map((s) => ({ prefix: s })),
          fc.array(nonEmpty, { minLength: 1, maxLength: 2 }).map((s) => ({ suffix: s })),
          strVal.map((s) => ({ 'equals-ignore-case': [s] })),
          wildcardVal.map((w) => ({ wildcard: w })),
          fc.array(wildcardVal, { minLength: 1, maxLength: 2 }).map((w) => ({ wildcard: w })),
        )
        .map((x) => ({ 'anything-but': x })),
    },
    {
      weight: 2,
      arbitrary: fc.oneof(
        fc.tuple(fc.constantFrom('<', '<=', '>', '>=', '='), numVal).map(([op, n]) => ({ numeric: [op, n] })),
        // A vocabulary may hold one value only (300 and 3e2), so widen an empty range instead of filtering.
        fc
          .tuple(fc.constantFrom('>', '>='), fc.constantFrom('<', '<='), numVal, numVal)
          .map(([lo, hi, a, b]) => ({ numeric: [lo, Math.min(a, b), hi, a === b ? a + 1 : Math.max(a, b)] })),
      ),
    },
    { weight: 2, arbitrary: fc.boolean().map((b) => ({ exists: b })) },
    { weight: 1, arbitrary: fc.constantFrom(...CIDRS).map((c) => ({ cidr: c })) },
  );
}

function put(target: { [key: string]: J }, path: string, value: J, dottedLeaf: boolean): void {
  const steps = path.split('.');
  // Sometimes spell the last two steps as one dotted key, which AWS treats as the same path.
  if (dottedLeaf && steps.length > 2) steps.splice(steps.length - 2, 2, steps.slice(-2).join('.'));
  let node = target;
  for (const step of steps.slice(0, -1)) {
    const next = node[step];
    if (next === undefined || typeof next !== 'object' || next === null || Array.isArray(next))
      node[step] = {};
    node = node[step] as { [key: string]: J };
  }
  node[steps[steps.length - 1] as string] = value;
}

type Field = readonly [string, J[], boolean];

function conjunction(fields: readonly Field[]): { [key: string]: J } {
  const out: { [key: string]: J } = {};
  for (const [path, matchers, dottedLeaf] of fields) put(out, path, matchers, dottedLeaf);
  return out;
}

/** Pattern JSON: a conjunction, sometimes with a `$or` (possibly nested) beside it. */
export function patternText(v: Vocabulary): fc.Arbitrary<string> {
  const fieldAt = (path: fc.Arbitrary<string>): fc.Arbitrary<Field> =>
    fc.tuple(path, fc.array(matcher(v), { minLength: 1, maxLength: 2 }), fc.boolean());
  const field = fieldAt(fc.constantFrom(...PATHS));
  const fields = fc.oneof(
    { weight: 3, arbitrary: fc.array(field, { minLength: 1, maxLength: 1 }) },
    { weight: 2, arbitrary: fc.array(field, { minLength: 2, maxLength: 3 }) },
    // Two conditions on the same array of objects, where AWS requires one element to satisfy both.
    {
      weight: 2,
      arbitrary: fc.tuple(fieldAt(fc.constant('detail.arr.x')), fieldAt(fc.constant('detail.arr.y'))),
    },
  );
  const sometimes = <T>(arb: fc.Arbitrary<T>, weight: number): fc.Arbitrary<T | undefined> =>
    fc.oneof({ weight, arbitrary: arb }, { weight: 10 - weight, arbitrary: fc.constant(undefined) });
  // Fields below "detail" and below "detail.arr", by their path from there, for a `$or` inside those objects.
  const below = (prefix: string) => {
    const paths = PATHS.filter((p) => p.startsWith(prefix)).map((p) => p.slice(prefix.length));
    return fc.array(fieldAt(fc.constantFrom(...paths)), { minLength: 1, maxLength: 2 });
  };
  return fc
    .tuple(
      fields,
      sometimes(fc.array(fields, { minLength: 2, maxLength: 3 }), 3),
      sometimes(fc.array(fields, { minLength: 2, maxLength: 2 }), 3),
      sometimes(fc.array(below('detail.'), { minLength: 2, maxLength: 2 }), 2),
      sometimes(fc.array(below('detail.arr.'), { minLength: 2, maxLength: 2 }), 5),
    )
    .map(([base, or, nestedOr, detailOr, arrOr]) => {
      const pattern = conjunction(base);
      if (or !== undefined) {
        const branches = or.map(conjunction);
        if (nestedOr !== undefined) (branches[0] as { [key: string]: J }).$or = nestedOr.map(conjunction);
        pattern.$or = branches;
      }
      if (detailOr !== undefined) {
        // {"detail": {..., "$or": [{"a": ...}, {"arr": {..., "$or": [{"x": ...}, {"y": ...}]}}]}}
        const branches = detailOr.map(conjunction);
        if (arrOr !== undefined) {
          const last = branches[branches.length - 1] as { [key: string]: J };
          const arr = last.arr;
          const inner =
            arr !== undefined && typeof arr === 'object' && arr !== null && !Array.isArray(arr) ? arr : {};
          inner.$or = arrOr.map((f) => conjunction(f.map(([path, m]) => [path, m, false] as const)));
          last.arr = inner;
        }
        const detail = pattern.detail;
        if (detail !== undefined && typeof detail === 'object' && detail !== null && !Array.isArray(detail))
          detail.$or = branches;
        else pattern.detail = { $or: branches };
      }
      return JSON.stringify(pattern);
    });
}

/** Patterns that compile (a few random ones are refused, e.g. a too-complex wildcard set). */
export function compiledPattern(v: Vocabulary): fc.Arbitrary<CompiledPattern> {
  return patternText(v)
    .map((text) => {
      try {
        return compilePattern(text);
      } catch {
        return undefined;
      }
    })
    .filter((p): p is CompiledPattern => p !== undefined);
}
