// The fast matcher (bus-wide index and single-pattern matching) must agree with the plain reference interpreter.

import fc from 'fast-check';
import {
  matchesPattern,
  matchesPatternJson,
  RuleMatcher,
} from '../../../local/eventbridge/patterns/index.js';
import { referenceMatches, referenceMatchesJson } from '../../../local/eventbridge/patterns/reference.js';
import { compiledPattern, eventText, vocabulary } from './patterns/arbitraries.js';

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
});
