// NumericRanges keeps changes beside its tree until a rebuild pays: every stab must still answer as a plain list of
// the ranges held would, whatever order additions, removals and stabs come in.

import fc from 'fast-check';
import { type NumericRange, NumericRanges } from '../../../local/eventbridge/patterns/numeric-ranges.js';

function holds(r: NumericRange, x: number): boolean {
  return (r.lowOpen ? x > r.low : x >= r.low) && (r.highOpen ? x < r.high : x <= r.high);
}

function stabbed(ranges: NumericRanges<number>, x: number): number[] {
  const hits = new Set<number>();
  ranges.stab(x, { hit: (item) => hits.add(item) });
  return [...hits].sort((a, b) => a - b);
}

/** Small integer bounds, so that ranges overlap, touch and repeat, and stabs land on their ends. */
const range = fc
  .tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 12 }), fc.boolean(), fc.boolean())
  .map(([low, width, lowOpen, highOpen]) => ({ low, high: low + width, lowOpen, highOpen }));

type Step =
  | { readonly op: 'add'; readonly item: number; readonly range: NumericRange }
  | { readonly op: 'remove'; readonly pick: number }
  | { readonly op: 'stab'; readonly x: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant('add' as const), item: fc.nat(30), range }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('remove' as const), pick: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('stab' as const), x: fc.integer({ min: -1, max: 54 }) }),
  },
);

describe('NumericRanges', () => {
  it('finds exactly the items of the ranges held that contain the number, through any changes', () => {
    let builds = 0;
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 300, size: 'max' }), (steps) => {
        // Prepare
        const ranges = new NumericRanges<number>();
        const held: Array<{ item: number; range: NumericRange }> = [];
        for (const s of steps) {
          // Act
          if (s.op === 'add') {
            ranges.add(s.range, s.item);
            held.push({ item: s.item, range: s.range });
          } else if (s.op === 'remove' && held.length > 0) {
            const [gone] = held.splice(s.pick % held.length, 1);
            if (gone !== undefined) expect(ranges.remove(gone.range, gone.item)).toBe(true);
          } else if (s.op === 'stab') {
            const expected = [...new Set(held.filter((h) => holds(h.range, s.x)).map((h) => h.item))];
            // Assess
            expect(stabbed(ranges, s.x)).toEqual(expected.sort((a, b) => a - b));
            expect(ranges.size).toBe(held.length);
          }
        }
        builds += ranges.builds;
      }),
      { numRuns: 150 },
    );
    // The runs must have reached rebuilds, and so the paths beside the tree between them.
    expect(builds).toBeGreaterThan(150);
  });

  it('refuses to remove a range it does not hold, and keeps the one it does', () => {
    // Prepare
    const ranges = new NumericRanges<string>();
    const held = { low: 10, lowOpen: true, high: 20, highOpen: false };
    ranges.add(held, 'a');
    // Act
    const otherBounds = ranges.remove({ ...held, highOpen: true }, 'a');
    const otherItem = ranges.remove(held, 'b');
    // Assess
    expect([otherBounds, otherItem]).toEqual([false, false]);
    expect(ranges.size).toBe(1);
    const hits: string[] = [];
    ranges.stab(20, { hit: (item) => hits.push(item) });
    expect(hits).toEqual(['a']);
  });

  it('empties 20,000 ranges while stabbing after each removal, rebuilding only in proportion', () => {
    // Prepare
    const ranges = new NumericRanges<number>();
    const count = 20_000;
    for (let n = 0; n < count; n++) ranges.add({ low: n, lowOpen: true, high: n + 7, highOpen: false }, n);
    const first: number[] = [];
    ranges.stab(5, { hit: (n) => first.push(n) });
    // Act
    const wrong: number[] = [];
    for (let n = 0; n < count; n++) {
      ranges.remove({ low: n, lowOpen: true, high: n + 7, highOpen: false }, n);
      let hits = 0;
      ranges.stab(n + 8, { hit: () => hits++ });
      // n + 8 lies in (m, m + 7] for m = n + 1 ... n + 7, those still held.
      if (hits !== Math.min(7, count - n - 1)) wrong.push(n);
    }
    // Assess
    expect(first.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4]);
    expect(wrong).toEqual([]);
    expect(ranges.size).toBe(0);
    // A rebuild each time half the tree is gone: about log2(20,000), not one per removal.
    expect(ranges.builds).toBeGreaterThanOrEqual(10);
    expect(ranges.builds).toBeLessThan(20);
  });
});
