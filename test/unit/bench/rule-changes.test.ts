// bench/lib/rule-changes.ts times rule changes on three bus shapes; its figures mean something only if the shapes
// are what it says: every rule of "one node" on the same source and detail-type, every rule of "one source" on its
// own detail-type, every "numeric" rule on its own range and nothing else, and removing all of them leaving the bus
// empty.

import { measureRuleChanges, ruleChangePattern } from '../../../bench/lib/rule-changes.js';
import { compilePattern, RuleMatcher } from '../../../local/eventbridge/patterns/index.js';

describe('bench/lib/rule-changes', () => {
  it.each([
    ['one node', 1],
    ['one source', 50],
  ] as const)('gives %s rules the shape it names (%i detail-types for 50 rules)', (shape, detailTypes) => {
    // Act
    const patterns = Array.from({ length: 50 }, (_, n) => JSON.parse(ruleChangePattern(shape, n)));

    // Assess
    expect(new Set(patterns.map((p) => JSON.stringify(p.source))).size).toBe(1);
    expect(new Set(patterns.map((p) => JSON.stringify(p['detail-type']))).size).toBe(detailTypes);
    expect(new Set(patterns.map((p) => JSON.stringify(p.detail))).size).toBe(50);
  });

  it('builds rules that each match their own office only', () => {
    // Prepare
    const bus = new RuleMatcher<number>();
    for (let n = 0; n < 5; n++) bus.add(n, compilePattern(ruleChangePattern('one node', n)));

    // Act
    const matched = bus.match({
      source: 'gov.tax',
      'detail-type': 'FilingOpened',
      detail: { office: 'office-3' },
    });

    // Assess
    expect(matched).toEqual([3]);
  });

  it('builds numeric rules that test a range of the amount and nothing else', () => {
    // Prepare
    const bus = new RuleMatcher<number>();
    for (let n = 0; n < 20; n++) bus.add(n, compilePattern(ruleChangePattern('numeric', n)));

    // Act
    const matched = bus.match({ source: 'anything', detail: { amount: 10 } });

    // Assess
    expect(Object.keys(JSON.parse(ruleChangePattern('numeric', 3)))).toEqual(['detail']);
    expect(matched.sort((a, b) => a - b)).toEqual([3, 4, 5, 6, 7, 8, 9]);
  });

  it.each(['one source', 'numeric'] as const)(
    'reports the %s rules it added and removed, with times',
    (shape) => {
      // Act
      // 2,000 rules take milliseconds to add and remove, well above the 0.1 ms the times are rounded to.
      const result = measureRuleChanges(shape, 2_000);

      // Assess
      expect(result).toMatchObject({ shape, rules: 2_000 });
      expect(result.addMs).toBeGreaterThan(0);
      expect(result.removeMs).toBeGreaterThan(0);
      expect(result.microsecondsPerRemoval).toBeCloseTo((1000 * result.removeMs) / 2_000, 1);
    },
  );
});
