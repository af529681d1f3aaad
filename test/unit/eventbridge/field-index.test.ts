// FieldIndex remembers what it found for each string value; a change to the index must show at once.

import { compileBranches, type ValueMatcher } from '../../../local/eventbridge/patterns/compile.js';
import { FieldIndex } from '../../../local/eventbridge/patterns/field-index.js';
import { leafMatches } from '../../../local/eventbridge/patterns/leaf-match.js';

/** The matcher of one condition on `source`, given as the JSON of one pattern array element. */
function matcher(condition: string): ValueMatcher {
  const [branch] = compileBranches(`{"source":[${condition}]}`);
  return branch?.get('source')?.matchers[0] as ValueMatcher;
}

function probe(index: FieldIndex<string>, value: string | number): string[] {
  const hits = new Set<string>();
  index.probe(value, { hit: (item) => hits.add(item) });
  return [...hits].sort();
}

/**
 * Indexes one matcher per name (`condition` gives its pattern element), probes every value, removes the `gone`
 * ones and probes again; `expected` is what the matchers say on their own, before and after.
 */
function probeAroundRemoval(
  names: readonly string[],
  condition: (name: string) => string,
  values: readonly string[],
  gone: readonly string[],
) {
  const index = new FieldIndex<string>();
  const matchers = names.map((name) => [name, matcher(condition(name))] as const);
  for (const [name, m] of matchers) index.add(m, name);
  const answers = (live: typeof matchers) =>
    values.map((v) => [
      v,
      live
        .filter(([, m]) => leafMatches(m, v))
        .map(([name]) => name)
        .sort(),
    ]);
  const before = values.map((v) => [v, probe(index, v)]);
  for (const [name, m] of matchers) if (gone.includes(name)) index.remove(m, name);
  const after = values.map((v) => [v, probe(index, v)]);
  const left = matchers.filter(([name]) => !gone.includes(name));
  return { before, after, size: index.size, expected: { before: answers(matchers), after: answers(left) } };
}

// More than FieldIndex scans linearly, and of every kind a string probe walks.
const kinds: Record<string, string> = {
  exact: '"gov.tax"',
  prefix: '{"prefix":"gov."}',
  suffix: '{"suffix":".tax"}',
  folded: '{"equals-ignore-case":"GOV.TAX"}',
  foldedPrefix: '{"prefix":{"equals-ignore-case":"GOV.T"}}',
  wildcard: '{"wildcard":"gov.*x"}',
  exists: '{"exists":true}',
};

describe('FieldIndex', () => {
  it('finds matchers added after a value was probed, and not those removed since', () => {
    // Prepare
    const index = new FieldIndex<string>();
    const matchers = Object.fromEntries(Object.entries(kinds).map(([name, m]) => [name, matcher(m)]));
    for (const [name, m] of Object.entries(matchers)) index.add(m, name);
    const before = probe(index, 'gov.tax');
    const long = probe(index, `gov.${'x'.repeat(300)}.tax`);
    const late = matcher('{"prefix":"gov.ta"}');
    // Act
    index.add(late, 'late');
    const added = probe(index, 'gov.tax');
    index.remove(matchers.prefix as ValueMatcher, 'prefix');
    index.remove(matchers.folded as ValueMatcher, 'folded');
    const removed = probe(index, 'gov.tax');
    // Assess
    expect(before).toEqual(Object.keys(kinds).sort());
    expect(long).toEqual(['exists', 'prefix', 'suffix', 'wildcard']);
    expect(added).toEqual([...Object.keys(kinds), 'late'].sort());
    expect(removed).toEqual(['exact', 'exists', 'foldedPrefix', 'late', 'suffix', 'wildcard']);
    expect(probe(index, 12)).toEqual(['exists']);
  });

  it('counts its matchers through growth past a scan and removal of every one', () => {
    // Prepare
    const index = new FieldIndex<string>();
    const matchers = Object.entries(kinds).map(([name, m]) => [name, matcher(m)] as const);
    const sizes: number[] = [];
    for (const [name, m] of matchers) {
      index.add(m, name);
      sizes.push(index.size);
    }
    // Act
    for (const [name, m] of matchers) {
      index.remove(m, name);
      sizes.push(index.size);
    }
    // Assess
    expect(sizes).toEqual([1, 2, 3, 4, 5, 6, 7, 6, 5, 4, 3, 2, 1, 0]);
    expect(probe(index, 'gov.tax')).toEqual([]);
  });

  it('answers as each matcher does for more distinct values than it remembers, probed twice', () => {
    // Prepare
    const index = new FieldIndex<string>();
    const matchers = Object.entries({
      a: '{"prefix":"a"}',
      ab: '{"prefix":"ab"}',
      z: '{"suffix":"z"}',
      folded: '{"equals-ignore-case":"AB7Z"}',
      wildcard: '{"wildcard":"a*7*z"}',
      exact: '"ab12z"',
    }).map(([name, m]) => [name, matcher(m)] as const);
    for (const [name, m] of matchers) index.add(m, name);
    const letters = ['a', 'b', 'z', 'A', 'Z'];
    // All distinct (each holds its index), some matching each matcher.
    const values = [
      'AB7Z',
      'ab7z',
      'ab12z',
      ...Array.from(
        { length: 6_000 },
        (_, i) =>
          `${letters[i % 5]}${letters[(i >> 3) % 5]}${i % 7 === 0 ? '7' : ''}${i}${i % 3 === 0 ? 'z' : ''}`,
      ),
    ];
    const expected = values.map((v) =>
      matchers
        .filter(([, m]) => leafMatches(m, v))
        .map(([name]) => name)
        .sort(),
    );
    // Act
    const first = values.map((v) => probe(index, v));
    const second = values.map((v) => probe(index, v));
    // Assess
    expect(first).toEqual(expected);
    expect(second).toEqual(expected);
    expect(new Set(values).size).toBeGreaterThan(4_096);
    for (const name of ['a', 'ab', 'z', 'folded', 'wildcard', 'exact'])
      expect(expected.flat()).toContain(name);
  });

  it('finds the CIDR ranges holding an address as each matcher does, IPv4 and IPv6, through removals', () => {
    // Prepare: IPv6 ranges that share their top 52 bits and differ below, host bits left in (AWS keeps them),
    // IPv4 ranges nested in each other, and an IPv4-mapped address, which AWS reads as IPv4.
    const cidrs = [
      '10.0.0.0/8',
      '10.1.0.0/16',
      '10.1.2.0/24',
      '10.1.2.200/29',
      '10.1.2.7/31',
      '192.168.0.0/30',
      '0.0.0.0/0',
      '2001:db8::/32',
      '2001:db8:1:2::/64',
      '2001:db8:1:2:8000::/65',
      '2001:db8:1:2::ff00/120',
      '2001:db8:1:3::/64',
      '::/0',
    ];
    const addresses = [
      '10.1.2.7',
      '10.1.2.6',
      '10.1.2.203',
      '10.1.3.1',
      '10.200.0.1',
      '11.0.0.0',
      '192.168.0.3',
      '192.168.0.4',
      '::ffff:a01:207',
      '2001:db8:1:2::1',
      '2001:db8:1:2:8000::1',
      '2001:db8:1:2::ff7f',
      '2001:db8:1:3:ffff::',
      '2001:db8:1:4::',
      '2001:db9::',
      'fe80::1',
      '10.1.2',
      'not an address',
    ];
    // Act
    const { before, after, size, expected } = probeAroundRemoval(cidrs, (c) => `{"cidr":"${c}"}`, addresses, [
      '10.1.2.0/24',
      '2001:db8:1:2::/64',
      '::/0',
    ]);
    // Assess
    expect({ before, after }).toEqual(expected);
    // Same top 52 bits as every 2001:db8:1:... range, inside only some of them.
    expect(before.find(([a]) => a === '2001:db8:1:2::1')?.[1]).toEqual([
      '2001:db8:1:2::/64',
      '2001:db8::/32',
      '::/0',
    ]);
    expect(before.find(([a]) => a === '::ffff:a01:207')?.[1]).toEqual([
      '0.0.0.0/0',
      '10.0.0.0/8',
      '10.1.0.0/16',
      '10.1.2.0/24',
      '10.1.2.7/31',
    ]);
    expect(size).toBe(cidrs.length - 3);
  });

  it('finds wildcards that start and end with a star wherever their text sits in the value', () => {
    // Prepare: the longest segment of each is what the index looks for; the others must still be checked.
    const wildcards = ['*-7-*', '*a*b*', '*ab*', '*b*ab*', '*\\**', '*x*y*x*', '*', '*ééé*'];
    const values = [
      '',
      'a',
      'ab',
      'ba',
      'bab',
      'bxab',
      'x-7-',
      '-7-7-',
      'x-77-',
      'xyx',
      'xxyyxx',
      'yxy',
      '*',
      'é',
      'aééé',
    ];
    // Act
    const { before, after, expected } = probeAroundRemoval(
      wildcards,
      (w) => `{"wildcard":${JSON.stringify(w)}}`,
      values,
      ['*ab*', '*'],
    );
    // Assess
    expect({ before, after }).toEqual(expected);
    expect(before.find(([v]) => v === 'bxab')?.[1]).toEqual(['*', '*a*b*', '*ab*', '*b*ab*']);
    expect(after.find(([v]) => v === 'xxyyxx')?.[1]).toEqual(['*x*y*x*']);
  });

  it('reports a star-ended wildcard once however often its text occurs in a long value', () => {
    // Prepare: past the scan limit, and a value too long to be remembered.
    const index = new FieldIndex<string>();
    for (const w of ['*a*', '*ab*', '*b*a*', '*q*', '*r*', '*s*'])
      index.add(matcher(`{"wildcard":"${w}"}`), w);
    // Act
    const hits: string[] = [];
    index.probe('ab'.repeat(5_000), { hit: (item) => hits.push(item) });
    // Assess
    expect(hits.sort()).toEqual(['*a*', '*ab*', '*b*a*']);
  });
});
