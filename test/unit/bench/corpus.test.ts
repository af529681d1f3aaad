// The router benchmark's corpus: the same seed gives the same rules and events, and the two measures it derives
// for the report (the rules concerning an event, rules moved to other sources) mean what the report says.

import { createCorpus, onOtherSource, rulesConcerningPerEvent } from '../../../bench/lib/corpus.js';
import { compilePattern, matchesPattern, RuleMatcher } from '../../../local/eventbridge/patterns/index.js';

describe('benchmark corpus', () => {
  it('is the same for the same seed, and its first rules do not depend on how many are drawn', () => {
    // Act
    const small = createCorpus({ seed: 7, ruleCount: 50, eventCount: 20 });
    const large = createCorpus({ seed: 7, ruleCount: 200, eventCount: 20 });
    const other = createCorpus({ seed: 8, ruleCount: 50, eventCount: 20 });

    // Assess
    expect(large.rules.slice(0, 50)).toEqual(small.rules);
    expect(large.events).toEqual(small.events);
    expect(other.rules).not.toEqual(small.rules);
  });

  it('counts per event the rules whose source and detail-type conditions the event meets', () => {
    // Prepare
    const { rules, events } = createCorpus({ seed: 11, ruleCount: 2_000, eventCount: 300 });
    // Brute force through the pattern matcher: a rule concerns an event when its pattern without `detail` matches.
    const selectors = rules.map((rule) => {
      const { detail: _detail, ...rest } = JSON.parse(rule.pattern) as Record<string, unknown>;
      return compilePattern(JSON.stringify(rest));
    });
    let expected = 0;
    for (const event of events) for (const s of selectors) if (matchesPattern(s, event)) expected++;

    // Act
    const concerning = rulesConcerningPerEvent(rules, events);

    // Assess
    expect(concerning).toBeCloseTo(expected / events.length, 10);
    expect(concerning).toBeGreaterThan(0.5);
  });

  it('moves a rule to a source no event carries and changes nothing else', () => {
    // Prepare
    const { rules, events } = createCorpus({ seed: 3, ruleCount: 500, eventCount: 500 });
    const home = new RuleMatcher<string>();
    const away = new RuleMatcher<string>();
    rules.forEach((rule, n) => {
      home.add(rule.name, compilePattern(rule.pattern));
      away.add(rule.name, compilePattern(onOtherSource(rule, n).pattern));
    });

    // Act
    const matched = events.map((e) => ({ home: home.match(e).length, away: away.match(e).length }));

    // Assess
    expect(matched.some((m) => m.home > 0)).toBe(true);
    expect(matched.every((m) => m.away === 0)).toBe(true);
    // every rule keeps its name and all but its source
    for (const [n, rule] of rules.entries()) {
      const moved = onOtherSource(rule, n);
      const original = JSON.parse(rule.pattern) as { source: string[] };
      expect({ name: moved.name, pattern: JSON.parse(moved.pattern) }).toEqual({
        name: rule.name,
        pattern: { ...original, source: original.source.map((s) => `${s}.elsewhere-${n % 200}`) },
      });
    }
  });
});
