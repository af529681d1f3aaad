// What `npm start` prints when it cannot start because of what it was given: one line saying what to change, no
// stack (a stack reads as a crash of ours). These refusals come before DynamoDB Local or any port is touched.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { root } from './harness.js';

function start(args: string[], env: Record<string, string> = {}): { status: number | null; stderr: string } {
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'local/start.ts'), ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: run.status, stderr: run.stderr };
}

describe('npm start refuses what it is given, in one line', () => {
  it.each([
    [
      'a mistyped flag',
      ['--inmemory'],
      {},
      2,
      "sharebus: Unknown option '--inmemory' (npm start -- --help lists the options)\n",
    ],
    [
      'a port that is not one',
      [],
      { SHAREBUS_PORT: 'abc' },
      1,
      'sharebus: SHAREBUS_PORT="abc" is not a TCP port (0-65535)\n',
    ],
    [
      'a rules quota that is not one',
      [],
      { SHAREBUS_EVENTBRIDGE_MAX_RULES: 'many' },
      1,
      'sharebus: SHAREBUS_EVENTBRIDGE_MAX_RULES must be a whole number of rules, 1 or more; got many\n',
    ],
    [
      'a throttle that is not one',
      [],
      { SHAREBUS_API_THROTTLE: 'fast' },
      1,
      'sharebus: SHAREBUS_API_THROTTLE must be <requests per second>/<burst>, as 100/200, or off; got fast\n',
    ],
    [
      'a delay scale that is not one',
      [],
      { SHAREBUS_EVENTBRIDGE_DELAY_SCALE: 'fast' },
      1,
      'sharebus: SHAREBUS_EVENTBRIDGE_DELAY_SCALE must be a number above 0 (0.001 makes retries a thousand times faster); got fast\n',
    ],
  ])('%s', (_, args, env, status, message) => {
    // Act
    const run = start([...args, '--in-memory'], env);
    // Assess
    expect(run).toEqual({ status, stderr: message });
  });
});
