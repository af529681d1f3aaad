// The open-file limit as Linux reports it, and the deliveries it leaves room for at once.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCAL_CONCURRENCY } from '../../../local/lambda/invoker.js';
import {
  deliveriesInHeap,
  deliveryConcurrency,
  HEAP_PER_DELIVERY_BYTES,
  MIN_DELIVERIES,
  openFileLimit,
  RESERVED_OPEN_FILES,
} from '../../../local/open-files.js';
import { itWithProc } from '../../linux.js';

const MIB = 2 ** 20;
/** V8's heap_size_limit with Node's default on a machine of 16 GB or more. */
const DEFAULT_HEAP = 4_144 * MIB;

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
    expect(deliveryConcurrency(limit, DEFAULT_HEAP)).toBe(deliveries);
  });

  it.each([
    // Node's default heap on a machine of 16 GB or more: room for every delivery.
    [undefined, DEFAULT_HEAP, LOCAL_CONCURRENCY],
    // --max-old-space-size=256 (V8 reports 304 MiB): an eighth of it, 200 KB a delivery.
    [undefined, 304 * MIB, Math.floor((304 * MIB) / 8 / HEAP_PER_DELIVERY_BYTES)],
    // The lower of the two.
    [1_024, 304 * MIB, 194],
    [600, 4 * 1024 * MIB, 600 - RESERVED_OPEN_FILES],
    [undefined, 16 * MIB, MIN_DELIVERIES],
  ])(
    'at an open-file limit of %p and a heap of %p bytes runs %p deliveries at once',
    (limit, heap, deliveries) => {
      expect(deliveryConcurrency(limit, heap)).toBe(deliveries);
    },
  );

  it('runs 194 deliveries at once in the heap --max-old-space-size=256 gives, where 1,000 ran it out of memory', () => {
    expect(deliveriesInHeap(304 * MIB)).toBe(194);
  });
});
