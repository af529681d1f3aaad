// The heap the local runtime's bounds are shares of, whatever young generation this Node reserves beside the old space.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { heapLimit, MEASURED_YOUNG_GENERATION_BYTES, maxOldSpaceSizeGiven } from '../../../local/heap.js';

const MIB = 2 ** 20;

describe('maxOldSpaceSizeGiven', () => {
  it.each([
    [[], '', undefined],
    [['--max-old-space-size=96'], '', 96],
    [[], '--max_old_space_size=128', 128],
    [['--max-old-space-size=200'], '--max-old-space-size=96', 200],
    [[], '--max-old-space-size=96 --max-old-space-size=64', 64],
    [[], '--inspect', undefined],
    // Node parses NODE_OPTIONS with double quotes, as a shell would: V8 gets 96 (Node 24: heap_size_limit 288 MiB).
    [[], '--max-old-space-size="96"', 96],
    [[], '--require "./a b.js" "--max_old_space_size=64"', 64],
    // Node 24's percentage of the machine's memory (here 8 GiB): it wins over a size given anywhere, in either form.
    [['--max-old-space-size-percentage=1'], '', 81],
    [['--max-old-space-size=96'], '--max_old_space_size_percentage 2.5', 204],
    [['--max-old-space-size-percentage=1', '--max-old-space-size=96'], '', 81],
  ])('in %p with NODE_OPTIONS %p finds %p', (execArgv, nodeOptions, mebibytes) => {
    expect(maxOldSpaceSizeGiven(execArgv, nodeOptions, 8 * 2 ** 30)).toBe(mebibytes);
  });
});

describe('heapLimit', () => {
  it("takes V8's limit as it is when no old space was given", () => {
    expect(heapLimit(4_288 * MIB, undefined)).toBe(4_288 * MIB);
  });

  it.each([
    // Node 20 (three 16 MiB semi-spaces): its limit as it is.
    [144, 96, 144],
    [304, 256, 304],
    // Node 24 (three 64 MiB semi-spaces): the old space with Node 20's young generation.
    [288, 96, 144],
    [448, 256, 304],
    // Smaller semi-spaces than Node 20's (--max-semi-space-size=8, or a machine of 2 GB or less): V8's limit.
    [120, 96, 120],
  ])("at V8's limit of %p MiB and --max-old-space-size=%p takes %p MiB", (limit, oldSpace, mebibytes) => {
    expect(heapLimit(limit * MIB, oldSpace)).toBe(mebibytes * MIB);
  });

  it.each([
    [['--max-old-space-size=96'], undefined],
    [[], '--max-old-space-size="96"'],
  ])(
    'is the old space given plus at most 48 MiB in a process of this Node (%p, NODE_OPTIONS %p)',
    (args, nodeOptions) => {
      const url = JSON.stringify(pathToFileURL(join(process.cwd(), 'local', 'heap.ts')).href);
      const run = spawnSync(
        process.execPath,
        [
          ...args,
          '--import',
          'tsx',
          '--input-type=module',
          '-e',
          `import { heapLimit } from ${url}; console.log(heapLimit());`,
        ],
        { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: nodeOptions ?? '' } },
      );
      expect(run.stderr).toBe('');
      expect(Number(run.stdout)).toBeLessThanOrEqual(96 * MIB + MEASURED_YOUNG_GENERATION_BYTES);
      expect(Number(run.stdout)).toBeGreaterThan(96 * MIB);
    },
  );
});
