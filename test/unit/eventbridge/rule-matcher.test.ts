// The bus-wide matcher keeps its rules' checks in compact programs: one per node, and all of them end to end in
// an arena rebuilt after enough changes. These tests hold it to the reference interpreter through those states,
// and pin the inline tests (anything-but, ASCII equals-ignore-case) on the values where they could go wrong.

import {
  type CompiledPattern,
  compilePattern,
  RuleMatcher,
  sharingSearchBudget,
} from '../../../local/eventbridge/patterns/index.js';
import { referenceMatches } from '../../../local/eventbridge/patterns/reference.js';
import { costlyCondition, costlyDetail, slowCondition, slowDetail } from '../../costly-arrays.js';

const KINDS = [
  (n: number) => ({ status: [`s${n % 5}`] }),
  (n: number) => ({ amount: [{ numeric: ['>=', n, '<', n + 40] }] }),
  (n: number) => ({ status: [{ 'anything-but': [`s${n % 5}`, `s${(n + 1) % 5}`] }] }),
  (n: number) => ({ tier: [{ 'equals-ignore-case': n % 2 === 0 ? 'GOLD' : 'Silver-2' }] }),
  (n: number) => ({ region: [{ prefix: n % 2 === 0 ? 'eu-' : 'us-' }] }),
  (n: number) => ({ email: [{ suffix: n % 2 === 0 ? '@a.example' : '@b.example' }] }),
  (n: number) => ({ file: [{ wildcard: `f${n % 3}-*.pdf` }] }),
  () => ({ gone: [{ exists: false }], status: [{ exists: true }] }),
];

function pattern(n: number): string {
  const detail = { ...KINDS[n % KINDS.length]!(n), ...KINDS[(n * 7 + 3) % KINDS.length]!(n + 1) };
  // A few types carry many rules (crowded nodes), the rest one or two.
  return JSON.stringify({ source: ['gov.test'], 'detail-type': [`T${n % 4 === 0 ? 0 : n % 97}`], detail });
}

function events(): unknown[] {
  const out: unknown[] = [];
  for (let n = 0; n < 200; n++) {
    out.push({
      source: 'gov.test',
      'detail-type': n % 4 === 0 ? 'T0' : `T${(n * 5) % 97}`,
      detail: {
        status: n % 9 === 0 ? [`s${n % 5}`, 7] : `s${n % 6}`,
        amount: (n * 37) % 300,
        tier: ['gold', 'GOLD', 'Gold', 'silver-2', 'SILVER-2', 'gol', '\u212Aold'][n % 7],
        region: n % 3 === 0 ? 'eu-west-1' : 'us-east-2',
        email: `x${n}@${n % 2 === 0 ? 'a' : 'b'}.example`,
        file: `f${n % 4}-${n}.pdf`,
        ...(n % 5 === 0 ? { gone: 1 } : {}),
      },
    });
  }
  return out;
}

function expected<K>(rules: ReadonlyMap<K, CompiledPattern>, event: unknown): K[] {
  return [...rules].filter(([, p]) => referenceMatches(p, event)).map(([key]) => key);
}

/** A bus and the patterns put on it, to hold its answers to the reference's. */
function busWithRules() {
  const bus = new RuleMatcher<string>();
  const rules = new Map<string, CompiledPattern>();
  const put = (key: string, pattern: object) => {
    rules.set(key, compilePattern(JSON.stringify(pattern)));
    bus.add(key, rules.get(key) as CompiledPattern);
  };
  return { bus, rules, put };
}

describe('RuleMatcher programs and arena', () => {
  it('answers as the reference through arena rebuilds and changes made between them', () => {
    // Prepare
    const bus = new RuleMatcher<number>();
    const rules = new Map<number, CompiledPattern>();
    for (let n = 0; n < 160; n++) {
      rules.set(n, compilePattern(pattern(n)));
      bus.add(n, rules.get(n) as CompiledPattern);
    }
    const sample = events();
    const check = (stage: string) => {
      for (const event of sample) {
        expect({ stage, event, matched: bus.match(event) }).toEqual({
          stage,
          event,
          // In the order the rules were added, as the matcher answers: re-added keys come last.
          matched: expected(rules, event),
        });
      }
    };
    check('first match builds the arena');

    // Act and assess: a few changes leave most nodes in the arena and the changed ones on their own program,
    // removals leave holes in crowded nodes (T0 holds 40 rules); then many changes make the arena rebuild, holes
    // and all. Keys are reused, as a bus reuses rule names.
    const rounds = [
      { removes: [4, 8, 3, 17], adds: [200, 201] },
      { removes: [0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44], adds: [3, 17, 202, 203] },
      { removes: [201, 202, 203, 1, 2, 5, 6, 7, 9, 10, 11, 13, 14, 15, 18, 19], adds: [0, 4, 8, 12, 16] },
      { removes: [21, 22, 23], adds: Array.from({ length: 20 }, (_, i) => 210 + i) },
    ];
    for (const [r, { removes, adds }] of rounds.entries()) {
      for (const key of removes) {
        bus.remove(key);
        rules.delete(key);
      }
      for (const key of adds) {
        rules.set(key, compilePattern(pattern(key + 5)));
        bus.add(key, rules.get(key) as CompiledPattern);
      }
      check(`round ${r + 1}`);
      // The premises: after the first round, changed nodes ran their own programs beside the arena's; the last
      // round's changes were enough for the arena to be rebuilt at its first match.
      const changes = (bus as unknown as { changesSinceArena: number }).changesSinceArena;
      if (r === 0) expect(changes).toBeGreaterThan(0);
      if (r === rounds.length - 1) expect(changes).toBe(0);
    }
    expect(bus.size).toBe(rules.size);
  });

  it('removes rules from a crowded node in place, then compacts it once removed ones outnumber the rest', () => {
    // Prepare: 42 rules on one node (one source and detail-type, as subscriptions to one contract are), 40 of them
    // two to an office, and one elsewhere; the first match puts every node in the arena. The 40 test their office
    // with anything-but, which no index can look up, so they stay on the node however many there are.
    const { bus, rules, put } = busWithRules();
    // First, so that the crowded node's program does not start the arena.
    put('other', { source: ['gov.tax'], 'detail-type': ['Closed'] });
    // Its two conditions must hold on one element of `items` (AWS's same-element check, made on acceptance).
    put('pair', {
      source: ['gov.tax'],
      'detail-type': ['Filed'],
      detail: { items: { kind: ['a'], n: [1] } },
    });
    // Alone on its path and condition: removing it releases both, while its program stays as a tombstone.
    put('solo', { source: ['gov.tax'], 'detail-type': ['Filed'], detail: { desk: [{ wildcard: 'd*' }] } });
    for (let n = 0; n < 40; n++) {
      put(`r${n}`, {
        source: ['gov.tax'],
        'detail-type': ['Filed'],
        detail: { office: [{ 'anything-but': [`o${n % 20}`] }] },
      });
    }
    const offices = Array.from({ length: 20 }, (_, n) => ({
      source: 'gov.tax',
      'detail-type': 'Filed',
      detail: {
        office: `o${n}`,
        desk: `d${n}`,
        items:
          n % 2 === 0
            ? [{ kind: 'a', n: 1 }]
            : [
                { kind: 'a', n: 2 },
                { kind: 'b', n: 1 },
              ],
      },
    }));
    const check = (stage: string) => {
      for (const event of [...offices, { source: 'gov.tax', 'detail-type': 'Closed', detail: {} }]) {
        expect({ stage, event, matched: bus.match(event) }).toEqual({
          stage,
          event,
          matched: expected(rules, event),
        });
      }
    };
    const changes = () => (bus as unknown as { changesSinceArena: number }).changesSinceArena;
    check('all rules');
    expect(changes()).toBe(0);

    // Act and assess: removing up to half of the node's rules leaves it in the arena, each removal matched at once.
    bus.remove('solo');
    rules.delete('solo');
    check('removed solo');
    for (let n = 0; n < 20; n++) {
      bus.remove(`r${n}`);
      rules.delete(`r${n}`);
      check(`removed r0 to r${n}`);
    }
    expect(changes()).toBe(0);
    // One more removal and the removed outnumber the rest: the node is compacted and runs its own program.
    bus.remove('r20');
    rules.delete('r20');
    check('compacted');
    expect(changes()).toBe(1);
    // Removed keys come back, after the rules still there; the rest go, and the node with them.
    put('r3', {
      source: ['gov.tax'],
      'detail-type': ['Filed'],
      detail: { office: [{ 'anything-but': ['o3'] }] },
    });
    check('one back');
    for (let n = 21; n < 40; n++) {
      bus.remove(`r${n}`);
      rules.delete(`r${n}`);
    }
    check('one left');
    bus.remove('r3');
    rules.delete('r3');
    bus.remove('pair');
    rules.delete('pair');
    check('node gone');
    expect(bus.size).toBe(1);
  });

  it('keeps at most 32 terminals that could go further on a node, and every one that could not', () => {
    // Prepare: subscriptions to one contract (one source and detail-type): 20 without a filter, 100 each with its
    // own office, then 20 more without and 10 whose only filter is anything-but, which no index can look up.
    const { bus, rules, put: putPattern } = busWithRules();
    const put = (key: string, detail?: object) =>
      putPattern(key, {
        source: ['gov.tax'],
        'detail-type': ['Filed'],
        ...(detail === undefined ? {} : { detail }),
      });
    for (let n = 0; n < 20; n++) put(`all${n}`);
    for (let n = 0; n < 100; n++) put(`office${n}`, { office: [`o${n}`], desk: [{ prefix: 'd' }] });
    for (let n = 20; n < 40; n++) put(`all${n}`);
    for (let n = 0; n < 10; n++) put(`but${n}`, { office: [{ 'anything-but': [`o${n}`] }] });
    type Node = { live: number; groups: ReadonlyArray<{ path: string; children: Map<unknown, Node> }> };
    const only = (node: Node, path: string) => [
      ...(node.groups.find((g) => g.path === path)?.children.values() ?? []),
    ];
    const root = (bus as unknown as { root: Node }).root;
    const [sourceNode] = only(root, 'source');
    const [contract] = only(sourceNode as Node, 'detail-type');
    // Act
    const events = [0, 11, 12, 57, 99, 100].map((n) => ({
      source: 'gov.tax',
      'detail-type': 'Filed',
      detail: { office: `o${n}`, desk: n === 57 ? 'x1' : 'd1' },
    }));
    // Assess: the first 12 filtered rules filled the node to 32; the other 88 went on by their narrowest positive
    // condition, the office (an exact value), not the desk prefix they all share, which comes first by path.
    expect(contract?.live).toBe(20 + 12 + 20 + 10);
    expect(only(contract as Node, 'detail.desk')).toHaveLength(0);
    expect(only(contract as Node, 'detail.office')).toHaveLength(88);
    for (const event of events)
      expect({ event, matched: bus.match(event) }).toEqual({ event, matched: expected(rules, event) });
    expect(bus.match(events[4] as object)).toContain('office99');
  });

  it('answers as the reference when rules each test a field of their own, through removals', () => {
    // Prepare: 80 fields under one node of the trie (more edge groups than it scans) and 30 more under its root
    // (rules without a source), 64 of them under one path of the event walk (more keys than it reads one by one),
    // some reached through a dotted event key, and a number too large to compare, which makes the matcher read the
    // event's text again.
    const { bus, rules, put } = busWithRules();
    const conditions = [['x'], [{ exists: true }], [{ prefix: 'x' }], [{ numeric: ['>', 1] }]];
    for (let n = 0; n < 80; n++) {
      const field =
        n % 5 === 0 ? { g: { [`h${n}`]: conditions[n % 4] } } : { flat: { [`f${n}`]: conditions[n % 4] } };
      put(`own${n}`, { source: ['gov.tax'], detail: field });
    }
    for (let n = 0; n < 30; n++) put(`root${n}`, { detail: { other: { [`o${n}`]: conditions[n % 4] } } });
    put('big', { detail: { big: [10000000000] } });
    const events = Array.from({ length: 40 }, (_, e) => {
      const flat: Record<string, unknown> = {};
      const other: Record<string, unknown> = {};
      const detail: Record<string, unknown> = { g: {}, flat, other, big: e % 4 === 0 ? 1e10 : 5 };
      for (let n = e % 7; n < 80; n += 7) {
        const value = n % 3 === 0 ? 'xy' : n % 3 === 1 ? 2 : 'y';
        if (n < 30) other[`o${n}`] = value;
        if (n % 5 !== 0 && e % 3 !== 0) flat[`f${n}`] = value;
        else if (n % 5 !== 0) detail[`flat.f${n}`] = value;
        else if (e % 2 === 0) (detail.g as Record<string, unknown>)[`h${n}`] = value;
        else detail[`g.h${n}`] = value;
      }
      return { source: e % 5 === 0 ? 'gov.other' : 'gov.tax', 'detail-type': 'Filed', detail };
    });
    // Every node's groups know their place in its list, and its map by slot holds exactly them.
    type Group = { path: string; at: number; slot: unknown; children: Map<unknown, TrieNode> };
    type TrieNode = { groups: ReadonlyArray<Group>; bySlot?: Map<unknown, Group> };
    const misplaced = (node: TrieNode): string[] => [
      ...node.groups.flatMap((g, i) => (g.at === i && (node.bySlot?.get(g.slot) ?? g) === g ? [] : [g.path])),
      ...(node.bySlot !== undefined && node.bySlot.size !== node.groups.length ? ['bySlot'] : []),
      ...node.groups.flatMap((g) => [...g.children.values()].flatMap(misplaced)),
    ];
    const root = (bus as unknown as { root: TrieNode }).root;
    const check = (stage: string) => {
      expect({ stage, misplaced: misplaced(root) }).toEqual({ stage, misplaced: [] });
      for (const event of events) {
        const matched = { parsed: bus.match(event), text: bus.matchJson(JSON.stringify(event)) };
        const reference = expected(rules, event);
        expect({ stage, event, matched }).toEqual({
          stage,
          event,
          matched: { parsed: reference, text: reference },
        });
      }
    };
    // Act and assess
    check('all rules');
    expect(events.some((event) => bus.match(event).length > 3)).toBe(true);
    expect(events.some((event) => bus.match(event).includes('big'))).toBe(true);
    for (let n = 0; n < 80; n += 2) {
      bus.remove(`own${n}`);
      rules.delete(`own${n}`);
    }
    check('half removed');
    for (let n = 0; n < 80; n += 2)
      put(`own${n}`, { source: ['gov.tax'], detail: { flat: { [`f${n}`]: ['y'] } } });
    check('put back on other conditions');
    for (const key of [...rules.keys()]) {
      bus.remove(key);
      rules.delete(key);
    }
    check('all removed');
    for (let n = 0; n < 30; n += 3) put(`again${n}`, { detail: { other: { [`o${n}`]: ['xy', 'y'] } } });
    check('some back');
    expect(bus.size).toBe(10);
  });

  it('removes a rule whose $or branches share a node, when the node is compacted between the two', () => {
    // Prepare: terminals x, y, the rule's two branches, then b, all on one node; x and y removed leave two holes.
    const bus = new RuleMatcher<string>();
    const rules = new Map<string, CompiledPattern>();
    const on = (detail: object) => ({ source: ['gov.tax'], 'detail-type': ['Filed'], detail });
    const patterns: Record<string, object> = {
      x: on({ office: ['x'] }),
      y: on({ office: ['y'] }),
      either: {
        source: ['gov.tax'],
        'detail-type': ['Filed'],
        $or: [{ detail: { office: ['e1'] } }, { detail: { desk: ['e2'] } }],
      },
      b: on({ office: ['b'] }),
    };
    for (const [key, pattern] of Object.entries(patterns)) {
      rules.set(key, compilePattern(JSON.stringify(pattern)));
      bus.add(key, rules.get(key) as CompiledPattern);
    }
    const events = ['x', 'y', 'e1', 'b'].map((office) => ({
      source: 'gov.tax',
      'detail-type': 'Filed',
      detail: { office, desk: office === 'b' ? 'e2' : 'none' },
    }));
    bus.match(events[0]);
    for (const key of ['x', 'y']) {
      bus.remove(key);
      rules.delete(key);
    }
    const changes = () => (bus as unknown as { changesSinceArena: number }).changesSinceArena;
    expect(changes()).toBe(0);

    // Act: its first branch's removal makes three holes against two live terminals, so the node is compacted and
    // the second branch moves before it is removed in turn.
    bus.remove('either');
    rules.delete('either');

    // Assess
    expect(changes()).toBe(1);
    for (const event of events) {
      expect({ event, matched: bus.match(event) }).toEqual({ event, matched: expected(rules, event) });
    }
    expect(bus.match(events[3])).toEqual(['b']);
  });

  it('tests anything-but and ASCII equals-ignore-case inline as AWS does', () => {
    // Prepare: a list of more than 8 strings is tested from its set, once per event, not inline.
    const patterns = {
      'not-listed': '{"detail":{"status":[{"anything-but":["a","b"]}]}}',
      'not-in-long-list':
        '{"detail":{"status":[{"anything-but":["a","b","c1","c2","c3","c4","c5","c6","c7"]}]}}',
      gold: '{"detail":{"tier":[{"equals-ignore-case":"GoLd-1"}]}}',
      empty: '{"detail":{"tier":[{"equals-ignore-case":""}]}}',
    };
    const bus = new RuleMatcher<string>();
    for (const [key, pattern] of Object.entries(patterns)) bus.add(key, compilePattern(pattern));
    const cases: Array<[unknown, string[]]> = [
      [{ status: 'c' }, ['not-listed', 'not-in-long-list']],
      [{ status: 'c7' }, ['not-listed']],
      [{ status: 'a' }, []],
      [{ status: ['a', 'b'] }, []],
      [{ status: ['a', 'c4'] }, ['not-listed']],
      [{ status: ['a', 'x'] }, ['not-listed', 'not-in-long-list']],
      // A number is never one of the strings, so it satisfies anything-but.
      [{ status: 7 }, ['not-listed', 'not-in-long-list']],
      [{ status: null }, ['not-listed', 'not-in-long-list']],
      [{}, []],
      [{ tier: 'gold-1' }, ['gold']],
      [{ tier: 'GOLD-1' }, ['gold']],
      [{ tier: 'gold-2' }, []],
      [{ tier: 'gold-1 ' }, []],
      // Each pattern unit accepts exactly its own lower or upper case: not the Kelvin sign, which lower-cases to k.
      [{ tier: 'GOLD\u20141' }, []],
      [{ tier: '' }, ['empty']],
      [{ tier: 5 }, []],
    ];
    for (const [detail, keys] of cases) {
      const event = { detail };
      // Act
      const matched = bus.match(event);
      // Assess
      expect({ detail, matched }).toEqual({ detail, matched: keys });
      const reference = Object.entries(patterns)
        .filter(([, pattern]) => referenceMatches(compilePattern(pattern), event))
        .map(([key]) => key);
      expect({ detail, matched }).toEqual({ detail, matched: reference });
    }
  });

  it('decides conditions on 20 arrays of objects without trying each combination of their elements', () => {
    // Prepare: a condition on each of 20 arrays of 4 objects, and one on a 21st that no element meets. Trying every
    // choice of elements, as the matcher once did, is 4^20 tries (hours); an event of 830 bytes, a pattern of 362.
    const pattern: Record<string, unknown> = { zz: { v: [{ exists: false }] } };
    const detail: Record<string, unknown> = { zz: [{ v: 1 }] };
    const met: Record<string, unknown> = {};
    for (let i = 0; i < 20; i++) {
      const name = `a${String(i).padStart(2, '0')}`;
      pattern[name] = { v: [1] };
      detail[name] = [{ v: 1 }, { v: 1 }, { v: 1 }, { v: 1 }];
      met[name] = [{ v: 2 }, { v: 2 }, { v: 2 }, { v: 1 }];
    }
    const bus = new RuleMatcher<string>();
    bus.add('r', compilePattern(JSON.stringify({ detail: pattern })));
    // Act
    const refused = bus.match({ detail });
    const matched = bus.match({ detail: { ...met, zz: [{ w: 1 }] } });
    // Assess
    expect({ refused, matched }).toEqual({ refused: [], matched: ['r'] });
  });

  it('takes a branch past its search budget as not matching, and names its rule unless another branch matched', () => {
    // Prepare: a search that no budget of 200 steps decides (see costly-arrays.ts), and one that a few steps do.
    const detail = costlyDetail();
    const costly = compilePattern(JSON.stringify({ detail: costlyCondition() }));
    const bus = new RuleMatcher<string>({ searchSteps: 200 });
    bus.add('costly', costly);
    bus.add(
      'costly-or-plain',
      compilePattern(JSON.stringify({ $or: [{ detail: costlyCondition() }, { plain: [1] }] })),
    );
    bus.add('cheap', compilePattern('{"detail":{"a":{"b":{"c":{"d":{"e":{"x0":[1],"x1":[1]}}}}}}}'));
    // Act
    const first = { matched: bus.match({ detail }), unsettled: bus.unsettled };
    const withPlain = { matched: bus.match({ detail, plain: 1 }), unsettled: bus.unsettled };
    const small = { matched: bus.match({ detail: { a: [{ v: 1 }] } }), unsettled: bus.unsettled };
    // Assess
    expect({ first, withPlain, small }).toEqual({
      first: { matched: ['cheap'], unsettled: ['costly', 'costly-or-plain'] },
      withPlain: { matched: ['costly-or-plain', 'cheap'], unsettled: ['costly'] },
      small: { matched: [], unsettled: [] },
    });
  });

  it('shares one search budget among the events and matchers of one sharingSearchBudget, and only there', () => {
    // Prepare: a search no budget of 50,000 steps decides, and one that takes some 20,000 steps to find its match,
    // more than a search past the budget may take on its own (see costly-arrays.ts).
    const options = { quickSearchSteps: 0, searchSteps: 50_000 };
    const costlyBus = new RuleMatcher<string>(options);
    costlyBus.add('costly', compilePattern(JSON.stringify({ detail: costlyCondition() })));
    const bus = new RuleMatcher<string>(options);
    bus.add('both', compilePattern(JSON.stringify({ detail: slowCondition() })));
    const event = { detail: slowDetail() };
    const decide = (matcher: RuleMatcher<string>, detail: unknown) => ({
      matched: matcher.match({ detail }),
      unsettled: matcher.unsettled,
    });
    // Act
    const alone = decide(bus, event.detail);
    const shared = sharingSearchBudget(() => ({
      costly: decide(costlyBus, costlyDetail()),
      after: decide(bus, event.detail),
      nested: sharingSearchBudget(() => decide(bus, event.detail)),
    }));
    const afterwards = [decide(costlyBus, costlyDetail()), decide(bus, event.detail)];
    // Assess
    const stopped = { matched: [], unsettled: ['both'] };
    const found = { matched: ['both'], unsettled: [] };
    expect({ alone, shared, afterwards }).toEqual({
      alone: found,
      shared: { costly: { matched: [], unsettled: ['costly'] }, after: stopped, nested: stopped },
      afterwards: [{ matched: [], unsettled: ['costly'] }, found],
    });
  });

  it('decides two conditions on one array of 18,000 objects by element, not by every pair', () => {
    // Prepare: no element has both a = 1 and b = 1 (246 KB, under PutEvents' limit); each pair was tried once.
    const items = Array.from({ length: 18_000 }, (_, i) => ({ a: i % 2, b: (i + 1) % 2 }));
    const bus = new RuleMatcher<string>();
    bus.add('both', compilePattern('{"detail":{"items":{"a":[1],"b":[1]}}}'));
    bus.add('a-alone', compilePattern('{"detail":{"items":{"a":[1],"b":[{"exists":false}]}}}'));
    bus.add('a-then-b-0', compilePattern('{"detail":{"items":{"a":[1],"b":[0]}}}'));
    // Act
    const matched = bus.match({ detail: { items } });
    // Assess
    expect(matched).toEqual(['a-then-b-0']);
  });

  it('does not let a non-ASCII letter stand for an ASCII one in equals-ignore-case', () => {
    // Prepare: U+212A KELVIN SIGN lower-cases to "k", U+017F LONG S upper-cases to "S". With a source, the
    // equals-ignore-case condition is checked by the node's program rather than looked up in the trie.
    const bus = new RuleMatcher<string>();
    bus.add('kiss', compilePattern('{"source":["s"],"word":[{"equals-ignore-case":"KISS"}]}'));
    bus.add('task', compilePattern('{"source":["s"],"word":[{"equals-ignore-case":"TASK"}]}'));
    const words = ['\u212Aiss', 'ki\u017F\u017F', 'kIsS', 'XISS', 'KISX', 'KIS', '', 'tas\u212A', 'tAsK'];
    // Act
    const matched = words.map((word) => bus.match({ source: 's', word }));
    // Assess
    expect(matched).toEqual([[], [], ['kiss'], [], [], [], [], [], ['task']]);
    expect(
      referenceMatches(compilePattern('{"word":[{"equals-ignore-case":"KISS"}]}'), { word: '\u212Aiss' }),
    ).toBe(false);
  });

  it('matches exact and equals-ignore-case texts of 4,096 characters and more', () => {
    // Prepare: the API refuses patterns over 2,048 characters, the library does not.
    const long = 'x'.repeat(4096);
    const bus = new RuleMatcher<string>();
    bus.add('exact', compilePattern(JSON.stringify({ source: ['s'], a: [long] })));
    bus.add(
      'case',
      compilePattern(JSON.stringify({ source: ['s'], b: [{ 'equals-ignore-case': long.toUpperCase() }] })),
    );
    // Act
    const both = bus.match({ source: 's', a: long, b: long });
    const neither = bus.match({ source: 's', a: `${long}x`, b: long.slice(1) });
    // Assess
    expect({ both, neither }).toEqual({ both: ['exact', 'case'], neither: [] });
  });

  it('lets an empty string meet a prefix or suffix of one quote, as AWS compares quoted text', () => {
    // Prepare
    const patterns = {
      prefix: '{"source":["s"],"a":[{"prefix":"\\""}]}',
      suffix: '{"source":["s"],"a":[{"suffix":"\\""}]}',
    };
    const bus = new RuleMatcher<string>();
    for (const [key, pattern] of Object.entries(patterns)) bus.add(key, compilePattern(pattern));
    for (const a of ['', 'x', '"']) {
      const event = { source: 's', a };
      // Act
      const matched = bus.match(event);
      // Assess
      const reference = Object.entries(patterns)
        .filter(([, pattern]) => referenceMatches(compilePattern(pattern), event))
        .map(([key]) => key);
      expect({ a, matched }).toEqual({ a, matched: reference });
      if (a === '') expect(matched).toEqual(['prefix', 'suffix']);
    }
  });
});
