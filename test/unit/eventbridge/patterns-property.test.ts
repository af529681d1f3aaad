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
