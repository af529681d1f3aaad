// The fast matcher (bus-wide index and single-pattern matching) must agree with the plain reference interpreter.

import fc from 'fast-check';
import {
  type CompiledPattern,
  compilePattern,
  matchesPattern,
  matchesPatternJson,
  RuleMatcher,
} from '../../../local/eventbridge/patterns/index.js';
import { referenceMatches, referenceMatchesJson } from '../../../local/eventbridge/patterns/reference.js';
import { compiledPattern, eventText, patternText, vocabulary } from './patterns/arbitraries.js';

describe('fast matcher against the reference interpreter', () => {
  it('agrees on every pattern for generated events, from text and from parsed objects', () => {
    const cases = vocabulary.chain((v) =>
      fc.tuple(compiledPattern(v), fc.array(eventText(v), { minLength: 1, maxLength: 6 })),
    );
    fc.assert(
      fc.property(cases, ([pattern, events]) => {
        for (const text of events) {
          // Prepare
          const parsed: unknown = JSON.parse(text);

          // Act
          const fast = { text: matchesPatternJson(pattern, text), parsed: matchesPattern(pattern, parsed) };
          const reference = {
            text: referenceMatchesJson(pattern, text),
            parsed: referenceMatches(pattern, parsed),
          };

          // Assess
          expect({ pattern: pattern.source, event: text, ...fast }).toEqual({
            pattern: pattern.source,
            event: text,
            ...reference,
          });
        }
      }),
      { numRuns: 500 },
    );
  });

  it('returns exactly the rules the reference matches when many rules share one bus', () => {
    const cases = vocabulary.chain((v) =>
      fc.tuple(
        fc.array(compiledPattern(v), { minLength: 5, maxLength: 60 }),
        fc.array(eventText(v), { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 10 }),
      ),
    );
    fc.assert(
      fc.property(cases, ([patterns, events, removals]) => {
        // Prepare: the whole bus matches the events once first, so that removing rules must undo what the
        // matcher remembered from those matches.
        const bus = new RuleMatcher<number>();
        for (const [i, p] of patterns.entries()) bus.add(i, p);
        for (const text of events) {
          expect({ event: text, before: bus.matchJson(text) }).toEqual({
            event: text,
            before: patterns.flatMap((p, i) => (referenceMatchesJson(p, text) ? [i] : [])),
          });
        }
        const removed = new Set(removals.map((r) => r % patterns.length));
        for (const i of removed) bus.remove(i);
        const live = patterns.map((p, i) => [i, p] as const).filter(([i]) => !removed.has(i));

        for (const text of events) {
          // Act
          const fromText = bus.matchJson(text);
          const fromObject = bus.match(JSON.parse(text));

          // Assess
          const expected = {
            fromText: live.filter(([, p]) => referenceMatchesJson(p, text)).map(([i]) => i),
            fromObject: live.filter(([, p]) => referenceMatches(p, JSON.parse(text))).map(([i]) => i),
          };
          expect({ event: text, fromText, fromObject }).toEqual({ event: text, ...expected });
        }
        expect(bus.size).toBe(live.length);

        // The removed rules come back under new keys, added after the matcher has seen the events.
        const back = [...removed].sort((a, b) => a - b);
        for (const i of back) bus.add(patterns.length + i, patterns[i] as (typeof patterns)[number]);
        for (const text of events) {
          const matchedBack = back.filter((i) => referenceMatchesJson(patterns[i]!, text));
          expect({ event: text, after: bus.matchJson(text) }).toEqual({
            event: text,
            after: [
              ...live.filter(([, p]) => referenceMatchesJson(p, text)).map(([i]) => i),
              ...matchedBack.map((i) => patterns.length + i),
            ],
          });
        }
      }),
      // Shrinking a whole bus is slow; the single-pattern property above yields the small counterexample.
      { numRuns: 150, endOnFailure: true },
    );
  });

  it('returns exactly the rules the reference matches when every same-element search is the indexed one', () => {
    // The matcher decides conditions on arrays of objects by a plain search first, and past a budget by one that
    // looks values up by array element and remembers failed sub-searches; generated events are too small to reach
    // the budget, so this bus has none.
    const cases = vocabulary.chain((v) =>
      fc.tuple(
        fc.array(compiledPattern(v), { minLength: 5, maxLength: 40 }),
        fc.array(eventText(v), { minLength: 1, maxLength: 6 }),
      ),
    );
    fc.assert(
      fc.property(cases, ([patterns, events]) => {
        // Prepare
        const bus = new RuleMatcher<number>({ quickSearchSteps: 0 });
        for (const [i, p] of patterns.entries()) bus.add(i, p);
        for (const text of events) {
          // Act
          const matched = bus.matchJson(text);
          // Assess
          expect({ event: text, matched }).toEqual({
            event: text,
            matched: patterns.flatMap((p, i) => (referenceMatchesJson(p, text) ? [i] : [])),
          });
        }
      }),
      { numRuns: 150, endOnFailure: true },
    );
  });

  it('agrees with the reference on conditions across several arrays of objects, nested too', () => {
    // Arrays a0..a2 of objects {x, y, in: [{x}]}: conditions on their fields must each hold in one element of
    // each array they name, the indexed search's whole point. Dotted keys put values of the same paths outside them.
    const field = fc.constantFrom('a0.x', 'a0.y', 'a0.in.x', 'a1.x', 'a1.y', 'a1.in.x', 'a2.x', 'a2.in.x');
    const matcher = fc.oneof(
      fc.constantFrom(0, 1, 2).map((n) => [n]),
      fc.constantFrom('p', 'q').map((t) => [t]),
      fc.constant([{ exists: false }]),
      fc.constant([{ exists: true }]),
      fc.constantFrom('p', 'q').map((t) => [{ 'anything-but': t }]),
      fc.constant([{ numeric: ['>', 0] }]),
    );
    const pattern = fc.array(fc.tuple(field, matcher), { minLength: 2, maxLength: 5 }).map((conditions) => {
      const detail: Record<string, Record<string, unknown>> = {};
      for (const [path, m] of conditions) {
        const [array, ...rest] = path.split('.') as [string, ...string[]];
        const at = detail[array] ?? {};
        detail[array] = at;
        if (rest.length === 1) at[rest[0] as string] = m;
        else at.in = { x: m };
      }
      return compilePattern(JSON.stringify({ detail }));
    });
    const leaf = fc.oneof(fc.constantFrom(0, 1, 2), fc.constantFrom('p', 'q'));
    const element = fc.record(
      { x: leaf, y: leaf, in: fc.array(fc.record({ x: leaf }, { requiredKeys: [] }), { maxLength: 3 }) },
      { requiredKeys: [] },
    );
    const event = fc
      .record(
        {
          a0: fc.array(element, { maxLength: 4 }),
          a1: fc.array(element, { maxLength: 4 }),
          a2: fc.array(element, { maxLength: 3 }),
          // A dotted key is the same path as nested ones: its values sit outside the arrays the others are in.
          'a0.x': leaf,
          'a1.in': fc.record({ x: leaf }),
        },
        { requiredKeys: [] },
      )
      .map((detail) => JSON.stringify({ detail }));
    fc.assert(
      fc.property(
        fc.array(pattern, { minLength: 1, maxLength: 20 }),
        fc.array(event, { minLength: 1, maxLength: 5 }),
        (patterns, texts) => {
          // Prepare
          const indexed = new RuleMatcher<number>({ quickSearchSteps: 0 });
          const plain = new RuleMatcher<number>();
          for (const [i, p] of patterns.entries()) {
            indexed.add(i, p);
            plain.add(i, p);
          }
          for (const text of texts) {
            // Act
            const matched = { indexed: indexed.matchJson(text), plain: plain.matchJson(text) };
            // Assess
            const reference = patterns.flatMap((p, i) => (referenceMatchesJson(p, text) ? [i] : []));
            expect({ event: text, ...matched }).toEqual({
              event: text,
              indexed: reference,
              plain: reference,
            });
          }
        },
      ),
      { numRuns: 300, endOnFailure: true },
    );
  });

  it('returns exactly the rules the reference matches when more rules share a source and detail-type than a node keeps', () => {
    // Subscriptions to one contract, each with its own content filter: past a few dozen on one trie node, the
    // matcher files the next ones further down by their detail conditions.
    const pinned = (text: string): CompiledPattern | undefined => {
      try {
        return compilePattern(JSON.stringify({ ...JSON.parse(text), source: ['S'], 'detail-type': ['D'] }));
      } catch {
        return undefined;
      }
    };
    const cases = vocabulary.chain((v) =>
      fc.tuple(
        fc.array(patternText(v), { minLength: 40, maxLength: 90, size: 'max' }),
        fc.array(
          eventText(v).map((text) =>
            JSON.stringify({ ...JSON.parse(text), source: 'S', 'detail-type': 'D' }),
          ),
          { minLength: 1, maxLength: 6 },
        ),
        fc.array(fc.nat(), { maxLength: 40, size: 'max' }),
      ),
    );
    fc.assert(
      fc.property(cases, ([texts, events, removals]) => {
        // Prepare
        const patterns = texts.map(pinned).filter((p): p is CompiledPattern => p !== undefined);
        const bus = new RuleMatcher<number>();
        for (const [i, p] of patterns.entries()) bus.add(i, p);
        const removed = new Set(removals.map((r) => r % patterns.length));
        const reference = (keys: ReadonlyArray<readonly [number, CompiledPattern]>, text: string) =>
          keys.filter(([, p]) => referenceMatchesJson(p, text)).map(([i]) => i);
        // Act: match, remove some rules and match again, put them back under new keys and match again.
        const all = events.map((text) => bus.matchJson(text));
        for (const i of removed) bus.remove(i);
        const fewer = events.map((text) => bus.matchJson(text));
        const back = [...removed].sort((a, b) => a - b);
        for (const i of back) bus.add(patterns.length + i, patterns[i] as CompiledPattern);
        const again = events.map((text) => bus.matchJson(text));
        // Assess
        const keyed = patterns.map((p, i) => [i, p] as const);
        const live = keyed.filter(([i]) => !removed.has(i));
        const returned = back.map((i) => [patterns.length + i, patterns[i] as CompiledPattern] as const);
        expect({ events, all, fewer, again }).toEqual({
          events,
          all: events.map((text) => reference(keyed, text)),
          fewer: events.map((text) => reference(live, text)),
          again: events.map((text) => reference([...live, ...returned], text)),
        });
      }),
      { numRuns: 100, endOnFailure: true },
    );
  });
});
