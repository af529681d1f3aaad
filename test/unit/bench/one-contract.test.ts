// bench/lib/one-contract.ts measures many filtered subscriptions to one contract; its figure means that only if
// its rules share one source and detail-type, its events reach them, and about half of them match one rule.

import { measureOneContract, oneContractEvents } from '../../../bench/lib/one-contract.js';
import { ruleChangePattern } from '../../../bench/lib/rule-changes.js';
import { compilePattern, matchesPattern } from '../../../local/eventbridge/patterns/index.js';

describe('bench/lib/one-contract', () => {
  it('sends events of the rules’ contract, half of them to an office one rule filters on', () => {
    // Prepare
    const rules = Array.from({ length: 100 }, (_, n) => compilePattern(ruleChangePattern('one node', n)));
    // Act
    const events = oneContractEvents(100, 400);
    const matchedPerEvent = events.map((e) => rules.filter((r) => matchesPattern(r, e)).length);
    // Assess
    expect(Math.max(...matchedPerEvent)).toBe(1);
    expect(matchedPerEvent.filter((m) => m === 1).length).toBe(200);
  });

  it('reports events per second and the matches per event it measured', () => {
    // Act
    const result = measureOneContract(200, 1);
    // Assess
    expect(result.rules).toBe(200);
    expect(result.eventsPerSecond).toBeGreaterThan(0);
    expect(result.matchesPerEvent).toBe(0.5);
  });
});
