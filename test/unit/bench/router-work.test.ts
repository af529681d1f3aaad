// bench/router-work.ts is what router-counts.sh runs under cachegrind: it must refuse arguments it cannot use.
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

function run(...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', join(root, 'bench', 'router-work.ts'), ...args], {
    cwd: root,
    encoding: 'utf8',
  });
}

describe('bench/router-work', () => {
  it('matches the corpus against the first N rules and prints the count', () => {
    const result = run('10', '1');
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toMatch(/^rules=10 passes=1 matches=\d+$/);
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
