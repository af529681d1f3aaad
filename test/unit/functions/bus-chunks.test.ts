import fc from 'fast-check';
import {
  type BusEntry,
  chunkEntries,
  entrySize,
  MAX_ENTRIES_PER_PUT,
  MAX_PUT_BYTES,
} from '../../../functions/shared/bus.js';

const SOURCE = 'sharebus.tax';
const DETAIL_TYPE = 'tax.company.registered';
/** Bytes an entry takes besides its detail: 14 for Time, plus source and detail-type. */
const OVERHEAD = 14 + SOURCE.length + DETAIL_TYPE.length;

/** An entry whose size on the bus is exactly `bytes`. */
function entryOf(bytes: number, id = `e-${bytes}`): BusEntry {
  return {
    eventId: id,
    source: SOURCE,
    detailType: DETAIL_TYPE,
    detail: 'x'.repeat(bytes - OVERHEAD),
    time: new Date('2025-01-01T00:00:00.000Z'),
  };
}

const ids = (chunks: BusEntry[][]) => chunks.map((chunk) => chunk.map((e) => e.eventId));

describe('entrySize', () => {
  it('counts 14 bytes for the time plus the UTF-8 bytes of source, detail-type and detail', () => {
    // Act
    const size = entrySize({ source: 'ab', detailType: 'c', detail: '{"é":"€"}' });
    // Assess
    expect(size).toBe(14 + 2 + 1 + Buffer.byteLength('{"é":"€"}'));
    expect(size).toBe(14 + 2 + 1 + 12);
  });
});

describe('chunkEntries', () => {
  it('answers no chunk for no entries', () => {
    // Act
    const chunks = chunkEntries([]);
    // Assess
    expect(chunks).toEqual([]);
  });

  it('cuts 25 small entries into chunks of 10, 10 and 5 in their order', () => {
    // Prepare
    const entries = Array.from({ length: 25 }, (_, n) => entryOf(100, `e${n}`));
    // Act
    const chunks = chunkEntries(entries);
    // Assess
    expect(chunks.map((c) => c.length)).toEqual([10, 10, 5]);
    expect(chunks.flat()).toEqual(entries);
  });

  it('keeps entries that add up to exactly 256 KB in one chunk and starts another for one byte more', () => {
    // Prepare
    const half = MAX_PUT_BYTES / 2;
    // Act
    const exact = chunkEntries([entryOf(half, 'a'), entryOf(half, 'b')]);
    const over = chunkEntries([entryOf(half, 'a'), entryOf(half + 1, 'b')]);
    // Assess
    expect(ids(exact)).toEqual([['a', 'b']]);
    expect(ids(over)).toEqual([['a'], ['b']]);
  });

  it('sends an entry larger than the request limit alone rather than dropping it', () => {
    // Act
    const chunks = chunkEntries([entryOf(100, 'a'), entryOf(MAX_PUT_BYTES + 1, 'huge'), entryOf(100, 'b')]);
    // Assess
    expect(ids(chunks)).toEqual([['a'], ['huge'], ['b']]);
  });

  it('keeps every entry once, in order, in as few chunks as the limits allow', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: OVERHEAD, max: 100_000 }), { maxLength: 40 }), (sizes) => {
        // Prepare
        const entries = sizes.map((bytes, n) => entryOf(bytes, `e${n}`));
        // Act
        const chunks = chunkEntries(entries);
        // Assess
        expect(chunks.flat()).toEqual(entries);
        const bytes = (chunk: BusEntry[]) => chunk.reduce((sum, e) => sum + entrySize(e), 0);
        chunks.forEach((chunk, index) => {
          expect(chunk.length).toBeGreaterThan(0);
          expect(chunk.length).toBeLessThanOrEqual(MAX_ENTRIES_PER_PUT);
          expect(bytes(chunk)).toBeLessThanOrEqual(MAX_PUT_BYTES);
          // A chunk ends only when the next entry would break a limit.
          const next = chunks[index + 1]?.[0];
          if (next && chunk.length < MAX_ENTRIES_PER_PUT) {
            expect(bytes(chunk) + entrySize(next)).toBeGreaterThan(MAX_PUT_BYTES);
          }
        });
      }),
      { numRuns: 200 },
    );
  });
});
