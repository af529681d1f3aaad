// The router benchmark checks each bus's answers against the reference interpreter before timing it: figures of a
// matcher answering wrongly would mean nothing (bench review, 2026-12-05: a matcher answering [] met every target).
import { type BenchEvent, createCorpus, DEFAULT_SEED } from '../../../bench/lib/corpus.js';
import { MatchDisagreement, verifyMatches } from '../../../bench/lib/verify.js';
import { compilePattern, RuleMatcher } from '../../../local/eventbridge/patterns/index.js';

describe('verifyMatches', () => {
  const corpus = createCorpus({ seed: DEFAULT_SEED, ruleCount: 1_000, eventCount: 300 });
  const rules = corpus.rules.map((rule) => ({ name: rule.name, compiled: compilePattern(rule.pattern) }));
  const matcher = new RuleMatcher<string>();
  for (const rule of rules) matcher.add(rule.name, rule.compiled);

  it("agrees with the router's matcher on the corpus, and counts the matches it checked", () => {
    // Act
    const checked = verifyMatches(rules, (event) => matcher.match(event), corpus.events);
    // Assess: the same count the matcher gives, and not none, or the check would prove nothing
    const matched = corpus.events.reduce((sum, event) => sum + matcher.match(event).length, 0);
    expect(checked).toBe(matched);
    expect(checked).toBeGreaterThan(10);
  });

  it('names the event and the rules of a matcher that misses a match or answers one too many', () => {
    // Prepare
    const index = corpus.events.findIndex((event) => matcher.match(event).length > 0);
    const [first] = matcher.match(corpus.events[index] as BenchEvent);
    const missing = (event: BenchEvent) => matcher.match(event).filter((name) => name !== first);
    const extra = (event: BenchEvent) => [...matcher.match(event), 'rule-nobody'];
    // Act / Assess
    expect(() => verifyMatches(rules, missing, corpus.events)).toThrow(
      new MatchDisagreement(
        `event ${index} of the corpus: the matcher misses ${first}, against the reference interpreter on 1000 rules`,
      ),
    );
    expect(() => verifyMatches(rules, extra, corpus.events)).toThrow(
      new MatchDisagreement(
        'event 0 of the corpus: the matcher answers rule-nobody too, against the reference interpreter on 1000 rules',
      ),
    );
  });
});
