// Tests of what only Linux's /proc (or its tmpfs /dev/shm) can show run on Linux alone: on macOS, where `npm test` is
// run too, they failed reading files that are not there, though what they test has another way there (or none).
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { hasProc } from '../local/processes.js';

export { hasProc };

/** `it`, where /proc is; `it.skip` elsewhere. */
export const itWithProc: jest.It = hasProc ? it : it.skip;

/**
 * What an ES module `script` (run with tsx from the project's root) prints, run as the user nobody (uid 65534): how a
 * test run as root sees what an ordinary user would, root being let through checks (ports, signals) others are not.
 */
export function printedAsNobody(script: string): string {
  return spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    uid: 65534,
    gid: 65534,
    encoding: 'utf8',
    env: { ...process.env, HOME: tmpdir() },
  }).stdout.trim();
}
