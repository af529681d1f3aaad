// The open-file limit as Linux reports it, and the deliveries it leaves room for at once.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCAL_CONCURRENCY } from '../../../local/lambda/invoker.js';
import {
  deliveryConcurrency,
  MIN_DELIVERIES,
  openFileLimit,
  RESERVED_OPEN_FILES,
} from '../../../local/open-files.js';
import { itWithProc } from '../../linux.js';

describe('openFileLimit', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sharebus-limits-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const limits = (openFiles: string) => {
    const file = join(dir, `limits-${Math.random()}`);
    writeFileSync(
      file,
      [
        'Limit                     Soft Limit           Hard Limit           Units     ',
        'Max cpu time              unlimited            unlimited            seconds   ',
        `Max open files            ${openFiles}                 files     `,
        'Max locked memory         8388608              8388608              bytes     ',
      ].join('\n'),
    );
    return file;
  };

  it('reads the soft limit of open files, which Node raised to the hard one', () => {
    expect(openFileLimit(limits('1024                 4096   '))).toBe(1024);
  });

  it('knows none where the file is missing (macOS) or says no number', () => {
    expect(openFileLimit(join(dir, 'missing'))).toBeUndefined();
    expect(openFileLimit(limits('unlimited            unlimited'))).toBeUndefined();
  });

  itWithProc("reads this process's own on Linux", () => {
    expect(openFileLimit()).toEqual(expect.any(Number));
  });
});

describe('deliveryConcurrency', () => {
  it.each([
    [undefined, LOCAL_CONCURRENCY],
    [1_048_576, LOCAL_CONCURRENCY],
    [RESERVED_OPEN_FILES + LOCAL_CONCURRENCY, LOCAL_CONCURRENCY],
    [1_024, 1_024 - RESERVED_OPEN_FILES],
    [256, MIN_DELIVERIES],
  ])('at a limit of %p runs %p deliveries at once', (limit, deliveries) => {
    expect(deliveryConcurrency(limit)).toBe(deliveries);
  });
});
