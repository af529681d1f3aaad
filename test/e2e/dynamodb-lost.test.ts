// DynamoDB Local ending under a running `npm start` (killed, out of memory): the registry is gone, so sharebus
// stops and says why, rather than answer 500 to every call while /health says all is well.
import { readFileSync } from 'node:fs';
import { processTree } from '../../local/processes.js';
import { type LocalSharebus, startLocalSharebus } from './harness.js';

/** The Java process of DynamoDB Local among `pid`'s descendants. */
function dynamoDbJava(pid: number): number | undefined {
  return processTree(pid).find((member) => {
    try {
      // Java itself, not the watchdog shell whose command line names the jar too
      return readFileSync(`/proc/${member}/comm`, 'utf8').trim() === 'java';
    } catch {
      return false;
    }
  });
}

describe('npm start when DynamoDB Local ends', () => {
  let local: LocalSharebus | undefined;

  afterEach(async () => {
    await local?.stop();
  });

  it('stops with exit code 1, saying DynamoDB Local exited', async () => {
    // Prepare
    local = await startLocalSharebus({}, ['--in-memory', '--no-demo']);
    const java = dynamoDbJava(local.pid);
    expect(java).toBeDefined();
    // Act
    process.kill(java as number, 'SIGKILL');
    const code = await local.exited;
    // Assess
    expect(code).toBe(1);
    expect(local.output()).toMatch(
      /sharebus: DynamoDB Local exited with code 137.*\. Stopping: the registry is gone \(start again to carry on\)\./,
    );
    expect(dynamoDbJava(local.pid)).toBeUndefined();
  });
});
