// bench/event-ruler/run.sh runs the router corpus through AWS's event-ruler given its jar (not available to CI):
// what CI can check is that it refuses to start without its two arguments, before compiling or running anything.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const script = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  'bench',
  'event-ruler',
  'run.sh',
);

describe('bench/event-ruler/run.sh', () => {
  it.each([
    ['no arguments', []],
    ['no class path', ['corpus']],
    ['an extra argument', ['corpus', 'classes.jar', 'more']],
  ])('refuses %s with its usage and exit code 2, writing nothing', (_case, args) => {
    // Prepare: the script compiles into a directory it makes under TMPDIR.
    const scratch = mkdtempSync(join(tmpdir(), 'event-ruler-run-'));
    try {
      // Act
      const result = spawnSync('bash', [script, ...args], {
        encoding: 'utf8',
        env: { ...process.env, TMPDIR: scratch },
      });

      // Assess
      expect(result.status).toBe(2);
      expect(result.stderr).toContain('usage:');
      expect(result.stderr).toContain('DIR CLASSPATH');
      expect(result.stdout).toBe('');
      expect(readdirSync(scratch)).toEqual([]);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
