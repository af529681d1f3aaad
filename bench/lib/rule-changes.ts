// What PutRule and DeleteRule cost the router on a large bus: adding many rules, then removing every one, each
// followed by nothing else. Two shapes a sharebus bus takes: many subscriptions to one contract (one source and
// detail-type, so every rule ends on the same trie node), and one department publishing many contracts (one
// source, a detail-type per rule). A change that cost O(rules already there) shows here as time growing with the
// square of the count: emptying one node of 10,000 rules took 11 s before removals became constant time.

import { compilePattern, RuleMatcher } from '../../local/eventbridge/patterns/index.js';

export type RuleChangeShape = 'one node' | 'one source';

export interface RuleChangeResult {
  readonly shape: RuleChangeShape;
  readonly rules: number;
  /** Adding the rules one by one, then matching one event (which builds the arena). */
  readonly addMs: number;
  /** Removing them all, one by one. */
  readonly removeMs: number;
  readonly microsecondsPerRemoval: number;
}

/** The pattern of rule `n` of a shape: one exact detail field each, so that every rule is distinct. */
export function ruleChangePattern(shape: RuleChangeShape, n: number): string {
  return JSON.stringify({
    source: ['gov.tax'],
    'detail-type': [shape === 'one node' ? 'FilingOpened' : `Filing${n}`],
    detail: { office: [`office-${n}`] },
  });
}

export function measureRuleChanges(shape: RuleChangeShape, rules: number): RuleChangeResult {
  const patterns = Array.from({ length: rules }, (_, n) => compilePattern(ruleChangePattern(shape, n)));
  const matcher = new RuleMatcher<number>();
  const event = { source: 'gov.tax', 'detail-type': 'FilingOpened', detail: { office: 'office-1' } };
  const started = performance.now();
  for (const [n, pattern] of patterns.entries()) matcher.add(n, pattern);
  matcher.match(event);
  const added = performance.now();
  for (let n = 0; n < rules; n++) matcher.remove(n);
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
