// What PutRule and DeleteRule cost the router on a large bus: adding many rules, then removing every one. Two shapes
// a sharebus bus takes, each change followed by nothing else: many subscriptions to one contract (one source and
// detail-type, so every rule ends on the same trie node), and one department publishing many contracts (one
// source, a detail-type per rule). A third shape has rules on a numeric range and nothing else, which the matcher
// indexes in an interval tree, with an event matched after every change, as on a bus in use. A change that cost
// O(rules already there) shows here as time growing with the square of the count: emptying one node of 10,000
// rules took 11 s before removals became constant time, and 2,000 numeric rules with events flowing 20 s before
// the tree kept changes beside it.

import { compilePattern, RuleMatcher } from '../../local/eventbridge/patterns/index.js';

export type RuleChangeShape = 'one node' | 'one source' | 'numeric';

export interface RuleChangeResult {
  readonly shape: RuleChangeShape;
  readonly rules: number;
  /** Adding the rules one by one, then matching one event (which builds the arena); for `numeric`, one after each. */
  readonly addMs: number;
  /** Removing them all, one by one; for `numeric`, matching one event after each. */
  readonly removeMs: number;
  readonly microsecondsPerRemoval: number;
}

/**
 * The pattern of rule `n` of a shape: one exact detail field each, so that every rule is distinct; for `numeric`, an
 * amount in (n, n + 7], so that any amount lies in at most seven of them.
 */
export function ruleChangePattern(shape: RuleChangeShape, n: number): string {
  if (shape === 'numeric')
    return JSON.stringify({ detail: { amount: [{ numeric: ['>', n, '<=', n + 7] }] } });
  return JSON.stringify({
    source: ['gov.tax'],
    'detail-type': [shape === 'one node' ? 'FilingOpened' : `Filing${n}`],
    detail: { office: [`office-${n}`] },
  });
}

export function measureRuleChanges(shape: RuleChangeShape, rules: number): RuleChangeResult {
  const patterns = Array.from({ length: rules }, (_, n) => compilePattern(ruleChangePattern(shape, n)));
  const matcher = new RuleMatcher<number>();
  const event = {
    source: 'gov.tax',
    'detail-type': 'FilingOpened',
    detail: { office: 'office-1', amount: 5 },
  };
  const flowing = shape === 'numeric';
  const started = performance.now();
  for (const [n, pattern] of patterns.entries()) {
    matcher.add(n, pattern);
    if (flowing) matcher.match(event);
  }
  matcher.match(event);
  const added = performance.now();
  for (let n = 0; n < rules; n++) {
    matcher.remove(n);
    if (flowing) matcher.match(event);
  }
  const removed = performance.now();
  if (matcher.size !== 0 || matcher.match(event).length !== 0)
    throw new Error('rules left after removing all');
  return {
    shape,
    rules,
    addMs: Number((added - started).toFixed(1)),
    removeMs: Number((removed - added).toFixed(1)),
    microsecondsPerRemoval: Number(((1000 * (removed - added)) / rules).toFixed(2)),
  };
}
