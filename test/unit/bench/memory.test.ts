// bench/lib/memory.ts measures read latency by chasing pointers through an array: the figure means something only
// if the chase reads every line of the array, once per lap, and never two lines in the same order by design.
import { chaseCycle } from '../../../bench/lib/memory.js';

function lap(next: Int32Array): number[] {
  const seen: number[] = [];
  let at = 0;
  do {
    seen.push(at / 16);
    at = next[at] as number;
  } while (at !== 0 && seen.length <= next.length);
  return seen;
}

describe('bench/lib/memory chaseCycle', () => {
  it.each([2, 3, 17, 4096])('reads each of %i lines once per lap', (lines) => {
    // Act
    const seen = lap(chaseCycle(lines));

    // Assess
    expect(seen).toHaveLength(lines);
    expect(new Set(seen).size).toBe(lines);
    expect(Math.max(...seen)).toBe(lines - 1);
  });

  it('visits the lines in a shuffled order, not one after another', () => {
    // Act
    const seen = lap(chaseCycle(4096));

    // Assess: a sequential walk would let the hardware prefetcher hide the latency being measured.
    const inOrder = seen.filter((line, i) => i > 0 && line === (seen[i - 1] as number) + 1).length;
    expect(inOrder).toBeLessThan(40);
  });
});
