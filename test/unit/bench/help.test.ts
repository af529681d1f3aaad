// Each benchmark answers --help with its usage and runs nothing, as `npm start -- --help` does.
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

describe('benchmark --help', () => {
  it.each([
    ['router', '--help', '--export DIR'],
    ['api', '-h', '--events N'],
    ['backlog', '--help', '--lambda-ms MS'],
    ['registry', '--help', '--schema-kb N'],
    ['coldstart', '--help', '--node PATH'],
  ])('bench:%s prints its usage for %s and exits 0 without measuring', (bench, flag, option) => {
    // Act
    const result = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(root, 'bench', `${bench}.ts`), flag],
      {
        cwd: root,
        encoding: 'utf8',
      },
    );
    // Assess
    expect([result.status, result.stderr]).toEqual([0, '']);
    expect(result.stdout).toMatch(new RegExp(`^usage: npm run bench:${bench} `));
    expect(result.stdout).toContain(option);
    expect(result.stdout.trim().split('\n').length).toBeLessThan(6);
  });

  it('bench:coldstart refuses a --node that is no Node.js, before it synthesizes or writes anything', () => {
    // Prepare
    const results = join(root, 'bench', 'results', 'coldstart.json');
    const before = statSync(results).mtimeMs;
    // Act
    const result = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(root, 'bench', 'coldstart.ts'), '--node', join(root, 'no-such-node')],
      { cwd: root, encoding: 'utf8' },
    );
    // Assess: no table, no bundling announced by the CDK, the results as they were
    expect([result.status, result.stdout, statSync(results).mtimeMs]).toEqual([2, '', before]);
    expect(result.stderr).toBe(
      `--node must name a Node.js executable; ${join(root, 'no-such-node')} printed no version (--help)\n`,
    );
  });
});
