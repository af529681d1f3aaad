// bench/router-work.ts is what router-counts.sh runs under cachegrind: it must refuse arguments it cannot use.
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCorpus, DEFAULT_SEED } from '../../../bench/lib/corpus.js';
import { compilePattern } from '../../../local/eventbridge/patterns/index.js';
import { referenceMatcherFor } from '../../../local/eventbridge/patterns/reference.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

function run(...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', join(root, 'bench', 'router-work.ts'), ...args], {
    cwd: root,
    encoding: 'utf8',
  });
}

describe('bench/router-work', () => {
  it('matches the corpus against the first N rules and prints the count', () => {
    // Prepare: the count the reference interpreter gives for the first 50 rules and the 5,000 events router-work
    // builds, once a pass (any count passed before: a matcher answering [] printed matches=0 and met the check)
    const corpus = createCorpus({ seed: DEFAULT_SEED, ruleCount: 50, eventCount: 5_000 });
    const patterns = corpus.rules.map((rule) => compilePattern(rule.pattern));
    const once = corpus.events.reduce((sum, event) => {
      const matches = referenceMatcherFor(event);
      return sum + patterns.filter((pattern) => matches(pattern)).length;
    }, 0);
    // Act
    const result = run('50', '2');
    // Assess: every pass counted, and some matches to count, or the check would prove nothing
    expect(once).toBeGreaterThan(0);
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toBe(`rules=50 passes=2 matches=${2 * once}`);
  });

  it.each([
    ['a seed that is not an integer', ['10', '1', '1.5']],
    ['a rule count that is not a number', ['ten', '1']],
    ['no pass count', ['10']],
  ])('refuses %s with its usage', (_case, args) => {
    const result = run(...args);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('usage: router-work RULES PASSES [SEED]');
    expect(result.stdout).toBe('');
  });
});
