// The matching work of the router benchmark, alone, for bench/router-counts.sh to run under cachegrind: builds one
// bus of the corpus's first N rules and matches every corpus event against it PASSES times.
// Usage (after bundling, see router-counts.sh): node router-work.mjs RULES PASSES [SEED]

import { compilePattern, RuleMatcher } from '../local/eventbridge/patterns/index.js';
import { createCorpus, DEFAULT_SEED } from './lib/corpus.js';

const [rules, passes, seed = DEFAULT_SEED] = process.argv.slice(2).map(Number);
if (![rules, passes, seed].every(Number.isSafeInteger))
  throw new Error('usage: router-work RULES PASSES [SEED]');
const corpus = createCorpus({ seed, ruleCount: rules as number, eventCount: 5_000 });
const matcher = new RuleMatcher<string>();
for (const rule of corpus.rules) matcher.add(rule.name, compilePattern(rule.pattern));
// Collect the building's garbage now; with a young generation larger than the passes allocate
// (--max-semi-space-size in router-counts.sh), no collection then runs during them, so two runs of one build
// count alike.
(globalThis as { gc?: () => void }).gc?.();
let matches = 0;
for (let pass = 0; pass < (passes as number); pass++) {
  for (const event of corpus.events) matches += matcher.match(event).length;
}
// Printed so that the work cannot be optimized away, and as a check that two builds agree.
console.log(`rules=${rules} passes=${passes} matches=${matches}`);
